"""URLs of the HTTP and admin export tests (also served by real servers, see http_settings)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.functions import Length
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import path

from catalog.admin import ProductAdmin
from catalog.models import Category, Product
from cursor_stream.admin import StreamExportMixin
from cursor_stream.http import streaming_response


class StrictProductAdmin(ProductAdmin):
    # Any permission the tests can grant or withhold stands in for a custom "export" codename.
    export_permission = "catalog.delete_product"


strict_site = admin.AdminSite(name="strict")
strict_site.register(Product, StrictProductAdmin)


class EditableProductAdmin(ProductAdmin):
    list_editable = ["price", "in_stock"]


editable_site = admin.AdminSite(name="editable")
editable_site.register(Product, EditableProductAdmin)


class CustomTemplateProductAdmin(ProductAdmin):
    change_list_template = "tests/product_change_list.html"


class CategoryExportAdmin(StreamExportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    # Its change list is tests/templates/admin/catalog/category/change_list.html (per model).
    search_fields = ["name"]


custom_site = admin.AdminSite(name="custom")
custom_site.register(Product, CustomTemplateProductAdmin)
custom_site.register(Category, CategoryExportAdmin)


class AnnotatedProductAdmin(ProductAdmin):
    """Columns computed by ``get_export_queryset()``, which also keeps products in stock only."""

    export_fields = ["product_id", "sku", ("name_length", "Name length")]

    def get_export_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.annotate(name_length=Length("product_name")).filter(in_stock=True)


annotated_site = admin.AdminSite(name="annotated")
annotated_site.register(Product, AnnotatedProductAdmin)


def _export(request: HttpRequest) -> StreamingHttpResponse:
    fields = request.GET.getlist("field") or None
    return streaming_response(
        Product.objects.order_by("pk"),
        format=request.GET.get("format", "csv"),
        fields=fields,
        header_style=request.GET.get("header_style", "names"),
        request=request,
        filename="products",
    )


def products(request: HttpRequest) -> StreamingHttpResponse:
    return _export(request)


async def aproducts(request: HttpRequest) -> StreamingHttpResponse:
    return _export(request)


def products_plain(request: HttpRequest) -> StreamingHttpResponse:
    """Like ``products`` without ``request=``: the response kind comes from the handler."""
    return streaming_response(Product.objects.order_by("pk"), filename="products")


async def aproducts_plain(request: HttpRequest) -> StreamingHttpResponse:
    return streaming_response(Product.objects.order_by("pk"), filename="products")


def _series(request: HttpRequest, *, pass_request: bool = True) -> StreamingHttpResponse:
    tag = "".join(c for c in request.GET.get("tag", "series") if c.isalnum())
    fail = request.GET.get("fail_at")
    value = f"1 / (g - {int(fail)})" if fail else "g"
    return streaming_response(
        f"SELECT /* {tag} */ {value} AS n, repeat('x', 100) AS pad "
        "FROM generate_series(1, %s) AS g",
        [int(request.GET.get("n", "1000"))],
        format=request.GET.get("format", "csv"),
        request=request if pass_request else None,
        filename="series",
    )


def series(request: HttpRequest) -> StreamingHttpResponse:
    """Stream ``n`` generated rows (tag: a comment that finds the backend in pg_stat_activity)."""
    return _series(request)


def series_plain(request: HttpRequest) -> StreamingHttpResponse:
    """``series`` from a sync view that does not pass ``request=``."""
    return _series(request, pass_request=False)


async def aseries_plain(request: HttpRequest) -> StreamingHttpResponse:
    """``series`` from an async view that does not pass ``request=``."""
    return _series(request, pass_request=False)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("strict-admin/", strict_site.urls),
    path("editable-admin/", editable_site.urls),
    path("custom-admin/", custom_site.urls),
    path("annotated-admin/", annotated_site.urls),
    path("products/", products),
    path("aproducts/", aproducts),
    path("products-plain/", products_plain),
    path("aproducts-plain/", aproducts_plain),
    path("series/", series),
    path("series-plain/", series_plain),
    path("aseries-plain/", aseries_plain),
]
