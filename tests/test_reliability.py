"""Reliability and security suite, engine level: an export either completes with every row of one
consistent snapshot, or fails loudly with a typed error, and the server is left as it was."""

from __future__ import annotations

import asyncio
import io
import random
import re
import resource
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cursor_stream
from catalog.models import Category, Product
from cursor_stream.connection import ConnectParams, connect, connect_params
from cursor_stream.exceptions import (
    ConnectError,
    ConnectionLost,
    QueryError,
    StreamTimeout,
)
from cursor_stream.sql import rewrite_placeholders
from cursor_stream.streaming import StreamOptions, Transaction
from tests import faults

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = "SELECT product_id FROM product ORDER BY product_id"


async def admin_execute(sql: str, *args: Any) -> Any:
    conn = await connect(connect_params())
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def busy_backends(baseline: set[int]) -> list[tuple[int, str]]:
    rows = await admin_execute(
        "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    return [
        (r["pid"], r["state"]) for r in rows if r["pid"] not in baseline and r["state"] != "idle"
    ]


def the_django_backend_pid() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return {cursor.fetchone()[0]}


# 1. Consistency -------------------------------------------------------------------------------


def test_rows_changed_while_an_export_runs_are_not_in_it(products):
    async def run() -> list[int]:
        got: list[int] = []
        async for pid in cursor_stream.stream(
            Product.objects.order_by("pk").values_list("pk", flat=True), prefetch=10
        ):
            got.append(pid)
            if len(got) == 10:
                # Committed by another connection after the export's snapshot was taken.
                await admin_execute("DELETE FROM product WHERE product_id > 990")
                await admin_execute(
                    "UPDATE product SET product_id = product_id + 100000 "
                    "WHERE product_id BETWEEN 500 AND 510"
                )
                await admin_execute(
                    "INSERT INTO product (product_id, product_name, sku, category_id, price, "
                    "in_stock, status, attributes, created_at) SELECT 5000000, 'new', 'NEW-1', "
                    "category_id, 1, true, 'active', '{}', now() FROM product LIMIT 1"
                )
        return got

    got = asyncio.run(run())
    assert got == list(range(1, products + 1))
    assert Product.objects.count() == products - 10 + 1


# 2. Read-only ---------------------------------------------------------------------------------


def test_an_export_that_tries_to_write_fails_and_writes_nothing(products):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION sneaky_write() RETURNS int LANGUAGE sql VOLATILE AS "
            "$$ INSERT INTO catalog_category (name) VALUES ('written by an export') RETURNING 1 $$"
        )
    for sql in (
        "SELECT sneaky_write()",
        "SELECT product_id FROM product FOR UPDATE",
        "SELECT nextval(pg_get_serial_sequence('product', 'product_id'))",
    ):
        with pytest.raises(QueryError, match="read-only transaction"):
            asyncio.run(cursor_stream.fetch_page(sql, count=1))
    assert not Category.objects.filter(name="written by an export").exists()


# 3, 4. Server-side kills, cancels and timeouts --------------------------------------------------


def run_with_backend(action: str, **options: Any) -> BaseException:
    """Stream QUERY, do ``action`` to its backend after the first batch, return what it raised."""

    async def run() -> BaseException:
        canceller: asyncio.Task[None] | None = None
        snap = Transaction(connect_params(), StreamOptions(prefetch=100, **options))
        async with snap:
            pid = snap.connection.get_server_pid()
            try:
                async for _batch in snap.batches(
                    QUERY if action != "cancel" else "SELECT pg_sleep(0.01) FROM product"
                ):
                    if action == "terminate":
                        await admin_execute("SELECT pg_terminate_backend($1)", pid)
                    elif action == "cancel":
                        # Cancel while the next fetch is executing (a cancel of an idle backend
                        # does nothing).
                        async def cancel_soon() -> None:
                            await asyncio.sleep(0.3)
                            await admin_execute("SELECT pg_cancel_backend($1)", pid)

                        canceller = asyncio.create_task(cancel_soon())
                    elif action == "idle":
                        await asyncio.sleep(0.6)
            except Exception as exc:
                if canceller is not None:
                    await canceller
                return exc
        raise AssertionError("the export finished without an error")

    return asyncio.run(run())


