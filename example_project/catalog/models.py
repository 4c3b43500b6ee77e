from __future__ import annotations

from django.db import models
from django.utils import timezone


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        DISCONTINUED = "discontinued", "Discontinued"

    # Column names chosen so that `SELECT product_id, product_name FROM product` runs unchanged.
    product_id = models.BigAutoField(primary_key=True)
    product_name = models.CharField(max_length=200)
    sku = models.CharField("SKU", max_length=32, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    in_stock = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    description = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "product"

    def __str__(self) -> str:
        return self.product_name
