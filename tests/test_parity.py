"""Driver parity: ``stream()`` yields exactly what Django's own connection yields.

A differential test over every PostgreSQL type Django and ``django.contrib.postgres`` map (the
``Zoo`` model: scalars, arrays, NULLs, JSON with a custom decoder, ranges, hstore, citext, ...),
for model instances, ``select_related()``, ``values()``, ``values_list()`` (plain, flat, named),
under ``USE_TZ`` True and False and several time zones. Values are compared strictly: same type,
same value, same time zone (see ``tests.differential.assert_same``).
"""

from __future__ import annotations

import asyncio
import datetime
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField, IntegerRangeField
from django.contrib.postgres.fields.hstore import KeyTransform
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange, NumericRange, is_psycopg3
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    GenericIPAddressField,
    IntegerField,
    JSONField,
    Min,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Greatest, JSONObject, Least
from django.test import override_settings

import cursor_stream
from cursor_stream.exceptions import QueryError
from cursor_stream.parity import ValueProfile, infinity_sentinels
from tests.differential import assert_same
from tests.testapp.models import Zoo

pytestmark = pytest.mark.django_db(transaction=True)

#: (USE_TZ, TIME_ZONE): aware UTC values, and naive local time in two zones either side of UTC
#: (one with a half-hour offset), with DST in play.
SETTINGS = [
    pytest.param((True, "Europe/Paris"), id="use_tz-paris"),
    pytest.param((False, "America/New_York"), id="naive-new_york"),
    pytest.param((False, "Asia/Kolkata"), id="naive-kolkata"),
    pytest.param((True, "America/Sao_Paulo"), id="use_tz-sao_paulo"),
]

DETAILS = [
    {
        "stamp": "'2024-03-31 01:30:00+00'",
        "period": "'[2024-01-01 10:00+00,2024-06-01 00:00+00)'",
        "uid": "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
        "real": "0.1",
    },
    {},
]

#: SQL literals per column; a missing column is NULL.
ROWS: list[dict[str, str]] = [
    {},  # every column NULL
    {
        "detail_id": "1",
        "flag": "true",
        "small": "-32768",
        "integer": "2147483647",
        "big": "-9223372036854775808",
        "double": "0.1",
        "real": "0.1",
        "amount": "-123456.789012",
        "numeric": "'NaN'",
        "text": "E'quote\" comma, newline\\n tab\\t emoji \U0001f600'",
        "char": "''",
        "padded": "'ab'",
        "onechar": "'x'",
        "day": "'2024-02-29'",
        "moment": "'2024-03-31 01:30:00.000001+00'",
        "naive": "'2024-03-31 02:30:00'",
        "clock": "'23:59:59.999999'",
        "clocktz": "'12:30:00+05:30'",
        "span": "'1 year 2 mons 3 days 04:05:06.789'",
        "uid": "'00000000-0000-0000-0000-000000000000'",
        "ip": "'::ffff:1.2.3.4'",
        "inet": "'10.0.0.1/24'",
        "cidr": "'10.0.0.0/8'",
        "mac": "'08:00:2b:01:02:03'",
        "mac8": "'08:00:2b:01:02:03:04:05'",
        "blob": "'\\x00ff'::bytea",
        "money": "'-12.34'",
        "bits": "B'0101'",
        "varbits": "B'1'",
        "point": "'(1.5,-2)'",
        "data": """'{"price": 1.10, "n": 12345678901234567890, "nested": [null, true]}'""",
        "plain": "'null'",
        "json": """'{"b": 1,  "a": [1.0, "x"]}'""",
        "store": '\'a=>1, b=>NULL, "c d"=>"e,f"\'',
        "ci": "'MiXeD'",
        "ints": "'{1,NULL,3}'",
        "grid": "'{{a,b},{NULL,\"d e\"}}'",
        "reals": "'{0.1,3.4e38,NULL}'",
        "decimals": "'{1.5,-0.001}'",
        "stamps": '\'{"2024-11-03 06:30:00+00",NULL,"2024-07-14 12:00:00+02"}\'',
        "days": "'{2024-01-01,NULL}'",
        "uids": "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}'",
        "ips": "'{10.0.0.1,::1,NULL}'",
        "cis": "'{A,b}'",
        "stores": "ARRAY['x=>1'::hstore, NULL]",
        "irange": "'[1,10)'",
        "brange": "'(,5]'",
        "drange": "'[1.5,2.5]'",
        "dayrange": "'empty'",
        "period": "'[2024-11-03 05:30:00+00,2024-11-03 06:30:00+00)'",
        "naive_range": "'[2024-01-01 00:00,)'",
        "periods": "ARRAY['[2024-01-01 00:00+00,2024-01-02 00:00+00)'::tstzrange, 'empty']",
        "multi": "'{[1,2), [5,8)}'",
    },
    {
        "detail_id": "2",
        "flag": "false",
        "double": "'-Infinity'",
        "real": "1e-45",
        "amount": "0.000001",
        "numeric": "'-0.000'",
        "text": "''",
        "day": "'0002-01-01'",
        "moment": "'2024-11-03 06:30:00+00'",
        "naive": "'9999-12-31 23:59:59.999999'",
        "span": "'-1 days +02:00:00'",
        "ip": "'2001:db8::1'",
        "inet": "'::1/128'",
        "blob": "''::bytea",
        "data": "'[]'",
        "plain": "'\"text\"'",
        "store": "''",
        "ints": "'{}'",
        "irange": "'empty'",
        "drange": "'(,)'",
        "dayrange": "'[2024-01-01,2024-12-31]'",
        "period": "'(,2024-01-01 00:00:00+00]'",
    },
]