def test_backend_terminated_mid_stream_is_connection_lost_and_next_export_works(products):
    exc = run_with_backend("terminate")
    assert isinstance(exc, ConnectionLost), repr(exc)
    assert str(exc).startswith("Connection lost to the PostgreSQL server")
    assert len(asyncio.run(cursor_stream.fetch_page(QUERY, count=5))) == 5


def test_backend_cancelled_mid_stream_is_a_query_error_and_next_export_works(products):
    exc = run_with_backend("cancel")
    assert isinstance(exc, QueryError)
    assert "canceling statement due to user request" in str(exc)
    assert len(asyncio.run(cursor_stream.fetch_page(QUERY, count=5))) == 5


def test_idle_in_transaction_timeout_mid_stream_is_a_stream_timeout(products):
    exc = run_with_backend("idle", idle_in_transaction_session_timeout=200)
    assert isinstance(exc, StreamTimeout | ConnectionLost), exc
    assert "idle" in str(exc).lower() or "connection" in str(exc).lower()
    assert len(asyncio.run(cursor_stream.fetch_page(QUERY, count=5))) == 5


def test_statement_timeout_mid_stream_is_a_stream_timeout_and_next_export_works(products):
    with override_settings(CURSOR_STREAM={"STATEMENT_TIMEOUT": 200}):
        started = time.monotonic()
        with pytest.raises(StreamTimeout):
            asyncio.run(cursor_stream.fetch_page("SELECT pg_sleep(5)", count=1))
        assert time.monotonic() - started < 2
    assert len(asyncio.run(cursor_stream.fetch_page(QUERY, count=5))) == 5


# 5. Network black hole --------------------------------------------------------------------------


def test_network_black_hole_ends_the_export_within_the_command_timeout(products):
    params = connect_params()
    host, port = params.host[0], params.port[0]  # type: ignore[index]
    with faults.BlackHoleProxy(host, port) as proxy:
        through_proxy = ConnectParams(
            **{**params.__dict__, "host": ("127.0.0.1",), "port": (proxy.port,)}
        )

        async def run() -> float:
            snap = Transaction(through_proxy, StreamOptions(prefetch=50, command_timeout=0.5))
            async with snap:
                started = 0.0
                with pytest.raises(StreamTimeout, match="command timeout"):
                    async for _batch in snap.batches(QUERY):
                        proxy.freeze()
                        started = time.monotonic()
            return time.monotonic() - started

        elapsed = asyncio.run(asyncio.wait_for(run(), timeout=10))
    # 0.5 s deadline, then at most CLOSE_TIMEOUT (1 s) to give up on a polite close.
    assert elapsed < 2.0


# 6. Server down ---------------------------------------------------------------------------------


def test_server_down_at_start_names_host_and_port():
    params = connect_params()
    port = faults.free_port()
    nowhere = ConnectParams(**{**params.__dict__, "host": ("127.0.0.1",), "port": (port,)})
    with pytest.raises(ConnectError) as info:
        asyncio.run(Transaction(nowhere).open())
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message
    assert "Could not connect to PostgreSQL" in message
    assert "\n" not in message
    assert params.password not in message


# 12. Hostile input: placeholder rewriting -----------------------------------------------------

literal_text = st.text(alphabet=st.sampled_from(list("%s$1'\"\\;-*/ xé\n")), max_size=12)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(literals=st.lists(literal_text, min_size=1, max_size=4), value=st.integers(-5, 5))
def test_placeholders_inside_literals_never_change_what_the_server_sees(literals, value):
    """Whatever a string literal holds (%s, $1, %%, quotes, comment markers), the server gets the
    literal's text back exactly as psycopg would send it, and the one real parameter binds."""
    quoted = ["'" + text.replace("'", "''") + "'" for text in literals]
    sql = "SELECT " + ", ".join(quoted) + ", %s"
    rewritten, params = rewrite_placeholders(sql, [value])
    assert params == (value,)

    async def run() -> Any:
        conn = await connect(connect_params())
        try:
            return await conn.fetchrow(rewritten, *params)
        finally:
            await conn.close()

    row = asyncio.run(run())
    # psycopg turns %% into % everywhere, literals included; nothing else changes.
    assert list(row)[:-1] == [text.replace("%%", "%") for text in literals]
    assert row[-1] == value


