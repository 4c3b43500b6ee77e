"""Models holding awkward data: every type the ORM converts, NULLs, and text that breaks CSV."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import (
    ArrayField,
    BigIntegerRangeField,
    DateRangeField,
    DateTimeRangeField,
    DecimalRangeField,
    HStoreField,
    IntegerRangeField,
)
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


# --------------------------------------------------------------------------------------------
# Every PostgreSQL type Django and django.contrib.postgres map, for the driver-parity tests.


class DecimalDecoder(json.JSONDecoder):
    """A custom ``JSONField`` decoder: JSON numbers with a fraction become Decimals."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["parse_float"] = Decimal
        super().__init__(*args, **kwargs)


class PgTypeField(models.Field):  # type: ignore[type-arg]
    """A column of any PostgreSQL type, read with no conversion of Django's own."""

    def __init__(self, *args: Any, pg_type: str = "text", **kwargs: Any) -> None:
        self.pg_type = pg_type
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["pg_type"] = self.pg_type
        return name, path, args, kwargs

    def db_type(self, connection: Any) -> str:
        return self.pg_type


class RealField(models.FloatField):
    """``real`` (float4): Django's FloatField is double precision."""

    def db_type(self, connection: Any) -> str:
        return "real"


class ZooDetail(models.Model):
    """The far end of ``Zoo.detail``, for select_related()."""

    stamp = models.DateTimeField(null=True)
    period = DateTimeRangeField(null=True)
    uid = models.UUIDField(null=True)
    real = RealField(null=True)


class Zoo(models.Model):
    detail = models.ForeignKey(ZooDetail, null=True, on_delete=models.SET_NULL)
    flag = models.BooleanField(null=True)
    small = models.SmallIntegerField(null=True)
    integer = models.IntegerField(null=True)
    big = models.BigIntegerField(null=True)
    double = models.FloatField(null=True)
    real = RealField(null=True)
    amount = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    numeric = PgTypeField(pg_type="numeric", null=True)
    text = models.TextField(null=True)
    char = models.CharField(max_length=20, null=True)
    padded = PgTypeField(pg_type="char(6)", null=True)
    onechar = PgTypeField(pg_type='"char"', null=True)
    day = models.DateField(null=True)
    moment = models.DateTimeField(null=True)
    naive = PgTypeField(pg_type="timestamp", null=True)
    clock = models.TimeField(null=True)
    clocktz = PgTypeField(pg_type="timetz", null=True)
    span = models.DurationField(null=True)
    uid = models.UUIDField(null=True)
    ip = models.GenericIPAddressField(null=True)
    inet = PgTypeField(pg_type="inet", null=True)
    cidr = PgTypeField(pg_type="cidr", null=True)
    mac = PgTypeField(pg_type="macaddr", null=True)
    mac8 = PgTypeField(pg_type="macaddr8", null=True)
    blob = models.BinaryField(null=True)
    money = PgTypeField(pg_type="money", null=True)
    bits = PgTypeField(pg_type="bit(4)", null=True)
    varbits = PgTypeField(pg_type="varbit", null=True)
    point = PgTypeField(pg_type="point", null=True)
    data = models.JSONField(null=True, decoder=DecimalDecoder)
    plain = models.JSONField(null=True)
    json = PgTypeField(pg_type="json", null=True)
    store = HStoreField(null=True)
    ci = PgTypeField(pg_type="citext", null=True)
    ints = ArrayField(models.IntegerField(null=True), null=True)
    grid = ArrayField(ArrayField(models.TextField(null=True)), null=True)
    reals = ArrayField(RealField(null=True), null=True)
    decimals = ArrayField(models.DecimalField(max_digits=10, decimal_places=3), null=True)
    stamps = ArrayField(models.DateTimeField(null=True), null=True)
    days = ArrayField(models.DateField(null=True), null=True)
    uids = ArrayField(models.UUIDField(null=True), null=True)
    ips = ArrayField(models.GenericIPAddressField(null=True), null=True)
    cis = ArrayField(PgTypeField(pg_type="citext"), null=True)
    stores = ArrayField(HStoreField(), null=True)
    irange = IntegerRangeField(null=True)
    brange = BigIntegerRangeField(null=True)
    drange = DecimalRangeField(null=True)
    dayrange = DateRangeField(null=True)
    period = DateTimeRangeField(null=True)
    naive_range = PgTypeField(pg_type="tsrange", null=True)
    periods = ArrayField(DateTimeRangeField(), null=True)
    multi = PgTypeField(pg_type="int4multirange", null=True)


class SlowProduct(models.Model):
    """The catalogue's products through a view that pauses 2 ms per row (jobs that run long)."""

    product_id = models.BigIntegerField(primary_key=True)
    product_name = models.CharField(max_length=200)
    sku = models.CharField(max_length=32)
    price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        managed = False
        db_table = "slow_product"
