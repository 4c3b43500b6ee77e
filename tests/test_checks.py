"""cursor_stream.checks: system checks compared as whole check objects."""

from __future__ import annotations

import pytest
from django.core import checks
from django.db import connections
from django.test import override_settings

from cursor_stream.checks import check_settings

KNOWN_KEYS = (
    "BACKGROUND_ROWS, COMMAND_TIMEOUT, CONNECTION_WAIT, CONNECT_KWARGS, DATABASE, "
    "IDLE_IN_TRANSACTION_SESSION_TIMEOUT, IGNORED_OPTIONS, ISOLATION, JOBS_CHECKPOINT_ROWS, "
    "JOBS_DIR, JOBS_EMAIL, JOBS_HEARTBEAT_TIMEOUT, JOBS_MAX_ATTEMPTS, JOBS_PART_START_TIMEOUT, "
    "JOBS_PART_TASKS, JOBS_QUEUE, JOBS_SIGNED_URL_EXPIRY, JOBS_STORAGE, JOBS_TASK_BACKEND, "
    "MAX_CONNECTIONS, PREFETCH, READ_ONLY, SENSITIVE_FIELDS, STATEMENT_TIMEOUT"
)

DATABASE_HINT = (
    "cursor_stream opens its own asyncpg connections from this entry; see 'How DATABASES maps "
    "to asyncpg' in its README."
)


def test_default_test_settings_pass() -> None:
    assert check_settings() == []


def test_check_is_registered_with_django() -> None:
    assert check_settings in checks.registry.registry.get_checks()


@override_settings(CURSOR_STREAM={"DATABASE": "sqlite"})
def test_non_postgresql_alias_is_e001() -> None:
    assert check_settings() == [
        checks.Error(
            "The database alias 'sqlite' uses the 'sqlite' backend; cursor_stream streams "
            "from PostgreSQL only.",
            hint="Point CURSOR_STREAM['DATABASE'] at an alias whose ENGINE is "
            "'django.db.backends.postgresql'.",
            obj="CURSOR_STREAM",
            id="cursor_stream.E001",
        )
    ]


@override_settings(CURSOR_STREAM={"DATABASE": "warehouse"})
def test_unknown_alias_is_e001_listing_the_aliases() -> None:
    assert check_settings() == [
        checks.Error(
            "CURSOR_STREAM['DATABASE'] names the database alias 'warehouse', which is not in "
            "DATABASES.",
            hint="Use one of 'default', 'sqlite'.",
            obj="CURSOR_STREAM",
            id="cursor_stream.E001",
        )
    ]


@override_settings(CURSOR_STREAM={"PREFETCHES": 10, "DATABSE": "default"})
def test_unknown_keys_are_e002_one_per_key() -> None:
    assert check_settings() == [
        checks.Error(
            f"CURSOR_STREAM has an unknown key {key!r}.",
            hint=f"Remove it; the known keys are {KNOWN_KEYS}.",
            obj="CURSOR_STREAM",
            id="cursor_stream.E002",
        )
        for key in ("DATABSE", "PREFETCHES")
    ]


@override_settings(CURSOR_STREAM=["PREFETCH", 10])
def test_setting_that_is_not_a_dict_is_e002() -> None:
    assert check_settings() == [
        checks.Error(
            "The CURSOR_STREAM setting must be a dict, not list: ['PREFETCH', 10].",
            hint="Set CURSOR_STREAM = {...}.",
            id="cursor_stream.E002",
        )
    ]


@pytest.mark.parametrize("prefetch", [0, -5, "100", True])
def test_bad_prefetch_is_e003(prefetch: object) -> None:
    with override_settings(CURSOR_STREAM={"PREFETCH": prefetch}):
        assert check_settings() == [
            checks.Error(
                f"CURSOR_STREAM['PREFETCH'] must be a positive integer, got {prefetch!r}.",
                hint="Rows fetched per round trip, e.g. 2000 (the default).",
                obj="CURSOR_STREAM",
                id="cursor_stream.E003",
            )
        ]


@override_settings(
    CURSOR_STREAM={
        "STATEMENT_TIMEOUT": "5s",
        "READ_ONLY": "false",
        "PREFETCH": -1,
        "COMMAND_TIMEOUT": None,
        "MAX_CONNECTIONS": 2,
    }
)
def test_every_bad_value_is_its_own_e003_with_a_hint() -> None:
    assert check_settings() == [
        checks.Error(
            "CURSOR_STREAM['PREFETCH'] must be a positive integer, got -1.",
            hint="Rows fetched per round trip, e.g. 2000 (the default).",
            obj="CURSOR_STREAM",
            id="cursor_stream.E003",
        ),
        checks.Error(
            "CURSOR_STREAM['READ_ONLY'] must be True or False, got 'false'.",
            hint="Use the Python booleans True or False, not a string.",
            obj="CURSOR_STREAM",
            id="cursor_stream.E003",
        ),
        checks.Error(
            "CURSOR_STREAM['STATEMENT_TIMEOUT'] must be a whole number of milliseconds (0 turns "
            "the deadline off) or None for the server's setting, got '5s'.",
            hint="e.g. 30000 for 30 seconds.",
            obj="CURSOR_STREAM",
            id="cursor_stream.E003",
        ),
    ]