# 11. PgBouncer -----------------------------------------------------------------------------------


def bouncer(pool_mode: str) -> Any:
    """Run a PgBouncer in front of the test database (see tests/faults.py)."""
    params = connect_params()
    return faults.pgbouncer(
        host=params.host[0],  # type: ignore[index]
        port=params.port[0],  # type: ignore[index]
        user=params.user or "postgres",
        password=params.password or "",
        database=params.database or "",
        pool_mode=pool_mode,
    )


def pooled_params(port: int, **changes: Any) -> ConnectParams:
    params = connect_params()
    return ConnectParams(**{**params.__dict__, "host": ("127.0.0.1",), "port": (port,), **changes})


@pytest.mark.slow
@pytest.mark.parametrize("pool_mode", ["session", "transaction"])
def test_exports_through_pgbouncer_are_complete_and_never_collide_on_prepared_statements(
    products, pool_mode
):
    with bouncer(pool_mode) as port:
        pooled = pooled_params(port)

        async def export(prefetch: int) -> list[int]:
            async with Transaction(pooled, StreamOptions(prefetch=prefetch)) as snap:
                return [r[0] async for r in snap.rows(QUERY)]

        async def run() -> list[list[int]]:
            # More concurrent exports than the pool has server connections (5), several rounds.
            results = []
            for _ in range(3):
                results += await asyncio.gather(*(export(p) for p in (7, 50, 333, 1000) * 3))
            return results

        results = asyncio.run(run())
    assert len(results) == 36
    assert all(r == list(range(1, products + 1)) for r in results)


@pytest.mark.slow
def test_assume_role_through_pgbouncer_transaction_mode_applies_inside_the_export(products):
    params = connect_params()
    with connection.cursor() as cursor:
        cursor.execute("DROP ROLE IF EXISTS cursor_stream_reader")
        cursor.execute("CREATE ROLE cursor_stream_reader")
    try:
        with bouncer("transaction") as port:
            pooled = pooled_params(port, assume_role="cursor_stream_reader")

            async def run() -> list[str]:
                users = []
                for _ in range(4):
                    async with Transaction(pooled) as snap:
                        users += [r[0] async for r in snap.rows("SELECT current_user")]
                # A plain connection through the same pool is not left with the role.
                plain = await connect(pooled_params(port))
                try:
                    users.append(await plain.fetchval("SELECT current_user"))
                finally:
                    await plain.close()
                return users

            users = asyncio.run(run())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP ROLE IF EXISTS cursor_stream_reader")
    assert users == ["cursor_stream_reader"] * 4 + [params.user]


@pytest.mark.slow
def test_startup_options_refused_by_pgbouncer_fail_fast_saying_what_to_change(products):
    params = connect_params()
    with bouncer("transaction") as port:
        pooled = pooled_params(
            port, server_settings={**params.server_settings, "search_path": "public"}
        )
        with pytest.raises(ConnectError) as info:
            asyncio.run(Transaction(pooled).open())
    message = str(info.value)
    assert "search_path" in message
    assert "ignore_startup_parameters" in message or "ALTER ROLE" in message
    assert "\n" not in message


# 6. Server restart ------------------------------------------------------------------------------


@pytest.mark.slow
def test_server_restart_during_an_export_is_connection_lost_then_down_names_host_and_port():
    import devdb
    from cursor_stream.connection import params_from_settings_dict

    cluster = devdb.Cluster("restart")
    try:
        url = cluster.start()
        params = params_from_settings_dict(
            devdb.database_settings(url), alias="restart", timezone_name="UTC"
        )

        async def run() -> BaseException:
            async with Transaction(params, StreamOptions(prefetch=1)) as snap:
                try:
                    async for _batch in snap.batches("SELECT generate_series(1, 100000)"):
                        # Fast shutdown terminates every backend, as a restart does.
                        await asyncio.to_thread(cluster.stop)
                except Exception as exc:
                    return exc
            raise AssertionError("the export survived a server shutdown")

        exc = asyncio.run(run())
        assert isinstance(exc, ConnectionLost), exc
        with pytest.raises(ConnectError) as info:
            asyncio.run(Transaction(params).open())
        port = params.port[0]  # type: ignore[index]
        assert f"127.0.0.1:{port}" in str(info.value)
        cluster.start()
        assert asyncio.run(cursor_stream.fetch_page("SELECT 1", count=1)) is not None

        async def after_restart() -> int:
            async with Transaction(params) as snap:
                return len([r async for r in snap.rows("SELECT generate_series(1, 10)")])

        assert asyncio.run(after_restart()) == 10
    finally:
        cluster.stop()


