"""StreamExportMixin: actions, select-across, the Export button, permissions and CSRF.

The example project's ``ProductAdmin`` uses the mixin (``/admin/``); ``/strict-admin/`` is the
same admin with ``export_permission`` set (see tests/http_urls.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Permission, User
from django.db import connection, connections
from django.http import StreamingHttpResponse
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from cursor_stream.admin import StreamExportMixin
from cursor_stream.export import ExportOptions, prepare_export

pytestmark = pytest.mark.urls("tests.http_urls")

CHANGELIST = "/admin/catalog/product/"
EXPORT = "/admin/catalog/product/export/"
STRICT_CHANGELIST = "/strict-admin/catalog/product/"
STRICT_EXPORT = "/strict-admin/catalog/product/export/"


def _user(name: str, *perms: str, superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(name, f"{name}@example.com", "pw")
    user = User.objects.create_user(name, f"{name}@example.com", "pw", is_staff=True)
    for perm in perms:
        user.user_permissions.add(Permission.objects.get(codename=perm))
    return user


def _client(user: User, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _body(response: Any) -> bytes:
    assert isinstance(response, StreamingHttpResponse), response
    assert not response.is_async
    return b"".join(response.streaming_content)


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def _expected(queryset: Any, fmt: str = "csv") -> bytes:
    """Return what the export pipeline itself produces for ``queryset`` (the admin's options)."""
    admin_options = ExportOptions(format=fmt, escape_formulas=True, choices_display=True)
    fields = [
        "product_id", "product_name", "sku", "category__name", "price", "in_stock",
        "status", "attributes", "created_at",
    ]  # fmt: skip
    prepared = prepare_export(queryset, fields=fields, options=admin_options)

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in prepared.achunks()])

    return asyncio.run(collect())


def _action(client: Client, url: str, action: str, pks: list[int], across: bool = False) -> Any:
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"}
    if across:
        data["select_across"] = "1"
    return client.post(url, data)


# --- what users see -----------------------------------------------------------------------------


def test_superuser_sees_export_actions_and_button(products: int) -> None:
    response = _client(_user("root", superuser=True)).get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="export_as_csv"' in html
    assert 'value="export_as_jsonl"' in html
    assert "Export selected products as CSV" in html
    assert f'href="{EXPORT}"' in html


def test_view_only_staff_can_export_by_default(products: int) -> None:
    client = _client(_user("viewer", "view_product"))
    html = client.get(CHANGELIST + "?status__exact=active").content.decode()
    assert 'value="export_as_csv"' in html
    # The button carries the current filters to the export page.
    assert f'href="{EXPORT}?_changelist_filters=status__exact%3Dactive"' in html
    page = client.get(EXPORT + "?_changelist_filters=status__exact%3Dactive")
    assert page.status_code == 200
    assert 'name="format" value="csv"' in page.content.decode()
    assert 'value="status__exact=active"' in page.content.decode()


