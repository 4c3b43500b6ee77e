"""``manage.py export_products``: an export command written the way a user would write their own."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from cursor_stream.connection import ConnectParams, connect, connect_params
from cursor_stream.exceptions import CursorStreamError
from cursor_stream.management import AsyncCommand

QUERY = (
    "SELECT product_id, product_name, sku, category_id, price, in_stock, status, attributes, "
    "created_at, description FROM product ORDER BY product_id"
)


class Command(AsyncCommand):
    help = "Export every product to a CSV file through PostgreSQL's COPY, via asyncpg."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", default="products.csv")

    def handle(self, *args: Any, **options: Any) -> str | None:
        try:
            params = connect_params()
        except CursorStreamError as exc:
            raise CommandError(str(exc)) from None
        target = Path(options["output"]).resolve()
        return super().handle(*args, params=params, target=target, **options)

    async def ahandle(
        self, *args: Any, params: ConnectParams, target: Path, **options: Any
    ) -> None:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        os.close(fd)
        try:
            conn = await connect(params)
            try:
                async with conn.transaction(isolation="repeatable_read", readonly=True):
                    status = await conn.copy_from_query(
                        QUERY, output=tmp, format="csv", header=True
                    )
            finally:
                await conn.close()
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
        self.stdout.write(f"{status}: wrote {target}")
