"""System checks of background exports (ids ``cursor_stream.E1xx``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks

from ..exceptions import ConfigurationError


def check_jobs(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check the job settings, the task backend and where results are stored."""
    from .conf import default_location, job_settings

    try:
        config = job_settings()
    except ConfigurationError as exc:
        return [checks.Error(str(exc), id="cursor_stream.E101")]
    errors: list[checks.CheckMessage] = []
    try:
        from .compat import task_backends

        task_backends[config.task_backend]
    except Exception as exc:
        errors.append(
            checks.Error(
                f"The task backend {config.task_backend!r} of background exports cannot be "
                f"used: {exc}",
                hint="Configure it in TASKS, or set CURSOR_STREAM['JOBS_TASK_BACKEND'].",
                id="cursor_stream.E102",
            )
        )
    if config.storage is None:
        try:
            location = default_location().resolve()
        except ConfigurationError as exc:
            errors.append(checks.Error(str(exc), id="cursor_stream.E103"))
        else:
            for setting in ("MEDIA_ROOT", "STATIC_ROOT"):
                served = getattr(settings, setting, None)
                if served and location.is_relative_to(Path(served).resolve()):
                    errors.append(
                        checks.Error(
                            f"Background exports would be stored in {str(location)!r}, inside "
                            f"{setting}, which the web server serves to anyone.",
                            hint="Set CURSOR_STREAM['JOBS_DIR'] to a private directory.",
                            id="cursor_stream.E103",
                        )
                    )
    return errors


checks.register(check_jobs)