# 10. Connection limit (engine level; the HTTP suite checks the 503) -----------------------------


def test_concurrent_exports_never_exceed_max_connections(products):
    from cursor_stream.exceptions import ExportsBusy

    async def run() -> tuple[int, list[Any]]:
        peak = 0

        async def watch(stop: asyncio.Event) -> None:
            nonlocal peak
            while not stop.is_set():
                rows = await admin_execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = 'cursor-stream-limit-test' "
                    "AND pid <> pg_backend_pid()"
                )
                peak = max(peak, rows[0][0])
                await asyncio.sleep(0.01)

        async def export(slow: bool) -> Any:
            try:
                rows = []
                async for row in cursor_stream.stream(QUERY, prefetch=100):
                    rows.append(row)
                    if slow and len(rows) % 100 == 0:
                        await asyncio.sleep(0.05)
                return len(rows)
            except ExportsBusy as exc:
                return exc

        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(stop))
        named = {"server_settings": {"application_name": "cursor-stream-limit-test"}}
        with override_settings(
            CURSOR_STREAM={"MAX_CONNECTIONS": 3, "CONNECTION_WAIT": 30, "CONNECT_KWARGS": named}
        ):
            patient = await asyncio.gather(*(export(True) for _ in range(8)))
        with override_settings(
            CURSOR_STREAM={"MAX_CONNECTIONS": 2, "CONNECTION_WAIT": 0.05, "CONNECT_KWARGS": named}
        ):
            impatient = await asyncio.gather(*(export(True) for _ in range(6)))
        stop.set()
        await watcher
        return peak, [patient, impatient]

    peak, (patient, impatient) = asyncio.run(run())
    assert patient == [products] * 8
    busy = [r for r in impatient if not isinstance(r, int)]
    assert busy and all(
        "export connections to database 'default' are in use" in str(e) for e in busy
    )
    assert all(r == products for r in impatient if isinstance(r, int))
    assert peak == 3  # the limit is reached, never exceeded


# 7, 8. The command line: sink failures and signals -------------------------------------------

LONG_SQL = "SELECT g AS n, md5(g::text) AS pad FROM generate_series(1, 400000) AS g"
# The same rows, with ten 0.1 s pauses on the server spread through them.
SLOW_SQL = LONG_SQL + " WHERE g % 40000 <> 0 OR pg_sleep(0.1) IS NOT NULL"


def streamdata_process(
    *args: str, app: str, preexec: Any = None, stdout: Any = subprocess.PIPE
) -> subprocess.Popen[bytes]:
    from tests.test_streamdata import ROOT, child_env

    env = child_env()
    env["DATABASE_URL"] += ("&" if "?" in env["DATABASE_URL"] else "?") + f"application_name={app}"
    return subprocess.Popen(
        [sys.executable, str(ROOT / "example_project" / "manage.py"), "streamdata", *args],
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        preexec_fn=preexec,
    )


def backends_of(app: str) -> list[str]:
    rows = asyncio.run(
        admin_execute(
            "SELECT coalesce(state, '') AS state FROM pg_stat_activity WHERE application_name = $1",
            app,
        )
    )
    return [r["state"] for r in rows]


def assert_released(app: str, within: float = 1.0) -> None:
    deadline = time.monotonic() + within
    while backends_of(app):
        assert time.monotonic() < deadline, f"{app}: backends left {backends_of(app)}"
        time.sleep(0.02)


