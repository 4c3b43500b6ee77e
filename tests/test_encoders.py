"""Encoders: COPY's CSV and text-format rules, value by value and row by row (no database)."""

from __future__ import annotations

import csv
import datetime
import io
import random
import sys
import tempfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cursor_stream.encoders import (
    CsvFormat,
    Format,
    JsonFormat,
    JsonLinesFormat,
    PgTextFormat,
    TsvFormat,
    XlsxFormat,
    format_for_path,
    get_format,
    xlsx,
)
from cursor_stream.encoders.xlsx import excel_number, sheet_name
from cursor_stream.exceptions import InvalidArgument
from tests.spreadsheets import read_xlsx

AWKWARD = [
    None,
    "",
    "plain",
    "a,b",
    'say "hi"',
    "line\nbreak",
    "carriage\rreturn",
    "tab\there",
    "back\\slash",
    "\\.",
    "\\N",
    " padded ",
    "=1+2",
    "emoji 🚀 ñ",
    "\b\f\v",
    "\x01ctrl",
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", '""'),
        ("plain", "plain"),
        ("a,b", '"a,b"'),
        ('say "hi"', '"say ""hi"""'),
        ("line\nbreak", '"line\nbreak"'),
        ("cr\r", '"cr\r"'),
        ("tab\there", "tab\there"),
        ("back\\slash", "back\\slash"),
        ("\\N", "\\N"),
    ],
)
def test_csv_field_quotes_like_copy(value: str | None, expected: str) -> None:
    assert CsvFormat(["a", "b"]).field(value) == expected


def test_csv_quotes_lone_end_of_data_marker_only_in_single_column_rows() -> None:
    assert CsvFormat(["a"]).encode([("\\.",)]) == b'"\\."\n'
    assert CsvFormat(["a", "b"]).encode([("\\.", "x")]) == b"\\.,x\n"


@pytest.mark.parametrize("fmt", [CsvFormat, TsvFormat, PgTextFormat])
def test_fast_path_matches_value_by_value_encoding(fmt: type[CsvFormat | PgTextFormat]) -> None:
    rng = random.Random(4)
    for width in (1, 2, 5):
        encoder = fmt([f"c{i}" for i in range(width)])
        rows = [tuple(rng.choice(AWKWARD) for _ in range(width)) for _ in range(500)]
        expected = "".join(encoder.line(row) + "\n" for row in rows).encode()
        assert encoder.encode(rows) == expected


class SemicolonFormat(CsvFormat):
    delimiter = ";"


#: What PostgreSQL can send as text: any character but NUL (and no lone surrogates), mostly the
#: characters that CSV quotes and TSV escapes.
PG_TEXT = st.sampled_from(["", "\\.", "\\N"]) | st.text(
    st.sampled_from([",", ";", '"', "\n", "\r", "\t", "\\", "\b", "\f", "\v", ".", "a", "🚀"])
    | st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=5,
)


@settings(max_examples=500)
@given(
    fmt=st.sampled_from([CsvFormat, SemicolonFormat, TsvFormat, PgTextFormat]),
    width=st.integers(1, 4),
    data=st.data(),
)
def test_batch_encoding_equals_value_by_value_encoding_for_any_text(
    fmt: type[CsvFormat | PgTextFormat], width: int, data: st.DataObject
) -> None:
    rows = data.draw(st.lists(st.tuples(*[st.none() | PG_TEXT] * width), max_size=6), label="rows")
    encoder = fmt([f"c{i}" for i in range(width)])
    assert encoder.encode(rows) == "".join(encoder.line(row) + "\n" for row in rows).encode()


def test_rows_of_another_width_are_still_encoded_row_by_row() -> None:
    encoder = CsvFormat(["a", "b"])
    assert encoder.encode([("x",), ("1", "2", "3,")]) == b'x\n1,2,"3,"\n'


def test_pgtext_escapes_like_copy_text_format() -> None:
    encoder = PgTextFormat(["a", "b"])
    assert encoder.encode([(None, "a\tb\\c\nd\re\bf\fg\vh\x01")]) == (
        b"\\N\ta\\tb\\\\c\\nd\\re\\bf\\fg\\vh\x01\n"
    )


