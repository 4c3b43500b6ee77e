"""``streamdata --background``: the same export, queued as a job instead of run here."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from ..description import prepare_description
from ..exceptions import CursorStreamError


def queue_export(command: Any, options: dict[str, Any]) -> str | None:
    """Validate the command's export, create its job, print the job id."""
    if not apps.is_installed("cursor_stream.jobs"):
        raise CommandError(
            "--background needs the background-export app: add 'cursor_stream.jobs' to "
            "INSTALLED_APPS (and 'pip install django-cursor-stream[tasks]' on Django 5.2)."
        )
    from .api import submit

    output: str = options["output"]
    name = "" if output == "-" else output
    try:
        fmt, gzipped = command.output_format(options, name or None)
        description = command.describe(
            {**options, "gzip": gzipped}, command.export_options(options, fmt)
        )
        # Validated now, as the foreground does: bad input queues nothing.
        command.check_jobs(prepare_description(description))
        job = submit(description, name=name, check=False)
    except CursorStreamError as exc:
        raise CommandError(" ".join(str(exc).split())) from None
    out: BaseCommand = command
    if options["verbosity"] > 0:
        out.stderr.write(f"Queued background export job {job.pk} ({job.label}).")
    out.stdout.write(str(job.pk))
    return None