@pytest.fixture
def zoo(transactional_db: None) -> None:
    """Insert the rows with SQL literals, so that no driver adaptation is involved."""
    with connection.cursor() as cursor:
        for table, rows in (("testapp_zoodetail", DETAILS), ("testapp_zoo", ROWS)):
            for number, row in enumerate(rows, start=1):
                columns = ["id", *row]
                values = [str(number), *row.values()]
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)})"
                )


@pytest.fixture(params=SETTINGS)
def zone(request: pytest.FixtureRequest) -> Iterator[tuple[bool, str]]:
    use_tz, time_zone = request.param
    with override_settings(USE_TZ=use_tz, TIME_ZONE=time_zone):
        # The ORM's connection follows (Django's setting_changed handler): make sure.
        assert connection.timezone_name == ("UTC" if use_tz else time_zone)
        yield use_tz, time_zone


def streamed(queryset: Any, **kwargs: Any) -> list[Any]:
    async def run() -> list[Any]:
        return [row async for row in cursor_stream.stream(queryset, **kwargs)]

    return asyncio.run(run())


FIELDS = [f.name for f in Zoo._meta.concrete_fields]


def shapes() -> dict[str, Any]:
    qs = Zoo.objects.order_by("pk")
    return {
        "instances": qs,
        "select_related": qs.select_related("detail"),
        "only": qs.only("moment", "period", "detail__stamp").select_related("detail"),
        "values": qs.values(),
        "values_related": qs.values("pk", "detail__stamp", "detail__period", "detail__real"),
        "values_list": qs.values_list(*FIELDS),
        "named": qs.values_list("moment", "stamps", "period", "store", named=True),
        "annotated": qs.annotate(
            doubled=F("small") * 2,
            day_of=Cast("moment", output_field=Zoo._meta.get_field("day")),
            key=KT("data__price"),
            obj=JSONObject(moment="moment", ip="ip"),
            raw_json=Cast("json", output_field=JSONField()),
            constant=Value(Decimal("1.50")),
        ).values("pk", "doubled", "day_of", "key", "obj", "raw_json", "constant"),
        "aggregated": Zoo.objects.values("flag")
        .annotate(moments=ArrayAgg("moment", order_by="pk"), ips=ArrayAgg("ip", order_by="pk"))
        .order_by("flag"),
    }


