"""Stream Django QuerySets of any size out of PostgreSQL with constant memory.

The public API is imported lazily (PEP 562), so ``INSTALLED_APPS`` can list ``cursor_stream``
without importing asyncpg or touching settings before Django is set up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "stream": "streaming",
    "stream_batches": "streaming",
    "take": "streaming",
    "fetch_page": "streaming",
    "columns": "streaming",
    "transaction": "streaming",
    "Transaction": "streaming",
    # Deprecated names of transaction() and Transaction (they warn).
    "snapshot": "streaming",
    "Snapshot": "streaming",
    "StreamOptions": "streaming",
    "Column": "sql",
    "CompiledQuery": "sql",
    "compile_source": "sql",
    "CursorStreamError": "exceptions",
    "ConfigurationError": "exceptions",
    "ConnectError": "exceptions",
    "CompileError": "exceptions",
    "QueryError": "exceptions",
    "StreamTimeout": "exceptions",
    "ConnectionLost": "exceptions",
    "InvalidArgument": "exceptions",
    "ExportsBusy": "exceptions",
}

__all__ = [
    "Column",
    "CompileError",
    "CompiledQuery",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLost",
    "CursorStreamError",
    "ExportsBusy",
    "InvalidArgument",
    "QueryError",
    "StreamOptions",
    "StreamTimeout",
    "Transaction",
    "columns",
    "compile_source",
    "fetch_page",
    "stream",
    "stream_batches",
    "take",
    "transaction",
]

if TYPE_CHECKING:
    from .exceptions import (
        CompileError,
        ConfigurationError,
        ConnectError,
        ConnectionLost,
        CursorStreamError,
        ExportsBusy,
        InvalidArgument,
        QueryError,
        StreamTimeout,
    )
    from .sql import Column, CompiledQuery, compile_source
    from .streaming import (
        StreamOptions,
        Transaction,
        columns,
        fetch_page,
        stream,
        stream_batches,
        take,
        transaction,
    )


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'cursor_stream' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
