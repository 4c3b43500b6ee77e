"""Real ``manage.py db_worker`` processes (django-tasks-db) working this test run's database."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "example_project" / "manage.py"


def child_env(**extra: str) -> dict[str, str]:
    """Return the environment of a child process using this test run's database."""
    from tests.test_streamdata import child_env as streamdata_env

    return {**streamdata_env(), **extra}


class Worker:
    """One ``db_worker`` process; its output goes to a temporary file (shown on failure)."""

    def __init__(self, name: str, env: dict[str, str], *, max_file_size: int | None = None) -> None:
        self.name = name
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(MANAGE),
                "db_worker",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--no-reload",
                "--worker-id",
                name,
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=None if max_file_size is None else lambda: _limit_files(max_file_size),
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _limit_files(size: int) -> None:
    """Make writes past ``size`` bytes fail with EFBIG ("File too large"), as a full disk."""
    import resource

    # The kernel's default for SIGXFSZ kills the process; ignored, the write fails instead.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


@contextlib.contextmanager
def worker_pool(
    count: int = 2, *, max_file_size: int | None = None, **env: str
) -> Iterator[list[Worker]]:
    """Start ``count`` workers; stop them (and print their output if the test failed)."""
    workers = [
        Worker(f"w{i}-{os.getpid()}", child_env(**env), max_file_size=max_file_size)
        for i in range(count)
    ]
    try:
        yield workers
    except BaseException:
        for worker in workers:
            print(f"--- {worker.name} output ---\n{worker.output()}")
        raise
    finally:
        for worker in workers:
            worker.stop()


def wait_until(predicate: object, timeout: float, message: str) -> None:
    """Poll ``predicate()`` every 50 ms until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting until {message}.")
        time.sleep(0.05)
