"""``manage.py export_products``: an export command written the way a user would write their own.

It shows the three cursor patterns of django-cursor-stream:

1. all rows to a file, with constant memory (``prepare_export(...).awrite_to()``, the machinery
   behind ``manage.py streamdata``; ``stream()`` is the row-by-row equivalent);
2. a page: skip 500 rows, then read 100 (``fetch_page()``: ``cursor.forward(500)`` +
   ``cursor.fetch(100)``);
3. the first 5 rows (``take(stream(...), 5)``), without reading a sixth.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from catalog.models import Product
from cursor_stream import CursorStreamError, fetch_page, stream, take
from cursor_stream.export import ExportOptions, PreparedExport, prepare_export
from cursor_stream.management import AsyncCommand

FIELDS = ["product_id", "product_name", "sku", "category__name", "price", "in_stock", "status"]


class Command(AsyncCommand):
    help = "Export every product to a CSV file, then show a page of products and the first five."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", default="products.csv")
        parser.add_argument("--force", action="store_true", help="Replace an existing file.")

    def handle(self, *args: Any, **options: Any) -> str | None:
        # QuerySets are built and compiled here, in sync code; only the compiled export and
        # plain QuerySets (compiled again by stream()/fetch_page(), also sync) go async.
        try:
            export = prepare_export(
                Product.objects.order_by("product_id"),
                fields=FIELDS,
                options=ExportOptions(format="csv", choices_display=True),
            )
        except CursorStreamError as exc:
            raise CommandError(str(exc)) from None
        return super().handle(*args, export=export, **options)

    async def ahandle(self, *args: Any, export: PreparedExport, **options: Any) -> None:
        products = Product.objects.order_by("product_id")
        try:
            # 1. All rows to a file: COPY streams straight to a temporary file, renamed at the end.
            stats = await export.awrite_to(options["output"], force=options["force"])
            self.stdout.write(
                f"1. Wrote {stats.rows:,} products ({stats.bytes:,} bytes) to {options['output']} "
                f"in {stats.seconds:.2f} s."
            )

            # 2. Skip 500 rows, then read 100: one cursor, forward(500) + fetch(100).
            page = await fetch_page(
                products.values_list("product_id", "sku"), offset=500, count=100
            )
            if page:
                first, last = page[0], page[-1]
                self.stdout.write(
                    f"2. Rows 501-{500 + len(page)}: {first[1]} (id {first[0]}) ... "
                    f"{last[1]} (id {last[0]})."
                )

            # 3. The first five products as model instances; take() never reads a sixth row.
            self.stdout.write("3. The first five products:")
            async for product in take(stream(products.select_related("category")), 5):
                self.stdout.write(
                    f"   {product.sku}  {product.price:>9}  {product.category.name!r:30}  "
                    f"{product.product_name!r}"
                )
        except CursorStreamError as exc:
            raise CommandError(str(exc)) from None
