"""CSV and TSV, byte for byte as PostgreSQL's ``COPY ... (FORMAT csv)`` / ``(FORMAT text)``.

CSV (``CopyAttributeOutCSV`` in PostgreSQL's ``copyto.c``): a value is quoted when it is empty
(to tell it from NULL, which is an unquoted empty field), contains the delimiter, a quote, CR or
LF, or is ``\\.`` alone in a single-column row; quotes are doubled. TSV follows the text format
(``CopyAttributeOutText``): backslash, tab, CR, LF, backspace, form feed and vertical tab are
backslash-escaped, NULL is ``\\N``. Rows end with ``\\n``.

A batch is encoded column by column (issue 4, cursor engine speed): most columns of most batches
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

    def __init__(self, columns: Sequence[str], *, header: bool = True, bom: bool = False) -> None:
        super().__init__(columns, header=header, bom=bom)
        self._needs_quote = re.compile(f'[{re.escape(self.delimiter)}"\r\n]').search

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


_TSV_ESCAPES = str.maketrans(
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
_TSV_REPLACEMENTS = tuple(
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


def _tsv_column(values: list[Any]) -> list[str]:
    """Return one column of a batch as COPY's text format writes its fields.

    Text-format escaping replaces characters one for one, whatever surrounds them, so the
    column is escaped as one string (values joined by NUL, which PostgreSQL text never holds)
    and split again: a few C-speed passes instead of a call per value.
    """
    texts = ["" if v is None else v for v in values] if None in values else values
    joined = "\0".join(texts)
    if any(char in joined for char, _ in _TSV_REPLACEMENTS):
        for char, escape in _TSV_REPLACEMENTS:
            joined = joined.replace(char, escape)
        texts = joined.split("\0")
    if texts is values:
        return values
    return ["\\N" if v is None else text for text, v in zip(texts, values, strict=True)]


class TsvFormat(Format):
    """Tab-separated values with PostgreSQL text-format escaping (``COPY ... (FORMAT text)``)."""

    name = "tsv"
    content_type = "text/tab-separated-values; charset=utf-8"
    extension = "tsv"
    copy_options = MappingProxyType({"format": "text"})
    has_header = True
    supports_bom = True
    formula_escaping = True

    @staticmethod
    def field(value: str | None) -> str:
        """Return one value as COPY's text format would write it."""
        return "\\N" if value is None else value.translate(_TSV_ESCAPES)

    def line(self, row: Sequence[Any]) -> str:
        """Return one row without its line end."""
        return "\t".join([self.field(v) for v in row])

    def begin(self) -> bytes:
        head = super().begin()
        if self.header:
            head += (self.line(self.columns) + "\n").encode()
        return head

    def encode(self, rows: Rows) -> bytes:
        return encode_columns(rows, len(self.columns), "\t", _tsv_column, self.line)
