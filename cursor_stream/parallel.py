"""Parallel export of one snapshot, the way ``pg_dump -j`` reads a database.

A leader transaction exports its snapshot (``pg_export_snapshot()``) and stays open; each other
part opens a connection of its own that imports it (``SET TRANSACTION SNAPSHOT``), so every part
reads exactly the rows the leader sees, whatever is committed meanwhile. The rows are cut into
key ranges (split.py); part 1 runs on the leader's own connection, so N jobs use N connections,
taken together from ``MAX_CONNECTIONS`` (slots.py).

The output is the serial export's, byte for byte, and streams in order: part 1 goes straight to
the consumer while the other parts write to temporary files (in the output's directory, unnamed
so that nothing is left behind however the process ends), which are then read back in order,
while they are still being written if need be. What a part writes depends on the format:

* ``concat``: formats whose ``encode()`` writes what COPY writes and whose COPY output needs no
  change (csv, tsv, pgtext, jsonl): the parts' rows are simply concatenated. With gzip each part
  compresses its rows itself, in a thread of its own, into a gzip member; members concatenate
  into a valid gzip stream (RFC 1952, section 2.2), so compression runs in parallel too.
* ``copy``: COPY output that the format changes (the separators of a JSON array): parts write
  raw COPY output, the leader passes it through the one encoder's ``copy_chunk()``.
* ``rows``: anything else (xlsx, the cursor engine for json): parts write their rendered rows in
  PostgreSQL's text format, the leader decodes them and hands them, in order, to the one
  encoder's ``encode()``.

Parts can also run in other processes and on other machines (remote.py): they need only the
snapshot id, their SQL and the alias.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import re
import tempfile
import zlib
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .connection import ConnectParams
from .encoders import Format, PgTextFormat
from .engines import CopyEngine, CursorEngine, Engine, inline_query
from .exceptions import CursorStreamError
from .render import session_sql
from .slots import ConnectionSlot
from .sql import Column, CompiledQuery
from .streaming import Transaction, _translated, acquire_slot

if TYPE_CHECKING:
    from .export import ExportStats, PreparedExport, _Encoding

#: Bytes read back from a part's temporary file at a time.
READ_CHUNK = 1024 * 1024

#: zlib's window bits for a gzip member (header and trailer included).
GZIP_WBITS = 31

#: gzip's compression level, as ``gzip.GzipFile`` and sinks.py use it.
GZIP_LEVEL = 9

#: Bytes handed to the compressing thread at a time.
GZIP_BATCH = 1024 * 1024


class Mode(enum.Enum):
    """What the parts of an export write (see the module docstring)."""

    CONCAT = "concat"
    COPY = "copy"
    ROWS = "rows"


def part_mode(prepared: PreparedExport) -> Mode:
    """Return how the parts of ``prepared`` are written and put together."""
    fmt = prepared.format
    if fmt.copy_options is not None and fmt.copy_chunk is Format.copy_chunk:
        return Mode.CONCAT
    if prepared.engine == "copy":
        return Mode.COPY
    return Mode.ROWS


def part_engine(prepared: PreparedExport, mode: Mode, *, count_rows: bool = True) -> Engine:
    """Return a new engine object for one part of ``prepared``."""
    if mode is Mode.CONCAT:
        return prepared.make_engine(count_rows=count_rows)
    if mode is Mode.COPY:
        assert prepared.format.copy_options is not None
        return CopyEngine(prepared.format.copy_options, count_rows=count_rows)
    if prepared.options.engine == "cursor":
        return CursorEngine(prefetch=prepared.options.prefetch)
    # The cursor engine was chosen only because COPY cannot write the format (xlsx); the rows
    # are the same through COPY's text format, which costs no Python per value.
    assert PgTextFormat.copy_options is not None
    return CopyEngine(PgTextFormat.copy_options, count_rows=count_rows)


def part_format(prepared: PreparedExport, mode: Mode) -> Format:
    """Return the format instance that writes one part's bytes."""
    columns = prepared.columns
    if mode is Mode.CONCAT:
        return prepared.format(columns, header=False, bom=False, title=prepared.title)
    if mode is Mode.COPY:
        return Format(columns)  # COPY's output unchanged
    return PgTextFormat(columns, header=False)


# --------------------------------------------------------------------------------------------
# Reading rows back from PostgreSQL's text format


