"""What a worker does with a job: claim it, run the export into storage, report progress.

Claiming is one row lock (``SELECT ... FOR UPDATE`` on the job): a queued job, or a running one
whose heartbeat is older than ``JOBS_HEARTBEAT_TIMEOUT`` (its worker died), goes to exactly one
worker, which bumps ``attempts``. Every later write of that worker is fenced by that number, so
a worker that was given up on (a long pause, a network split) can never overwrite the state of
the one that took over.

Task backends do not notice a worker that was killed (django-tasks-db leaves its task
"running"), so the job watches itself: when it starts, it queues a second, deferred copy of its
task. That copy finds the job either finished (it stops), alive (it queues the next watch), or
silent for longer than the timeout: it then takes the job over and runs it, or marks it failed
after ``JOBS_MAX_ATTEMPTS`` runs.

The export runs on an event loop in a thread of its own (a :class:`ThreadedChunks`); this
thread, the task's, writes the bytes to storage and talks to Django's database: progress and
the heartbeat at most once a second, the cancel flag five times a second.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import socket
import time
from collections.abc import AsyncGenerator, Callable
from typing import Any, TypeVar

from django.db import (
    DatabaseError,
    InterfaceError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models.functions import Now
from django.utils import timezone

from ..description import ExportDenied, ExportDescription, prepare_description
from ..exceptions import ConnectError, ConnectionLost, CursorStreamError
from ..export import ExportStats
from ..http import ThreadedChunks
from .api import enqueue, result_name, supports_defer
from .conf import job_settings, result_storage
from .models import ExportJob, Status
from .segments import Checkpoint, segmented
from .signals import export_failed, export_finished, export_started
from .storage import (
    LocalWriter,
    ResultWriter,
    WriteError,
    discard_partial,
    is_local,
    open_writer,
)

logger = logging.getLogger("cursor_stream.jobs")

T = TypeVar("T")

#: Seconds between two looks at the cancel flag (a cancelled export stops within about this).
POLL_INTERVAL = 0.2
#: Seconds between two progress saves (which are also the heartbeat).
PROGRESS_INTERVAL = 1.0
#: Seconds a worker keeps trying to record a job's end while the database is unreachable.
DATABASE_PATIENCE = 60.0

#: What a lost or restarting server raises through Django: DatabaseError (OperationalError),
#: and InterfaceError ("connection already closed"), which is not a DatabaseError.
DatabaseErrors = (DatabaseError, InterfaceError)


class Cancelled(Exception):
    """The job was cancelled while it ran."""


class LostLease(Exception):
    """Another worker took the job over (or it was finished elsewhere): stop, touch nothing."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _db_now() -> datetime.datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        value: datetime.datetime = cursor.fetchone()[0]
    return value


def _patiently(action: Callable[[], T]) -> T:
    """Run a database action, retrying while the database is restarting (bounded)."""
    deadline = time.monotonic() + DATABASE_PATIENCE
    while True:
        try:
            return action()
        except DatabaseErrors:
            if time.monotonic() >= deadline or connection.in_atomic_block:
                raise
            # A restarted server left Django's connection broken: drop it and reconnect.
            with contextlib.suppress(Exception):
                connection.close()
            time.sleep(0.5)


# --- claiming ----------------------------------------------------------------------------------


