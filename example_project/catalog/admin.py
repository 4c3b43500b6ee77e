from django.contrib import admin

from .models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
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
