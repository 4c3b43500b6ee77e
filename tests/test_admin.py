"""StreamExportMixin: actions, select-across, the Export button, permissions and CSRF.

The example project's ``ProductAdmin`` uses the mixin (``/admin/``); ``/strict-admin/`` is the
same admin with ``export_permission`` set (see tests/http_urls.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.db import connection, connections
from django.http import StreamingHttpResponse
from django.test import AsyncClient, Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from cursor_stream.admin import StreamExportMixin
from cursor_stream.exceptions import ConfigurationError
from cursor_stream.export import ExportOptions, prepare_export

pytestmark = pytest.mark.urls("tests.http_urls")

CHANGELIST = "/admin/catalog/product/"
EXPORT = "/admin/catalog/product/export/"
STRICT_CHANGELIST = "/strict-admin/catalog/product/"
STRICT_EXPORT = "/strict-admin/catalog/product/export/"
EDITABLE_CHANGELIST = "/editable-admin/catalog/product/"


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


def _request(user: Any) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    return request


def _superuser() -> User:
    # Never saved: a superuser's permission checks need no database.
    return User(username="root", is_superuser=True, is_staff=True, is_active=True)


def test_default_export_fields_are_the_model_fields_of_list_display() -> None:
    class Plain(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        list_display = ["product_name", "price", "__str__", "category"]

    class Bare(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        pass

    request = _request(_superuser())
    site = admin.AdminSite(name="defaults")
    assert Plain(Product, site).get_export_fields(request) == ["product_name", "price", "category"]
    assert Bare(Product, site).get_export_fields(request) == [
        "product_id", "product_name", "sku", "category", "price", "in_stock", "status",
        "attributes", "created_at", "description",
    ]  # fmt: skip


def test_default_export_fields_leave_out_what_the_admin_hides() -> None:
    class Excluded(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        exclude = ["description", "attributes"]

    class Listed(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        list_display = ["product_name", "description", "price"]
        exclude = ["description"]

    class Fields(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        fields = ["product_name", "price"]
        readonly_fields = ["price"]

    class Fieldsets(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        fieldsets = [(None, {"fields": ["sku", ("status", "in_stock")]})]

    class PerUser(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        def get_exclude(self, request: Any, obj: Any = None) -> Any:
            return [] if request.user.is_superuser else ["price"]

        def get_fields(self, request: Any, obj: Any = None) -> Any:
            return ["product_name", "price"] if request.user.is_superuser else ["product_name"]

    site = admin.AdminSite(name="hidden")
    request = _request(_superuser())
    staff = User(username="staff", is_staff=True, is_active=True)
    staff.has_perm = lambda perm, obj=None: perm == "catalog.view_product"  # type: ignore[method-assign]
    assert Excluded(Product, site).get_export_fields(request) == [
        "product_id", "product_name", "sku", "category", "price", "in_stock", "status",
        "created_at",
    ]  # fmt: skip
    # Changelist columns are shown, but exclude wins.
    assert Listed(Product, site).get_export_fields(request) == ["product_name", "price"]
    # The primary key identifies every changelist row; read-only fields are shown.
    assert Fields(Product, site).get_export_fields(request) == [
        "product_id",
        "product_name",
        "price",
    ]
    assert Fieldsets(Product, site).get_export_fields(request) == [
        "product_id",
        "sku",
        "in_stock",
        "status",
    ]
    assert PerUser(Product, site).get_export_fields(request) == [
        "product_id",
        "product_name",
        "price",
    ]
    assert PerUser(Product, site).get_export_fields(_request(staff)) == [
        "product_id",
        "product_name",
    ]


def test_default_export_fields_are_empty_without_the_view_permission() -> None:
    class Bare(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        pass

    nobody = User(username="nobody", is_staff=True, is_active=True)
    nobody.has_perm = lambda perm, obj=None: False  # type: ignore[method-assign]
    site = admin.AdminSite(name="noview")
    assert Bare(Product, site).get_export_fields(_request(nobody)) == []


def test_default_export_fields_never_include_the_password() -> None:
    class Users(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        pass

    fields = Users(User, admin.AdminSite(name="users")).get_export_fields(_request(_superuser()))
    assert "password" not in fields
    assert fields[:2] == ["id", "last_login"]
    assert "username" in fields


def test_export_fields_naming_a_sensitive_field_fail_the_checks() -> None:
    from django.contrib.admin.models import LogEntry
    from django.core import checks

    class Users(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = ["username", "password", "nickname"]

    class Log(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = ["action_time", "user__password"]

    def sensitive(cls: type, path: str) -> checks.Error:
        return checks.Error(
            f"{cls.__name__}.export_fields names {path!r}, the sensitive field "
            "auth.User.password (CURSOR_STREAM['SENSITIVE_FIELDS']), which admin exports never "
            "include.",
            hint="Remove it from export_fields; export it with manage.py streamdata --fields if "
            "you must.",
            obj=cls,
            id="cursor_stream.E005",
        )

    site = admin.AdminSite(name="checked")
    assert Users(User, site).check() == [
        sensitive(Users, "password"),
        checks.Error(
            "Users.export_fields: Unknown field 'nickname': auth.User has no field 'nickname'. "
            "Its fields are: id, password, last_login, is_superuser, username, first_name, "
            "last_name, email, is_staff, is_active, date_joined, groups, user_permissions.",
            hint="Name model field paths, e.g. 'category__name'.",
            obj=Users,
            id="cursor_stream.E006",
        ),
    ]
    assert Log(LogEntry, site).check() == [sensitive(Log, "user__password")]
    # The example project's admin passes.
    assert admin.site._registry[Product].check() == []


def test_an_admin_export_refuses_a_sensitive_field_even_when_declared() -> None:
    class Users(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        def get_export_fields(self, request: Any) -> list[str]:
            return ["username", "password"]

    model_admin = Users(User, admin.AdminSite(name="refused"))
    with pytest.raises(ConfigurationError) as info:
        model_admin.export_response(_request(_superuser()), User.objects.all(), "csv")
    assert str(info.value) == (
        "Users.get_export_fields() names 'password', the sensitive field auth.User.password "
        "(CURSOR_STREAM['SENSITIVE_FIELDS']), which admin exports never include. Remove it "
        "from export_fields."
    )


def test_export_permission_is_required_in_addition_to_the_view_permission(products: int) -> None:
    # The strict admin's export permission (delete_product) without any view permission.
    client = _client(_user("deleter", "delete_product"))
    assert client.get(STRICT_EXPORT).status_code == 403
    assert client.post(STRICT_EXPORT, {"format": "csv"}).status_code == 403
    assert _action(client, STRICT_CHANGELIST, "export_as_csv", [1], across=True).status_code == 403


def test_list_editable_save_saves_even_with_an_export_action_selected(products: int) -> None:
    """Django runs no action when "_save" is posted; neither do the export actions."""
    client = _client(_user("root", superuser=True))
    first, second = Product.objects.order_by("pk")[:2]
    Product.objects.filter(pk=first.pk).update(in_stock=False)
    Product.objects.filter(pk=second.pk).update(in_stock=True)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-product_id": str(first.pk),
        "form-0-price": "123.45",
        "form-0-in_stock": "on",
        "form-1-product_id": str(second.pk),
        "form-1-price": str(second.price),
        "_save": "Save",
        # The dropdown still says "export" and a row is ticked, as the browser posts them.
        "action": "export_as_csv",
        "_selected_action": [str(first.pk)],
        "select_across": "0",
    }
    response = client.post(EDITABLE_CHANGELIST, data)
    assert response.status_code == 302
    assert response["Location"] == EDITABLE_CHANGELIST
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.price == Decimal("123.45") and first.in_stock
    assert not second.in_stock
    messages = [str(m) for m in client.get(EDITABLE_CHANGELIST).context["messages"]]
    assert messages == ["2 products were changed successfully."]


def test_action_button_still_exports_on_a_list_editable_changelist(products: int) -> None:
    client = _client(_user("root", superuser=True))
    pks = list(Product.objects.order_by("pk").values_list("pk", flat=True)[:3])
    response = _action(client, EDITABLE_CHANGELIST, "export_as_csv", pks)
    assert response.status_code == 200
    assert sorted(int(r[0]) for r in _rows(_body(response))[1:]) == pks


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
