"""``streamdata --background`` and ``manage.py streamjobs``, with a real db_worker."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cursor_stream.jobs.conf import result_storage
from cursor_stream.jobs.models import ExportJob, Status
from tests.workers import worker_pool

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_background_export_equals_foreground_and_the_job_commands(
    products: int, tmp_path: Path
) -> None:
    args = ["catalog.Product", "--fields=product_id,sku,price", "--filter=in_stock=true"]
    job_id = int(run("streamdata", *args, "--background", "-o", "feeds/stock.jsonl.gz"))
    with worker_pool(1):
        line = run("streamjobs", "wait", str(job_id), "--timeout", "60")
    assert line.startswith(f"job {job_id} succeeded: ")
    job = ExportJob.objects.get(pk=job_id)
    assert job.storage_name == "feeds/stock.jsonl.gz" and job.format == "jsonl"
    fetched = tmp_path / "fetched.jsonl.gz"
    run("streamjobs", "fetch", str(job_id), "-o", str(fetched))
    foreground = tmp_path / "foreground.jsonl.gz"
    run("streamdata", *args, "-o", str(foreground))
    assert fetched.read_bytes() == foreground.read_bytes()
    assert len(gzip.decompress(fetched.read_bytes()).splitlines()) == job.rows > 0

    assert f"{job_id}  succeeded" in run("streamjobs", "list")
    shown = json.loads(run("streamjobs", "show", str(job_id)))
    assert shown["status"] == "succeeded" and shown["description"]["model"] == "catalog.Product"
    with pytest.raises(CommandError, match="already exists"):
        run("streamjobs", "fetch", str(job_id), "-o", str(fetched))
    assert run("streamjobs", "prune", "--older-than", "0") == "Deleted 1 jobs and 1 files.\n"
    assert not result_storage().exists("feeds/stock.jsonl.gz")
    assert not ExportJob.objects.exists()


def test_background_bad_input_is_one_line_and_queues_nothing(products: int) -> None:
    with pytest.raises(CommandError, match=r"^Unknown field 'prce'"):
        run("streamdata", "catalog.Product", "--fields=prce", "--background")
    with pytest.raises(CommandError, match="must be a relative path"):
        run("streamdata", "catalog.Product", "--background", "-o", "../x.csv")
    assert not ExportJob.objects.exists()


def test_wait_exits_1_with_the_status_line_of_a_failed_job(products: int) -> None:
    job_id = int(run("streamdata", "--sql", "SELECT 1/0 AS boom", "--background"))
    # The description is valid (it is described, not run, when queued); it fails in the worker.
    with worker_pool(1), pytest.raises(CommandError) as info:
        run("streamjobs", "wait", str(job_id), "--timeout", "60")
    assert info.value.returncode == 1
    assert str(info.value).startswith(f"job {job_id} failed: 0 rows; ")
    assert "division by zero" in str(info.value)
    assert ExportJob.objects.get(pk=job_id).status == Status.FAILED


def test_cancel_of_a_queued_job(products: int) -> None:
    job_id = int(run("streamdata", "catalog.Product", "--background"))
    assert run("streamjobs", "cancel", str(job_id)).startswith(f"job {job_id} cancelled")
    with pytest.raises(CommandError, match="already cancelled"):
        run("streamjobs", "cancel", str(job_id))


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (
            [
                "catalog.Product",
                "--fields=pk,category__name,attributes__color,created_at__year,price",
                "--header-style=verbose",
                "--filter=pk__lt=500",
                "--exclude=attributes__color=blue",
                "--order-by=-price,pk",
                "--choices-display",
            ],
            "jobs/products.pgtext",
        ),
        (["catalog.Category", "--header-style=verbose", "--no-header"], "jobs/categories.tsv"),
        # A parallel export, gzip as one member per part, in the worker too.
        (["catalog.Product", "--jobs=2", "--filter=price__gte=10"], "jobs/products.csv.gz"),
        (
            ["catalog.Product", "--offset=3", "--limit=5", "--timezone=UTC", "--bom"],
            "jobs/products.csv",
        ),
        (
            [
                "--sql",
                "SELECT product_id, sku FROM product WHERE price > %s ORDER BY 1",
                "--param=10",
                "--escape-formulas",
            ],
            "jobs/query.jsonl",
        ),
    ],
)
def test_background_takes_every_foreground_option(
    products: int, tmp_path: Path, args: list[str], output: str
) -> None:
    from cursor_stream.jobs.runner import run_job

    job_id = int(run("streamdata", *args, "--background", "-o", output))
    run_job(job_id)
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == Status.SUCCEEDED, job.status_line()
    foreground = tmp_path / Path(output).name
    run("streamdata", *args, "-o", str(foreground))
    with result_storage().open(job.storage_name, "rb") as handle:
        assert handle.read() == foreground.read_bytes()


def test_background_refuses_what_the_foreground_refuses(products: int) -> None:
    with pytest.raises(CommandError, match=r"^--sql must be a query returning rows"):
        run("streamdata", "--sql", "DELETE FROM product", "--background")
    with pytest.raises(CommandError, match=r"^The SQL has 1 placeholder, 0 --param values"):
        run("streamdata", "--sql", "SELECT %s AS x", "--background")
    with pytest.raises(CommandError, match=r"^Cannot tell the format from the output name"):
        run("streamdata", "catalog.Product", "--background", "-o", "feeds/products.dat")
    with pytest.raises(CommandError, match=r"^--jobs 2 cannot cut this export into key ranges"):
        run("streamdata", "catalog.Product", "--jobs=2", "--order-by=-price", "--background")
    with pytest.raises(CommandError, match=r"'yaer' is not a transform of DateTimeField"):
        run("streamdata", "catalog.Product", "--fields=created_at__yaer", "--background")
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("output", ["jobs/products.pgtext", "jobs/products.tsv"])
def test_a_resumable_background_export_in_key_ranges_equals_the_foreground(
    products: int, tmp_path: Path, output: str
) -> None:
    from django.conf import settings
    from django.test import override_settings

    from cursor_stream.description import ExportDescription
    from cursor_stream.jobs.runner import run_job
    from cursor_stream.jobs.segments import segmented

    args = [
        "catalog.Product",
        "--fields=pk,sku,attributes__color,created_at__date,status",
        "--header-style=verbose",
        "--choices-display",
    ]
    job_id = int(run("streamdata", *args, "--background", "-o", output))
    job = ExportJob.objects.get(pk=job_id)
    assert segmented(ExportDescription.from_json(job.description), local=True) is not None
    with override_settings(CURSOR_STREAM={**settings.CURSOR_STREAM, "JOBS_CHECKPOINT_ROWS": 300}):
        run_job(job_id)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.status_line()
    assert job.rows == products
    foreground = tmp_path / Path(output).name
    run("streamdata", *args, "-o", str(foreground))
    with result_storage().open(job.storage_name, "rb") as handle:
        assert handle.read() == foreground.read_bytes()
