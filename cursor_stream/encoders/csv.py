"""CSV, TSV and PostgreSQL's text format, byte for byte as ``COPY ... TO STDOUT`` writes them.

CSV (``CopyAttributeOutCSV`` in PostgreSQL's ``copyto.c``): a value is quoted when it is empty
(to tell it from NULL, which is an unquoted empty field), contains the delimiter, a quote, CR or
LF, or is ``\\.`` alone in a single-column row; quotes are doubled. TSV is the same dialect with
a tab delimiter (``COPY ... (FORMAT csv, DELIMITER E'\\t')``), which is what spreadsheets write
and what pandas ``read_csv(sep="\\t")`` and Python's ``csv`` module read. ``pgtext`` is
PostgreSQL's own text format (``CopyAttributeOutText``), for loading back with ``COPY FROM`` or
psql's ``\\copy``: backslash, tab, CR, LF, backspace, form feed and vertical tab are
backslash-escaped, NULL is ``\\N``. Rows end with ``\\n``.

A batch is encoded column by column (the cursor engine's speed): most columns of most batches
hold nothing to quote or escape, which one scan of the column's joined text proves at C speed;
only the other columns are encoded value by value, in a comprehension with no function call per
value. The encoded columns are then interleaved with the separators by slice assignment, and the
whole batch becomes one string, so that the Python work per value stays a few bytecodes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import chain
from types import MappingProxyType
from typing import Any, ClassVar

from .base import Format, Rows

#: Every byte but the quote and the line feed (deleted by bytes.translate() in count_rows()).
_NOT_QUOTE_OR_LF = bytes(b for b in range(256) if b not in b'"\n')

#: Encodes one column of a batch (text values, None for NULL) into output fields.
ColumnEncoder = Callable[[list[Any]], list[str]]


def encode_columns(
    rows: Rows, width: int, delimiter: str, column: ColumnEncoder, line: Callable[[Any], str]
) -> bytes:
    """Return a batch of ``width``-column rows as delimited lines, encoded column by column.

    Rows of another width (not produced by the export engines) are encoded by ``line`` instead.
    """
    count = len(rows)
    if not count:
        return b""
    if not width or set(map(len, rows)) != {width}:
        return "".join([line(row) + "\n" for row in rows]).encode()
    values = list(chain.from_iterable(rows))
    # Every value is followed by a separator: the delimiter, or a line end after the last column.
    step = 2 * width
    out = [delimiter] * (step * count)
    out[step - 1 :: step] = ["\n"] * count
    for index in range(width):
        out[2 * index :: step] = column(values[index::width])
    return "".join(out).encode()


class CsvFormat(Format):
    """Comma-separated values (RFC 4180 quoting, as ``COPY ... (FORMAT csv)``)."""

    name = "csv"
    content_type = "text/csv; charset=utf-8"
    extension = "csv"
    copy_options = MappingProxyType({"format": "csv"})
    has_header = True
    supports_bom = True
    formula_escaping = True

    delimiter: ClassVar[str] = ","

    def __init__(self, columns: Sequence[str], **options: Any) -> None:
        super().__init__(columns, **options)
        self._needs_quote = re.compile(f'[{re.escape(self.delimiter)}"\r\n]').search
        # Whether the COPY output counted so far ends inside a quoted value (count_rows).
        self._in_quotes = False

    def field(self, value: str | None) -> str:
        """Return one value as COPY would write it."""
        if value is None:
            return ""
        if value == "" or self._needs_quote(value) is not None:
            return '"' + value.replace('"', '""') + '"'
        if value == "\\." and len(self.columns) == 1:
            return '"\\."'
        return value

    def line(self, row: Sequence[Any]) -> str:
        """Return one row without its line end."""
        return self.delimiter.join([self.field(v) for v in row])

    def begin(self) -> bytes:
        head = super().begin()
        if self.header:
            head += (self.line(self.columns) + "\n").encode()
        return head

    def encode(self, rows: Rows) -> bytes:
        return encode_columns(rows, len(self.columns), self.delimiter, self._column, self.line)

    def count_rows(self, data: bytes) -> int:
        """Return the rows a chunk of COPY output ends: line ends outside quoted values.

        A quoted value may hold line ends; counting every ``\\n`` would run ahead of the real
        row count. Whether a line end is inside quotes depends on the parity of the quotes
        before it, kept across chunks. Only quotes and line ends matter, so they are kept
        (one C-speed pass), and adjacent quotes dropped in pairs (they leave every parity as
        it was): what remains between quotes is the line ends inside values, usually none.
        """
        if b'"' not in data:
            return 0 if self._in_quotes else data.count(b"\n")
        marks = data.translate(None, _NOT_QUOTE_OR_LF).replace(b'""', b"")
        if b'"' not in marks:
            return 0 if self._in_quotes else len(marks)
        parts = marks.split(b'"')
        outside = parts[1::2] if self._in_quotes else parts[0::2]
        if len(parts) % 2 == 0:  # an odd number of quotes
            self._in_quotes = not self._in_quotes
        return len(b"".join(outside))

    def _column(self, values: list[Any]) -> list[str]:
        """Return one column of a batch as COPY writes its fields (see :meth:`field`)."""
        d = self.delimiter
        single = len(self.columns) == 1
        # filter(None, ...) drops NULLs and empty strings, which join() could not take.
        text = "".join(filter(None, values))
        if not (d in text or '"' in text or "\n" in text or "\r" in text) and not (
            single and "\\." in values
        ):
            if None in values or "" in values:
                return [v or ('""' if v == "" else "") for v in values]
            return values
        # The same rules as field(), inlined: a call per value would cost more than the rest.
        fields = [
            (
                ('"' + v.replace('"', '""') + '"')
                if (d in v or '"' in v or "\n" in v or "\r" in v)
                else v
            )
            if v
            else ('""' if v == "" else "")
            for v in values
        ]
        if single:
            fields = ['"\\."' if v == "\\." else v for v in fields]
        return fields


_TEXT_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "\b": "\\b",
        "\f": "\\f",
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        "\v": "\\v",
    }
)
#: The same escapes as replacements; the backslash first, so that no escape is escaped again.
_TEXT_REPLACEMENTS = tuple(
    (char, "\\" + letter)
    for char, letter in (
        ("\\", "\\"),
        ("\b", "b"),
        ("\f", "f"),
        ("\n", "n"),
        ("\r", "r"),
        ("\t", "t"),
        ("\v", "v"),
    )
)


def _text_column(values: list[Any]) -> list[str]:
    """Return one column of a batch as COPY's text format writes its fields.

    Text-format escaping replaces characters one for one, whatever surrounds them, so the
    column is escaped as one string (values joined by NUL, which PostgreSQL text never holds)
    and split again: a few C-speed passes instead of a call per value.
    """
    texts = ["" if v is None else v for v in values] if None in values else values
    joined = "\0".join(texts)
    if any(char in joined for char, _ in _TEXT_REPLACEMENTS):
        for char, escape in _TEXT_REPLACEMENTS:
            joined = joined.replace(char, escape)
        texts = joined.split("\0")
    if texts is values:
        return values
    return ["\\N" if v is None else text for text, v in zip(texts, values, strict=True)]


class TsvFormat(CsvFormat):
    """Tab-separated values: the CSV dialect with a tab delimiter, as spreadsheets write it."""

    name = "tsv"
    content_type = "text/tab-separated-values; charset=utf-8"
    extension = "tsv"
    copy_options = MappingProxyType({"format": "csv", "delimiter": "\t"})
    delimiter = "\t"


class PgTextFormat(Format):
    """PostgreSQL's text format (``COPY ... (FORMAT text)``), for ``COPY FROM`` and ``\\copy``."""

    name = "pgtext"
    content_type = "text/plain; charset=utf-8"
    extension = "pgtext"
    copy_options = MappingProxyType({"format": "text"})
    has_header = True
    supports_bom = True
    formula_escaping = True

    @staticmethod
    def field(value: str | None) -> str:
        """Return one value as COPY's text format would write it."""
        return "\\N" if value is None else value.translate(_TEXT_ESCAPES)

    def line(self, row: Sequence[Any]) -> str:
        """Return one row without its line end."""
        return "\t".join([self.field(v) for v in row])

    def begin(self) -> bytes:
        head = super().begin()
        if self.header:
            head += (self.line(self.columns) + "\n").encode()
        return head

    def encode(self, rows: Rows) -> bytes:
        return encode_columns(rows, len(self.columns), "\t", _text_column, self.line)
