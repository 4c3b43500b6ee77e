"""Streamed xlsx: the zip writer, bytes that leave as rows arrive, and what readers make of it.

Readers: Python's zipfile and Info-ZIP's ``unzip -t`` (integrity), openpyxl (cells), and
LibreOffice (``soffice --headless --convert-to csv``, compared with the CSV export). Like the
browser tests, the LibreOffice and unzip checks skip when the program is missing, except under CI
(which installs them), where they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime
import io
import os
import re
import shutil
import struct
import subprocess
import threading
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from zlib_ng import zlib_ng

from catalog.models import Product
from cursor_stream import zipstream
from cursor_stream.encoders import XlsxFormat, xlsx
from cursor_stream.exceptions import InvalidArgument
from cursor_stream.export import ExportOptions, ExportStats, prepare_export
from cursor_stream.zipstream import ZipLimitError, ZipStream
from tests.spreadsheets import read_xlsx
from tests.test_http_servers import Server, server  # noqa: F401 (the fixture)

TEXTS = [
    "plain",
    "",
    "a,b",
    'say "hi"',
    "line\nbreak",
    "carriage\rreturn",
    "tab\there",
    "back\\slash",
    " padded ",
    "=SUM(A1:A2)",
    "emoji 🚀 ñ",
    "\b\f\v",
    "\x01ctrl\x1f",
    "_x0041_",
    "_x005f_ lower",
    "<&>]]>",
    "\ufffe\uffff",
]


def program(name: str) -> str:
    """Return the path of ``name``; skip without it, but fail under CI (which installs it)."""
    path = shutil.which(name)
    if path is None:
        message = f"no {name} (apt-get install libreoffice-calc-nogui unzip; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def unzip_test(path: Path) -> None:
    result = subprocess.run(
        [program("unzip"), "-t", str(path)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors detected" in result.stdout


def check_zip(data: bytes, tmp_path: Path) -> None:
    """Assert that zipfile and unzip find the archive whole."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
    path = tmp_path / "checked.zip"
    path.write_bytes(data)
    unzip_test(path)


def local_headers(data: bytes) -> dict[str, tuple[int, int, int]]:
    """Return (version needed, flags, extra length) of each local file header, by name."""
    headers = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            fields = struct.unpack_from("<4sHHHHHLLLHH", data, info.header_offset)
            name = data[info.header_offset + 30 : info.header_offset + 30 + fields[9]].decode()
            headers[name] = (fields[1], fields[2], fields[10])
    return headers


def xlsx_bytes(encoder: XlsxFormat, *batches: list[tuple[Any, ...]]) -> bytes:
    with encoder:
        data = encoder.begin()
        for batch in batches:
            data += encoder.encode(batch)
        return data + b"".join(encoder.end_chunks())


def sheet_so_far(data: bytes, number: int = 1) -> str:
    """Return the XML of sheet ``number`` that the bytes received so far hold (inflated)."""
    name = f"xl/worksheets/sheet{number}.xml".encode()
    start = data.index(name) - 30
    assert data[start : start + 4] == b"PK\x03\x04"
    body = data[start + 30 + len(name) :]
    return zlib.decompressobj(-zlib.MAX_WBITS).decompress(body).decode()


# --- the zip writer -------------------------------------------------------------------------


