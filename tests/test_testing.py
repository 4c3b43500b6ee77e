"""cursor_stream.testing: exports inside a test transaction that wrote fail loudly, never empty.

The example project's catalog/tests.py shows the pattern for users (TransactionTestCase); here
each door (prepare_export, stream(), streaming_response, the admin, streamdata) is checked under
pytest-django's ``django_db`` mark, which wraps the test in django.test.TestCase's transaction.
"""

from __future__ import annotations

import asyncio
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

import cursor_stream
from catalog.models import Category, Product
from cursor_stream.export import prepare_export
from cursor_stream.testing import UncommittedTestDataError, in_test_transaction
from tests.testapp.models import Tag

FIX = "Use django.test.TransactionTestCase or @pytest.mark.django_db(transaction=True)"


def _export(queryset: object) -> bytes:
    prepared = prepare_export(queryset)

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in prepared.achunks()])

    return asyncio.run(collect())


def test_django_marks_its_test_case_transactions(db: None) -> None:
    """Breaks if Django stops flagging TestCase's atomic blocks (Atomic._from_testcase)."""
    assert in_test_transaction(connection)
    with transaction.atomic():
        assert in_test_transaction(connection)


def test_a_committed_test_is_not_in_a_test_transaction(transactional_db: None) -> None:
    assert not in_test_transaction(connection)
    with transaction.atomic():
        # A project's own atomic block (ATOMIC_REQUESTS, a view's) is never checked.
        Tag.objects.create(name="in a block")
        assert not in_test_transaction(connection)
        assert _export(Tag.objects.all()).count(b"\n") == 1  # the header: the row is not committed


def test_an_export_of_rows_the_test_wrote_fails_naming_the_table_and_the_fix(db: None) -> None:
    Tag.objects.create(name="invisible")
    with pytest.raises(UncommittedTestDataError) as info:
        prepare_export(Tag.objects.all())
    message = str(info.value)
    assert message.startswith(
        "This export reads DATABASES['default'] through a connection of its own, which cannot "
        "see what the current test wrote in its transaction (it changed testapp_tag): "
    )
    assert message.endswith(FIX + " for tests that export.")


def test_every_door_refuses(db: None) -> None:
    Tag.objects.create(name="invisible")
    with pytest.raises(UncommittedTestDataError):
        cursor_stream.stream(Tag.objects.all())
    with pytest.raises(UncommittedTestDataError):
        cursor_stream.transaction()
    with pytest.raises(CommandError, match="TransactionTestCase"):
        call_command("streamdata", "testapp.Tag", "-o", "-", stdout=io.StringIO())


@pytest.mark.urls("tests.http_urls")
def test_the_admin_export_refuses_instead_of_downloading_nothing(db: None) -> None:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    with pytest.raises(UncommittedTestDataError, match="auth_user"):
        client.post("/admin/catalog/product/export/", {"format": "csv"})


def test_a_test_that_wrote_nothing_exports_without_an_extra_query(db: None) -> None:
    with CaptureQueriesContext(connection) as queries:
        body = _export(Tag.objects.all())
    assert body == b"id,name\n"
    # The check ran on the driver's connection, never through Django's cursor.
    assert queries.captured_queries == []


@pytest.mark.django_db(transaction=True)
def test_the_documented_pattern_commits_and_the_export_sees_the_rows() -> None:
    Tag.objects.create(name="visible")
    assert _export(Tag.objects.values_list("name")).splitlines() == [b"name", b"visible"]


@pytest.mark.urls("tests.http_urls")
@pytest.mark.django_db(transaction=True)
def test_the_readme_example_exports_the_new_product(admin_client: Client) -> None:
    category = Category.objects.create(name="Books")
    Product.objects.create(product_name="the new product", sku="N-1", category=category, price=1)
    response = admin_client.post("/admin/catalog/product/export/", {"format": "csv"})
    assert b"the new product" in b"".join(response.streaming_content)
