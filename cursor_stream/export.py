"""Exports: compile a QuerySet or SQL once (sync), then stream encoded bytes (async).

``prepare_export()`` validates everything that can be checked without running the query and
returns a :class:`PreparedExport`; its :meth:`~PreparedExport.achunks` async generator opens one
connection and transaction, yields the header bytes before the first row is fetched, then the
rows through one of two engines that produce the same bytes (docs/architecture.md §5):

* ``copy``: ``COPY (<rendered query>) TO STDOUT`` through asyncpg, the fast path;
* ``cursor``: a server-side cursor fetching the same rendered text, encoded in Python
  (needed for ``offset``/``limit``, which reproduce ``cursor.forward()`` + ``cursor.fetch()``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
import zoneinfo
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any, TypeVar

from .conf import is_sensitive
from .connection import ConnectParams, connect_params
from .encoders import Format, get_format, registry
from .engines import CopyEngine, CursorEngine, Engine
from .exceptions import CursorStreamError, InvalidArgument
from .exportfields import HEADER_STYLES, ExportField, column_headers, export_fields, select_columns
from .fields import resolve_field_path
from .render import (
    ColumnSpec,
    check_json_keys,
    render_query,
    rendered_types,
    session_sql,
)
from .sinks import AtomicFile
from .slots import ConnectionSlot
from .split import NotSplittable, SplitPlan, split_plan
from .sql import Column, CompiledQuery, _in_thread, compile_source
from .streaming import Params, StreamOptions, Transaction, _translated

if TYPE_CHECKING:
    from .remote import PartRunner

__all__ = [
    "ENGINES",
    "ExportOptions",
    "ExportStats",
    "Format",
    "PreparedExport",
    "get_format",
    "prepare_export",
]

T = TypeVar("T")
R = TypeVar("R")

ENGINES = ("auto", "copy", "cursor")

#: Seconds a row estimate may take (connecting included) before it is given up.
ESTIMATE_TIMEOUT = 1.0


@dataclass(frozen=True)
class ExportOptions:
    """How an export is encoded and which rows it holds."""

    #: Registry short name (csv, tsv, jsonl, json, xlsx) or dotted path of a Format class.
    format: str = "csv"
    header: bool = True
    bom: bool = False
    #: Prefix text cells starting with = + - @ tab CR LF with ' (OWASP CSV injection); applies
    #: to formats declaring ``formula_escaping`` (csv, tsv) and is ignored by the others.
    escape_formulas: bool = False
    #: Time zone of timestamps; None: Django's TIME_ZONE.
    timezone: str | None = None
    #: auto | copy | cursor.
    engine: str = "auto"
    #: Export the labels of fields with choices instead of the stored values.
    choices_display: bool = False
    #: Headers of columns without a label: "names" (``category__name``, as given) or
    #: "verbose" (``Category name``, from verbose names); the JSON keys too.
    header_style: str = "names"
    prefetch: int | None = None
    offset: int = 0
    limit: int | None = None
    #: Connections reading one snapshot in parallel, each a key range (parallel.py): at most
    #: this many; 1 when the export cannot be cut (``PreparedExport.serial_reason`` says why).
    jobs: int = 1


@dataclass
class ExportStats:
    """Progress of a running export, updated as chunks are yielded."""

    rows: int = 0
    bytes: int = 0
    #: The planner's row estimate, filled in when ``estimate=True`` was asked for.
    estimated_rows: int | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    #: Count the rows as the chunks go (for a progress display): the COPY engine then scans its
    #: output for row ends. Otherwise ``rows`` is set at the end (exact either way).
    live_rows: bool = True

    @property
    def seconds(self) -> float:
        """Return the seconds elapsed (up to the end, once finished)."""
        return (self.finished or time.monotonic()) - self.started


def _check_options(options: ExportOptions) -> tuple[type[Format], str]:
    fmt = get_format(options.format)
    if options.engine not in ENGINES:
        raise InvalidArgument(
            f"Unknown engine {options.engine!r}; use one of {', '.join(ENGINES)}."
        )
    if options.header_style not in HEADER_STYLES:
        raise InvalidArgument(
            f"Unknown header_style {options.header_style!r}; use one of {', '.join(HEADER_STYLES)}."
        )
    for name in ("offset",):
        value = getattr(options, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidArgument(f"{name} must be an integer >= 0, got {value!r}.")
    if options.limit is not None and (
        not isinstance(options.limit, int) or isinstance(options.limit, bool) or options.limit < 0
    ):
        raise InvalidArgument(f"limit must be an integer >= 0, got {options.limit!r}.")
    if not isinstance(options.jobs, int) or isinstance(options.jobs, bool) or options.jobs < 1:
        raise InvalidArgument(f"jobs must be an integer >= 1, got {options.jobs!r}.")
    if options.prefetch is not None and (
        not isinstance(options.prefetch, int)
        or isinstance(options.prefetch, bool)
        or options.prefetch < 1
    ):
        raise InvalidArgument(f"prefetch must be an integer >= 1, got {options.prefetch!r}.")
    if options.bom and not fmt.supports_bom:
        takers = ", ".join(name for name, cls in registry.items() if cls.supports_bom)
        raise InvalidArgument(f"A byte order mark (bom) only applies to {takers}, not {fmt.name}.")
    tz = options.timezone
    if tz is None:
        from django.conf import settings

        tz = settings.TIME_ZONE or "UTC"
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidArgument(
            f"Unknown time zone {tz!r}; use an IANA name such as 'UTC' or 'Europe/Paris'."
        ) from None
    bounded = options.offset > 0 or options.limit is not None
    engine = options.engine
    if engine == "copy":
        if fmt.copy_options is None:
            raise InvalidArgument(
                f"The {fmt.name} format cannot be written by the copy engine; use engine "
                "'cursor' or 'auto'."
            )
        if bounded:
            raise InvalidArgument(
                "offset and limit need the cursor engine (cursor.forward() + fetch()); use "
                "engine 'cursor' or 'auto'."
            )
    return fmt, tz


def _queryset_for_export(
    source: Any, fields: Sequence[ExportField] | None, *, json_text: bool = False
) -> tuple[Any, list[Any]]:
    """Return a values_list() QuerySet and the model field behind each column (None if none).

    ``fields``: the columns, computed ones added as annotations (see
    :func:`~cursor_stream.exportfields.select_columns`, which ``json_text`` is passed to).

    Without ``fields`` the columns are those the QuerySet itself selects: for model instances
    the concrete fields it loads (``only()``/``defer()`` honoured) and its annotations; for
    ``values()``/``values_list()`` without names every column. Fields listed in
    ``CURSOR_STREAM['SENSITIVE_FIELDS']`` are left out of such a default set; they are exported
    only when ``fields`` names them.
    """
    from django.db.models.query import ModelIterable

    model = source.model
    if fields is not None:
        return select_columns(source, fields, json_text=json_text)
    if issubclass(source._iterable_class, ModelIterable):
        # values_list() clears deferred loading: keep the fields the ORM itself would load, by
        # the select mask its compiler uses (get_default_columns() skips fields outside it).
        mask = source.query.get_select_mask()
        concrete = [
            f
            for f in model._meta.concrete_fields
            if (not mask or f in mask) and not is_sensitive(f)
        ]
        names = [f.attname for f in concrete] + list(source.query.annotation_select)
        return source.values_list(*names), concrete + [None] * (len(names) - len(concrete))
    if not source._fields:
        # values() without names selects every concrete field (extra() columns first,
        # annotations last, as Django orders them).
        query = source.query
        hidden = {f.attname for f in model._meta.concrete_fields if is_sensitive(f)}
        if hidden & set(query.values_select):
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
            return source.values_list(*[n for n in names if n not in hidden]), []
    return source, []


def _describe_in_thread(compiled: CompiledQuery, params: ConnectParams) -> list[Column]:
    """Return the result columns of raw SQL, asked of the server from sync code."""

    # The export's own options: this short connection counts against MAX_CONNECTIONS too. When
    # the caller runs an event loop (an async view) we block it while we wait: never wait for
    # a free place then, answer ExportsBusy at once.
    options = StreamOptions.from_settings()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        options = replace(options, connection_wait=0.0)

    async def describe() -> list[Column]:
        async with Transaction(params, options) as txn:
            return await txn.columns(compiled)

    result: list[list[Column]] = []
    error: list[BaseException] = []

    # A thread of its own: this may be called from a thread whose event loop is running.
    def target() -> None:
        try:
            result.append(asyncio.run(describe()))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="cursor_stream-describe")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def prepare_export(
    source: Any,
    params: Params = None,
    *,
    fields: Sequence[Any] | None = None,
    using: str | None = None,
    options: ExportOptions = ExportOptions(),
) -> PreparedExport:
    """Compile and validate an export of a model, QuerySet or SQL string (call from sync code).

    ``fields`` are the columns: model field paths (``category__name``, checked against the
    model's ``_meta``), annotation names, ``(path, "Label")``, computed columns
    ``(name, expression[, "Label"])`` or :class:`~cursor_stream.exportfields.ExportField`.
    Their headers follow ``options.header_style`` unless labelled. Raw SQL is described by the
    server now (one short connection), so that a syntax error or an unknown column is raised
    here, before any output is produced. Raises
    :class:`~cursor_stream.exceptions.CursorStreamError` subclasses.
    """
    from django.db import models
    from django.db.models.query import QuerySet
    from django.utils.text import capfirst

    fmt, timezone = _check_options(options)
    # Formula escaping protects spreadsheets opening CSV/TSV text; other formats declare they
    # need none (JSON is data for programs, xlsx writes strings as strings), and their values
    # are never altered, whoever asked for escaping.
    options = replace(options, escape_formulas=options.escape_formulas and fmt.formula_escaping)
    if isinstance(source, type) and issubclass(source, models.Model):
        source = source._default_manager.all()  # type: ignore[attr-defined]
    model_fields: list[Any] = []
    title: str | None = None
    model: Any = None
    columns: list[ExportField] | None = None
    if isinstance(source, QuerySet):
        model = source.model
        title = capfirst(str(model._meta.verbose_name_plural))
        source = default_ordering(source)
        columns = export_fields(fields) if fields is not None else None
        # JSON key paths: their text (blue), not their JSON ("blue"), in text formats.
        source, model_fields = _queryset_for_export(
            source, columns, json_text=fmt.rendering == "text"
        )
    elif fields is not None:
        raise InvalidArgument("fields can only be given with a model or QuerySet, not raw SQL.")
    compiled = compile_source(source, params, using=using)
    conn_params = connect_params(compiled.alias)
    if compiled.from_queryset and compiled.names is not None:
        names = list(compiled.names)
        if not model_fields:
            model_fields = [_field_or_none(source.model, n) for n in names]
    else:
        names = [c.name for c in _describe_in_thread(compiled, conn_params)]
        model_fields = [None] * len(names)
    headers = column_headers(model, names, columns, options.header_style)
    if fmt.rendering == "json":
        check_json_keys(headers)
    specs = tuple(
        ColumnSpec(header, _choices(f) if options.choices_display else None)
        for header, f in zip(
            headers, model_fields + [None] * (len(names) - len(model_fields)), strict=False
        )
    )
    stream_options = StreamOptions.from_settings(prefetch=options.prefetch)
    split, serial_reason = _split(source, compiled, options, stream_options)
    return PreparedExport(
        format=fmt,
        columns=tuple(headers),
        alias=compiled.alias,
        compiled=compiled,
        specs=specs,
        options=options,
        engine=_resolved_engine(fmt, options),
        timezone=timezone,
        connect_params=conn_params,
        stream_options=stream_options,
        title=title,
        split=split,
        serial_reason=serial_reason,
    )


def _split(
    source: Any, compiled: CompiledQuery, options: ExportOptions, stream_options: StreamOptions
) -> tuple[SplitPlan | None, str | None]:
    """Return how the export is cut for ``options.jobs`` (or None and why it runs serially)."""
    from django.db.models.query import QuerySet

    if options.jobs == 1:
        return None, None
    limit = stream_options.max_connections
    if limit is not None and options.jobs > limit:
        raise InvalidArgument(
            f"jobs={options.jobs} needs {options.jobs} connections to database "
            f"{compiled.alias!r} at once, but CURSOR_STREAM['MAX_CONNECTIONS'] allows {limit}; "
            "use fewer jobs or raise the limit."
        )
    if compiled.empty:
        return None, None  # it matches no row: nothing to read, nothing to cut
    if not isinstance(source, QuerySet):
        return None, "raw SQL cannot be cut into key ranges"
    if options.offset or options.limit is not None:
        return None, "offset and limit count rows across the whole result"
    try:
        return split_plan(source, using=compiled.alias, parts=options.jobs), None
    except NotSplittable as exc:
        return None, str(exc)


def default_ordering(queryset: Any) -> Any:
    """Return ``queryset`` in the order an export of it has when none is given.

    The QuerySet's own ordering (``order_by()``, else the model's ``Meta.ordering``), as
    ``list(queryset)`` would give; else the primary key, so that two exports of the same rows
    are identical and ``offset`` means something. Left alone: a QuerySet whose ordering was
    cleared with ``order_by()`` (the server's order, no sort), and those that an ``ORDER BY pk``
    would change or that cannot be reordered (sliced, ``distinct()``, grouped by an aggregate,
    ``union()``).
    """
    query = queryset.query
    if (
        queryset.ordered
        or not query.default_ordering
        or query.is_sliced
        or query.distinct
        or query.combinator
        or query.group_by is not None
    ):
        return queryset
    return queryset.order_by("pk")


def _resolved_engine(fmt: type[Format], options: ExportOptions) -> str:
    if options.engine != "auto":
        return options.engine
    # COPY is several times faster (benchmarks/README.md) whenever it can write the same bytes.
    bounded = options.offset > 0 or options.limit is not None
    return "copy" if fmt.copy_options is not None and not bounded else "cursor"


def _field_or_none(model: Any, name: str) -> Any:
    try:
        return resolve_field_path(model, name)
    except InvalidArgument:
        return None


def _choices(model_field: Any) -> dict[str, str] | None:
    if model_field is None or not getattr(model_field, "choices", None):
        return None
    return {str(value): str(label) for value, label in model_field.flatchoices}


@dataclass(frozen=True, eq=False)
class PreparedExport:
    """A compiled, validated export; iterate :meth:`achunks` to produce it (once or many times)."""

    format: type[Format]
    #: The header of each column, which is also its key in JSON.
    columns: tuple[str, ...]
    alias: str
    compiled: CompiledQuery = field(repr=False)
    specs: tuple[ColumnSpec, ...] = field(repr=False)
    options: ExportOptions
    #: The engine that will run: "copy" or "cursor" ("auto" resolved).
    engine: str
    timezone: str
    connect_params: ConnectParams = field(repr=False)
    stream_options: StreamOptions = field(repr=False)
    #: A name for the data inside the file (the xlsx sheet): the model's verbose_name_plural;
    #: None for raw SQL.
    title: str | None = None
    #: How the export is cut into key ranges when it runs with several jobs (split.py).
    split: SplitPlan | None = field(default=None, repr=False)
    #: Why an export asked to run with several jobs runs with one (None otherwise).
    serial_reason: str | None = None

    @property
    def jobs(self) -> int:
        """Return the connections this export reads through at most (1 unless it is cut)."""
        return self.options.jobs if self.split is not None else 1

    @property
    def content_type(self) -> str:
        """Return the MIME type of the output."""
        return self.format.content_type

    def filename(self, stem: str) -> str:
        """Return ``stem`` with the format's extension."""
        return f"{stem}.{self.format.extension}"

    async def achunks(
        self,
        *,
        stats: ExportStats | None = None,
        estimate: bool = False,
        slot: ConnectionSlot | None = None,
        gzip: bool = False,
        spool_dir: str | os.PathLike[str] | None = None,
        runner: PartRunner | None = None,
        transaction: Transaction | None = None,
    ) -> AsyncGenerator[bytes, None]:
        """Yield the export's bytes: the header first, before any row is fetched, then the rows.

        The connection is closed in ``finally`` however the consumer stops (end, ``aclose()``,
        cancellation); drive this under ``contextlib.aclosing()``. ``stats`` (rows, bytes, the
        planner's row estimate when ``estimate``) is updated as chunks are yielded. ``slot`` is
        a connection place (``jobs`` places) reserved with
        :func:`~cursor_stream.streaming.reserve_slot`. ``gzip``: yield the bytes compressed
        (in a worker thread; a parallel export yields one gzip member per part, compressed in
        parallel). ``spool_dir``: where the parts of a parallel export other than the first
        wait their turn (unnamed temporary files; default: the system's temporary directory).
        ``runner``: run those parts in other processes or on other machines (remote.py).
        ``transaction``: run in this open :class:`~cursor_stream.streaming.Transaction` (its
        caller closes it) rather than in a connection of its own, so that several exports read
        one snapshot (the key ranges of a resumable background export); not with several jobs.
        """
        stats = stats if stats is not None else ExportStats(live_rows=False)
        encoder = self.format(
            self.columns, header=self.options.header, bom=self.options.bom, title=self.title
        )
        encoding = _Encoding(encoder)
        try:
            if self.split is not None:
                if transaction is not None:
                    raise InvalidArgument(
                        "An export cut into key ranges opens its own transactions."
                    )
                from .parallel import parallel_chunks
                from .parts import hold_trailer

                chunks = parallel_chunks(
                    self,
                    encoding,
                    stats,
                    estimate=estimate,
                    slot=slot,
                    gzip=gzip,
                    spool_dir=None if spool_dir is None else os.fspath(spool_dir),
                    runner=runner,
                )
                if gzip:
                    chunks = hold_trailer(chunks)
            else:
                chunks = self._achunks(encoding, stats, estimate, slot, transaction)
                if gzip:
                    chunks = _gzipped(chunks)
            async with contextlib.aclosing(chunks) as body:
                async for chunk in body:
                    yield chunk
            await encoding.call(encoder.close)
        finally:
            encoding.close()

    async def _achunks(
        self,
        encoding: _Encoding,
        stats: ExportStats,
        estimate: bool,
        slot: ConnectionSlot | None,
        transaction: Transaction | None = None,
    ) -> AsyncGenerator[bytes, None]:
        encoder = encoding.encoder
        if self.compiled.empty or self.options.limit == 0:
            if slot is not None:
                slot.release()  # nothing to fetch: no connection
            head = await encoding.call(encoder.begin)
            if head:
                stats.bytes += len(head)
                yield head
            async for chunk in encoding.end_chunks():
                stats.bytes += len(chunk)
                yield chunk
            stats.finished = time.monotonic()
            return
        opened: Any = (
            contextlib.nullcontext(transaction)
            if transaction is not None
            else Transaction(self.connect_params, self.stream_options, slot=slot)
        )
        async with opened as txn:
            rendered, types, _ = await self.rendered(txn)
            encoder.set_column_types(types)
            if estimate:
                stats.estimated_rows = await self.planned_rows(txn, rendered)
            head = await encoding.call(encoder.begin)
            if head:
                stats.bytes += len(head)
                yield head
            engine = self.make_engine(count_rows=stats.live_rows)
            async with contextlib.aclosing(engine.chunks(txn, rendered, encoding)) as body:
                async for chunk in body:
                    stats.rows = engine.rows
                    stats.bytes += len(chunk)
                    yield chunk
            stats.rows = engine.rows
            async for chunk in encoding.end_chunks():
                stats.bytes += len(chunk)
                yield chunk
        stats.finished = time.monotonic()

    def make_engine(self, *, count_rows: bool = True) -> Engine:
        """Return a new object of the engine that runs this export.

        ``count_rows``: count the rows of COPY output as it goes (see ``ExportStats``).
        """
        if self.engine == "copy":
            assert self.format.copy_options is not None
            return CopyEngine(self.format.copy_options, count_rows=count_rows)
        return CursorEngine(
            offset=self.options.offset, limit=self.options.limit, prefetch=self.options.prefetch
        )

    async def rendered(self, txn: Transaction) -> tuple[CompiledQuery, list[str], list[Column]]:
        """Return the query rendered to text (render.py), its column types and result columns.

        Sets ``txn``'s session up for rendering first (``session_sql()``).
        """
        with _translated():
            await txn.connection.execute(session_sql())
        columns = await txn.columns(self.compiled)
        types = rendered_types(columns, self.specs, escape_formulas=self.options.escape_formulas)
        return self.render(self.compiled, columns), types, columns

    def render(self, compiled: CompiledQuery, columns: Sequence[Column]) -> CompiledQuery:
        """Return ``compiled`` (this export's query, or a part of it) rendered to text."""
        # The query runs in the session time zone of Django's connection (it can decide
        # which rows match); timestamps are printed in the export's own.
        session_zone = self.connect_params.server_settings.get("TimeZone")
        sql = render_query(
            compiled.sql,
            columns,
            self.specs,
            rendering=self.format.rendering,
            escape_formulas=self.options.escape_formulas,
            zone=None if self.timezone == session_zone else self.timezone,
        )
        return replace(compiled, sql=sql, build_rows=None, names=None, col_count=None)

    async def planned_rows(self, txn: Transaction, query: CompiledQuery) -> int | None:
        """Return the planner's estimate of this export's rows, ``query`` run in ``txn``."""
        return self._bounded(await _estimate_rows(txn.connection, query))

    def _bounded(self, estimated: int | None) -> int | None:
        """Return a row estimate of the whole query, less ``offset`` and at most ``limit``."""
        if estimated is None:
            return None
        estimated = max(0, estimated - self.options.offset)
        if self.options.limit is not None:
            estimated = min(estimated, self.options.limit)
        return estimated

    async def aestimate_rows(self, *, within: float = ESTIMATE_TIMEOUT) -> int | None:
        """Return the planner's estimate of the rows this export writes, or None.

        ``EXPLAIN`` only (nothing is counted), on a short connection of its own labelled
        ``cursor_stream estimate`` in ``pg_stat_activity``. A database that does not answer
        ``within`` seconds (connecting included; the statement runs under that
        ``statement_timeout``), has no free ``MAX_CONNECTIONS`` place, or fails, gives None:
        an estimate is never worth a wait or an error.
        """
        import asyncpg

        if self.compiled.empty or self.options.limit == 0:
            return 0
        milliseconds = max(1, int(within * 1000))
        configured = self.stream_options.statement_timeout
        options = replace(
            self.stream_options,
            statement_timeout=min(milliseconds, configured) if configured else milliseconds,
            connection_wait=0.0,
        )
        params = self.connect_params.labelled("cursor_stream estimate")
        try:
            async with asyncio.timeout(within), Transaction(params, options) as txn:
                return await self.planned_rows(txn, self.compiled)
        except (CursorStreamError, OSError, TimeoutError, asyncpg.PostgresError):
            return None

    def estimate_rows(self, *, within: float = ESTIMATE_TIMEOUT) -> int | None:
        """Return :meth:`aestimate_rows` from sync code (on an event loop of its own)."""
        return _in_thread(lambda: asyncio.run(self.aestimate_rows(within=within)))

    async def awrite_to(
        self,
        target: str | os.PathLike[str] | IO[bytes],
        *,
        force: bool = False,
        gzipped: bool = False,
        stats: ExportStats | None = None,
    ) -> ExportStats:
        """Write the export to a path (atomically: temp file + rename) or a binary file object.

        The parts of a parallel export wait their turn in unnamed temporary files in the
        target's directory (the system's temporary directory for a file object).
        """
        stats = stats if stats is not None else ExportStats()
        parallel = self.split is not None
        if isinstance(target, (str, os.PathLike)):
            with AtomicFile(target, force=force, gzipped=gzipped and not parallel) as out:
                chunks = self.achunks(
                    stats=stats, gzip=gzipped and parallel, spool_dir=out.target.parent
                )
                async with contextlib.aclosing(chunks) as body:
                    async for chunk in body:
                        out.write(chunk)
                out.commit()
            return stats
        async with contextlib.aclosing(self.achunks(stats=stats, gzip=gzipped)) as chunks:
            async for chunk in chunks:
                target.write(chunk)
        return stats

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.achunks()


class _Encoding:
    """Run a format's calls inline or, for a blocking format, in a worker thread of its own.

    xlsx builds several milliseconds of XML per batch in Python: run on the event loop, that
    would stall every other request of an ASGI server. One thread per export runs the calls one
    at a time, in order.
    """

    def __init__(self, encoder: Format) -> None:
        self.encoder = encoder
        self._executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="cursor_stream-encode")
            if encoder.blocking
            else None
        )

    async def call(self, function: Callable[..., R], *args: Any) -> R:
        """Return ``function(*args)``, run in the worker thread when there is one."""
        if self._executor is None:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def end_chunks(self) -> AsyncGenerator[bytes, None]:
        """Yield the encoder's non-empty end chunks, each produced by :meth:`call`."""
        chunks = self.encoder.end_chunks()
        while (chunk := await self.call(next, chunks, None)) is not None:
            if chunk:
                yield chunk

    def close(self) -> None:
        """Close the encoder (idempotent); never waits for the worker thread."""
        if self._executor is None:
            self.encoder.close()
            return
        # A call still running for a consumer that has gone (cancelled, closed early) cannot be
        # stopped. The close is queued behind it on the same thread, so it never runs at the same
        # time as an encode, and then the thread ends; the event loop does not wait for either.
        self._executor.submit(self.encoder.close)
        self._executor.shutdown(wait=False)