def test_unknown_database_options_are_e004_naming_alias_and_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # keepalives only tunes the transport: left out, not refused.
    options = {"keepalives": 1, "application_name": "app", "sslmode": "bogus", "tcp_user": 5}
    monkeypatch.setitem(connections.settings["default"], "OPTIONS", options)

    def error(message: str) -> checks.Error:
        return checks.Error(
            message, hint=DATABASE_HINT, obj="DATABASES['default']", id="cursor_stream.E004"
        )

    def unknown(key: str) -> checks.Error:
        return error(
            f"DATABASES['default']['OPTIONS'] key {key!r} is not supported by cursor_stream's "
            "asyncpg connections. Remove it, or list it in CURSOR_STREAM['IGNORED_OPTIONS'] to "
            "connect without it."
        )

    # One message per problem, in the order of OPTIONS.
    assert check_settings() == [
        error(
            "DATABASES['default']['OPTIONS']['sslmode'] is 'bogus'; it must be one of disable, "
            "allow, prefer, require, verify-ca, verify-full."
        ),
        unknown("tcp_user"),
    ]


def test_ignored_options_are_not_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connections.settings["default"], "OPTIONS", {"keepalives": 1})
    with override_settings(CURSOR_STREAM={"IGNORED_OPTIONS": ["keepalives"]}):
        assert check_settings() == []


def test_sensitive_fields_without_the_user_password_is_w002() -> None:
    with override_settings(CURSOR_STREAM={"SENSITIVE_FIELDS": ["catalog.Product.description"]}):
        assert check_settings() == [
            checks.Warning(
                "CURSOR_STREAM['SENSITIVE_FIELDS'] does not list the password of the user model "
                "auth.User: default exports of it include the password hashes.",
                hint="Add 'auth.AbstractBaseUser.password' to SENSITIVE_FIELDS.",
                obj="CURSOR_STREAM",
                id="cursor_stream.W002",
            )
        ]


def test_sensitive_fields_naming_nothing_are_w003() -> None:
    value = ["auth.User.password", "catalog.Product.prise", "shop.Order.total"]
    with override_settings(CURSOR_STREAM={"SENSITIVE_FIELDS": value}):
        assert check_settings() == [
            checks.Warning(
                f"CURSOR_STREAM['SENSITIVE_FIELDS'] entry {entry!r} names {what}, so it "
                "protects nothing.",
                hint="Write entries as 'app_label.Model.field' (the model may be an abstract "
                "parent), e.g. 'auth.AbstractBaseUser.password'.",
                obj="CURSOR_STREAM",
                id="cursor_stream.W003",
            )
            for entry, what in [
                ("catalog.Product.prise", "no field 'prise'"),
                ("shop.Order.total", "no installed model"),
            ]
        ]


def test_disable_server_side_cursors_is_w001(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connections.settings["default"], "DISABLE_SERVER_SIDE_CURSORS", True)
    assert check_settings() == [
        checks.Warning(
            "DATABASES['default'] sets DISABLE_SERVER_SIDE_CURSORS, which usually means a "
            "connection pooler in transaction mode (PgBouncer) sits between Django and "
            "PostgreSQL.",
            hint="cursor_stream keeps its server-side cursor inside one transaction, which "
            "works through transaction pooling, but the pooler must not share prepared "
            "statements: set CURSOR_STREAM['CONNECT_KWARGS'] = {'statement_cache_size': 0} "
            "or connect cursor_stream to PostgreSQL directly with another alias.",
            obj="CURSOR_STREAM",
            id="cursor_stream.W001",
        )
    ]


# Django 6.1's model checks ask every database whether it supports JSONField.
@pytest.mark.django_db(databases="__all__")
def test_django_check_framework_reports_e001() -> None:
    with override_settings(CURSOR_STREAM={"DATABASE": "sqlite"}):
        ids = [message.id for message in checks.run_checks()]
    assert "cursor_stream.E001" in ids


def test_an_alias_exports_do_not_default_to_gets_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A replica with an option asyncpg cannot follow must not stop the project from starting:
    exports reach it only through using= or a router."""
    replica = {**connections.settings["default"], "OPTIONS": {"tcp_user": 5}}
    monkeypatch.setitem(connections.settings, "replica", replica)
    try:
        assert check_settings() == [
            checks.Warning(
                "DATABASES['replica']['OPTIONS'] key 'tcp_user' is not supported by "
                "cursor_stream's asyncpg connections. Remove it, or list it in "
                "CURSOR_STREAM['IGNORED_OPTIONS'] to connect without it.",
                hint=DATABASE_HINT,
                obj="DATABASES['replica']",
                id="cursor_stream.W004",
            )
        ]
    finally:
        del connections["replica"]
