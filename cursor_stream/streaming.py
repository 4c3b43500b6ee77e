"""The async core: one connection, one read-only transaction, server-side cursors.

Every query runs inside a transaction (``REPEATABLE READ, READ ONLY`` by default) through a
server-side cursor (an asyncpg portal) that fetches ``prefetch`` rows per round trip. However the
consumer stops (end of rows, ``break``, an exception, task cancellation, ``aclose()``, or dropping
the iterator), the ``finally`` blocks close the connection, which ends the transaction on the
server at once; nothing waits for the garbage collector.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import warnings
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, TypeVar

import asyncpg

from .conf import get_settings
from .connection import ConnectParams, connect, connect_params, resolve_alias
from .exceptions import (
    ConnectionLost,
    CursorStreamError,
    InvalidArgument,
    QueryError,
    StreamTimeout,
)
from .params import param_type_sql, plan_arguments
from .parity import (
    batch_normalizer,
    install_codecs,
    install_extension_codecs,
    needs_extension_codecs,
)
from .render import quote_literal
from .slots import ConnectionSlot, busy_error, slot_pool
from .sql import Column, CompiledQuery, compile_source, compile_sql
from .sqltext import quote_ident

T = TypeVar("T")

Params = Sequence[Any] | Mapping[str, Any] | None

_ISOLATION_SQL = {
    "read_committed": "READ COMMITTED",
    "repeatable_read": "REPEATABLE READ",
    "serializable": "SERIALIZABLE",
}

#: How long a graceful close may take before the socket is simply dropped (seconds).
CLOSE_TIMEOUT = 1.0


@dataclass(frozen=True)
class StreamOptions:
    """How the transaction and the cursors of one export behave (from ``CURSOR_STREAM``)."""

    prefetch: int = 2000
    isolation: str = "repeatable_read"
    read_only: bool = True
    statement_timeout: int | None = None
    idle_in_transaction_session_timeout: int | None = None
    command_timeout: float | None = None
    max_connections: int | None = None
    connection_wait: float = 10.0

    @classmethod
    def from_settings(cls, **overrides: Any) -> StreamOptions:
        """Return the options of ``CURSOR_STREAM``, with non-None ``overrides`` applied."""
        conf = get_settings()
        options = cls(
            prefetch=conf.prefetch,
            isolation=conf.isolation,
            read_only=conf.read_only,
            statement_timeout=conf.statement_timeout,
            idle_in_transaction_session_timeout=conf.idle_in_transaction_session_timeout,
            command_timeout=conf.command_timeout,
            max_connections=conf.max_connections,
            connection_wait=conf.connection_wait,
        )
        changes = {k: v for k, v in overrides.items() if v is not None}
        if "prefetch" in changes:
            _check_count("prefetch", changes["prefetch"], minimum=1)
        return replace(options, **changes) if changes else options


def _check_count(name: str, value: Any, *, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidArgument(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return value


# --------------------------------------------------------------------------------------------
# Errors


def translate_error(exc: BaseException, sql: str | None = None) -> CursorStreamError | None:
    """Return the cursor_stream error for an asyncpg/OS error (None when it is not one)."""
    if isinstance(exc, CursorStreamError):
        return exc
    if isinstance(exc, asyncpg.QueryCanceledError):
        text = str(exc)
        if "statement timeout" in text:
            return StreamTimeout(f"The query was cancelled by statement_timeout: {text}")
        return QueryError(f"The query was cancelled on the server: {text}")
    if isinstance(exc, asyncpg.IdleInTransactionSessionTimeoutError):
        return StreamTimeout(
            f"The server ended the export's session (idle_in_transaction_session_timeout): {exc}"
        )
    if isinstance(
        exc,
        (
            asyncpg.AdminShutdownError,
            asyncpg.CrashShutdownError,
            asyncpg.ConnectionFailureError,
            asyncpg.ConnectionDoesNotExistError,
            asyncpg.CannotConnectNowError,
        ),
    ):
        return ConnectionLost(f"Connection lost to the PostgreSQL server: {exc}")
    if isinstance(exc, asyncpg.PostgresError):
        return QueryError(_describe_server_error(exc, sql))
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return StreamTimeout("No answer from the PostgreSQL server within the command timeout.")
    if isinstance(exc, (ConnectionError, OSError)):
        return ConnectionLost(f"Connection lost to the PostgreSQL server: {exc}")
    if isinstance(exc, asyncpg.InternalClientError):
        # asyncpg's protocol state machine gives up like this when the server ends the session
        # in the middle of an operation (pg_terminate_backend arriving during a fetch).
        return ConnectionLost(f"Connection lost to the PostgreSQL server ({exc})")
    if isinstance(exc, asyncpg.InterfaceError) and "connection" in str(exc).lower():
        return ConnectionLost(f"Connection lost to the PostgreSQL server: {exc}")
    if isinstance(exc, asyncpg.DataError):
        return QueryError(f"A query parameter could not be sent to the server: {exc}")
    return None


def _describe_server_error(exc: asyncpg.PostgresError, sql: str | None) -> str:
    message = getattr(exc, "message", None) or str(exc)
    parts = [message]
    position = getattr(exc, "position", None)
    if position and sql:
        try:
            pos = int(position)
        except ValueError:
            pos = 0
        if pos > 0:
            line = sql.count("\n", 0, pos - 1) + 1
            start = max(0, pos - 21)
            snippet = sql[start : pos + 20].replace("\n", " ")
            parts.append(f"at position {pos} (line {line}): ...{snippet}...")
    elif position:
        parts.append(f"at position {position}")
    detail = getattr(exc, "detail", None)
    if detail:
        parts.append(f"Detail: {detail}")
    hint = getattr(exc, "hint", None)
    if hint:
        parts.append(f"Hint: {hint}")
    code = getattr(exc, "sqlstate", None)
    return f"PostgreSQL error {code}: " + "; ".join(parts) if code else "; ".join(parts)


@contextlib.contextmanager
def _translated(sql: str | None = None) -> Any:
    try:
        yield
    except CursorStreamError:
        raise
    except (
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        asyncpg.InternalClientError,
        OSError,
        TimeoutError,
    ) as exc:
        translated = translate_error(exc, sql)
        if translated is None:
            raise
        raise translated from exc


def _is_cancelling(conn: asyncpg.Connection) -> bool:
    """Return True while asyncpg is cancelling an interrupted operation on ``conn``."""
    probe = getattr(getattr(conn, "_protocol", None), "_is_cancelling", None)
    try:
        return bool(probe()) if probe is not None else False
    except Exception:
        return False


# --------------------------------------------------------------------------------------------
# Connection limit (slots.py)


def reserve_slot(
    alias: str, options: StreamOptions, *, block: bool, count: int = 1
) -> ConnectionSlot | None:
    """Reserve ``count`` connection places now, from sync code (None when there is no limit).

    HTTP responses reserve before their status line goes out, so that a busy server answers
    503 instead of a 200 that fails at once. With ``block`` the calling thread waits up to
    ``CONNECTION_WAIT`` (never do that on an event loop's thread); raises :class:`ExportsBusy`.
    All ``count`` places are taken at once or none (see :mod:`cursor_stream.slots`).
    """
    limit = options.max_connections
    if limit is None:
        return None
    pool = slot_pool(alias, limit)
    wait = options.connection_wait if block else 0.0
    slot = pool.acquire(count, wait=wait) if block else pool.try_acquire(count)
    if slot is None:
        raise busy_error(alias, limit, wait, count)
    return slot


async def acquire_slot(alias: str, options: StreamOptions, count: int = 1) -> ConnectionSlot | None:
    """Wait (on the event loop) up to ``CONNECTION_WAIT`` for ``count`` places at once."""
    limit = options.max_connections
    if limit is None:
        return None
    wait = options.connection_wait
    slot = await slot_pool(alias, limit).aacquire(count, wait=wait)
    if slot is None:
        raise busy_error(alias, limit, wait, count)
    return slot


# --------------------------------------------------------------------------------------------
# Transaction: one connection + one transaction


class TransactionState(enum.Enum):
    """The life of a :class:`Transaction`: each is opened once and closed once."""

    NEW = "new"
    OPENING = "opening"
    OPEN = "open"
    CLOSED = "closed"


class Transaction:
    """One connection and one read-only transaction: any number of queries, one snapshot.

    Use as ``async with transaction() as txn:``; the connection is opened on entry and closed on
    exit (which ends the transaction on the server), also when the block is cancelled. Queries
    passed to its methods must already be compiled or be QuerySets/SQL for its alias. A
    transaction is entered once: entering it again (while open, or after it closed) raises,
    rather than silently reading from another transaction.

    Parallel exports share one snapshot the way ``pg_dump -j`` does (PostgreSQL's "Snapshot
    Synchronization Functions" and ``SET TRANSACTION SNAPSHOT`` pages): the leader, opened with
    ``exporting=True``, calls :meth:`export_snapshot`; every part opens a transaction with
    ``snapshot=<that id>``, which imports it as the first thing it does, and then sees exactly
    the rows the leader sees. The id is valid only while the leader's transaction is open.
    """

    def __init__(
        self,
        params: ConnectParams,
        options: StreamOptions | None = None,
        *,
        slot: ConnectionSlot | None = None,
        snapshot: str | None = None,
        exporting: bool = False,
    ) -> None:
        self.params = params
        self.options = options or StreamOptions()
        self._conn: asyncpg.Connection | None = None
        self.state = TransactionState.NEW
        # One asyncpg connection runs one operation at a time; several cursors of the same
        # transaction may be consumed in turns, so every round trip takes this lock.
        self._lock = asyncio.Lock()
        #: A connection place reserved beforehand (reserve_slot), used instead of waiting.
        self._slot: ConnectionSlot | None = slot
        #: The exported snapshot this transaction imports (None: a snapshot of its own).
        self.imported_snapshot = snapshot
        #: True for a parallel export's leader, whose snapshot the parts import.
        self.exporting = exporting
        #: The id given by :meth:`export_snapshot`.
        self.snapshot_id: str | None = None

    @property
    def alias(self) -> str:
        return self.params.alias

    @property
    def connection(self) -> asyncpg.Connection:
        """Return the open asyncpg connection (inside the transaction)."""
        if self._conn is None or self.state is not TransactionState.OPEN:
            raise CursorStreamError(
                f"The transaction is {self.state.value}, not open; use 'async with transaction():'."
            )
        return self._conn

    async def __aenter__(self) -> Transaction:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def open(self) -> None:
        """Connect and begin the transaction (once; see :class:`TransactionState`)."""
        if self.state is not TransactionState.NEW:
            raise CursorStreamError(
                f"This transaction is already {self.state.value}: a transaction is opened once. "
                "Create another one (transaction()) for another transaction."
            )
        self.state = TransactionState.OPENING
        if self._slot is not None and not self._slot.held:
            self._slot = None  # a reservation already used and given back
        if self._slot is None:
            self._slot = await acquire_slot(self.alias, self.options)
        try:
            conn = await connect(self.params, set_role=False)
            try:
                await install_codecs(conn)
                with _translated():
                    await conn.execute(self._begin_sql(conn))
            except BaseException:
                conn.terminate()
                raise
        except BaseException:
            self.state = TransactionState.CLOSED
            self._release_slot()
            raise
        self._conn = conn
        self.state = TransactionState.OPEN

    async def export_snapshot(self) -> str:
        """Return the id of this transaction's snapshot, for other transactions to import.

        ``pg_export_snapshot()``: the id can be imported (``Transaction(snapshot=id)``) from any
        connection to the same server, in this process or another, for as long as this
        transaction stays open.
        """
        if not self.exporting:
            raise CursorStreamError(
                "Only a transaction opened with exporting=True exports its snapshot (it is "
                "begun as the parts that import it need)."
            )
        if self.snapshot_id is None:
            with _translated():
                async with self._lock:
                    self.snapshot_id = str(
                        await self.connection.fetchval("SELECT pg_export_snapshot()")
                    )
        return self.snapshot_id

    def abort(self, conn: asyncpg.Connection | None = None) -> None:
        """Drop the connection at once (no round trip); the server rolls back when it notices."""
        conn = conn or self._conn
        self._conn = None
        self.state = TransactionState.CLOSED
        try:
            if conn is not None:
                conn.terminate()
        finally:
            self._release_slot()

    def _release_slot(self) -> None:
        slot, self._slot = self._slot, None
        if slot is not None:
            slot.release()

    def _isolation_sql(self) -> str:
        opts = self.options
        access = "READ ONLY" if opts.read_only else "READ WRITE"
        isolation = opts.isolation
        if self.exporting or self.imported_snapshot is not None:
            if isolation == "serializable" and opts.read_only and self.exporting:
                # As pg_dump --serializable-deferrable: wait for a snapshot no concurrent
                # serializable transaction can invalidate; the parts then read it under
                # REPEATABLE READ (src/bin/pg_dump/pg_dump.c, setup_connection()).
                return f"SERIALIZABLE {access} DEFERRABLE"
            if isolation != "serializable" or self.imported_snapshot is not None:
                # Importing a snapshot needs REPEATABLE READ or SERIALIZABLE; a READ COMMITTED
                # leader would export the snapshot of one statement and then move on.
                return f"REPEATABLE READ {access}"
        return f"{_ISOLATION_SQL[isolation]} {access}"

    def _begin_sql(self, conn: asyncpg.Connection) -> str:
        opts = self.options
        statements = [f"BEGIN ISOLATION LEVEL {self._isolation_sql()}"]
        if self.imported_snapshot is not None:
            # Before any query of the transaction, as SET TRANSACTION SNAPSHOT requires.
            statements.append(f"SET TRANSACTION SNAPSHOT {quote_literal(self.imported_snapshot)}")
        if self.params.assume_role:
            statements.append(f"SET LOCAL ROLE {quote_ident(self.params.assume_role)}")
        if opts.statement_timeout is not None:
            statements.append(f"SET LOCAL statement_timeout = {int(opts.statement_timeout)}")
        if opts.idle_in_transaction_session_timeout is not None:
            statements.append(
                "SET LOCAL idle_in_transaction_session_timeout = "
                f"{int(opts.idle_in_transaction_session_timeout)}"
            )
        if conn.get_server_version() >= (14, 0):
            # Let a backend that is busy executing (a big sort, pg_sleep) notice within a second
            # that its client went away, instead of running the query to the end.
            statements.append("SET LOCAL client_connection_check_interval = 1000")
        return ";\n".join(statements)

    async def close(self) -> None:
        """Close the connection; the server rolls the (read-only) transaction back at once."""
        conn, self._conn = self._conn, None
        self.state = TransactionState.CLOSED
        if conn is None or conn.is_closed():
            self._release_slot()
            return
        if self._lock.locked() or _is_cancelling(conn):
            # An operation was interrupted (the consumer went away mid-fetch or mid-COPY): a
            # polite close would first wait for the server to acknowledge the cancel and drain
            # what it already sent. Dropping the socket ends the session at once.
            self.abort(conn)
            return
        try:
            # A graceful close sends Terminate; if the server or network does not answer in
            # time (or we are cancelled again meanwhile) drop the socket instead. asyncpg's own
            # close(timeout=) is not enough: after a timed-out query it first waits, without a
            # deadline, for its cancel request to reach the server, which a dead network path
            # never lets happen.
            await asyncio.wait_for(conn.close(), CLOSE_TIMEOUT)
        except Exception:
            # Timed out, or the connection was already broken: dropping the socket is all that
            # is left to do, and the server ends the session when it sees it go.
            conn.terminate()
        except BaseException:
            conn.terminate()
            raise
        finally:
            self._release_slot()

    # --- queries ------------------------------------------------------------------------------
    def compile(self, source: Any, params: Params = None) -> CompiledQuery:
        """Compile ``source`` for this transaction's alias (sync; no I/O)."""
        if isinstance(source, str):
            # Raw SQL needs no Django compiler: a transaction built from ConnectParams of a server
            # that is not in DATABASES can still run it.
            return compile_sql(source, params, using=self.alias)
        compiled = compile_source(source, params, using=self.alias)
        if compiled.alias != self.alias:
            raise CursorStreamError(
                f"The query runs on database {compiled.alias!r} but the transaction is on "
                f"{self.alias!r}."
            )
        return compiled

    async def _prepare(self, compiled: CompiledQuery) -> Any:
        conn = self.connection
        with _translated(compiled.sql):
            async with self._lock:
                return await conn.prepare(compiled.sql, timeout=self.options.command_timeout)

    async def prepare(self, compiled: CompiledQuery) -> Any:
        """Return the prepared statement of ``compiled``, with the codecs its types need.

        Extension types (``hstore``) have no fixed OID: when the result or a parameter holds
        one, its codec is set up (a round trip) and the statement prepared again.
        """
        stmt = await self._prepare(compiled)
        if compiled.values is not None:
            types = [*stmt.get_attributes(), *stmt.get_parameters()]
            if needs_extension_codecs(types, compiled.values):
                async with self._lock:
                    with _translated(compiled.sql):
                        await install_extension_codecs(self.connection, types, compiled.values)
                stmt = await self._prepare(compiled)
        return stmt

    async def arguments(self, stmt: Any, compiled: CompiledQuery) -> tuple[Any, ...]:
        """Return the parameters of ``compiled`` to bind to ``stmt`` (see ``plan_arguments``).

        Strings where the server expects, say, an integer or a date are parsed by the server in
        one round trip, as it would parse the driver's literal; nothing is sent otherwise.
        """
        if not compiled.params:
            return compiled.params
        profile = compiled.values
        extensions: frozenset[str] = frozenset()
        if profile is not None and needs_extension_codecs(stmt.get_parameters(), profile):
            extensions = frozenset({"hstore"})
        values, parse = plan_arguments(list(stmt.get_parameters()), compiled.params, extensions)
        if parse:
            types = stmt.get_parameters()
            exprs = ", ".join(
                f"${n}::text::{param_type_sql(types[i])}" for n, i in enumerate(parse, 1)
            )
            with _translated(compiled.sql):
                async with self._lock:
                    row = await self.connection.fetchrow(
                        f"SELECT {exprs}", *(values[i] for i in parse)
                    )
            for position, index in enumerate(parse):
                values[index] = row[position]
        return tuple(values)

    async def columns(self, source: Any, params: Params = None) -> list[Column]:
        """Return the result columns (names and PostgreSQL types) without fetching any row."""
        compiled = source if isinstance(source, CompiledQuery) else self.compile(source, params)
        if compiled.empty:
            return [Column(name) for name in compiled.names or ()]
        stmt = await self._prepare(compiled)
        attributes = list(stmt.get_attributes())
        if compiled.col_count is not None:
            attributes = attributes[: compiled.col_count]
        names = compiled.names or tuple(a.name for a in attributes)
        if len(names) != len(attributes):
            names = tuple(a.name for a in attributes)
        return [Column(name, a.type.name) for name, a in zip(names, attributes, strict=True)]

    async def batches(
        self,
        source: Any,
        params: Params = None,
        *,
        prefetch: int | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> AsyncGenerator[list[Any], None]:
        """Yield lists of rows from a server-side cursor, ``prefetch`` rows per round trip."""
        compiled = source if isinstance(source, CompiledQuery) else self.compile(source, params)
        prefetch = _check_count("prefetch", prefetch or self.options.prefetch, minimum=1)
        _check_count("offset", offset, minimum=0)
        if limit is not None:
            _check_count("limit", limit, minimum=0)
        if compiled.empty or limit == 0:
            return
        build = compiled.build_rows
        timeout = self.options.command_timeout
        stmt = await self.prepare(compiled)
        normalize = None
        if compiled.values is not None and build is not None:
            normalize = batch_normalizer(stmt.get_attributes(), compiled.values, compiled.names)
        arguments = await self.arguments(stmt, compiled)
        with _translated(compiled.sql):
            async with self._lock:
                cursor = await stmt.cursor(*arguments, timeout=timeout)
                if offset:
                    await cursor.forward(offset, timeout=timeout)
        remaining = limit
        while True:
            want = prefetch if remaining is None else min(prefetch, remaining)
            with _translated(compiled.sql):
                async with self._lock:
                    records = await cursor.fetch(want, timeout=timeout)
            if not records:
                return
            if remaining is not None:
                remaining -= len(records)
            if normalize is not None:
                records = normalize(records)
            yield build(records) if build is not None else records
            if len(records) < want or remaining == 0:
                return

    async def rows(
        self,
        source: Any,
        params: Params = None,
        *,
        prefetch: int | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> AsyncGenerator[Any, None]:
        """Yield rows one at a time (see :meth:`batches`)."""
        async with contextlib.aclosing(
            self.batches(source, params, prefetch=prefetch, offset=offset, limit=limit)
        ) as batches:
            async for batch in batches:
                for row in batch:
                    yield row

    async def fetch_page(
        self, source: Any, params: Params = None, *, offset: int = 0, count: int
    ) -> list[Any]:
        """Return ``count`` rows after skipping ``offset``: ``cursor.forward()`` + ``fetch()``."""
        _check_count("count", count, minimum=0)
        result: list[Any] = []
        async with contextlib.aclosing(
            self.batches(source, params, prefetch=max(count, 1), offset=offset, limit=count)
        ) as batches:
            async for batch in batches:
                result.extend(batch)
        return result


def transaction(
    using: str | None = None,
    *,
    isolation: str | None = None,
    read_only: bool | None = None,
    prefetch: int | None = None,
) -> Transaction:
    """Return a :class:`Transaction` for a database alias: ``async with transaction() as txn:``.

    Call from sync or async code; settings are read here, the connection opens on entry.
    """
    alias = resolve_alias(using)
    options = StreamOptions.from_settings(
        isolation=isolation, read_only=read_only, prefetch=prefetch
    )
    return Transaction(connect_params(alias), options)


def snapshot(
    using: str | None = None,
    *,
    isolation: str | None = None,
    read_only: bool | None = None,
    prefetch: int | None = None,
) -> Transaction:
    """Deprecated alias of :func:`transaction` (the name now means an exported snapshot)."""
    warnings.warn(
        "cursor_stream.snapshot() is deprecated: use cursor_stream.transaction(), which is the "
        "same one connection + one transaction.",
        DeprecationWarning,
        stacklevel=2,
    )
    return transaction(using, isolation=isolation, read_only=read_only, prefetch=prefetch)


_DEPRECATED = {"Snapshot": "Transaction", "SnapshotState": "TransactionState"}


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        warnings.warn(
            f"cursor_stream.streaming.{name} is deprecated: use {_DEPRECATED[name]}.",
            DeprecationWarning,
            stacklevel=2,
        )
        return globals()[_DEPRECATED[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------------------------
# One-shot streams


def _prepare_stream(
    source: Any, params: Params, using: str | None, prefetch: int | None
) -> tuple[CompiledQuery, Transaction]:
    compiled = compile_source(source, params, using=using)
    options = StreamOptions.from_settings(prefetch=prefetch)
    return compiled, Transaction(connect_params(compiled.alias), options)


def stream(
    source: Any,
    params: Params = None,
    *,
    using: str | None = None,
    prefetch: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Stream[Any]:
    """Stream the rows of a QuerySet or SQL string through a server-side cursor.

    Yields what ``queryset.iterator()`` yields (model instances, dicts, tuples, scalars, named
    tuples, with the ORM's Python values), or asyncpg records for raw SQL. The QuerySet is
    compiled now, so a query that cannot run fails here rather than on the first row; the
    connection opens on the first row asked for. Use ``async with stream(...) as rows:`` (or
    ``contextlib.aclosing``) where the loop may stop early: the transaction ends on exit.
    """
    _check_count("offset", offset, minimum=0)
    if limit is not None:
        _check_count("limit", limit, minimum=0)
    compiled, snap = _prepare_stream(source, params, using, prefetch)
    return Stream(_one_shot_rows(snap, compiled, offset, limit))


def stream_batches(
    source: Any,
    params: Params = None,
    *,
    using: str | None = None,
    prefetch: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Stream[list[Any]]:
    """Like :func:`stream`, but yield each round trip's rows as one list (faster)."""
    _check_count("offset", offset, minimum=0)
    if limit is not None:
        _check_count("limit", limit, minimum=0)
    compiled, snap = _prepare_stream(source, params, using, prefetch)
    return Stream(_one_shot_batches(snap, compiled, offset, limit))


class Stream(AsyncIterator[T]):
    """The rows of one stream: an async iterator that is also an async context manager.

    ``async with stream(qs) as rows: async for row in rows: ...`` ends the transaction and
    closes the connection when the block is left, also by an exception in the loop body, which
    would otherwise leave the suspended iterator (and its transaction) open until the garbage
    collector finalises it. ``aclose()`` does the same by hand; ``contextlib.aclosing`` works too.
    """

    __slots__ = ("_agen",)

    def __init__(self, agen: AsyncGenerator[T, None]) -> None:
        self._agen = agen

    def __aiter__(self) -> AsyncIterator[T]:
        # ``async for`` drives the generator itself: no call of ours per row. (``anext()`` on
        # the Stream works too, through __anext__.)
        return self._agen

    def __anext__(self) -> Awaitable[T]:
        # The generator's own awaitable, not a coroutine of ours: no extra frame per row.
        return self._agen.__anext__()

    async def aclose(self) -> None:
        """Stop the stream: close the cursor, end the transaction, close the connection."""
        await self._agen.aclose()

    async def __aenter__(self) -> Stream[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _one_shot_batches(
    snap: Transaction, compiled: CompiledQuery, offset: int, limit: int | None
) -> AsyncGenerator[list[Any], None]:
    async with (
        snap,
        contextlib.aclosing(snap.batches(compiled, offset=offset, limit=limit)) as batches,
    ):
        async for batch in batches:
            yield batch


async def _one_shot_rows(
    snap: Transaction, compiled: CompiledQuery, offset: int, limit: int | None
) -> AsyncGenerator[Any, None]:
    async with (
        snap,
        contextlib.aclosing(snap.batches(compiled, offset=offset, limit=limit)) as batches,
    ):
        async for batch in batches:
            for row in batch:
                yield row


async def fetch_page(
    source: Any,
    params: Params = None,
    *,
    offset: int = 0,
    count: int,
    using: str | None = None,
) -> list[Any]:
    """Return ``count`` rows after skipping ``offset`` rows, in one transaction."""
    compiled, snap = _prepare_stream(source, params, using, None)
    async with snap:
        return await snap.fetch_page(compiled, offset=offset, count=count)


async def columns(source: Any, params: Params = None, *, using: str | None = None) -> list[Column]:
    """Return the names and PostgreSQL types of the result columns, without fetching rows."""
    compiled, snap = _prepare_stream(source, params, using, None)
    async with snap:
        return await snap.columns(compiled)


async def take(aiterable: AsyncIterable[T], n: int) -> AsyncGenerator[T, None]:
    """Yield at most ``n`` items of ``aiterable`` without ever pulling item ``n + 1``.

    (``async for i, x in enumerate(...): if i == n: break`` reads one item too many, which for a
    cursor can mean one more round trip to the server.) The source is not closed, so it can be
    consumed further; close it, or use ``stream(..., limit=n)`` to bound the server side.
    """
    _check_count("n", n, minimum=0)
    if n == 0:
        return
    iterator = aiter(aiterable)
    for _ in range(n):
        try:
            item = await anext(iterator)
        except StopAsyncIteration:
            return
        yield item
