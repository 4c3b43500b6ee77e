from django.contrib import admin

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
    ]
    export_choices_display = True
