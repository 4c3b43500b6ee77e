"""``ExportJob``: one background export, its description, state, progress and result."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class Status:
    """The states of a job (plain strings: they are stored, sent as JSON and compared)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    values = [QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED]
    choices = [(value, value.capitalize()) for value in values]


#: States a job never leaves.
FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)


class ExportJob(models.Model):
    """A background export. The task argument is this row's id; the export is ``description``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who asked (None: the command line).",
    )
    #: :meth:`cursor_stream.description.ExportDescription.to_json` (never pickled code).
    description = models.JSONField()
    label = models.CharField(max_length=200, blank=True, help_text="What is exported, briefly.")
    format = models.CharField(max_length=50)
    #: The object name asked for in storage (``-o``); the stored name is ``storage_name``.
    requested_name = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    cancel_requested = models.BooleanField(default=False)

    rows = models.BigIntegerField(default=0)
    bytes = models.BigIntegerField(default=0, help_text="Bytes of the export before compression.")
    estimated_rows = models.BigIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    #: Runs so far (the first, then one per take-over); fences stale workers' writes.
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    #: Where a resumable export stands: {"pk": ..., "rows": ..., "bytes": ..., "size": ...}.
    checkpoint = models.JSONField(null=True, blank=True)
    #: Row counts after which a resumed run continued from a newer snapshot.
    resumed_at_rows = models.JSONField(default=list, blank=True)

    storage_name = models.CharField(max_length=500, blank=True)
    size = models.BigIntegerField(null=True, blank=True, help_text="Bytes stored.")
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "export"
        verbose_name_plural = "exports"
        permissions = [("view_all_exports", "Can see and download every user's exports")]

    def __str__(self) -> str:
        return f"Export {self.pk}: {self.label or self.format} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def status_line(self) -> str:
        """Return one line describing the job ("job 3 succeeded: 1,000 rows, ...")."""
        parts = [f"job {self.pk} {self.status}"]
        detail = [f"{self.rows:,} rows"]
        if self.status == Status.SUCCEEDED:
            detail.append(f"{self.size or 0:,} bytes")
            detail.append(f"stored as {self.storage_name!r}")
            detail.append(f"sha256 {self.sha256}")
        if self.error:
            detail.append(" ".join(self.error.split()))
        if self.resumed_at_rows:
            resumed = ", ".join(f"{n:,}" for n in self.resumed_at_rows)
            detail.append(f"resumed after rows {resumed} (later rows from a newer snapshot)")
        return f"{parts[0]}: {'; '.join(detail)}"

    def progress(self) -> dict[str, Any]:
        """Return the JSON of the admin's progress poll."""
        seconds = None
        if self.started_at is not None:
            end = self.finished_at or self.heartbeat_at or self.started_at
            seconds = max((end - self.started_at).total_seconds(), 0.0)
        rate = self.rows / seconds if seconds else None
        eta = None
        if rate and self.estimated_rows and self.rows < self.estimated_rows and not self.finished:
            eta = (self.estimated_rows - self.rows) / rate
        return {
            "id": self.pk,
            "status": self.status,
            "finished": self.finished,
            "cancel_requested": self.cancel_requested,
            "rows": self.rows,
            "bytes": self.bytes,
            "estimated_rows": self.estimated_rows,
            "seconds": seconds,
            "rows_per_second": rate,
            "eta_seconds": eta,
            "error": self.error,
            "size": self.size,
            "resumed_at_rows": self.resumed_at_rows,
        }
