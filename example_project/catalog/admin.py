from decimal import Decimal

from django.contrib import admin
from django.db.models import F

from cursor_stream.admin import StreamExportMixin

from .models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(StreamExportMixin, admin.ModelAdmin):
    list_display = [
        "product_id",
        "product_name",
        "sku",
        "category",
        "price",
        "in_stock",
        "status",
        "created_at",
    ]
    list_filter = ["status", "in_stock", "category"]
    search_fields = ["product_name", "sku"]
    date_hierarchy = "created_at"
    list_select_related = ["category"]
    show_full_result_count = False

    # Streaming exports (cursor_stream.admin): an action per format and an "Export" button.
    # Headers are the fields' verbose names ("Category name", "SKU"); the last column is computed
    # by the database, with a label of its own.
    export_fields = [
        "product_id",
        "product_name",
        "sku",
        "category__name",
        "price",
        "in_stock",
        "status",
        "attributes",
        "created_at",
        ("price_with_vat", F("price") * Decimal("1.20"), "Price incl. VAT"),
    ]
    export_choices_display = True