@pytest.fixture(params=[zlib, zlib_ng], ids=["zlib", "zlib-ng"])
def codec(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Deflate with the standard library's zlib, then with zlib-ng's (the xlsx extra)."""
    monkeypatch.setattr(zipstream, "DEFAULT_CODEC", request.param)
    return request.param


def test_zip_stream_writes_an_archive_zipfile_and_unzip_read(tmp_path: Path, codec) -> None:
    stream = ZipStream()
    assert stream.codec is codec and stream.level == (1 if codec is zlib else 2)
    parts = [stream.add("small.txt", b"hello " * 100), stream.open("streamed.xml")]
    content = b"".join(b"<row>%d</row>" % i for i in range(100_000))
    parts += [stream.write(content[i : i + 70_000]) for i in range(0, len(content), 70_000)]
    parts += [stream.flush(), stream.close_entry(), stream.add("last", b""), stream.finish()]
    data = b"".join(parts)
    assert stream.offset == len(data)
    check_zip(data, tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["small.txt", "streamed.xml", "last"]
        assert archive.read("streamed.xml") == content
        assert archive.read("small.txt") == b"hello " * 100
    # Known sizes in the local header; a streamed entry has bit 3 and a data descriptor.
    assert local_headers(data) == {
        "small.txt": (20, 0, 0),
        "streamed.xml": (20, 8, 0),
        "last": (20, 0, 0),
    }
    end = data.index(b"PK\x03\x04", data.index(b"streamed.xml"))
    signature, crc, _, size = struct.unpack_from("<4sLLL", data, end - 16)
    assert (signature, crc, size) == (b"PK\x07\x08", zlib.crc32(content), len(content))
    assert b"PK\x06\x06" not in data  # no ZIP64 end record for a small archive


def test_zip64_entries_declare_version_45_in_both_headers_and_8_byte_sizes(tmp_path, codec) -> None:
    stream = ZipStream()
    data = stream.open("big.xml", zip64=True) + stream.write(b"x" * 1000) + stream.close_entry()
    data += stream.finish()
    check_zip(data, tmp_path)
    assert local_headers(data) == {"big.xml": (45, 8, 0)}  # no extra field: Excel wants none
    signature, crc, _, size = struct.unpack_from("<4sLQQ", data, data.index(b"PK\x01\x02") - 24)
    assert (signature, crc, size) == (b"PK\x07\x08", zlib.crc32(b"x" * 1000), 1000)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("big.xml")
        # Sizes under 4 GiB: no ZIP64 extra field in the central directory either.
        assert (info.extract_version, info.extra) == (45, b"")


def test_a_plain_entry_refuses_to_grow_past_what_its_headers_hold(monkeypatch) -> None:
    monkeypatch.setattr(zipstream, "ZIP32_LIMIT", 1000)
    stream = ZipStream()
    stream.open("plain.xml")
    stream.write(b"x" * 900)
    with pytest.raises(ZipLimitError, match="open it with zip64=True"):
        stream.write(b"x" * 100)
    stream = ZipStream()
    stream.open("big.xml", zip64=True)
    stream.write(b"x" * 2000)


def test_the_zip_stream_refuses_calls_out_of_order() -> None:
    stream = ZipStream()
    with pytest.raises(RuntimeError, match="Cannot write: the zip stream is idle"):
        stream.write(b"x")
    stream.open("a")
    with pytest.raises(RuntimeError, match=r"Cannot add 'b'.*streaming"):
        stream.add("b", b"")
    with pytest.raises(RuntimeError, match="Cannot finish"):
        stream.finish()
    stream.close_entry()
    stream.finish()
    with pytest.raises(RuntimeError, match="finished"):
        stream.open("c")


@pytest.mark.slow
def test_entries_and_offsets_past_4_gib_use_zip64(tmp_path: Path) -> None:
    """A 4.3 GB entry, and an archive starting 5 GiB into a (sparse) file."""
    path = tmp_path / "big.zip"
    start = 5 << 30
    stream = ZipStream(offset=start)
    zeros = bytes(64 << 20)
    with open(path, "wb") as out:
        out.seek(start)
        out.write(stream.add("first.txt", b"first"))
        out.write(stream.open("huge.xml", zip64=True))
        for _ in range(69):  # 4.3 GiB
            out.write(stream.write(zeros))
        out.write(stream.close_entry())
        out.write(stream.add("after.txt", b"after"))
        out.write(stream.finish())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("huge.xml")
        assert info.file_size == 69 * len(zeros) > 0xFFFFFFFF
        assert info.header_offset > 0xFFFFFFFF
        assert archive.read("after.txt") == b"after"
        assert archive.testzip() is None
    unzip_test(path)


# --- the encoder ----------------------------------------------------------------------------


def test_first_bytes_come_before_any_row_and_rows_leave_with_their_batch() -> None:
    encoder = XlsxFormat(["n", "text"], title="Numbers")
    encoder.set_column_types(["int4", "text"])
    with encoder:
        data = encoder.begin()
        assert data.startswith(b"PK\x03\x04") and b"_rels/.rels" in data[:60]
        batches = [[(str(i), f"row {i}") for i in range(k, k + 100)] for k in (1, 101, 201)]
        assert encoder.encode(batches[0]) == b""  # held: the first 200 rows size the columns
        data += encoder.encode(batches[1])
        assert '<row r="201"><c r="A201"><v>200</v></c>' in sheet_so_far(data)
        piece = encoder.encode(batches[2])
        assert piece  # every later batch leaves at once (the deflate stream is flushed)
        assert sheet_so_far(data + piece).endswith("row 300</t></is></c></row>")
        data += piece + b"".join(encoder.end_chunks())
    assert read_xlsx(data)["Numbers"][300] == (300, "row 300")


def test_a_workbook_without_rows_has_its_header_and_filter(tmp_path) -> None:
    data = xlsx_bytes(XlsxFormat(["a", "b"], title="Empty"))
    check_zip(data, tmp_path)
    assert read_xlsx(data) == {"Empty": [("a", "b")]}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert '<autoFilter ref="A1:B1"/>' in archive.read("xl/worksheets/sheet1.xml").decode()
    assert read_xlsx(xlsx_bytes(XlsxFormat(["a"], header=False))) == {"Sheet1": []}


def test_text_cells_keep_every_character_as_escapes_excel_reads(tmp_path, codec) -> None:
    encoder = XlsxFormat(["t"], header=False)
    data = xlsx_bytes(encoder, [(t,) for t in TEXTS])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    for escaped in ("_x000D_", "_x005F_x0041_", "_x005F_x005f_", "&lt;&amp;&gt;]]&gt;", "_xFFFE_"):
        assert escaped in sheet
    assert "\r" not in sheet and "\x01" not in sheet
    assert [row[0] for row in read_xlsx(data)["Sheet1"]] == TEXTS
    check_zip(data, tmp_path)


def test_nulls_and_values_excel_cannot_hold_mix_in_one_batch() -> None:
    encoder = XlsxFormat(["n", "when", "day", "flag", "f"])
    encoder.set_column_types(["numeric", "timestamptz", "date", "bool", "float8"])
    rows = [
        ("1.50", "2024-02-29 13:14:15.25+05:30", "2024-02-29", "true", "0.5"),
        (None, None, None, None, None),
        ("NaN", "infinity", "-infinity", "false", "0.30000000000000004"),
        ("12345678901234567890", "0044-03-15 10:00:00 BC", "0044-03-15 BC", None, "1e+300"),
        ("-7", "1900-01-01 00:00:00+00", "1900-02-28", "true", "Infinity"),
        ("0", "1900-03-01 06:00:00+00", "1900-03-01", "false", "-0"),
    ]
    sheet = read_xlsx(xlsx_bytes(encoder, rows))["Sheet1"]
    # fmt: off
    assert sheet[1:] == [
        (1.5, datetime.datetime(2024, 2, 29, 13, 14, 15, 250000), datetime.datetime(2024, 2, 29),
         True, 0.5),
        (None, None, None, None, None),
        ("NaN", "infinity", "-infinity", False, "0.30000000000000004"),
        ("12345678901234567890", "0044-03-15 10:00:00 BC", "0044-03-15 BC", None, 1e300),
        (-7, datetime.datetime(1900, 1, 1), datetime.datetime(1900, 2, 28), True, "Infinity"),
        (0, datetime.datetime(1900, 3, 1, 6), datetime.datetime(1900, 3, 1), False, 0),
    ]
    # fmt: on


def test_excel_serial_numbers_skip_the_29_february_1900_that_excel_counts() -> None:
    encoder = XlsxFormat(["day"], header=False)
    encoder.set_column_types(["date"])
    data = xlsx_bytes(encoder, [("1900-01-01",), ("1900-02-28",), ("1900-03-01",), ("2024-02-29",)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert re.findall(r"<v>(\d+)</v>", sheet) == ["1", "59", "61", "45351"]


def test_cell_length_is_counted_in_utf16_code_units_as_excel_does() -> None:
    encoder = XlsxFormat(["id", "long"])
    with encoder:
        encoder.begin()
        encoder.encode([("1", "🚀" * (xlsx.MAX_CELL_CHARS // 2))])
        with pytest.raises(InvalidArgument, match=r"'long' in row 2 has 32,768"):
            encoder.encode([("2", "🚀" * (xlsx.MAX_CELL_CHARS // 2 + 1))])


def test_wide_rows_open_zip64_sheets_and_a_sheet_nearing_4_gib_goes_on_to_the_next(
    monkeypatch, tmp_path, codec
) -> None:
    encoder = XlsxFormat(["text"], title="Wide")
    wide = xlsx_bytes(encoder, [("x" * 3000,)] * 10)
    assert local_headers(wide)["xl/worksheets/sheet1.xml"] == (45, 8, 0)
    check_zip(wide, tmp_path)

    monkeypatch.setattr(xlsx, "SHEET_ENTRY_LIMIT", 40_000)
    encoder = XlsxFormat(["n", "text"], title="Growing")
    encoder.set_column_types(["int4", "text"])
    rows = [(str(i), "x" * (5 if i <= 300 else 500)) for i in range(1, 1001)]
    data = xlsx_bytes(encoder, *[rows[i : i + 100] for i in range(0, 1000, 100)])
    sheets = read_xlsx(data)
    assert list(sheets) == ["Growing", "Growing (2)"]
    assert len(sheets["Growing"]) < 400  # ended early, before its XML reached the limit
    assert [r[0] for s in sheets.values() for r in s[1:]] == list(range(1, 1001))
    headers = local_headers(data)
    assert headers["xl/worksheets/sheet1.xml"] == (20, 8, 0)
    assert headers["xl/worksheets/sheet2.xml"] == (45, 8, 0)  # big rows: a ZIP64 entry
    check_zip(data, tmp_path)


def test_closing_an_unfinished_encoder_ends_its_deflating_thread() -> None:
    def deflating() -> int:
        return sum(t.name.startswith("cursor_stream-deflate") for t in threading.enumerate())

    before = deflating()
    encoder = XlsxFormat(["a"])
    encoder.begin()
    encoder.encode([("x",)] * 300)
    assert deflating() == before + 1
    encoder.close()
    deadline = time.monotonic() + 5
    while deflating() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert deflating() == before
    with pytest.raises(RuntimeError, match="closed"):
        encoder.encode([("y",)])


# --- exports, LibreOffice ---------------------------------------------------------------------


def run_export(export: Any, stats: ExportStats | None = None) -> bytes:
    async def collect() -> bytes:
        async with contextlib.aclosing(export.achunks(stats=stats)) as chunks:
            return b"".join([chunk async for chunk in chunks])

    return asyncio.run(collect())


def libreoffice_csv(tmp_path: Path, *workbooks: tuple[str, bytes]) -> dict[str, list[list[str]]]:
    """Return the rows of every sheet of ``workbooks`` as LibreOffice converts them to CSV."""
    soffice = program("soffice")
    for name, data in workbooks:
        (tmp_path / f"{name}.xlsx").write_bytes(data)
    out = tmp_path / "csv"
    # CSV filter: comma, double quote, UTF-8, ..., every sheet into a file of its own (-1).
    filter_options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",  # no shared profile
            "--headless",
            "--convert-to",
            filter_options,
            "--outdir",
            str(out),
            *[str(tmp_path / f"{name}.xlsx") for name, _ in workbooks],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sheets = {}
    for path in sorted(out.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            sheets[path.stem] = list(csv.reader(handle))
    assert sheets, result.stdout + result.stderr
    return sheets


def test_libreoffice_reads_the_sheets_as_the_csv_export_has_the_rows(
    products, tmp_path, monkeypatch
) -> None:
    # A ZIP64 entry (version 4.5 in both headers, 8-byte sizes in its data descriptor) too.
    wide = xlsx_bytes(XlsxFormat(["text"], title="Wide"), [("x" * 3000,)] * 10)
    assert local_headers(wide)["xl/worksheets/sheet1.xml"] == (45, 8, 0)
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 400)  # three sheets
    queryset = Product.objects.order_by("pk")
    data = run_export(prepare_export(queryset, options=ExportOptions(format="xlsx")))
    check_zip(data, tmp_path)
    text = run_export(prepare_export(queryset, options=ExportOptions(format="csv")))
    expected = list(csv.reader(io.StringIO(text.decode(), newline="")))
    texts = prepare_export(
        "SELECT t FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, i) ORDER BY i",
        [TEXTS],
        options=ExportOptions(format="xlsx"),
    )
    sheets = libreoffice_csv(
        tmp_path, ("products", data), ("texts", run_export(texts)), ("wide", wide)
    )
    assert sheets["wide-Wide"] == [["text"]] + [["x" * 3000]] * 10

    names = ["products-Products", "products-Products (2)", "products-Products (3)"]
    assert sorted(name for name in sheets if name.startswith("products")) == sorted(names)
    got = [sheets[names[0]][0]]
    for name in names:
        assert sheets[name][0] == expected[0]  # each sheet repeats the header
        got += sheets[name][1:]
    assert len(got) == len(expected) == 1001
    header = expected[0]
    for row, want in zip(got[1:], expected[1:], strict=True):
        cells, wanted = dict(zip(header, row, strict=True)), dict(zip(header, want, strict=True))
        for name in ("product_name", "sku", "status", "attributes", "description"):
            assert cells[name] == wanted[name]  # text as it is (NULL and "" both empty)
        for name in ("product_id", "category_id", "price"):
            assert float(cells[name]) == float(wanted[name])
        assert cells["in_stock"] == wanted["in_stock"].upper()
        # LibreOffice shows the format yyyy-mm-dd hh:mm:ss, without the fraction of a second.
        shown = datetime.datetime.fromisoformat(cells["created_at"])
        instant = datetime.datetime.fromisoformat(wanted["created_at"]).replace(tzinfo=None)
        assert abs(shown - instant) < datetime.timedelta(seconds=1)
    # Every character comes back (the empty text is an empty line of the CSV).
    assert [row[0] if row else "" for row in sheets["texts-Sheet1"]] == ["t", *TEXTS]


def test_an_export_yields_its_first_bytes_while_the_query_still_runs(transactional_db) -> None:
    slow = prepare_export(
        "SELECT i, pg_sleep(CASE WHEN i = 1 THEN 3 ELSE 0 END)::text AS slept "
        "FROM generate_series(1, 300) AS i",
        options=ExportOptions(format="xlsx", prefetch=100),
    )

    async def run() -> tuple[float, list[tuple[float, bytes]]]:
        started = time.monotonic()
        parts = []
        async with contextlib.aclosing(slow.achunks()) as chunks:
            async for chunk in chunks:
                parts.append((time.monotonic() - started, chunk))
        return time.monotonic() - started, parts

    total, parts = asyncio.run(run())
    first_at, first = parts[0]
    assert first.startswith(b"PK\x03\x04")
    assert first_at < 1 < 3 <= total  # the first bytes long before the first row
    assert read_xlsx(b"".join(p for _, p in parts))["Sheet1"][-1] == (300, "")


# --- over HTTP, under real servers --------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.urls("tests.http_urls")
def test_an_xlsx_download_starts_at_once_and_ends_as_a_whole_workbook(
    server: Server,  # noqa: F811 (the fixture imported above)
    transactional_db: None,
) -> None:
    conn = server.connect()
    conn.request("GET", "/series/?n=1&format=xlsx")  # warm up: the server's first imports
    conn.getresponse().read()
    started = time.monotonic()
    conn.request("GET", "/series/?n=300000&format=xlsx")
    response = conn.getresponse()
    assert response.status == 200
    first = response.read1(65536)
    first_byte = time.monotonic() - started
    body = first + response.read()
    total = time.monotonic() - started
    conn.close()
    size = len(body) / 1e6
    print(
        f"{server.kind} xlsx: first byte {first_byte * 1000:.0f} ms, {size:.1f} MB, {total:.2f} s"
    )
    assert first.startswith(b"PK\x03\x04")
    assert first_byte < total / 3
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        tail = archive.read("xl/worksheets/sheet1.xml")[-400:].decode()
    assert '<row r="300001"><c r="A300001"><v>300000</v></c>' in tail