def test_header_uses_the_same_quoting_and_bom_comes_first() -> None:
    assert CsvFormat(["id", "a,b", ""], bom=True).begin() == b'\xef\xbb\xbfid,"a,b",""\n'
    assert CsvFormat(["id"], header=False).begin() == b""
    assert PgTextFormat(["a\tb"]).begin() == b"a\\tb\n"
    assert TsvFormat(["a\tb", "c"]).begin() == b'"a\tb"\tc\n'


def read_like_pandas(text: str, sep: str) -> list[list[str]]:
    """Split ``text`` as pandas' C parser does (``read_csv(sep=sep)``, default dialect options).

    pandas/_libs/src/parser/tokenizer.c: a field starting with a quote is quoted until a lone
    quote (a doubled quote is one quote); a quote inside an unquoted field is kept as is; an
    unquoted CR, LF or CRLF ends the record; blank lines are skipped.
    """
    rows: list[list[str]] = []
    row: list[str] = []
    field: list[str] = []
    state = "start_field"
    i = 0
    while i < len(text):
        c = text[i]
        if state == "quoted":
            if c == '"':
                if text[i + 1 : i + 2] == '"':
                    field.append('"')
                    i += 1
                else:
                    state = "after_quote"
            else:
                field.append(c)
        elif c == '"' and state == "start_field":
            state = "quoted"
        elif c == sep:
            row.append("".join(field))
            field, state = [], "start_field"
        elif c in "\r\n":
            if c == "\r" and text[i + 1 : i + 2] == "\n":
                i += 1
            if row or field or state != "start_field":
                row.append("".join(field))
                rows.append(row)
            row, field, state = [], [], "start_field"
        else:
            field.append(c)
            if state != "after_quote":
                state = "field"
        i += 1
    if row or field:
        row.append("".join(field))
        rows.append(row)
    return rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", '""'),
        ("plain", "plain"),
        ("a,b", "a,b"),  # a comma is nothing special in TSV
        ("tab\there", '"tab\there"'),
        ('say "hi"', '"say ""hi"""'),
        ("line\nbreak", '"line\nbreak"'),
        ("cr\r", '"cr\r"'),
        ("back\\slash", "back\\slash"),
        ("\\N", "\\N"),
    ],
)
def test_tsv_quotes_fields_holding_tab_quote_cr_or_lf(value: str | None, expected: str) -> None:
    assert TsvFormat(["a", "b"]).field(value) == expected


@settings(max_examples=300)
@given(rows=st.lists(st.lists(PG_TEXT.filter(bool), min_size=3, max_size=3), max_size=5))
def test_tsv_reads_back_with_the_csv_module_and_like_pandas(rows: list[list[str]]) -> None:
    encoder = TsvFormat(["a b", "c\td", 'e"f'])
    text = (encoder.begin() + encoder.encode(rows)).decode()
    expected = [list(encoder.columns), *rows]
    assert list(csv.reader(io.StringIO(text, newline=""), delimiter="\t")) == expected
    assert read_like_pandas(text, "\t") == expected


def test_pgtext_is_not_tsv() -> None:
    row = [("a\tb", None, "c\nd")]
    assert PgTextFormat(["x", "y", "z"], header=False).encode(row) == b"a\\tb\t\\N\tc\\nd\n"
    assert TsvFormat(["x", "y", "z"], header=False).encode(row) == b'"a\tb"\t\t"c\nd"\n'


@pytest.mark.parametrize("fmt", [CsvFormat, TsvFormat])
def test_csv_row_count_of_copy_chunks_never_runs_ahead(fmt: type[CsvFormat]) -> None:
    rows = [("1", "a\nb"), ("2", 'say "x"\n\n'), ("3", ""), ("4", '"'), ("5", "\n")]
    data = fmt(["n", "t"]).encode(rows)
    assert data.count(b"\n") > len(rows)
    for cut in range(len(data) + 1):
        encoder = fmt(["n", "t"])
        first = encoder.count_rows(data[:cut])
        complete = data[:cut].count(b"\n5,") + data[:cut].count(b"\n5\t")  # row 5 started
        assert first <= 4 + (cut == len(data)) and first >= 4 * complete
        assert first + encoder.count_rows(data[cut:]) == len(rows)