def claim(job_id: int) -> ExportJob | None:
    """Return the job if this worker may run it now (status running, attempts bumped)."""
    settings = job_settings()
    ended: list[ExportJob] = []
    with transaction.atomic():
        job: ExportJob | None = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        now = _db_now()
        if job.status == Status.RUNNING:
            timeout = datetime.timedelta(seconds=settings.heartbeat_timeout)
            if job.heartbeat_at is not None and job.heartbeat_at > now - timeout:
                return None  # alive
            lost = f"the worker {job.worker} stopped answering (no heartbeat for {timeout})"
            if job.attempts >= settings.max_attempts and not job.cancel_requested:
                _end(job, Status.FAILED, now, f"{lost}; gave up after {job.attempts} runs")
                ended.append(job)
            else:
                logger.warning("Taking over export job %s: %s.", job.pk, lost)
        if job.cancel_requested and not ended:
            _end(job, Status.CANCELLED, now)
            ended.append(job)
        if not ended:
            job.status = Status.RUNNING
            job.attempts += 1
            job.worker = worker_name()[:200]
            job.heartbeat_at = now
            job.started_at = job.started_at or now
            job.cancel_requested = False
            job.save(
                update_fields=[
                    "status",
                    "attempts",
                    "worker",
                    "heartbeat_at",
                    "started_at",
                    "cancel_requested",
                ]
            )
    if ended:
        _announce(ended[0])
        discard_partial(result_storage(), job_id)
        return None
    return job


def _end(job: ExportJob, status: str, now: datetime.datetime, error: str = "") -> None:
    job.status = status
    job.finished_at = now
    job.error = error
    job.checkpoint = None
    job.save(update_fields=["status", "finished_at", "error", "checkpoint"])


def _announce(job: ExportJob) -> None:
    """Send the end-of-job signal and e-mail (after the state is committed)."""
    if job.status == Status.SUCCEEDED:
        export_finished.send(sender=ExportJob, job=job)
    elif job.status == Status.FAILED:
        export_failed.send(sender=ExportJob, job=job, error=job.error)
    if job.status != Status.CANCELLED:
        _email(job)


def _email(job: ExportJob) -> None:
    if not job_settings().email or job.user_id is None:
        return
    from django.core.mail import send_mail

    user = job.user
    address = getattr(user, "email", "")
    if not address:
        return
    try:
        send_mail(
            f"Export {job.pk} {job.status}: {job.label}",
            job.status_line() + "\n",
            None,
            [address],
        )
    except Exception:  # a mail server down must not fail the export
        logger.exception("Could not e-mail the end of export job %s.", job.pk)


def watch(job_id: int) -> None:
    """Queue a deferred copy of the task: it takes the job over if its worker goes silent."""
    if supports_defer():
        enqueue(job_id, delay=job_settings().heartbeat_timeout)


# --- running -----------------------------------------------------------------------------------


def run_job(job_id: int) -> dict[str, Any]:
    """Run (or take over) the job if it is this worker's to run; see the module docstring."""
    close_old_connections()
    job = _patiently(lambda: claim(job_id))
    if job is None:
        current = ExportJob.objects.filter(pk=job_id).first()
        if current is not None and current.status == Status.RUNNING:
            watch(job_id)  # someone else runs it: keep an eye on it
        return {"job": job_id, "ran": False, "status": current.status if current else None}
    watch(job_id)
    return _Run(job).execute()


