"""cursor_stream.conf: the CURSOR_STREAM setting, merged over defaults, cached, validated."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from catalog.models import Product
from cursor_stream.conf import StreamSettings, get_settings, is_sensitive
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
        (
            {"PREFETCH": 0},
            "CURSOR_STREAM['PREFETCH'] must be a positive integer, got 0. Rows fetched per "
            "round trip, e.g. 2000 (the default).",
        ),
        (
            {"PREFETCH": -5},
            "CURSOR_STREAM['PREFETCH'] must be a positive integer, got -5. Rows fetched per "
            "round trip, e.g. 2000 (the default).",
        ),
        (
            {"PREFETCH": 2.5},
            "CURSOR_STREAM['PREFETCH'] must be a positive integer, got 2.5. Rows fetched per "
            "round trip, e.g. 2000 (the default).",
        ),
        (
            {"PREFETCH": False},
            "CURSOR_STREAM['PREFETCH'] must be a positive integer, got False. Rows fetched per "
            "round trip, e.g. 2000 (the default).",
        ),
        (
            {"MAX_CONNECTIONS": 0},
            "CURSOR_STREAM['MAX_CONNECTIONS'] must be a positive integer or None, got 0. e.g. 4; "
            "None puts no limit on export connections.",
        ),
        (
            {"CONNECTION_WAIT": -1},
            "CURSOR_STREAM['CONNECTION_WAIT'] must be a number of seconds >= 0, got -1. e.g. "
            "10.0 (the default); 0 answers ExportsBusy at once.",
        ),
        (
            {"CONNECTION_WAIT": True},
            "CURSOR_STREAM['CONNECTION_WAIT'] must be a number of seconds >= 0, got True. e.g. "
            "10.0 (the default); 0 answers ExportsBusy at once.",
        ),
        (
            {"ISOLATION": "snapshot"},
            "CURSOR_STREAM['ISOLATION'] must be one of read_committed, repeatable_read, "
            "serializable, got 'snapshot'. The default, 'repeatable_read', gives every export "
            "one consistent snapshot.",
        ),
        (
            {"CONNECT_KWARGS": [("timeout", 1)]},
            "CURSOR_STREAM['CONNECT_KWARGS'] must be a dict of asyncpg.connect() arguments, "
            "got [('timeout', 1)]. e.g. {'statement_cache_size': 0}.",
        ),
        (
            {"IGNORED_OPTIONS": "keepalives"},
            "CURSOR_STREAM['IGNORED_OPTIONS'] must be a list of DATABASES OPTIONS keys, "
            "got 'keepalives'. e.g. ['keepalives', 'keepalives_idle'].",
        ),
        (
            {"STATEMENT_TIMEOUT": "5s"},
            "CURSOR_STREAM['STATEMENT_TIMEOUT'] must be a whole number of milliseconds (0 turns "
            "the deadline off) or None for the server's setting, got '5s'. e.g. 30000 for 30 "
            "seconds.",
        ),
        (
            {"IDLE_IN_TRANSACTION_SESSION_TIMEOUT": -1},
            "CURSOR_STREAM['IDLE_IN_TRANSACTION_SESSION_TIMEOUT'] must be a whole number of "
            "milliseconds (0 turns the deadline off) or None for the server's setting, got -1. "
            "e.g. 60000 for one minute.",
        ),
        (
            {"COMMAND_TIMEOUT": 0},
            "CURSOR_STREAM['COMMAND_TIMEOUT'] must be a number of seconds > 0 or None, got 0. "
            "e.g. 30.0; None waits for the server as long as it takes.",
        ),
        (
            {"READ_ONLY": "false"},
            "CURSOR_STREAM['READ_ONLY'] must be True or False, got 'false'. Use the Python "
            "booleans True or False, not a string.",
        ),
        (
            {"DATABASE": 5},
            "CURSOR_STREAM['DATABASE'] must be a database alias, got 5. Name an entry of "
            "DATABASES, e.g. 'default'.",
        ),
        (
            {"SENSITIVE_FIELDS": ["auth.User"]},
            "CURSOR_STREAM['SENSITIVE_FIELDS'] must be a list of 'app_label.Model.field' names, "
            "got ['auth.User']. e.g. ['auth.AbstractBaseUser.password', "
            "'crm.Customer.tax_id'].",
        ),
        (
            {"SENSITIVE_FIELDS": "auth.User.password"},
            "CURSOR_STREAM['SENSITIVE_FIELDS'] must be a list of 'app_label.Model.field' names, "
            "got 'auth.User.password'. e.g. ['auth.AbstractBaseUser.password', "
            "'crm.Customer.tax_id'].",
        ),
        ("PREFETCH=10", "The CURSOR_STREAM setting must be a dict, not str: 'PREFETCH=10'."),
    ],
)
def test_bad_values_raise_configuration_error(value: Any, message: str) -> None:
    with override_settings(CURSOR_STREAM=value), pytest.raises(ConfigurationError) as info:
        get_settings()
    assert str(info.value) == message
    assert isinstance(info.value, ImproperlyConfigured)


def test_zero_timeouts_are_valid_and_turn_the_deadline_off() -> None:
    value = {"STATEMENT_TIMEOUT": 0, "IDLE_IN_TRANSACTION_SESSION_TIMEOUT": 0}
    with override_settings(CURSOR_STREAM=value):
        settings = get_settings()
    assert (settings.statement_timeout, settings.idle_in_transaction_session_timeout) == (0, 0)


# --- SENSITIVE_FIELDS -----------------------------------------------------------------------------


def test_every_user_models_password_is_sensitive_by_default() -> None:
    from django.contrib.auth.models import User

    assert get_settings().sensitive_fields == frozenset({"auth.abstractbaseuser.password"})
    assert is_sensitive(User._meta.get_field("password"))
    assert not is_sensitive(User._meta.get_field("username"))
    assert not is_sensitive(Product._meta.get_field("description"))


def test_sensitive_fields_name_models_or_their_abstract_parents_in_any_case() -> None:
    from django.contrib.auth.models import User

    value = {"SENSITIVE_FIELDS": ["Catalog.Product.description", "auth.AbstractUser.email"]}
    with override_settings(CURSOR_STREAM=value):
        assert is_sensitive(Product._meta.get_field("description"))
        assert is_sensitive(User._meta.get_field("email"))
        # The setting replaces the default.
        assert not is_sensitive(User._meta.get_field("password"))
    assert not is_sensitive(Product._meta.get_field("description"))


def test_a_bad_value_is_not_cached() -> None:
    with override_settings(CURSOR_STREAM={"PREFETCH": 0}), pytest.raises(ConfigurationError):
        get_settings()
    assert get_settings().prefetch == 2000
