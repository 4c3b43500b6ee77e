"""One part of a parallel export: what it runs, what it writes, and how it is put back.

A :class:`PartSpec` is everything a part needs, as plain values that travel as JSON: the
exported snapshot's id, the part's SQL (rendered to text, its parameters and key range inlined
as literals by the leader), and how its rows become bytes. So a part runs the same in the
leader's process (parallel.py) and in another process or on another machine (remote.py).

What a part writes depends on the export's format (:class:`Mode`):

* ``concat``: formats whose ``encode()`` writes what COPY writes and whose COPY output needs no
  change (csv, tsv, pgtext, jsonl): a part writes its rows as the export would, and the parts
  are simply concatenated. With gzip each part compresses its own rows into a gzip member;
  members concatenate into a valid gzip stream (RFC 1952, section 2.2).
* ``copy``: COPY output that the format changes (the separators of a JSON array): parts write
  raw COPY output, the leader passes it through its one encoder's ``copy_chunk()``.
* ``rows``: anything else (xlsx, the cursor engine for json): parts write their rendered rows in
  PostgreSQL's text format; the leader reads them back (:class:`TextRows`) and hands them, in
  order, to its one encoder's ``encode()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import re
import zlib
from collections.abc import AsyncGenerator, Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .connection import ConnectParams
from .encoders import Format, PgTextFormat, get_format
from .engines import CopyEngine, CursorEngine, Engine
from .exceptions import InvalidArgument
from .render import quote_literal, session_sql
from .streaming import Transaction, _translated

if TYPE_CHECKING:
    from .export import PreparedExport

R = TypeVar("R")

#: Version of a part's JSON description; bump when a field changes meaning.
VERSION = 1

#: zlib's window bits for a gzip member (header and trailer included).
GZIP_WBITS = 31

#: gzip's compression level, as ``gzip.GzipFile`` (and so sinks.py) uses it.
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


@dataclass(frozen=True)
class PartSpec:
    """Everything one part of a parallel export needs; JSON both ways (:meth:`to_json`)."""

    #: The database alias (the runner's own settings give the connection parameters).
    alias: str
    #: The leader's exported snapshot (``pg_export_snapshot()``).
    snapshot: str
    number: int
    parts: int
    #: The part's query: rendered to text, parameters and key range inlined as literals.
    sql: str
    columns: tuple[str, ...]
    #: "copy" or "cursor".
    engine: str
    #: ``copy_from_query()`` options of the copy engine.
    copy_options: Mapping[str, str] | None
    #: The format (registry name or dotted path) encoding the part's rows; None: COPY's output.
    format: str | None
    prefetch: int | None
    #: Compress the part into one gzip member.
    gzip: bool
    #: The leader session's ``TimeZone`` (the query may depend on it), set in the part's too.
    timezone: str | None
    #: The range of keys, as text, for messages: [lower, upper); None: unbounded.
    key_range: tuple[str | None, str | None] = (None, None)

    @classmethod
    def build(
        cls,
        prepared: PreparedExport,
        *,
        snapshot: str,
        number: int,
        parts: int,
        sql: str,
        gzip: bool,
        key_range: tuple[str | None, str | None] = (None, None),
    ) -> PartSpec:
        """Return the spec of one part of ``prepared`` (see :class:`Mode`)."""
        mode = part_mode(prepared)
        fmt = prepared.format
        engine, copy_options, format_name = prepared.engine, fmt.copy_options, None
        if mode is Mode.CONCAT:
            format_name = prepared.options.format
        elif mode is Mode.ROWS:
            format_name = PgTextFormat.name
            copy_options = PgTextFormat.copy_options
            # Only an explicit cursor engine reads the rows through a cursor: when it was chosen
            # because COPY cannot write the format (xlsx), COPY's text format gives the same
            # rows at no Python cost per value.
            engine = "cursor" if prepared.options.engine == "cursor" else "copy"
        return cls(
            alias=prepared.alias,
            snapshot=snapshot,
            number=number,
            parts=parts,
            sql=sql,
            columns=prepared.columns,
            engine=engine,
            copy_options=dict(copy_options) if copy_options is not None else None,
            format=format_name,
            prefetch=prepared.options.prefetch,
            gzip=gzip and mode is Mode.CONCAT,
            timezone=prepared.connect_params.server_settings.get("TimeZone"),
            key_range=key_range,
        )

    def to_json(self) -> dict[str, Any]:
        """Return the spec as a dict of JSON types."""
        data = dataclasses.asdict(self)
        data["version"] = VERSION
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PartSpec:
        """Return the spec :meth:`to_json` gave; raise InvalidArgument if it is not one."""
        try:
            data = dict(data)
            if data.pop("version", None) != VERSION:
                raise ValueError("unknown version")
            data["columns"] = tuple(data["columns"])
            data["key_range"] = tuple(data["key_range"])
            return cls(**data)
        except (TypeError, ValueError, KeyError) as exc:
            raise InvalidArgument(f"Not the description of an export part: {exc}") from None

    def new_engine(self, *, count_rows: bool = True) -> Engine:
        """Return a new engine object running this part."""
        if self.engine == "copy":
            assert self.copy_options is not None
            return CopyEngine(self.copy_options, count_rows=count_rows)
        return CursorEngine(prefetch=self.prefetch)

    def new_format(self) -> Format:
        """Return the format instance writing this part's bytes (no header, no BOM)."""
        if self.format is None:
            return Format(self.columns)  # COPY's output unchanged
        return get_format(self.format)(self.columns, header=False, bom=False)

    def lock_keys(self) -> tuple[int, int]:
        """Return the advisory lock keys whose holder runs this part (remote.py)."""
        return zlib.crc32(self.snapshot.encode()) & 0x7FFFFFFF, self.number

    def describe(self) -> str:
        """Return "part 2/4 (keys 1000 to 2000)" for messages."""
        lower, upper = self.key_range
        keys = f"keys {lower or 'start'} to {upper or 'end'}"
        return f"part {self.number}/{self.parts} ({keys})"


