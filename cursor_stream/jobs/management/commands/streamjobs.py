"""``manage.py streamjobs``: list, show, wait for, cancel, fetch and prune background exports."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cursor_stream.exceptions import CursorStreamError
from cursor_stream.jobs import api
from cursor_stream.jobs.conf import result_storage
from cursor_stream.jobs.models import ExportJob, Status
from cursor_stream.sinks import AtomicFile

#: Bytes copied per read when fetching a result.
FETCH_CHUNK = 1 << 20


class Command(BaseCommand):
    help = (
        "Manage background exports: list | show ID | wait ID | cancel ID | fetch ID -o PATH | "
        "prune --older-than DAYS | recover"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listing = actions.add_parser("list", help="The latest jobs, newest first.")
        listing.add_argument("--status", choices=Status.values)
        listing.add_argument("--limit", type=int, default=50)
        show = actions.add_parser("show", help="Everything about one job (JSON).")
        show.add_argument("job", type=int)
        wait = actions.add_parser(
            "wait", help="Wait until the job ends; exit 0 if it succeeded, else 1."
        )
        wait.add_argument("job", type=int)
        wait.add_argument("--timeout", type=float, help="Give up after this many seconds.")
        cancel = actions.add_parser("cancel", help="Cancel a queued or running job.")
        cancel.add_argument("job", type=int)
        fetch = actions.add_parser("fetch", help="Copy a job's result to a local file.")
        fetch.add_argument("job", type=int)
        fetch.add_argument("-o", "--output", required=True)
        fetch.add_argument("--force", action="store_true", help="Replace an existing file.")
        prune = actions.add_parser("prune", help="Delete old finished jobs and their files.")
        prune.add_argument("--older-than", type=float, required=True, metavar="DAYS")
        actions.add_parser(
            "recover",
            help="Queue jobs whose worker stopped answering (for task backends "
            "that cannot defer tasks; run it from cron).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        getattr(self, f"_{action}")(options)

    def _job(self, job_id: int) -> ExportJob:
        try:
            job: ExportJob = ExportJob.objects.get(pk=job_id)
            return job
        except ExportJob.DoesNotExist:
            raise CommandError(f"There is no background export job {job_id}.") from None

    def _list(self, options: dict[str, Any]) -> None:
        jobs = ExportJob.objects.all()
        if options["status"]:
            jobs = jobs.filter(status=options["status"])
        for job in jobs[: options["limit"]]:
            progress = f"{job.rows:,}"
            if job.estimated_rows and not job.finished:
                progress += f"/~{job.estimated_rows:,}"
            self.stdout.write(
                f"{job.pk:>6}  {job.status:<9}  {job.created_at:%Y-%m-%d %H:%M:%S}  "
                f"{progress:>16} rows  {job.label}"
            )

    def _show(self, options: dict[str, Any]) -> None:
        job = self._job(options["job"])
        data = {
            **job.progress(),
            "label": job.label,
            "user": str(job.user) if job.user else None,
            "description": job.description,
            "created_at": job.created_at.isoformat(),
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "heartbeat_at": job.heartbeat_at.isoformat() if job.heartbeat_at else None,
            "attempts": job.attempts,
            "worker": job.worker,
            "storage_name": job.storage_name,
            "sha256": job.sha256,
        }
        self.stdout.write(json.dumps(data, indent=2, default=str))

    def _wait(self, options: dict[str, Any]) -> None:
        job = api.wait(self._job(options["job"]).pk, timeout=options["timeout"])
        if job.status == Status.SUCCEEDED:
            self.stdout.write(job.status_line())
            return
        raise CommandError(job.status_line(), returncode=1)

    def _cancel(self, options: dict[str, Any]) -> None:
        job = self._job(options["job"])
        if job.finished:
            raise CommandError(f"Job {job.pk} had already {job.status}; nothing to cancel.")
        job = api.cancel(job.pk)
        if job.status == Status.RUNNING:
            # The worker notices within a second; wait a little so the answer is final.
            job = api.wait(job.pk, timeout=5)
        self.stdout.write(job.status_line())

    def _fetch(self, options: dict[str, Any]) -> None:
        job = self._job(options["job"])
        if job.status != Status.SUCCEEDED:
            raise CommandError(f"Job {job.pk} has no result: {job.status_line()}")
        try:
            with (
                result_storage().open(job.storage_name, "rb") as source,
                AtomicFile(options["output"], force=options["force"]) as out,
            ):
                while block := source.read(FETCH_CHUNK):
                    out.write(block)
                out.commit()
        except CursorStreamError as exc:
            raise CommandError(" ".join(str(exc).split())) from None
        except OSError as exc:
            raise CommandError(
                f"Could not copy job {job.pk}'s result to {options['output']!r}: "
                f"{exc.strerror or exc}. Nothing was written there."
            ) from None
        if options["verbosity"] > 0:
            self.stdout.write(f"Copied {job.size or 0:,} bytes to {options['output']}")

    def _prune(self, options: dict[str, Any]) -> None:
        if options["older_than"] < 0:
            raise CommandError(f"--older-than must be >= 0 days, got {options['older_than']!r}.")
        jobs, files = api.prune(options["older_than"])
        self.stdout.write(f"Deleted {jobs} jobs and {files} files.")

    def _recover(self, options: dict[str, Any]) -> None:
        count = api.recover()
        self.stdout.write(f"Queued {count} jobs whose worker stopped answering.")
