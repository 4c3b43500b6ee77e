"""The one namespaced setting, ``CURSOR_STREAM``, merged over defaults and read lazily.

Nothing here reads settings at import time; ``override_settings(CURSOR_STREAM=...)`` works because
the cache is cleared on Django's ``setting_changed`` signal (the django-debug-toolbar pattern).
Every value is checked for type and range by :func:`setting_problems`, which both
:func:`get_settings` (at the first export) and ``manage.py check`` (before any) use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from .exceptions import ConfigurationError

SETTING_NAME = "CURSOR_STREAM"

ISOLATION_LEVELS = ("read_committed", "repeatable_read", "serializable")

#: The password hash of every user model (``AbstractBaseUser`` declares it).
USER_PASSWORD = "auth.AbstractBaseUser.password"

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
        "JOBS_PART_TASKS": True,
        "JOBS_PART_START_TIMEOUT": 10.0,
        "BACKGROUND_ROWS": 1_000_000,
        # "app_label.Model.field" entries never part of a default field set nor of an admin
        # export; a model matches when it is, or inherits from (abstract parents included), the
        # named model.
        "SENSITIVE_FIELDS": [USER_PASSWORD],
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
    #: Lower-cased ``app_label.model.field`` entries of ``SENSITIVE_FIELDS``.
    sensitive_fields: frozenset[str] = frozenset({USER_PASSWORD.lower()})
    unknown_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class SettingProblem:
    """One bad value of ``CURSOR_STREAM``: what is wrong (naming the value) and what to do."""

    key: str
    message: str
    hint: str


def user_settings() -> Mapping[str, Any]:
    """Return the raw ``CURSOR_STREAM`` dict of the project (empty when unset)."""
    value = getattr(settings, SETTING_NAME, None) or {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"The {SETTING_NAME} setting must be a dict, not {type(value).__name__}: {value!r}."
        )
    return value


def _integer(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _names(value: Any) -> bool:
    # A bare string would be split into letters by frozenset() and silently match nothing.
    return isinstance(value, (list, tuple, set, frozenset)) and all(
        isinstance(item, str) for item in value
    )


def _field_label(value: Any) -> bool:
    return isinstance(value, str) and len(value.split(".")) == 3 and all(value.split("."))


_MS = "a whole number of milliseconds (0 turns the deadline off) or None for the server's setting"

#: key -> (is the value valid, what it must be, hint).
_RULES: Mapping[str, tuple[Callable[[Any], bool], str, str]] = {
    "DATABASE": (
        lambda v: isinstance(v, str) and bool(v),
        "a database alias",
        "Name an entry of DATABASES, e.g. 'default'.",
    ),
    "CONNECT_KWARGS": (
        lambda v: isinstance(v, Mapping) and all(isinstance(k, str) for k in v),
        "a dict of asyncpg.connect() arguments",
        "e.g. {'statement_cache_size': 0}.",
    ),
    "IGNORED_OPTIONS": (
        _names,
        "a list of DATABASES OPTIONS keys",
        "e.g. ['keepalives', 'keepalives_idle'].",
    ),
    "PREFETCH": (
        lambda v: _integer(v, 1),
        "a positive integer",
        "Rows fetched per round trip, e.g. 2000 (the default).",
    ),
    "ISOLATION": (
        lambda v: isinstance(v, str) and v.lower().replace(" ", "_") in ISOLATION_LEVELS,
        f"one of {', '.join(ISOLATION_LEVELS)}",
        "The default, 'repeatable_read', gives every export one consistent snapshot.",
    ),
    "READ_ONLY": (
        lambda v: isinstance(v, bool),
        "True or False",
        "Use the Python booleans True or False, not a string.",
    ),
    "STATEMENT_TIMEOUT": (
        lambda v: v is None or _integer(v, 0),
        _MS,
        "e.g. 30000 for 30 seconds.",
    ),
    "IDLE_IN_TRANSACTION_SESSION_TIMEOUT": (
        lambda v: v is None or _integer(v, 0),
        _MS,
        "e.g. 60000 for one minute.",
    ),
    "COMMAND_TIMEOUT": (
        lambda v: v is None or (_number(v) and v > 0),
        "a number of seconds > 0 or None",
        "e.g. 30.0; None waits for the server as long as it takes.",
    ),
    "MAX_CONNECTIONS": (
        lambda v: v is None or _integer(v, 1),
        "a positive integer or None",
        "e.g. 4; None puts no limit on export connections.",
    ),
    "CONNECTION_WAIT": (
        lambda v: _number(v) and v >= 0,
        "a number of seconds >= 0",
        "e.g. 10.0 (the default); 0 answers ExportsBusy at once.",
    ),
    "SENSITIVE_FIELDS": (
        lambda v: _names(v) and all(_field_label(item) for item in v),
        "a list of 'app_label.Model.field' names",
        f"e.g. [{USER_PASSWORD!r}, 'crm.Customer.tax_id'].",
    ),
}


def setting_problems(raw: Mapping[str, Any]) -> list[SettingProblem]:
    """Return the problems of the known keys of ``raw`` (a ``CURSOR_STREAM`` dict), in key order."""
    problems = []
    for key, (valid, expected, hint) in _RULES.items():
        if key in raw and not valid(raw[key]):
            problems.append(
                SettingProblem(
                    key,
                    f"{SETTING_NAME}[{key!r}] must be {expected}, got {raw[key]!r}.",
                    hint,
                )
            )
    return problems


@functools.cache
def get_settings() -> StreamSettings:
    """Return the ``CURSOR_STREAM`` setting merged over :data:`DEFAULTS` (cached).

    Raises ConfigurationError for the first bad value (``manage.py check`` lists them all).
    """
    raw = user_settings()
    problems = setting_problems(raw)
    if problems:
        raise ConfigurationError(f"{problems[0].message} {problems[0].hint}")
    merged = {**DEFAULTS, **raw}
    return StreamSettings(
        database=merged["DATABASE"],
        connect_kwargs=MappingProxyType(dict(merged["CONNECT_KWARGS"])),
        ignored_options=frozenset(merged["IGNORED_OPTIONS"]),
        prefetch=merged["PREFETCH"],
        isolation=merged["ISOLATION"].lower().replace(" ", "_"),
        read_only=merged["READ_ONLY"],
        statement_timeout=merged["STATEMENT_TIMEOUT"],
        idle_in_transaction_session_timeout=merged["IDLE_IN_TRANSACTION_SESSION_TIMEOUT"],
        command_timeout=merged["COMMAND_TIMEOUT"],
        max_connections=merged["MAX_CONNECTIONS"],
        connection_wait=float(merged["CONNECTION_WAIT"]),
        sensitive_fields=frozenset(name.lower() for name in merged["SENSITIVE_FIELDS"]),
        unknown_keys=tuple(sorted(set(raw) - set(DEFAULTS))),
    )


def model_lineage(model: Any) -> list[Any]:
    """Return ``model`` and every model class it inherits from, abstract ones included."""
    # Each model class holds its own Options in its own __dict__ (mixins and Model do not).
    return [cls for cls in model.__mro__ if "_meta" in vars(cls)]


def is_sensitive(model_field: Any) -> bool:
    """Return True if ``CURSOR_STREAM['SENSITIVE_FIELDS']`` names ``model_field``.

    An entry ``app_label.Model.field`` names the field ``field`` of ``Model`` and of every
    model inheriting from it, abstract parents included: the default, the password of
    ``auth.AbstractBaseUser``, covers every user model.
    """
    model = getattr(model_field, "model", None)
    name = getattr(model_field, "name", None)
    if model is None or not name:
        return False
    sensitive = get_settings().sensitive_fields
    return any(f"{cls._meta.label_lower}.{name}" in sensitive for cls in model_lineage(model))


def _clear_cache(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING_NAME:
        get_settings.cache_clear()


# Connected with a call rather than @receiver: Django is untyped, and mypy --strict refuses an
# untyped decorator on a typed function.
setting_changed.connect(_clear_cache)
