"""Exports: both engines write the same bytes, PostgreSQL's COPY bytes, header first, cleanup."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime
import functools
import io
import itertools
import json
import os
import subprocess
import tempfile
import time
import uuid
import zoneinfo
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Length
from django.utils.timezone import localtime

from catalog.models import Product
from cursor_stream import fetch_page
from cursor_stream.engines import read_ahead as _read_ahead
from cursor_stream.exceptions import ConfigurationError, InvalidArgument, QueryError
from cursor_stream.export import (
    ExportOptions,
    ExportStats,
    PreparedExport,
    prepare_export,
)
from tests.planner import planner_rows
from tests.spreadsheets import read_xlsx
from tests.testapp.models import Awkward, Money, Tag

AWKWARD_TEXTS = [
    'comma, "quote", newline\nand tab\t and emoji 🚀',
    "",
    "\\.",
    "\\N",
    "back\\slash",
    "=1+2",
    "-5",
    "+x",
    "@user",
    "\tlead tab",
    "\rcr",
    "\nlf",
    "  spaces  ",
    "naïve 日本",
]


@pytest.fixture
def awkward(transactional_db: None) -> list[Awkward]:
    tag = Tag.objects.create(name='tag, "one"')
    rows = [Awkward()]
    for i, text in enumerate(AWKWARD_TEXTS):
        rows.append(
            Awkward(
                text=text,
                char=AWKWARD_TEXTS[-1 - i],
                flag=i % 2 == 0,
                small=-i,
                big=2**62 - i,
                real=1.0 / (i + 3),
                amount=Decimal("12345678901234567890.0123456789") / (i + 1),
                day=datetime.date(1999, 12, 31),
                moment=datetime.datetime(2021, 3, 28, 1, 30, 15, 123456, tzinfo=datetime.UTC),
                clock=datetime.time(23, 59, 59, 999999),
                span=datetime.timedelta(days=3, seconds=5, microseconds=7),
                uid=uuid.UUID(int=i),
                data={"text": text, "n": 10**20, "list": [1, 2.5, None]} if i % 3 else text,
                numbers=[1, i, None] if i % 2 else [],
                words=["a,b", 'c"d', "", text],
                ip="192.168.0.1",
                blob=b"\x00\x01\xff" * i,
                price=Money(i - 3),
                tag=tag if i % 2 else None,
            )
        )
    rows.append(Awkward(real=float("nan"), text=None, char="x"))
    rows.append(Awkward(real=float("-inf"), data=None, char=""))
    return Awkward.objects.bulk_create(rows)


def run_export(export: PreparedExport, stats: ExportStats | None = None) -> bytes:
    async def collect() -> bytes:
        parts = []
        async with contextlib.aclosing(export.achunks(stats=stats)) as chunks:
            async for chunk in chunks:
                parts.append(chunk)
        return b"".join(parts)

    return asyncio.run(collect())


def both_engines(source: Any, params: Any = None, **kwargs: Any) -> bytes:
    fields = kwargs.pop("fields", None)
    outputs = {
        engine: run_export(
            prepare_export(
                source, params, fields=fields, options=ExportOptions(engine=engine, **kwargs)
            )
        )
        for engine in ("copy", "cursor")
    }
    assert outputs["copy"] == outputs["cursor"], kwargs
    return outputs["copy"]


# --- the two engines agree ------------------------------------------------------------------

OPTION_GRID = [
    dict(zip(("escape_formulas", "choices_display", "timezone"), values, strict=True))
    for values in itertools.product((False, True), (False, True), (None, "Asia/Kolkata"))
]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "pgtext", "jsonl", "json"])
def test_copy_and_cursor_engines_write_identical_bytes(awkward, products, fmt):
    awkward_qs = Awkward.objects.order_by("id")
    product_qs = Product.objects.order_by("product_id")[:300]
    for options in OPTION_GRID:
        both_engines(awkward_qs, format=fmt, **options)
        both_engines(product_qs, format=fmt, **options)
    if fmt in ("csv", "tsv", "pgtext"):
        for header, bom in itertools.product((False, True), repeat=2):
            both_engines(awkward_qs, format=fmt, header=header, bom=bom)
    both_engines(Awkward.objects.none(), format=fmt)


def test_engines_agree_with_fields_filters_and_parameters(awkward, products):
    queryset = (
        Product.objects.filter(
            price__gte=Decimal("10.5"),
            status__in=["active", "draft"],
            created_at__gte=datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC),
            product_name__contains="'; --",
        )
        | Product.objects.filter(product_id__in=list(range(1, 400)), in_stock=True)
    ).order_by("-price", "product_id")
    fields = ["product_id", "category__name", "price", "status", "attributes", "created_at"]
    for fmt in ("csv", "jsonl"):
        data = both_engines(queryset, fields=fields, format=fmt, choices_display=True)
        assert data.count(b"\n") > 100
    sql = "SELECT product_id, sku FROM product WHERE sku LIKE %s AND price > %s ORDER BY 1"
    data = both_engines(sql, ["SKU-0000001%", Decimal("1.5")], format="csv")
    assert data.startswith(b"product_id,sku\n100,SKU-000000100\n")


# --- the bytes are PostgreSQL's ---------------------------------------------------------------


def psql_copy(sql: str, timezone: str) -> bytes:
    settings = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": settings["HOST"] or "",
        "PGPORT": str(settings["PORT"] or ""),
        "PGUSER": settings["USER"] or "",
        "PGPASSWORD": settings["PASSWORD"] or "",
        "PGDATABASE": settings["NAME"],
    }
    for key, value in (settings.get("OPTIONS") or {}).items():
        if key.startswith("ssl"):
            env[f"PG{key.upper()}"] = str(value)
    script = (
        f"SET TimeZone TO '{timezone}';\nSET DateStyle TO 'ISO, MDY';\n"
        f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER true);\n"
    )
    result = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"],
        input=script.encode(),
        capture_output=True,
        env=env,
        check=True,
    )
    return result.stdout


def test_csv_equals_psql_copy_output(awkward):
    # COPY prints booleans as t/f; exports print true/false, as ::text does
    # (docs/architecture.md §5).
    columns = [f.column for f in Awkward._meta.concrete_fields]
    sql = "SELECT {} FROM testapp_awkward ORDER BY id".format(
        ", ".join(f"{c}::text AS {c}" if c == "flag" else c for c in columns)
    )
    ours = both_engines(sql, format="csv", timezone="America/St_Johns")
    assert ours == psql_copy(sql, "America/St_Johns")
    queryset = Awkward.objects.exclude(flag__isnull=False).order_by("id")
    compiled_sql = str(queryset.query)  # no parameters in this query
    assert both_engines(queryset, format="csv", timezone="UTC") == psql_copy(compiled_sql, "UTC")


def test_awkward_text_survives_a_csv_reader_round_trip(awkward):
    data = both_engines(Awkward.objects.order_by("id"), fields=["id", "text", "char"])
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert rows[0] == ["id", "text", "char"]
    by_id = {int(row[0]): row[1:] for row in rows[1:]}
    for obj in awkward:
        assert by_id[obj.id] == [obj.text or "", obj.char]


def test_values_are_rendered_by_postgresql(awkward):
    data = both_engines(
        Awkward.objects.filter(id=awkward[1].id),
        fields=["flag", "amount", "moment", "numbers", "words", "data", "span"],
        format="jsonl",
        timezone="Asia/Tokyo",
    )
    row = json.loads(data)
    assert row["flag"] is True
    assert row["moment"] == "2021-03-28T10:30:15.123456+09:00"
    assert row["words"] == ["a,b", 'c"d', "", AWKWARD_TEXTS[0]]
    assert row["data"] == AWKWARD_TEXTS[0]
    csv_row = both_engines(
        Awkward.objects.filter(id=awkward[1].id),
        fields=["flag", "amount", "moment", "numbers", "big"],
        timezone="Asia/Tokyo",
        header=False,
    )
    assert csv_row == (
        b"true,12345678901234567890.0123456800,2021-03-28 10:30:15.123456+09,{},"
        b"4611686018427387904\n"
    )


def test_formula_escaping_applies_to_text_columns_only(awkward):
    data = both_engines(
        Awkward.objects.order_by("id"), fields=["text", "small"], escape_formulas=True, header=False
    )
    lines = data.decode()
    assert "'=1+2" in lines and "'-5" in lines and "'+x" in lines and "'@user" in lines
    assert '"\'\tlead tab"' not in lines  # tab is no CSV special: unquoted
    assert "'\tlead tab" in lines and '"\'\rcr"' in lines and '"\'\nlf"' in lines
    assert "\n-1\n" not in lines and ",-1\n" in lines  # numbers untouched


def test_choices_display_renders_labels(products):
    data = both_engines(Product.objects.order_by("product_id")[:50], fields=["status"])
    labelled = both_engines(
        Product.objects.order_by("product_id")[:50], fields=["status"], choices_display=True
    )
    assert set(data.decode().split("\n")[1:-1]) <= {"active", "draft", "discontinued"}
    assert set(labelled.decode().split("\n")[1:-1]) <= {"Active", "Draft", "Discontinued"}


def test_default_time_zone_is_djangos(awkward, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    data = both_engines(Awkward.objects.filter(id=awkward[1].id), fields=["moment"])
    assert data == b"moment\n2021-03-28 10:30:15.123456+09\n"


def test_empty_exports(transactional_db):
    assert both_engines(Awkward.objects.all(), fields=["id", "text"]) == b"id,text\n"
    assert both_engines(Awkward.objects.none(), fields=["id"], format="json") == b"[\n]\n"
    assert both_engines(Awkward.objects.all(), format="jsonl") == b""


# --- offset / limit ----------------------------------------------------------------------------


def test_offset_and_limit_reproduce_forward_and_fetch(products):
    queryset = Product.objects.order_by("product_id")
    export = prepare_export(
        queryset, fields=["product_id"], options=ExportOptions(offset=500, limit=100, prefetch=7)
    )
    assert export.engine == "cursor"
    stats = ExportStats()
    data = run_export(export, stats)
    page = asyncio.run(
        fetch_page(queryset.values_list("product_id", flat=True), offset=500, count=100)
    )
    assert data.decode().split("\n")[1:-1] == [str(pk) for pk in page]
    assert stats.rows == 100


def test_copy_engine_refuses_offset_and_limit(products):
    with pytest.raises(InvalidArgument, match="cursor engine"):
        prepare_export(Product, options=ExportOptions(engine="copy", limit=5))


def test_copy_stats_count_rows_exactly(products):
    stats = ExportStats()
    data = run_export(prepare_export(Product, fields=["description"]), stats)
    assert stats.rows == 1000 and stats.bytes == len(data) and stats.finished is not None


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fields": ["nope"]}, "has no field 'nope'"),
        ({"fields": ["price__color"]}, "not a relation"),
        ({"fields": ["attributes__a'b"]}, "only letters, digits and underscores"),
        ({"fields": ["category__products"]}, "many-valued"),
        ({"fields": ['sku"; DROP TABLE product; --']}, "has no field"),
        ({"options": ExportOptions(format="xml")}, "Unknown export format 'xml'"),
        ({"options": ExportOptions(engine="fast")}, "Unknown engine 'fast'"),
        ({"options": ExportOptions(limit=-1)}, "limit must be"),
        ({"options": ExportOptions(offset=-1)}, "offset must be"),
        ({"options": ExportOptions(prefetch=0)}, "prefetch must be"),
        ({"options": ExportOptions(timezone="Mars/Base")}, "Unknown time zone"),
        ({"options": ExportOptions(format="jsonl", bom=True)}, "only applies to csv"),
    ],
)
def test_bad_arguments_are_clear_errors(transactional_db, kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        prepare_export(Product, **kwargs)


def test_sql_errors_are_raised_by_prepare_with_position(transactional_db):
    with pytest.raises(QueryError, match=r"syntax error.*position"):
        prepare_export("SELECT product_id FROM product WHERE")


def test_non_postgresql_alias_is_refused(transactional_db):
    with pytest.raises(ConfigurationError, match="sqlite"):
        prepare_export("SELECT 1", using="sqlite")


# --- xlsx -------------------------------------------------------------------------------------


def test_xlsx_holds_the_csv_values_typed_for_excel(awkward):
    fields = ["id", "text", "flag", "small", "big", "amount", "day", "moment", "words", "data"]
    queryset = Awkward.objects.order_by("id")
    options = ExportOptions(timezone="Asia/Kolkata")
    text = run_export(prepare_export(queryset, fields=fields, options=options))
    csv_rows = list(csv.reader(io.StringIO(text.decode(), newline="")))[1:]
    # Formula escaping is for CSV/TSV: xlsx cells are strings, never formulas.
    options = replace(options, format="xlsx", escape_formulas=True)
    export = prepare_export(queryset, fields=fields, options=options)
    assert export.engine == "cursor"
    assert not export.options.escape_formulas
    sheets = read_xlsx(run_export(export))
    assert list(sheets) == ["Awkwards"]
    assert sheets["Awkwards"][0] == tuple(fields)
    rows = sheets["Awkwards"][1:]
    tz = zoneinfo.ZoneInfo("Asia/Kolkata")
    by_id = {obj.id: obj for obj in awkward}
    assert len(rows) == len(csv_rows) == len(awkward)
    for row, fields_csv in zip(rows, csv_rows, strict=True):
        obj = by_id[row[0]]
        cells = dict(zip(fields, row, strict=True))
        texts = dict(zip(fields, fields_csv, strict=True))
        # Text as the CSV has it without formula escaping; NULL is no cell.
        assert cells["text"] == (None if obj.text is None else texts["text"])
        assert cells["words"] == (None if obj.words is None else texts["words"])
        assert cells["data"] == (None if obj.data is None else texts["data"])
        assert cells["flag"] is obj.flag
        assert cells["small"] == obj.small
        # 19 digits (bigint near 2**62) and 30-digit numerics stay text: Excel keeps 15.
        assert cells["big"] == (None if obj.big is None else str(obj.big))
        assert cells["amount"] == (None if obj.amount is None else texts["amount"])
        assert cells["day"] == (
            None if obj.day is None else datetime.datetime.combine(obj.day, datetime.time())
        )
        if obj.moment is None:
            assert cells["moment"] is None
        else:
            local = obj.moment.astimezone(tz).replace(tzinfo=None)
            assert abs(cells["moment"] - local) < datetime.timedelta(milliseconds=1)


def test_xlsx_needs_the_cursor_engine_and_auto_picks_it(products):
    with pytest.raises(InvalidArgument, match="copy engine"):
        prepare_export(Product, options=ExportOptions(format="xlsx", engine="copy"))
    export = prepare_export(
        Product.objects.order_by("pk"), fields=["product_id"], options=ExportOptions(format="xlsx")
    )
    assert export.engine == "cursor" and export.format.binary
    stats = ExportStats()
    sheets = read_xlsx(run_export(export, stats))
    assert sheets["Products"][1:] == [(pk,) for pk in range(1, 1001)]
    assert stats.rows == 1000 and stats.bytes > 0


def test_xlsx_bytes_leave_as_rows_arrive_and_nothing_goes_to_disk(products, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    export = prepare_export(Product, options=ExportOptions(format="xlsx", prefetch=100, limit=500))

    async def run() -> tuple[list[int], list[str], bytes]:
        stats = ExportStats()
        sizes: list[int] = []
        parts: list[bytes] = []
        async with contextlib.aclosing(export.achunks(stats=stats)) as chunks:
            async for chunk in chunks:
                sizes.append(stats.rows)
                parts.append(chunk)
                assert list(tmp_path.iterdir()) == []
        return sizes, [p.name for p in tmp_path.iterdir()], b"".join(parts)

    rows_seen, left, data = asyncio.run(run())
    # The first bytes before any row; then a chunk per batch once the first 200 rows (which
    # size the columns) are in; the end of the workbook after the last row.
    assert rows_seen[0] == 0 and {200, 300, 400} <= set(rows_seen) and rows_seen[-1] == 500
    assert left == []
    assert len(read_xlsx(data)["Products"]) == 501

    slow = prepare_export(
        "SELECT i, CASE WHEN i > 100 THEN pg_sleep(30)::text END AS slept "
        "FROM generate_series(1, 200) AS i",
        options=ExportOptions(format="xlsx", prefetch=50),
    )

    async def interrupted() -> bytes:
        chunks = slow.achunks()
        first = await asyncio.wait_for(anext(chunks), 5)  # before any row
        task = asyncio.ensure_future(anext(chunks))
        await asyncio.sleep(0.5)  # two batches held, the third fetch sleeping
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await chunks.aclose()
        return first

    assert asyncio.run(interrupted()).startswith(b"PK\x03\x04")
    deadline = time.monotonic() + 5
    while sleeping_backends() and time.monotonic() < deadline:
        time.sleep(0.05)  # the worker thread closes after the encode it was running
    assert sleeping_backends() == 0
    assert list(tmp_path.iterdir()) == []


# --- header first, cleanup --------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["copy", "cursor"])
def test_header_comes_before_a_slow_query_and_aclose_cancels_it(transactional_db, engine):
    export = prepare_export(
        "SELECT pg_sleep(30) AS slept, 1 AS one",
        options=ExportOptions(engine=engine, bom=True),
    )

    async def run() -> tuple[bytes, float]:
        chunks = export.achunks()
        started = time.monotonic()
        first = await asyncio.wait_for(anext(chunks), timeout=5)
        assert time.monotonic() - started < 2
        second = asyncio.ensure_future(anext(chunks))
        await asyncio.sleep(0.2)
        second.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await second
        closing = time.monotonic()
        await chunks.aclose()
        return first, time.monotonic() - closing

    first, close_seconds = asyncio.run(run())
    assert first == b"\xef\xbb\xbfslept,one\n"
    assert close_seconds < 2
    # The server-side query is gone too (the connection was closed, not left running).
    deadline = time.monotonic() + 3
    while sleeping_backends() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sleeping_backends() == 0


def test_closing_a_cursor_export_cancels_the_fetch_read_ahead(transactional_db):
    # Rows after the first batch sleep: the fetch sent ahead for them is in flight when the
    # consumer stops, and must be cancelled on the server as well.
    export = prepare_export(
        "SELECT i, CASE WHEN i > 10 THEN pg_sleep(30)::text END AS slept "
        "FROM generate_series(1, 20) AS i",
        options=ExportOptions(engine="cursor", prefetch=10),
    )

    async def run() -> tuple[bytes, float]:
        chunks = export.achunks()
        parts = [await anext(chunks), await anext(chunks)]
        await asyncio.sleep(0.3)  # the read-ahead fetch is now running pg_sleep
        assert await asyncio.to_thread(sleeping_backends_in_thread) == 1
        closing = time.monotonic()
        await chunks.aclose()
        return b"".join(parts), time.monotonic() - closing

    data, close_seconds = asyncio.run(run())
    assert data == b"i,slept\n" + b"".join(b"%d,\n" % i for i in range(1, 11))
    assert close_seconds < 2
    deadline = time.monotonic() + 3
    while sleeping_backends() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sleeping_backends() == 0


def test_read_ahead_requests_the_next_item_before_handing_out_the_current_one():
    log: list[str] = []

    async def source() -> Any:
        for i in range(3):
            log.append(f"fetch {i}")
            await asyncio.sleep(0.01)
            yield i

    async def run() -> None:
        async with contextlib.aclosing(_read_ahead(source())) as items:
            async for item in items:
                log.append(f"use {item}")

    asyncio.run(run())
    assert log == ["fetch 0", "fetch 1", "use 0", "fetch 2", "use 1", "use 2"]


def test_read_ahead_cancels_the_pending_request_when_the_consumer_stops():
    events: list[str] = []

    async def source() -> Any:
        try:
            yield 0
            events.append("second requested")
            await asyncio.sleep(30)
            yield 1
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        finally:
            events.append("source finished")

    async def run() -> float:
        items = _read_ahead(source())
        assert await anext(items) == 0
        started = time.monotonic()
        await items.aclose()
        return time.monotonic() - started

    assert asyncio.run(run()) < 1
    assert events == ["second requested", "cancelled", "source finished"]


SLEEPING = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()"
)


def sleeping_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(SLEEPING)
        return int(cursor.fetchone()[0])


def sleeping_backends_in_thread() -> int:
    try:
        return sleeping_backends()
    finally:
        connection.close()


def test_awrite_to_is_atomic(products, tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")
    export = prepare_export("SELECT product_id, 1 / (product_id - 700) FROM product ORDER BY 1")
    with pytest.raises(QueryError, match="division by zero"):
        asyncio.run(export.awrite_to(target, force=True))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    good = prepare_export(Product, fields=["sku"])
    with pytest.raises(InvalidArgument, match="already exists"):
        asyncio.run(good.awrite_to(target))
    stats = asyncio.run(good.awrite_to(target, force=True))
    assert stats.rows == 1000 and target.read_bytes().startswith(b"sku\nSKU-")


# --- the default columns are the QuerySet's own, never wider ----------------------------------


def test_only_and_defer_are_honoured_without_fields(products):
    from django.db.models import F, Value

    ordered = Product.objects.order_by("pk")
    only = prepare_export(ordered.only("product_name", "price"))
    assert only.columns == ("product_id", "product_name", "price")
    deferred = prepare_export(ordered.defer("description", "attributes", "sku"))
    assert deferred.columns == (
        "product_id", "product_name", "category_id", "price", "in_stock", "status", "created_at",
    )  # fmt: skip
    # Annotations stay; a followed relation loads the foreign key.
    annotated = prepare_export(
        ordered.select_related("category")
        .only("sku", "category__name")
        .annotate(one=Value(1), double=F("price") * 2)
    )
    assert annotated.columns == ("product_id", "sku", "category_id", "one", "double")
    body = run_export(prepare_export(ordered.only("sku")[:2]))
    first, second = ordered.values_list("pk", "sku")[:2]
    assert body == f"product_id,sku\n{first[0]},{first[1]}\n{second[0]},{second[1]}\n".encode()


def test_sensitive_fields_are_left_out_of_default_field_sets_only(transactional_db):
    from django.contrib.auth.models import User

    User.objects.create_user("alice", "alice@example.com", "secret")
    default = prepare_export(User.objects.order_by("pk"))
    assert "password" not in default.columns
    assert default.columns[:3] == ("id", "last_login", "is_superuser")
    values = prepare_export(User.objects.values())
    assert "password" not in values.columns and "username" in values.columns
    assert "password" not in prepare_export(User.objects.values_list()).columns
    assert "password" not in prepare_export(User).columns
    # Named explicitly, it is exported.
    named = prepare_export(User, fields=["username", "password"])
    assert named.columns == ("username", "password")
    assert run_export(named).startswith(b"username,password\nalice,md5$")
    assert prepare_export(User.objects.values("password")).columns == ("password",)


def test_sensitive_fields_setting_adds_fields(products, settings):
    settings.CURSOR_STREAM = {"SENSITIVE_FIELDS": ["catalog.Product.description"]}
    export = prepare_export(Product.objects.order_by("pk"))
    assert "description" not in export.columns and "sku" in export.columns
    assert "description" in prepare_export(Product, fields=["sku", "description"]).columns


@pytest.mark.parametrize("fmt", ["jsonl", "json", "xlsx"])
def test_formula_escaping_is_ignored_by_formats_that_need_none(transactional_db, fmt):
    options = ExportOptions(format=fmt, escape_formulas=True)
    escaped = prepare_export("SELECT '=1+2' AS a", options=options)
    plain = prepare_export("SELECT '=1+2' AS a", options=replace(options, escape_formulas=False))
    assert not escaped.options.escape_formulas
    if fmt != "xlsx":  # (a zip archive: the same cells, not the same bytes)
        assert run_export(escaped) == run_export(plain)
        assert b'"a":"=1+2"' in run_export(escaped)
    else:
        assert read_xlsx(run_export(escaped)) == {"Sheet1": [("a",), ("=1+2",)]}


@pytest.mark.parametrize("use_tz", [True, False])
def test_the_export_time_zone_never_changes_which_rows_match(products, settings, use_tz):
    """A date cast in the query runs in Django's session time zone, as the ORM runs it.

    Printing timestamps in the export's zone must not change the query: ``created_at::date``
    near midnight is another day in Asia/Tokyo than in UTC.
    """
    from django.db.models import DateField
    from django.db.models.functions import Cast

    settings.USE_TZ = use_tz
    settings.TIME_ZONE = "America/New_York"
    queryset = (
        Product.objects.annotate(day=Cast("created_at", output_field=DateField()))
        .filter(created_at__isnull=False)
        .order_by("pk")
    )
    day = queryset.values_list("day", flat=True)[len(queryset) // 2]
    matching = queryset.filter(day=day)
    expected = [str(pk) for pk in matching.values_list("pk", flat=True)]
    assert expected
    for timezone in (None, "Asia/Tokyo", "UTC"):
        data = both_engines(matching, fields=["product_id"], timezone=timezone)
        assert data.decode().split("\n")[1:-1] == expected, timezone
        # The rows' timestamps still print in the export's zone.
        stamps = both_engines(matching[:1], fields=["created_at"], timezone=timezone)
        zone = zoneinfo.ZoneInfo(timezone or "America/New_York")
        instant = matching.values_list("created_at", flat=True)[0]
        if not use_tz:
            instant = instant.replace(tzinfo=zoneinfo.ZoneInfo("America/New_York"))
        local = instant.astimezone(zone)
        assert stamps.decode().split("\n")[1].startswith(local.strftime("%Y-%m-%d %H:%M:%S"))


def test_json_rendering_works_whatever_the_column_names(transactional_db):
    data = both_engines("SELECT 1 AS r, 2 AS q, 'x' AS \"row_to_json\"", format="jsonl")
    assert json.loads(data) == {"r": 1, "q": 2, "row_to_json": "x"}


# --- default order, titles and JSON keys --------------------------------------------------------


def test_default_order_is_the_querysets_own_else_the_primary_key(products):
    from django.db.models import Count

    from catalog.models import Category

    # Updated rows get new tuples at the end of the table: a scan without ORDER BY moves them.
    Product.objects.filter(pk__in=[3, 7]).update(price=1)
    data = both_engines(Product.objects.filter(pk__lte=10), fields=["pk"])
    assert data == b"pk\n" + b"".join(b"%d\n" % pk for pk in range(1, 11))
    text = both_engines(Category, fields=["name"]).decode()
    names = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert names == list(Category.objects.values_list("name", flat=True))  # Meta.ordering
    # Left alone: a cleared ordering (the server's order), and queries ORDER BY pk would change.
    for queryset in (
        Product.objects.order_by(),
        Product.objects.values("status").annotate(n=Count("pk")),
        Product.objects.values("status").distinct(),
        Product.objects.all()[:5],
    ):
        assert "ORDER BY" not in prepare_export(queryset).compiled.sql


def test_models_give_the_export_a_title_and_raw_sql_none(products):
    from catalog.models import Category

    assert prepare_export(Product).title == "Products"
    assert prepare_export(Category.objects.all(), fields=["name"]).title == "Categories"
    assert prepare_export("SELECT 1 AS one").title is None
    sheets = read_xlsx(run_export(prepare_export(Category, options=ExportOptions(format="xlsx"))))
    assert list(sheets) == ["Categories"]
    sheets = read_xlsx(
        run_export(prepare_export("SELECT 1 AS one", options=ExportOptions(format="xlsx")))
    )
    assert sheets == {"Sheet1": [("one",), (1,)]}


def test_json_key_paths_export_their_text_in_text_formats_and_json_in_json(transactional_db):
    Awkward.objects.create(data={"größe": "XL", "a": {"b": [1, "two", None]}, "n": 1.5})
    Awkward.objects.create(data={"größe": 'say "hi"'})
    fields = ["data__größe", "data__a__b__1", "data__a__b", "data__n", "data__a__b__2"]
    text = both_engines(Awkward, fields=fields, format="csv")
    assert list(csv.reader(io.StringIO(text.decode(), newline=""))) == [
        fields,
        ["XL", "two", '[1, "two", null]', "1.5", ""],
        ['say "hi"', "", "", "", ""],
    ]
    assert both_engines(Awkward, fields=fields, format="tsv").decode().split("\n")[1] == (
        'XL\ttwo\t"[1, ""two"", null]"\t1.5\t'
    )
    lines = both_engines(Awkward, fields=fields, format="jsonl").decode().splitlines()
    assert [json.loads(line) for line in lines] == [
        dict(zip(fields, ["XL", "two", [1, "two", None], 1.5, None], strict=True)),
        dict(zip(fields, ['say "hi"', None, None, None, None], strict=True)),
    ]


# --- headers and computed columns --------------------------------------------------------------

VAT_FIELDS = [
    "product_id",
    ("category__name", "Category"),
    ("price_with_vat", F("price") * Decimal("1.20"), "Price incl. VAT"),
    ("sku_status", Concat("sku", Value(" / "), "status")),
    ("in_the_past", Q(created_at__lt=datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC))),
    "created_at__year",
    "status",
]
VAT_HEADERS = [
    "Product id", "Category", "Price incl. VAT", "Sku status", "In the past",
    "Created at (year)", "Status",
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "tsv", "pgtext", "jsonl", "json"])
def test_computed_columns_and_labels_are_the_same_bytes_from_both_engines(products, fmt):
    queryset = Product.objects.filter(pk__lte=300)
    for options in OPTION_GRID:
        both_engines(queryset, fields=VAT_FIELDS, format=fmt, header_style="verbose", **options)


def test_computed_columns_are_computed_by_the_database(products):
    queryset = Product.objects.filter(pk__lte=50).order_by("pk")
    text = both_engines(queryset, fields=VAT_FIELDS, header_style="verbose", choices_display=True)
    rows = list(csv.reader(io.StringIO(text.decode(), newline="")))
    assert rows[0] == VAT_HEADERS
    cutoff = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
    expected = [
        [
            str(p.pk),
            p.category.name,
            str(p.price * Decimal("1.20")),  # numeric: the scale of the product, 12.50 -> 15.0000
            f"{p.sku} / {p.status}",
            "true" if p.created_at < cutoff else "false",
            str(localtime(p.created_at).year),  # as values() computes it
            p.get_status_display(),
        ]
        for p in queryset.select_related("category")
    ]
    assert rows[1:] == expected


def test_headers_are_the_same_in_every_format(products):
    queryset = Product.objects.filter(pk__lte=3)
    for fmt in ("csv", "tsv"):
        first = both_engines(queryset, fields=VAT_FIELDS, format=fmt, header_style="verbose")
        assert first.decode().split("\n")[0] == ("," if fmt == "csv" else "\t").join(VAT_HEADERS)
    lines = both_engines(queryset, fields=VAT_FIELDS, format="jsonl", header_style="verbose")
    assert [list(json.loads(line)) for line in lines.splitlines()] == [VAT_HEADERS] * 3
    options = ExportOptions(format="xlsx", header_style="verbose")
    sheets = read_xlsx(run_export(prepare_export(queryset, fields=VAT_FIELDS, options=options)))
    assert sheets["Products"][0] == tuple(VAT_HEADERS)
    assert prepare_export(queryset, fields=VAT_FIELDS, options=options).columns == tuple(
        VAT_HEADERS
    )


def test_header_style_names_is_the_default_and_labels_apply_in_both(products):
    queryset = Product.objects.filter(pk__lte=3)
    assert prepare_export(queryset, fields=VAT_FIELDS).columns == (
        "product_id", "Category", "Price incl. VAT", "sku_status", "in_the_past",
        "created_at__year", "status",
    )  # fmt: skip
    # Without fields: the columns the QuerySet loads, by their verbose names.
    verbose = prepare_export(queryset, options=ExportOptions(header_style="verbose"))
    assert verbose.columns == (
        "Product id", "Product name", "SKU", "Category id", "Price", "In stock", "Status",
        "Attributes", "Created at", "Description",
    )  # fmt: skip
    # Raw SQL keeps its own names.
    sql = prepare_export("SELECT 1 AS one_two", options=ExportOptions(header_style="verbose"))
    assert sql.columns == ("one_two",)


def test_annotations_of_the_queryset_are_columns_by_name(products):
    queryset = Product.objects.filter(pk__lte=3).annotate(name_length=Length("product_name"))
    fields = ["sku", ("name_length", "Name length")]
    text = both_engines(queryset, fields=fields, header_style="verbose").decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["SKU", "Name length"]
    assert rows[1:] == [[p.sku, str(len(p.product_name))] for p in queryset.order_by("pk")]


@pytest.mark.parametrize(
    ("fields", "options", "message"),
    [
        (["sku", ("price", "sku")], {}, "The columns 'sku' and 'price' would both be headed "
         "'sku'"),
        (["category", "category_id"], {"header_style": "verbose"}, None),
        (["sku", ("price_x", F("price") * 1.5)], {}, "Cannot infer type of '*' expression"),
        ([("price", F("price") * 2)], {}, "has the name of a field of catalog.Product"),
        (["created_at__gte"], {}, "'gte' is not a transform of DateTimeField"),
        (["sku"], {"header_style": "pretty"}, "Unknown header_style 'pretty'; use one of names, "
         "verbose."),
        ([("sku", "S" * 64)], {"format": "jsonl"}, "The header 'SSSS"),
        ([("sku", "é" * 32)], {"format": "json"}, "longer than PostgreSQL's 63-byte identifier "
         "limit and cannot be a JSON key; give the column a shorter label"),
    ],
)  # fmt: skip
def test_bad_columns_and_headers_are_refused_when_preparing(
    transactional_db, fields, options, message
):
    prepare = functools.partial(prepare_export, Product, fields=fields)
    if message is None:  # "Category" and "Category id": distinct
        prepare(options=ExportOptions(**options))
        return
    with pytest.raises(InvalidArgument) as info:
        prepare(options=ExportOptions(**options))
    assert message in str(info.value)


def test_a_long_label_is_fine_where_it_is_no_json_key(transactional_db):
    export = prepare_export(Product, fields=[("sku", "S" * 100)])
    assert export.columns == ("S" * 100,)


def test_raw_sql_columns_with_the_same_name_are_refused(transactional_db):
    with pytest.raises(InvalidArgument, match="Two columns are named 'id'"):
        prepare_export("SELECT 1 AS id, 2 AS id")


# --- row estimates (EXPLAIN, never COUNT) -------------------------------------------------------


def test_estimates_are_the_planners(products: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE product")
    queryset = Product.objects.filter(status="active").order_by("pk")
    expected = planner_rows(queryset.values_list("sku", "price"))
    prepared = prepare_export(queryset, fields=["sku", "price"])
    assert prepared.estimate_rows() == expected
    stats = ExportStats()

    async def run() -> None:
        async for _chunk in prepared.achunks(stats=stats, estimate=True):
            pass

    asyncio.run(run())
    assert stats.estimated_rows == expected  # what streamdata's progress line divides by
    bounded = prepare_export(
        queryset, fields=["sku"], options=ExportOptions(offset=10, limit=25, engine="cursor")
    )
    assert bounded.estimate_rows() == 25
    assert prepare_export(queryset.none(), fields=["sku"]).estimate_rows() == 0


def test_an_estimate_gives_up_on_a_locked_table_within_its_timeout(products: int) -> None:
    prepared = prepare_export(Product.objects.all(), fields=["sku"])
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("LOCK TABLE product IN ACCESS EXCLUSIVE MODE")
        try:
            started = time.monotonic()
            assert prepared.estimate_rows(within=0.3) is None
            elapsed = time.monotonic() - started
        finally:
            cursor.execute("ROLLBACK")
    assert elapsed < 2.0
