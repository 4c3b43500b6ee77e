"""cursor_stream.connection: DATABASES -> asyncpg parameters, and parity with Django's connection.

The first half tests the pure mapping key by key. The second half connects to the real server
twice per DATABASES variant, once through Django's own backend (psycopg or psycopg2) and once
through :func:`cursor_stream.connection.connect`, and compares what the server says about each
session. The last part exports through an alias whose backend (``tests.custom_backend``)
supplies the password in ``get_connection_params()``, as IAM-token backends do.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.utils import ConnectionHandler
from django.test import override_settings

import cursor_stream
import devdb
from cursor_stream.connection import (
    DRIVER_ONLY_PARAMS,
    ConnectParams,
    connect,
    connect_params,
    django_connection_params,
    labelled_application_name,
    params_from_settings_dict,
    parse_options_string,
    resolve_alias,
)
from cursor_stream.exceptions import ConfigurationError, ConnectError
from tests.custom_backend import tokens
from tests.testapp.models import Tag

SECRET = "s3cr:et/p@ss%word"


def settings(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "app",
        "PASSWORD": SECRET,
        "HOST": "db.example.com",
        "PORT": "5433",
        "OPTIONS": {},
    }
    return {**base, **overrides}


def params(alias: str = "default", **overrides: Any) -> ConnectParams:
    return params_from_settings_dict(settings(**overrides), alias=alias)


# --- the pure mapping -------------------------------------------------------------------------


def test_basic_tcp_settings_map_to_connect_kwargs() -> None:
    kwargs = params().connect_kwargs()
    assert kwargs == {
        "dsn": "postgresql://",
        "server_settings": {},
        "database": "shop",
        "user": "app",
        "password": SECRET,
        "host": "db.example.com",
        "port": 5433,
    }


def test_empty_values_are_left_to_asyncpg_defaults() -> None:
    kwargs = params(NAME="", USER="", PASSWORD="", HOST="", PORT="").connect_kwargs()
    assert kwargs == {"dsn": "postgresql://", "server_settings": {}}


def test_unix_socket_directory_is_passed_as_host() -> None:
    kwargs = params(HOST="/var/run/postgresql", PORT="").connect_kwargs()
    assert kwargs["host"] == "/var/run/postgresql"
    assert "port" not in kwargs


def test_comma_separated_hosts_and_ports_become_lists() -> None:
    kwargs = params(HOST="a.example.com, b.example.com", PORT="5432,5433").connect_kwargs()
    assert kwargs["host"] == ["a.example.com", "b.example.com"]
    assert kwargs["port"] == [5432, 5433]


def test_one_port_is_shared_by_every_host() -> None:
    p = params(HOST="a,b", PORT=6432)
    assert p.host == ("a", "b")
    assert p.port == (6432,)
    assert p.address() == "a:6432, b:6432"


def test_mismatched_host_and_port_counts_are_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"3 hosts but 2 ports"):
        params(HOST="a,b,c", PORT="1,2")


def test_non_numeric_port_is_refused_with_the_value() -> None:
    with pytest.raises(ConfigurationError, match=r"\['PORT'\].*'fivefour'"):
        params(PORT="fivefour")


@pytest.mark.parametrize("key", ["sslmode", "sslrootcert", "sslcert", "sslkey", "service"])
def test_dsn_only_options_travel_in_the_dsn(key: str) -> None:
    value = "require" if key == "sslmode" else f"/etc/{key}"
    p = params(OPTIONS={key: value})
    assert p.dsn_options == {key: value}
    assert p.connect_kwargs()["dsn"].startswith("postgresql://?")
    assert f"{key}=" in p.dsn
    assert p.connect_kwargs()["server_settings"] == {}


def test_ssl_options_are_combined_in_one_dsn() -> None:
    p = params(
        OPTIONS={
            "sslmode": "verify-full",
            "sslrootcert": "/certs/root ca.crt",
            "sslcert": "/certs/client.crt",
            "sslkey": "/certs/client.key",
        }
    )
    assert p.dsn == (
        "postgresql://?sslmode=verify-full&sslrootcert=%2Fcerts%2Froot+ca.crt"
        "&sslcert=%2Fcerts%2Fclient.crt&sslkey=%2Fcerts%2Fclient.key"
    )


def test_unknown_sslmode_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"'sslmode'\] is 'always'; it must be one of"):
        params(OPTIONS={"sslmode": "always"})


def test_passfile_is_an_asyncpg_argument() -> None:
    kwargs = params(PASSWORD="", OPTIONS={"passfile": "/home/app/.pgpass"}).connect_kwargs()
    assert kwargs["passfile"] == "/home/app/.pgpass"
    assert "password" not in kwargs
    assert kwargs["dsn"] == "postgresql://"


def test_options_string_becomes_server_settings() -> None:
    p = params(OPTIONS={"options": "-c search_path=app,public -cstatement_timeout=5s"})
    assert p.server_settings == {"search_path": "app,public", "statement_timeout": "5s"}
    assert "options" not in p.connect_kwargs()["server_settings"]


def test_options_string_accepts_long_form_and_escaped_spaces() -> None:
    assert parse_options_string(r"--work-mem=64MB -c search_path=my\ schema", alias="x") == {
        "work_mem": "64MB",
        "search_path": "my schema",
    }


def test_options_string_is_split_like_the_server_not_like_a_shell() -> None:
    # PostgreSQL's pg_split_opts: whitespace separates, backslash escapes, quotes are literal.
    value = r'-c search_path="my\ schema",public -c application_name=a\\b'
    assert parse_options_string(value, alias="x") == {
        "search_path": '"my schema",public',
        "application_name": "a\\b",
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("search_path=app", r"contains 'search_path=app', which is not a '-c name=value'"),
        ("-c search_path", r"contains 'search_path', which is not a name=value setting"),
        ("-B 128", r"contains '-B', which is not a '-c name=value'"),
    ],
)
def test_malformed_options_string_is_refused(value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        params(alias="replica", OPTIONS={"options": value})


def test_application_name_is_a_server_setting() -> None:
    p = params(OPTIONS={"application_name": "nightly-export"})
    assert p.connect_kwargs()["server_settings"] == {"application_name": "nightly-export"}


def test_a_label_is_appended_to_the_projects_application_name() -> None:
    p = params(OPTIONS={"application_name": "shop-web"})
    labelled = p.labelled("cursor_stream export 0123456789ab")
    assert labelled.connect_kwargs()["server_settings"] == {
        "application_name": "shop-web cursor_stream export 0123456789ab"
    }
    # The original is unchanged (a frozen value), and the label is not a secret.
    assert p.connect_kwargs()["server_settings"] == {"application_name": "shop-web"}
    assert "cursor_stream export 0123456789ab" in repr(labelled)


def test_a_label_without_an_application_name_follows_django() -> None:
    kwargs = params().labelled("cursor_stream export abc").connect_kwargs()
    assert kwargs["server_settings"] == {"application_name": "django cursor_stream export abc"}


@pytest.mark.parametrize(
    ("where", "expected_base"),
    [
        ({"OPTIONS": {"options": "-c application_name=from-options"}}, "from-options"),
        ({"extra": {"server_settings": {"application_name": "from-kwargs"}}}, "from-kwargs"),
    ],
)
def test_a_label_follows_every_source_of_the_application_name(
    where: dict[str, Any], expected_base: str
) -> None:
    p = params_from_settings_dict(
        settings(OPTIONS=where.get("OPTIONS", {})), alias="default", extra=where.get("extra")
    )
    name = p.labelled("cursor_stream export 42").connect_kwargs()["server_settings"]
    assert name["application_name"] == f"{expected_base} cursor_stream export 42"


def test_labelled_application_names_fit_postgresqls_63_bytes_keeping_the_label() -> None:
    label = "cursor_stream export 0123456789ab"
    name = labelled_application_name("x" * 100, label)
    assert len(name.encode()) == 63
    assert name == "x" * (63 - len(label) - 1) + " " + label
    # Non-ASCII would be escaped (and lengthened) by the server: sent as '?' instead.
    name = labelled_application_name("Bestellübersicht " * 5, label)
    assert name.isascii() and len(name) <= 63 and name.endswith(" " + label)
    assert name.startswith("Bestell?bersicht")
    assert labelled_application_name("", label) == label
    assert labelled_application_name("web", "z" * 80) == "z" * 63


def test_target_session_attrs_is_an_asyncpg_argument() -> None:
    kwargs = params(OPTIONS={"target_session_attrs": "read-write"}).connect_kwargs()
    assert kwargs["target_session_attrs"] == "read-write"


@pytest.mark.parametrize(("value", "timeout"), [(10, 10.0), ("2.5", 2.5), (0, None), ("", None)])
def test_connect_timeout_is_the_asyncpg_timeout_never_a_server_setting(
    value: Any, timeout: float | None
) -> None:
    p = params(OPTIONS={"connect_timeout": value})
    assert p.timeout == timeout
    kwargs = p.connect_kwargs()
    assert kwargs.get("timeout") == timeout
    # The server refuses a connection whose startup packet carries connect_timeout.
    assert "connect_timeout" not in kwargs["server_settings"]
    assert "connect_timeout" not in kwargs["dsn"]


def test_non_numeric_connect_timeout_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"'connect_timeout'\] must be a number"):
        params(OPTIONS={"connect_timeout": "soon"})


def test_assume_role_is_kept_for_set_role_not_sent_at_login() -> None:
    p = params(OPTIONS={"assume_role": "reporting"})
    assert p.assume_role == "reporting"
    kwargs = p.connect_kwargs()
    assert "assume_role" not in kwargs["server_settings"]
    assert kwargs["user"] == "app"


@pytest.mark.parametrize("key", ["isolation_level", "pool", "server_side_binding"])
def test_django_only_options_are_ignored(key: str) -> None:
    p = params(OPTIONS={key: True})
    assert p.connect_kwargs() == params().connect_kwargs()


def test_unknown_option_is_refused_naming_the_key_and_alias() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        params(alias="warehouse", OPTIONS={"sslmode": "require", "sslmodes": 30})
    assert isinstance(info.value, ConfigurationError)
    assert str(info.value) == (
        "DATABASES['warehouse']['OPTIONS'] key 'sslmodes' is not supported by "
        "cursor_stream's asyncpg connections. Remove it, or list it in "
        "CURSOR_STREAM['IGNORED_OPTIONS'] to connect without it."
    )


def test_transport_only_libpq_options_are_left_out() -> None:
    p = params(OPTIONS={"keepalives": 1, "keepalives_idle": 30, "tcp_user_timeout": 1000})
    assert "keepalives" not in repr(p) and "keepalives" not in str(p.connect_kwargs())


def test_ignored_options_setting_skips_unknown_keys() -> None:
    p = params_from_settings_dict(
        settings(OPTIONS={"keepalives_idle": 30}),
        alias="default",
        ignored_options=frozenset({"keepalives_idle"}),
    )
    assert p.connect_kwargs() == params().connect_kwargs()


def test_time_zone_is_sent_as_a_server_setting_after_options() -> None:
    p = params_from_settings_dict(
        settings(OPTIONS={"options": "-c TimeZone=Asia/Tokyo"}),
        alias="default",
        timezone_name="UTC",
    )
    assert p.server_settings == {"TimeZone": "UTC"}


def test_extra_connect_kwargs_are_passed_through() -> None:
    p = params_from_settings_dict(settings(), alias="default", extra={"statement_cache_size": 0})
    assert p.connect_kwargs()["statement_cache_size"] == 0


def test_password_is_absent_from_repr() -> None:
    p = params(OPTIONS={"sslmode": "require", "sslpassword": "key-secret"})
    assert SECRET not in repr(p)
    assert "key-secret" not in repr(p)
    assert SECRET not in p.dsn


def test_password_is_absent_from_configuration_errors() -> None:
    with pytest.raises(ConfigurationError) as info:
        params(OPTIONS={"nope": SECRET})
    assert SECRET not in str(info.value)


def test_address_names_hosts_ports_sockets_and_services() -> None:
    assert params().address() == "db.example.com:5433"
    assert params(HOST="/run/pg", PORT="5432").address() == "/run/pg (port 5432)"
    assert params(HOST="", PORT="", OPTIONS={"service": "erp"}).address() == "service 'erp'"


def test_connection_params_give_everything_libpq_would_get() -> None:
    # What a backend's get_connection_params() returned wins over the settings it came from.
    p = params_from_settings_dict(
        settings(PASSWORD="stale"),
        alias="default",
        connection_params={
            "dbname": "shop",
            "user": "iam_user",
            "password": "token-123",
            "host": "db-1.example.com,db-2.example.com",
            "port": 5432,
            "sslmode": "verify-full",
            "application_name": "web",
        },
    )
    assert p.connect_kwargs() == {
        "dsn": "postgresql://?sslmode=verify-full",
        "server_settings": {"application_name": "web"},
        "database": "shop",
        "user": "iam_user",
        "password": "token-123",
        "host": ["db-1.example.com", "db-2.example.com"],
        "port": 5432,
    }


@pytest.mark.parametrize("key", sorted(DRIVER_ONLY_PARAMS))
def test_psycopg_only_connection_params_are_ignored(key: str) -> None:
    # Django adds them for psycopg (client_encoding, cursor_factory; context and
    # prepare_threshold on psycopg 3); asyncpg has its own equivalents.
    base = django_connection_params(settings())
    p = params_from_settings_dict(
        settings(), alias="default", connection_params={**base, key: object()}
    )
    assert p.connect_kwargs() == params().connect_kwargs()


def test_assume_role_is_read_from_settings_because_django_strips_it() -> None:
    settings_dict = settings(OPTIONS={"assume_role": "reporting"})
    connection_params = django_wrapper(settings_dict).get_connection_params()
    assert "assume_role" not in connection_params
    p = params_from_settings_dict(
        settings_dict, alias="default", connection_params=connection_params
    )
    assert p.assume_role == "reporting"


def test_name_none_is_the_postgres_database_without_the_service() -> None:
    # Django connects to the 'postgres' maintenance database and drops OPTIONS['service'].
    p = params(NAME=None, OPTIONS={"service": "erp"})
    assert p.database == "postgres"
    assert p.dsn_options == {}


def test_empty_name_leaves_the_database_to_the_service() -> None:
    p = params(NAME="", OPTIONS={"service": "erp"})
    assert p.database is None
    assert p.dsn_options == {"service": "erp"}


def test_libpq_keywords_in_options_are_used_as_django_uses_them() -> None:
    # Django passes OPTIONS to the driver, then NAME/USER/... override the same keywords.
    assert params(USER="", OPTIONS={"user": "from_options"}).user == "from_options"
    assert params(OPTIONS={"user": "from_options"}).user == "app"


def test_unknown_parameter_from_a_backend_is_refused_naming_the_engine() -> None:
    with pytest.raises(ConfigurationError) as info:
        params_from_settings_dict(
            settings(ENGINE="acme.db.iam"),
            alias="warehouse",
            connection_params={"dbname": "shop", "gssdelegation": 1, "password": SECRET},
        )
    assert str(info.value) == (
        "The connection parameter 'gssdelegation' that acme.db.iam's get_connection_params() "
        "returns for DATABASES['warehouse'] is not supported by cursor_stream's asyncpg "
        "connections. Remove it, or list it in CURSOR_STREAM['IGNORED_OPTIONS'] to connect "
        "without it."
    )


def django_wrapper(settings_dict: dict[str, Any]) -> Any:
    """Return a DatabaseWrapper for ``settings_dict`` with Django's defaults filled in."""
    return ConnectionHandler({"default": settings_dict})["default"]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"NAME": None, "OPTIONS": {"service": "erp", "sslmode": "require"}},
        {
            "NAME": "",
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "OPTIONS": {"service": "x"},
        },
        {"PORT": 6432, "HOST": "a,b"},
        {"USER": "", "OPTIONS": {"user": "from_options", "password": "from_options"}},
        {
            "OPTIONS": {
                "assume_role": "r",
                "isolation_level": 3,
                "server_side_binding": True,
                "options": "-c search_path=app",
                "passfile": "/p",
            }
        },
    ],
)
def test_pure_derivation_matches_djangos_get_connection_params(overrides: dict[str, Any]) -> None:
    # Guards the mirror in django_connection_params against changes in Django's backend.
    real = django_wrapper(settings(**overrides)).get_connection_params()
    expected = {k: v for k, v in real.items() if k not in DRIVER_ONLY_PARAMS}
    assert django_connection_params(settings(**overrides)) == expected