def test_custom_export_permission_hides_actions_and_button(products: int) -> None:
    client = _client(_user("viewer", "view_product"))
    response = client.get(STRICT_CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "export_as_" not in html
    assert STRICT_EXPORT not in html
    # Forged requests: 403, whatever the form says.
    assert client.get(STRICT_EXPORT).status_code == 403
    assert client.post(STRICT_EXPORT, {"format": "csv"}).status_code == 403
    assert _action(client, STRICT_CHANGELIST, "export_as_csv", [1], across=True).status_code == 403


def test_custom_export_permission_granted(products: int) -> None:
    client = _client(_user("exporter", "view_product", "delete_product"))
    assert 'value="export_as_csv"' in client.get(STRICT_CHANGELIST).content.decode()
    response = client.post(STRICT_EXPORT, {"format": "csv"})
    assert len(_rows(_body(response))) == products + 1


def test_staff_without_view_permission_gets_403(products: int) -> None:
    client = _client(_user("nobody"))
    assert client.get(EXPORT).status_code == 403
    assert client.post(EXPORT, {"format": "csv"}).status_code == 403
    assert _action(client, CHANGELIST, "export_as_csv", [1], across=True).status_code == 403


def test_export_view_enforces_csrf(products: int) -> None:
    client = _client(_user("root", superuser=True), enforce_csrf_checks=True)
    assert client.post(EXPORT, {"format": "csv"}).status_code == 403
    assert _action(client, CHANGELIST, "export_as_csv", [1], across=True).status_code == 403
    # With the token from the chooser page the same POST streams.
    page = client.get(EXPORT)
    token = page.context["csrf_token"]
    response = client.post(EXPORT, {"format": "csv", "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 200
    assert len(_rows(_body(response))) == products + 1


def test_format_not_offered_is_refused(products: int) -> None:
    client = _client(_user("root", superuser=True))
    assert client.post(EXPORT, {"format": "tsv"}).status_code == 400
    assert client.post(EXPORT, {"format": "nope"}).status_code == 400


# --- what gets exported ---------------------------------------------------------------------------


def test_action_exports_the_selected_rows(products: int) -> None:
    client = _client(_user("root", superuser=True))
    pks = list(Product.objects.order_by("pk").values_list("pk", flat=True)[:5])
    response = _action(client, CHANGELIST, "export_as_csv", pks)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="products-') and '.csv"' in disposition
    body = _body(response)
    rows = _rows(body)
    assert rows[0] == [
        "product_id", "product_name", "sku", "category__name", "price", "in_stock",
        "status", "attributes", "created_at",
    ]  # fmt: skip
    assert sorted(int(r[0]) for r in rows[1:]) == pks
    # Choice labels, as the example admin asks.
    assert {r[6] for r in rows[1:]} <= {"Draft", "Active", "Discontinued"}
    expected = _expected(Product.objects.filter(pk__in=pks).order_by("-pk"))
    assert sorted(body.splitlines()) == sorted(expected.splitlines())


def test_select_across_exports_the_filtered_changelist_without_counting(products: int) -> None:
    client = _client(_user("root", superuser=True))
    filters = "?status__exact=active&in_stock__exact=1&q=Widget&o=-5.1"
    queryset = Product.objects.filter(status="active", in_stock=True).filter(
        product_name__icontains="Widget"
    )
    expected_count = queryset.count()
    assert 0 < expected_count < products
    with CaptureQueriesContext(connection) as queries:
        response = _action(client, CHANGELIST + filters, "export_as_csv", [1], across=True)
    assert response.status_code == 200
    body = _body(response)
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    rows = _rows(body)
    assert len(rows) == expected_count + 1
    # The changelist's ordering: price descending (column 5 of list_display), then pk.
    assert body == _expected(queryset.order_by("-price", "-pk"))


def test_select_across_jsonl(products: int) -> None:
    client = _client(_user("root", superuser=True))
    response = _action(client, CHANGELIST + "?status__exact=draft", "export_as_jsonl", [], True)
    lines = _body(response).splitlines()
    assert len(lines) == Product.objects.filter(status="draft").count()
    assert response["Content-Type"].startswith("application/")


def test_action_without_selection_redirects_back(products: int) -> None:
    client = _client(_user("root", superuser=True))
    response = _action(client, CHANGELIST, "export_as_csv", [])
    assert response.status_code == 302


def test_export_button_exports_every_row_matching_the_filters(products: int) -> None:
    client = _client(_user("root", superuser=True))
    filters = "q=Deluxe&in_stock__exact=0"
    with CaptureQueriesContext(connection) as queries:
        response = client.post(EXPORT, {"format": "csv", "_changelist_filters": filters})
    assert response.status_code == 200
    body = _body(response)
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    queryset = Product.objects.filter(product_name__icontains="Deluxe", in_stock=False)
    assert len(_rows(body)) == queryset.count() + 1
    assert body == _expected(queryset.order_by("-pk"))


def test_export_button_refuses_unknown_filters(products: int) -> None:
    client = _client(_user("root", superuser=True))
    response = client.post(EXPORT, {"format": "csv", "_changelist_filters": "password=x"})
    assert response.status_code == 400


def test_only_declared_fields_are_exported(products: int) -> None:
    client = _client(_user("root", superuser=True))
    response = client.post(EXPORT, {"format": "csv", "field": "description", "fields": "id"})
    assert b"description" not in _body(response).splitlines()[0]


def test_default_export_fields_are_the_model_fields_of_list_display() -> None:
    from django.contrib import admin

    class Plain(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        list_display = ["product_name", "price", "__str__", "category"]

    class Bare(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        pass

    request: Any = None
    site = admin.AdminSite(name="defaults")
    assert Plain(Product, site).get_export_fields(request) == ["product_name", "price", "category"]
    assert Bare(Product, site).get_export_fields(request)[:3] == [
        "product_id",
        "product_name",
        "sku",
    ]


def test_action_under_asgi_streams_an_async_iterator(products: int) -> None:
    user = _user("root", superuser=True)

    async def run() -> tuple[bool, bytes]:
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.post(
            CHANGELIST + "?status__exact=active",
            {"action": "export_as_csv", "_selected_action": ["1"], "select_across": "1"},
        )
        assert response.status_code == 200
        body = b"".join([chunk async for chunk in response.streaming_content])
        # The admin ran in asgiref's worker thread: close the ORM connection it left there.
        await sync_to_async(connections.close_all)()
        return response.is_async, body

    is_async, body = asyncio.run(run())
    assert is_async
    assert body == _expected(Product.objects.filter(status="active").order_by("-pk"))
