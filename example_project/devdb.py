"""A throwaway PostgreSQL cluster for the demo and the tests.

When ``DATABASE_URL`` is set, everything uses that server and this module starts nothing.
Otherwise it starts a private cluster: server binaries from PATH, ``pg_config --bindir``, the
usual install directories, else the ``pgserver`` package; a free port on 127.0.0.1 plus a Unix
socket; data under ``.pgdata/<name>`` (git-ignored). ``initdb`` refuses to run as root, so as
root the cluster runs as the ``postgres`` system user (created if missing).

Command line::

    python example_project/devdb.py url [--name demo]    # start (or reuse) and print DATABASE_URL
    python example_project/devdb.py stop [--name demo]
    python example_project/devdb.py run --name test -- pytest   # start, run, stop

Only the standard library is used, so this works before the virtualenv has anything installed.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import hashlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE = ROOT / ".pgdata"
SUPERUSER = "postgres"
DATABASE = "cursor_stream"


class NoPostgres(RuntimeError):
    """No PostgreSQL server binaries could be found."""


def find_bindir() -> Path:
    """Return a directory holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    candidates: list[Path] = []
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(os.path.realpath(initdb)).parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True
            ).stdout.strip()
            candidates.append(Path(out))
    patterns = [
        "/usr/lib/postgresql/*/bin",
        "/usr/pgsql-*/bin",
        "/usr/local/pgsql/bin",
        "/opt/homebrew/opt/postgresql@*/bin",
        "/usr/local/opt/postgresql@*/bin",
        "/Applications/Postgres.app/Contents/Versions/*/bin",
    ]
    for pattern in patterns:
        found = glob.glob(pattern)
        found.sort(key=_version_key, reverse=True)
        candidates.extend(Path(p) for p in found)
    with contextlib.suppress(ImportError):
        import pgserver  # type: ignore[import-not-found]

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    for directory in candidates:
        if all((directory / exe).exists() for exe in ("initdb", "pg_ctl", "postgres")):
            return directory
    raise NoPostgres(
        "No PostgreSQL server binaries (initdb, pg_ctl, postgres) were found on PATH, through "
        "pg_config, or in /usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: "
        "'apt-get install postgresql'; macOS: 'brew install postgresql@16'), or "
        "'pip install pgserver' (bundled binaries, CPython 3.11/3.12), or set DATABASE_URL to an "
        "existing server, e.g. DATABASE_URL=postgres://user:password@localhost:5432/dbname."
    )


