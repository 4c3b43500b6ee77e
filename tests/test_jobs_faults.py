"""Faults of background exports, each against real ``db_worker`` processes."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from cursor_stream.description import ExportDescription
from cursor_stream.export import ExportOptions
from cursor_stream.jobs import api
from cursor_stream.jobs.conf import result_storage
from cursor_stream.jobs.models import ExportJob, Status
from tests.workers import wait_until, worker_pool

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

#: Rows of the slow query, and the server-side pause per row (about 2000 x 5 ms = 10 s).
SLOW_ROWS = 2000
SLOW_SQL = (
    "SELECT g AS n, md5(g::text) AS digest FROM generate_series(1, %s) AS g, "
    "LATERAL pg_sleep(0.005 + 0 * g) AS pause"
)


@pytest.fixture(autouse=True)
def _empty_result_storage() -> None:
    """Each test starts with an empty result storage (they share the run's JOBS_DIR)."""
    shutil.rmtree(settings.JOBS_DIR, ignore_errors=True)


def slow_job(rows: int = SLOW_ROWS, name: str = "") -> ExportJob:
    description = ExportDescription(
        sql=SLOW_SQL, params=(str(rows),), options=ExportOptions(format="csv")
    )
    return api.submit(description, name=name)


def job(pk: int) -> ExportJob:
    return ExportJob.objects.get(pk=pk)


def visible_results() -> list[str]:
    storage = result_storage()
    if not storage.exists("exports"):
        return []
    return storage.listdir("exports")[1]


def export_backends() -> list[int]:
    """Return the pids of server sessions running the slow query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE %s AND pid <> pg_backend_pid()",
            ["%pg_sleep(0.005 + 0 * g)%"],
        )
        return [row[0] for row in cursor.fetchall()]


def running_with_rows(pk: int) -> bool:
    current = job(pk)
    return current.status == Status.RUNNING and current.rows > 0


def test_worker_killed_mid_export_is_taken_over_and_nothing_half_written_is_visible() -> None:
    with worker_pool(2) as workers:
        pk = slow_job().pk
        wait_until(lambda: running_with_rows(pk), 30, "the job runs and has rows")
        first = job(pk)
        victim = next(w for w in workers if first.worker.endswith(f":{w.pid}"))
        victim.kill()
        killed_at = time.monotonic()
        # Another worker takes it over within a bounded time (heartbeat timeout 3 s, plus
        # the deferred watch): attempts 2, another worker.
        wait_until(lambda: job(pk).attempts == 2, 20, "another worker takes the job over")
        took_over = time.monotonic() - killed_at
        assert visible_results() == []  # nothing half-written appears meanwhile
        final = api.wait(pk, timeout=60)
    assert final.status == Status.SUCCEEDED, final.status_line()
    assert final.worker != first.worker
    assert took_over < 12
    assert final.rows == SLOW_ROWS
    with result_storage().open(final.storage_name, "rb") as handle:
        lines = handle.read().splitlines()
    assert lines[0] == b"n,digest" and len(lines) == SLOW_ROWS + 1
    assert visible_results() == [os.path.basename(final.storage_name)]


def test_worker_killed_too_often_marks_the_job_failed_with_the_reason() -> None:
    with worker_pool(2, CURSOR_STREAM_JOBS_MAX_ATTEMPTS="1") as workers:
        pk = slow_job().pk
        wait_until(lambda: running_with_rows(pk), 30, "the job runs and has rows")
        first = job(pk)
        next(w for w in workers if first.worker.endswith(f":{w.pid}")).kill()
        final = api.wait(pk, timeout=30)
    assert final.status == Status.FAILED
    assert "stopped answering" in final.error and "gave up after 1 runs" in final.error
    assert visible_results() == []


def _settings() -> dict[str, Any]:
    return dict(settings.CURSOR_STREAM)


def test_cancel_while_running_stops_within_a_second_and_stores_nothing() -> None:
    with worker_pool(1):
        pk = slow_job().pk
        wait_until(lambda: running_with_rows(pk), 30, "the job runs and has rows")
        assert export_backends()
        started = time.monotonic()
        api.cancel(pk)
        wait_until(lambda: not export_backends(), 5, "the export's session ends")
        released = time.monotonic() - started
        final = api.wait(pk, timeout=10)
    assert released < 1.5
    assert final.status == Status.CANCELLED
    assert final.storage_name == "" and visible_results() == []


def test_cancel_while_queued_never_runs() -> None:
    pk = slow_job(rows=10).pk
    api.cancel(pk)
    with worker_pool(1):
        time.sleep(1.0)  # the worker picks up the task and must leave the job alone
    final = job(pk)
    assert final.status == Status.CANCELLED and final.attempts == 0


def test_two_workers_racing_for_one_job_run_it_once() -> None:
    from django_tasks_db.models import DBTaskResult

    pk = slow_job(rows=200).pk
    for _ in range(3):
        api.enqueue(pk)  # the same job queued four times in all
    with worker_pool(2):
        final = api.wait(pk, timeout=60)
        wait_until(
            lambda: (
                not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
                .filter(run_after__lte=time_now())
                .exists()
            ),
            30,
            "every copy of the task ran",
        )
    assert final.status == Status.SUCCEEDED and final.attempts == 1
    ran = [
        r.return_value["ran"]
        for r in DBTaskResult.objects.filter(status="SUCCESSFUL")
        if r.return_value and r.return_value.get("job") == pk
    ]
    assert ran.count(True) == 1 and len(ran) >= 4


def time_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def test_storage_full_fails_the_job_with_the_reason_and_no_file() -> None:
    pk = slow_job(rows=2000).pk
    # The worker may write 20 kB per file: the export (about 80 kB) fails with the kernel's
    # "File too large", as on a full disk.
    with worker_pool(1, max_file_size=20_000):
        final = api.wait(pk, timeout=60)
    assert final.status == Status.FAILED
    assert final.error == (
        "Could not write the result to storage: File too large. Nothing was stored."
    )
    assert visible_results() == []
    assert not os.listdir(os.path.join(settings.JOBS_DIR, ".partial"))


def test_database_connections_dropped_mid_job_are_retried() -> None:
    """What a database restart does to a worker: every connection it has is terminated."""
    with worker_pool(1) as workers:
        pk = slow_job().pk
        wait_until(lambda: running_with_rows(pk), 30, "the job runs and has rows")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 2  # the worker's ORM session and its export
        final = api.wait(pk, timeout=90)
        assert workers[0].process.poll() is None  # the worker survived
    assert final.status == Status.SUCCEEDED, final.status_line()
    assert final.attempts == 2 and final.rows == SLOW_ROWS
    assert "retrying after" not in final.error


def test_killed_job_resumes_from_its_checkpoint_and_later_rows_come_from_a_newer_snapshot(
    products: int, tmp_path: Any
) -> None:
    from django.core.management import call_command

    from catalog.models import Product

    expected = tmp_path / "expected.csv"
    description = ExportDescription(model="testapp.SlowProduct", options=ExportOptions())
    with worker_pool(2, CURSOR_STREAM_JOBS_CHECKPOINT_ROWS="100") as workers:
        pk = api.submit(description).pk
        wait_until(lambda: (job(pk).checkpoint or {}).get("rows", 0) >= 300, 60, "3 checkpoints")
        first = job(pk)
        next(w for w in workers if first.worker.endswith(f":{w.pid}")).kill()
        point = job(pk).checkpoint
        assert point is not None
        # Change one row before the checkpoint and one after it while nobody runs the job.
        keys = list(Product.objects.order_by("pk").values_list("pk", flat=True))
        before, after = keys[point["rows"] - 1], keys[-1]
        Product.objects.filter(pk__in=[before, after]).update(product_name="renamed")
        final = api.wait(pk, timeout=90)
    assert final.status == Status.SUCCEEDED, final.status_line()
    assert final.attempts == 2
    assert final.resumed_at_rows == [point["rows"]] and point["rows"] % 100 == 0
    assert f"resumed after rows {point['rows']:,}" in final.status_line()
    assert final.rows == products
    with result_storage().open(final.storage_name, "rb") as handle:
        body = handle.read()
    # Rows up to the checkpoint come from the first snapshot, later ones from a newer one.
    assert first_name(body, before) != "renamed"
    Product.objects.filter(pk=before).update(product_name=first_name(body, before))
    call_command("streamdata", "testapp.SlowProduct", "-o", str(expected))
    assert body == expected.read_bytes()
    assert first_name(body, after) == "renamed"
    assert visible_results() == [os.path.basename(final.storage_name)]
    assert not os.listdir(os.path.join(settings.JOBS_DIR, ".partial"))


def first_name(body: bytes, pk: int) -> str:
    import csv
    import io

    for row in csv.reader(io.StringIO(body.decode())):
        if row[0] == str(pk):
            return row[1]
    raise AssertionError(f"no row {pk}")


def test_database_restart_mid_job(tmp_path: Any) -> None:
    """A real restart of the PostgreSQL server that holds the queue, the jobs and the data."""
    import asyncio
    import subprocess
    import sys

    import devdb
    from cursor_stream.connection import params_from_settings_dict
    from cursor_stream.streaming import Transaction
    from tests.workers import MANAGE, Worker, child_env

    cluster = devdb.Cluster("jobs-restart")
    worker = None
    try:
        url = cluster.start()
        env = child_env(DATABASE_URL=url, CURSOR_STREAM_JOBS_DIR=str(tmp_path / "storage"))
        manage = [sys.executable, str(MANAGE)]
        subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True)
        argv = [*manage, "streamdata", "--sql", SLOW_SQL, "--param", str(SLOW_ROWS)]
        queued = subprocess.run(
            [*argv, "--background", "-v", "0"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        job_id = int(queued.stdout)
        params = params_from_settings_dict(
            devdb.database_settings(url), alias="jobs-restart", timezone_name="UTC"
        )

        async def state() -> tuple[str, int]:
            async with Transaction(params) as txn:
                rows = [
                    r
                    async for r in txn.rows(
                        f"SELECT status, rows FROM cursor_stream_jobs_exportjob WHERE id = {job_id}"
                    )
                ]
            return rows[0]["status"], rows[0]["rows"]

        # One worker: django-tasks-db's idle workers exit when their polling query fails (a
        # supervisor restarts them in production); the busy one survives inside the job.
        worker = Worker("restart", env)
        wait_until(
            lambda: (lambda s: s[0] == "running" and s[1] > 0)(asyncio.run(state())),
            60,
            "the job runs and has rows",
        )
        cluster.stop()
        cluster.start()
        waited = subprocess.run(
            [*manage, "streamjobs", "wait", str(job_id), "--timeout", "90"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert waited.returncode == 0, f"{worker.output()}\n{waited.stdout}{waited.stderr}"
        assert waited.stdout.startswith(f"job {job_id} succeeded: {SLOW_ROWS:,} rows")
        assert worker.process.poll() is None
    finally:
        if worker is not None:
            worker.stop()
        cluster.stop()


def test_cancel_stops_the_workers_running_parts_of_a_parallel_job(products: int) -> None:
    description = ExportDescription(
        model="testapp.SlowProduct", options=ExportOptions(format="csv", jobs=2)
    )
    view = (
        "CREATE OR REPLACE VIEW slow_product AS SELECT p.product_id, p.product_name, p.sku, "
        "p.price FROM product p, LATERAL pg_sleep({} + 0 * p.product_id) AS pause"
    )
    # Slow only in the sessions of parts run by workers (20 ms a row: part 2 takes 10 s); the
    # leader's key sample and part 1 run at once.
    in_parts = "CASE WHEN current_setting('application_name') LIKE '%% part 2/2' THEN 0.02 END"
    with connection.cursor() as cursor:
        cursor.execute(view.format(in_parts))
    try:
        _cancel_parallel(description)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(view.format("0.002"))


def _cancel_parallel(description: ExportDescription) -> None:

    def part_sessions() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name LIKE %s",
                ["%part 2/2"],
            )
            return [row[0] for row in cursor.fetchall()]

    with worker_pool(2, CURSOR_STREAM_JOBS_PART_START_TIMEOUT="60"):
        pk = api.submit(description, name="exports/slow.csv").pk
        wait_until(lambda: bool(part_sessions()), 30, "another worker runs part 2")
        api.cancel(pk)
        wait_until(lambda: not part_sessions(), 1.5, "the part's session is gone")
        final = api.wait(pk, timeout=30)
    assert final.status == Status.CANCELLED
    assert visible_results() == []
    partial = Path(result_storage().path(".partial"))
    assert not partial.exists() or not any(partial.iterdir())
