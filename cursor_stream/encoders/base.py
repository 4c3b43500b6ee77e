"""The :class:`Format` base class."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

#: Rows as PostgreSQL rendered them: a sequence of text values (None for SQL NULL) per row.
Rows = Sequence[Sequence[Any]]

UTF8_BOM = b"\xef\xbb\xbf"


class Format:
    """One output format: how PostgreSQL renders a row, and how rendered rows become bytes.

    Subclasses declare ``name`` (the registry key), ``content_type``, ``extension`` and
    ``binary``. An instance encodes one export; it may keep state between calls (the JSON array
    format remembers whether a row has been written).
    """

    name: ClassVar[str] = ""
    content_type: ClassVar[str] = "application/octet-stream"
    extension: ClassVar[str] = ""
    #: True for formats that must not be written to a terminal (xlsx).
    binary: ClassVar[bool] = False
    #: "text": every column is cast to text; "json": one JSON object (text) per row.
    rendering: ClassVar[str] = "text"
    #: Options of asyncpg's ``copy_from_query()`` making ``COPY ... TO STDOUT`` write exactly
    #: :meth:`encode`'s bytes; None when COPY cannot.
    copy_options: ClassVar[Mapping[str, str] | None] = None
    #: Whether ``header`` and ``bom`` mean anything for this format.
    has_header: ClassVar[bool] = False
    supports_bom: ClassVar[bool] = False

    def __init__(self, columns: Sequence[str], *, header: bool = True, bom: bool = False) -> None:
        self.columns = tuple(columns)
        self.header = header and self.has_header
        self.bom = bom and self.supports_bom

    def begin(self) -> bytes:
        """Return the bytes before the first row (BOM, header row, ``[``)."""
        return UTF8_BOM if self.bom else b""

    def encode(self, rows: Rows) -> bytes:
        """Return the bytes of a batch of rendered rows."""
        raise NotImplementedError

    def copy_chunk(self, data: bytes) -> bytes:
        """Return the bytes to write for a chunk of ``COPY`` output (unchanged by default)."""
        return data

    def end(self) -> bytes:
        """Return the bytes after the last row."""
        return b""

    def count_rows(self, data: bytes) -> int:
        """Return how many rows a chunk of output holds (for progress; may be approximate)."""
        return data.count(b"\n")
