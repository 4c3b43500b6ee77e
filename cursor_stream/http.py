"""Streaming HTTP responses that really stream, under ASGI and under WSGI.

Django silently buffers a ``StreamingHttpResponse`` whose iterator kind does not match the server
(an async iterator under WSGI, a sync one under ASGI) into one list, with only a warning
(docs/architecture.md §2). So each response gets exactly the kind its server consumes:

* ASGI: :class:`AsyncChunks`, the export's async generator, consumed on the server's event loop.
* WSGI: :class:`ThreadedChunks`, a sync iterator fed by one event-loop thread per response
  through a bounded queue (an asyncpg connection belongs to the loop that created it).

Both have a thread-safe ``close()``: Django calls ``response.close()`` from a worker thread once
the server is done with the response (normally, or because the client went away), and that must
stop the export and release its transaction and connection at once rather than whenever the
garbage collector gets to the suspended generator.

Which kind the server consumes is decided by the request's handler: the ``request`` given, else
the handler class that sent ``request_started`` for the request being served (remembered per
thread and per context, see :func:`handler_is_async`), never a guess from a running event loop
alone (a sync view under ASGI runs in a worker thread without one).

Everything that can fail because of the request (unknown format or field, a filter value that
does not compile) fails in :func:`streaming_response`, synchronously, before a byte is sent, as
``BadRequest`` (HTTP 400). A database that cannot be reached while preparing (connection
refused, lost, timed out) is a 503 logged as an error; a query the server refuses is the
view's bug, an exception and so a 500. A database error after the status line went out cannot
change the status any more: it is logged with the export's identity, an explicit error marker
ends the body where the format allows one, and the error is re-raised so the server aborts the
chunked transfer (the client sees a truncated download, never a silent success).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import json
import logging
import queue
import threading
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import BadRequest, FieldError
from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header

from .exceptions import (
    CompileError,
    ConnectError,
    ConnectionLost,
    CursorStreamError,
    ExportsBusy,
    InvalidArgument,
    StreamTimeout,
)
from .streaming import reserve_slot

if TYPE_CHECKING:
    from .export import ExportOptions, PreparedExport

logger = logging.getLogger("cursor_stream.http")

#: Chunks buffered between the loop thread and the WSGI server thread (per response).
QUEUE_CHUNKS = 8

#: How long ``close()`` waits for the export to release its connection (seconds).
CLOSE_WAIT = 5.0

#: Formats whose rows are lines of text, where a final error line is unmistakable.
_LINE_FORMATS = {"csv", "tsv", "jsonl"}


@dataclass(frozen=True)
class ExportIdentity:
    """What the log says about one export: enough to find the request and the query again."""

    id: str
    source: str
    format: str
    alias: str
    path: str = ""
    user: str = ""

    def __str__(self) -> str:
        parts = [
            f"export {self.id}",
            f"of {self.source}",
            f"as {self.format}",
            f"on {self.alias!r}",
        ]
        if self.path:
            parts.append(f"for {self.path}")
        if self.user:
            parts.append(f"by {self.user}")
        return " ".join(parts)


def export_label(export_id: str) -> str:
    """Return what an export's connection appends to ``application_name``."""
    return f"cursor_stream export {export_id}"


def error_trailer(format_name: str, identity: ExportIdentity, exc: BaseException) -> bytes:
    """Return the bytes that mark a text export as incomplete ('' when the format has none).

    The marker names the error class and the export id, never the server's message (which may
    quote data or SQL): the details are in the server log under the same id.
    """
    if format_name not in _LINE_FORMATS:
        # JSON: the missing closing bracket already makes the document invalid; binary formats
        # (xlsx) are unreadable when cut. Anything appended could only make them look repaired.
        return b""
    kind = type(exc).__name__
    if format_name == "jsonl":
        record = {"cursor_stream_error": f"export incomplete: {kind}", "export": identity.id}
        return (json.dumps(record) + "\n").encode()
    return (
        f"#ERROR: export incomplete ({kind}); see the server log, export {identity.id}\n".encode()
    )


