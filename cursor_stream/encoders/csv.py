"""CSV and TSV, byte for byte as PostgreSQL's ``COPY ... (FORMAT csv)`` / ``(FORMAT text)``.

CSV (``CopyAttributeOutCSV`` in PostgreSQL's ``copyto.c``): a value is quoted when it is empty
(to tell it from NULL, which is an unquoted empty field), contains the delimiter, a quote, CR or
LF, or is ``\\.`` alone in a single-column row; quotes are doubled. TSV follows the text format
(``CopyAttributeOutText``): backslash, tab, CR, LF, backspace, form feed and vertical tab are
backslash-escaped, NULL is ``\\N``. Rows end with ``\\n``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any, ClassVar

from .base import Format, Rows


class CsvFormat(Format):
    """Comma-separated values (RFC 4180 quoting, as ``COPY ... (FORMAT csv)``)."""

    name = "csv"
    content_type = "text/csv; charset=utf-8"
    extension = "csv"
    copy_options = MappingProxyType({"format": "csv"})
    has_header = True
    supports_bom = True

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
        delimiter = self.delimiter
        separators = len(self.columns) - 1
        single = separators == 0
        line = self.line
        out: list[str] = []
        append = out.append
        for record in rows:
            row = tuple(record)
            # Fast path: join the text values and look for anything needing quotes once per
            # row; only rows with NULL, empty or special values are encoded value by value.
            try:
                text = delimiter.join(row)
            except TypeError:  # a NULL
                append(line(row))
                continue
            if (
                text.count(delimiter) != separators
                or '"' in text
                or "\n" in text
                or "\r" in text
                or "" in row
                or (single and text == "\\.")
            ):
                append(line(row))
            else:
                append(text)
        if not out:
            return b""
        append("")
        return "\n".join(out).encode()


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
_TSV_SPECIAL = re.compile("[\\\\\b\f\n\r\v]").search


class TsvFormat(Format):
    """Tab-separated values with PostgreSQL text-format escaping (``COPY ... (FORMAT text)``)."""

    name = "tsv"
    content_type = "text/tab-separated-values; charset=utf-8"
    extension = "tsv"
    copy_options = MappingProxyType({"format": "text"})
    has_header = True
    supports_bom = True

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
        separators = len(self.columns) - 1
        line = self.line
        out: list[str] = []
        append = out.append
        for record in rows:
            row = tuple(record)
            try:
                text = "\t".join(row)
            except TypeError:  # a NULL
                append(line(row))
                continue
            if text.count("\t") != separators or _TSV_SPECIAL(text) is not None:
                append(line(row))
            else:
                append(text)
        if not out:
            return b""
        append("")
        return "\n".join(out).encode()
