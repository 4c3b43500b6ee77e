"""The async core against a real PostgreSQL: differential tests against the ORM, cursor patterns,
cleanup on every way of stopping, and typed errors.

Data read through asyncpg must be committed, hence ``transactional_db`` everywhere.
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import math
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Case, Count, F, Max, Q, Subquery, Sum, Value, When, Window
from django.db.models.functions import Concat, Lower, RowNumber, Upper
from django.test import override_settings

import cursor_stream
from catalog.models import Category, Product
from cursor_stream.connection import connect, connect_params
from cursor_stream.exceptions import (
    CompileError,
    ConfigurationError,
    CursorStreamError,
    InvalidArgument,
    QueryError,
    StreamTimeout,
)
from tests.testapp.models import Awkward, Money, Tag

pytestmark = pytest.mark.django_db(transaction=True)


# --------------------------------------------------------------------------------------------
# helpers


def collect(aiterable_factory: Callable[[], Any]) -> list[Any]:
    async def run() -> list[Any]:
        return [row async for row in aiterable_factory()]

    return asyncio.run(run())


def comparable(value: Any) -> Any:
    """Model instances compare by pk only; compare all loaded attributes and cached relations."""
    if hasattr(value, "_meta") and hasattr(value, "_state"):
        data = {k: comparable(v) for k, v in vars(value).items() if k != "_state"}
        cache = {k: comparable(v) for k, v in value._state.fields_cache.items()}
        return (type(value).__name__, data, cache, value.get_deferred_fields())
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return type(value)(comparable(v) for v in value) if type(value) is tuple else tuple(value)
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, float) and math.isnan(value):
        return "NaN"  # NaN != NaN; compare it by name
    return value


def assert_same_rows(queryset: Any, **kwargs: Any) -> list[Any]:
    expected = [comparable(r) for r in queryset.iterator()]
    got = [comparable(r) for r in collect(lambda: cursor_stream.stream(queryset, **kwargs))]
    if queryset.ordered:
        assert got == expected
    else:
        assert sorted(map(repr, got)) == sorted(map(repr, expected))
        assert len(got) == len(expected)
    return got


@pytest.fixture
def awkward(transactional_db: None) -> list[Awkward]:
    tag = Tag.objects.create(name='tag, with "quotes"')
    rows = [
        Awkward(),  # all NULL
        Awkward(
            text='comma, "quote", newline\nand tab\t and emoji 🚀',
            char="",
            flag=True,
            small=-32768,
            big=2**62,
            real=1.0 / 3,
            amount=Decimal("12345678901234567890.0123456789"),
            day=datetime.date(1999, 12, 31),
            moment=datetime.datetime(2021, 3, 28, 1, 30, 15, 123456, tzinfo=datetime.UTC),
            clock=datetime.time(23, 59, 59, 999999),
            span=datetime.timedelta(days=3, seconds=5, microseconds=7),
            uid=uuid.UUID("12345678-1234-5678-1234-567812345678"),
            data={"key": "x", "nested": {"list": [1, 2.5, None, "ü"]}, "n": 10**20},
            numbers=[1, 2, 3],
            words=["a,b", 'c"d', "", "é"],
            ip="192.168.0.1",
            blob=b"\x00\x01binary\xff",
            price=Money(1999),
            tag=tag,
        ),
        Awkward(
            text="=1+2",
            char="@mention",
            flag=False,
            small=0,
            big=-1,
            real=float("inf"),
            amount=Decimal("-0.0000000001"),
            day=datetime.date(1, 1, 1),
            moment=datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC),
            clock=datetime.time(0, 0),
            span=datetime.timedelta(0),
            uid=uuid.UUID(int=0),
            data=["list", "at", "top"],
            numbers=[],
            words=[],
            ip="2001:db8::1",
            blob=b"",
            price=Money(-5),
        ),
        Awkward(text="", data="just a string", real=float("nan"), amount=Decimal("0")),
    ]
    return Awkward.objects.bulk_create(rows)


# --------------------------------------------------------------------------------------------
# differential: the streamed rows equal the ORM's rows

P = Product.objects

SHAPES: dict[str, Callable[[], Any]] = {
    "all_models": lambda: P.order_by("pk"),
    "unordered_models": lambda: P.all(),
    "values": lambda: P.order_by("pk").values(),
    "values_some": lambda: P.order_by("pk").values("product_id", "product_name", "price"),
    "values_list": lambda: P.order_by("pk").values_list("product_id", "price", "created_at"),
    "values_list_flat": lambda: P.order_by("pk").values_list("product_name", flat=True),
    "values_list_named": lambda: P.order_by("pk").values_list("pk", "sku", named=True),
    "filter_gt": lambda: P.filter(price__gt=500).order_by("pk"),
    "exclude": lambda: P.exclude(status="draft").order_by("pk").values_list("pk", "status"),
    "related_lookup": lambda: P.filter(category__name__startswith="B").order_by("pk"),
    "q_or": lambda: P.filter(Q(in_stock=True) | Q(price__lt=10)).order_by("pk").values("pk"),
    "q_not": lambda: P.filter(~Q(status="active") & Q(in_stock=False)).order_by("-pk"),
    "f_annotate": lambda: P.annotate(double=F("price") * 2).order_by("pk"),
    "case_when": lambda: (
        P.annotate(label=Case(When(price__gt=500, then=Value("expensive")), default=Value("cheap")))
        .order_by("pk")
        .values_list("pk", "label")
    ),
    "distinct": lambda: P.values("status").distinct().order_by("status"),
    "distinct_on_ordered": lambda: (
        P.order_by("status", "-price").distinct("status").values("status", "price")
    ),
    "order_multi": lambda: P.order_by("-price", "product_id").values_list("pk", "price"),
    "slice": lambda: P.order_by("pk")[10:20],
    "slice_first": lambda: P.order_by("pk")[:1],
    "slice_past_end": lambda: P.order_by("pk")[5000:5010],
    "empty_in": lambda: P.filter(pk__in=[]),
    "none": lambda: P.none(),
    "no_match": lambda: P.filter(pk=-1).values(),
    "select_related": lambda: P.select_related("category").order_by("pk"),
    "only": lambda: P.only("product_name").order_by("pk"),
    "defer": lambda: P.defer("description", "attributes").order_by("pk"),
    "group_by": lambda: (
        P.values("category__name")
        .annotate(n=Count("pk"), top=Max("price"), total=Sum("price"))
        .order_by("category__name")
    ),
    "json_key_filter": lambda: P.filter(attributes__color="red").order_by("pk").values("pk"),
    "json_key_value": lambda: P.order_by("pk").values_list("attributes__color", flat=True),
    "json_contains": lambda: P.filter(attributes__tags__contains=["t1"]).order_by("pk"),
    "json_has_key": lambda: P.filter(attributes__has_key="fragile").values_list("pk", flat=True),
    "icontains": lambda: P.filter(product_name__icontains="widget").order_by("pk"),
    "contains_percent": lambda: P.filter(product_name__contains="% sale").order_by("pk"),
    "isnull": lambda: P.filter(description__isnull=True).order_by("pk").values("pk"),
    "empty_string": lambda: P.filter(description="").order_by("pk").values("pk", "description"),
    "year": lambda: P.filter(created_at__year=2021).order_by("pk").values_list("pk", flat=True),
    "date_transform": lambda: P.order_by("pk").values_list("created_at__date", flat=True),
    "related_value": lambda: P.annotate(cat=F("category__name")).order_by("pk").values("pk", "cat"),
    "subquery": lambda: P.filter(
        category__in=Subquery(Category.objects.filter(name__contains="o").values("pk"))
    ).order_by("pk"),
    "union": lambda: (
        P.filter(price__lt=10)
        .values_list("pk", "price")
        .union(P.filter(price__gt=990).values_list("pk", "price"))
        .order_by("pk")
    ),
    "value_types": lambda: (
        P.annotate(i=Value(5), s=Value("x"), d=Value(Decimal("1.50")), b=Value(True))
        .order_by("pk")
        .values("pk", "i", "s", "d", "b")[:3]
    ),
    "functions": lambda: (
        P.annotate(
            up=Upper("product_name"), low=Lower("sku"), both=Concat("sku", Value(" / "), "status")
        )
        .order_by("pk")
        .values("up", "low", "both")
    ),
    "nulls_last": lambda: P.order_by(F("description").asc(nulls_last=True), "pk").values_list(
        "pk", "description"
    ),
    "aware_filter": lambda: P.filter(
        created_at__gte=datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC)
    ).order_by("pk"),
    "window": lambda: (
        P.annotate(rank=Window(RowNumber(), partition_by="category", order_by="-price"))
        .order_by("pk")
        .values("pk", "rank")
    ),
    "big_in_list": lambda: P.filter(pk__in=list(range(1, 40_001))).order_by("pk").values("pk"),
    "exclude_big_in_list": lambda: P.exclude(pk__in=list(range(3, 40_000, 2))).values_list(
        "pk", flat=True
    ),
    "aggregate_like": lambda: Category.objects.annotate(n=Count("products")).order_by("name"),
    "awkward_models": lambda: Awkward.objects.order_by("pk"),
    "awkward_values": lambda: Awkward.objects.order_by("pk").values(),
    "awkward_related": lambda: Awkward.objects.select_related("tag").order_by("pk"),
    "awkward_uuid_filter": lambda: Awkward.objects.filter(uid=uuid.UUID(int=0)).values("pk"),
    "awkward_array_contains": lambda: Awkward.objects.filter(numbers__contains=[2]).values("pk"),
    "awkward_json_key": lambda: Awkward.objects.filter(data__key="x").values_list("pk", "data"),
    "awkward_json_nested": lambda: Awkward.objects.order_by("pk").values_list(
        "data__nested__list", flat=True
    ),
    "awkward_money_filter": lambda: Awkward.objects.filter(price=Money(1999)).values_list(
        "price", flat=True
    ),
    "awkward_moment_range": lambda: Awkward.objects.filter(
        moment__range=(
            datetime.datetime(1960, 1, 1, tzinfo=datetime.UTC),
            datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
        )
    ).order_by("pk"),
    "awkward_ip_filter": lambda: Awkward.objects.filter(ip="2001:db8::1").values("pk", "ip"),
    "awkward_span": lambda: Awkward.objects.filter(span__gt=datetime.timedelta(0)).values("span"),
    "awkward_known_related": lambda: Tag.objects.get().rows.all(),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_streamed_rows_equal_the_orm_rows(shape, products, awkward):
    assert_same_rows(SHAPES[shape]())


def test_differential_suite_has_at_least_40_shapes():
    assert len(SHAPES) >= 40


def test_values_are_the_orm_python_types(awkward):
    (row,) = collect(lambda: cursor_stream.stream(Awkward.objects.filter(pk=awkward[1].pk)))
    assert row.amount == Decimal("12345678901234567890.0123456789")
    assert isinstance(row.uid, uuid.UUID)
    assert row.moment == datetime.datetime(2021, 3, 28, 1, 30, 15, 123456, tzinfo=datetime.UTC)
    assert row.data["nested"]["list"] == [1, 2.5, None, "ü"]
    assert row.price == Money(1999)
    assert row.numbers == [1, 2, 3]
    assert row.span == datetime.timedelta(days=3, seconds=5, microseconds=7)


@pytest.mark.parametrize("prefetch", [1, 2, 7, 999, 1000, 1001, 5000])
def test_every_prefetch_size_returns_every_row_once(products, prefetch):
    got = collect(
        lambda: cursor_stream.stream(
            P.order_by("pk").values_list("pk", flat=True), prefetch=prefetch
        )
    )
    assert got == list(range(1, products + 1))


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, None, range(1, 1001)),
        (0, 0, range(0)),
        (0, 1, range(1, 2)),
        (999, None, range(1000, 1001)),
        (1000, None, range(0)),
        (1001, 5, range(0)),
        (10, 1000, range(11, 1001)),
        (500, 100, range(501, 601)),
    ],
)
def test_offset_and_limit_at_the_edges(products, offset, limit, expected):
    got = collect(
        lambda: cursor_stream.stream(
            P.order_by("pk").values_list("pk", flat=True), offset=offset, limit=limit, prefetch=64
        )
    )
    assert got == list(expected)


def test_stream_batches_yields_lists_of_at_most_prefetch_rows(products):
    batches = collect(
        lambda: cursor_stream.stream_batches(P.order_by("pk").values_list("pk"), prefetch=300)
    )
    assert [len(b) for b in batches] == [300, 300, 300, 100]
    assert batches[0][0] == (1,)


def test_raw_sql_with_django_style_params_yields_records(products):
    rows = collect(
        lambda: cursor_stream.stream(
            "SELECT product_id, product_name FROM product WHERE product_id <= %s "
            "AND product_name NOT LIKE '%%zzz%%' ORDER BY 1",
            [3],
        )
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT product_id, product_name FROM product WHERE product_id <= %s "
            "AND product_name NOT LIKE '%%zzz%%' ORDER BY 1",
            [3],
        )
        expected = cur.fetchall()
    assert [tuple(r) for r in rows] == expected
    assert rows[0]["product_name"] == expected[0][1]


# --------------------------------------------------------------------------------------------
# the three cursor patterns


def test_pattern_iterate_all_rows(products):
    got = collect(lambda: cursor_stream.stream("SELECT product_id, product_name FROM product"))
    assert len(got) == products


def test_pattern_skip_500_then_fetch_100(products):
    page = asyncio.run(
        cursor_stream.fetch_page(
            "SELECT product_id, product_name FROM product ORDER BY product_id",
            offset=500,
            count=100,
        )
    )
    assert [r["product_id"] for r in page] == list(range(501, 601))


def test_pattern_take_5(products):
    got = collect(
        lambda: cursor_stream.take(cursor_stream.stream(P.order_by("pk").values_list("pk")), 5)
    )
    assert got == [(1,), (2,), (3,), (4,), (5,)]


def test_take_never_pulls_one_item_too_many():
    pulled = []

    async def source():
        for i in range(10):
            pulled.append(i)
            yield i

    got = collect(lambda: cursor_stream.take(source(), 3))
    assert got == [0, 1, 2]
    assert pulled == [0, 1, 2]
    assert collect(lambda: cursor_stream.take(source(), 0)) == []


def test_columns_without_fetching_rows(products):
    cols = asyncio.run(cursor_stream.columns(P.filter(pk=-1).values("pk", "category__name")))
    assert [(c.name, c.type) for c in cols] == [("pk", "int8"), ("category__name", "varchar")]
    cols = asyncio.run(cursor_stream.columns("SELECT 1 AS one, now() AS t"))
    assert [(c.name, c.type) for c in cols] == [("one", "int4"), ("t", "timestamptz")]


def test_a_transaction_streams_several_queries_from_one_snapshot(products):
    async def run():
        async with cursor_stream.transaction() as snap:
            first = [r async for r in snap.rows(P.order_by("pk").values_list("pk", flat=True))]
            # A change committed by another connection after the snapshot was taken is invisible.
            other = await connect(connect_params())
            try:
                await other.execute("DELETE FROM product WHERE product_id <= 10")
            finally:
                await other.close()
            second = [r async for r in snap.rows("SELECT count(*) FROM product")]
            page = await snap.fetch_page(P.order_by("pk").values_list("pk", flat=True), count=3)
        return first, second, page

    first, second, page = asyncio.run(run())
    assert len(first) == products
    assert second[0][0] == products
    assert page == [1, 2, 3]
    assert P.count() == products - 10


def test_exports_run_in_a_read_only_transaction(products):
    with pytest.raises(QueryError, match="read-only transaction"):
        collect(lambda: cursor_stream.stream("UPDATE product SET price = 0 RETURNING 1"))
    assert not P.filter(price=0).exists() or P.filter(price=0).count() < products


# --------------------------------------------------------------------------------------------
# cleanup: no backend left behind


async def export_backends(monitor: Any, baseline: set[int]) -> list[tuple[int, str]]:
    rows = await monitor.fetch(
        "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    return [(r["pid"], r["state"]) for r in rows if r["pid"] not in baseline]


async def wait_until_released(monitor: Any, baseline: set[int], within: float = 1.0) -> float:
    started = time.monotonic()
    while True:
        left = [b for b in await export_backends(monitor, baseline) if b[1] != "idle"]
        if not left:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"backends still busy or in transaction after {within}s: {left}")
        await asyncio.sleep(0.02)


def run_cleanup_scenario(scenario: Callable[[], Any]) -> float:
    async def run() -> float:
        monitor = await connect(connect_params())
        try:
            baseline = {pid for pid, _ in await export_backends(monitor, set())}
            await scenario()
            # Nothing here calls gc.collect(): release must follow from the code paths alone.
            return await wait_until_released(monitor, baseline)
        finally:
            await monitor.close()

    gc_was = gc.isenabled()
    gc.disable()
    try:
        return asyncio.run(run())
    finally:
        if gc_was:
            gc.enable()


QUERY = "SELECT product_id FROM product ORDER BY product_id"


def test_stream_releases_connection_after_break(products):
    async def scenario():
        async for _row in cursor_stream.stream(QUERY, prefetch=10):
            break
        await asyncio.sleep(0)

    run_cleanup_scenario(scenario)


def test_stream_releases_connection_after_exception_in_consumer(products):
    async def scenario():
        with pytest.raises(ZeroDivisionError):
            async for _row in cursor_stream.stream(QUERY, prefetch=10):
                1 / 0  # noqa: B018

    run_cleanup_scenario(scenario)


def test_async_with_releases_the_connection_while_the_stream_is_still_referenced(products):
    """An exception in the loop body leaves a plain iterator (and its transaction) suspended
    for as long as something references it; ``async with`` ends it on the way out."""
    kept: list[Any] = []

    async def scenario():
        with pytest.raises(ZeroDivisionError):
            async with cursor_stream.stream(QUERY, prefetch=10) as rows:
                kept.append(rows)
                async for _row in rows:
                    1 / 0  # noqa: B018

    run_cleanup_scenario(scenario)
    assert kept  # still referenced when the release was checked

    async def batches_scenario():
        async with cursor_stream.stream_batches(QUERY, prefetch=10) as batches:
            kept.append(batches)
            assert len(await anext(batches)) == 10

    run_cleanup_scenario(batches_scenario)


def test_a_plain_iterator_kept_alive_after_an_exception_holds_its_transaction(products):
    """The reason for ``async with``: without it, nothing ends the suspended stream."""
    kept: list[Any] = []

    async def scenario():
        rows = cursor_stream.stream(QUERY, prefetch=10)
        kept.append(rows)
        with pytest.raises(ZeroDivisionError):
            async for _row in rows:
                1 / 0  # noqa: B018

    with pytest.raises(AssertionError, match="still busy or in transaction"):
        run_cleanup_scenario(scenario)
    # (asyncio.run() closed it when its loop shut down: asyncgen finalisation.)


def test_a_transaction_is_entered_once(products):
    async def scenario():
        snap = cursor_stream.transaction()
        async with snap:
            with pytest.raises(CursorStreamError, match="already open"):
                await snap.open()
            assert [r[0] async for r in snap.rows("SELECT 1")] == [1]
        with pytest.raises(CursorStreamError, match="already closed"):
            async with snap:
                pass
        with pytest.raises(CursorStreamError, match="is closed, not open"):
            snap.connection  # noqa: B018

    run_cleanup_scenario(scenario)


def test_the_old_snapshot_names_still_work_with_a_deprecation_warning(transactional_db):
    from cursor_stream import streaming

    with pytest.warns(DeprecationWarning, match=r"use cursor_stream\.transaction\(\)"):
        txn = cursor_stream.snapshot()
    assert isinstance(txn, cursor_stream.Transaction)
    with pytest.warns(DeprecationWarning, match="use Transaction"):
        assert streaming.Snapshot is streaming.Transaction
    with pytest.warns(DeprecationWarning, match="use TransactionState"):
        assert streaming.SnapshotState is streaming.TransactionState


def test_stream_releases_connection_on_aclose(products):
    async def scenario():
        it = cursor_stream.stream(QUERY, prefetch=10)
        await anext(it)
        await it.aclose()

    run_cleanup_scenario(scenario)


def test_stream_releases_connection_when_dropped_unconsumed(products):
    async def scenario():
        it = cursor_stream.stream(QUERY, prefetch=10)
        await anext(it)
        del it
        await asyncio.sleep(0.05)

    run_cleanup_scenario(scenario)


def test_stream_never_started_opens_nothing(products):
    async def scenario():
        it = cursor_stream.stream(QUERY)
        del it

    run_cleanup_scenario(scenario)


def test_stream_releases_connection_on_task_cancellation(products):
    async def scenario():
        started = asyncio.Event()

        async def consume():
            async for _row in cursor_stream.stream(QUERY, prefetch=1):
                started.set()
                await asyncio.sleep(0.01)

        task = asyncio.create_task(consume())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_cleanup_scenario(scenario)


def test_cancelling_a_slow_query_finishes_in_under_a_second(products):
    elapsed: list[float] = []

    async def scenario():
        task = asyncio.create_task(collect_async(cursor_stream.stream("SELECT pg_sleep(30)")))
        await asyncio.sleep(0.3)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        elapsed.append(time.monotonic() - started)

    run_cleanup_scenario(scenario)
    assert elapsed[0] < 1.0


async def collect_async(it: Any) -> list[Any]:
    return [row async for row in it]


# --------------------------------------------------------------------------------------------
# errors


def test_non_postgresql_alias_is_refused():
    with pytest.raises(ConfigurationError, match="'sqlite' uses the 'sqlite' backend"):
        cursor_stream.stream("SELECT 1", using="sqlite")


def test_unknown_alias_lists_the_configured_ones():
    with pytest.raises(ConfigurationError, match=r"'nope' is not in DATABASES.*'default'"):
        cursor_stream.stream("SELECT 1", using="nope")


def test_querysets_that_cannot_stream_fail_at_call_time():
    with pytest.raises(CompileError, match="prefetch_related"):
        cursor_stream.stream(Category.objects.prefetch_related("products"))
    with pytest.raises(CompileError, match="read-only"):
        cursor_stream.stream(P.select_for_update())
    with pytest.raises(CompileError, match="Expected a QuerySet or a SQL string"):
        cursor_stream.stream(42)
    with pytest.raises(CompileError, match="params can only be given with a raw SQL"):
        cursor_stream.stream(P.all(), [1])


def test_sql_error_passes_the_server_message_and_position(products):
    with pytest.raises(QueryError) as info:
        collect(lambda: cursor_stream.stream("SELECT product_id FORM product"))
    message = str(info.value)
    assert "42601" in message
    assert 'syntax error at or near "product"' in message
    assert "position 24 (line 1)" in message


def test_statement_timeout_is_a_stream_timeout(products):
    with (
        override_settings(CURSOR_STREAM={"STATEMENT_TIMEOUT": 100}),
        pytest.raises(StreamTimeout, match="statement_timeout"),
    ):
        collect(lambda: cursor_stream.stream("SELECT pg_sleep(2)"))


def test_invalid_arguments_are_typed_errors():
    for kwargs in ({"prefetch": 0}, {"offset": -1}, {"limit": -5}, {"prefetch": True}):
        with pytest.raises(InvalidArgument):
            cursor_stream.stream("SELECT 1", **kwargs)
    assert issubclass(InvalidArgument, CursorStreamError)
    assert issubclass(InvalidArgument, ValueError)


def test_a_queryset_compiled_in_async_code_never_touches_the_database(products):
    """JSONObject reads the server version (a cached property that connects, which Django
    refuses on an event loop's thread): compiling learns it once, off the loop."""
    from django.db import connections
    from django.db.models.functions import JSONObject

    from cursor_stream import sql

    queryset = Product.objects.annotate(obj=JSONObject(sku="sku")).order_by("pk")
    expected = list(queryset.values_list("obj", flat=True)[:3])

    async def run() -> tuple[list[Any], list[Any]]:
        # A fresh connection wrapper in this async context knows no server version yet.
        wrapper = connections["default"]
        wrapper.__dict__.pop("pg_version", None)
        for name in [n for n in vars(wrapper.features) if n.startswith("is_postgresql")]:
            delattr(wrapper.features, name)  # cached by earlier tests
        sql._server_versions.clear()
        first = [r async for r in cursor_stream.stream(queryset.values_list("obj", flat=True)[:3])]
        page = await cursor_stream.fetch_page(
            queryset.values_list("obj", flat=True), offset=0, count=3
        )
        return first, page

    first, page = asyncio.run(run())
    assert first == expected == page
    assert "default" in sql._server_versions


def test_parts_that_import_an_exported_snapshot_see_exactly_the_leaders_rows(products):
    from cursor_stream.streaming import StreamOptions, Transaction

    count = "SELECT count(*), max(product_id) FROM product"

    async def scenario() -> None:
        params = connect_params()
        async with Transaction(params, StreamOptions(), exporting=True) as leader:
            snapshot_id = await leader.export_snapshot()
            assert await leader.export_snapshot() == snapshot_id  # one id per transaction
            other = await connect(params)
            try:
                await other.execute("DELETE FROM product WHERE product_id <= 10")
                await other.execute(
                    "INSERT INTO product (product_id, product_name, sku, category_id, price, "
                    "in_stock, status, attributes, created_at) SELECT 9000000, 'new', 'NEW-1', "
                    "category_id, 1, true, 'active', '{}', now() FROM product LIMIT 1"
                )
            finally:
                await other.close()
            # Opened after the changes were committed, the part still reads the leader's rows.
            async with Transaction(params, StreamOptions(), snapshot=snapshot_id) as part:
                assert [tuple(r) async for r in part.rows(count)] == [(products, products)]
            async with Transaction(params, StreamOptions()) as fresh:
                assert [tuple(r) async for r in fresh.rows(count)] == [(products - 9, 9000000)]
        # The id is valid only while the leader's transaction is open.
        with pytest.raises(QueryError, match=r"invalid snapshot identifier|does not exist"):
            async with Transaction(params, StreamOptions(), snapshot=snapshot_id):
                pass

    run_cleanup_scenario(scenario)


def test_a_serializable_leader_waits_for_a_safe_snapshot_and_parts_read_it_repeatably(
    transactional_db,
):
    """As pg_dump --serializable-deferrable: SERIALIZABLE READ ONLY DEFERRABLE, parts RR."""
    from cursor_stream.streaming import StreamOptions, Transaction

    settings_sql = (
        "SELECT current_setting('transaction_isolation'), "
        "current_setting('transaction_deferrable'), current_setting('transaction_read_only')"
    )

    async def scenario() -> None:
        params = connect_params()
        options = StreamOptions(isolation="serializable")
        async with Transaction(params, options, exporting=True) as leader:
            assert [tuple(r) async for r in leader.rows(settings_sql)] == [
                ("serializable", "on", "on")
            ]
            snapshot_id = await leader.export_snapshot()
            async with Transaction(params, options, snapshot=snapshot_id) as part:
                assert [tuple(r) async for r in part.rows(settings_sql)] == [
                    ("repeatable read", "off", "on")
                ]
        # A READ COMMITTED setting would export one statement's snapshot: leaders use RR.
        committed = StreamOptions(isolation="read_committed")
        async with Transaction(params, committed, exporting=True) as leader:
            rows = [r[0] async for r in leader.rows(settings_sql)]
            assert rows == ["repeatable read"]
        async with Transaction(params, committed) as plain:
            with pytest.raises(CursorStreamError, match="exporting=True"):
                await plain.export_snapshot()

    run_cleanup_scenario(scenario)
