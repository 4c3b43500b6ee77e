"""Parts of a parallel export run by other processes, on this machine or others.

The leader (parallel.py) hands each part but the first to a :class:`PartRunner` as a signed
description (:func:`sign_part`): a string holding the part's :class:`~.parts.PartSpec` as JSON
(the exported snapshot's id, the part's SQL with its key range, how its rows become bytes),
signed with the project's ``SECRET_KEY`` (``django.core.signing``), since it holds SQL that a
worker will run. A worker calls :func:`run_part` with it (``manage.py streampart`` does), and the
part's bytes go to a file the runner chose.

Who runs a part is decided in PostgreSQL, which every process of every machine can reach: the
runner of a part holds an advisory lock on its keys (:meth:`PartSpec.lock_keys`) for as long
as it runs. A worker that finds the lock taken does nothing (status ``taken``), nor one that
finds the snapshot gone (``expired``: the export ended, or its leader died). The leader waits
for the parts in order; a part whose runner failed, or that no runner has started within
``start_timeout`` seconds, the leader takes the lock of and runs itself, on its own connection
and in its own transaction (the snapshot's): a single worker busy with the leader itself can
never deadlock it, and a failed part is retried as long as the snapshot lives. The leader keeps
every lock it took until the export ends, so a late worker never runs a part twice.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .exceptions import InvalidArgument, QueryError
from .parts import PartOutput, PartSpec, begin_part, part_label
from .sinks import temporary_files
from .streaming import StreamOptions, Transaction, _translated

logger = logging.getLogger("cursor_stream.parallel")

#: ``django.core.signing`` salt of part descriptions.
SALT = "cursor_stream.parts"

#: Seconds between two looks of the leader at a part it waits for.
POLL = 0.1

#: Bytes read back from a part's output file at a time.
READ_CHUNK = 1024 * 1024


def sign_part(spec: PartSpec) -> str:
    """Return the signed description of ``spec`` (a string, JSON-safe, for a task argument)."""
    from django.core import signing

    signed: str = signing.dumps(spec.to_json(), salt=SALT, compress=True)
    return signed


def unsign_part(description: str) -> PartSpec:
    """Return the spec of a description :func:`sign_part` made; raise InvalidArgument if not."""
    from django.core import signing

    try:
        data = signing.loads(description, salt=SALT)
    except signing.BadSignature:
        raise InvalidArgument(
            "The part description is not signed with this project's SECRET_KEY (or was "
            "altered); refusing to run it."
        ) from None
    return PartSpec.from_json(data)


def snapshot_gone(exc: QueryError) -> bool:
    """Return True if ``exc`` says an imported snapshot no longer exists (its exporter ended).

    PostgreSQL 15 says "invalid snapshot identifier" (SQLSTATE 22023), 18 'snapshot "..." does
    not exist' (42704).
    """
    text = str(exc)
    return "invalid snapshot identifier" in text or (
        "42704" in text and "snapshot" in text and "does not exist" in text
    )


@dataclass(frozen=True)
class PartResult:
    """What a runner reports about a part it ran (JSON: :meth:`to_json`)."""

    #: "done", "taken" (another runner holds the part) or "expired" (the snapshot is gone).
    status: str
    number: int
    rows: int = 0
    #: Bytes of the part before compression.
    bytes: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "part": self.number, "rows": self.rows, "bytes": self.bytes}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PartResult:
        return cls(data["status"], data["part"], data.get("rows", 0), data.get("bytes", 0))


# --------------------------------------------------------------------------------------------
# The worker's side


async def arun_part(
    description: str,
    target: str | os.PathLike[str] | IO[bytes],
    *,
    complete: Callable[[PartResult], Awaitable[None]] | None = None,
) -> PartResult:
    """Run the part ``description`` gives and write its bytes to ``target``.

    A path is written atomically (temporary file beside it, renamed when complete), so that a
    runner can take the file's existence for the part's end. ``complete`` is awaited with the
    result once every byte is written, while the part's lock is still held (a runner publishes
    the part there: a leader never finds the lock free and the part unpublished). Call from
    async code; see :func:`run_part`.
    """
    from .connection import connect_params
    from .sinks import AtomicFile

    spec = unsign_part(description)
    params = part_label(connect_params(spec.alias), spec.number, spec.parts)
    options = StreamOptions.from_settings(prefetch=spec.prefetch)
    txn = Transaction(params, options, snapshot=spec.snapshot)
    try:
        await txn.open()
    except QueryError as exc:
        if snapshot_gone(exc):
            return PartResult("expired", spec.number)
        raise
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cursor_stream-part")
    try:
        keys = spec.lock_keys()
        with _translated():
            mine = await txn.connection.fetchval("SELECT pg_try_advisory_xact_lock($1, $2)", *keys)
        if not mine:
            return PartResult("taken", spec.number)
        await begin_part(txn, spec)
        output = PartOutput(spec, executor=executor, count_rows=False)
        if isinstance(target, (str, os.PathLike)):
            with AtomicFile(target, force=True) as out:
                await _write(output, txn, out.write)
                out.commit()
        else:
            await _write(output, txn, target.write)
        result = PartResult("done", spec.number, output.rows, output.bytes)
        if complete is not None:
            await complete(result)
        return result
    finally:
        # Closing ends the part's transaction, and so releases its lock, after the file is
        # complete: a leader that then gets the lock finds the part done.
        await txn.close()
        executor.shutdown(wait=False)


async def _write(output: PartOutput, txn: Transaction, write: Any) -> None:
    async with contextlib.aclosing(output.chunks(txn)) as chunks:
        async for chunk in chunks:
            write(chunk)


def run_part(
    description: str,
    target: str | os.PathLike[str] | IO[bytes],
    *,
    complete: Callable[[PartResult], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Run a part of a parallel export (see :func:`arun_part`); return its result as JSON.

    This is what a background task calls with the description the leader handed its runner:
    ``{"status": "done", "part": 2, "rows": 250000, "bytes": 59000000}``, or status
    ``taken``/``expired`` when there was nothing to do. Call from sync code.
    """
    from .sql import _in_thread

    def main() -> PartResult:
        return asyncio.run(arun_part(description, target, complete=complete))

    result: PartResult = _in_thread(main)
    return result.to_json()