@pytest.mark.slow
def test_disk_full_exits_1_with_one_line_and_leaves_no_file(products, tmp_path):
    def small_disk() -> None:
        # A 64 KiB file size limit: writes beyond it fail with EFBIG, as on a full disk.
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    target = tmp_path / "out.csv"
    proc = streamdata_process(
        "--sql", LONG_SQL, "-o", str(target), app="cs-disk-full", preexec=small_disk
    )
    _out, err = proc.communicate(timeout=60)
    text = err.decode()
    assert proc.returncode == 1, text
    assert text.startswith("CommandError: Could not write") and "File too large" in text
    assert text.count("\n") == 1 and "Traceback" not in text
    assert list(tmp_path.iterdir()) == []
    assert_released("cs-disk-full")


@pytest.mark.slow
def test_broken_pipe_on_stdout_stops_quietly_and_releases_the_server(products):
    proc = streamdata_process("--sql", LONG_SQL, "-o", "-", app="cs-broken-pipe")
    assert proc.stdout is not None
    head = proc.stdout.read(100)  # `| head -c 100`
    proc.stdout.close()
    _out, err = proc.communicate(timeout=60)
    text = err.decode()
    assert head.startswith(b"n,pad\n1,")
    assert proc.returncode == 141, text
    assert text == ""  # as Unix tools stop on SIGPIPE: the status alone
    assert_released("cs-broken-pipe")


@pytest.mark.slow
def test_sigint_and_sigterm_at_random_points_never_leave_a_partial_file_or_a_backend(
    products, tmp_path
):
    rng = random.Random(20261124)
    outcomes = []
    for attempt in range(24):
        signum = signal.SIGINT if attempt % 2 == 0 else signal.SIGTERM
        engine = "copy" if attempt % 4 < 2 else "cursor"
        target = tmp_path / f"run{attempt}.csv"
        app = f"cs-signal-{attempt}"
        proc = streamdata_process("--sql", SLOW_SQL, "-o", str(target), "--engine", engine, app=app)
        if attempt % 6 == 0:
            delay = rng.uniform(0.0, 1.0)  # during Django's start-up or the connection
        else:
            # During the export, which pauses 10 x 0.1 s on the server between its rows: wait
            # for its temporary file, then a random point of the next 0.9 s.
            deadline = time.monotonic() + 30
            while not any(p.name.startswith(f".run{attempt}.") for p in tmp_path.iterdir()):
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.01)
            delay = rng.uniform(0.0, 0.9)
        time.sleep(delay)
        sent = time.monotonic()
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=30)
        exited = time.monotonic() - sent
        text = err.decode()
        code = proc.returncode
        expected = {signal.SIGINT: (130, -2), signal.SIGTERM: (143, -15)}[signum]
        if code == 0:
            # The signal came after the export finished: the file is complete.
            assert target.read_bytes().count(b"\n") == 400_001
        else:
            assert code in expected, (attempt, delay, code, text)
            if target.exists():
                # Interrupted after the rename: the file is there, and it is whole.
                assert target.read_bytes().count(b"\n") == 400_001, (attempt, delay)
            if code > 0:
                assert "Interrupted" in text and "Traceback" not in text, text
        assert exited < 1.0 + (0 if code else 5), (attempt, exited)
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
        assert leftovers == [], (attempt, leftovers)
        assert_released(app)
        outcomes.append(code)
    # The random points covered interrupts during the export, not only before or after it.
    assert sum(code in (130, 143) for code in outcomes) >= 12, outcomes


# 12. Hostile input: formula escaping and field names -----------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=20,
) | st.sampled_from(["=SUM(A1:A9)", "+1", "-1", "@cmd", "\t=x", "\r\n", "'=already", "", '"'])


def export_bytes(source: Any, params: Any = None, **options: Any) -> bytes:
    from cursor_stream.export import ExportOptions, prepare_export

    prepared = prepare_export(source, params, options=ExportOptions(**options))

    async def run() -> bytes:
        return b"".join([chunk async for chunk in prepared.achunks()])

    return asyncio.run(run())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(cell_text, min_size=1, max_size=3))
