"""``manage.py streamcheck``: in process through call_command, and as a real subprocess."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


def streamcheck(**options: object) -> dict[str, str]:
    out = io.StringIO()
    call_command("streamcheck", stdout=out, **options)
    lines = out.getvalue().splitlines()
    assert lines[-1] == "Connected through asyncpg."
    return dict(re.split(r"\s{2,}", line, maxsplit=1) for line in lines[:-1])


def seen_by_django() -> dict[str, object]:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('server_version'), current_database(), current_user, "
            "current_setting('search_path'), "
            "(SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), "
            "(SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid())"
        )
        version, database, user, search_path, ssl, ssl_version = cursor.fetchone()
    return {
        "server": f"PostgreSQL {version}",
        "database": database,
        "user": user,
        "search_path": search_path,
        "tls": f"on ({ssl_version})" if ssl else "off",
    }


@pytest.mark.django_db
def test_streamcheck_reports_what_django_sees() -> None:
    settings_dict = connections["default"].settings_dict
    report = streamcheck()
    expected = seen_by_django()
    assert {key: report[key] for key in expected} == expected
    assert report["alias"] == "default"
    assert report["database"] == settings_dict["NAME"]
    assert report["time zone"] == "UTC"
    assert report["address"] == f"{settings_dict['HOST']}:{settings_dict['PORT']}"
    assert report["application_name"] == "(none)"


@pytest.mark.django_db
def test_streamcheck_masks_the_password() -> None:
    password = connections["default"].settings_dict["PASSWORD"]
    out = io.StringIO()
    call_command("streamcheck", stdout=out)
    assert streamcheck()["password"] == "********"
    if password:
        assert password not in out.getvalue()


@pytest.mark.django_db
def test_streamcheck_through_a_unix_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    cluster_dir = os.environ.get("CURSOR_STREAM_TEST_CLUSTER")
    if not cluster_dir:
        pytest.skip("needs the throwaway cluster (CURSOR_STREAM_TEST_CLUSTER is unset)")
    import devdb

    cluster = devdb.Cluster(Path(cluster_dir).name, Path(cluster_dir).parent)
    settings_dict = connections["default"].settings_dict
    # Only streamcheck reads these; Django's own connection is already open.
    monkeypatch.setitem(settings_dict, "HOST", str(cluster.socket_dir))
    monkeypatch.setitem(settings_dict, "PASSWORD", "")
    report = streamcheck()
    assert report["address"] == f"Unix socket {cluster.socket_dir}"
    assert report["tls"] == "off"
    assert report["password"] == "(none; trust, passfile or peer)"


def test_streamcheck_refuses_a_sqlite_alias() -> None:
    with pytest.raises(CommandError) as info:
        call_command("streamcheck", database="sqlite", stdout=io.StringIO())
    assert str(info.value) == (
        "The database alias 'sqlite' uses the 'sqlite' backend; cursor_stream streams from "
        "PostgreSQL only. Use an alias whose ENGINE is django.db.backends.postgresql."
    )


def test_streamcheck_lists_aliases_for_an_unknown_one() -> None:
    with pytest.raises(CommandError, match=r"configured aliases are 'default', 'sqlite'\."):
        call_command("streamcheck", database="nope", stdout=io.StringIO())


# --- as a subprocess: exit status, one-line errors, no traceback, no password ------------------


def manage(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, str(ROOT / "example_project" / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def replace_url(**parts: str) -> str:
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    user = urllib.parse.unquote(url.username or "")
    password = parts.pop("password", url.password or "")
    host, port = url.hostname or "", str(parts.pop("port", url.port or ""))
    netloc = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}"
    return url._replace(netloc=f"{netloc}@{host}:{port}").geturl()


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: ")
    return lines[0]


def test_subprocess_streamcheck_succeeds() -> None:
    result = manage("streamcheck")
    assert result.returncode == 0, result.stderr
    assert "Connected through asyncpg." in result.stdout
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    password = urllib.parse.unquote(url.password or "")
    if password:
        assert password not in result.stdout + result.stderr


def test_subprocess_sqlite_alias_is_a_one_line_error() -> None:
    line = assert_one_line_error(manage("streamcheck", "--database", "sqlite"))
    assert "'sqlite' uses the 'sqlite' backend" in line


def test_subprocess_unknown_alias_lists_the_aliases() -> None:
    line = assert_one_line_error(manage("streamcheck", "--database", "warehouse"))
    assert line == (
        "CommandError: The database alias 'warehouse' is not in DATABASES; the configured "
        "aliases are 'default', 'sqlite'."
    )


def test_subprocess_wrong_password_is_one_line_without_the_password() -> None:
    wrong = "Wr0ng-pa55word-for-streamcheck"
    result = manage("streamcheck", database_url=replace_url(password=wrong))
    line = assert_one_line_error(result)
    assert wrong not in result.stdout + result.stderr
    assert "password authentication failed" in line


def test_subprocess_unreachable_port_names_host_and_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        result = manage("streamcheck", database_url=replace_url(port=str(port)))
    line = assert_one_line_error(result)
    host = urllib.parse.urlsplit(os.environ["DATABASE_URL"]).hostname
    assert f"at {host}:{port} " in line
    assert line.startswith("CommandError: Could not connect to PostgreSQL database ")
