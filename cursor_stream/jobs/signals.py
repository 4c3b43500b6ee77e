"""Signals for integrations, sent by the worker that runs a job (``sender`` is ``ExportJob``).

* ``export_started(job)``: a worker began (or took over) the job.
* ``export_finished(job)``: the result is in storage (``job.storage_name``, ``size``, ``sha256``).
* ``export_failed(job, error)``: the job failed for good; ``error`` is the one-line reason.
"""

from __future__ import annotations

from django.dispatch import Signal

export_started = Signal()
export_finished = Signal()
export_failed = Signal()
