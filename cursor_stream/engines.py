"""The two export engines: ``COPY (query) TO STDOUT`` and a server-side cursor.

Both read an already rendered query (render.py) inside an open :class:`~.streaming.Transaction`
and produce the encoded rows of the export, without its header or end (export.py adds those):

* :class:`CopyEngine` passes PostgreSQL's COPY output through the format's ``copy_chunk()``;
* :class:`CursorEngine` fetches batches of rendered rows and encodes them with the format's
  ``encode()`` (needed for ``offset``/``limit``, which reproduce ``cursor.forward()`` +
  ``cursor.fetch()``, and for formats COPY cannot write).

The formats guarantee both give the same bytes (docs/architecture.md §5). An engine object runs
one query; :attr:`Engine.rows` counts its rows as they go (exact once the run has ended). A
parallel export runs one engine per part (parallel.py).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import Any, ClassVar, Protocol, TypeVar

from .encoders import Format
from .params import param_type_sql
from .render import inline_params
from .sql import CompiledQuery
from .streaming import Transaction, _translated

T = TypeVar("T")
R = TypeVar("R")

#: COPY chunks waiting for the consumer; bounds memory when the consumer is slow.
COPY_QUEUE_SIZE = 16

#: COPY pieces already queued are merged into chunks of up to about this many bytes.
COALESCE_BYTES = 256 * 1024


class Encoding(Protocol):
    """A format instance and how to call it (inline, or in a worker thread for xlsx)."""

    encoder: Format

    async def call(self, function: Callable[..., R], *args: Any) -> R: ...


class Engine(abc.ABC):
    """Reads one rendered query and yields its rows encoded by a format."""

    name: ClassVar[str]

    def __init__(self) -> None:
        #: Rows produced so far; exact once :meth:`chunks` has ended.
        self.rows = 0

    @abc.abstractmethod
    def chunks(
        self, txn: Transaction, query: CompiledQuery, encoding: Encoding
    ) -> AsyncGenerator[bytes, None]:
        """Yield the encoded rows of ``query`` (never empty chunks); drive under aclosing()."""


class CopyEngine(Engine):
    """``COPY (query) TO STDOUT`` with ``copy_options``, through ``encoder.copy_chunk()``."""

    name = "copy"

    def __init__(self, copy_options: Mapping[str, str], *, count_rows: bool = True) -> None:
        super().__init__()
        self.copy_options = dict(copy_options)
        #: Count rows chunk by chunk (``encoder.count_rows()``, a pass over the data); the
        #: exact count comes from the COPY command tag at the end anyway.
        self.count_rows = count_rows

    async def chunks(
        self, txn: Transaction, query: CompiledQuery, encoding: Encoding
    ) -> AsyncGenerator[bytes, None]:
        encoder = encoding.encoder
        status: list[str] = []
        body = copy_chunks(txn, query, self.copy_options, encoder.copy_chunk, status)
        async with contextlib.aclosing(body) as chunks:
            async for chunk in chunks:
                if self.count_rows:
                    self.rows += encoder.count_rows(chunk)
                yield chunk
        # The COPY command tag holds the exact count (CSV rows may hold newlines).
        with contextlib.suppress(IndexError, ValueError):
            self.rows = int(status[0].split()[-1])


class CursorEngine(Engine):
    """A server-side cursor, ``prefetch`` rows per round trip, encoded by ``encoder.encode()``."""

    name = "cursor"

    def __init__(
        self, *, offset: int = 0, limit: int | None = None, prefetch: int | None = None
    ) -> None:
        super().__init__()
        self.offset, self.limit, self.prefetch = offset, limit, prefetch

    async def chunks(
        self, txn: Transaction, query: CompiledQuery, encoding: Encoding
    ) -> AsyncGenerator[bytes, None]:
        encoder = encoding.encoder
        batches = txn.batches(query, offset=self.offset, limit=self.limit, prefetch=self.prefetch)
        async with (
            contextlib.aclosing(batches) as pages,
            contextlib.aclosing(read_ahead(pages)) as ahead,
        ):
            async for batch in ahead:
                chunk = await encoding.call(encoder.encode, batch)
                self.rows += len(batch)
                if chunk:
                    yield chunk


async def inline_query(txn: Transaction, compiled: CompiledQuery) -> str:
    """Return the SQL with its parameters inlined as literals rendered by the server.

    COPY takes no bind parameters. Each value is sent once, bound with the type the server
    inferred for it, and turned into a literal by ``quote_nullable()`` in the export's own
    session, so it reads back as the same value (in any session with the same settings: the
    parts of a parallel export run the SQL their leader inlined).
    """
    if not compiled.params:
        return compiled.sql
    conn = txn.connection
    stmt = await txn.prepare(compiled)
    arguments = await txn.arguments(stmt, compiled)
    with _translated(compiled.sql):
        types = stmt.get_parameters()
        exprs = ", ".join(
            f"quote_nullable(${i}::{param_type_sql(t)}::text)" for i, t in enumerate(types, 1)
        )
        literals = await conn.fetchrow(f"SELECT {exprs}", *arguments)
    return inline_params(compiled.sql, list(literals))


async def copy_chunks(
    txn: Transaction,
    compiled: CompiledQuery,
    copy_options: Mapping[str, str],
    transform: Callable[[bytes], bytes],
    status: list[str],
) -> AsyncGenerator[bytes, None]:
    """Yield the output of ``COPY (query) TO STDOUT`` as it arrives, through ``transform``.

    asyncpg delivers COPY data to a callback; a bounded queue turns that into an async
    generator, and applies back-pressure: while the queue is full the callback waits, asyncpg
    stops reading the socket and the server stops sending.
    """
    conn = txn.connection
    sql = await inline_query(txn, compiled)
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=COPY_QUEUE_SIZE)

    async def sink(data: bytes) -> None:
        await queue.put(bytes(data))

    async def run() -> str:
        with _translated(sql):
            result: str = await conn.copy_from_query(sql, output=sink, **copy_options)
            return result

    def ended(_: asyncio.Future[str]) -> None:
        # Wake a consumer waiting on an empty queue. A full queue needs no wake-up: the
        # consumer finds the end when it has taken every item (queue empty, task done).
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(None)

    task = asyncio.ensure_future(run())
    task.add_done_callback(ended)
    try:
        end = False
        while not end and not (task.done() and queue.empty()):
            # One Queue.get() per chunk, not an asyncio.wait() on it and the COPY task: COPY
            # data arrives in pieces of about 20 kB, so this round runs ten thousand times for
            # a million rows.
            first = await queue.get()
            if first is None:
                break
            # Merge what is already waiting (never wait for more): each piece costs a round
            # through the consumer (an HTTP send, a write call). A slow consumer thus gets
            # fewer, bigger chunks.
            parts, size = [first], len(first)
            while size < COALESCE_BYTES and not queue.empty():
                item = queue.get_nowait()
                if item is None:
                    end = True
                    break
                parts.append(item)
                size += len(item)
            chunk = transform(first if len(parts) == 1 else b"".join(parts))
            if chunk:
                yield chunk
        # The COPY ended (or failed): raise its error, or keep its command tag.
        status.append(await task)
    finally:
        if not task.done():
            # The consumer stopped early or we are cancelled mid-COPY. A polite cancel would
            # wait for the server, which may be blocked writing to a socket nobody reads, to
            # acknowledge it and drain what it already sent: a second or more. The connection
            # is single-use, so drop it: the server ends the session at once. The task then
            # ends with a connection error, retrieved by the callback so asyncio does not log it.
            task.add_done_callback(retrieve)
            txn.abort()
            task.cancel()
        elif not task.cancelled():
            task.exception()  # retrieved, so asyncio does not log it as never retrieved


async def _next(items: AsyncIterator[T]) -> T | None:
    """Return the next item of ``items``, or None at the end."""
    try:
        return await anext(items)
    except StopAsyncIteration:
        return None


async def read_ahead(items: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """Yield the items (never None) of ``items``, asking for the next before yielding one.

    A cursor fetch is a round trip: the server sits idle while Python encodes a batch, then
    Python sits idle while the server produces the next one (about 1.5 s of a 1M-row
    export). Here the next fetch is sent before the current batch is handed out, so the server
    works while the batch is encoded and written; one more batch is held in memory at most.
    """
    pending = asyncio.ensure_future(_next(items))
    try:
        while True:
            item = await pending
            if item is None:
                return
            pending = asyncio.ensure_future(_next(items))
            # One turn of the loop runs the task up to asyncpg's send of the fetch request
            # (it suspends only to wait for the reply), before the caller encodes synchronously.
            await asyncio.sleep(0)
            yield item
    finally:
        # The consumer stopped early or we are cancelled: a fetch may be in flight. Cancel it
        # as a fetch of the caller's own would be cancelled (asyncpg asks the server to cancel
        # the query; the Transaction then drops the connection), and wait for the task to end
        # so that the generator it drives is finished before the caller closes it. Waiting with
        # asyncio.wait() does not swallow a cancellation of our own, and the task's outcome is
        # retrieved so that asyncio does not log it.
        if not pending.done():
            pending.cancel()
            await asyncio.wait({pending})
        retrieve(pending)


def retrieve(task: asyncio.Future[Any]) -> None:
    """Mark the outcome of a finished task as seen (asyncio logs unseen exceptions)."""
    if not task.cancelled():
        task.exception()
