"""Submitting, cancelling, waiting for and pruning background exports (sync code)."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..description import ExportDescription, prepare_description
from ..exceptions import InvalidArgument
from .conf import job_settings, result_storage
from .models import ExportJob, Status
from .storage import discard_partial

__all__ = ["cancel", "enqueue", "prune", "recover", "result_name", "submit", "wait"]


def submit(
    description: ExportDescription, *, user: Any = None, name: str = "", check: bool = True
) -> ExportJob:
    """Create a job for ``description`` and queue its task once the transaction commits.

    With ``check`` (the default) the description is validated now (fields, filters, the
    query compiles, SQL is described by the server), so bad input fails here rather than in
    a worker. ``name`` is the object name wanted in the result storage.
    """
    if check:
        prepare_description(description, user=user)
    if name.startswith("/") or ".." in name.split("/"):
        raise InvalidArgument(f"The storage name {name!r} must be a relative path without '..'.")
    job: ExportJob = ExportJob.objects.create(
        user=user if getattr(user, "pk", None) is not None else None,
        description=description.to_json(),
        label=description.label[:200],
        format=description.options.format,
        requested_name=name,
    )
    # Queued only once the job row is visible to workers (a task backend outside this
    # database, RQ or Celery, could otherwise run the task before the row exists).
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int, *, delay: float | None = None) -> None:
    """Queue the task of ``job_id`` on the configured backend and queue."""
    from .tasks import run_export_job

    settings = job_settings()
    run_after = timezone.now() + datetime.timedelta(seconds=delay) if delay else None
    task = run_export_job.using(
        backend=settings.task_backend, queue_name=settings.queue, run_after=run_after
    )
    result = task.enqueue(job_id)
    ExportJob.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id)[:64])


def supports_defer() -> bool:
    """Return True if the task backend can run a task later (the take-over watch needs it)."""
    from .compat import task_backends

    return bool(getattr(task_backends[job_settings().task_backend], "supports_defer", False))


def result_name(job: ExportJob, description: ExportDescription) -> str:
    """Return the object name of a job's result in storage (``-o`` or a default)."""
    from ..encoders import get_format

    if job.requested_name:
        return str(job.requested_name)
    extension = get_format(description.options.format).extension
    model = (description.model or "sql").replace(".", "-").lower()
    return f"exports/{model}-{job.pk}.{extension}{'.gz' if description.gzip else ''}"


def cancel(job_id: int) -> ExportJob:
    """Cancel a job: a queued one at once, a running one by its worker (within a second)."""
    with transaction.atomic():
        job: ExportJob = ExportJob.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return job
        job.cancel_requested = True
        fields = ["cancel_requested"]
        if job.status == Status.QUEUED:
            job.status = Status.CANCELLED
            job.finished_at = timezone.now()
            fields += ["status", "finished_at"]
        job.save(update_fields=fields)
    return job


def wait(job_id: int, *, timeout: float | None = None, interval: float = 0.2) -> ExportJob:
    """Return the job once it has finished (or as it is when ``timeout`` runs out)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        job: ExportJob = ExportJob.objects.get(pk=job_id)
        if job.finished or (deadline is not None and time.monotonic() >= deadline):
            return job
        time.sleep(interval)


def prune(older_than_days: float) -> tuple[int, int]:
    """Delete jobs finished more than ``older_than_days`` ago and their files.

    Return (jobs deleted, files deleted).
    """
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    storage = result_storage()
    jobs = 0
    files = 0
    for job in ExportJob.objects.filter(
        status__in=[Status.SUCCEEDED, Status.FAILED, Status.CANCELLED], finished_at__lt=cutoff
    ).iterator():
        if job.storage_name and storage.exists(job.storage_name):
            storage.delete(job.storage_name)
            files += 1
        discard_partial(storage, job.pk)
        job.delete()
        jobs += 1
    return jobs, files


def recover() -> int:
    """Queue a task for every running job whose heartbeat is older than the timeout.

    The deferred watch of :mod:`~cursor_stream.jobs.runner` does this by itself on backends
    that can defer tasks; on others, run ``manage.py streamjobs recover`` periodically.
    """
    cutoff = timezone.now() - datetime.timedelta(seconds=job_settings().heartbeat_timeout)
    stale = list(
        ExportJob.objects.filter(status=Status.RUNNING, heartbeat_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for job_id in stale:
        enqueue(job_id)
    return len(stale)
