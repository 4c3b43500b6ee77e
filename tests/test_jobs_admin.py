"""Background exports through the admin, signals and e-mail (the task run in this process)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.test import Client, override_settings

from catalog.models import Product
from cursor_stream.description import AdminSource, ExportDescription, StoredField
from cursor_stream.exceptions import InvalidArgument
from cursor_stream.export import ExportOptions
from cursor_stream.jobs import api
from cursor_stream.jobs.conf import result_storage
from cursor_stream.jobs.models import ExportJob, Status
from cursor_stream.jobs.runner import run_job
from cursor_stream.jobs.signals import export_failed, export_finished, export_started

pytestmark = [pytest.mark.django_db(transaction=True)]


def staff(name: str, *codenames: str) -> User:
    user = User.objects.create_user(name, f"{name}@example.com", "pw", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def admin_job(user: User, query: str = "status__exact=active") -> ExportJob:
    description = ExportDescription(
        model="catalog.Product",
        options=ExportOptions(format="csv"),
        user=str(user.pk),
        admin=AdminSource(site="admin", query=query),
    )
    return api.submit(description, user=user)


def test_the_worker_rebuilds_the_changelist_as_the_user(products: int) -> None:
    ann = staff("ann", "view_product")
    job = admin_job(ann, "status__exact=active&q=Caf")
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.status_line()
    expected = Product.objects.filter(status="active", product_name__icontains="Caf").count()
    assert 0 < job.rows == expected


def test_the_worker_checks_the_permission_again(products: int) -> None:
    ann = staff("ann", "view_product")
    job = admin_job(ann)
    ann.user_permissions.clear()  # lost between queueing and running
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error == "Permission denied: The user 'ann' may not export products."
    assert job.storage_name == ""


def test_signals_and_email(products: int) -> None:
    ann = staff("ann", "view_product")
    seen: list[tuple[str, Any]] = []

    def receiver(name: str) -> Any:
        def receive(sender: Any, job: ExportJob, **kwargs: Any) -> None:
            seen.append((name, kwargs.get("error")))

        return receive

    signals = (export_started, export_finished, export_failed)
    receivers = [receiver(n) for n in ("started", "finished", "failed")]
    for signal, handler in zip(signals, receivers, strict=True):
        signal.connect(handler)
    try:
        settings = {"JOBS_EMAIL": True}
        # pytest-django's test environment sends mail to the locmem outbox.
        with override_settings(CURSOR_STREAM={**django_settings.CURSOR_STREAM, **settings}):
            good = admin_job(ann)
            run_job(good.pk)
            bad = api.submit(ExportDescription(sql="SELECT 1/0 AS x"), user=ann)
            run_job(bad.pk)
    finally:
        for signal, handler in zip(signals, receivers, strict=True):
            signal.disconnect(handler)
    assert [name for name, _ in seen] == ["started", "finished", "started", "failed"]
    assert "division by zero" in seen[-1][1]
    assert [m.to for m in mail.outbox] == [["ann@example.com"], ["ann@example.com"]]
    assert mail.outbox[0].subject.startswith(f"Export {good.pk} succeeded")
    assert mail.outbox[1].subject.startswith(f"Export {bad.pk} failed")


def test_job_pages_are_the_requesters(products: int) -> None:
    ann = staff("ann", "view_product")
    bob = staff("bob", "view_product")
    job = admin_job(ann)
    run_job(job.pk)
    ann_client, bob_client = Client(), Client()
    ann_client.force_login(ann)
    bob_client.force_login(bob)
    base = f"/admin/cursor_stream_jobs/exportjob/{job.pk}"

    status = ann_client.get(f"{base}/status/").json()
    assert status["status"] == "succeeded" and status["rows"] == job_rows(job)
    download = ann_client.get(f"{base}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"Product id,")  # type: ignore[attr-defined]
    download.close()
    page = ann_client.get(f"{base}/change/")
    assert page.status_code == 200 and b"job-progress" in page.content

    for url in (f"{base}/status/", f"{base}/download/", f"{base}/change/"):
        assert bob_client.get(url).status_code == 403, url
    assert bob_client.post(f"{base}/cancel/").status_code == 403
    listing = bob_client.get("/admin/cursor_stream_jobs/exportjob/")
    assert listing.status_code == 200 and f"/{job.pk}/change/" not in listing.content.decode()
    listing = ann_client.get("/admin/cursor_stream_jobs/exportjob/")
    assert f"/{job.pk}/change/" in listing.content.decode()


def job_rows(job: ExportJob) -> int:
    job.refresh_from_db()
    return job.rows


def test_cancel_button_of_a_queued_job(products: int) -> None:
    ann = staff("ann", "view_product")
    job = admin_job(ann)
    client = Client()
    client.force_login(ann)
    response = client.post(f"/admin/cursor_stream_jobs/exportjob/{job.pk}/cancel/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.CANCELLED


def test_selected_rows_only(products: int) -> None:
    ann = staff("ann", "view_product")
    chosen = [str(pk) for pk in Product.objects.order_by("pk").values_list("pk", flat=True)[:7]]
    description = ExportDescription(
        model="catalog.Product",
        options=ExportOptions(format="jsonl"),
        user=str(ann.pk),
        admin=AdminSource(site="admin", query="", selected=tuple(chosen)),
    )
    job = api.submit(description, user=ann)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED and job.rows == 7


EXPORT_PAGE = "/admin/catalog/product/export/"


def test_run_in_the_background_from_the_export_page_equals_the_download(products: int) -> None:
    ann = staff("ann", "view_product")
    client = Client()
    client.force_login(ann)
    data = {
        "_changelist_filters": "status__exact=active&q=Caf",
        "_columns_shown": "1",
        "format": "csv",
        # The picker's subset, with the admin's computed column (an expression).
        "columns": ["sku", "category__name", "price_with_vat"],
    }
    download = client.post(EXPORT_PAGE, data)
    assert download.status_code == 200
    expected = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    download.close()
    assert expected.startswith(b"SKU,Category name,Price incl. VAT\n")

    queued = client.post(EXPORT_PAGE, {**data, "background": "on"})
    job = ExportJob.objects.get()
    assert queued.status_code == 302
    assert queued["Location"] == f"/admin/cursor_stream_jobs/exportjob/{job.pk}/change/"
    stored = ExportDescription.from_json(job.description)
    assert stored.fields == (
        StoredField("sku"),
        StoredField("category__name"),
        StoredField("price_with_vat", "Price incl. VAT", computed=True),
    )
    assert stored.options.header_style == "verbose" and stored.options.escape_formulas
    assert stored.admin == AdminSource(site="admin", query="status__exact=active&q=Caf")
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.status_line()
    with result_storage().open(job.storage_name, "rb") as handle:
        assert handle.read() == expected
    assert job.rows == expected.count(b"\n") - 1 > 0


def background_box(html: str) -> str:
    boxes = re.findall(r'<input[^>]*id="cursor-stream-background"[^>]*>', html)
    assert len(boxes) == 1, html
    return str(boxes[0])


def test_the_export_page_ticks_run_in_the_background_above_background_rows(
    products: int,
) -> None:
    ann = staff("ann", "view_product")
    client = Client()
    client.force_login(ann)
    page = client.get(EXPORT_PAGE)
    assert page.status_code == 200
    assert "checked" not in background_box(page.content.decode())  # ~1,000 rows
    settings = {**django_settings.CURSOR_STREAM, "BACKGROUND_ROWS": 10}
    with override_settings(CURSOR_STREAM=settings):
        page = client.get(EXPORT_PAGE)
    assert "checked" in background_box(page.content.decode())


@pytest.mark.urls("tests.http_urls")
def test_the_worker_goes_through_the_admins_get_export_queryset(products: int) -> None:
    # The annotated admin's get_export_queryset() adds the name_length column and keeps the
    # products in stock; its site lives in a URLconf module the worker imports by itself.
    ann = staff("ann", "view_product")
    description = ExportDescription(
        model="catalog.Product",
        fields=("sku", "name_length"),
        options=ExportOptions(format="jsonl"),
        user=str(ann.pk),
        admin=AdminSource(site="annotated", query="status__exact=active"),
    )
    job = api.submit(description, user=ann)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.status_line()
    with result_storage().open(job.storage_name, "rb") as handle:
        rows = [json.loads(line) for line in handle.read().splitlines()]
    expected = Product.objects.filter(status="active", in_stock=True)
    assert len(rows) == expected.count() > 0
    lengths = dict(expected.values_list("sku", "product_name"))
    assert all(row["Name length"] == len(lengths[row["SKU"]]) for row in rows)


def test_a_column_the_admin_does_not_export_is_refused(products: int) -> None:
    ann = staff("ann", "view_product")
    description = ExportDescription(
        model="catalog.Product",
        fields=("sku", "cost_price"),
        user=str(ann.pk),
        admin=AdminSource(site="admin"),
    )
    with pytest.raises(InvalidArgument, match=r"^The column 'cost_price' is not exported here"):
        api.submit(description, user=ann)
    assert not ExportJob.objects.exists()
