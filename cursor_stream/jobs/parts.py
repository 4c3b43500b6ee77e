"""The parts of a background parallel export, as tasks of their own on any worker.

A job with ``jobs=N`` runs the leader of a parallel export (parallel.py): it holds the exported
snapshot and runs part 1 itself. With :class:`TaskRunner` the other parts are queued as tasks
(:func:`~.tasks.run_export_part`, its arguments JSON: the job's id, its run, the part's signed
description), so idle workers on any machine take them. A worker writes the part into the
result storage, under its hidden ``.partial/`` names (:func:`part_names`): the bytes, then a small
JSON record of the part's rows and bytes, both while it holds the part's advisory lock. The
record is what the leader waits for; it then reads the bytes back in order through the
storage. So the storage must be shared by the workers, as it is for downloads anyway (a
directory every worker mounts, or S3).

The leader's side of remote.py does the rest: a part that no worker has started within
``JOBS_PART_START_TIMEOUT`` seconds (every worker busy, a single worker: the one running the
leader) or whose worker failed, the leader runs itself; a late worker finds the part locked or
the snapshot gone and does nothing. When the export ends (finished, failed or cancelled) the
leader terminates the sessions of workers still running its parts and deletes their files.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import close_old_connections, connections

from ..parts import PartSpec
from ..remote import READ_CHUNK, PartResult, PartRunner, RemoteOutput, run_part, unsign_part
from .conf import job_settings, result_storage
from .storage import PARTIAL_DIR, is_local

logger = logging.getLogger("cursor_stream.jobs")


def part_names(job_id: Any, attempt: int, number: int) -> tuple[str, str]:
    """Return the storage names of a part's bytes and of its JSON record."""
    stem = f"{PARTIAL_DIR}/job-{job_id}-{attempt}-part{number}"
    return f"{stem}.part", f"{stem}.json"


