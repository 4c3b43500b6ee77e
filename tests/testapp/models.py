"""Models holding awkward data: every type the ORM converts, NULLs, and text that breaks CSV."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models


class Money:
    """A value object produced by a field with a ``from_db_value`` converter."""

    def __init__(self, cents: int) -> None:
        self.cents = cents

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and other.cents == self.cents

    def __hash__(self) -> int:
        return hash(self.cents)

    def __repr__(self) -> str:
        return f"Money({self.cents})"


class MoneyField(models.BigIntegerField):
    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Money | None:
        return None if value is None else Money(value)

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Money):
            return value.cents
        return super().get_prep_value(value)


class Tag(models.Model):
    name = models.CharField(max_length=50)


class Awkward(models.Model):
    text = models.TextField(null=True)
    char = models.CharField(max_length=100, default="", blank=True)
    flag = models.BooleanField(null=True)
    small = models.SmallIntegerField(null=True)
    big = models.BigIntegerField(null=True)
    real = models.FloatField(null=True)
    amount = models.DecimalField(max_digits=30, decimal_places=10, null=True)
    day = models.DateField(null=True)
    moment = models.DateTimeField(null=True)
    clock = models.TimeField(null=True)
    span = models.DurationField(null=True)
    uid = models.UUIDField(null=True)
    data = models.JSONField(null=True)
    numbers = ArrayField(models.IntegerField(), null=True)
    words = ArrayField(models.TextField(), null=True)
    ip = models.GenericIPAddressField(null=True)
    blob = models.BinaryField(null=True)
    price = MoneyField(null=True)
    tag = models.ForeignKey(Tag, null=True, on_delete=models.SET_NULL, related_name="rows")

    DEFAULT_AMOUNT = Decimal("0")
