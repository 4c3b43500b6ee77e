"""System checks (``manage.py check``): misconfiguration found before the first export."""

from __future__ import annotations

from typing import Any

from django.core import checks

from .conf import DEFAULTS, SETTING_NAME, get_settings, user_settings
from .exceptions import ConfigurationError


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check ``CURSOR_STREAM`` and the database alias it streams from."""
    from django.db import connections

    errors: list[checks.CheckMessage] = []
    try:
        raw = user_settings()
    except ConfigurationError as exc:
        return [checks.Error(str(exc), hint="Set CURSOR_STREAM = {...}.", id="cursor_stream.E002")]

    unknown = sorted(set(raw) - set(DEFAULTS))
    for key in unknown:
        errors.append(
            checks.Error(
                f"{SETTING_NAME} has an unknown key {key!r}.",
                hint=f"Remove it; the known keys are {', '.join(sorted(DEFAULTS))}.",
                obj=SETTING_NAME,
                id="cursor_stream.E002",
            )
        )

    alias = str(raw.get("DATABASE", DEFAULTS["DATABASE"]))
    if alias not in connections.settings:
        errors.append(
            checks.Error(
                f"{SETTING_NAME}['DATABASE'] names the database alias {alias!r}, which is not "
                "in DATABASES.",
                hint=f"Use one of {', '.join(repr(a) for a in connections.settings)}.",
                obj=SETTING_NAME,
                id="cursor_stream.E001",
            )
        )
        return errors

    vendor = connections[alias].vendor
    if vendor != "postgresql":
        errors.append(
            checks.Error(
                f"The database alias {alias!r} uses the {vendor!r} backend; cursor_stream "
                "streams from PostgreSQL only.",
                hint="Point CURSOR_STREAM['DATABASE'] at an alias whose ENGINE is "
                "'django.db.backends.postgresql'.",
                obj=SETTING_NAME,
                id="cursor_stream.E001",
            )
        )
        return errors

    if connections.settings[alias].get("DISABLE_SERVER_SIDE_CURSORS"):
        errors.append(
            checks.Warning(
                f"DATABASES[{alias!r}] sets DISABLE_SERVER_SIDE_CURSORS, which usually means a "
                "connection pooler in transaction mode (PgBouncer) sits between Django and "
                "PostgreSQL.",
                hint="cursor_stream keeps its server-side cursor inside one transaction, which "
                "works through transaction pooling, but the pooler must not share prepared "
                "statements: set CURSOR_STREAM['CONNECT_KWARGS'] = {'statement_cache_size': 0} "
                "or connect cursor_stream to PostgreSQL directly with another alias.",
                obj=SETTING_NAME,
                id="cursor_stream.W001",
            )
        )

    try:
        get_settings()
    except ConfigurationError as exc:
        errors.append(checks.Error(str(exc), obj=SETTING_NAME, id="cursor_stream.E003"))
    return errors


# Registered with a call rather than @checks.register(): Django is untyped, and mypy --strict
# refuses an untyped decorator on a typed function.
checks.register(check_settings)
