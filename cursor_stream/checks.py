"""System checks (``manage.py check``): misconfiguration found before the first export.

=====================  ========================================================================
``E001``               ``CURSOR_STREAM['DATABASE']`` is missing from DATABASES or not PostgreSQL
``E002``               ``CURSOR_STREAM`` is not a dict, or has an unknown key
``E003``               a ``CURSOR_STREAM`` value of the wrong type or out of range (one per key)
``E004``               the export alias (``CURSOR_STREAM['DATABASE']``) has a ``DATABASES``
                       entry cursor_stream cannot connect with (an unknown ``OPTIONS``
                       key, a bad ``sslmode``, ``PORT``, ...)
``W004``               the same for another PostgreSQL alias (exports reach it only through
                       ``using=`` or a router, so the project may not need it)
``E005``, ``E006``     an admin's ``export_fields`` names a sensitive field (also through an
                       expression) / no field (see :mod:`cursor_stream.admin`)
``E007``               an ``export_fields`` entry that is no column, or a computed column that
                       cannot be built
``E008``               an unknown ``export_header_style``, or headers that are not unique or
                       too long for JSON keys
``W001``               ``DISABLE_SERVER_SIDE_CURSORS`` (a pooler in transaction mode)
``W002``               ``SENSITIVE_FIELDS`` leaves the user model's password out
``W003``               a ``SENSITIVE_FIELDS`` entry names no installed model or field
=====================  ========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core import checks

from .conf import (
    DEFAULTS,
    SETTING_NAME,
    USER_PASSWORD,
    is_sensitive,
    model_lineage,
    setting_problems,
    user_settings,
)
from .exceptions import ConfigurationError


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check ``CURSOR_STREAM``, the database aliases it streams from and its sensitive fields."""
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
    problems = setting_problems(raw)
    for problem in problems:
        errors.append(
            checks.Error(
                problem.message, hint=problem.hint, obj=SETTING_NAME, id="cursor_stream.E003"
            )
        )
    bad = {problem.key for problem in problems}

    if "DATABASE" not in bad:
        errors.extend(_check_alias(raw.get("DATABASE", DEFAULTS["DATABASE"])))

    ignored = raw.get("IGNORED_OPTIONS", ()) if "IGNORED_OPTIONS" not in bad else ()
    export_alias = raw.get("DATABASE", DEFAULTS["DATABASE"]) if "DATABASE" not in bad else None
    for alias in connections.settings:
        if connections[alias].vendor == "postgresql":
            errors.extend(
                _check_database(
                    alias,
                    connections[alias].settings_dict,
                    ignored,
                    error=alias == export_alias,
                )
            )

    if not problems:
        errors.extend(_check_sensitive_fields(raw))
    return errors


def _check_alias(alias: str) -> list[checks.CheckMessage]:
    from django.db import connections

    if alias not in connections.settings:
        return [
            checks.Error(
                f"{SETTING_NAME}['DATABASE'] names the database alias {alias!r}, which is not "
                "in DATABASES.",
                hint=f"Use one of {', '.join(repr(a) for a in connections.settings)}.",
                obj=SETTING_NAME,
                id="cursor_stream.E001",
            )
        ]
    vendor = connections[alias].vendor
    if vendor != "postgresql":
        return [
            checks.Error(
                f"The database alias {alias!r} uses the {vendor!r} backend; cursor_stream "
                "streams from PostgreSQL only.",
                hint="Point CURSOR_STREAM['DATABASE'] at an alias whose ENGINE is "
                "'django.db.backends.postgresql'.",
                obj=SETTING_NAME,
                id="cursor_stream.E001",
            )
        ]
    if connections.settings[alias].get("DISABLE_SERVER_SIDE_CURSORS"):
        return [
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
        ]
    return []


def _check_database(
    alias: str, settings_dict: Mapping[str, Any], ignored: Any, *, error: bool = True
) -> list[checks.CheckMessage]:
    """Report what the first export on ``alias`` would refuse, one message per OPTIONS key.

    Every PostgreSQL alias is checked: routers and ``using=`` can send an export to any of them.
    The mapping itself (``params_from_settings_dict``) is what the export runs; it stops at the
    first problem, so each OPTIONS key is tried on its own, then the whole entry.
    """
    from .connection import params_from_settings_dict

    base = {key: value for key, value in settings_dict.items() if key != "OPTIONS"}
    options = dict(settings_dict.get("OPTIONS") or {})
    entries: list[Mapping[str, Any]] = [
        base,
        *({**base, "OPTIONS": {key: value}} for key, value in options.items()),
        settings_dict,
    ]
    messages: dict[str, None] = {}
    for entry in entries:
        try:
            params_from_settings_dict(entry, alias=alias, ignored_options=frozenset(ignored))
        except ConfigurationError as exc:
            messages[str(exc)] = None
    kind, code = (checks.Error, "E004") if error else (checks.Warning, "W004")
    return [
        kind(
            message,
            hint="cursor_stream opens its own asyncpg connections from this entry; see "
            "'How DATABASES maps to asyncpg' in its README.",
            obj=f"DATABASES[{alias!r}]",
            id=f"cursor_stream.{code}",
        )
        for message in messages
    ]


def _check_sensitive_fields(raw: Mapping[str, Any]) -> list[checks.CheckMessage]:
    from django.apps import apps

    if "SENSITIVE_FIELDS" not in raw:
        return []  # the default names AbstractBaseUser.password, present or not
    errors: list[checks.CheckMessage] = []
    # Abstract models are not in the app registry: find them among the installed models' bases.
    classes = {
        cls._meta.label_lower: cls for model in apps.get_models() for cls in model_lineage(model)
    }
    for entry in raw["SENSITIVE_FIELDS"]:
        label, _, name = entry.rpartition(".")
        cls = classes.get(label.lower())
        if cls is None or not any(f.name == name for f in cls._meta.get_fields()):
            what = f"no field {name!r}" if cls is not None else "no installed model"
            errors.append(
                checks.Warning(
                    f"{SETTING_NAME}['SENSITIVE_FIELDS'] entry {entry!r} names {what}, so it "
                    "protects nothing.",
                    hint="Write entries as 'app_label.Model.field' (the model may be an abstract "
                    "parent), e.g. 'auth.AbstractBaseUser.password'.",
                    obj=SETTING_NAME,
                    id="cursor_stream.W003",
                )
            )
    if apps.is_installed("django.contrib.auth"):
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        password = next((f for f in user_model._meta.concrete_fields if f.name == "password"), None)
        if password is not None and not is_sensitive(password):
            errors.append(
                checks.Warning(
                    f"{SETTING_NAME}['SENSITIVE_FIELDS'] does not list the password of the user "
                    f"model {user_model._meta.label}: default exports of it include the "
                    "password hashes.",
                    hint=f"Add {USER_PASSWORD!r} to SENSITIVE_FIELDS.",
                    obj=SETTING_NAME,
                    id="cursor_stream.W002",
                )
            )
    return errors


# Registered with a call rather than @checks.register(): Django is untyped, and mypy --strict
# refuses an untyped decorator on a typed function.
checks.register(check_settings)
