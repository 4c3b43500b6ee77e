"""The task: its only argument is the job's id (JSON), so any task backend can carry it."""

from __future__ import annotations

from typing import Any

from .compat import task


@task()  # type: ignore[untyped-decorator]
def run_export_job(job_id: int) -> dict[str, Any]:
    """Run (or take over, or keep watching) the background export ``job_id``."""
    from .runner import run_job

    return run_job(job_id)