def _version_key(path: str) -> tuple[int, ...]:
    digits = "".join(ch if ch.isdigit() else " " for ch in path).split()
    return tuple(int(d) for d in digits)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class Cluster:
    """A private PostgreSQL cluster in ``base/name``."""

    name: str = "demo"
    base: Path = DEFAULT_BASE

    def __post_init__(self) -> None:
        self.as_user = self._service_user()
        if self.as_user and not self._accessible_by(self.as_user, self.base.parent):
            # The repository lives somewhere the service user cannot enter (e.g. under /root):
            # keep the cluster in a directory of its own under /tmp instead.
            digest = hashlib.sha1(str(ROOT).encode()).hexdigest()[:10]
            self.base = Path(f"/tmp/cursor-stream-pg-{digest}")
        self.datadir = self.base / self.name
        self.state_file = self.base / f"{self.name}.json"
        self.logfile = self.base / f"{self.name}.log"

    # --- running as another user when we are root -------------------------------------------
    @staticmethod
    def _service_user() -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    "postgres",
                ],
                check=True,
            )
        return "postgres"

    @staticmethod
    def _accessible_by(user: str, path: Path) -> bool:
        result = subprocess.run(
            ["runuser", "-u", user, "--", "test", "-x", str(path), "-a", "-r", str(path)],
            capture_output=True,
        )
        return result.returncode == 0

    def _run(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if self.as_user:
            argv = ["runuser", "-u", self.as_user, "--", *argv]
        return subprocess.run(argv, text=True, capture_output=True, **kwargs)

    def _chown(self, path: Path) -> None:
        if self.as_user:
            entry = pwd.getpwnam(self.as_user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    # --- state -------------------------------------------------------------------------------
    def _load_state(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.state_file.read_text()))
        except (OSError, ValueError):
            return {}

    def _save_state(self, state: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(state, indent=2))
        os.chmod(self.state_file, 0o600)

    @property
    def socket_dir(self) -> Path:
        # Unix socket paths are limited to ~107 bytes; fall back to /tmp for deep checkouts.
        if len(str(self.datadir)) < 80:
            return self.datadir
        return Path("/tmp")

    def is_running(self) -> bool:
        if not (self.datadir / "PG_VERSION").exists():
            return False
        result = self._run([str(find_bindir() / "pg_ctl"), "status", "-D", str(self.datadir)])
        return result.returncode == 0

    def url(self, database: str = DATABASE) -> str:
        state = self._load_state()
        password = urllib.parse.quote(state["password"], safe="")
        return f"postgres://{SUPERUSER}:{password}@127.0.0.1:{state['port']}/{database}"

    # --- lifecycle ---------------------------------------------------------------------------
    def initdb(self) -> None:
        bindir = find_bindir()
        self.base.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o755)
        if self.datadir.exists():
            shutil.rmtree(self.datadir)
        self.datadir.mkdir(mode=0o700)
        self._chown(self.datadir)
        password = secrets.token_urlsafe(18)
        pwfile = self.base / f"{self.name}.pwfile"
        pwfile.write_text(password + "\n")
        self._chown(pwfile)
        result = self._run(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                SUPERUSER,
                "--pwfile",
                str(pwfile),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        pwfile.unlink()
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        ssl = self._make_certificate()
        conf = [
            "listen_addresses = '127.0.0.1'",
            "max_connections = 120",
            "shared_buffers = 128MB",
            # A throwaway cluster: durability buys nothing, speed buys faster seeding.
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "log_min_messages = warning",
            "log_min_error_statement = panic",
        ]
        if ssl:
            conf += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        with open(self.datadir / "postgresql.conf", "a") as fh:
            fh.write("\n# added by example_project/devdb.py\n" + "\n".join(conf) + "\n")
        self._save_state({"password": password, "port": _free_port(), "ssl": ssl})

    def _make_certificate(self) -> bool:
        """Create a self-signed certificate for localhost (TLS tests); False without openssl."""
        openssl = shutil.which("openssl")
        if not openssl:
            return False
        crt, key = self.datadir / "server.crt", self.datadir / "server.key"
        result = subprocess.run(
            [
                openssl,
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "3650",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(crt),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            return False
        os.chmod(key, 0o600)
        self._chown(crt)
        self._chown(key)
        # A copy the client side can read as its root certificate (the datadir is 0700).
        shutil.copy(crt, self.base / f"{self.name}-root.crt")
        os.chmod(self.base / f"{self.name}-root.crt", 0o644)
        return True

    @property
    def root_cert(self) -> Path | None:
        path = self.base / f"{self.name}-root.crt"
        return path if path.exists() else None

    def start(self) -> str:
        """Start the cluster (creating it first if needed) and return its DATABASE_URL."""
        bindir = find_bindir()
        if not (self.datadir / "PG_VERSION").exists() or not self._load_state():
            self.initdb()
        state = self._load_state()
        if not self.is_running():
            if not _port_is_free(int(state["port"])):
                state["port"] = _free_port()
                self._save_state(state)
            sock = self.socket_dir
            result = self._run(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.datadir),
                    "-l",
                    str(self.logfile_for_run()),
                    "-o",
                    f"-p {state['port']} -k {sock}",
                ]
            )
            if result.returncode != 0:
                log = ""
                with contextlib.suppress(OSError):
                    log = self.logfile_for_run().read_text()[-2000:]
                raise RuntimeError(f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{log}")
        self.ensure_database(DATABASE)
        return self.url()

    def logfile_for_run(self) -> Path:
        # The server writes its log as the service user: keep it inside a directory it owns.
        return self.datadir / "server.log"

    def psql_argv(self, database: str = "postgres") -> list[str]:
        """Return an argv prefix for psql connected to this cluster as the superuser."""
        state = self._load_state()
        psql = find_bindir() / "psql"
        exe = str(psql) if psql.exists() else (shutil.which("psql") or "psql")
        return [
            exe,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(state["port"]),
            "-U",
            SUPERUSER,
            "-d",
            database,
        ]

    def psql_env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self._load_state()["password"]}

    def ensure_database(self, name: str) -> None:
        exists = subprocess.run(
            [*self.psql_argv(), "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            env=self.psql_env(),
            capture_output=True,
            text=True,
        )
        if exists.returncode != 0:
            raise RuntimeError(f"psql failed: {exists.stderr}")
        if exists.stdout.strip() != "1":
            subprocess.run(
                [*self.psql_argv(), "-c", f'CREATE DATABASE "{name}"'],
                env=self.psql_env(),
                check=True,
                capture_output=True,
            )

    def stop(self) -> None:
        if self.is_running():
            self._run(
                [
                    str(find_bindir() / "pg_ctl"),
                    "stop",
                    "-D",
                    str(self.datadir),
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    "60",
                ]
            )


def database_url() -> tuple[str, Cluster | None]:
    """Return ``DATABASE_URL`` from the environment, or start the demo cluster and its URL."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, None
    cluster = Cluster("demo")
    return cluster.start(), cluster


def database_settings(url: str) -> dict[str, Any]:
    """Return a Django ``DATABASES`` entry for a ``postgres://`` URL.

    Query parameters become ``OPTIONS`` (``sslmode``, ``options``, ...); ``host`` in the query
    selects a Unix socket directory, as libpq allows.
    """
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ValueError(
            f"DATABASE_URL must start with postgres:// or postgresql://, got {parsed.scheme!r}."
        )
    query = dict(urllib.parse.parse_qsl(parsed.query))
    # Not parsed.hostname: it lowercases, which breaks a percent-encoded socket directory.
    hostinfo = parsed.netloc.rpartition("@")[2]
    if hostinfo.startswith("["):
        host = hostinfo[1:].partition("]")[0]
    else:
        host = urllib.parse.unquote(hostinfo.partition(":")[0])
    host = host or query.pop("host", "")
    query.pop("host", None)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": urllib.parse.unquote(parsed.path.lstrip("/")) or DATABASE,
        "USER": urllib.parse.unquote(parsed.username or ""),
        "PASSWORD": urllib.parse.unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
        "OPTIONS": query,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["url", "start", "stop", "run", "psql"])
    parser.add_argument("--name", default="demo", help="cluster name (default: demo)")
    argv = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in argv:
        command = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    args = parser.parse_args(argv)
    if os.environ.get("DATABASE_URL") and args.action in ("url", "start"):
        print(os.environ["DATABASE_URL"])
        return 0
    try:
        cluster = Cluster(args.name)
        if args.action in ("url", "start"):
            print(cluster.start())
            return 0
        if args.action == "stop":
            cluster.stop()
            return 0
        if args.action == "psql":
            cluster.start()
            return subprocess.call([*cluster.psql_argv(DATABASE), *command], env=cluster.psql_env())
        if os.environ.get("DATABASE_URL"):
            return subprocess.call(command)
        url = cluster.start()
        try:
            return subprocess.call(command, env={**os.environ, "DATABASE_URL": url})
        finally:
            cluster.stop()
    except NoPostgres as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
