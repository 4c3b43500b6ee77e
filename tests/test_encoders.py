"""Encoders: COPY's CSV and text-format rules, value by value and row by row (no database)."""

from __future__ import annotations

import csv
import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cursor_stream.encoders import (
    CsvFormat,
    Format,
    JsonFormat,
    JsonLinesFormat,
    TsvFormat,
    format_for_path,
    get_format,
)
from cursor_stream.exceptions import InvalidArgument

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


@pytest.mark.parametrize("fmt", [CsvFormat, TsvFormat])
def test_fast_path_matches_value_by_value_encoding(fmt: type[CsvFormat | TsvFormat]) -> None:
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
    fmt=st.sampled_from([CsvFormat, SemicolonFormat, TsvFormat]),
    width=st.integers(1, 4),
    data=st.data(),
)
def test_batch_encoding_equals_value_by_value_encoding_for_any_text(
    fmt: type[CsvFormat | TsvFormat], width: int, data: st.DataObject
) -> None:
    rows = data.draw(st.lists(st.tuples(*[st.none() | PG_TEXT] * width), max_size=6), label="rows")
    encoder = fmt([f"c{i}" for i in range(width)])
    assert encoder.encode(rows) == "".join(encoder.line(row) + "\n" for row in rows).encode()


def test_rows_of_another_width_are_still_encoded_row_by_row() -> None:
    encoder = CsvFormat(["a", "b"])
    assert encoder.encode([("x",), ("1", "2", "3,")]) == b'x\n1,2,"3,"\n'


def test_tsv_escapes_like_copy_text_format() -> None:
    encoder = TsvFormat(["a", "b"])
    assert encoder.encode([(None, "a\tb\\c\nd\re\bf\fg\vh\x01")]) == (
        b"\\N\ta\\tb\\\\c\\nd\\re\\bf\\fg\\vh\x01\n"
    )


def test_header_uses_the_same_quoting_and_bom_comes_first() -> None:
    assert CsvFormat(["id", "a,b", ""], bom=True).begin() == b'\xef\xbb\xbfid,"a,b",""\n'
    assert CsvFormat(["id"], header=False).begin() == b""
    assert TsvFormat(["a\tb"]).begin() == b"a\\tb\n"


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
    assert get_format(JsonFormat) is JsonFormat
    for cls in (CsvFormat, TsvFormat, JsonLinesFormat, JsonFormat):
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
        ("x.jsonl.gz", JsonLinesFormat, True),
        ("x.json", JsonFormat, False),
        ("x.txt", None, False),
    ],
)
def test_format_for_path_reads_the_suffix(path: str, fmt: type[Format] | None, gz: bool) -> None:
    assert format_for_path(path) == (fmt, gz)
