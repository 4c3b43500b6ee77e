"""StreamExportMixin: actions, select-across, the Export button, permissions and CSRF.

The example project's ``ProductAdmin`` uses the mixin (``/admin/``); ``/strict-admin/`` is the
same admin with ``export_permission`` set (see tests/http_urls.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from asgiref.sync import sync_to_async
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.core.exceptions import BadRequest
from django.db import connection, connections
from django.db.models import F
from django.db.models.functions import Upper
from django.http import StreamingHttpResponse
from django.test import AsyncClient, Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from cursor_stream.admin import StreamExportMixin
from cursor_stream.exceptions import ConfigurationError
from cursor_stream.export import ExportOptions, prepare_export
from tests.http_urls import annotated_site
from tests.planner import planner_rows

pytestmark = pytest.mark.urls("tests.http_urls")

CHANGELIST = "/admin/catalog/product/"
EXPORT = "/admin/catalog/product/export/"
STRICT_CHANGELIST = "/strict-admin/catalog/product/"
STRICT_EXPORT = "/strict-admin/catalog/product/export/"
EDITABLE_CHANGELIST = "/editable-admin/catalog/product/"
ANNOTATED_CHANGELIST = "/annotated-admin/catalog/product/"
ANNOTATED_EXPORT = "/annotated-admin/catalog/product/export/"
#: The example admin's headers: verbose names ("SKU" is the field's own), a computed column's label.
ALL_HEADERS = [
    "Product id", "Product name", "SKU", "Category name", "Price", "In stock", "Status",
    "Attributes", "Created at", "Price incl. VAT",
]  # fmt: skip


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


def _expected(queryset: Any, fmt: str = "csv", fields: Any = None) -> bytes:
    """Return what the export pipeline itself produces for ``queryset`` (the admin's options)."""
    admin_options = ExportOptions(
        format=fmt, escape_formulas=True, choices_display=True, header_style="verbose"
    )
    fields = fields or admin.site._registry[Product].export_fields
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
    assert rows[0] == ALL_HEADERS
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
            "last_name, email, is_staff, is_active, date_joined.",
            hint="Name model field paths, e.g. 'category__name', or annotations that "
            "get_export_queryset() adds.",
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


def _error(cls: type, message: str, hint: str | None, id: str) -> Any:
    from django.core import checks

    return checks.Error(message, hint=hint, obj=cls, id=id)


ENTRY_HINT = (
    "Give a field path, (path, 'Label'), (name, expression) or (name, expression, 'Label'), "
    "e.g. ('price_with_vat', F('price') * Decimal('1.2'))."
)
LABEL_HINT = "Give the column a label of its own: (path, 'Label')."


def test_malformed_export_fields_entries_fail_the_checks() -> None:
    class Malformed(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = ["sku", ("price", 3)]

    assert Malformed(Product, admin.AdminSite(name="malformed")).check() == [
        _error(
            Malformed,
            "Malformed.export_fields: Cannot export the column ('price', 3): give a field path "
            "('category__name'), (path, 'Label'), (name, expression) or (name, expression, "
            "'Label').",
            ENTRY_HINT,
            "cursor_stream.E007",
        )
    ]


def test_computed_columns_are_checked_before_any_request() -> None:
    class Computed(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = [
            "sku",
            ("typo", F("prce") * 2),
            ("mixed", F("price") * 1.2),
            ("fine", F("price") * Decimal("1.2")),
        ]

    class Users(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = ["username", ("secret", Upper("password"))]

    site = admin.AdminSite(name="computed")
    errors = Computed(Product, site).check()
    assert [(e.id, e.hint) for e in errors] == [("cursor_stream.E007", ENTRY_HINT)] * 2
    assert errors[0].msg.startswith(
        "Computed.export_fields: The computed column 'typo' cannot be built: Cannot resolve "
        "keyword 'prce' into field. Choices are: attributes, category, "
    )
    assert errors[1].msg == (
        "Computed.export_fields: The computed column 'mixed' cannot be built: Cannot infer type "
        "of '*' expression involving these types: DecimalField, FloatField. You must set "
        "output_field."
    )
    # An expression reading a sensitive field is refused as the field itself would be.
    errors = Users(User, site).check()
    assert [e.id for e in errors] == ["cursor_stream.E005"]
    assert "names 'secret', the sensitive field auth.User.password" in errors[0].msg


def test_export_headers_are_checked_before_any_request() -> None:
    class Twice(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = ["sku", ("product_name", "SKU")]

    class Long(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = [("sku", "S" * 64)]

    class LongCsvOnly(Long):
        export_formats = ["csv"]

    class Style(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = ["sku"]
        export_header_style = "pretty"

    site = admin.AdminSite(name="headers")
    assert Twice(Product, site).check() == [
        _error(
            Twice,
            "Twice.export_fields: The columns 'sku' and 'product_name' would both be headed "
            "'SKU'; headers are also the JSON keys and must be unique. Give one of them a label "
            "of its own, e.g. ('product_name', 'Another header').",
            LABEL_HINT,
            "cursor_stream.E008",
        )
    ]
    # jsonl is offered by default: its keys are the headers.
    assert [e.id for e in Long(Product, site).check()] == ["cursor_stream.E008"]
    assert "63-byte identifier limit" in Long(Product, site).check()[0].msg
    assert LongCsvOnly(Product, site).check() == []
    assert Style(Product, site).check() == [
        _error(
            Style,
            "Style.export_header_style is 'pretty'; use one of names, verbose.",
            None,
            "cursor_stream.E008",
        )
    ]


def test_names_only_an_annotating_hook_knows_are_checked_per_request() -> None:
    class Unknown(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = ["sku", "name_length"]

    site = admin.AdminSite(name="annotating")
    assert [e.id for e in Unknown(Product, site).check()] == ["cursor_stream.E006"]
    assert annotated_site._registry[Product].check() == []


def test_actions_and_the_export_page_go_through_get_export_queryset(products: int) -> None:
    client = _client(_user("root", superuser=True))
    in_stock = Product.objects.filter(in_stock=True).order_by("pk")
    out_of_stock = Product.objects.filter(in_stock=False).order_by("pk")
    pks = [p.pk for p in [*in_stock[:3], *out_of_stock[:2]]]

    def rows_of(response: Any) -> list[list[str]]:
        assert response.status_code == 200
        return _rows(_body(response))

    def expected(queryset: Any) -> list[list[str]]:
        return [[str(p.pk), p.sku, str(len(p.product_name))] for p in queryset]

    # The action on selected rows: the hook's filter and annotation apply to the selection.
    rows = rows_of(_action(client, ANNOTATED_CHANGELIST, "export_as_csv", pks))
    assert rows[0] == ["Product id", "SKU", "Name length"]
    assert sorted(rows[1:]) == sorted(expected(in_stock.filter(pk__in=pks)))
    # "Select all": the whole changelist through the hook.
    rows = rows_of(_action(client, ANNOTATED_CHANGELIST, "export_as_csv", [], across=True))
    assert sorted(rows[1:]) == sorted(expected(in_stock))
    # The export page: its column labels, its estimate and its download.
    page = client.get(ANNOTATED_EXPORT)
    assert page.context["form"].fields["columns"].choices == [
        ("product_id", "Product id"),
        ("sku", "SKU"),
        ("name_length", "Name length"),
    ]
    assert page.context["row_estimate"].startswith("about ")
    rows = rows_of(client.post(ANNOTATED_EXPORT, {"format": "csv"}))
    assert rows[1:] == expected(in_stock.order_by("-pk"))


def test_an_annotation_reading_a_sensitive_field_is_refused() -> None:
    class Users(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = ["username", "secret"]

        def get_export_queryset(self, request: Any, queryset: Any) -> Any:
            return queryset.annotate(secret=Upper("password"))

    model_admin = Users(User, admin.AdminSite(name="annotated-users"))
    request = _request(_superuser())
    queryset = model_admin.get_export_queryset(request, User.objects.all())
    with pytest.raises(ConfigurationError, match=r"names 'secret', the sensitive field auth\.User"):
        model_admin.export_response(request, queryset, "csv")


def test_an_admin_may_head_columns_with_their_names(products: int) -> None:
    class Named(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_fields = ["sku", "category__name", ("price", "Price (EUR)")]
        export_header_style = "names"

    model_admin = Named(Product, admin.AdminSite(name="named"))
    response = model_admin.export_response(
        _request(_superuser()), Product.objects.filter(pk=1), "csv"
    )
    assert _body(response).splitlines()[0] == b"sku,category__name,Price (EUR)"


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


# --- the export page ------------------------------------------------------------------------------

CUSTOM_CHANGELIST = "/custom-admin/catalog/product/"
CATEGORY_CHANGELIST = "/custom-admin/catalog/category/"
ALL_FIELDS = [
    "product_id", "product_name", "sku", "category__name", "price", "in_stock", "status",
    "attributes", "created_at", "price_with_vat",
]  # fmt: skip


def _page(client: Client, filters: str = "") -> Any:
    url = EXPORT + (f"?_changelist_filters={quote(filters)}" if filters else "")
    response = client.get(url)
    assert response.status_code == 200
    return response


def _summary(response: Any) -> list[str]:
    return [str(line) for line in response.context["filters_display"]]


def test_export_page_names_each_format_with_its_extension(products: int) -> None:
    html = _page(_client(_user("root", superuser=True))).content.decode()
    assert "CSV (.csv)" in html
    assert "JSONL (.jsonl)" in html
    assert "(.)" not in html


def test_export_page_offers_every_allowed_column_ticked(products: int) -> None:
    page = _page(_client(_user("root", superuser=True)))
    html = page.content.decode()
    for name in ALL_FIELDS:
        assert f'name="columns" value="{name}"' in html
    assert html.count('name="columns"') == len(ALL_FIELDS)
    assert html.count("checked") == len(ALL_FIELDS) + 1  # and the first format
    assert 'id="cursor-stream-all-columns"' in html  # the "All" toggle (shown by export.js)
    assert "cursor_stream/admin/export.js" in html
    # Labels are the columns' headers, the name beside them.
    form = page.context["form"]
    assert [label for _name, label in form.fields["columns"].choices] == ALL_HEADERS
    assert "Category name</label><code>category__name</code>" in html
    assert "Price incl. VAT</label><code>price_with_vat</code>" in html


def test_chosen_columns_are_exported_in_the_declared_order(products: int) -> None:
    client = _client(_user("root", superuser=True))
    data = {"format": "csv", "columns": ["price", "sku", "product_id"], "_columns_shown": "1"}
    response = client.post(EXPORT, data)
    assert response.status_code == 200
    body = _body(response)
    assert body.splitlines()[0] == b"Product id,SKU,Price"
    assert body == _expected(Product.objects.order_by("-pk"), fields=["product_id", "sku", "price"])


@pytest.mark.parametrize("forged", ["description", "category__id", "password", "pk); DROP"])
def test_a_column_outside_the_allowlist_is_a_400_naming_it(products: int, forged: str) -> None:
    client = _client(_user("root", superuser=True))
    data = {"format": "csv", "columns": ["sku", forged], "_columns_shown": "1"}
    response = client.post(EXPORT, data)
    assert response.status_code == 400
    assert not response.streaming
    errors = response.context["form"].errors
    assert errors == {
        "columns": [f"{forged!r} is not a column this page exports; tick the columns listed."]
    }
    assert "is not a column this page exports" in response.content.decode()


def test_no_column_ticked_is_a_400_asking_for_one(products: int) -> None:
    client = _client(_user("root", superuser=True))
    response = client.post(EXPORT, {"format": "csv", "_columns_shown": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"columns": ["Tick at least one column to export."]}


def test_a_post_without_the_picker_exports_every_allowed_column(products: int) -> None:
    # A script posting only the format (as before the picker existed).
    response = _client(_user("root", superuser=True)).post(EXPORT, {"format": "csv"})
    assert _body(response).splitlines()[0].decode() == ",".join(ALL_HEADERS)


def test_export_response_refuses_fields_outside_the_allowlist() -> None:
    model_admin = admin.site._registry[Product]
    with pytest.raises(BadRequest, match="'description' is not exported here"):
        model_admin.export_response(
            _request(_superuser()), Product.objects.all(), "csv", ["sku", "description"]
        )


def test_export_page_summarises_filters_as_the_sidebar_labels_them(products: int) -> None:
    category = Product.objects.select_related("category").first().category  # type: ignore[union-attr]
    filters = (
        f"status__exact=active&in_stock__exact=1&category__id__exact={category.pk}"
        "&q=Widget&created_at__year=2024&created_at__month=3&o=-5.1"
    )
    response = _page(_client(_user("root", superuser=True)), filters)
    assert _summary(response) == [
        "Search: 'Widget'",
        "By status: Active",
        "By in stock: Yes",
        f"By category: {category.name}",
        "Created at: 2024 / March",
        "Sorted by: Price (descending), Product id (ascending)",
    ]
    summary = response.content.decode().split('id="cursor-stream-summary"')[1].split("</div>")[0]
    assert "__exact" not in summary and "created_at__" not in summary
    # The filters still travel with the form, as the changelist's query string.
    assert f'value="{filters.replace("&", "&amp;")}"' in response.content.decode()


def test_export_page_labels_lookups_no_filter_claims(products: int) -> None:
    # Lookups the admin allows without a list filter (a link from elsewhere, a bookmark).
    filters = "sku__startswith=W&price__gte=10&created_at__year=2024&category=1"
    response = _page(_client(_user("root", superuser=True)), filters)
    assert _summary(response) == [
        "Created at: 2024",
        "SKU (startswith): W",
        "Price (gte): 10",
        "Category: 1",
    ]


def test_export_page_without_filters_says_every_row(products: int) -> None:
    response = _page(_client(_user("root", superuser=True)))
    assert _summary(response) == []
    assert "Every product." in response.content.decode()


def test_export_page_shows_the_planners_estimate_without_counting(products: int) -> None:
    from cursor_stream.adminpage import about_rows

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE product")
    client = _client(_user("root", superuser=True))
    with CaptureQueriesContext(connection) as queries:
        # Facets ("Show counts") on in the changelist: the page still counts nothing.
        response = _page(client, "status__exact=active&_facets=True")
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert _summary(response) == ["By status: Active"]
    queryset = Product.objects.filter(status="active").values_list(*ALL_FIELDS[:-1])
    expected = about_rows(planner_rows(queryset))
    assert response.context["row_estimate"] == expected
    assert f"The database estimates {expected}." in response.content.decode()


def test_rows_in_words_round_to_three_significant_digits() -> None:
    from cursor_stream.adminpage import about_rows

    assert about_rows(1) == "about 1 row"
    assert about_rows(37) == "about 37 rows"
    assert about_rows(999) == "about 999 rows"
    assert about_rows(12287) == "about 12,300 rows"
    assert about_rows(200_000) == "about 200,000 rows"
    assert about_rows(1_234_567) == "about 1,230,000 rows"


def test_a_slow_database_leaves_the_estimate_out_quickly(products: int) -> None:
    client = _client(_user("root", superuser=True))
    with connection.cursor() as cursor:
        # Nothing of the page itself may wait on the lock below; fail instead of hanging.
        cursor.execute("SET lock_timeout = '10s'")
    locker = connections.create_connection("default")
    try:
        with locker.cursor() as cursor:
            cursor.execute("BEGIN")
            # EXPLAIN needs a lock on the table: it waits until its statement timeout.
            cursor.execute("LOCK TABLE product IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            response = _page(client)
            elapsed = time.monotonic() - started
            cursor.execute("ROLLBACK")
    finally:
        locker.close()
    assert response.context["row_estimate"] == ""
    assert "cursor-stream-estimate" not in response.content.decode()
    assert "CSV (.csv)" in response.content.decode()
    assert 0.9 < elapsed < 5.0  # the 1 s bound, plus the page itself


def test_export_page_without_estimate_when_disabled(products: int) -> None:
    class NoEstimate(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        export_estimate_timeout = None

    model_admin = NoEstimate(Product, admin.AdminSite(name="noestimate"))
    estimate = model_admin.get_export_row_estimate(_request(_superuser()), Product.objects.all())
    assert estimate is None


# --- the Export button in any change-list template ---------------------------------------------


def _changelist(url: str) -> tuple[Any, str]:
    response = _client(_user("root", superuser=True)).get(url)
    assert response.status_code == 200
    return response, response.content.decode()


def test_a_custom_change_list_template_keeps_its_content_and_gets_the_button(
    products: int,
) -> None:
    response, html = _changelist(CUSTOM_CHANGELIST)
    assert '<h1 id="custom-template-title">Custom product list</h1>' in html
    assert 'class="custom-tool"' in html
    assert 'href="/custom-admin/catalog/product/export/" class="cursor-stream-export"' in html
    names = [t.name for t in response.templates]
    assert names[:3] == [
        "cursor_stream/admin/change_list.html",
        "tests/product_change_list.html",
        "admin/change_list.html",
    ]
    # The button comes first among the tools, the template's own and "Add" after it.
    tools = html.split('<ul class="object-tools">')[1].split("</ul>")[0]
    order = [tools.index(name) for name in ("cursor-stream-export", "custom-tool", "addlink")]
    assert order == sorted(order)


def test_a_per_model_change_list_template_keeps_its_content_and_gets_the_button(
    products: int,
) -> None:
    response, html = _changelist(CATEGORY_CHANGELIST)
    assert '<h1 id="per-model-title">Per-model category list</h1>' in html
    assert 'href="/custom-admin/catalog/category/export/" class="cursor-stream-export"' in html
    assert "admin/catalog/category/change_list.html" in [t.name for t in response.templates]


def test_the_mixin_sets_no_change_list_template() -> None:
    assert StreamExportMixin.__dict__.get("change_list_template") is None
    assert admin.site._registry[Product].change_list_template is None


def test_no_button_in_a_popup_nor_without_permission(products: int) -> None:
    root = _client(_user("root", superuser=True))
    html = root.get(CHANGELIST + "?_popup=1").content.decode()
    assert "cursor-stream-export" not in html
    viewer = _client(_user("viewer", "view_product"))
    assert "cursor-stream-export" not in viewer.get(STRICT_CHANGELIST).content.decode()