def _gzipped(chunks: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """Return ``chunks`` as one gzip member, compressed in a worker thread."""
    from .parts import GzipMembers, hold_trailer

    async def compressed() -> AsyncGenerator[bytes, None]:
        output = GzipMembers(None)
        async with contextlib.aclosing(chunks) as body:
            async for chunk in body:
                if out := await output.compress(chunk):
                    yield out
        yield await output.finish()

    return hold_trailer(compressed())


async def _estimate_rows(conn: Any, compiled: CompiledQuery) -> int | None:
    """Return the planner's estimate of the rows of ``compiled`` (None if unavailable)."""
    import json

    import asyncpg

    # A savepoint: a failed EXPLAIN must not abort the export's transaction. (asyncpg's
    # conn.transaction() refuses to nest in the Transaction's manually started one.)
    await conn.execute("SAVEPOINT cursor_stream_estimate")
    try:
        plan = await conn.fetchval("EXPLAIN (FORMAT JSON) " + compiled.sql, *compiled.params)
        if isinstance(plan, str):
            plan = json.loads(plan)  # the json codec (parity.install_codecs) parses it already
        rows = int(plan[0]["Plan"]["Plan Rows"])
    except (asyncpg.PostgresError, ValueError, KeyError, IndexError, TypeError):
        await conn.execute("ROLLBACK TO SAVEPOINT cursor_stream_estimate")
        return None
    await conn.execute("RELEASE SAVEPOINT cursor_stream_estimate")
    return rows