def filters() -> dict[str, Any]:
    """QuerySets whose parameters are each kind of value Django's compiler prepares."""
    qs = Zoo.objects.order_by("pk")
    moment = datetime.datetime(2024, 3, 31, 1, 30, 0, 1, tzinfo=datetime.UTC)
    return {
        "ip": qs.filter(ip="::ffff:1.2.3.4"),
        "ip_in": qs.filter(ip__in=["::ffff:1.2.3.4", "2001:db8::1"]),
        "bytes": qs.filter(blob=b"\x00\xff"),
        "memoryview": qs.filter(blob=memoryview(b"")),
        "range": qs.filter(irange=NumericRange(1, 10)),
        "range_contains": qs.filter(
            period__contains=datetime.datetime(2024, 11, 3, 6, tzinfo=datetime.UTC)
        ),
        "range_overlap": qs.filter(dayrange__overlap=DateRange(datetime.date(2024, 6, 1), None)),
        "decimal_range": qs.filter(drange=NumericRange(Decimal("1.5"), Decimal("2.5"), "[]")),
        "array_contains": qs.filter(ints__contains=[1, 3]),
        "uuid_array": qs.filter(uids__contains=[uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")]),
        "ip_array": qs.filter(ips__contains=["::1"]),
        "hstore": qs.filter(store__contains={"a": "1"}),
        "hstore_key": qs.filter(store__a="1"),
        "hstore_parameter_only": qs.filter(store__contains={"a": "1"}).values("pk"),
        "hstore_array": qs.filter(stores__contains=[{"x": "1"}]),
        "json_contains": qs.filter(data__contains={"nested": [None, True]}),
        "json_key": qs.filter(data__n=12345678901234567890),
        "decimal": qs.filter(amount=Decimal("-123456.789012")),
        "timedelta": qs.filter(span=datetime.timedelta(days=-1, hours=2)),
        "uuid": qs.filter(uid=uuid.UUID(int=0)),
        "datetime": qs.filter(moment=moment),
        "date": qs.filter(day__lt=datetime.date(2000, 1, 1)),
        "time": qs.filter(clock=datetime.time(23, 59, 59, 999999)),
        "text_cast_to_integer": qs.annotate(n=Cast(Value("0"), IntegerField())).values("n"),
        "text_range_bounds": qs.filter(
            day__contained_by=DateRange("2024-01-01", "2024-12-31")
        ).values("pk"),
        "text_hstore": qs.filter(
            store__a=KeyTransform("x", RawSQL("%s::hstore", ["x => 1, y => c"]))
        ),
        "text_char": qs.filter(text__isnull=False)
        .annotate(v=SearchVector("text", weight="A"))
        .values("v"),
        "group_by_repeats_parameters": Zoo.objects.annotate(g=Greatest("small", Value(600)))
        .values("g")
        .annotate(n=Count("pk"), least=Least(Min("small"), "g"))
        .order_by("g"),
        "float_arithmetic": qs.filter(amount__isnull=False)
        .annotate(tenth=ExpressionWrapper(F("amount") * 0.1, output_field=DecimalField()))
        .values("tenth"),
        "values": qs.annotate(
            b=Value(b"ab"),
            address=Value("10.1.2.3", output_field=GenericIPAddressField()),
            r=Value(NumericRange(1, 5), output_field=IntegerRangeField()),
            numbers=Value([1, 2], output_field=ArrayField(IntegerField())),
            texts=Value(["a", None], output_field=ArrayField(TextField())),
            d=Value(Decimal("1.0")),
            seconds=Value(datetime.timedelta(seconds=1.5)),
            u=Value(uuid.UUID(int=5)),
            j=Value({"a": [1, "b"]}, output_field=JSONField()),
        ).values("b", "address", "r", "numbers", "texts", "d", "seconds", "u", "j"),
    }


@pytest.mark.parametrize("shape", list(filters()))
def test_every_parameter_kind_matches_the_orm(zoo: None, shape: str) -> None:
    queryset = filters()[shape]
    orm = list(queryset)
    assert orm, "the filter should match a row"
    assert_same(orm, streamed(queryset))


@pytest.mark.parametrize("shape", list(shapes()))
def test_every_type_equals_the_orm(zoo: None, zone: tuple[bool, str], shape: str) -> None:
    queryset = shapes()[shape]
    assert_same(list(queryset), streamed(queryset))


def test_every_column_flat_equals_the_orm(zoo: None, zone: tuple[bool, str]) -> None:
    """values_list(field, flat=True) of each column alone: one column type per result."""
    orm, streams = {}, {}
    for field in FIELDS:
        queryset = Zoo.objects.order_by("pk").values_list(field, flat=True)
        orm[field], streams[field] = list(queryset), streamed(queryset)
    assert_same(orm, streams, "columns")


def test_batches_and_pages_equal_the_orm(zoo: None, zone: tuple[bool, str]) -> None:
    queryset = Zoo.objects.order_by("pk").select_related("detail")

    async def run() -> tuple[list[Any], list[Any]]:
        batches = [b async for b in cursor_stream.stream_batches(queryset, prefetch=2)]
        page = await cursor_stream.fetch_page(queryset, offset=1, count=2)
        return [row for batch in batches for row in batch], page

    rows, page = asyncio.run(run())
    orm = list(queryset)
    assert_same(orm, rows)
    assert_same(orm[1:3], page)


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ("'infinity'::timestamptz", "timestamp too large"),
        ("'-infinity'::timestamptz", "timestamp too small"),
        ("'infinity'::timestamp", "timestamp too large"),
        ("'infinity'::date", "date too large"),
    ],
)
def test_infinity_is_refused_like_the_orm(zoo: None, literal: str, message: str) -> None:
    """psycopg 3 cannot load ±infinity, so the ORM raises; stream() must not invent 9999-12-31.

    (psycopg2 loads them as the largest and smallest dates: the stream gives the same.)"""
    column = {"timestamptz": "moment", "timestamp": "naive", "date": "day"}[literal.split("::")[1]]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE testapp_zoo SET {column} = {literal} WHERE id = 3")
    queryset = Zoo.objects.order_by("pk").values_list(column, flat=True)
    if not is_psycopg3:
        # psycopg2 loads ±infinity as date/datetime max and min: so must the stream.
        assert_same(list(queryset), streamed(queryset))
        return
    with pytest.raises(Exception, match=message):
        list(queryset)
    with pytest.raises(QueryError, match=message) as excinfo:
        streamed(queryset)
    assert repr(column) in str(excinfo.value)