async def guarded_chunks(
    chunks: AsyncIterator[bytes], format_name: str, identity: ExportIdentity
) -> AsyncGenerator[bytes, None]:
    """Yield ``chunks``; on a database error, log it, yield the error marker and re-raise."""
    last = b"\n"
    try:
        async with contextlib.aclosing(chunks) as it:  # type: ignore[type-var]
            async for chunk in it:
                if chunk:
                    last = chunk
                    yield chunk
    except (CursorStreamError, OSError) as exc:
        logger.error("%s failed after the response started: %s", identity, exc, exc_info=exc)
        trailer = error_trailer(format_name, identity, exc)
        if trailer:
            # Start the marker on a line of its own even if the last chunk ended mid-row.
            yield trailer if last.endswith(b"\n") else b"\n" + trailer
        raise


# --------------------------------------------------------------------------------------------
# ASGI: the async generator itself, with a close() that works from any thread


class AsyncChunks:
    """An async iterator over an export's chunks, for ASGI servers.

    Django (5.x, 6.x) closes a streaming response by calling ``response.close()`` through
    ``sync_to_async``, i.e. from a worker thread while the event loop waits. When the client
    disconnects while Django is blocked in ``send()``, the response task is cancelled at that
    ``await send(...)``, not inside our generator, so the generator stays suspended with its
    transaction open until the garbage collector finalises it. ``close()`` therefore schedules
    ``aclose()`` on the loop that runs the generator, and waits for it when called off-loop.
    """

    def __init__(self, agen: AsyncGenerator[bytes, None]) -> None:
        self._agen = agen
        self._loop: asyncio.AbstractEventLoop | None = None
        self._close_requested = False

    def __aiter__(self) -> AsyncChunks:
        return self

    async def __anext__(self) -> bytes:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        if self._close_requested:
            await self._agen.aclose()
            raise StopAsyncIteration
        return await self._agen.__anext__()

    async def aclose(self) -> None:
        """Stop the export and release its connection."""
        if getattr(self._agen, "ag_running", False):
            # Another task is inside __anext__ right now; it stops at its next step.
            self._close_requested = True
            return
        await self._agen.aclose()

    def close(self) -> None:
        """Stop the export from any thread (Django calls this from a worker thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            # Never iterated: the generator has not started, so it holds no connection.
            self._close_requested = True
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            # Called on the loop itself: we cannot block it, so clean up in a task.
            task = loop.create_task(self.aclose())
            _background_tasks.add(task)
            task.add_done_callback(_background_tasks.discard)
            return
        try:
            future = asyncio.run_coroutine_threadsafe(self.aclose(), loop)
        except RuntimeError:  # the loop stopped meanwhile
            return
        with contextlib.suppress(Exception):
            # Wait so that the connection is released when close() returns; the loop is free
            # (Django awaits this call), and the stream's own close timeout bounds the wait.
            future.result(timeout=CLOSE_WAIT)


_background_tasks: set[asyncio.Task[None]] = set()


# --------------------------------------------------------------------------------------------
# WSGI: one event-loop thread per response, a bounded queue, a thread-safe close()

_DONE = object()


class ThreadedChunks:
    """A sync iterator over an export's chunks, for WSGI servers.

    The async generator runs in its own thread with its own event loop, started on the first
    ``next()``; up to :data:`QUEUE_CHUNKS` chunks wait in a bounded queue, so the database keeps
    streaming while the server writes to the client, and memory stays bounded when the client
    is slow. ``close()`` (called by the WSGI server from its own thread when the response ends
    or the client went away) cancels the loop-side task, which closes cursor, transaction and
    connection in its ``finally`` blocks, and waits for the thread to finish.
    """

    def __init__(
        self, agen_factory: Callable[[], AsyncGenerator[bytes, None]], *, name: str = "export"
    ) -> None:
        self._factory = agen_factory
        self._name = name
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._space: asyncio.Event | None = None
        self._closed = False
        self._finished = False
        self._sentinel_sent = False

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        chunk = self.next_chunk()
        assert chunk is not None
        return chunk

    def next_chunk(self, timeout: float | None = None) -> bytes | None:
        """Return the next chunk, or None when none came within ``timeout`` seconds.

        Raises StopIteration at the end (and the export's error, if it failed). A background
        job waits with a timeout, so that it notices a cancellation while no rows arrive.
        """
        if self._finished:
            raise StopIteration
        self._start()
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if self._loop is not None and self._space is not None:
            # Tell the producer there is room again (it waits on the loop, not on the queue).
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._space.set)
        if item is _DONE:
            self._finished = True
            self._join()
            raise StopIteration
        if isinstance(item, BaseException):
            self._finished = True
            self._join()
            raise item
        return item  # type: ignore[no-any-return]

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            if self._closed:
                self._finished = True
                raise StopIteration
            ready = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(ready,), name=f"cursor-stream-{self._name}", daemon=True
            )
            self._thread.start()
        ready.wait()

    def _run(self, ready: threading.Event) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._space = asyncio.Event()
            self._task = asyncio.current_task()  # type: ignore[assignment]
            ready.set()
            await self._pump()

        # asyncio.Runner, like asyncio.run(), cancels and awaits whatever tasks the export left
        # behind and finalises async generators before closing the loop; a bare loop.close()
        # would leave them pending ("Task was destroyed but it is pending").
        try:
            with asyncio.Runner() as runner:
                runner.run(main())
        except BaseException:  # cancelled by close(): the queue already has its sentinel
            pass
        finally:
            if not self._sentinel_sent:
                # Ended before the pump even started: still wake a waiting consumer.
                self._force_put(_DONE)
            ready.set()

    async def _pump(self) -> None:
        outcome: Any = _DONE
        try:
            try:
                async with contextlib.aclosing(self._factory()) as chunks:
                    async for chunk in chunks:
                        await self._put(chunk)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:
                outcome = exc
            # The end (or the error) waits for room like any chunk: never drop the last rows.
            await self._put(outcome)
        except asyncio.CancelledError:
            # close() cancelled us: the consumer is done, so making room by dropping is fine.
            self._force_put(_DONE)
            raise
        finally:
            self._sentinel_sent = True

    async def _put(self, chunk: bytes) -> None:
        assert self._space is not None
        while True:
            try:
                self._queue.put_nowait(chunk)
                return
            except queue.Full:
                # Cleared before re-checking, so a get() in between (which schedules set())
                # cannot be missed.
                self._space.clear()
                if not self._queue.full():
                    continue
                await self._space.wait()

    def _force_put(self, item: Any) -> None:
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()

    def close(self) -> None:
        """Stop the export and wait until its connection is released (thread-safe)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._finished = True
        if thread is None:
            return  # never started: nothing was opened
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop already finished
                loop.call_soon_threadsafe(task.cancel)
        self._join()

    def _join(self) -> None:
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(CLOSE_WAIT)
            if thread.is_alive():
                logger.warning("The %s thread did not stop within %s s.", self._name, CLOSE_WAIT)


# --------------------------------------------------------------------------------------------
# The response


# The handler serving the current request, as ``request_started`` names it (its sender). It is
# kept in two places because Django delivers the signal in two ways. WSGIHandler sends it in the
# request's own thread and context: a context variable reaches the view, and also an async
# view, which async_to_sync() runs in another thread with a copy of the context. ASGIHandler
# sends it with Signal.asend(), which runs sync receivers through sync_to_async() inside an
# asyncio.gather() task, so a context variable set there never reaches the request; but the
# receiver runs in the request's thread-sensitive worker thread (asgiref's
# ThreadSensitiveContext), the very thread that then runs a sync view: a thread-local does.
# (django/core/handlers/asgi.py and wsgi.py send the signal; django/dispatch/dispatcher.py,
# Signal.asend(), gathers the receivers.)
_handler_var: contextvars.ContextVar[type | None] = contextvars.ContextVar(
    "cursor_stream_handler", default=None
)
_handler_local = threading.local()


def _request_started(sender: type, **kwargs: Any) -> None:
    _handler_var.set(sender)
    _handler_local.handler = sender


def _request_finished(sender: Any, **kwargs: Any) -> None:
    _handler_var.set(None)
    _handler_local.handler = None


request_started.connect(_request_started, dispatch_uid="cursor_stream.http.request_started")
request_finished.connect(_request_finished, dispatch_uid="cursor_stream.http.request_finished")


def handler_is_async() -> bool | None:
    """Return whether the handler serving the current request consumes async iterators.

    The handler is the sender of ``request_started`` for this request: ASGIHandler (and the
    test AsyncClient's handler) have an async ``__call__``, WSGIHandler (and the test Client's)
    a sync one. None when no request is being served here (code outside a request).
    """
    handler = None
    if not _on_event_loop():
        # On an event loop the thread-local is not the request's: the server's loop thread
        # serves many requests and runs no sync receiver.
        handler = getattr(_handler_local, "handler", None)
    if handler is None:
        handler = _handler_var.get()
    if handler is None:
        return None
    return inspect.iscoroutinefunction(handler.__call__)


def is_asgi_request(request: HttpRequest | None) -> bool:
    """Return True when ``request`` came through Django's ASGI handler.

    Without a request, ask the handler serving the current request (:func:`handler_is_async`);
    outside any request, code running on an event loop is taken as ASGI. Pass
    ``asynchronous=`` to :func:`streaming_response` to decide explicitly.
    """
    if request is not None:
        from django.core.handlers.asgi import ASGIRequest

        return isinstance(request, ASGIRequest)
    serving = handler_is_async()
    if serving is not None:
        return serving
    return _on_event_loop()


def describe_source(source: Any) -> str:
    """Return a short description of a QuerySet or SQL source for logs."""
    model = getattr(source, "model", None)
    if model is not None:
        return f"{model._meta.label} queryset"
    text = " ".join(str(source).split())
    return f"SQL {text[:60]!r}"


def streaming_response(
    source: Any,
    params: Any = None,
    *,
    format: str = "csv",
    filename: str | None = None,
    fields: Any = None,
    using: str | None = None,
    request: HttpRequest | None = None,
    asynchronous: bool | None = None,
    options: ExportOptions | None = None,
    **option_overrides: Any,
) -> HttpResponseBase:
    """Return a ``StreamingHttpResponse`` that streams an export of ``source``.

    ``source`` is a QuerySet or SQL (with ``params``); ``filename`` gets the format's extension
    unless it has one (default ``export.<ext>``); ``fields`` picks and orders the exported
    columns; keyword options (``header``, ``bom``, ``escape_formulas``, ``timezone``, ...)
    override those of ``options``. Without ``fields`` the columns are those the QuerySet loads,
    minus ``CURSOR_STREAM['SENSITIVE_FIELDS']``. Formula escaping is on by default here (a
    browser download usually ends up in a spreadsheet; it applies to CSV and TSV only). The
    content is an async iterator when the request is served through ASGI and a sync iterator
    under WSGI, as ``request`` says, else the handler serving the current request (or as
    ``asynchronous`` says).

    The query is compiled and validated now: a bad format, field or filter value raises
    ``BadRequest`` (HTTP 400) before anything is sent. A database that cannot be reached
    (``ConnectError``, ``ConnectionLost``, ``StreamTimeout`` while describing raw SQL) or whose
    every export connection is taken answers 503 with ``Retry-After``. Anything else is the
    view's or the project's error and propagates (HTTP 500, logged by Django): a bad option,
    a ``ConfigurationError``, a ``QueryError`` for SQL the server refuses (the SQL is the
    view's; a view that takes SQL from its caller should catch ``QueryError`` and answer 400).
    Call from sync or async views.
    """
    from .export import ExportOptions, prepare_export

    base = options if options is not None else ExportOptions(escape_formulas=True)
    opts = replace(base, format=format, **option_overrides)  # TypeError: the view's mistake
    try:
        prepared = prepare_export(source, params, fields=fields, using=using, options=opts)
    except ExportsBusy as exc:
        # Raw SQL is described by the server while preparing: that connection can find every
        # place taken, which is the same 503 as for the export itself.
        return _busy_response(exc, describe_source(source))
    except (ConnectError, ConnectionLost, StreamTimeout) as exc:
        return _unavailable_response(exc, describe_source(source))
    except (InvalidArgument, CompileError, FieldError, TypeError, ValueError) as exc:
        # The caller's input: fields, format and filter values usually come from the request.
        # (Checked after the database errors: none of those is a ValueError.)
        raise BadRequest(f"Cannot export this data: {exc}") from exc
    return response_for(
        prepared,
        filename=filename,
        request=request,
        asynchronous=asynchronous,
        description=describe_source(source),
    )


def response_for(
    prepared: PreparedExport,
    *,
    filename: str | None = None,
    request: HttpRequest | None = None,
    asynchronous: bool | None = None,
    description: str = "export",
) -> HttpResponseBase:
    """Return the streaming response of an already prepared (validated) export."""
    fmt = prepared.format
    user = getattr(request, "user", None) if request is not None else None
    identity = ExportIdentity(
        id=uuid.uuid4().hex[:12],
        source=description,
        format=fmt.name,
        alias=prepared.alias,
        path=request.get_full_path() if request is not None else "",
        user=str(user.get_username()) if user is not None and user.is_authenticated else "",
    )
    # pg_stat_activity shows which export a session belongs to (the id of the log lines and
    # of the X-Export-Id header), next to the project's own application_name.
    prepared = replace(
        prepared, connect_params=prepared.connect_params.labelled(export_label(identity.id))
    )
    if asynchronous is None:
        asynchronous = is_asgi_request(request)
    if prepared.serial_reason is not None:
        logger.info(
            "%s runs on one connection, not %d: %s.",
            identity,
            prepared.options.jobs,
            prepared.serial_reason,
        )
    try:
        # Reserve the connection places now (all the jobs' at once), before the status line,
        # so that a busy server answers 503 rather than a 200 whose body fails at once. Waiting
        # is only allowed off the event loop (sync views); async views get an answer at once.
        slot = reserve_slot(
            prepared.alias,
            prepared.stream_options,
            block=not _on_event_loop(),
            count=prepared.jobs,
        )
    except ExportsBusy as exc:
        return _busy_response(exc, str(identity))

    def chunks() -> AsyncGenerator[bytes, None]:
        return guarded_chunks(prepared.achunks(slot=slot), fmt.name, identity)

    content: Any = (
        AsyncChunks(chunks()) if asynchronous else ThreadedChunks(chunks, name=identity.id)
    )
    response = StreamingHttpResponse(content, content_type=_content_type(fmt))
    if slot is not None:
        # Never iterated (the client left before the body started): give the place back when
        # the server closes the response. Idempotent: the export may have released it already.
        response._resource_closers.append(slot.release)
    if filename is None:
        filename = "export"
    if "." not in filename:
        filename = f"{filename}.{fmt.extension}"
    disposition = content_disposition_header(True, filename)
    if disposition:
        response["Content-Disposition"] = disposition
    # Reverse proxies (nginx) would otherwise buffer the whole download before sending it on.
    response["X-Accel-Buffering"] = "no"
    response["Cache-Control"] = "no-store"
    response["X-Export-Id"] = identity.id
    logger.info("Streaming %s.", identity)
    return response


def _busy_response(exc: ExportsBusy, what: str) -> HttpResponse:
    logger.warning("Refused %s: %s", what, exc)
    busy = HttpResponse(f"{exc}\n", status=503, content_type="text/plain; charset=utf-8")
    busy["Retry-After"] = "5"
    busy["Cache-Control"] = "no-store"
    return busy


def _unavailable_response(exc: CursorStreamError, what: str) -> HttpResponse:
    # Logged as an error with its traceback (error trackers, and Django's own log of the 503
    # reaches ADMINS); the client learns only that it may retry, not where the database is.
    logger.error("Could not prepare %s: %s", what, exc, exc_info=exc)
    unavailable = HttpResponse(
        "The export's database is unavailable; try again later.\n",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    unavailable["Retry-After"] = "5"
    unavailable["Cache-Control"] = "no-store"
    return unavailable


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _content_type(fmt: Any) -> str:
    content_type = str(fmt.content_type)
    if not fmt.binary and "charset" not in content_type:
        content_type += "; charset=utf-8"
    return content_type
