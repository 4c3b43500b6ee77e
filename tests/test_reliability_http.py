"""Reliability under a real ASGI server (uvicorn): disconnects at random points, and many
simultaneous downloads against a connection limit. The server runs as a subprocess on the test
database; its log must show no traceback and no warning about never-awaited coroutines,
destroyed tasks or unclosed generators."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests import faults

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LIMIT = 4
DB_CONNECTION_LIMIT = 12


@pytest.fixture
def uvicorn_server(tmp_path: Path, products: int) -> Iterator[int]:
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    url = urllib.parse.urlunsplit(
        parts._replace(
            path="/" + urllib.parse.quote(connection.settings_dict["NAME"]),
            query="application_name=cs-reliability-server",
        )
    )
    port = faults.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "tests.limit_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
        # Show every warning (never-awaited coroutines, unclosed resources) in the log.
        "PYTHONWARNINGS": "always",
        "PYTHONASYNCIODEBUG": "0",
    }
    log_path = tmp_path / "uvicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-X",
                "dev",
                "-m",
                "uvicorn",
                "tests.http_app:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # The server's sessions end with its process, a moment later: wait for them, so that
        # the test database can be dropped at the end of the run.
        deadline = time.monotonic() + 5
        while _server_backends() and time.monotonic() < deadline:
            time.sleep(0.05)
    log_text = log_path.read_text(errors="replace")
    for bad in ("Traceback", "never awaited", "was destroyed", "Unclosed", "ResourceWarning",
                "RuntimeWarning", "Task exception"):  # fmt: skip
        assert bad not in log_text, log_text


def _server_backends() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(state, '') FROM pg_stat_activity "
            # Exports append "cursor_stream export <id>" to the server's application_name.
            "WHERE application_name LIKE 'cs-reliability-server%'"
        )
        return [row[0] for row in cursor.fetchall()]


def _wait_released(within: float) -> float:
    started = time.monotonic()
    while True:
        states = [s for s in _server_backends() if s != "idle"]
        if not states:
            return time.monotonic() - started
        assert time.monotonic() - started < within, f"still {states}"
        time.sleep(0.02)


def test_disconnects_at_random_points_release_the_transaction_within_a_second(uvicorn_server):
    rng = random.Random(24112026)
    timings = []
    for attempt in range(20):
        tag = uuid.uuid4().hex
        path = "/series/?n=3000000&tag=" + tag if attempt % 2 else "/aproducts/"
        sock = socket.create_connection(("127.0.0.1", uvicorn_server), timeout=10)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        wanted = rng.choice([0, 1, 100, 5_000, 60_000, 150_000])
        received = 0
        while received < wanted:
            data = sock.recv(65536)
            if not data:
                break
            received += len(data)
        if attempt % 3 == 0:
            time.sleep(rng.uniform(0.2, 1.0))  # a slow reader: the server blocks in send()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # RST
        timings.append(_wait_released(1.0))
    assert max(timings) < 1.0


def test_many_simultaneous_downloads_complete_or_get_503_never_exceeding_the_limit(
    uvicorn_server, products
):
    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER DATABASE "{connection.settings_dict["NAME"]}" '
            f"CONNECTION LIMIT {DB_CONNECTION_LIMIT}"
        )
    results: list[tuple[int, int, bytes]] = []
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        try:
            while not stop.is_set():
                peak[0] = max(peak[0], len(_server_backends()))
                time.sleep(0.005)
        finally:
            connection.close()  # this thread's own Django connection

    def download() -> None:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", uvicorn_server, timeout=60)
        try:
            conn.request("GET", "/aproducts/")
            response = conn.getresponse()
            body = response.read()
            results.append((response.status, len(body), body[:200]))
        finally:
            conn.close()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        threads = [threading.Thread(target=download) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
        assert not any(thread.is_alive() for thread in threads), "a download hung"
    finally:
        stop.set()
        watcher.join()
        with connection.cursor() as cursor:
            cursor.execute(
                f'ALTER DATABASE "{connection.settings_dict["NAME"]}" CONNECTION LIMIT -1'
            )
    statuses = sorted({status for status, _, _ in results})
    assert len(results) == 50
    assert set(statuses) <= {200, 503}, [r for r in results if r[0] not in (200, 503)][:1]
    complete = [r for r in results if r[0] == 200]
    busy = [r for r in results if r[0] == 503]
    assert complete, "no download completed"
    sizes = {size for _, size, _ in complete}
    assert len(sizes) == 1, sizes  # every completed download has every row
    assert all(b"export connections to database 'default' are in use" in r[2] for r in busy)
    assert 1 <= peak[0] <= LIMIT, peak[0]
    _wait_released(1.0)


@pytest.mark.urls("tests.http_urls")
@pytest.mark.parametrize("view", ["/products/", "/aproducts/"])
def test_a_busy_limit_answers_503_before_streaming_and_frees_the_place(products, view):
    """In process: sync view (waits CONNECTION_WAIT) and async view (answers at once)."""
    import asyncio

    from django.test import AsyncClient, Client, override_settings

    from cursor_stream.streaming import StreamOptions, reserve_slot

    with override_settings(CURSOR_STREAM={"MAX_CONNECTIONS": 1, "CONNECTION_WAIT": 0.2}):
        options = StreamOptions.from_settings()
        held = reserve_slot("default", options, block=False)  # someone else's export
        assert held is not None
        try:
            started = time.monotonic()
            if view == "/products/":
                busy = Client().get(view)
                assert time.monotonic() - started >= 0.2  # waited CONNECTION_WAIT
            else:
                busy = asyncio.run(AsyncClient().get(view))
            assert busy.status_code == 503
            assert busy["Retry-After"] == "5"
            assert b"export connections to database 'default' are in use" in busy.content
        finally:
            held.release()
        # The place is free again: the next download streams every row.
        if view == "/products/":
            response = Client().get(view)
            body = b"".join(response.streaming_content)
        else:

            async def fetch() -> tuple[int, bytes]:
                response = await AsyncClient().get(view)
                return response.status_code, b"".join(
                    [chunk async for chunk in response.streaming_content]
                )

            status, body = asyncio.run(fetch())
            assert status == 200
        assert body.count(b"\n") >= products + 1
        again = reserve_slot("default", options, block=False)
        assert again is not None  # every place was given back
        again.release()


@pytest.mark.urls("tests.http_urls")
def test_raw_sql_export_answers_503_when_its_describe_connection_finds_no_place(products):
    """Raw SQL is described by the server while preparing; a busy limit is a 503, not a 400."""
    from django.test import Client, override_settings

    from cursor_stream.streaming import StreamOptions, reserve_slot

    with override_settings(CURSOR_STREAM={"MAX_CONNECTIONS": 1, "CONNECTION_WAIT": 0.1}):
        held = reserve_slot("default", StreamOptions.from_settings(), block=False)
        assert held is not None
        try:
            response = Client().get("/series/?n=10")
        finally:
            held.release()
    assert response.status_code == 503
    assert b"export connections to database 'default' are in use" in response.content