def test_a_real_9999_12_31_is_not_taken_for_infinity(zoo: None) -> None:
    queryset = Zoo.objects.filter(pk=3).values_list("naive", flat=True)
    assert streamed(queryset) == [datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)]


def test_asyncpg_infinity_sentinels_are_shared_objects() -> None:
    """The infinity checks rely on asyncpg decoding ±infinity to module-level objects."""
    import asyncpg

    async def run() -> list[Any]:
        conn = await asyncpg.connect(**cursor_stream.connection.connect_params().connect_kwargs())
        try:
            row = await conn.fetchrow(
                "SELECT 'infinity'::date, '-infinity'::date, 'infinity'::timestamp, "
                "'-infinity'::timestamptz"
            )
            return list(row)
        finally:
            await conn.close()

    values = asyncio.run(run())
    sentinels = infinity_sentinels()
    assert [v is s for v, s in zip(values, sentinels, strict=True)] == [True] * 4


def test_value_profile_follows_django_settings() -> None:
    with override_settings(USE_TZ=False, TIME_ZONE="Asia/Kolkata"):
        profile = ValueProfile.for_alias("default")
        assert (profile.timezone, profile.session_timezone) == (None, "Asia/Kolkata")
    profile = ValueProfile.for_alias("default")
    assert profile.timezone is datetime.UTC
    assert profile.hstore_as_dict is True


def test_raw_sql_gets_the_connection_codecs(zoo: None) -> None:
    """Raw SQL yields asyncpg records, with Django's text types (real as printed, inet text)."""
    rows = streamed("SELECT real, ip, bits, uid FROM testapp_zoo WHERE id = 2")
    assert (rows[0]["real"], rows[0]["ip"], rows[0]["bits"]) == (0.1, "::ffff:1.2.3.4", "0101")
    assert rows[0]["uid"] == uuid.UUID(int=0)
