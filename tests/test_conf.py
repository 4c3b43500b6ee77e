"""cursor_stream.conf: the CURSOR_STREAM setting, merged over defaults, cached, validated."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from cursor_stream.conf import StreamSettings, get_settings
from cursor_stream.exceptions import ConfigurationError


def test_defaults_when_the_setting_is_absent() -> None:
    assert get_settings() == StreamSettings(
        database="default",
        connect_kwargs={},
        ignored_options=frozenset(),
        prefetch=2000,
        isolation="repeatable_read",
        read_only=True,
        statement_timeout=None,
        idle_in_transaction_session_timeout=None,
        command_timeout=None,
        unknown_keys=(),
    )


def test_settings_are_cached() -> None:
    assert get_settings() is get_settings()


def test_override_settings_clears_the_cache_on_entry_and_exit() -> None:
    before = get_settings()
    with override_settings(CURSOR_STREAM={"PREFETCH": 10, "DATABASE": "replica"}):
        inside = get_settings()
        assert (inside.prefetch, inside.database) == (10, "replica")
        assert inside.isolation == "repeatable_read"
    assert get_settings() == before
    assert get_settings().prefetch == 2000


def test_user_values_are_merged_over_defaults() -> None:
    value = {
        "CONNECT_KWARGS": {"statement_cache_size": 0},
        "IGNORED_OPTIONS": ["keepalives"],
        "ISOLATION": "SERIALIZABLE",
        "READ_ONLY": False,
        "STATEMENT_TIMEOUT": 30_000,
        "IDLE_IN_TRANSACTION_SESSION_TIMEOUT": 60_000,
        "COMMAND_TIMEOUT": 5.0,
        "EXTRA": 1,
    }
    with override_settings(CURSOR_STREAM=value):
        assert get_settings() == StreamSettings(
            database="default",
            connect_kwargs={"statement_cache_size": 0},
            ignored_options=frozenset({"keepalives"}),
            prefetch=2000,
            isolation="serializable",
            read_only=False,
            statement_timeout=30_000,
            idle_in_transaction_session_timeout=60_000,
            command_timeout=5.0,
            unknown_keys=("EXTRA",),
        )


def test_isolation_accepts_the_sql_spelling() -> None:
    with override_settings(CURSOR_STREAM={"ISOLATION": "Repeatable Read"}):
        assert get_settings().isolation == "repeatable_read"


def test_connect_kwargs_cannot_be_changed_through_the_settings_object() -> None:
    with (
        override_settings(CURSOR_STREAM={"CONNECT_KWARGS": {"statement_cache_size": 0}}),
        pytest.raises(TypeError),
    ):
        get_settings().connect_kwargs["timeout"] = 1  # type: ignore[index]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"PREFETCH": 0}, "CURSOR_STREAM['PREFETCH'] must be a positive integer, got 0."),
        (
            {"MAX_CONNECTIONS": 0},
            "CURSOR_STREAM['MAX_CONNECTIONS'] must be a positive integer or None, got 0.",
        ),
        (
            {"CONNECTION_WAIT": -1},
            "CURSOR_STREAM['CONNECTION_WAIT'] must be a number of seconds >= 0, got -1.",
        ),
        ({"PREFETCH": 2.5}, "CURSOR_STREAM['PREFETCH'] must be a positive integer, got 2.5."),
        ({"PREFETCH": False}, "CURSOR_STREAM['PREFETCH'] must be a positive integer, got False."),
        (
            {"ISOLATION": "snapshot"},
            "CURSOR_STREAM['ISOLATION'] must be one of read_committed, repeatable_read, "
            "serializable, got 'snapshot'.",
        ),
        (
            {"CONNECT_KWARGS": [("timeout", 1)]},
            "CURSOR_STREAM['CONNECT_KWARGS'] must be a dict of asyncpg.connect() arguments, "
            "got [('timeout', 1)].",
        ),
        (
            {"IGNORED_OPTIONS": "keepalives"},
            "CURSOR_STREAM['IGNORED_OPTIONS'] must be a list of DATABASES OPTIONS keys, "
            "got 'keepalives'.",
        ),
        ("PREFETCH=10", "The CURSOR_STREAM setting must be a dict, not str: 'PREFETCH=10'."),
    ],
)
def test_bad_values_raise_configuration_error(value: Any, message: str) -> None:
    with override_settings(CURSOR_STREAM=value), pytest.raises(ConfigurationError) as info:
        get_settings()
    assert str(info.value) == message
    assert isinstance(info.value, ImproperlyConfigured)


def test_a_bad_value_is_not_cached() -> None:
    with override_settings(CURSOR_STREAM={"PREFETCH": 0}), pytest.raises(ConfigurationError):
        get_settings()
    assert get_settings().prefetch == 2000
