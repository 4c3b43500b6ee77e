"""The one namespaced setting, ``CURSOR_STREAM``, merged over defaults and read lazily.

Nothing here reads settings at import time; ``override_settings(CURSOR_STREAM=...)`` works because
the cache is cleared on Django's ``setting_changed`` signal (the django-debug-toolbar pattern).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from .exceptions import ConfigurationError

SETTING_NAME = "CURSOR_STREAM"

ISOLATION_LEVELS = ("read_committed", "repeatable_read", "serializable")

DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        # Database alias used when a caller gives none.
        "DATABASE": "default",
        # Extra keyword arguments for asyncpg.connect(), e.g. {"statement_cache_size": 0}.
        "CONNECT_KWARGS": {},
        # OPTIONS keys of DATABASES that asyncpg cannot honour and should be skipped silently.
        "IGNORED_OPTIONS": [],
        # Rows fetched per round trip by the server-side cursor (asyncpg's own default is 50).
        "PREFETCH": 2000,
        # Transaction of every export.
        "ISOLATION": "repeatable_read",
        "READ_ONLY": True,
        # Server-side deadlines in milliseconds (None: the server's own setting).
        "STATEMENT_TIMEOUT": None,
        "IDLE_IN_TRANSACTION_SESSION_TIMEOUT": None,
        # Client-side deadline in seconds for one round trip to the server (None: no deadline).
        "COMMAND_TIMEOUT": None,
        # Most export connections this process opens at once per database (None: no limit), and
        # how long (seconds) an export waits for a free one before failing with ExportsBusy.
        "MAX_CONNECTIONS": None,
        "CONNECTION_WAIT": 10.0,
        # Background exports (the cursor_stream.jobs app); read by cursor_stream.jobs.conf.
        "JOBS_STORAGE": None,
        "JOBS_DIR": None,
        "JOBS_TASK_BACKEND": "default",
        "JOBS_QUEUE": "default",
        "JOBS_HEARTBEAT_TIMEOUT": 30.0,
        "JOBS_MAX_ATTEMPTS": 3,
        "JOBS_CHECKPOINT_ROWS": 100_000,
        "JOBS_SIGNED_URL_EXPIRY": None,
        "JOBS_EMAIL": False,
        "BACKGROUND_ROWS": 1_000_000,
    }
)


@dataclass(frozen=True)
class StreamSettings:
    """The merged ``CURSOR_STREAM`` setting."""

    database: str
    connect_kwargs: Mapping[str, Any] = field(default_factory=dict)
    ignored_options: frozenset[str] = frozenset()
    prefetch: int = 2000
    isolation: str = "repeatable_read"
    read_only: bool = True
    statement_timeout: int | None = None
    idle_in_transaction_session_timeout: int | None = None
    command_timeout: float | None = None
    max_connections: int | None = None
    connection_wait: float = 10.0
    unknown_keys: tuple[str, ...] = ()


def user_settings() -> Mapping[str, Any]:
    """Return the raw ``CURSOR_STREAM`` dict of the project (empty when unset)."""
    value = getattr(settings, SETTING_NAME, None) or {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"The {SETTING_NAME} setting must be a dict, not {type(value).__name__}: {value!r}."
        )
    return value


@functools.cache
def get_settings() -> StreamSettings:
    """Return the ``CURSOR_STREAM`` setting merged over :data:`DEFAULTS` (cached)."""
    raw = user_settings()
    merged = {**DEFAULTS, **raw}
    prefetch = merged["PREFETCH"]
    if not isinstance(prefetch, int) or isinstance(prefetch, bool) or prefetch < 1:
        raise ConfigurationError(
            f"{SETTING_NAME}['PREFETCH'] must be a positive integer, got {prefetch!r}."
        )
    isolation = str(merged["ISOLATION"]).lower().replace(" ", "_")
    if isolation not in ISOLATION_LEVELS:
        raise ConfigurationError(
            f"{SETTING_NAME}['ISOLATION'] must be one of {', '.join(ISOLATION_LEVELS)}, "
            f"got {merged['ISOLATION']!r}."
        )
    ignored_options = merged["IGNORED_OPTIONS"]
    # A bare string would be split into letters by frozenset() and silently ignore nothing useful.
    if isinstance(ignored_options, str) or not all(isinstance(k, str) for k in ignored_options):
        raise ConfigurationError(
            f"{SETTING_NAME}['IGNORED_OPTIONS'] must be a list of DATABASES OPTIONS keys, "
            f"got {ignored_options!r}."
        )
    connect_kwargs = merged["CONNECT_KWARGS"]
    if not isinstance(connect_kwargs, Mapping):
        raise ConfigurationError(
            f"{SETTING_NAME}['CONNECT_KWARGS'] must be a dict of asyncpg.connect() arguments, "
            f"got {connect_kwargs!r}."
        )
    max_connections = merged["MAX_CONNECTIONS"]
    if max_connections is not None and (
        not isinstance(max_connections, int)
        or isinstance(max_connections, bool)
        or max_connections < 1
    ):
        raise ConfigurationError(
            f"{SETTING_NAME}['MAX_CONNECTIONS'] must be a positive integer or None, "
            f"got {max_connections!r}."
        )
    connection_wait = merged["CONNECTION_WAIT"]
    if not isinstance(connection_wait, (int, float)) or connection_wait < 0:
        raise ConfigurationError(
            f"{SETTING_NAME}['CONNECTION_WAIT'] must be a number of seconds >= 0, "
            f"got {connection_wait!r}."
        )
    return StreamSettings(
        database=str(merged["DATABASE"]),
        connect_kwargs=MappingProxyType(dict(connect_kwargs)),
        ignored_options=frozenset(ignored_options),
        prefetch=prefetch,
        isolation=isolation,
        read_only=bool(merged["READ_ONLY"]),
        statement_timeout=merged["STATEMENT_TIMEOUT"],
        idle_in_transaction_session_timeout=merged["IDLE_IN_TRANSACTION_SESSION_TIMEOUT"],
        command_timeout=merged["COMMAND_TIMEOUT"],
        max_connections=max_connections,
        connection_wait=float(connection_wait),
        unknown_keys=tuple(sorted(set(raw) - set(DEFAULTS))),
    )


def _clear_cache(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING_NAME:
        get_settings.cache_clear()


# Connected with a call rather than @receiver: Django is untyped, and mypy --strict refuses an
# untyped decorator on a typed function.
setting_changed.connect(_clear_cache)
