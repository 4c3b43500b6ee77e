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
    "JOBS_DIR, JOBS_EMAIL, JOBS_HEARTBEAT_TIMEOUT, JOBS_MAX_ATTEMPTS, JOBS_QUEUE, "
    "JOBS_SIGNED_URL_EXPIRY, JOBS_STORAGE, JOBS_TASK_BACKEND, MAX_CONNECTIONS, PREFETCH, "
    "READ_ONLY, STATEMENT_TIMEOUT"
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
                obj="CURSOR_STREAM",
                id="cursor_stream.E003",
            )
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