def test_connect_params_names_the_alias_of_a_misconfigured_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(connections["default"].settings_dict, "NAME", "")
    with pytest.raises(ConfigurationError) as info:
        connect_params("default")
    assert str(info.value) == (
        "DATABASES['default'] is misconfigured: settings.DATABASES is improperly configured. "
        "Please supply the NAME or OPTIONS['service'] value."
    )


def test_resolve_alias_refuses_other_vendors_naming_the_alias() -> None:
    with pytest.raises(ConfigurationError, match=r"alias 'sqlite' uses the 'sqlite' backend"):
        resolve_alias("sqlite")


def test_resolve_alias_lists_the_configured_aliases() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_alias("nope")
    assert str(info.value) == (
        "The database alias 'nope' is not in DATABASES; the configured aliases are "
        "'default', 'sqlite'."
    )


def test_connect_params_reads_django_settings_dict_and_time_zone() -> None:
    p = connect_params()
    wrapper = connections["default"]
    assert p.alias == "default"
    assert p.database == wrapper.settings_dict["NAME"]
    assert p.server_settings["TimeZone"] == wrapper.timezone_name == "UTC"


def test_connect_params_uses_the_cursor_stream_database_setting() -> None:
    with (
        override_settings(CURSOR_STREAM={"DATABASE": "sqlite"}),
        pytest.raises(ConfigurationError, match="'sqlite'"),
    ):
        connect_params()


