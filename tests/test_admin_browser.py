"""The admin export in a real browser: Playwright driving Debian's chromium against live_server.

Skipped when playwright or a ``chromium`` binary is missing (CI installs both; never run
``playwright install``: the system chromium is used).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User

from catalog.models import Product
from tests.spreadsheets import read_xlsx

pytestmark = [pytest.mark.slow, pytest.mark.urls("tests.http_urls")]

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if CHROMIUM is None:
        message = "no chromium binary (apt-get install chromium; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the browser test, never skip it
        pytest.skip(message)
    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse the test's own (truly synchronous) ORM calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module", autouse=True)
def _close_live_server_sessions(
    django_db_setup: None, django_db_blocker: Any, live_server: Any
) -> Iterator[None]:
    """After this module, end the ORM sessions live_server's threads left on the test database.

    A thread of the (session-scoped) live server keeps its connection open, and the test
    database then cannot be dropped at the end of the run.
    """
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'"
        )


def _login(browser: Any, live_server: Any, username: str) -> Any:
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def _csv_rows(download: Any) -> list[list[str]]:
    with open(download.path(), encoding="utf-8", newline="") as handle:
        return list(csv.reader(io.StringIO(handle.read())))


def test_admin_exports_in_a_browser(browser: Any, live_server: Any, products: int) -> None:
    User.objects.create_superuser("root", "root@example.com", "pw")
    expected = Product.objects.filter(status="active", in_stock=True).count()
    page = _login(browser, live_server, "root")

    # Filter the changelist, select all across, run the CSV action.
    page.goto(f"{live_server.url}/admin/catalog/product/?status__exact=active")
    page.click("#changelist-filter a[href*='in_stock__exact=1']")
    page.wait_for_url("**in_stock__exact=1**")
    page.check("#action-toggle")
    page.click(".actions .question a")  # "Select all N products"
    page.select_option("select[name=action]", "export_as_csv")
    with page.expect_download() as info:
        page.click("button[name=index]")
    download = info.value
    assert download.suggested_filename.startswith("products-")
    rows = _csv_rows(download)
    assert len(rows) == expected + 1
    # Verbose headers, and the computed column's label.
    assert rows[0] == [
        "Product id", "Product name", "SKU", "Category name", "Price", "In stock", "Status",
        "Attributes", "Created at", "Price incl. VAT",
    ]  # fmt: skip
    assert {row[6] for row in rows[1:]} == {"Active"}
    # Computed by the database: numeric, exact.
    assert all(Decimal(row[9]) == Decimal(row[4]) * Decimal("1.20") for row in rows[1:])

    # The Export button: the chooser keeps the filters, Download streams every matching row.
    page.click("a.cursor-stream-export")
    page.wait_for_url("**/export/**")
    page.check("input[name=format][value=jsonl]")
    with page.expect_download() as info:
        page.click("input[name=_export]")
    download = info.value
    assert download.suggested_filename.endswith(".jsonl")
    with open(download.path(), encoding="utf-8") as handle:
        assert len(handle.read().splitlines()) == expected
    page.close()


def test_user_without_permission_sees_no_export_controls(
    browser: Any, live_server: Any, products: int
) -> None:
    user = User.objects.create_user("viewer", "viewer@example.com", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_product"))
    page = _login(browser, live_server, "viewer")
    page.goto(f"{live_server.url}/strict-admin/catalog/product/")
    assert page.locator("#result_list").count() == 1
    assert page.locator("a.cursor-stream-export").count() == 0
    assert page.locator("option[value^=export_as_]").count() == 0
    page.close()


def test_list_editable_save_with_an_export_action_selected_saves(
    browser: Any, live_server: Any, products: int
) -> None:
    User.objects.create_superuser("root", "root@example.com", "pw")
    product = Product.objects.order_by("pk").first()
    assert product is not None and product.price != Decimal("321.00")
    page = _login(browser, live_server, "root")
    page.goto(f"{live_server.url}/editable-admin/catalog/product/?q={product.sku}")
    page.fill("input[name=form-0-price]", "321.00")
    page.select_option("select[name=action]", "export_as_csv")
    # The admin's own JavaScript asks to confirm saving with an action selected: yes.
    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success", timeout=10_000)
    assert "changed successfully" in page.inner_text(".messagelist")
    assert len(dialogs) == 1 and "save" in dialogs[0]
    product.refresh_from_db()
    assert product.price == Decimal("321.00")
    page.close()


def test_export_page_column_picker_and_filter_summary_under_a_custom_template(
    browser: Any, live_server: Any, products: int
) -> None:
    User.objects.create_superuser("root", "root@example.com", "pw")
    expected = Product.objects.filter(status="active").count()
    page = _login(browser, live_server, "root")

    # A ModelAdmin with its own change_list_template: its content and the Export button.
    page.goto(f"{live_server.url}/custom-admin/catalog/product/?status__exact=active")
    assert page.inner_text("#custom-template-title") == "Custom product list"
    assert page.locator("ul.object-tools a.custom-tool").count() == 1
    page.click("ul.object-tools a.cursor-stream-export")
    page.wait_for_url("**/custom-admin/catalog/product/export/**")

    # The filters as the sidebar labels them, and the planner's estimate.
    assert page.inner_text("#cursor-stream-filters") == "By status: Active"
    assert page.inner_text("#cursor-stream-estimate").startswith("The database estimates about ")
    assert page.inner_text("label:has(input[name=format][value=csv])").strip() == "CSV (.csv)"

    # Every column ticked; "All" (shown by export.js) clears and ticks them.
    toggle = "#cursor-stream-all-columns"
    columns = page.locator("input[name=columns]")
    assert columns.count() == 10
    # Each labelled with its header, its name beside it.
    item = page.locator("li:has(input[name=columns][value=price_with_vat])")
    assert item.locator("label").inner_text().strip() == "Price incl. VAT"
    assert item.locator("code").inner_text() == "price_with_vat"
    assert page.inner_text("label:has(input[name=columns][value=category__name])").strip() == (
        "Category name"
    )
    assert page.is_visible(toggle) and page.is_checked(toggle)
    page.uncheck(toggle)
    assert not any(columns.nth(i).is_checked() for i in range(10))
    page.click("input[name=_export]")  # nothing ticked: the page comes back with the error
    page.wait_for_selector(".errornote")
    assert "Tick at least one column to export." in page.inner_text("#content-main")

    page.check("input[name=columns][value=price_with_vat]")
    page.check("input[name=columns][value=price]")
    page.check("input[name=columns][value=sku]")
    assert page.eval_on_selector(toggle, "box => box.indeterminate")
    with page.expect_download() as info:
        page.click("input[name=_export]")
    rows = _csv_rows(info.value)
    # The declared order, not the order of the clicks.
    assert rows[0] == ["SKU", "Price", "Price incl. VAT"]
    assert len(rows) == expected + 1
    prices = dict(Product.objects.values_list("sku", "price"))
    assert all(
        Decimal(price) == prices[sku] and Decimal(vat) == prices[sku] * Decimal("1.20")
        for sku, price, vat in rows[1:]
    )
    page.check(toggle)
    assert all(columns.nth(i).is_checked() for i in range(10))
    page.close()


def test_per_model_change_list_template_shows_the_export_button(
    browser: Any, live_server: Any, products: int
) -> None:
    User.objects.create_superuser("root", "root@example.com", "pw")
    page = _login(browser, live_server, "root")
    page.goto(f"{live_server.url}/custom-admin/catalog/category/")
    assert page.inner_text("#per-model-title") == "Per-model category list"
    page.click("a.cursor-stream-export")
    page.wait_for_url("**/custom-admin/catalog/category/export/")
    with page.expect_download() as info:
        page.click("input[name=_export]")
    rows = _csv_rows(info.value)
    assert rows[0] == ["ID", "Name"]  # verbose headers by default
    assert len(rows) > 1
    page.close()


def test_background_export_in_a_browser(browser: Any, live_server: Any, products: int) -> None:
    """Run in the background: the job page polls its progress to the end, then downloads."""
    from tests.workers import worker_pool

    User.objects.create_superuser("root", "root@example.com", "pw")
    expected = Product.objects.filter(status="active").count()
    page = _login(browser, live_server, "root")
    page.goto(f"{live_server.url}/admin/catalog/product/?status__exact=active")
    page.click("a.cursor-stream-export")
    page.wait_for_url("**/export/**")
    # About 1,000 rows, below BACKGROUND_ROWS: a download unless asked otherwise.
    assert not page.is_checked("#cursor-stream-background")
    # xlsx runs in the background by default; back to csv, a download again.
    page.check("input[name=format][value=xlsx]")
    assert page.is_checked("#cursor-stream-background")
    page.check("input[name=format][value=csv]")
    assert not page.is_checked("#cursor-stream-background")
    page.check("input[name=format][value=xlsx]")
    assert page.is_checked("#cursor-stream-background")
    with worker_pool(1):
        page.click("input[name=_export]")
        page.wait_for_url("**/cursor_stream_jobs/exportjob/*/change/")
        page.wait_for_selector("#job-download:not([hidden])", timeout=60_000)
        assert page.inner_text("#job-status") == "Succeeded"
        assert f"{expected:,} / ~" in page.inner_text("#job-numbers") or page.inner_text(
            "#job-numbers"
        ).startswith(f"{expected:,} rows")
        assert page.locator("#job-cancel").is_hidden()
        with page.expect_download() as info:
            page.click("#job-download a")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as handle:
        (sheet,) = read_xlsx(handle.read()).values()
    assert len(sheet) == expected + 1
    assert sheet[0][-1] == "Price incl. VAT"  # the admin's computed column, rebuilt by the worker
    # The Exports list shows it.
    page.goto(f"{live_server.url}/admin/cursor_stream_jobs/exportjob/")
    assert page.locator("#result_list tbody tr").count() == 1
    page.close()