def test_formula_escaping_reads_back_exactly_on_both_engines(values):
    import csv
    import io

    columns = ", ".join(f"%s::text AS c{i}" for i in range(len(values)))
    sql = f"SELECT {columns}"
    outputs = {
        engine: export_bytes(sql, values, engine=engine, escape_formulas=True, format="csv")
        for engine in ("copy", "cursor")
    }
    assert outputs["copy"] == outputs["cursor"]
    rows = list(csv.reader(io.StringIO(outputs["copy"].decode("utf-8"), newline="")))
    expected = ["'" + v if v.startswith(FORMULA_START) else v for v in values]
    assert rows == [[f"c{i}" for i in range(len(values))], expected]


IDENTIFIER_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(__[A-Za-z_][A-Za-z0-9_]*)*")
hostile_names = st.lists(
    st.sampled_from([*"abcdeiprstuoy_nm_ \"';-()=*/\\\n\t\x00é", "__", "id", "product"]),
    max_size=12,
).map("".join) | st.sampled_from(
    [
        "product_name",
        "category__name",
        "category__products",
        "attributes__color",
        "attributes__x') OR 1=1--",
        'product_name"); DROP TABLE product; --',
        'product_name COLLATE "C"',
        "product_id; SELECT pg_sleep(10)",
        "?",
        "-product_id",
        "pk",
        "category_id",
        "category__name__startswith",
        "product_name\x00",
    ]
)


@settings(max_examples=300, deadline=None)
@given(name=hostile_names)
def test_only_declared_field_paths_are_ever_accepted(name):
    """Field names, orderings and filter keys: anything that is not a path of declared model
    fields is refused with InvalidArgument before any SQL is built."""
    from cursor_stream.exceptions import InvalidArgument
    from cursor_stream.fields import parse_filter, validate_fields, validate_order_by

    for check in (
        lambda: validate_fields(Product, [name]),
        lambda: validate_order_by(Product, [name]),
        lambda: parse_filter(Product, f"{name}=1"),
    ):
        try:
            check()
        except InvalidArgument as exc:
            assert "\n" not in str(exc) or "\n" in name
            continue
        bare = name[1:] if name.startswith("-") else name
        assert IDENTIFIER_PATH.fullmatch(bare), f"accepted {name!r}"
        first = bare.split("__")[0]
        assert first in {f.name for f in Product._meta.get_fields()} | {
            f.attname for f in Product._meta.concrete_fields
        } | {"pk"}, f"accepted {name!r}"


@pytest.mark.parametrize(
    "vector",
    [
        # CVE-2021-35042: QuerySet.order_by() with unchecked input.
        'product_name"); DROP TABLE product; --',
        'product_name COLLATE "C"',
        "(SELECT 1)",
        # CVE-2022-28346/28347, CVE-2024-42005: column aliases and JSON keys from user input.
        "attributes__a') OR 1=1 --",
        'attributes__a" FROM product; --',
        'product_id"; SELECT pg_sleep(5); --',
        "category__name;",
    ],
)
def test_known_sql_injection_vectors_never_reach_sql(products, tmp_path, vector):
    target = tmp_path / "x.csv"
    for args in (
        ["--fields", vector],
        [f"--order-by={vector}"],
        ["--filter", f"{vector}=1"],
        ["--exclude", f"{vector}=1"],
    ):
        with pytest.raises(CommandError) as info:
            call_command(
                "streamdata",
                "catalog.Product",
                "-o",
                str(target),
                *args,
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        assert repr(vector)[1:-1] in str(info.value) or vector in str(info.value)
        assert not target.exists()
    assert Product.objects.count() == products


# 13. Secrets -------------------------------------------------------------------------------------

SECRET = "Zq9-not-the-password-S3cret"


def url_with(**changes: str) -> str:
    import urllib.parse

    from tests.test_streamdata import child_env

    url = urllib.parse.urlsplit(child_env()["DATABASE_URL"])
    netloc = url.netloc
    if "password" in changes:
        user = urllib.parse.unquote(url.username or "")
        netloc = (
            f"{user}:{urllib.parse.quote(changes['password'], safe='')}@{url.hostname}:{url.port}"
        )
    if "port" in changes:
        netloc = netloc.rsplit(":", 1)[0] + f":{changes['port']}"
    return urllib.parse.urlunsplit(url._replace(netloc=netloc, query=changes.get("query", "")))


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    ["wrong password", "unreachable host", "bad CA file"],
)
def test_no_password_in_any_output_or_report(products, tmp_path, case, caplog):
    from django.views.debug import ExceptionReporter

    import devdb
    from cursor_stream.connection import params_from_settings_dict
    from tests.test_streamdata import ROOT, child_env

    if case == "wrong password":
        url = url_with(password=SECRET)
    elif case == "unreachable host":
        url = url_with(password=SECRET, port=str(faults.free_port()))
    else:
        url = url_with(
            password=SECRET, query=f"sslmode=verify-full&sslrootcert={tmp_path / 'no-ca.crt'}"
        )
    env = {**child_env(), "DATABASE_URL": url}
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "example_project" / "manage.py"),
            "streamdata",
            "catalog.Product",
            "-o",
            str(tmp_path / "out.csv"),
        ],
        env=env,
        capture_output=True,
        timeout=60,
    )
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 1, err
    assert err.startswith("CommandError: Could not connect to PostgreSQL") and err.count("\n") == 1
    assert SECRET not in out + err
    assert not (tmp_path / "out.csv").exists()

    # In process: repr of every configuration object, the logs, and Django's error report.
    params = params_from_settings_dict(devdb.database_settings(url), alias="default")
    assert SECRET not in repr(params)
    assert SECRET not in repr(Transaction(params))
    caplog.set_level("DEBUG")
    try:
        asyncio.run(Transaction(params, StreamOptions()).open())
    except ConnectError:
        info = sys.exc_info()
    else:
        raise AssertionError("connected with a wrong password")
    report = ExceptionReporter(None, *info).get_traceback_text()
    assert "Could not connect to PostgreSQL" in report
    assert SECRET not in report
    assert SECRET not in caplog.text