# --- parity with Django's own connection (real server) ---------------------------------------

PROBE_SQL = """
SELECT current_user::text AS current_user,
       session_user::text AS session_user,
       current_database()::text AS database,
       current_setting('search_path') AS search_path,
       current_setting('TimeZone') AS timezone,
       current_setting('application_name') AS application_name,
       current_setting('statement_timeout') AS statement_timeout,
       host(inet_server_addr()) AS server_addr,
       coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl
"""


def django_view(settings_dict: dict[str, Any]) -> tuple[dict[str, Any], ConnectParams]:
    """Connect with Django's own backend; return what it sees and the matching ConnectParams."""
    # A private handler fills in Django's defaults exactly as for settings.DATABASES, without
    # touching the project's connections (override_settings(DATABASES=...) is not supported).
    handler = ConnectionHandler({"default": settings_dict})
    wrapper = handler["default"]
    try:
        with wrapper.cursor() as cursor:
            cursor.execute(PROBE_SQL)
            columns = [col[0] for col in cursor.description]
            row = dict(zip(columns, cursor.fetchone(), strict=True))
        p = params_from_settings_dict(
            wrapper.settings_dict,
            alias="parity",
            connection_params=wrapper.get_connection_params(),
            timezone_name=wrapper.timezone_name,
        )
    finally:
        wrapper.close()
    return row, p