def test_csv_round_trips_through_the_csv_module() -> None:
    values = [v for v in AWKWARD if v is not None]
    encoder = CsvFormat([f"c{i}" for i in range(len(values))])
    data = encoder.begin() + encoder.encode([values, list(reversed(values))])
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert rows[1] == values
    assert rows[2] == list(reversed(values))


def test_jsonl_writes_one_object_per_line() -> None:
    encoder = JsonLinesFormat(["a"])
    assert encoder.begin() == b""
    assert encoder.encode([('{"a":1}',), ('{"a":2}',)]) == b'{"a":1}\n{"a":2}\n'
    assert encoder.end() == b""


def test_json_array_from_rows_and_from_copy_chunks_is_identical() -> None:
    rows = [(f'{{"a":{i},"s":"x\\ny"}}',) for i in range(7)]
    by_rows = JsonFormat(["a"])
    expected = by_rows.begin() + by_rows.encode(rows[:3]) + by_rows.encode(rows[3:]) + by_rows.end()
    assert expected.startswith(b'[\n{"a":0')
    assert expected.endswith(b'"}\n]\n')
    copy_text = "".join(r[0] + "\n" for r in rows).encode()
    for cut in range(0, len(copy_text), 5):
        by_copy = JsonFormat(["a"])
        out = by_copy.begin()
        for chunk in (copy_text[:cut], copy_text[cut:]):
            out += by_copy.copy_chunk(chunk)
        assert out + by_copy.end() == expected


def test_empty_json_array() -> None:
    encoder = JsonFormat(["a"])
    assert encoder.begin() + encoder.encode([]) + encoder.end() == b"[\n]\n"


def test_registry_finds_formats_by_name_and_dotted_path() -> None:
    assert get_format("csv") is CsvFormat
    assert get_format("JSONL") is JsonLinesFormat
    assert get_format("cursor_stream.encoders.csv.TsvFormat") is TsvFormat
    assert get_format("pgtext") is PgTextFormat
    assert get_format(JsonFormat) is JsonFormat
    for cls in (CsvFormat, TsvFormat, PgTextFormat, JsonLinesFormat, JsonFormat):
        assert issubclass(cls, Format) and cls.content_type and cls.extension
        assert cls.binary is False


@pytest.mark.parametrize("name", ["xml", "", "os.path", "cursor_stream.encoders.nothing.Here"])
def test_unknown_format_is_a_clear_error(name: str) -> None:
    with pytest.raises(InvalidArgument, match="format"):
        get_format(name)


@pytest.mark.parametrize(
    ("path", "fmt", "gz"),
    [
        ("out.csv", CsvFormat, False),
        ("out.CSV.gz", CsvFormat, True),
        ("a/b.tsv", TsvFormat, False),
        ("a/b.pgtext.gz", PgTextFormat, True),
        ("x.jsonl.gz", JsonLinesFormat, True),
        ("x.json", JsonFormat, False),
        ("x.txt", None, False),
    ],
)
def test_format_for_path_reads_the_suffix(path: str, fmt: type[Format] | None, gz: bool) -> None:
    assert format_for_path(path) == (fmt, gz)


# --- xlsx (the optional extra) ------------------------------------------------------------------


