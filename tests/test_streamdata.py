"""``manage.py streamdata``: through call_command, and as a subprocess (exit codes, signals)."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.models import Product
from cursor_stream import fetch_page
from tests.spreadsheets import read_xlsx

ROOT = Path(__file__).resolve().parent.parent


def streamdata(*args: str, **kwargs: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("streamdata", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# --- in process -------------------------------------------------------------------------------


def test_exports_a_model_to_a_csv_file(products, tmp_path):
    target = tmp_path / "products.csv"
    out, err = streamdata("catalog.Product", "-o", str(target))
    rows = read_csv(target)
    assert rows[0][:3] == ["product_id", "product_name", "sku"]
    assert len(rows) == 1001
    assert [int(r[0]) for r in rows[1:]] == sorted(int(r[0]) for r in rows[1:])
    assert out.startswith("Exported 1,000 rows, ") and str(target) in out and err == ""
    assert "copy engine" in out


def test_stdout_text_capture_equals_the_file(products, tmp_path):
    target = tmp_path / "p.tsv"
    streamdata("catalog.Product", "-o", str(target), "--fields", "sku,description")
    out, err = streamdata("catalog.Product", "--format", "tsv", "--fields", "sku,description")
    assert out.encode() == target.read_bytes()
    assert "Exported 1,000 rows" in err  # the summary stays off stdout


def test_gzip_is_inferred_from_the_suffix(products, tmp_path):
    streamdata("catalog.Product", "-o", str(tmp_path / "p.jsonl"), "--fields", "product_id,price")
    streamdata(
        "catalog.Product", "-o", str(tmp_path / "p.jsonl.gz"), "--fields", "product_id,price"
    )
    plain = (tmp_path / "p.jsonl").read_bytes()
    assert gzip.decompress((tmp_path / "p.jsonl.gz").read_bytes()) == plain
    assert plain.count(b"\n") == 1000


def test_fields_filters_and_ordering(products, tmp_path):
    target = tmp_path / "f.csv"
    streamdata(
        "catalog.Product",
        "-o",
        str(target),
        "--fields",
        "product_id,price,status,category__name",
        "--filter",
        "price__gte=500",
        "--filter",
        "category__name__in=Books,Kitchen,Pets 🐾",
        "--exclude",
        "status=draft",
        "--order-by=-price,product_id",
        "--choices-display",
    )
    rows = read_csv(target)
    assert rows[0] == ["product_id", "price", "status", "category__name"]
    expected = list(
        Product.objects.filter(price__gte=500, category__name__in=["Books", "Kitchen", "Pets 🐾"])
        .exclude(status="draft")
        .order_by("-price", "product_id")
        .values_list("product_id", flat=True)
    )
    assert expected and [int(r[0]) for r in rows[1:]] == expected
    assert {r[2] for r in rows[1:]} <= {"Active", "Discontinued"}


def test_offset_and_limit_reproduce_forward_and_fetch(products, tmp_path):
    out, _ = streamdata(
        "catalog.Product", "--fields", "product_id", "--offset", "500", "--limit", "100"
    )
    page = asyncio.run(
        fetch_page(
            Product.objects.order_by("pk").values_list("product_id", flat=True),
            offset=500,
            count=100,
        )
    )
    assert out.split("\n")[1:-1] == [str(pk) for pk in page]


def test_sql_with_parameters(products):
    out, _ = streamdata(
        "--sql",
        "SELECT product_id, sku FROM product WHERE product_id <= %s AND sku <> %s ORDER BY 1",
        "--param",
        "3",
        "--param",
        "x'; DROP TABLE product; --",
        "--format",
        "json",
    )
    assert out == (
        '[\n{"product_id":1,"sku":"SKU-000000001"},\n{"product_id":2,"sku":"SKU-000000002"},\n'
        '{"product_id":3,"sku":"SKU-000000003"}\n]\n'
    )


def test_existing_output_is_refused_and_left_untouched(products, tmp_path):
    target = tmp_path / "p.csv"
    target.write_text("keep me")
    with pytest.raises(CommandError, match=r"already exists.*--force"):
        streamdata("catalog.Product", "-o", str(target))
    assert target.read_text() == "keep me"
    streamdata("catalog.Product", "-o", str(target), "--force", "--limit", "2")
    assert len(read_csv(target)) == 3


BAD_INPUT = [
    (["nope.Model"], "Unknown model 'nope.Model'"),
    (["catalog.Product", "--fields", "product_id,nope"], "has no field 'nope'"),
    (["catalog.Product", "--fields", "attributes__color"], "not a relation"),
    (["catalog.Product", "--fields", "sku;DROP"], "has no field 'sku;DROP'"),
    (["catalog.Product", "--filter", "price__bogus=1"], "'bogus' is not a lookup"),
    (["catalog.Product", "--filter", "attributes__color=red"], "'color' is not a lookup"),
    (["catalog.Product", "--filter", "price"], "Malformed --filter 'price'"),
    (["catalog.Product", "--filter", "price=abc"], "Invalid filter value"),
    (["catalog.Product", "--order-by", "price;--"], "has no field 'price;--'"),
    (["catalog.Product", "--format", "xml"], "Unknown export format 'xml'"),
    (["catalog.Product", "-o", "OUT/x.txt"], "Cannot tell the format"),
    (["catalog.Product", "-o", "OUT/x.xlsx", "--engine", "copy"], "cannot be written by the copy"),
    (["--sql", "SELECT product_id FROM product WHERE"], "syntax error.*position"),
    (["catalog.Product", "-o", "OUT/missing/x.csv"], "does not exist"),
    (["catalog.Product", "--limit", "-1"], "--limit must be an integer >= 0"),
    (["catalog.Product", "--offset", "-5"], "--offset must be an integer >= 0"),
    (["catalog.Product", "--prefetch", "0"], "--prefetch must be an integer >= 1"),
    (["catalog.Product", "--timezone", "Mars/Base"], "Unknown time zone"),
    (["catalog.Product", "--engine", "copy", "--limit", "5"], "cursor engine"),
    (["catalog.Product", "--database", "sqlite"], "'sqlite' uses the 'sqlite' backend"),
    (["catalog.Product", "--sql", "SELECT 1"], "not both"),
    ([], "either a model"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_is_a_command_error_and_writes_nothing(products, tmp_path, args, message):
    args = [a.replace("OUT", str(tmp_path)) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "out.csv")]
    with pytest.raises(CommandError, match=message) as info:
        streamdata(*args)
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option", [["--gzip"], ["--format", "xlsx"]])
def test_binary_output_is_refused_on_a_terminal(products, option):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    with pytest.raises(CommandError, match="terminal"):
        call_command("streamdata", "catalog.Product", *option, stdout=Terminal())


def test_exports_xlsx_to_a_file(products, tmp_path):
    target = tmp_path / "products.xlsx"
    out, _err = streamdata(
        "catalog.Product", "-o", str(target), "--fields", "product_id,sku,price,created_at"
    )
    assert "Exported 1,000 rows" in out and "(xlsx, cursor engine)" in out
    rows = read_xlsx(target.read_bytes())["Sheet1"]
    assert rows[0] == ("product_id", "sku", "price", "created_at")
    assert len(rows) == 1001
    product = Product.objects.get(pk=rows[1][0])
    assert rows[1][1] == product.sku and rows[1][2] == float(product.price)


def test_xlsx_without_its_extra_is_a_one_line_error(products, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)  # as if not installed
    for args in (["-o", str(tmp_path / "x.xlsx")], ["--format", "xlsx", "-o", "-"]):
        with pytest.raises(CommandError, match=r"pip install django-cursor-stream\[xlsx\]") as info:
            streamdata("catalog.Product", *args)
        assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_progress_bar_only_on_a_terminal_stderr(products, tmp_path):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    call_command(
        "streamdata",
        "catalog.Product",
        "-o",
        str(tmp_path / "a.csv"),
        stdout=io.StringIO(),
        stderr=err,
    )
    assert "1,000 rows" in err.getvalue() and "\r" in err.getvalue()
    err = Terminal()
    call_command(
        "streamdata",
        "catalog.Product",
        "-o",
        str(tmp_path / "b.csv"),
        "--no-progress",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert err.getvalue() == ""


# --- as a subprocess ----------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    # The child must use this test run's database, not the URL's.
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    url = url._replace(path="/" + urllib.parse.quote(connection.settings_dict["NAME"]))
    return {
        **os.environ,
        "DATABASE_URL": urllib.parse.urlunsplit(url),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


def manage(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "example_project" / "manage.py"), "streamdata", *args],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_subprocess_writes_csv_to_stdout(products):
    proc = manage("catalog.Product", "--fields", "sku", "--limit", "3", "-v", "0")
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (0, b"")
    assert out == b"sku\nSKU-000000001\nSKU-000000002\nSKU-000000003\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.Model"], "Unknown model"),
        (["--sql", "SELEC 1"], "syntax error"),
        (["catalog.Product", "--limit", "-1"], "--limit must be"),
    ],
)
def test_subprocess_bad_input_exits_1_with_one_line(products, tmp_path, args, message):
    proc = manage(*args, "-o", str(tmp_path / "x.csv"))
    _out, err = proc.communicate(timeout=60)
    text = err.decode()
    assert proc.returncode == 1, text
    assert message in text and "Traceback" not in text
    assert text.count("\n") == 1 and text.startswith("CommandError: ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_subprocess_interrupt_leaves_no_file(products, tmp_path, signum, code):
    target = tmp_path / "slow.csv"
    proc = manage("--sql", "SELECT pg_sleep(30) AS slept", "-o", str(target))
    deadline = time.monotonic() + 30
    # Wait until the export runs: its temporary file exists beside the target.
    while not list(tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    started = time.monotonic()
    proc.send_signal(signum)
    _out, err = proc.communicate(timeout=20)
    assert time.monotonic() - started < 5
    assert proc.returncode == code, err
    assert "Interrupted" in err.decode() and "Traceback" not in err.decode()
    assert list(tmp_path.iterdir()) == []


def test_subprocess_interrupted_xlsx_leaves_no_file_and_no_temporary_files(products, tmp_path):
    out_dir, temp_dir = tmp_path / "out", tmp_path / "tmp"
    out_dir.mkdir()
    temp_dir.mkdir()
    sql = (
        "SELECT i, CASE WHEN i > 100 THEN pg_sleep(30)::text END AS slept "
        "FROM generate_series(1, 200) AS i"
    )
    args = ["--sql", sql, "--prefetch", "50", "-o", str(out_dir / "slow.xlsx")]
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "example_project" / "manage.py"), "streamdata", *args],
        env={**child_env(), "TMPDIR": str(temp_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    # Wait until rows are being written: the workbook's temporary directory exists.
    while not list(temp_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert list(out_dir.iterdir()) == [] and list(temp_dir.iterdir()) == []


def test_the_password_is_exported_only_when_named(transactional_db, tmp_path):
    from django.contrib.auth.models import User

    User.objects.create_user("alice", "alice@example.com", "secret")
    out, _ = streamdata("auth.User")
    header = out.splitlines()[0].split(",")
    assert "password" not in header and "username" in header
    out, _ = streamdata("auth.User", "--fields", "username,password")
    assert out.startswith("username,password\nalice,md5$")
