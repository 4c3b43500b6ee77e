"""example_project/devdb.py: DATABASE_URL -> DATABASES entry (the cluster itself runs the suite)."""

from __future__ import annotations

import pytest

import devdb


def test_tcp_url_with_percent_encoded_password() -> None:
    url = "postgres://app:p%40ss%3Aw%2Frd%25@db.example.com:6543/shop"
    assert devdb.database_settings(url) == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "app",
        "PASSWORD": "p@ss:w/rd%",
        "HOST": "db.example.com",
        "PORT": "6543",
        "OPTIONS": {},
    }


def test_socket_directory_in_the_query() -> None:
    settings = devdb.database_settings("postgresql://postgres@/shop?host=/var/run/postgresql")
    assert settings["HOST"] == "/var/run/postgresql"
    assert settings["PORT"] == ""
    assert settings["OPTIONS"] == {}


def test_percent_encoded_socket_directory_keeps_its_case() -> None:
    settings = devdb.database_settings("postgresql://%2FTmp%2FPG%20Sockets/shop")
    assert settings["HOST"] == "/Tmp/PG Sockets"


def test_ipv6_host() -> None:
    settings = devdb.database_settings("postgres://u:p@[::1]:5433/shop")
    assert (settings["HOST"], settings["PORT"]) == ("::1", "5433")


def test_host_in_netloc_wins_over_the_query() -> None:
    settings = devdb.database_settings("postgres://u@127.0.0.1/shop?host=/tmp")
    assert settings["HOST"] == "127.0.0.1"
    assert settings["OPTIONS"] == {}


def test_other_query_parameters_become_options() -> None:
    url = "postgres://u@h/shop?sslmode=verify-full&options=-c%20search_path%3Dapp"
    assert devdb.database_settings(url)["OPTIONS"] == {
        "sslmode": "verify-full",
        "options": "-c search_path=app",
    }


def test_missing_database_name_defaults_to_the_demo_database() -> None:
    assert devdb.database_settings("postgres://u@h")["NAME"] == devdb.DATABASE


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="must start with postgres://"):
        devdb.database_settings("mysql://u@h/shop")