def asyncpg_view(p: ConnectParams) -> dict[str, Any]:
    async def probe() -> dict[str, Any]:
        conn = await connect(p)
        try:
            record = await conn.fetchrow(PROBE_SQL)
        finally:
            await conn.close()
        assert record is not None
        return dict(record)

    return asyncio.run(probe())


def assert_parity(settings_dict: dict[str, Any]) -> dict[str, Any]:
    seen_by_django, p = django_view(settings_dict)
    assert asyncpg_view(p) == seen_by_django
    return seen_by_django


@pytest.fixture(scope="module")
def cluster() -> devdb.Cluster:
    """The throwaway cluster behind DATABASE_URL (skip the test when it is an outside server)."""
    path = os.environ.get("CURSOR_STREAM_TEST_CLUSTER")
    if not path:
        pytest.skip("needs the throwaway cluster (CURSOR_STREAM_TEST_CLUSTER is unset)")
    return devdb.Cluster(Path(path).name, Path(path).parent)


@pytest.fixture
def base() -> dict[str, Any]:
    """The default alias's settings (NAME is the test database), as a fresh dict."""
    source = connections["default"].settings_dict
    return {
        "ENGINE": source["ENGINE"],
        "NAME": source["NAME"],
        "USER": source["USER"],
        "PASSWORD": source["PASSWORD"],
        "HOST": source["HOST"],
        "PORT": source["PORT"],
        "OPTIONS": {},
    }


