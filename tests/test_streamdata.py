"""``manage.py streamdata``: through call_command, and as a subprocess (exit codes, signals)."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import os
import re
import shlex
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

from catalog.models import Category, Product
from cursor_stream import fetch_page
from cursor_stream.encoders import CsvFormat, registry
from cursor_stream.management.commands import streamdata as streamdata_module
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


def test_pk_is_a_field_path_in_fields_filters_and_ordering(products):
    out, _ = streamdata(
        "catalog.Product",
        "--fields",
        "pk,sku,category__pk",
        "--filter",
        "pk__lt=4",
        "--exclude",
        "pk=2",
        "--order-by=-pk",
    )
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == ["pk", "sku", "category__pk"]  # what was typed
    expected = Product.objects.filter(pk__lt=4).exclude(pk=2).order_by("-pk")
    assert rows[1:] == [[str(p.pk), p.sku, str(p.category_id)] for p in expected]
    assert [r[0] for r in rows[1:]] == ["3", "1"]


def test_header_style_verbose_heads_columns_with_verbose_names(products):
    args = ["catalog.Product", "--fields", "pk,sku,category__name,attributes__color"]
    out, _ = streamdata(*args, "--filter", "pk__lt=3", "--header-style", "verbose")
    assert out.splitlines()[0] == "Product id,SKU,Category name,Attributes color"
    out, _ = streamdata(*args, "--filter", "pk=1", "--header-style", "verbose", "--format", "jsonl")
    assert list(json.loads(out)) == ["Product id", "SKU", "Category name", "Attributes color"]
    # The default: the paths as typed.
    out, _ = streamdata(*args, "--filter", "pk=1")
    assert out.splitlines()[0] == "pk,sku,category__name,attributes__color"


def test_transforms_registered_on_a_field_are_columns_computed_by_the_database(products):
    fields = "pk,created_at__year,created_at__date,created_at__date__month"
    out, _ = streamdata("catalog.Product", "--fields", fields, "--filter", "pk__lt=20")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == fields.split(",")
    expected = Product.objects.filter(pk__lt=20).order_by("pk").values_list(*fields.split(","))
    assert rows[1:] == [[str(v) for v in row] for row in expected]
    out, _ = streamdata(
        "catalog.Product", "--fields", fields, "--filter", "pk=1", "--header-style", "verbose"
    )
    assert out.splitlines()[0] == (
        "Product id,Created at (year),Created at (date),Created at (date__month)"
    )


JSON_FIELDS = "pk,attributes__color,attributes__tags__0,attributes__weight_g,attributes__fragile"


def test_json_keys_are_field_paths_as_in_values(products):
    filters = [
        "--filter",
        "attributes__color=blue",
        "--filter",
        "attributes__weight_g__gte=1000",  # read as JSON: a number, compared as a number
        "--exclude",
        "attributes__tags__0=t4",
        "--order-by=-attributes__weight_g,pk",
    ]
    out, _ = streamdata("catalog.Product", "--fields", JSON_FIELDS, *filters)
    expected = list(
        Product.objects.filter(attributes__color="blue", attributes__weight_g__gte=1000)
        .exclude(attributes__tags__0="t4")
        .order_by("-attributes__weight_g", "pk")
        .values_list(*JSON_FIELDS.split(","))
    )
    assert len(expected) > 10
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == JSON_FIELDS.split(",")
    # Text formats hold the key's text (blue, not "blue"), as values() shows it.
    assert rows[1:] == [[str(pk), c, t, str(w), str(f).lower()] for pk, c, t, w, f in expected]
    out, _ = streamdata("catalog.Product", "--fields", JSON_FIELDS, *filters, "--format", "jsonl")
    objects = [json.loads(line) for line in out.splitlines()]
    # JSON keeps the JSON values, types included.
    assert [list(o.values()) for o in objects] == [list(row) for row in expected]
    assert list(objects[0]) == JSON_FIELDS.split(",")


def test_json_key_filter_values_are_parameters(products):
    for value in ["blue' OR '1'='1", 'blue") OR 1=1 --', "x'); SELECT pg_sleep(5); --"]:
        out, _ = streamdata(
            "catalog.Product", "--fields", "pk", "--filter", f"attributes__color={value}"
        )
        assert out == "pk\n"
    assert Product.objects.count() == products


def test_default_order_is_meta_ordering_else_the_primary_key(products):
    Category.objects.create(name="Aardvarks")  # the highest pk, the first name
    out, _ = streamdata("catalog.Category", "--fields", "name")
    names = list(csv.reader(io.StringIO(out, newline="")))[1:]
    assert [n[0] for n in names] == list(Category.objects.values_list("name", flat=True))
    assert [n[0] for n in names] != list(
        Category.objects.order_by("pk").values_list("name", flat=True)
    )
    Product.objects.filter(pk=5).update(price=0)  # rows updated move on disk
    out, _ = streamdata("catalog.Product", "--fields", "pk", "--engine", "copy")
    assert [int(pk) for pk in out.split()[1:]] == list(range(1, 1001))


def test_help_lists_every_registered_format(monkeypatch):
    class FancyFormat(CsvFormat):
        name = "fancy"
        extension = "fancy"

    monkeypatch.setitem(registry, "fancy", FancyFormat)
    command = streamdata_module.Command()
    text = " ".join(command.create_parser("manage.py", "streamdata").format_help().split())
    formats = re.search(r"--format FORMAT (.*?)--output", text)
    assert formats is not None
    for name in ("csv", "tsv", "pgtext", "jsonl", "json", "xlsx", "fancy"):
        assert name in formats.group(1), name
        assert f".{registry[name].extension}" in formats.group(1)
    assert "Meta.ordering, else pk" in text


@pytest.mark.parametrize("engine", ["copy", "cursor"])
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT nextval('product_product_id_seq') AS n",
        "WITH gone AS (DELETE FROM product WHERE product_id = 1 RETURNING product_id) "
        "SELECT * FROM gone",
    ],
)
def test_sql_refused_by_the_server_writes_nothing_not_even_a_header(products, sql, engine):
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"read-only transaction|data-modifying"):
        call_command("streamdata", "--sql", sql, "--engine", engine, stdout=out, stderr=out)
    assert out.getvalue() == ""
    assert Product.objects.count() == products


def test_gzip_summary_gives_the_compressed_size(products, tmp_path):
    target = tmp_path / "p.csv.gz"
    out, _ = streamdata("catalog.Product", "-o", str(target))
    size = streamdata_module._size(target.stat().st_size)
    raw = streamdata_module._size(len(gzip.decompress(target.read_bytes())))
    assert f"Exported 1,000 rows, {size} written (gzip; {raw} uncompressed) in " in out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_and_summary_are_not_styled_as_errors(products, tmp_path, monkeypatch):
    monkeypatch.setattr(streamdata_module, "PROGRESS_INTERVAL", 0.0)
    # As manage.py makes it on a colour terminal: stderr styled with style.ERROR.
    err = Terminal()
    command = streamdata_module.Command(stdout=Terminal(), stderr=err, force_color=True)
    call_command(command, "catalog.Product", "-o", str(tmp_path / "a.csv"))
    assert "1,000 rows" in err.getvalue()
    assert "\x1b[31" not in err.getvalue()  # style.ERROR: red
    assert command.stdout._out.getvalue().startswith("\x1b[32")  # style.SUCCESS: green
    err = Terminal()
    command = streamdata_module.Command(stdout=io.StringIO(), stderr=err, force_color=True)
    call_command(command, "catalog.Product", "--fields", "pk", "-o", "-")
    assert "Exported 1,000 rows" in err.getvalue() and "\x1b[31" not in err.getvalue()


def test_progress_row_count_never_passes_the_final_count(transactional_db, tmp_path, monkeypatch):
    monkeypatch.setattr(streamdata_module, "PROGRESS_INTERVAL", 0.0)
    sql = "SELECT i, repeat(E'line\\n\"quoted\"\\n', 3) AS text FROM generate_series(1, 30000) i"
    err = Terminal()
    call_command(
        "streamdata", "--sql", sql, "-o", str(tmp_path / "a.csv"), stdout=io.StringIO(), stderr=err
    )
    counts = [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) rows ", err.getvalue())]
    assert len(counts) > 2 and counts[-1] == 30000
    assert max(counts) == 30000 and counts == sorted(counts)


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
    (["catalog.Product", "--fields", "price__color"], "not a relation"),
    (["catalog.Product", "--fields", "attributes__a'b"], "only letters, digits and underscores"),
    (["catalog.Product", "--fields", "sku;DROP"], "has no field 'sku;DROP'"),
    (
        ["catalog.Product", "--fields", "created_at__gte"],
        "'gte' is not a transform of DateTimeField \\(its transforms are: date, day",
    ),
    (["catalog.Product", "--header-style", "pretty"], "invalid choice: 'pretty'"),
    (["catalog.Product", "--fields", "sku,sku"], "'sku' is listed twice"),
    (["catalog.Product", "--filter", "price__bogus=1"], "'bogus' is not a lookup"),
    (["catalog.Product", "--filter", "attributes__a b=red"], "only letters, digits and"),
    (["catalog.Product", "--filter", "price__color=red"], "'color' is not a lookup"),
    (["catalog.Product", "--filter", "price"], "Malformed --filter 'price'"),
    (["catalog.Product", "--filter", "price=abc"], "Invalid filter value"),
    (["catalog.Product", "--order-by", "price;--"], "has no field 'price;--'"),
    (["catalog.Product", "--format", "xml"], "Unknown export format 'xml'"),
    (["catalog.Product", "-o", "OUT/x.txt"], "Cannot tell the format"),
    (["catalog.Product", "-o", "OUT/x.xlsx", "--engine", "copy"], "cannot be written by the copy"),
    (["--sql", "SELECT product_id FROM product WHERE"], "syntax error.*position"),
    (["--sql", "DELETE FROM product"], "must be a query returning rows.*not DELETE"),
    (["--sql", "/* x */ (UPDATE product SET price = 0)"], "not UPDATE"),
    (["--sql", "SELECT %s"], "1 placeholder, 0 --param values"),
    (["--sql", "SELECT %s, '%s', %s", "--param", "1"], "2 placeholders, 1 --param value;"),
    (["--sql", "SELECT $1", "--param", "1", "--param", "2"], "1 placeholder, 2 --param values"),
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
    rows = read_xlsx(target.read_bytes())["Products"]
    assert rows[0] == ("product_id", "sku", "price", "created_at")
    assert len(rows) == 1001
    product = Product.objects.get(pk=rows[1][0])
    assert rows[1][1] == product.sku and rows[1][2] == float(product.price)


def test_progress_bar_only_on_a_terminal_stderr(products, tmp_path):
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
    # Wait until the workbook is being written: the output's temporary file exists.
    while not list(out_dir.iterdir()) and time.monotonic() < deadline:
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


def shell(command: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["bash", "-c", command], env=child_env(), capture_output=True, timeout=120
    )


def manage_line(*args: str) -> str:
    script = ROOT / "example_project" / "manage.py"
    return shlex.join([sys.executable, str(script), "streamdata", *args])


def test_subprocess_piped_into_head_stops_quietly_with_status_141(products, tmp_path):
    errors = tmp_path / "stderr"
    sql = "SELECT i, repeat('x', 50) AS pad FROM generate_series(1, 2000000) AS i"
    command = manage_line("--sql", sql, "-o", "-")
    result = shell(f'{command} 2>{shlex.quote(str(errors))} | head -n 1; echo "${{PIPESTATUS[0]}}"')
    assert result.stdout.splitlines() == [b"i,pad", b"141"]
    assert errors.read_bytes() == b""


def test_subprocess_refused_sql_writes_no_gzip_header_either(products):
    sql = "SELECT nextval('product_product_id_seq') AS n"
    proc = manage("--sql", sql, "--gzip", "-o", "-")
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out) == (1, b"")
    assert b"read-only transaction" in err


def test_subprocess_gzip_on_stdout_reports_the_compressed_size(products):
    proc = manage("catalog.Product", "--gzip", "-o", "-")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert gzip.decompress(out).count(b"\n") > 1000
    assert f"{streamdata_module._size(len(out))} written (gzip; ".encode() in err