class _Run:
    def __init__(self, job: ExportJob) -> None:
        self.job = job
        self.attempt = job.attempts
        self.stats = ExportStats()
        self._last_poll = 0.0
        self._last_save = 0.0

    # The only writes of a running job: fenced by its attempt number.
    def _mine(self) -> Any:
        return ExportJob.objects.filter(
            pk=self.job.pk, attempts=self.attempt, status=Status.RUNNING
        )

    def execute(self) -> dict[str, Any]:
        job = self.job
        export_started.send(sender=ExportJob, job=job)
        storage = result_storage()
        writer: ResultWriter | None = None
        chunks: ThreadedChunks | None = None
        committed: str | None = None
        try:
            description = ExportDescription.from_json(job.description)
            writer, factory = self._plan(description, storage)
            chunks = ThreadedChunks(factory, name=f"job-{job.pk}")
            while True:
                try:
                    chunk: Any = chunks.next_chunk(timeout=POLL_INTERVAL)
                except StopIteration:
                    break
                if isinstance(chunk, Checkpoint):
                    self._checkpoint(chunk, writer)
                elif chunk:
                    writer.write(chunk)
                self._tick()
            committed = self._finish(writer)
        except BaseException as exc:
            if chunks is not None:
                chunks.close()  # stops the export, releases its connection
            if writer is not None:
                # Kept for a run that resumes from its checkpoint; removed once the job ends.
                writer.release()
            if committed is not None:
                with contextlib.suppress(Exception):
                    storage.delete(committed)
            return self._stopped(exc)
        discard_partial(storage, job.pk)  # earlier runs' leftovers
        _announce(self.job)
        logger.info("Export job %s: %s", job.pk, self.job.status_line())
        return {"job": job.pk, "ran": True, "status": self.job.status, "rows": self.job.rows}

    def _plan(
        self, description: ExportDescription, storage: Any
    ) -> tuple[ResultWriter, Callable[[], AsyncGenerator[Any, None]]]:
        """Return the writer and the chunk source of this run (resumed when it can be)."""
        job, stats = self.job, self.stats
        name = result_name(job, description)
        ranged = segmented(description, local=is_local(storage))
        if ranged is None:
            prepared = prepare_description(description)
            # A parallel export compresses its parts in parallel itself (one gzip member each),
            # as the foreground command does: the same bytes.
            parallel = prepared.jobs > 1
            writer = open_writer(
                storage,
                name,
                gzipped=description.gzip and not parallel,
                job_id=job.pk,
                attempt=self.attempt,
            )
            runner = None
            if parallel and job_settings().part_tasks:
                from .parts import TaskRunner

                runner = TaskRunner(job.pk, self.attempt)
            return writer, lambda: prepared.achunks(
                stats=stats, estimate=True, gzip=description.gzip and parallel, runner=runner
            )
        every = job_settings().checkpoint_rows
        point = job.checkpoint
        if point:
            try:
                writer = open_writer(
                    storage,
                    name,
                    gzipped=False,
                    job_id=job.pk,
                    attempt=self.attempt,
                    resume=(int(point["attempt"]), int(point["size"])),
                )
            except (OSError, KeyError, TypeError, ValueError) as exc:
                # The partial file is gone (another machine's disk, cleaned up): start again.
                logger.warning("Export job %s restarts from zero: %s", job.pk, one_line(exc))
                point = None
            else:
                stats.rows, stats.bytes = int(point["rows"]), int(point["bytes"])
                resumed = [*job.resumed_at_rows, stats.rows]
                if not self._mine().update(resumed_at_rows=resumed):
                    self._why_not_mine()
                job.resumed_at_rows = resumed
                logger.info("Export job %s resumes after row %s.", job.pk, stats.rows)
        if not point:
            writer = open_writer(storage, name, gzipped=False, job_id=job.pk, attempt=self.attempt)
        after = int(point["pk"]) if point else None
        return writer, lambda: ranged.achunks(stats, every=every, after=after)

    def _checkpoint(self, point: Checkpoint, writer: ResultWriter) -> None:
        """Sync the partial file and record where a resumed run would continue."""
        assert isinstance(writer, LocalWriter)
        size = writer.checkpoint()
        state = {
            "pk": point.pk,
            "rows": point.rows,
            "bytes": point.bytes,
            "size": size,
            "attempt": self.attempt,
        }
        updated = self._mine().update(
            checkpoint=state, rows=point.rows, bytes=point.bytes, heartbeat_at=Now()
        )
        if not updated:
            self._why_not_mine()
        self._last_save = time.monotonic()

    def _tick(self) -> None:
        now = time.monotonic()
        if now - self._last_save >= PROGRESS_INTERVAL:
            self._last_save = self._last_poll = now
            stats = self.stats
            updated = self._mine().update(
                rows=stats.rows,
                bytes=stats.bytes,
                estimated_rows=stats.estimated_rows,
                heartbeat_at=Now(),
            )
            if not updated:
                self._why_not_mine()
        elif now - self._last_poll >= POLL_INTERVAL:
            self._last_poll = now
            if self._mine().filter(cancel_requested=False).count() != 1:
                self._why_not_mine()

    def _why_not_mine(self) -> None:
        current = ExportJob.objects.filter(pk=self.job.pk).first()
        if current is not None and current.cancel_requested:
            raise Cancelled
        raise LostLease

    def _finish(self, writer: ResultWriter) -> str:
        """Commit the result and the job's success together, unless it was cancelled."""
        stats = self.stats
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().get(pk=self.job.pk)
            if job.attempts != self.attempt or job.status != Status.RUNNING:
                raise LostLease
            if job.cancel_requested:
                raise Cancelled
            name = writer.commit()
            job.status = Status.SUCCEEDED
            job.finished_at = _db_now()
            job.heartbeat_at = job.finished_at
            job.rows = stats.rows
            job.bytes = stats.bytes
            job.estimated_rows = stats.estimated_rows
            job.storage_name = name
            job.size = writer.size
            job.sha256 = writer.sha256
            job.checkpoint = None
            job.error = ""
            job.save()
        self.job = job
        return name

    def _stopped(self, exc: BaseException) -> dict[str, Any]:
        job_id = self.job.pk
        if isinstance(exc, LostLease):
            logger.warning("Export job %s was taken over by another worker; stopped.", job_id)
            return {"job": job_id, "ran": True, "status": "lost"}
        if isinstance(exc, Cancelled):
            status, error = Status.CANCELLED, ""
        elif isinstance(exc, (KeyboardInterrupt, SystemExit)):
            # The worker is shutting down: give the job back to the queue at once.
            self._record(Status.QUEUED, f"interrupted: {type(exc).__name__}")
            with contextlib.suppress(Exception):
                enqueue(job_id)
            raise exc
        elif self._transient(exc) and self.attempt < job_settings().max_attempts:
            logger.warning("Export job %s: %s; queued again.", job_id, one_line(exc))
            if self._record(Status.QUEUED, f"retrying after: {one_line(exc)}"):
                _patiently(lambda: enqueue(job_id, delay=1.0 if supports_defer() else None))
            return {"job": job_id, "ran": True, "status": Status.QUEUED}
        else:
            status, error = Status.FAILED, self._reason(exc)
            if not isinstance(exc, (CursorStreamError, OSError)):
                logger.error("Export job %s failed.", job_id, exc_info=exc)
        if self._record(status, error):
            discard_partial(result_storage(), job_id)
            self.job.refresh_from_db()
            _announce(self.job)
        return {"job": job_id, "ran": True, "status": status, "error": error}

    @staticmethod
    def _transient(exc: BaseException) -> bool:
        return isinstance(exc, (ConnectionLost, ConnectError, *DatabaseErrors))

    @staticmethod
    def _reason(exc: BaseException) -> str:
        if isinstance(exc, ExportDenied):
            return f"Permission denied: {one_line(exc)}"
        if isinstance(exc, (WriteError, OSError)) and not isinstance(exc, CursorStreamError):
            reason = getattr(exc, "strerror", None) or one_line(exc)
            return f"Could not write the result to storage: {reason}. Nothing was stored."
        return one_line(exc)

    def _record(self, status: str, error: str) -> bool:
        """Write the job's new state (fenced); return False if it is no longer ours."""

        def write() -> int:
            fields: dict[str, Any] = {"status": status, "error": error[:10_000]}
            fields["rows"] = self.stats.rows
            fields["bytes"] = self.stats.bytes
            if status == Status.QUEUED:
                fields["worker"] = ""
            else:
                fields["finished_at"] = timezone.now()
                fields["checkpoint"] = None
            return int(self._mine().update(**fields))

        try:
            return bool(_patiently(write))
        except DatabaseErrors:
            logger.exception("Could not record the end of export job %s.", self.job.pk)
            return False
