"""The tasks: their arguments are JSON (a job's id; for a part, its run and signed description),
so any task backend can carry them."""

from __future__ import annotations

from typing import Any

from .compat import task


@task()  # type: ignore[untyped-decorator]
def run_export_job(job_id: int) -> dict[str, Any]:
    """Run (or take over, or keep watching) the background export ``job_id``."""
    from .runner import run_job

    return run_job(job_id)


@task()  # type: ignore[untyped-decorator]
def run_export_part(job_id: int, attempt: int, description: str) -> dict[str, Any]:
    """Run one part of the parallel export of job ``job_id`` (run ``attempt``): parts.py."""
    from .parts import run_part_task

    return run_part_task(job_id, attempt, description)