def xlsx_bytes(encoder: XlsxFormat, *batches: list[tuple[Any, ...]]) -> bytes:
    with encoder:
        data = encoder.begin()
        for batch in batches:
            data += encoder.encode(batch)
        return data + b"".join(encoder.end_chunks())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0.0),
        ("-42", -42.0),
        ("123456789012345", 123456789012345.0),
        ("1234567890123456", None),  # 16 digits: Excel would change the last one
        ("9223372036854775807", None),
        ("100000000000000000000", 1e20),  # one significant digit
        ("236.22", 236.22),
        ("-0.000100", -0.0001),
        ("12345678901234567890.0123456789", None),
        ("0.30000000000000004", None),  # a double needing 17 digits
        ("1e+300", 1e300),
        ("1.5e-07", 1.5e-07),
        ("1e-320", None),  # below Excel's smallest number
        ("NaN", None),
        ("Infinity", None),
        ("-Infinity", None),
    ],
)
def test_excel_number_only_when_excel_keeps_every_digit(text: str, expected: float | None) -> None:
    assert excel_number(text) == expected


def test_xlsx_writes_numbers_booleans_and_dates_as_excel_values_and_the_rest_as_text() -> None:
    columns = ["i", "big", "n", "f", "b", "d", "ts", "tstz", "t", "j"]
    encoder = XlsxFormat(columns)
    encoder.set_column_types(
        ["int4", "int8", "numeric", "float8", "bool", "date", "timestamp", "timestamptz", "text",
         "jsonb"]
    )  # fmt: skip
    rows = [
        ("1", "9223372036854775807", "236.22", "0.5", "true", "2024-02-29",
         "2024-02-29 13:14:15.5", "2024-02-29 13:14:15+05:30", "=1+2", '{"a": 1}'),
        (None, "-7", "1.50", "NaN", "false", "infinity", "0044-03-15 10:00:00 BC",
         "1899-12-31 23:00:00+00", "", "[1, 2]"),
    ]  # fmt: skip
    sheets = read_xlsx(xlsx_bytes(encoder, rows))
    assert list(sheets) == ["Sheet1"]
    header, first, second = sheets["Sheet1"]
    assert header == tuple(columns)
    assert first == (
        1, "9223372036854775807", 236.22, 0.5, True, datetime.datetime(2024, 2, 29),
        datetime.datetime(2024, 2, 29, 13, 14, 15, 500000),
        datetime.datetime(2024, 2, 29, 13, 14, 15),  # wall-clock time; the offset is dropped
        "=1+2", '{"a": 1}',
    )  # fmt: skip
    # NULL is no cell, "" an empty text cell; what Excel cannot hold exactly stays text.
    assert second == (
        None, -7, 1.5, "NaN", False, "infinity", "0044-03-15 10:00:00 BC",
        "1899-12-31 23:00:00+00", "", "[1, 2]",
    )  # fmt: skip


def test_xlsx_text_cells_keep_any_text_and_are_never_formulas() -> None:
    texts = [v for v in AWKWARD if v] + ["_x0041_", "<&>", "=SUM(A1:A2)", "\ufffd"]
    encoder = XlsxFormat(["t"], header=False)
    sheets = read_xlsx(xlsx_bytes(encoder, [(t,) for t in texts]))
    assert [row[0] for row in sheets["Sheet1"]] == texts


def test_xlsx_continues_on_a_new_sheet_with_the_header_when_a_sheet_is_full(monkeypatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 3)
    encoder = XlsxFormat(["n"])
    encoder.set_column_types(["int4"])
    sheets = read_xlsx(xlsx_bytes(encoder, [(str(i),) for i in range(3)], [("3",), ("4",)]))
    assert sheets == {
        "Sheet1": [("n",), (0,), (1,)],
        "Sheet2": [("n",), (2,), (3,)],
        "Sheet3": [("n",), (4,)],
    }
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 2)
    sheets = read_xlsx(xlsx_bytes(XlsxFormat(["n"], header=False), [("a",), ("b",), ("c",)]))
    assert sheets == {"Sheet1": [("a",), ("b",)], "Sheet2": [("c",)]}


def test_xlsx_refuses_text_longer_than_an_excel_cell() -> None:
    encoder = XlsxFormat(["id", "long"])
    with encoder:
        encoder.begin()
        encoder.encode([("1", "x" * xlsx.MAX_CELL_CHARS)])
        with pytest.raises(InvalidArgument, match=r"'long' in row 2 has 32,768"):
            encoder.encode([("2", "x" * (xlsx.MAX_CELL_CHARS + 1))])


