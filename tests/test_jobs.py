"""Background exports run by real ``db_worker`` processes (django-tasks-db) on this database."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from cursor_stream.description import ExportDescription
from cursor_stream.export import ExportOptions
from cursor_stream.jobs import api
from cursor_stream.jobs.conf import result_storage
from cursor_stream.jobs.models import ExportJob, Status
from tests.workers import worker_pool

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
