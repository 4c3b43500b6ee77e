"""Background exports into S3 (django-storages) on a local S3-compatible server (moto)."""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory, override_settings

from cursor_stream.description import ExportDescription
from cursor_stream.export import ExportOptions
from cursor_stream.jobs import api
from cursor_stream.jobs.admin import download_response
from cursor_stream.jobs.models import Status
from tests.faults import free_port
from tests.workers import wait_until, worker_pool

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

#: About 13 MB of CSV: three 5 MB parts of a multipart upload.
BIG_SQL = "SELECT g AS n, repeat(md5(g::text), 20) AS pad FROM generate_series(1, %s) AS g"
#: The same, slowly (about 10 s): parts are uploaded while the export runs.
SLOW_BIG_SQL = BIG_SQL + ", LATERAL pg_sleep(0.0005 + 0 * g) AS pause"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """Start moto's S3-compatible server on a free local port; stop it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3(s3_endpoint: str) -> Iterator[Any]:
    """An empty ``exports`` bucket, used by this process and its workers."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="exports")
    storages = {**settings.STORAGES}
    storages["exports-s3"] = {
        **storages["exports-s3"],
        "OPTIONS": {**storages["exports-s3"]["OPTIONS"], "endpoint_url": s3_endpoint},
    }
    jobs = {**settings.CURSOR_STREAM, "JOBS_STORAGE": "exports-s3"}
    with override_settings(STORAGES=storages, CURSOR_STREAM=jobs):
        yield client
    for item in client.list_objects_v2(Bucket="exports").get("Contents", []):
        client.delete_object(Bucket="exports", Key=item["Key"])
    for upload in client.list_multipart_uploads(Bucket="exports").get("Uploads", []):
        client.abort_multipart_upload(
            Bucket="exports", Key=upload["Key"], UploadId=upload["UploadId"]
        )
    client.delete_bucket(Bucket="exports")


def sql_job(sql: str, rows: int, **kwargs: Any) -> Any:
    description = ExportDescription(sql=sql, params=(str(rows),), options=ExportOptions())
    return api.submit(description, **kwargs)


def test_result_is_streamed_to_s3_as_a_multipart_upload(s3: Any, s3_endpoint: str) -> None:
    user = User.objects.create_user("ann", "ann@example.com", "pw", is_staff=True)
    job = sql_job(BIG_SQL, 20_000, user=user, name="big/numbers.csv")
    with worker_pool(1, CURSOR_STREAM_S3_ENDPOINT=s3_endpoint):
        final = api.wait(job.pk, timeout=120)
    assert final.status == Status.SUCCEEDED, final.status_line()
    body = s3.get_object(Bucket="exports", Key="big/numbers.csv")
    data = body["Body"].read()
    assert len(data) == final.size > 10 * 1024 * 1024
    assert hashlib.sha256(data).hexdigest() == final.sha256
    assert body["ETag"].strip('"').endswith("-3")  # a multipart upload of three parts
    assert len(data.splitlines()) == 20_001

    # Downloads: the requester streams it through the view; with signed URLs, a redirect.
    request = RequestFactory().get("/")
    request.user = user
    response = download_response(request, final)
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]
    response.close()
    with override_settings(CURSOR_STREAM={**settings.CURSOR_STREAM, "JOBS_SIGNED_URL_EXPIRY": 60}):
        redirect = download_response(request, final)
    assert redirect.status_code == 302
    assert "Expires=" in redirect["Location"] or "X-Amz-Expires=60" in redirect["Location"]
    with urllib.request.urlopen(redirect["Location"]) as signed:
        assert signed.read() == data
    other = User.objects.create_user("bob", "bob@example.com", "pw", is_staff=True)
    request.user = other
    with pytest.raises(PermissionDenied):
        download_response(request, final)


def test_cancel_mid_upload_leaves_no_object_and_no_parts(s3: Any, s3_endpoint: str) -> None:
    job = sql_job(SLOW_BIG_SQL, 20_000, name="slow.csv")
    with worker_pool(1, CURSOR_STREAM_S3_ENDPOINT=s3_endpoint):
        wait_until(
            lambda: type(job).objects.get(pk=job.pk).bytes > 6 * 1024 * 1024,
            60,
            "the first part is uploaded",
        )
        assert s3.list_multipart_uploads(Bucket="exports").get("Uploads")
        api.cancel(job.pk)
        final = api.wait(job.pk, timeout=30)
    assert final.status == Status.CANCELLED
    assert "Contents" not in s3.list_objects_v2(Bucket="exports")
    with contextlib.suppress(KeyError):
        assert not s3.list_multipart_uploads(Bucket="exports")["Uploads"]


def test_parts_of_a_parallel_job_go_through_s3(
    s3: Any, s3_endpoint: str, products: int, tmp_path: Any
) -> None:
    from tests.test_jobs import PARALLEL, PARALLEL_ARGS, foreground, task_results

    job = api.submit(PARALLEL, name="parallel/products.csv")
    with worker_pool(
        3, CURSOR_STREAM_S3_ENDPOINT=s3_endpoint, CURSOR_STREAM_JOBS_PART_START_TIMEOUT="60"
    ):
        final = api.wait(job.pk, timeout=120)
    assert final.status == Status.SUCCEEDED, final.status_line()
    data = s3.get_object(Bucket="exports", Key="parallel/products.csv")["Body"].read()
    assert data == foreground(tmp_path, *PARALLEL_ARGS)
    assert sorted(t.return_value["status"] for t in task_results("run_export_part")) == [
        "done",
        "done",
    ]
    # The parts' objects under .partial/ are gone; only the result is left.
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="exports")["Contents"]]
    assert keys == ["parallel/products.csv"]
