"""Parallel exports: N connections, one snapshot, the serial export's bytes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import io
import itertools
import os
import signal
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Value
from django.db.models.expressions import RawSQL, Window
from django.db.models.functions import RowNumber, Upper
from django.test import override_settings

from catalog.models import Category, Product
from cursor_stream.connection import connect, connect_params
from cursor_stream.exceptions import ConnectionLost, InvalidArgument
from cursor_stream.export import ExportOptions, ExportStats, PreparedExport, prepare_export
from cursor_stream.parts import TextRows
from cursor_stream.split import boundaries
from cursor_stream.streaming import StreamOptions, Transaction
from tests.test_export import awkward  # noqa: F401 (a fixture)
from tests.test_streamdata import child_env
from tests.testapp.models import Awkward

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent

FORMATS_AND_ENGINES = [
    (fmt, engine)
    for fmt in ("csv", "tsv", "pgtext", "jsonl", "json", "xlsx")
    for engine in ("copy", "cursor")
    if not (fmt == "xlsx" and engine == "copy")
]


def run(export: PreparedExport, stats: ExportStats | None = None, **kwargs: Any) -> bytes:
    async def collect() -> bytes:
        out = []
        async with contextlib.aclosing(export.achunks(stats=stats, **kwargs)) as chunks:
            async for chunk in chunks:
                out.append(chunk)
        return b"".join(out)

    return asyncio.run(collect())


def export(source: Any, jobs: int = 1, **options: Any) -> PreparedExport:
    fields = options.pop("fields", None)
    return prepare_export(source, fields=fields, options=ExportOptions(jobs=jobs, **options))


def comparable(fmt: str, data: bytes) -> Any:
    """Return the bytes, or for xlsx every part of the archive but its creation time."""
    if fmt != "xlsx":
        return data
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}


def assert_same_as_serial(source: Any, jobs: int = 3, **options: Any) -> bytes:
    fmt = options.get("format", "csv")
    serial = run(export(source, **options))
    parallel = export(source, jobs, **options)
    assert parallel.split is not None, parallel.serial_reason
    stats = ExportStats()
    assert comparable(fmt, run(parallel, stats)) == comparable(fmt, serial)
    return serial


# --- the same bytes -----------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "engine"), FORMATS_AND_ENGINES)
def test_parallel_parts_concatenate_to_the_serial_bytes(awkward, products, fmt, engine):  # noqa: F811
    assert_same_as_serial(Awkward.objects.all(), format=fmt, engine=engine)
    assert_same_as_serial(
        Product.objects.all(), jobs=4, format=fmt, engine=engine, escape_formulas=True
    )
    if fmt in ("csv", "tsv", "pgtext"):
        for header, bom in itertools.product((False, True), repeat=2):
            assert_same_as_serial(
                Awkward.objects.all(), format=fmt, engine=engine, header=header, bom=bom
            )


@pytest.mark.parametrize(("fmt", "engine"), FORMATS_AND_ENGINES)
def test_gzip_output_decompresses_to_the_serial_bytes(products, fmt, engine):
    serial = run(export(Product.objects.all(), format=fmt, engine=engine))
    parallel = export(Product.objects.all(), 3, format=fmt, engine=engine)
    data = run(parallel, gzip=True)
    assert comparable(fmt, gzip.decompress(data)) == comparable(fmt, serial)
    members = gzip_members(data)
    if fmt in ("csv", "tsv", "pgtext", "jsonl"):
        assert members >= 3  # one per part, compressed in parallel
    else:
        assert members == 1  # the leader compresses what its one encoder writes


def gzip_members(data: bytes) -> int:
    count = 0
    while data:
        decompressor = zlib.decompressobj(31)
        decompressor.decompress(data)
        assert decompressor.eof
        data = decompressor.unused_data
        count += 1
    return count


def test_filters_joins_annotations_and_fields_stay_as_they_are(products):
    queryset = (
        Product.objects.filter(price__gte=10, status__in=["active", "draft"])
        .exclude(category__name="Books")
        .annotate(shout=Upper("product_name"), tag=Value("x"), doubled=F("price") * 2)
    )
    assert_same_as_serial(queryset)
    assert_same_as_serial(
        queryset, fields=["pk", "category__name", "attributes__color"], format="jsonl"
    )
    assert_same_as_serial(queryset.values("sku", "category__name", "doubled"), format="tsv")
    assert_same_as_serial(queryset.select_related("category"), format="json")


def test_descending_and_unique_field_orders_are_cut_too(products):
    assert_same_as_serial(Product.objects.order_by("-pk"))
    assert_same_as_serial(Product.objects.order_by("sku"), format="jsonl")
    assert_same_as_serial(Product.objects.order_by("-sku"), format="json")
    # The model's own Meta.ordering, on a unique field.
    assert_same_as_serial(Category.objects.all(), jobs=2, format="json")


def test_a_model_on_a_view_is_cut_from_all_its_keys(products):
    from tests.testapp.models import SlowProduct

    # TABLESAMPLE cannot read a view: its query's keys are read whole instead.
    assert_same_as_serial(SlowProduct.objects.filter(product_id__lte=100), jobs=2)
    assert_same_as_serial(SlowProduct.objects.filter(price__lt=20).order_by("-pk"), format="jsonl")


def test_stats_count_every_row_and_byte(products):
    stats = ExportStats()
    data = run(export(Product.objects.all(), 3, format="jsonl"), stats)
    assert stats.rows == products
    assert stats.bytes == len(data)
    stats = ExportStats()
    data = run(export(Product.objects.all(), 3), stats, gzip=True)
    assert stats.rows == products
    assert stats.bytes == len(gzip.decompress(data))


def test_fewer_rows_than_jobs_and_empty_results(transactional_db):
    Product.objects.all().delete()
    assert_same_as_serial(Product.objects.all(), jobs=4)
    empty = export(Product.objects.none(), 3)
    assert (empty.split, empty.serial_reason) == (None, None)  # nothing to read, nothing to cut
    assert run(empty) == run(export(Product.objects.none()))
    category = Category.objects.create(name="only one")
    assert_same_as_serial(Category.objects.filter(pk=category.pk), jobs=4, format="json")


def test_text_rows_read_back_what_copy_writes():
    decoder = TextRows(3)
    data = b"a\\tb\t\\N\t\\\\N\nx\\ny\t\t\\r\\b\\f\\v\\\\\n"
    rows = decoder.feed(data[:7]) + decoder.feed(data[7:])
    assert rows == [["a\tb", None, "\\N"], ["x\ny", "", "\r\b\f\v\\"]]


# --- one snapshot -------------------------------------------------------------------------------


async def commit(sql: str) -> None:
    conn = await connect(connect_params())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


WRITES = [
    "DELETE FROM product WHERE product_id % 97 = 0",
    "UPDATE product SET product_name = 'changed', price = price + 1 WHERE product_id % 13 = 0",
    "INSERT INTO product (product_id, product_name, sku, category_id, price, in_stock, status, "
    "attributes, created_at) SELECT product_id + 5000000, 'new', 'NEW-' || product_id, "
    "category_id, 1, true, 'active', '{}', now() FROM product WHERE product_id % 50 = 0",
    "UPDATE product SET product_id = product_id + 2000000 WHERE product_id % 41 = 0",
]


@pytest.mark.parametrize(
    ("fmt", "engine"), [("csv", "copy"), ("jsonl", "cursor"), ("xlsx", "cursor")]
)
def test_every_part_reads_the_leaders_snapshot_while_the_table_changes(products, fmt, engine):
    """Rows written while a parallel export runs are in none of its parts."""
    before = run(export(Product.objects.all(), format=fmt, engine=engine, prefetch=50))
    parallel = export(Product.objects.all(), 4, format=fmt, engine=engine, prefetch=50)

    async def scenario() -> bytes:
        out = []
        async with contextlib.aclosing(parallel.achunks()) as chunks:
            async for chunk in chunks:
                out.append(chunk)
                if len(out) <= len(WRITES):
                    # After the header (the snapshot is exported, no part has started), then
                    # while the parts run.
                    await commit(WRITES[len(out) - 1])
        for write in WRITES[len(out) :]:
            await commit(write)
        return b"".join(out)

    during = asyncio.run(scenario())
    assert comparable(fmt, during) == comparable(fmt, before)
    after = run(export(Product.objects.all(), format=fmt, engine=engine))
    assert comparable(fmt, after) != comparable(fmt, before)


# --- cutting ------------------------------------------------------------------------------------


def part_sizes(queryset: Any, jobs: int) -> list[int]:
    prepared = export(queryset, jobs)
    plan = prepared.split
    assert plan is not None

    async def bounds() -> list[Any]:
        async with Transaction(prepared.connect_params, StreamOptions()) as txn:
            return await boundaries(txn, plan, jobs)

    edges = [None, *asyncio.run(bounds()), None]
    sizes = []
    for lower, upper in itertools.pairwise(edges):
        part = queryset
        if lower is not None:
            part = part.filter(pk__gte=lower)
        if upper is not None:
            part = part.filter(pk__lt=upper)
        sizes.append(part.count())
    return sizes


def assert_balanced(sizes: list[int], jobs: int) -> None:
    assert len(sizes) == jobs
    mean = sum(sizes) / jobs
    assert all(abs(size - mean) <= 0.25 * mean for size in sizes), sizes


@pytest.fixture
def catalogue(transactional_db: None) -> int:
    call_command("seed_products", count=60000, seed=3, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE product")
    return 60000


@pytest.mark.slow
def test_parts_hold_similar_numbers_of_rows(catalogue, monkeypatch):
    # A sample of 250 pages per part, out of about two thousand.
    monkeypatch.setattr("cursor_stream.split.SAMPLE_PAGES", 250)
    for jobs in (2, 3, 4, 8):
        assert_balanced(part_sizes(Product.objects.all(), jobs), jobs)
    # Filters that leave parts of the key space empty: the ranges follow the matching rows.
    assert_balanced(part_sizes(Product.objects.filter(pk__lt=20000), 4), 4)
    assert_balanced(part_sizes(Product.objects.filter(status="discontinued"), 4), 4)
    # A skewed key: half the rows dense at the start, half spread over a billion keys.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE product SET product_id = product_id * 100000 - 2999999999 "
            "WHERE product_id > 30000"
        )
        cursor.execute("VACUUM ANALYZE product")
    for jobs in (2, 4):
        assert_balanced(part_sizes(Product.objects.all(), jobs), jobs)
    assert_same_as_serial(Product.objects.filter(pk__gt=29000, pk__lt=10**9), jobs=4)


@pytest.mark.parametrize(
    ("queryset", "reason"),
    [
        (lambda: Product.objects.order_by("price"), "by price, and 'price' is not a unique"),
        (lambda: Product.objects.order_by("category"), "'category' is not a unique non-null"),
        (lambda: Product.objects.order_by("category", "pk"), "not by one unique key"),
        (lambda: Product.objects.order_by(), "ordered by nothing"),
        (lambda: Product.objects.order_by("?"), "not by one unique key"),
        (lambda: Product.objects.order_by("pk")[10:20], "sliced"),
        (
            lambda: Product.objects.filter(pk__lt=5).union(Product.objects.filter(pk__gt=995)),
            "union()",
        ),
        (
            lambda: Product.objects.order_by("category_id", "pk").distinct("category_id"),
            "not by one unique key",
        ),
        (
            lambda: Product.objects.annotate(n=Window(RowNumber())).order_by("pk"),
            "window functions",
        ),
        (lambda: "SELECT * FROM product ORDER BY product_id", "raw SQL"),
    ],
)
def test_what_cannot_be_cut_says_why_and_runs_serially(products, queryset, reason):
    source = queryset()
    prepared = export(source, 3)
    assert prepared.split is None
    assert prepared.jobs == 1
    assert reason in (prepared.serial_reason or "")
    if "?" in getattr(getattr(source, "query", None), "order_by", ()):
        return  # a random order: nothing to compare
    assert run(prepared) == run(export(source))


def test_offset_and_limit_run_serially(products):
    prepared = export(Product.objects.all(), 3, offset=5, limit=10)
    assert prepared.split is None and "offset and limit" in (prepared.serial_reason or "")


def test_bad_jobs_are_clear_errors(transactional_db):
    with pytest.raises(InvalidArgument, match="jobs must be an integer >= 1, got 0"):
        export(Product.objects.all(), 0)
    with (
        override_settings(CURSOR_STREAM={"MAX_CONNECTIONS": 2}),
        pytest.raises(InvalidArgument, match=r"jobs=3 needs 3 connections .* allows 2"),
    ):
        export(Product.objects.all(), 3)


# --- connections --------------------------------------------------------------------------------


async def backends(monitor: Any, baseline: set[int]) -> list[tuple[int, str, str]]:
    rows = await monitor.fetch(
        "SELECT pid, state, application_name FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'"
    )
    return [(r[0], r[1], r[2]) for r in rows if r[0] not in baseline]


async def assert_no_backend_left(monitor: Any, baseline: set[int], within: float = 1.0) -> None:
    deadline = time.monotonic() + within
    while left := await backends(monitor, baseline):
        if time.monotonic() > deadline:
            raise AssertionError(f"backends left after {within} s: {left}")
        await asyncio.sleep(0.02)


def with_monitor(scenario: Any) -> Any:
    async def main() -> Any:
        monitor = await connect(connect_params())
        try:
            baseline = {pid for pid, _, _ in await backends(monitor, set())}
            result = await scenario(monitor, baseline)
            await assert_no_backend_left(monitor, baseline)
            return result
        finally:
            await monitor.close()

    gc_was = gc.isenabled()
    gc.disable()  # release must follow from the code paths, not from the garbage collector
    try:
        return asyncio.run(main())
    finally:
        if gc_was:
            gc.enable()


def slow_products(per_row: float = 0.002) -> Any:
    """Products whose every row takes ``per_row`` seconds on the server."""
    return Product.objects.annotate(nap=RawSQL(f"pg_sleep({per_row})::text", ()))


def test_jobs_read_through_that_many_connections_named_after_their_part(products):
    prepared = export(slow_products(), 3)

    async def scenario(monitor: Any, baseline: set[int]) -> list[str]:
        async with contextlib.aclosing(prepared.achunks()) as chunks:
            await anext(chunks)
            await anext(chunks)
            names = sorted(name for _, _, name in await backends(monitor, baseline))
        return names

    names = with_monitor(scenario)
    assert len(names) == 3
    parts = [name for name in names if "part" in name]
    assert parts == ["django cursor_stream export part 2/3", "django cursor_stream export part 3/3"]


def test_a_parts_connection_terminated_fails_the_export_and_stops_the_others(products):
    prepared = export(slow_products(), 3)

    async def scenario(monitor: Any, baseline: set[int]) -> BaseException:
        with pytest.raises(ConnectionLost) as raised:
            async with contextlib.aclosing(prepared.achunks()) as chunks:
                async for _ in chunks:
                    victims = [p for p, _, n in await backends(monitor, baseline) if "3/3" in n]
                    if victims:
                        await monitor.execute("SELECT pg_terminate_backend($1)", victims[0])
        return raised.value

    assert "Connection lost" in str(with_monitor(scenario))


def test_a_failed_gzip_parallel_export_never_decompresses_cleanly(products):
    """Members end with their CRC and length: what a failed export wrote must not pass."""
    # The last part is slow, so that the others' members are written before it fails.
    slow_end = RawSQL("CASE WHEN product_id > 800 THEN pg_sleep(0.01)::text END", ())
    prepared = export(Product.objects.annotate(nap=slow_end), 3)

    async def scenario(monitor: Any, baseline: set[int]) -> bytes:
        written: list[bytes] = []

        async def consume() -> None:
            async with contextlib.aclosing(prepared.achunks(gzip=True)) as chunks:
                async for chunk in chunks:
                    written.append(chunk)

        consumer = asyncio.ensure_future(consume())
        deadline = time.monotonic() + 30
        while not written:  # part 1's member, then part 2's, while part 3 still runs
            assert time.monotonic() < deadline and not consumer.done()
            await asyncio.sleep(0.01)
        while not (victims := [p for p, _, n in await backends(monitor, baseline) if "3/3" in n]):
            assert time.monotonic() < deadline and not consumer.done()
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        await monitor.execute("SELECT pg_terminate_backend($1)", victims[0])
        with pytest.raises(ConnectionLost):
            await consumer
        return b"".join(written)

    written = with_monitor(scenario)
    assert len(written) > 1000
    with pytest.raises((EOFError, gzip.BadGzipFile, zlib.error)):
        gzip.decompress(written)


def test_the_leaders_connection_terminated_fails_the_export(products):
    prepared = export(slow_products(), 3)

    async def scenario(monitor: Any, baseline: set[int]) -> None:
        with pytest.raises(ConnectionLost):
            async with contextlib.aclosing(prepared.achunks()) as chunks:
                async for _ in chunks:
                    found = await backends(monitor, baseline)
                    leader = [p for p, _, n in found if "part" not in n]
                    if leader and len(found) == 3:
                        await monitor.execute("SELECT pg_terminate_backend($1)", leader[0])

    with_monitor(scenario)


@pytest.mark.parametrize("after", [1, 2, 5])
def test_closing_or_cancelling_a_parallel_export_releases_every_connection(products, after):
    prepared = export(slow_products(0.001), 3)

    async def scenario(monitor: Any, baseline: set[int]) -> None:
        chunks = prepared.achunks()
        for _ in range(after):
            await anext(chunks)
        await chunks.aclose()
        # The same through cancellation of the consuming task.
        consumer = asyncio.ensure_future(consume(export(slow_products(0.001), 3)))
        await asyncio.sleep(0.3 * after)
        consumer.cancel()
        await asyncio.wait({consumer})

    with_monitor(scenario)


async def consume(prepared: PreparedExport) -> None:
    async with contextlib.aclosing(prepared.achunks()) as chunks:
        async for _ in chunks:
            pass


def test_two_parallel_exports_under_max_connections_wait_for_each_other(products):
    """Each takes its 2 places at once: with 3 they run one after the other, never deadlock."""
    with override_settings(CURSOR_STREAM={"MAX_CONNECTIONS": 3, "CONNECTION_WAIT": 30}):
        exports = [export(slow_products(0.001), 2) for _ in range(3)]
        serial = run(export(slow_products(0.001)))

        async def scenario(monitor: Any, baseline: set[int]) -> list[bytes]:
            peak = 0

            async def watch() -> None:
                nonlocal peak
                while True:
                    peak = max(peak, len(await backends(monitor, baseline)))
                    await asyncio.sleep(0.01)

            watcher = asyncio.ensure_future(watch())
            try:
                return await asyncio.gather(*(collect(e) for e in exports))
            finally:
                watcher.cancel()
                await asyncio.wait({watcher})
                assert 2 <= peak <= 3

        assert with_monitor(scenario) == [serial] * 3


async def collect(prepared: PreparedExport) -> bytes:
    out = []
    async with contextlib.aclosing(prepared.achunks()) as chunks:
        async for chunk in chunks:
            out.append(chunk)
    return b"".join(out)


# --- doors --------------------------------------------------------------------------------------


def test_streamdata_jobs_writes_the_serial_file(products, tmp_path):
    for fmt in ("csv", "jsonl", "xlsx"):
        options = ["--format", fmt]
        serial, parallel = tmp_path / "serial", tmp_path / "parallel"
        call_command("streamdata", "catalog.Product", *options, "-o", str(serial), "-v", "0")
        out = io.StringIO()
        call_command(
            "streamdata",
            "catalog.Product",
            *options,
            "--jobs",
            "3",
            "-o",
            str(parallel),
            stdout=out,
        )
        assert f"({fmt}, " in out.getvalue() and ", 3 jobs) to " in out.getvalue()
        assert comparable(fmt, parallel.read_bytes()) == comparable(fmt, serial.read_bytes())
        serial.unlink()
        parallel.unlink()
    call_command("streamdata", "catalog.Product", "-o", str(tmp_path / "s.csv"), "-v", "0")
    call_command(
        "streamdata", "catalog.Product", "--jobs", "2", "-o", str(tmp_path / "p.csv.gz"), "-v", "0"
    )
    assert (
        gzip.decompress((tmp_path / "p.csv.gz").read_bytes()) == (tmp_path / "s.csv").read_bytes()
    )
    assert sorted(os.listdir(tmp_path)) == ["p.csv.gz", "s.csv"]  # no temporary file left


def test_streamdata_jobs_on_stdout(products, tmp_path):
    env = child_env()
    manage = [sys.executable, str(ROOT / "example_project" / "manage.py"), "streamdata"]
    serial = subprocess.run(
        [*manage, "catalog.Product", "-o", "-", "-v", "0"], env=env, capture_output=True
    )
    parallel = subprocess.run(
        [*manage, "catalog.Product", "--jobs", "3", "--gzip", "-o", "-", "-v", "0"],
        env=env,
        capture_output=True,
    )
    assert parallel.returncode == 0, parallel.stderr
    assert gzip.decompress(parallel.stdout) == serial.stdout


def test_streamdata_refuses_jobs_it_cannot_use(products, tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(
        CommandError,
        match=r"--jobs 2 cannot cut this export into key ranges: it is ordered by -price, and "
        r"'price' is not a unique non-null field .*\. Drop --jobs, or export it ordered by its "
        "primary key.",
    ):
        call_command(
            "streamdata", "catalog.Product", "--order-by=-price", "--jobs", "2", "-o", str(target)
        )
    with pytest.raises(CommandError, match="raw SQL cannot be cut"):
        call_command("streamdata", "--sql", "SELECT 1", "--jobs", "2", "-o", str(target))
    with pytest.raises(CommandError, match="--jobs must be an integer >= 1, got '0'"):
        call_command("streamdata", "catalog.Product", "--jobs", "0", "-o", str(target))
    assert not target.exists()


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupting_streamdata_jobs_leaves_no_file_and_no_backend(
    products, tmp_path, signum, status
):
    """A signal while the parts run: exit 130/143, nothing in the directory, no backend."""
    target = tmp_path / "out.csv"
    argv = ["streamdata", "catalog.Product", "--jobs", "3", "-o", str(target)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.slowdata", *argv],
        env=child_env(),
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )

    async def interrupt() -> None:
        monitor = await connect(connect_params())
        try:
            baseline = {pid for pid, _, _ in await backends(monitor, set())}
            deadline = time.monotonic() + 30
            while not any("part 3/3" in n for _, _, n in await backends(monitor, baseline)):
                assert time.monotonic() < deadline, "the parts never started"
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)
            proc.send_signal(signum)
            await asyncio.to_thread(proc.wait, 30)
            await assert_no_backend_left(monitor, baseline)
        finally:
            await monitor.close()

    asyncio.run(interrupt())
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == status, stderr
    assert b"Traceback" not in stderr
    assert os.listdir(tmp_path) == []


@pytest.mark.urls("tests.http_urls")
def test_streaming_response_with_jobs_streams_the_serial_bytes(products):
    from cursor_stream.http import streaming_response

    serial = run(export(Product.objects.all(), escape_formulas=True))
    response = streaming_response(Product.objects.all(), jobs=3, asynchronous=False)
    assert b"".join(response.streaming_content) == serial
    response.close()

    async def asgi() -> bytes:
        response = streaming_response(Product.objects.all(), jobs=3, asynchronous=True)
        return b"".join([chunk async for chunk in response.streaming_content])

    assert asyncio.run(asgi()) == serial


def test_streaming_response_reserves_every_jobs_place_before_answering(products):
    from cursor_stream.http import streaming_response
    from cursor_stream.streaming import reserve_slot

    with override_settings(CURSOR_STREAM={"MAX_CONNECTIONS": 3, "CONNECTION_WAIT": 0.1}):
        held = reserve_slot("default", StreamOptions.from_settings(), block=False)
        assert held is not None
        try:
            busy = streaming_response(Product.objects.all(), jobs=3, asynchronous=False)
            assert busy.status_code == 503
        finally:
            held.release()
        response = streaming_response(Product.objects.all(), jobs=3, asynchronous=False)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).count(b"\n") >= products + 1
