"""The exceptions of cursor_stream: one base class, configuration errors that are also Django's."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class CursorStreamError(Exception):
    """Base class of every error cursor_stream raises on purpose."""


class ConfigurationError(CursorStreamError, ImproperlyConfigured):
    """A setting (``DATABASES`` or ``CURSOR_STREAM``) cannot be used as given."""


class ConnectError(CursorStreamError):
    """The PostgreSQL server could not be reached or refused the connection."""


class CompileError(CursorStreamError):
    """A QuerySet cannot be turned into SQL for streaming."""


class QueryError(CursorStreamError):
    """The server refused or aborted the query; the message is the server's."""


class StreamTimeout(QueryError, TimeoutError):
    """A statement, idle or client-side deadline expired."""


class ConnectionLost(QueryError):
    """The connection to the server broke while the export was running."""


class InvalidArgument(CursorStreamError, ValueError):
    """An argument is out of range or of the wrong kind (a negative limit, prefetch 0, ...)."""


class ExportsBusy(CursorStreamError):
    """Every export connection allowed by ``CURSOR_STREAM['MAX_CONNECTIONS']`` is in use."""