_TEXT_UNESCAPES = {"\\": "\\", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_TEXT_ESCAPE = re.compile(r"\\(.)")


def _unescape(value: str) -> str | None:
    if value == "\\N":
        return None
    return _TEXT_ESCAPE.sub(lambda m: _TEXT_UNESCAPES.get(m[1], m[1]), value)


class TextRows:
    """Turn chunks of ``COPY ... (FORMAT text)`` output back into rows of text and None.

    COPY's text format escapes backslash, tab, line feed, carriage return, backspace, form feed
    and vertical tab, and writes NULL as ``\\N`` (``CopyAttributeOutText`` in PostgreSQL's
    copyto.c); so a line feed always ends a row and a tab always ends a field.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self._rest = b""

    def feed(self, data: bytes) -> list[list[str | None]]:
        """Return the rows that ``data`` (with what was left of earlier chunks) completes."""
        data = self._rest + data if self._rest else data
        end = data.rfind(b"\n") + 1
        self._rest = data[end:]
        if not end:
            return []
        lines = data[:end].decode().split("\n")
        lines.pop()
        if not self.width:
            return [[] for _ in lines]
        rows: list[list[Any]] = [line.split("\t") for line in lines]
        if any("\\" in line for line in lines):
            rows = [[_unescape(value) if "\\" in value else value for value in row] for row in rows]
        return rows


# --------------------------------------------------------------------------------------------
# Temporary files


class Spool:
    """A part's bytes on disk: written by the part, read back (also while written) in order.

    The file has no name: ``tempfile.TemporaryFile`` opens it with ``O_TMPFILE`` (or unlinks it
    at once), so it disappears with its descriptor, even when the process is killed.
    """

    def __init__(self, directory: str | None) -> None:
        # Closed by close(), which the export calls however it ends.
        self._file = tempfile.TemporaryFile(  # noqa: SIM115
            dir=directory, prefix=".cursor_stream-part-"
        )
        self._fd = self._file.fileno()
        self.size = 0
        self.finished = False
        self.error: BaseException | None = None
        self._changed = asyncio.Event()

    def write(self, data: bytes) -> None:
        """Append ``data`` (a page-cache write: short enough for the event loop)."""
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.size += len(data)
        self._changed.set()

    def finish(self, error: BaseException | None = None) -> None:
        """Mark the file complete (or failed, with the part's ``error``)."""
        self.finished, self.error = True, error
        self._changed.set()

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """Yield the file's bytes in order, waiting for more until it is complete."""
        offset = 0
        while True:
            if offset < self.size:
                data = os.pread(self._fd, min(READ_CHUNK, self.size - offset), offset)
                offset += len(data)
                yield data
                continue
            if self.finished:
                if self.error is not None:
                    raise self.error
                return
            self._changed.clear()
            if offset == self.size and not self.finished:
                await self._changed.wait()

    def close(self) -> None:
        """Close (and so free) the file; idempotent."""
        self._file.close()


# --------------------------------------------------------------------------------------------
# gzip


class GzipMembers:
    """Compress an output as consecutive gzip members, in a worker thread (zlib frees the GIL).

    Data is compressed ``GZIP_BATCH`` bytes at a time: each call to the worker thread costs a
    wake-up of the event loop, and COPY data arrives in pieces of a few kilobytes.
    """

    def __init__(self, executor: Executor | None, level: int = GZIP_LEVEL) -> None:
        self._executor = executor
        self._level = level
        self._compressor: Any = None
        self._pending: list[bytes] = []
        self._size = 0
        #: Whether any member has been started (an empty output still needs one).
        self.started = False

    async def _run(self, function: Callable[..., bytes], *args: Any) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _take(self) -> bytes:
        data = b"".join(self._pending)
        self._pending, self._size = [], 0
        return data

    async def compress(self, data: bytes) -> bytes:
        """Return the compressed bytes of ``data`` available so far (possibly none)."""
        if self._compressor is None:
            self._compressor = zlib.compressobj(self._level, zlib.DEFLATED, GZIP_WBITS)
            self.started = True
        if not data:
            return b""
        self._pending.append(data)
        self._size += len(data)
        if self._size < GZIP_BATCH:
            return b""
        return await self._run(self._compressor.compress, self._take())

    async def end_member(self) -> bytes:
        """Return the rest of the current member (none if none is open)."""
        compressor, self._compressor = self._compressor, None
        if compressor is None:
            return b""
        data = self._take()

        def end() -> bytes:
            tail: bytes = compressor.compress(data) + compressor.flush()
            return tail

        return await self._run(end)

    async def finish(self) -> bytes:
        """Return the end of the output: the open member's rest, or one empty member."""
        if not self.started:
            await self.compress(b"")
        return await self.end_member()


# --------------------------------------------------------------------------------------------
# The parts


@dataclass(eq=False)
class Part:
    """One key range of a parallel export."""

    number: int
    #: The part's SQL: rendered, parameters inlined (it runs in any session of the alias).
    query: CompiledQuery
    engine: Engine | None = None
    spool: Spool | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    #: Bytes of the part before compression, and its rows (exact once it has ended).
    bytes: int = 0

    @property
    def rows(self) -> int:
        return self.engine.rows if self.engine is not None else 0


def part_label(params: ConnectParams, number: int, parts: int) -> ConnectParams:
    """Return ``params`` naming the part in ``pg_stat_activity`` (``... part 2/4``)."""
    label = params.application_label or "cursor_stream export"
    return params.labelled(f"{label} part {number}/{parts}")


async def run_part(
    prepared: PreparedExport,
    part: Part,
    parts: int,
    snapshot: str,
    slot: ConnectionSlot | None,
    mode: Mode,
    gzip: GzipMembers | None,
    count_rows: bool = True,
) -> None:
    """Run ``part`` on a connection of its own importing ``snapshot`` into its spool."""
    from .export import _Encoding

    spool = part.spool
    assert spool is not None
    error: BaseException | None = None
    encoding = _Encoding(part_format(prepared, mode))
    params = part_label(prepared.connect_params, part.number, parts)
    try:
        async with Transaction(
            params, prepared.stream_options, slot=slot, snapshot=snapshot
        ) as txn:
            with _translated():
                await txn.connection.execute(session_sql())
            part.engine = part_engine(prepared, mode, count_rows=count_rows)
            chunks = part.engine.chunks(txn, part.query, encoding)
            async with contextlib.aclosing(chunks) as body:
                async for chunk in body:
                    part.bytes += len(chunk)
                    spool.write(await gzip.compress(chunk) if gzip is not None else chunk)
            if gzip is not None:
                spool.write(await gzip.finish())
    except asyncio.CancelledError:
        error = CursorStreamError("The export was stopped.")
        raise
    except Exception as exc:
        error = exc
    finally:
        encoding.close()
        spool.finish(error)


async def part_queries(
    prepared: PreparedExport, leader: Transaction, columns: list[Column]
) -> list[CompiledQuery]:
    """Return the rendered SQL of each part, with its parameters inlined by the leader."""
    from .split import boundaries

    plan = prepared.split
    assert plan is not None
    bounds = await boundaries(leader, plan, prepared.options.jobs)
    compiled = await asyncio.to_thread(plan.part_queries, bounds)
    queries = []
    for query in compiled:
        sql = await inline_query(leader, prepared.render(query, columns))
        queries.append(CompiledQuery(sql=sql, params=(), alias=query.alias))
    return queries


class Assembly:
    """Put the parts' bytes together, in order, through the export's one format instance."""

    def __init__(
        self,
        encoding: _Encoding,
        stats: ExportStats,
        mode: Mode,
        width: int,
        output: GzipMembers | None,
    ) -> None:
        self.encoding, self.stats, self.mode, self.output = encoding, stats, mode, output
        self._rows = TextRows(width)

    async def format(self, data: bytes) -> bytes:
        """Return what the format makes of a part's bytes."""
        if self.mode is Mode.CONCAT:
            return data
        encoder = self.encoding.encoder
        if self.mode is Mode.COPY:
            return encoder.copy_chunk(data)
        rows = self._rows.feed(data)
        return await self.encoding.call(encoder.encode, rows) if rows else b""

    async def out(self, data: bytes) -> bytes:
        """Return the output bytes of the format's ``data`` (compressed with gzip)."""
        self.stats.bytes += len(data)
        if self.output is None or not data:
            return data
        return await self.output.compress(data)


async def hold_trailer(chunks: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """Yield gzip ``chunks`` but the last 8 bytes, which come only if ``chunks`` ends well.

    Members end with their CRC and length: an export that fails between two members would
    otherwise leave a shorter, valid gzip stream that ``| gunzip`` accepts.
    """
    held = b""
    async with contextlib.aclosing(chunks) as body:
        async for chunk in body:
            data = held + chunk
            held, data = data[-8:], data[:-8]
            if data:
                yield data
    if held:
        yield held


def parallel_chunks(
    prepared: PreparedExport,
    encoding: _Encoding,
    stats: ExportStats,
    *,
    estimate: bool,
    slot: ConnectionSlot | None,
    gzip: bool,
    spool_dir: str | None,
) -> AsyncGenerator[bytes, None]:
    """Yield the bytes of ``prepared`` read by ``prepared.jobs`` connections (see above)."""
    chunks = _parallel_chunks(
        prepared, encoding, stats, estimate=estimate, slot=slot, gzip=gzip, spool_dir=spool_dir
    )
    return hold_trailer(chunks) if gzip else chunks


async def _parallel_chunks(
    prepared: PreparedExport,
    encoding: _Encoding,
    stats: ExportStats,
    *,
    estimate: bool,
    slot: ConnectionSlot | None,
    gzip: bool,
    spool_dir: str | None,
) -> AsyncGenerator[bytes, None]:
    from .export import _Encoding, _estimate_rows

    jobs = prepared.jobs
    encoder = encoding.encoder
    mode = part_mode(prepared)
    if slot is None:
        slot = await acquire_slot(prepared.alias, prepared.stream_options, jobs)
    executor = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cursor_stream-part")
    output = GzipMembers(executor) if gzip else None
    # With gzip, concatenable parts compress themselves: one member each, in parallel.
    members = output is not None and mode is Mode.CONCAT
    assembly = Assembly(encoding, stats, mode, len(prepared.columns), output)
    parts: list[Part] = []
    try:
        async with Transaction(
            prepared.connect_params,
            prepared.stream_options,
            slot=slot.split(1) if slot is not None else None,
            exporting=True,
        ) as leader:
            snapshot = await leader.export_snapshot()
            rendered, types, columns = await prepared.rendered(leader)
            encoder.set_column_types(types)
            if estimate:
                stats.estimated_rows = await _estimate_rows(leader.connection, rendered)
            if head := await assembly.out(await encoding.call(encoder.begin)):
                yield head
            queries = await part_queries(prepared, leader, columns)
            parts = [Part(number, query) for number, query in enumerate(queries, 1)]
            for part in parts[1:]:
                part.spool = Spool(spool_dir)
                part.task = asyncio.create_task(
                    run_part(
                        prepared,
                        part,
                        len(parts),
                        snapshot,
                        slot.split(1) if slot is not None else None,
                        mode,
                        GzipMembers(executor) if members else None,
                        stats.live_rows,
                    )
                )
            if slot is not None:
                slot.release()  # the places of jobs left without a part (fewer ranges)
            done_rows = 0
            for part in parts:
                _raise_failure(parts)
                if part.spool is None:
                    # The first part, on the leader's connection, straight to the consumer.
                    part.engine = part_engine(prepared, mode, count_rows=stats.live_rows)
                    part_encoding = _Encoding(part_format(prepared, mode))
                    body = part.engine.chunks(leader, part.query, part_encoding)
                else:
                    part_encoding = None
                    body = part.spool.chunks()
                    if members and output is not None and (tail := await output.end_member()):
                        yield tail
                try:
                    async with contextlib.aclosing(body) as chunks:
                        async for chunk in chunks:
                            if part.spool is not None and members:
                                yield chunk  # the part's own gzip member
                            elif out := await assembly.out(await assembly.format(chunk)):
                                yield out
                            stats.rows = done_rows + part.rows
                            _raise_failure(parts)
                finally:
                    if part_encoding is not None:
                        part_encoding.close()
                if part.spool is not None and members:
                    stats.bytes += part.bytes
                done_rows += part.rows
                stats.rows = done_rows
        async for chunk in encoding.end_chunks():
            if out := await assembly.out(chunk):
                yield out
        if output is not None and (tail := await output.finish()):
            yield tail
    finally:
        await _stop(parts)
        if slot is not None:
            slot.release()
        executor.shutdown(wait=False)


def _raise_failure(parts: list[Part]) -> None:
    """Raise the error of a part that failed (the export stops at once, not when it gets there)."""
    for part in parts:
        if part.spool is not None and part.spool.error is not None:
            raise part.spool.error


async def _stop(parts: list[Part]) -> None:
    """Stop the parts still running (their connections are dropped) and free their files."""
    tasks = [p.task for p in parts if p.task is not None]
    for task in tasks:
        task.cancel()
    if tasks:
        # asyncio.wait() neither raises the tasks' errors nor swallows our own cancellation.
        await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled():
                task.exception()
    for part in parts:
        if part.spool is not None:
            part.spool.close()
