"""The two response iterators of cursor_stream.http, driven by plain async generators (no DB)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator

import pytest

from cursor_stream import http
from cursor_stream.exceptions import QueryError


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