# --------------------------------------------------------------------------------------------
# The leader's side


class PartRunner(abc.ABC):
    """Runs parts of a parallel export elsewhere (see the module docstring)."""

    #: Seconds a part may wait for a runner before the leader runs it itself.
    start_timeout: float = 30.0

    @abc.abstractmethod
    async def start(self, description: str, spec: PartSpec) -> None:
        """Have the part run somewhere (start a process, enqueue a task); do not wait."""

    @abc.abstractmethod
    async def result(self, spec: PartSpec) -> RemoteOutput | None:
        """Return the part's output once a runner has completed it, else None."""

    async def failed(self, spec: PartSpec) -> bool:
        """Return True once the part's runner is known to have failed (or given up)."""
        return False

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop what still runs and delete the parts' outputs (the export is over)."""


class RemoteOutput(abc.ABC):
    """A part completed elsewhere: its counts, and a way to read its bytes in order."""

    def __init__(self, result: PartResult) -> None:
        self.result = result

    @abc.abstractmethod
    def chunks(self) -> AsyncGenerator[bytes, None]:
        """Yield the part's bytes (drive under aclosing())."""


class FileOutput(RemoteOutput):
    """A part's bytes in a file this process can read (a shared directory)."""

    def __init__(self, result: PartResult, path: Path) -> None:
        super().__init__(result)
        self.path = path

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        handle = await asyncio.to_thread(open, self.path, "rb")
        try:
            while data := await asyncio.to_thread(handle.read, READ_CHUNK):
                yield data
        finally:
            handle.close()


class SubprocessRunner(PartRunner):
    """Run each part in a child process: ``<argv> streampart -o <directory>/<part>``.

    ``argv`` starts a Django management command in this project (default: ``python -m django``,
    which needs ``DJANGO_SETTINGS_MODULE`` in the environment); the description goes to the
    child's stdin, the part's bytes to a file in ``directory`` (default: a new temporary
    directory, removed by :meth:`close`).
    """

    def __init__(
        self,
        argv: Sequence[str] | None = None,
        *,
        directory: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.argv = list(argv) if argv is not None else [sys.executable, "-m", "django"]
        self._own_directory = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="cursor_stream-parts-"))
        self.env = env
        self.start_timeout = start_timeout
        #: The child process of each part (by part number), and its result once it ended
        #: (None: it failed).
        self.processes: dict[int, asyncio.subprocess.Process] = {}
        self.results: dict[int, PartResult | None] = {}
        self._paths: list[Path] = []

    def path(self, spec: PartSpec) -> Path:
        """Return where the part's bytes go."""
        return self.directory / f"{spec.snapshot}.part{spec.number}"

    async def start(self, description: str, spec: PartSpec) -> None:
        self._paths.append(self.path(spec))
        process = await asyncio.create_subprocess_exec(
            *self.argv,
            "streampart",
            "-o",
            str(self.path(spec)),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
        )
        assert process.stdin is not None
        process.stdin.write(description.encode())
        await process.stdin.drain()
        process.stdin.close()
        self.processes[spec.number] = process

    async def _finished(self, spec: PartSpec) -> PartResult | None:
        if spec.number in self.results:
            return self.results[spec.number]
        process = self.processes.get(spec.number)
        if process is None or process.returncode is None:
            return None
        out = await process.stdout.read() if process.stdout is not None else b""
        err = await process.stderr.read() if process.stderr is not None else b""
        result = None
        if process.returncode == 0:
            with contextlib.suppress(ValueError, KeyError, TypeError, IndexError):
                result = PartResult.from_json(json.loads(out.decode().strip().splitlines()[-1]))
        if result is None:
            last = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
            logger.warning(
                "The runner of %s failed (exit status %s): %s",
                spec.describe(),
                process.returncode,
                last[0],
            )
        self.results[spec.number] = result
        return result

    async def result(self, spec: PartSpec) -> RemoteOutput | None:
        result = await self._finished(spec)
        if result is None or result.status != "done":
            return None
        return FileOutput(result, self.path(spec))

    async def failed(self, spec: PartSpec) -> bool:
        process = self.processes.get(spec.number)
        if process is None or process.returncode is None:
            return False
        result = await self._finished(spec)
        return result is None or result.status != "done"

    async def close(self) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
        for process in self.processes.values():
            await process.communicate()
        for path in self._paths:
            # A worker killed outright leaves its temporary file beside the target.
            for leftover in [path, *temporary_files(path)]:
                leftover.unlink(missing_ok=True)
        self._paths.clear()
        if self._own_directory:
            with contextlib.suppress(OSError):
                self.directory.rmdir()


async def claim(leader: Transaction, spec: PartSpec) -> bool:
    """Take the part's lock for the leader (until its session ends); False if a runner has it."""
    with _translated():
        async with leader._lock:
            taken = await leader.connection.fetchval(
                "SELECT pg_try_advisory_lock($1, $2)", *spec.lock_keys()
            )
    return bool(taken)