def part_label(params: ConnectParams, number: int, parts: int) -> ConnectParams:
    """Return ``params`` naming the part in ``pg_stat_activity`` (``... part 2/4``)."""
    label = params.application_label or "cursor_stream export"
    return params.labelled(f"{label} part {number}/{parts}")


async def begin_part(txn: Transaction, spec: PartSpec) -> None:
    """Set a part's session up as the leader's (rendering settings, time zone)."""
    statements = [session_sql()]
    if spec.timezone:
        statements.append(f"SET LOCAL TimeZone TO {quote_literal(spec.timezone)}")
    with _translated():
        await txn.connection.execute(";\n".join(statements))


class PartEncoding:
    """Call a part's format inline, or in a worker thread for a blocking one (see ``Format``)."""

    def __init__(self, encoder: Format, executor: Executor | None) -> None:
        self.encoder = encoder
        self._executor = executor if encoder.blocking else None

    async def call(self, function: Callable[..., R], *args: Any) -> R:
        """Return ``function(*args)``."""
        if not self.encoder.blocking:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)


class PartOutput:
    """Runs one part in an open transaction and yields its bytes (see :class:`Mode`)."""

    def __init__(
        self, spec: PartSpec, *, executor: Executor | None = None, count_rows: bool = True
    ) -> None:
        self.spec = spec
        self.engine = spec.new_engine(count_rows=count_rows)
        self._encoding = PartEncoding(spec.new_format(), executor)
        self._gzip = GzipMembers(executor) if spec.gzip else None
        #: Bytes of the part before compression.
        self.bytes = 0

    @property
    def rows(self) -> int:
        return self.engine.rows

    async def chunks(self, txn: Transaction) -> AsyncGenerator[bytes, None]:
        """Yield the part's bytes (a gzip member if ``spec.gzip``); drive under aclosing()."""
        from .sql import CompiledQuery

        query = CompiledQuery(sql=self.spec.sql, params=(), alias=self.spec.alias)
        try:
            body = self.engine.chunks(txn, query, self._encoding)
            async with contextlib.aclosing(body) as chunks:
                async for chunk in chunks:
                    self.bytes += len(chunk)
                    if self._gzip is None:
                        yield chunk
                    elif out := await self._gzip.compress(chunk):
                        yield out
            if self._gzip is not None:
                yield await self._gzip.finish()
        finally:
            await self._encoding.call(self._encoding.encoder.close)


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