def _save_record(storage: Storage, name: str, record: dict[str, Any]) -> None:
    """Store a part's record so that it appears whole (a reader never sees half of it)."""
    data = json.dumps(record).encode()
    if is_local(storage):
        path = Path(storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".record-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        return
    with contextlib.suppress(Exception):
        storage.delete(name)
    storage.save(name, ContentFile(data))


def _job_running(job_id: int, attempt: int) -> bool:
    from .models import ExportJob, Status

    running: bool = ExportJob.objects.filter(
        pk=job_id, attempts=attempt, status=Status.RUNNING
    ).exists()
    return running


def run_part_task(job_id: int, attempt: int, description: str) -> dict[str, Any]:
    """Run one part of the job's parallel export into the result storage (a worker's side).

    Returns the part's result (``done``, or ``taken``/``expired`` when there was nothing to do:
    the leader runs or ran it, or the export is over).
    """
    spec = unsign_part(description)  # refuses a description not signed with SECRET_KEY
    storage = result_storage()
    data_name, record_name = part_names(job_id, attempt, spec.number)
    local = is_local(storage)

    async def publish(result: PartResult) -> None:
        # Still inside the part's transaction: its lock is held until the record is stored.
        def store() -> None:
            if not local:
                spool.seek(0)
                with contextlib.suppress(Exception):
                    storage.delete(data_name)
                saved = storage.save(data_name, File(spool, name=data_name))
                if saved != data_name:
                    raise OSError(f"the storage saved the part as {saved!r}, not {data_name!r}")
            _save_record(storage, record_name, result.to_json())

        await asyncio.to_thread(store)

    with contextlib.ExitStack() as stack:
        if local:
            path = Path(storage.path(data_name))
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            target: Any = path
        else:
            # The part's bytes spool to a local file, then go up as one upload (multipart on S3).
            spool = stack.enter_context(tempfile.TemporaryFile())
            target = spool
        try:
            result = run_part(description, target, complete=publish)
        except Exception as exc:
            if _job_running(job_id, attempt):
                error = " ".join(str(exc).split()) or type(exc).__name__
                _save_record(
                    storage, record_name, {"status": "failed", "part": spec.number, "error": error}
                )
            raise
    if result["status"] == "done" and not _job_running(job_id, attempt):
        # The export ended (cancelled, failed) while this part ran: nobody will read it.
        for name in (record_name, data_name):
            with contextlib.suppress(Exception):
                storage.delete(name)
    return result


def enqueue_part(job_id: int, attempt: int, description: str) -> None:
    """Queue the task of one part on the configured backend and queue."""
    from .tasks import run_export_part

    settings = job_settings()
    task = run_export_part.using(backend=settings.task_backend, queue_name=settings.queue)
    task.enqueue(job_id, attempt, description)


def _in_thread_with_db(function: Any, *args: Any) -> Any:
    """Run Django database work in a worker thread, closing that thread's connections after."""
    try:
        return function(*args)
    finally:
        close_old_connections()
        connections.close_all()


class StorageOutput(RemoteOutput):
    """A part's bytes in the result storage, read back in chunks."""

    def __init__(self, result: PartResult, storage: Storage, name: str) -> None:
        super().__init__(result)
        self.storage = storage
        self.name = name

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        handle = await asyncio.to_thread(self.storage.open, self.name, "rb")
        try:
            while data := await asyncio.to_thread(handle.read, READ_CHUNK):
                yield bytes(data)
        finally:
            await asyncio.to_thread(handle.close)


class TaskRunner(PartRunner):
    """Run the parts of job ``job_id`` (run ``attempt``) as tasks (see the module docstring)."""

    def __init__(self, job_id: int, attempt: int, *, start_timeout: float | None = None) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.storage = result_storage()
        self.start_timeout = (
            job_settings().part_start_timeout if start_timeout is None else start_timeout
        )
        self.specs: dict[int, PartSpec] = {}
        self.records: dict[int, dict[str, Any]] = {}

    async def start(self, description: str, spec: PartSpec) -> None:
        self.specs[spec.number] = spec
        await asyncio.to_thread(
            _in_thread_with_db, enqueue_part, self.job_id, self.attempt, description
        )

    def _names(self, spec: PartSpec) -> tuple[str, str]:
        return part_names(self.job_id, self.attempt, spec.number)

    async def _record(self, spec: PartSpec) -> dict[str, Any] | None:
        if spec.number in self.records:
            return self.records[spec.number]
        _, record_name = self._names(spec)

        def read() -> dict[str, Any] | None:
            if not self.storage.exists(record_name):
                return None
            with self.storage.open(record_name, "rb") as handle:
                loaded: dict[str, Any] = json.loads(handle.read())
                return loaded

        record = await asyncio.to_thread(read)
        if record is not None and record.get("status") == "failed":
            logger.warning("The worker of %s failed: %s", spec.describe(), record.get("error", ""))
        if record is not None:
            self.records[spec.number] = record
        return record

    async def result(self, spec: PartSpec) -> RemoteOutput | None:
        record = await self._record(spec)
        if record is None or record.get("status") != "done":
            return None
        data_name, _ = self._names(spec)
        return StorageOutput(PartResult.from_json(record), self.storage, data_name)

    async def failed(self, spec: PartSpec) -> bool:
        record = await self._record(spec)
        return record is not None and record.get("status") != "done"

    async def close(self) -> None:
        specs = list(self.specs.values())
        if not specs:
            return
        await asyncio.to_thread(_in_thread_with_db, self._stop_workers, specs)

        def delete() -> None:
            for spec in specs:
                for name in self._names(spec):
                    with contextlib.suppress(Exception):
                        self.storage.delete(name)

        await asyncio.to_thread(delete)
        self.specs.clear()

    def _stop_workers(self, specs: list[PartSpec]) -> None:
        """Terminate the sessions of workers still running a part (they hold its lock)."""
        classid = specs[0].lock_keys()[0]
        numbers = [spec.number for spec in specs]
        # The leader's own session (and so the locks it took) ended before this runs.
        with contextlib.suppress(Exception), connections[specs[0].alias].cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted AND classid::bigint = %s"
                " AND objid::bigint = ANY(%s) AND objsubid = 2"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND pid <> pg_backend_pid()",
                [classid, numbers],
            )
