"""The two response iterators of cursor_stream.http, driven by plain async generators (no DB)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncGenerator, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django.db.models import F
from django.test import AsyncClient, Client

from catalog.models import Product
from cursor_stream import http
from cursor_stream.exceptions import ConnectError, QueryError
from cursor_stream.export import ExportOptions, get_format, prepare_export
from tests import faults
from tests.spreadsheets import read_xlsx


class Probe:
    """An async generator factory that records where and how far it ran."""

    def __init__(self, count: int = 5, *, fail_after: int | None = None) -> None:
        self.count = count
        self.fail_after = fail_after
        self.produced = 0
        self.finalised = threading.Event()
        self.threads: set[int] = set()

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        self.threads.add(threading.get_ident())
        try:
            for i in range(self.count):
                if self.fail_after is not None and i == self.fail_after:
                    raise QueryError("boom")
                self.produced += 1
                yield b"chunk %d\n" % i
                await asyncio.sleep(0)
        finally:
            self.finalised.set()


def test_threaded_chunks_yield_everything_in_order_from_another_thread() -> None:
    probe = Probe(50)
    chunks = http.ThreadedChunks(probe.chunks)
    assert list(chunks) == [b"chunk %d\n" % i for i in range(50)]
    assert probe.finalised.is_set()
    assert threading.get_ident() not in probe.threads
    chunks.close()


def test_threaded_chunks_close_midway_finalises_the_generator_before_returning() -> None:
    probe = Probe(10_000)
    chunks = http.ThreadedChunks(probe.chunks)
    assert next(chunks) == b"chunk 0\n"
    chunks.close()
    assert probe.finalised.is_set()
    # Bounded queue: the producer never ran far ahead of the consumer.
    assert probe.produced <= http.QUEUE_CHUNKS + 3
    with pytest.raises(StopIteration):
        next(chunks)


def test_threaded_chunks_close_before_iterating_never_starts_the_export() -> None:
    started = []

    async def gen() -> AsyncGenerator[bytes, None]:
        started.append(True)
        yield b"x"

    chunks = http.ThreadedChunks(gen)
    chunks.close()
    assert list(chunks) == []
    assert started == []


def test_threaded_chunks_close_from_another_thread_while_the_consumer_waits() -> None:
    async def slow() -> AsyncGenerator[bytes, None]:
        yield b"first"
        await asyncio.sleep(60)
        yield b"never"

    chunks = http.ThreadedChunks(slow)
    assert next(chunks) == b"first"
    threading.Timer(0.2, chunks.close).start()
    started = time.monotonic()
    assert list(chunks) == []
    assert time.monotonic() - started < 5


def test_threaded_chunks_raise_the_generators_error_to_the_server() -> None:
    probe = Probe(10, fail_after=3)
    chunks = http.ThreadedChunks(probe.chunks)
    got = []
    with pytest.raises(QueryError, match="boom"):
        for chunk in chunks:
            got.append(chunk)
    assert len(got) == 3


def test_async_chunks_close_from_a_worker_thread_finalises_on_the_loop() -> None:
    probe = Probe(1000)

    async def main() -> None:
        chunks = http.AsyncChunks(probe.chunks())
        assert await chunks.__anext__() == b"chunk 0\n"
        # What Django does after a disconnect: response.close() through sync_to_async.
        await asyncio.to_thread(chunks.close)
        assert probe.finalised.is_set()
        with pytest.raises(StopAsyncIteration):
            await chunks.__anext__()

    asyncio.run(main())


def test_async_chunks_close_on_the_loop_schedules_cleanup() -> None:
    probe = Probe(1000)

    async def main() -> None:
        chunks = http.AsyncChunks(probe.chunks())
        await chunks.__anext__()
        chunks.close()
        await asyncio.sleep(0.05)
        assert probe.finalised.is_set()

    asyncio.run(main())


def test_async_chunks_are_not_sync_iterable() -> None:
    # StreamingHttpResponse tries iter() first: an __iter__ here would make Django treat the
    # content as synchronous under ASGI.
    with pytest.raises(TypeError):
        iter(http.AsyncChunks(Probe().chunks()))  # type: ignore[call-overload]


def test_guarded_chunks_mark_a_csv_cut_by_a_database_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    identity = http.ExportIdentity(id="abc123", source="test", format="csv", alias="default")
    probe = Probe(10, fail_after=2)

    async def main() -> list[bytes]:
        got = []
        with pytest.raises(QueryError):
            async for chunk in http.guarded_chunks(probe.chunks(), "csv", identity):
                got.append(chunk)
        return got

    got = asyncio.run(main())
    assert got[:2] == [b"chunk 0\n", b"chunk 1\n"]
    assert got[2].startswith(b"#ERROR: export incomplete (QueryError)")
    assert b"abc123" in got[2]
    assert "export abc123" in caplog.text
    assert "boom" in caplog.text


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("json", b""), ("xlsx", b""), ("jsonl", b'{"cursor_stream_error"')],
)
def test_error_trailer_per_format(fmt: str, expected: bytes) -> None:
    identity = http.ExportIdentity(id="x", source="s", format=fmt, alias="default")
    assert http.error_trailer(fmt, identity, QueryError("e")).startswith(expected)


# --- through Django's handlers (test Client = WSGI, AsyncClient = ASGI) ---------------------------


def _export_bytes(source: Any, params: Any = None, fmt: str = "csv", **kwargs: Any) -> bytes:
    """Return what the export pipeline produces for ``source`` with the HTTP defaults."""
    options = ExportOptions(format=fmt, escape_formulas=True)
    prepared = prepare_export(source, params, options=options, **kwargs)

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in prepared.achunks()])

    return asyncio.run(collect())


def _aget(path: str) -> tuple[Any, bytes]:
    async def run() -> tuple[Any, bytes]:
        response = await AsyncClient().get(path)
        if not response.streaming:
            return response, response.content
        body = b"".join([chunk async for chunk in response.streaming_content])
        return response, body

    return asyncio.run(run())


@pytest.mark.urls("tests.http_urls")
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "tsv"])
def test_wsgi_response_is_a_sync_iterator_with_the_exports_bytes(products: int, fmt: str) -> None:
    response = Client().get(f"/products/?format={fmt}")
    assert response.status_code == 200
    assert not response.is_async
    assert isinstance(response.streaming_content, Iterator)
    body = b"".join(response.streaming_content)
    assert body == _export_bytes(Product.objects.order_by("pk"), fmt=fmt)
    assert response["X-Accel-Buffering"] == "no"
    assert response["Cache-Control"] == "no-store"
    ext = get_format(fmt).extension
    assert response["Content-Disposition"] == f'attachment; filename="products.{ext}"'
    assert response["Content-Type"].startswith(get_format(fmt).content_type)


@pytest.mark.urls("tests.http_urls")
@pytest.mark.parametrize("view", ["products", "aproducts"])
def test_asgi_response_is_an_async_iterator_with_the_exports_bytes(
    products: int, view: str
) -> None:
    response, body = _aget(f"/{view}/?field=sku&field=category__name&field=price")
    assert response.status_code == 200
    assert response.is_async
    fields = ["sku", "category__name", "price"]
    assert body == _export_bytes(Product.objects.order_by("pk"), fields=fields)
    assert body.startswith(b"sku,category__name,price\n")


@pytest.mark.urls("tests.http_urls")
@pytest.mark.parametrize(
    "query", ["field=nope", "field=category__nope", "format=nope", "field=attributes__a-b"]
)
def test_invalid_exports_are_400_before_streaming(transactional_db: None, query: str) -> None:
    response = Client().get(f"/products/?{query}")
    assert response.status_code == 400
    assert not response.streaming
    response, _ = _aget(f"/aproducts/?{query}")
    assert response.status_code == 400


@pytest.mark.urls("tests.http_urls")
def test_header_style_and_labels_reach_the_response(products: int) -> None:
    response = Client().get("/products/?field=sku&field=category__name&header_style=verbose")
    assert b"".join(response.streaming_content).startswith(b"SKU,Category name\n")
    response = Client().get("/products/?field=sku&header_style=pretty")
    assert response.status_code == 400
    fields = [("sku", "Code"), ("vat", F("price") * Decimal("1.2"), "Price incl. VAT"), "price"]
    queryset = Product.objects.filter(pk__lte=2).order_by("pk")
    response = http.streaming_response(
        queryset, format="jsonl", fields=fields, header_style="verbose", asynchronous=False
    )
    lines = b"".join(response.streaming_content).splitlines()
    assert [json.loads(line, parse_float=Decimal) for line in lines] == [
        {"Code": p.sku, "Price incl. VAT": p.price * Decimal("1.2"), "Price": p.price}
        for p in queryset
    ]


@pytest.mark.urls("tests.http_urls")
def test_sql_that_does_not_compile_is_400(transactional_db: None) -> None:
    response = Client().get("/series/?tag=x&format=nope")
    assert response.status_code == 400


@pytest.mark.urls("tests.http_urls")
def test_database_error_after_streaming_started_cuts_the_body_visibly(
    transactional_db: None, caplog: pytest.LogCaptureFixture
) -> None:
    # 1 / (g - 5000) fails in the third batch of 2,000 rows: the header and rows went out.
    response = Client().get("/series/?n=10000&fail_at=5000")
    assert response.status_code == 200
    got: list[bytes] = []
    with pytest.raises(QueryError, match="division by zero"):
        for chunk in response.streaming_content:
            got.append(chunk)
    body = b"".join(got)
    assert body.startswith(b"n,pad\n")
    last = body.splitlines()[-1]
    export_id = response["X-Export-Id"]
    assert last.startswith(b"#ERROR: export incomplete (QueryError)")
    assert export_id.encode() in last
    assert f"export {export_id} of SQL" in caplog.text
    assert "division by zero" in caplog.text


@pytest.mark.urls("tests.http_urls")
def test_database_error_leaves_json_without_its_closing_bracket(transactional_db: None) -> None:
    response = Client().get("/series/?n=10000&fail_at=5000&format=json")
    got: list[bytes] = []
    with pytest.raises(QueryError):
        for chunk in response.streaming_content:
            got.append(chunk)
    body = b"".join(got)
    assert body.startswith(b"[")
    assert not body.rstrip().endswith(b"]")


# --- the iterator kind without request= -------------------------------------------------------


@pytest.mark.urls("tests.http_urls")
@pytest.mark.parametrize("view", ["products-plain", "aproducts-plain"])
def test_views_without_request_get_the_iterator_their_handler_consumes(
    products: int, view: str
) -> None:
    # A sync view under ASGI runs in a worker thread without an event loop, an async view under
    # WSGI on a loop of its own: neither can guess; the handler that took the request decides.
    wsgi = Client().get(f"/{view}/")
    assert wsgi.status_code == 200
    assert not wsgi.is_async
    body = b"".join(wsgi.streaming_content)
    asgi, abody = _aget(f"/{view}/")
    assert asgi.status_code == 200
    assert asgi.is_async
    assert body == abody == _export_bytes(Product.objects.order_by("pk"))


# --- status codes -----------------------------------------------------------------------------


@pytest.mark.urls("tests.http_urls")
@pytest.mark.parametrize("view", ["series", "aseries-plain"])
def test_database_down_while_preparing_is_a_503_logged_as_an_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, view: str
) -> None:
    port = faults.free_port()  # nothing listens there
    monkeypatch.setitem(connections["default"].settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connections["default"].settings_dict, "PORT", str(port))
    if view == "series":
        response = Client().get(f"/{view}/?n=10")
    else:
        response, _ = _aget(f"/{view}/?n=10")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    # Where the database is stays in the log.
    assert response.content == b"The export's database is unavailable; try again later.\n"
    (record,) = [r for r in caplog.records if r.name == "cursor_stream.http"]
    assert record.levelname == "ERROR"
    assert record.exc_info is not None and isinstance(record.exc_info[1], ConnectError)
    assert f"127.0.0.1:{port}" in record.getMessage()
    # Django logs the 5xx response as an error too (what mails ADMINS).
    assert [r.levelname for r in caplog.records if r.name == "django.request"] == ["ERROR"]


def test_sql_the_server_refuses_is_the_views_error_not_a_400(transactional_db: None) -> None:
    # The SQL of streaming_response() is the view's: a 500 (raised), never the caller's 400.
    with pytest.raises(QueryError, match="nowhere"):
        http.streaming_response("SELECT nope FROM nowhere")


def test_an_unknown_option_is_the_views_error_not_a_400(transactional_db: None) -> None:
    with pytest.raises(TypeError, match="escape_formula"):
        http.streaming_response("SELECT 1 AS x", escape_formula=True)


# --- formula escaping: spreadsheets' text formats only ------------------------------------------

FORMULAS = "SELECT '=1+2' AS a, '-3' AS b, '@x' AS c"


def _download(fmt: str, **options: Any) -> bytes:
    response = http.streaming_response(FORMULAS, format=fmt, asynchronous=False, **options)
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("csv", b"a,b,c\n'=1+2,'-3,'@x\n"), ("tsv", b"a\tb\tc\n'=1+2\t'-3\t'@x\n")],
)
def test_formula_escaping_is_on_by_default_for_csv_and_tsv(
    transactional_db: None, fmt: str, expected: bytes
) -> None:
    assert _download(fmt) == expected


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_values_are_never_altered(transactional_db: None, fmt: str) -> None:
    body = _download(fmt)
    assert body == _download(fmt, escape_formulas=False)
    assert b'{"a":"=1+2","b":"-3","c":"@x"}' in body


def test_xlsx_text_cells_are_strings_never_altered(transactional_db: None) -> None:
    sheets = read_xlsx(_download("xlsx"))
    assert sheets == {"Sheet1": [("a", "b", "c"), ("=1+2", "-3", "@x")]}


# --- identity in pg_stat_activity -------------------------------------------------------------


@pytest.mark.urls("tests.http_urls")
@pytest.mark.parametrize(
    ("project_name", "expected_base"),
    [(None, "django"), ("shop-web", "shop-web"), ("a-very-long-project-name-" * 3, None)],
)
def test_a_running_export_names_itself_in_pg_stat_activity(
    transactional_db: None, project_name: str | None, expected_base: str | None
) -> None:
    from cursor_stream.connection import labelled_application_name

    options = connections["default"].settings_dict["OPTIONS"]
    saved = dict(options)
    if project_name is not None:
        options["application_name"] = project_name
    try:
        response = Client().get("/series/?n=500000&tag=identity")
        assert response.status_code == 200
        chunks = iter(response.streaming_content)
        assert next(chunks).startswith(b"n,pad\n")  # the export's transaction is open now
        export_id = response["X-Export-Id"]
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT application_name, query FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name LIKE %s",
                [f"%cursor_stream export {export_id}"],
            )
            rows = cursor.fetchall()
        response.close()
    finally:
        options.clear()
        options.update(saved)
    assert len(rows) == 1
    name, query = rows[0]
    assert "/* identity */" in query
    label = f"cursor_stream export {export_id}"
    if expected_base is None:
        assert name == labelled_application_name(project_name or "", label)
        assert len(name.encode()) == 63 and name.startswith("a-very-long-project-name-")
    else:
        assert name == f"{expected_base} {label}"
