"""The background-export keys of ``CURSOR_STREAM`` (``JOBS_*``, ``BACKGROUND_ROWS``) and the
storage that results go to."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.core.signals import setting_changed

from ..conf import DEFAULTS, SETTING_NAME, user_settings
from ..exceptions import ConfigurationError


@dataclass(frozen=True)
class JobSettings:
    """The ``JOBS_*`` keys of ``CURSOR_STREAM``, checked."""

    #: A ``STORAGES`` alias; None: a private FileSystemStorage in :attr:`dir`.
    storage: str | None
    #: Directory of the default storage; None: ``BASE_DIR / "exports"``.
    dir: str | None
    task_backend: str
    queue: str
    #: Seconds without a heartbeat after which a running job is taken over by another worker.
    heartbeat_timeout: float
    #: Runs of one job (first run + take-overs) before it is marked failed.
    max_attempts: int
    #: Rows between two checkpoints of a resumable export.
    checkpoint_rows: int
    #: Seconds a signed download URL lives (storages that sign URLs); None: stream downloads.
    signed_url_expiry: int | None
    #: E-mail the requester when a job ends.
    email: bool
    #: The admin runs exports in the background by default above this planner estimate.
    background_rows: int
    #: A job with several ``jobs`` queues its parts as tasks for other workers (else it runs
    #: them on connections of its own).
    part_tasks: bool
    #: Seconds a part queued as a task may wait for a worker before the job runs it itself.
    part_start_timeout: float


def _number(key: str, value: Any, *, minimum: float, integer: bool = False) -> Any:
    ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
    if not ok or value < minimum:
        kind = "an integer" if integer else "a number"
        raise ConfigurationError(
            f"{SETTING_NAME}[{key!r}] must be {kind} >= {minimum:g}, got {value!r}."
        )
    return value


@functools.cache
def job_settings() -> JobSettings:
    """Return the background-export settings merged over the defaults (cached)."""
    merged = {**DEFAULTS, **user_settings()}
    storage = merged["JOBS_STORAGE"]
    if storage is not None and not isinstance(storage, str):
        raise ConfigurationError(
            f"{SETTING_NAME}['JOBS_STORAGE'] must be a STORAGES alias, got {storage!r}."
        )
    expiry = merged["JOBS_SIGNED_URL_EXPIRY"]
    return JobSettings(
        storage=storage,
        dir=None if merged["JOBS_DIR"] is None else str(merged["JOBS_DIR"]),
        task_backend=str(merged["JOBS_TASK_BACKEND"]),
        queue=str(merged["JOBS_QUEUE"]),
        heartbeat_timeout=float(
            _number("JOBS_HEARTBEAT_TIMEOUT", merged["JOBS_HEARTBEAT_TIMEOUT"], minimum=1)
        ),
        max_attempts=_number(
            "JOBS_MAX_ATTEMPTS", merged["JOBS_MAX_ATTEMPTS"], minimum=1, integer=True
        ),
        checkpoint_rows=_number(
            "JOBS_CHECKPOINT_ROWS", merged["JOBS_CHECKPOINT_ROWS"], minimum=1, integer=True
        ),
        signed_url_expiry=None
        if expiry is None
        else _number("JOBS_SIGNED_URL_EXPIRY", expiry, minimum=1, integer=True),
        email=bool(merged["JOBS_EMAIL"]),
        background_rows=_number(
            "BACKGROUND_ROWS", merged["BACKGROUND_ROWS"], minimum=0, integer=True
        ),
        part_tasks=bool(merged["JOBS_PART_TASKS"]),
        part_start_timeout=float(
            _number("JOBS_PART_START_TIMEOUT", merged["JOBS_PART_START_TIMEOUT"], minimum=0)
        ),
    )


class PrivateFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage with no URL: its files are private, downloaded through a view."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError(
            "Export results are private: download them through the job's download view."
        )


def default_location() -> Path:
    """Return the directory of the default result storage."""
    configured = job_settings().dir
    if configured:
        return Path(configured)
    base = getattr(settings, "BASE_DIR", None)
    if base is None:
        raise ConfigurationError(
            f"Background exports need a place for their files: set {SETTING_NAME}['JOBS_DIR'] "
            "(a directory the web server does not serve) or ['JOBS_STORAGE'] (a STORAGES alias)."
        )
    return Path(base) / "exports"


@functools.cache
def result_storage() -> Storage:
    """Return the storage that export results are written to."""
    alias = job_settings().storage
    if alias is not None:
        from django.core.files.storage import InvalidStorageError, storages

        try:
            return storages[alias]
        except InvalidStorageError:
            raise ConfigurationError(
                f"{SETTING_NAME}['JOBS_STORAGE'] names the storage {alias!r}, which is not in "
                "STORAGES."
            ) from None
    return PrivateFileSystemStorage(location=default_location())


def _clear_cache(*, setting: str, **kwargs: Any) -> None:
    if setting in (SETTING_NAME, "STORAGES", "BASE_DIR"):
        job_settings.cache_clear()
        result_storage.cache_clear()


setting_changed.connect(_clear_cache)
