"""The :class:`Format` base class."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar

#: Rows as PostgreSQL rendered them: a sequence of text values (None for SQL NULL) per row.
Rows = Sequence[Sequence[Any]]

UTF8_BOM = b"\xef\xbb\xbf"


class Format:
    """One output format: how PostgreSQL renders a row, and how rendered rows become bytes.

    Subclasses declare ``name`` (the registry key), ``content_type``, ``extension`` and
    ``binary``. An instance encodes one export; it may keep state between calls (the JSON array
    format remembers whether a row has been written). Subclasses overriding ``__init__`` take
    and pass on its keyword arguments (``header``, ``bom``, ``title``).
    """

    name: ClassVar[str] = ""
    content_type: ClassVar[str] = "application/octet-stream"
    extension: ClassVar[str] = ""
    #: True for formats that must not be written to a terminal (xlsx).
    binary: ClassVar[bool] = False
    #: True when encoding takes long enough to stall an event loop (xlsx, whose XML is built in
    #: Python): the export then runs :meth:`encode`, :meth:`end_chunks` and :meth:`close` in a
    #: worker thread of its own, one call at a time.
    blocking: ClassVar[bool] = False
    #: "text": every column is cast to text; "json": one JSON object (text) per row.
    rendering: ClassVar[str] = "text"
    #: Options of asyncpg's ``copy_from_query()`` making ``COPY ... TO STDOUT`` write exactly
    #: :meth:`encode`'s bytes; None when COPY cannot.
    copy_options: ClassVar[Mapping[str, str] | None] = None
    #: True when ``escape_formulas`` applies: text a spreadsheet opens, where a cell starting
    #: with = + - @ (OWASP "CSV injection") would run as a formula. Formats that keep values
    #: as data (JSON) or write text cells as strings (xlsx) leave values unaltered.
    formula_escaping: ClassVar[bool] = False
    #: Whether ``header`` and ``bom`` mean anything for this format.
    has_header: ClassVar[bool] = False
    supports_bom: ClassVar[bool] = False

    @classmethod
    def check_available(cls) -> None:
        """Raise InvalidArgument if the format cannot be used here (an optional extra missing)."""

    def __init__(
        self,
        columns: Sequence[str],
        *,
        header: bool = True,
        bom: bool = False,
        title: str | None = None,
    ) -> None:
        self.columns = tuple(columns)
        self.header = header and self.has_header
        self.bom = bom and self.supports_bom
        #: What the data is (a model's verbose_name_plural), for formats that name it (the xlsx
        #: sheet); None for raw SQL.
        self.title = title

    def set_column_types(self, types: Sequence[str]) -> None:
        """Receive the PostgreSQL type of each rendered column, before :meth:`begin`.

        Rendered types: a column rendered as text (choice labels, formula escaping) is ``text``.
        Not called for an export known to be empty without running a query.
        """

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

    def end_chunks(self) -> Iterator[bytes]:
        """Yield the bytes after the last row in pieces (a format holding a file yields it)."""
        tail = self.end()
        if tail:
            yield tail

    def close(self) -> None:
        """Release what the encoder holds (temporary files); called however the export ends."""

    def __enter__(self) -> Format:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def count_rows(self, data: bytes) -> int:
        """Return how many rows a chunk of output holds (for progress; may be approximate)."""
        return data.count(b"\n")