# Found in review: edge cases of the export pipeline ------------------------------------------


@pytest.mark.parametrize("engine", ["copy", "cursor"])
def test_formula_escaping_works_on_postgresqls_one_byte_char_type(products, engine):
    body = export_bytes(
        "SELECT relkind, '=x'::\"char\" AS eq FROM pg_class WHERE relname = 'pg_class'",
        engine=engine,
        escape_formulas=True,
        format="csv",
    )
    assert body == b"relkind,eq\nr,'=\n"


@pytest.mark.parametrize("engine", ["copy", "cursor"])
def test_a_trailing_semicolon_and_comment_are_accepted(products, engine):
    body = export_bytes("SELECT 1 AS x; -- done\n", engine=engine, format="csv")
    assert body == b"x\n1\n"


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_with_raw_line_breaks_nested_in_arrays_is_one_line_on_both_engines(products, fmt):
    import json

    sql = 'SELECT ARRAY[E\'{"a":\\n1}\'::json, E\'{"b":\\r\\n"x\\\\ny"}\'::json] AS j'
    outputs = {
        engine: export_bytes(sql, engine=engine, format=fmt) for engine in ("copy", "cursor")
    }
    assert outputs["copy"] == outputs["cursor"]
    text = outputs["copy"].decode()
    rows = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    assert rows == [{"j": [{"a": 1}, {"b": "x\ny"}]}]


def test_streamdata_inlines_a_long_in_list_of_params_value_by_value(products):
    params = [str(i) for i in range(1, 151)]
    placeholders = ", ".join(["%s"] * len(params))
    out = io.StringIO()
    call_command(
        "streamdata",
        "--sql",
        f"SELECT product_id FROM product WHERE product_id IN ({placeholders}) ORDER BY 1",
        *[arg for value in params for arg in ("--param", value)],
        "-v",
        "0",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert out.getvalue().split() == ["product_id", *params]


def test_a_failed_gzip_export_to_stdout_has_no_gzip_trailer(products):
    import gzip

    proc = streamdata_process(
        "--sql",
        "SELECT g, 1 / (g - 150000) AS boom FROM generate_series(1, 200000) AS g",
        "--engine",
        "cursor",
        "--gzip",
        "-o",
        "-",
        app="cs-gzip-fail",
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert b"division by zero" in err
    with pytest.raises(EOFError):
        gzip.decompress(out)  # truncated: `| gunzip` fails too