@pytest.fixture(scope="module")
def roles(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """Create a scram login role and a role it may SET ROLE to; committed, dropped at the end."""
    suffix = secrets.token_hex(4)
    names = {
        "login": f"cs_login_{suffix}",
        "reader": f"cs_reader_{suffix}",
        # Characters that need quoting in URLs and pgpass files.
        "password": "pa ss'w@rd%" + secrets.token_hex(4),
    }
    with django_db_blocker.unblock():
        handler = ConnectionHandler({"default": dict(connections["default"].settings_dict)})
        admin = handler["default"]
        try:
            with admin.cursor() as cursor:
                # password_encryption defaults to scram-sha-256 (PostgreSQL 14+).
                cursor.execute("SET password_encryption = 'scram-sha-256'")
                cursor.execute(
                    f"CREATE ROLE {names['login']} LOGIN PASSWORD %s", [names["password"]]
                )
                cursor.execute(f"CREATE ROLE {names['reader']} NOLOGIN")
                cursor.execute(f"GRANT {names['reader']} TO {names['login']}")
                cursor.execute(
                    "SELECT rolpassword LIKE 'SCRAM-SHA-256$%%' FROM pg_authid WHERE rolname = %s",
                    [names["login"]],
                )
                assert cursor.fetchone() == (True,)
            yield names
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP ROLE IF EXISTS {names['login']}")
                cursor.execute(f"DROP ROLE IF EXISTS {names['reader']}")
            admin.close()


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_parity_tcp(base: dict[str, Any]) -> None:
    seen = assert_parity(base)
    assert seen["database"] == base["NAME"]
    assert seen["timezone"] == "UTC"


@pytestmark_db
def test_parity_time_zone_follows_django_without_use_tz(base: dict[str, Any]) -> None:
    with override_settings(USE_TZ=False):
        seen = assert_parity(base)
    assert seen["timezone"] == "Europe/Paris"


@pytestmark_db
def test_parity_unix_socket(base: dict[str, Any], cluster: devdb.Cluster) -> None:
    seen = assert_parity({**base, "HOST": str(cluster.socket_dir), "PASSWORD": ""})
    assert seen["server_addr"] is None
    assert seen["ssl"] is False


@pytestmark_db
def test_parity_comma_list_skips_a_dead_host(base: dict[str, Any]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
        seen = assert_parity(
            {
                **base,
                "HOST": f"127.0.0.1,{base['HOST']}",
                "PORT": f"{dead_port},{base['PORT']}",
                "OPTIONS": {"target_session_attrs": "read-write"},
            }
        )
    assert seen["database"] == base["NAME"]


@pytestmark_db
def test_parity_scram_password(base: dict[str, Any], roles: dict[str, str]) -> None:
    seen = assert_parity({**base, "USER": roles["login"], "PASSWORD": roles["password"]})
    assert seen["current_user"] == roles["login"]


@pytestmark_db
def test_parity_passfile(base: dict[str, Any], roles: dict[str, str], tmp_path: Path) -> None:
    passfile = tmp_path / "pgpass"
    escaped = roles["password"].replace("\\", "\\\\").replace(":", "\\:")
    passfile.write_text(f"{base['HOST']}:{base['PORT']}:*:{roles['login']}:{escaped}\n")
    passfile.chmod(0o600)
    seen = assert_parity(
        {**base, "USER": roles["login"], "PASSWORD": "", "OPTIONS": {"passfile": str(passfile)}}
    )
    assert seen["current_user"] == roles["login"]


@pytestmark_db
def test_parity_service_file(
    base: dict[str, Any], roles: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The password comes from a passfile named in the service: asyncpg reads service files with
    # configparser's interpolation, so a '%' in a password written there would break it.
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:{roles['login']}:{roles['password']}\n")
    passfile.chmod(0o600)
    servicefile = tmp_path / "pg_service.conf"
    servicefile.write_text(
        "[cs_parity]\n"
        f"host={base['HOST']}\n"
        f"port={base['PORT']}\n"
        f"dbname={base['NAME']}\n"
        f"user={roles['login']}\n"
        f"passfile={passfile}\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(servicefile))
    seen = assert_parity(
        {
            **base,
            "NAME": "",
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "OPTIONS": {"service": "cs_parity"},
        }
    )
    assert seen["current_user"] == roles["login"]
    assert seen["database"] == base["NAME"]


@pytestmark_db
def test_parity_options_search_path_and_settings(base: dict[str, Any]) -> None:
    seen = assert_parity(
        {
            **base,
            "OPTIONS": {"options": r'-c search_path="my\ schema",public -c statement_timeout=7s'},
        }
    )
    assert seen["search_path"] == '"my schema",public'
    assert seen["statement_timeout"] == "7s"


@pytestmark_db
def test_parity_application_name_and_connect_timeout(base: dict[str, Any]) -> None:
    seen = assert_parity(
        {**base, "OPTIONS": {"application_name": "cs-parity", "connect_timeout": 5}}
    )
    assert seen["application_name"] == "cs-parity"


@pytestmark_db
@pytest.mark.parametrize(("sslmode", "ssl"), [("disable", False), ("require", True)])
def test_parity_sslmode(
    base: dict[str, Any], cluster: devdb.Cluster, sslmode: str, ssl: bool
) -> None:
    if cluster.root_cert is None:
        pytest.skip("the cluster has no certificate (openssl missing)")
    seen = assert_parity({**base, "OPTIONS": {"sslmode": sslmode}})
    assert seen["ssl"] is ssl


@pytestmark_db
def test_parity_sslmode_verify_full_with_root_cert(
    base: dict[str, Any], cluster: devdb.Cluster
) -> None:
    if cluster.root_cert is None:
        pytest.skip("the cluster has no certificate (openssl missing)")
    seen = assert_parity(
        {
            **base,
            "OPTIONS": {"sslmode": "verify-full", "sslrootcert": str(cluster.root_cert)},
        }
    )
    assert seen["ssl"] is True


@pytestmark_db
def test_parity_assume_role(base: dict[str, Any], roles: dict[str, str]) -> None:
    seen = assert_parity(
        {
            **base,
            "USER": roles["login"],
            "PASSWORD": roles["password"],
            "OPTIONS": {"assume_role": roles["reader"]},
        }
    )
    assert seen["current_user"] == roles["reader"]
    assert seen["session_user"] == roles["login"]


@pytestmark_db
def test_parity_name_none_is_the_postgres_database(base: dict[str, Any]) -> None:
    seen = assert_parity({**base, "NAME": None})
    assert seen["database"] == "postgres"


@pytestmark_db
def test_parity_custom_backend_password(base: dict[str, Any]) -> None:
    seen = assert_parity(
        {
            **base,
            "ENGINE": "tests.custom_backend",
            "PASSWORD": "not-the-password",
            "OPTIONS": {"password_provider": "tests.custom_backend.tokens.issue_token"},
        }
    )
    assert seen["current_user"] == base["USER"]


# --- connection failures ------------------------------------------------------------------------


def test_wrong_password_error_is_one_line_without_the_password(base: dict[str, Any]) -> None:
    wrong = "not-the-" + secrets.token_hex(8)
    p = params_from_settings_dict({**base, "PASSWORD": wrong}, alias="default")
    with pytest.raises(ConnectError) as info:
        asyncpg_view(p)
    message = str(info.value)
    assert "\n" not in message
    assert wrong not in message
    assert "password authentication failed" in message
    assert f"{base['HOST']}:{base['PORT']}" in message


def test_unreachable_port_error_names_host_and_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        p = params(HOST="127.0.0.1", PORT=str(port), OPTIONS={"connect_timeout": 5})
        with pytest.raises(ConnectError) as info:
            asyncpg_view(p)
    message = str(info.value)
    assert message.startswith(
        f"Could not connect to PostgreSQL database 'shop' at 127.0.0.1:{port} as user 'app' "
        "(DATABASES alias 'default'): "
    )
    assert "\n" not in message
    assert SECRET not in message


@pytestmark_db
def test_unknown_assume_role_closes_the_connection_and_says_why(base: dict[str, Any]) -> None:
    p = params_from_settings_dict(
        {**base, "OPTIONS": {"assume_role": "no_such_role_cs"}}, alias="default"
    )
    with pytest.raises(ConnectError, match=r'role "no_such_role_cs" does not exist'):
        asyncpg_view(p)


def test_unreadable_service_file_is_a_connect_error_without_its_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    servicefile = tmp_path / "pg_service.conf"
    servicefile.write_text("[cs_bad]\nhost=127.0.0.1\npassword=100%secret\n")
    monkeypatch.setenv("PGSERVICEFILE", str(servicefile))
    p = params(HOST="", PORT="", PASSWORD="", OPTIONS={"service": "cs_bad"})
    with pytest.raises(ConnectError) as info:
        asyncpg_view(p)
    assert "secret" not in str(info.value)
    assert "connection service file" in str(info.value)


# --- a backend that supplies credentials in get_connection_params() ---------------------------


@pytest.fixture
def custom_alias(
    django_db_setup: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    """Add an alias served by tests.custom_backend: its PASSWORD is wrong, its token right."""
    alias = "custom_backend"
    source = connections["default"].settings_dict
    settings_dict = {
        "ENGINE": "tests.custom_backend",
        "NAME": source["NAME"],
        "USER": source["USER"],
        "PASSWORD": "not-the-" + secrets.token_hex(4),
        "HOST": source["HOST"],
        "PORT": source["PORT"],
        "OPTIONS": {
            **source["OPTIONS"],
            "password_provider": "tests.custom_backend.tokens.issue_token",
        },
    }
    # A private handler fills in Django's defaults (TEST, TIME_ZONE, ...).
    settings_dict = ConnectionHandler({"default": settings_dict}).settings["default"]
    monkeypatch.setitem(connections.settings, alias, settings_dict)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


@pytestmark_db
def test_settings_password_alone_does_not_reach_the_custom_backend_server(
    custom_alias: str,
) -> None:
    # What the export would do if it read only settings_dict: the wrong PASSWORD.
    p = params_from_settings_dict(
        connections[custom_alias].settings_dict,
        alias=custom_alias,
        ignored_options=frozenset({"password_provider"}),
    )
    with pytest.raises(ConnectError, match="password authentication failed"):
        asyncpg_view(p)


@pytestmark_db
def test_connect_params_take_the_password_from_the_custom_backend(custom_alias: str) -> None:
    before = len(tokens.issued)
    p = connect_params(custom_alias)
    # One token per call: each export gets fresh credentials, as Django's new connections do.
    assert len(tokens.issued) == before + 1
    assert p.password != connections[custom_alias].settings_dict["PASSWORD"]
    assert asyncpg_view(p)["current_user"] == connections[custom_alias].settings_dict["USER"]


@pytest.mark.django_db(transaction=True)
def test_exports_through_a_custom_backend_alias_connect(custom_alias: str, tmp_path: Path) -> None:
    Tag.objects.bulk_create([Tag(name="north"), Tag(name="south")])

    async def rows() -> list[Any]:
        source = Tag.objects.using(custom_alias).order_by("pk").values_list("name", flat=True)
        return [row async for row in cursor_stream.stream(source)]

    assert asyncio.run(rows()) == ["north", "south"]

    before = len(tokens.issued)
    out = tmp_path / "tags.csv"
    call_command(
        "streamdata",
        "testapp.Tag",
        fields="name",
        database=custom_alias,
        output=str(out),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert out.read_text() == "name\nnorth\nsouth\n"
    assert len(tokens.issued) > before


def test_failing_custom_backend_is_a_one_line_error(
    custom_alias: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = connections[custom_alias].settings_dict["OPTIONS"]
    monkeypatch.setitem(options, "password_provider", "tests.custom_backend.tokens.unavailable")
    with pytest.raises(CommandError) as info:
        call_command("streamcheck", database=custom_alias, stdout=io.StringIO())
    assert str(info.value) == (
        "Could not get the connection parameters of DATABASES alias 'custom_backend' from "
        "tests.custom_backend: ConnectionRefusedError: token service at https://tokens.invalid/ "
        "refused the request"
    )
