"""How to test exports: the rows a test creates must be committed.

Exports read through a connection of their own, so they see committed rows only. Django's
``TestCase`` never commits (each test runs in a transaction rolled back at the end): use
``TransactionTestCase`` (with pytest-django: ``@pytest.mark.django_db(transaction=True)``) for
tests that export. An export started inside a ``TestCase`` that wrote rows raises
``cursor_stream.testing.UncommittedTestDataError`` instead of silently exporting nothing.

Run with ``python manage.py test catalog`` (or pytest, from the repository root).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.contrib.auth.models import User
from django.test import TestCase, TransactionTestCase
from django.urls import reverse

from cursor_stream.http import streaming_response
from cursor_stream.testing import UncommittedTestDataError

from .models import Category, Product


def _create_products() -> None:
    books = Category.objects.create(name="Books")
    games = Category.objects.create(name="Games")
    Product.objects.create(product_name="Atlas", sku="B-1", category=books, price=Decimal("12.50"))
    Product.objects.create(product_name="Chess", sku="G-1", category=games, price=Decimal("30"))


class ProductExportTests(TransactionTestCase):
    """TransactionTestCase commits what the test creates (and empties the tables afterwards)."""

    def setUp(self) -> None:
        _create_products()
        self.client.force_login(User.objects.create_superuser("admin", "a@example.com", "pw"))

    def test_admin_export_downloads_the_products_of_a_category(self) -> None:
        books = Category.objects.get(name="Books")
        response = self.client.post(
            reverse("admin:catalog_product_export"),
            {"format": "csv", "_changelist_filters": f"category__id__exact={books.pk}"},
        )
        self.assertEqual(response.status_code, 200)
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        self.assertEqual(rows[0][:3], ["Product id", "Product name", "SKU"])
        self.assertEqual([row[1] for row in rows[1:]], ["Atlas"])

    def test_streaming_response_of_a_queryset(self) -> None:
        response = streaming_response(
            Product.objects.order_by("sku"), fields=["sku", "price"], asynchronous=False
        )
        body = b"".join(response.streaming_content)
        self.assertEqual(body, b"sku,price\nB-1,12.50\nG-1,30.00\n")


class ExportInsideTestCaseTests(TestCase):
    """TestCase rolls back: the export refuses to run rather than export nothing."""

    def test_an_export_of_uncommitted_rows_says_what_to_do(self) -> None:
        _create_products()
        with self.assertRaisesMessage(UncommittedTestDataError, "TransactionTestCase"):
            streaming_response(Product.objects.all(), asynchronous=False)
