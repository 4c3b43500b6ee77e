"""Fault injectors for the reliability suite: a TCP proxy that can black-hole traffic, and a
PgBouncer started by the test. Everything listens on 127.0.0.1 only and stops by itself."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BlackHoleProxy:
    """Forward TCP traffic to ``target`` until :meth:`freeze`, then stop forwarding without
    closing anything: the client sees a silent, open connection, like a dead network path."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.frozen = threading.Event()
        self.stopped = threading.Event()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> BlackHoleProxy:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stopped.set()
        for thread in self._threads[:1]:
            thread.join(timeout=2)  # the accept loop: no socket is added after this
        with self._lock:
            sockets = [self._listener, *self._sockets]
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads[1:]:
            thread.join(timeout=2)

    def freeze(self) -> None:
        self.frozen.set()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            if self.stopped.is_set():
                client.close()
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                thread = threading.Thread(target=self._pump, args=(src, dst), daemon=True)
                thread.start()
                self._threads.append(thread)

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            src.settimeout(0.1)
        except OSError:
            return  # closed by __exit__ before this thread got going
        while not self.stopped.is_set():
            if self.frozen.is_set():
                time.sleep(0.05)  # hold everything: read nothing, send nothing, close nothing
                continue
            try:
                data = src.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)
                return
            if self.frozen.is_set():
                continue  # swallowed: the black hole started while this chunk was in flight
            try:
                dst.sendall(data)
            except OSError:
                return


@contextlib.contextmanager
def pgbouncer(
    *, host: str, port: int, user: str, password: str, database: str, pool_mode: str
) -> Iterator[int]:
    """Run a PgBouncer in front of ``host:port`` and yield its port."""
    exe = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(exe).exists():
        message = "pgbouncer is not installed: apt-get install pgbouncer (.ci/run installs it)."
        if os.environ.get("CI"):
            raise RuntimeError(message)
        import pytest

        pytest.skip(message)
    workdir = Path(tempfile.mkdtemp(prefix="cursor-stream-pgbouncer-"))
    listen = free_port()
    (workdir / "userlist.txt").write_text(f'"{user}" "{password}"\n')
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{database} = host={host} port={port} dbname={database}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {listen}\n"
        f"unix_socket_dir = {workdir}\n"
        f"auth_type = plain\nauth_file = {workdir / 'userlist.txt'}\n"
        f"pool_mode = {pool_mode}\n"
        "default_pool_size = 5\nmax_client_conn = 100\n"
        "ignore_startup_parameters = extra_float_digits\n"
        f"logfile = {workdir / 'pgbouncer.log'}\npidfile = {workdir / 'pgbouncer.pid'}\n"
    )
    argv = [exe, str(workdir / "pgbouncer.ini")]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root.
        entry = pwd.getpwnam("postgres")
        os.chown(workdir, entry.pw_uid, entry.pw_gid)
        for child in workdir.iterdir():
            os.chown(child, entry.pw_uid, entry.pw_gid)
        argv = ["runuser", "-u", "postgres", "--", *argv]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", listen), 0.2):
                break
            if proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {proc.stdout.read() if proc.stdout else ''}")
            time.sleep(0.05)
        yield listen
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        if proc.stdout:
            proc.stdout.close()
        shutil.rmtree(workdir, ignore_errors=True)