def test_xlsx_writes_no_temporary_file_however_the_encoder_ends(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    finished = XlsxFormat(["a"])
    assert xlsx_bytes(finished, [("x",)]).startswith(b"PK")
    interrupted = XlsxFormat(["a"])
    interrupted.begin()
    interrupted.encode([("x",)] * 300)
    interrupted.close()
    assert list(tmp_path.iterdir()) == []


def test_xlsx_needs_no_optional_package(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)  # import fails
    assert get_format("xlsx") is XlsxFormat
    assert format_for_path("out.xlsx") == (XlsxFormat, False)
    assert read_xlsx(xlsx_bytes(XlsxFormat(["a"]), [("x",)])) == {"Sheet1": [("a",), ("x",)]}


def test_xlsx_is_a_binary_format_for_the_cursor_engine_only() -> None:
    assert get_format("xlsx") is XlsxFormat
    assert format_for_path("a/b.XLSX") == (XlsxFormat, False)
    assert XlsxFormat.binary and XlsxFormat.blocking and XlsxFormat.copy_options is None


@pytest.mark.parametrize(
    ("title", "number", "expected"),
    [
        ("Products", 1, "Products"),
        ("Products", 2, "Products (2)"),
        (None, 1, "Sheet1"),
        (None, 3, "Sheet3"),
        ("Q1/Q2 [draft]: a*b? c\\d", 1, "Q1Q2 draft ab cd"),
        ("x" * 40, 1, "x" * 31),
        ("x" * 40, 12, "x" * 26 + " (12)"),
        ("'quoted'", 1, "quoted"),
        ("[]:*?/\\", 1, "Sheet1"),
        ("History", 1, "Sheet1"),
        ("tab\there", 1, "tabhere"),
    ],
)
def test_sheet_names_are_what_excel_accepts(title: str | None, number: int, expected: str) -> None:
    assert sheet_name(title, number) == expected


def open_workbook(data: bytes) -> Any:
    openpyxl = pytest.importorskip("openpyxl")
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_sheet_is_titled_with_a_bold_frozen_filtered_header_and_sized_columns(
    monkeypatch,
) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 4)
    columns = ["id", "a_rather_long_column_name", "note", "day"]
    encoder = XlsxFormat(columns, title="Order lines: 2024/Q1")
    encoder.set_column_types(["int4", "text", "text", "date"])
    rows = [("1", "x", "short", "2024-01-01"), ("2", None, "y" * 200, None)]
    rows += [(str(i), "x", "z", "2024-01-02") for i in range(3, 8)]
    book = open_workbook(xlsx_bytes(encoder, rows[:3], rows[3:]))
    assert book.sheetnames == [
        "Order lines 2024Q1",
        "Order lines 2024Q1 (2)",
        "Order lines 2024Q1 (3)",
    ]
    for sheet, last_row in zip(book.worksheets, (4, 4, 2), strict=True):
        assert [cell.value for cell in sheet[1]] == columns
        assert all(cell.font.bold for cell in sheet[1])
        assert not sheet.cell(2, 1).font.bold
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:D{last_row}"
        widths = [sheet.column_dimensions[letter].width for letter in "ABCD"]
        # Excel stores a width with its padding (about 0.7 characters of the default font).
        assert 8 <= widths[0] < 10  # at least about Excel's default
        assert 27 <= widths[1] < 29  # the header's 25 characters + 2
        assert 60 <= widths[2] < 62  # capped
        assert 12 <= widths[3] < 14  # yyyy-mm-dd
    assert book.worksheets[2].cell(2, 1).value == 7


def test_xlsx_without_header_has_no_filter_nor_frozen_row() -> None:
    book = open_workbook(xlsx_bytes(XlsxFormat(["a"], header=False), [("x",)]))
    sheet = book.worksheets[0]
    assert book.sheetnames == ["Sheet1"]
    assert sheet.freeze_panes is None and sheet.auto_filter.ref is None
    assert sheet.cell(1, 1).value == "x"
