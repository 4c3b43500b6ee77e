"""Background exports run by real ``db_worker`` processes (django-tasks-db) on this database."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cursor_stream.description import ExportDescription
from cursor_stream.export import ExportOptions
from cursor_stream.jobs import api
from cursor_stream.jobs.conf import result_storage
from cursor_stream.jobs.models import ExportJob, Status
from tests.workers import wait_until, worker_pool

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def foreground(tmp_path: Path, *args: str) -> bytes:
    out = tmp_path / "foreground.out"
    call_command("streamdata", *args, "-o", str(out), "--force", stdout=io.StringIO())
    return out.read_bytes()


def stored(job: ExportJob) -> bytes:
    with result_storage().open(job.storage_name, "rb") as handle:
        return bytes(handle.read())


def test_two_workers_produce_the_foreground_bytes(products: int, tmp_path: Path) -> None:
    description = ExportDescription(
        model="catalog.Product",
        fields=("product_id", "product_name", "category__name", "price", "created_at"),
        filters=("price__gte=10",),
        order_by=("-price", "product_id"),
        options=ExportOptions(format="csv"),
    )
    with worker_pool(2):
        jobs = [api.submit(description) for _ in range(4)]
        finished = [api.wait(job.pk, timeout=60) for job in jobs]
    expected = foreground(
        tmp_path,
        "catalog.Product",
        "--fields=product_id,product_name,category__name,price,created_at",
        "--filter=price__gte=10",
        "--order-by=-price,product_id",
        "--format=csv",
    )
    for job in finished:
        assert job.status == Status.SUCCEEDED, job.status_line()
        body = stored(job)
        assert body == expected
        assert job.size == len(body)
        assert job.sha256 == hashlib.sha256(body).hexdigest()
        assert job.rows == len(list(csv.reader(io.StringIO(body.decode())))) - 1
        assert job.attempts == 1


def task_results(name: str) -> list[Any]:
    """The django-tasks-db rows of the task ``name`` (run_export_job, run_export_part)."""
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.filter(task_path__endswith=f".{name}"))


def partial_files() -> list[str]:
    directory = Path(result_storage().path(".partial"))
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


PARALLEL = ExportDescription(
    model="catalog.Product",
    fields=("pk", "sku", "product_name", "category__name", "price", "created_at"),
    filters=("price__gte=5",),
    options=ExportOptions(format="csv", jobs=3),
)
PARALLEL_ARGS = (
    "catalog.Product",
    "--fields=pk,sku,product_name,category__name,price,created_at",
    "--filter=price__gte=5",
    "--format=csv",
)


def test_parts_of_a_parallel_job_run_as_tasks_on_other_workers(
    products: int, tmp_path: Path
) -> None:
    # Three workers: one leads the job (part 1), the other two take parts 2 and 3.
    with worker_pool(3, CURSOR_STREAM_JOBS_PART_START_TIMEOUT="60"):
        job = api.submit(PARALLEL)
        final = api.wait(job.pk, timeout=90)
    assert final.status == Status.SUCCEEDED, final.status_line()
    body = stored(final)
    assert body == foreground(tmp_path, *PARALLEL_ARGS)
    assert final.rows == len(list(csv.reader(io.StringIO(body.decode())))) - 1
    (leader,) = [t for t in task_results("run_export_job") if (t.return_value or {}).get("ran")]
    parts = task_results("run_export_part")
    assert sorted(t.return_value["part"] for t in parts) == [2, 3]
    for task in parts:
        assert task.return_value["status"] == "done", task.return_value
        assert task.args_kwargs["args"][:2] == [job.pk, 1]
        assert set(task.worker_ids).isdisjoint(leader.worker_ids)
    assert partial_files() == []


def test_a_single_worker_runs_the_parts_of_its_parallel_job_itself(
    products: int, tmp_path: Path
) -> None:
    # The only worker leads the job; nobody starts the parts within the timeout, so the
    # leader runs them (no deadlock), and the part tasks it then gets find nothing to do.
    with worker_pool(1, CURSOR_STREAM_JOBS_PART_START_TIMEOUT="0.5"):
        job = api.submit(PARALLEL)
        final = api.wait(job.pk, timeout=90)
        wait_until(
            lambda: all(t.return_value for t in task_results("run_export_part")),
            30,
            "the worker has run the part tasks",
        )
    assert final.status == Status.SUCCEEDED, final.status_line()
    assert stored(final) == foreground(tmp_path, *PARALLEL_ARGS)
    parts = task_results("run_export_part")
    assert len(parts) == 2
    assert {t.return_value["status"] for t in parts} <= {"taken", "expired"}
    assert partial_files() == []
