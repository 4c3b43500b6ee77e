"""cursor_stream.http under real servers: uvicorn (ASGI) and gunicorn (WSGI) as subprocesses.

The servers use the test database (its name goes to them in ``DATABASE_URL``) and the URLs of
tests/http_urls.py; a plain ``http.client``/socket client downloads, measures and hangs up.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from catalog.models import Product
from cursor_stream.export import ExportOptions, prepare_export
from tests import faults

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.slow, pytest.mark.urls("tests.http_urls")]


def _database_url() -> str:
    """Return ``DATABASE_URL`` pointing at this process's test database."""
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = urllib.parse.quote(connection.settings_dict["NAME"])
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def _command(kind: str, port: int) -> list[str]:
    if kind == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "tests.http_app:application",
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "gunicorn", "tests.http_app:wsgi_application",
        "--bind", f"127.0.0.1:{port}", "--worker-class", "gthread", "--threads", "4",
        "--workers", "1", "--log-level", "warning",
    ]  # fmt: skip


class Server:
    def __init__(
        self, kind: str, port: int, process: subprocess.Popen[bytes], log_path: Path
    ) -> None:
        self.kind = kind
        self.port = port
        self.process = process
        self.log_path = log_path

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


@pytest.fixture(scope="module", params=["uvicorn", "gunicorn"])
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    django_db_setup: None,
) -> Iterator[Server]:
    """Run one server per kind for the module (it only needs the test database's name)."""
    port = faults.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.http_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
    }
    log_path = tmp_path_factory.mktemp("server") / f"{request.param}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            _command(request.param, port), cwd=ROOT, env=env, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"{request.param} exited with {process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{request.param} did not start listening")
                time.sleep(0.05)
        yield Server(request.param, port, process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # Whatever the tests did (disconnects included), the server logged no error.
    log_text = log_path.read_text(errors="replace")
    assert "Traceback" not in log_text and "Exception" not in log_text, log_text


def _export_bytes(source: object) -> bytes:
    prepared = prepare_export(source, options=ExportOptions(escape_formulas=True))

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in prepared.achunks()])

    return asyncio.run(collect())


def test_download_products_csv(server: Server, products: int) -> None:
    conn = server.connect()
    conn.request("GET", "/products/")
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("X-Accel-Buffering") == "no"
    body = response.read()
    conn.close()
    assert body == _export_bytes(Product.objects.order_by("pk"))


@pytest.mark.parametrize("view", ["series", "series-plain", "aseries-plain"])
def test_first_bytes_arrive_long_before_the_end(
    server: Server, transactional_db: None, view: str
) -> None:
    """Also from views that do not pass request= (a sync view under ASGI, async under WSGI)."""
    conn = server.connect()
    # Warm up: the server's first request imports asyncpg and the export modules.
    conn.request("GET", f"/{view}/?n=1")
    conn.getresponse().read()
    started = time.monotonic()
    conn.request("GET", f"/{view}/?n=300000")
    response = conn.getresponse()
    first = response.read1(65536)
    first_byte = time.monotonic() - started
    size = len(first)
    while chunk := response.read1(1 << 20):
        size += len(chunk)
    total = time.monotonic() - started
    conn.close()
    # The header is its own chunk, sent before the query runs.
    assert first.startswith(b"n,pad\n")
    assert size > 30_000_000
    print(
        f"{server.kind} /{view}/: first byte {first_byte * 1000:.0f} ms, {size / 1e6:.0f} MB, "
        f"{total:.2f} s"
    )
    assert first_byte < total / 3
    # Django did not buffer the body into a list because of a mismatched iterator kind.
    assert "StreamingHttpResponse must consume" not in server.log_path.read_text(errors="replace")


def _export_backends(tag: str) -> list[str]:
    """Return the states of the server backends that ran a query tagged ``tag``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(state, '') FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND position(%s in query) > 0",
            [f"/* {tag} */"],
        )
        return [row[0] for row in cursor.fetchall()]


def _released_within(tag: str, seconds: float) -> tuple[bool, float, list[str]]:
    started = time.monotonic()
    while True:
        states = _export_backends(tag)
        if all(state == "idle" for state in states):
            return True, time.monotonic() - started, states
        if time.monotonic() - started > seconds:
            return False, time.monotonic() - started, states
        time.sleep(0.02)


@pytest.mark.parametrize("stall", [0.0, 1.0], ids=["reading", "stalled"])
def test_client_disconnect_releases_the_transaction(
    server: Server, stall: float, transactional_db: None
) -> None:
    """A client reads a little (and, 'stalled', stops reading for a while) then hangs up."""
    tag = uuid.uuid4().hex
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(f"GET /series/?n=50000000&tag={tag} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    received = 0
    while received < 200_000:
        received += len(sock.recv(65536))
    # The export is running: its backend is in a transaction.
    assert [s for s in _export_backends(tag) if s != "idle"]
    if stall:
        # The server fills the socket buffers and blocks in send() (ASGI: flow control).
        time.sleep(stall)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()  # RST: the server learns at once
    released, after, states = _released_within(tag, 1.0)
    print(f"{server.kind}: backend released {after * 1000:.0f} ms after the disconnect")
    assert released, f"{server.kind}: export backend still {states} after {after:.2f} s"
