"""Excel workbooks through the optional extra ``django-cursor-stream[xlsx]`` (XlsxWriter).

The workbook is written with XlsxWriter's ``constant_memory`` mode: each row goes to a temporary
file on disk as soon as the next one starts, so memory stays flat however many rows there are.
An xlsx file is a zip archive whose parts are only complete at the end, so **its bytes start
only once the last row is written**: :meth:`XlsxFormat.end_chunks` assembles the archive in a
temporary file and reads it back in chunks. Until then the export yields nothing (an HTTP
download shows no progress, but the response headers are sent at once).

Decisions, the same for every export:

* **The sheet** is named after the export's ``title`` (a model's ``verbose_name_plural``),
  without the characters Excel forbids in sheet names (``[]:*?/\\``) and cut to Excel's 31
  characters; raw SQL exports get Excel's default ``Sheet1``. The header row is bold, frozen
  and has an autofilter over the data; columns are as wide as the header and the first rows
  need, up to a limit.
* **More rows than a sheet holds** (1,048,576 rows, header included): the rows go on to a new
  sheet (``Products (2)``, or ``Sheet2`` for raw SQL, ...), which repeats the header row and
  its formatting. Nothing is refused.
* **Numbers** (``smallint`` to ``bigint``, ``numeric``, ``real``, ``double precision``) become
  number cells when Excel keeps every digit PostgreSQL printed: at most 15 significant digits
  and within Excel's range. Other values (a 19-digit ``bigint``, ``numeric`` with many digits,
  ``NaN``, ``Infinity``) are written as their PostgreSQL text, so no digit is ever lost.
* **Dates and timestamps** become Excel dates (``yyyy-mm-dd``, ``yyyy-mm-dd hh:mm:ss``) in the
  export's time zone: Excel has no time zones, so the offset is dropped. Excel keeps time to
  about a microsecond and shows at most milliseconds. Dates outside Excel's range (before 1900,
  BC, ``infinity``) are written as text.
* **Booleans** become Excel booleans (TRUE/FALSE).
* **Everything else** (text, JSON, arrays, UUIDs, intervals, times) is a text cell holding
  PostgreSQL's rendering, unaltered. Text cells are always strings, never formulas, so
  formula escaping (a leading ``'`` for CSV/TSV) does not apply: a cell reads back exactly.
  NULL is an empty cell, the empty string an empty text cell. A text longer than Excel's 32,767
  characters per cell is an error (before any byte is produced: the workbook comes out only at
  the end).
"""

from __future__ import annotations

import datetime
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..exceptions import InvalidArgument
from .base import Format, Rows

#: Rows of one worksheet, header included (Excel's limit).
MAX_SHEET_ROWS = 1_048_576
#: Characters of one cell (Excel's limit).
MAX_CELL_CHARS = 32_767
#: Significant digits Excel keeps of a number.
EXCEL_DIGITS = 15
#: Bytes per chunk when the finished workbook is read back.
READ_CHUNK = 256 * 1024
#: Characters of a sheet name, and those Excel refuses in one.
MAX_SHEET_NAME = 31
FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
#: Rows (after the header) whose values size the columns; the narrowest (about Excel's
#: default) and widest column, in characters.
WIDTH_SAMPLE_ROWS = 200
MIN_COLUMN_WIDTH = 8
MAX_COLUMN_WIDTH = 60

INSTALL_HINT = "pip install django-cursor-stream[xlsx]"

NUMBER_TYPES = frozenset({"int2", "int4", "int8", "oid", "numeric", "float4", "float8"})
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_FIRST_EXCEL_DAY = datetime.date(1900, 1, 1)

#: Writes one non-NULL rendered value into (row, column) of the current sheet.
CellWriter = Callable[[int, int, str], Any]


def excel_number(text: str) -> float | None:
    """Return PostgreSQL's text of a number as a float if Excel keeps all its digits, else None."""
    mantissa, _, _ = text.lower().partition("e")
    digits = mantissa.lstrip("+-").replace(".", "", 1)
    if not (digits.isascii() and digits.isdigit()):  # NaN, Infinity
        return None
    if len(digits.strip("0")) > EXCEL_DIGITS:
        return None
    value = float(text)
    # Excel's own range (its specifications and limits); anything else would be changed.
    if value and not 2.2250738585072014e-308 <= abs(value) <= 9.99999999999999e307:
        return None
    return value


def excel_date(text: str) -> datetime.date | None:
    """Return PostgreSQL's ISO text of a date as a date Excel can show, else None."""
    try:
        value = datetime.date.fromisoformat(text)
    except ValueError:  # BC, infinity
        return None
    return value if value >= _FIRST_EXCEL_DAY else None


def excel_datetime(text: str) -> datetime.datetime | None:
    """Return PostgreSQL's ISO text of a timestamp as a naive local date-time, else None.

    The session's time zone is the export's, so the wall-clock time is kept and the offset
    dropped (Excel has no time zones).
    """
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:  # BC, infinity
        return None
    return value.replace(tzinfo=None) if value.date() >= _FIRST_EXCEL_DAY else None


def sheet_name(title: str | None, number: int) -> str:
    """Return the name of the ``number``-th sheet (from 1) of an export titled ``title``.

    Excel refuses ``[]:*?/\\`` in sheet names, names longer than 31 characters, names starting
    or ending with an apostrophe, and ``History`` (reserved).
    """
    base = FORBIDDEN_IN_SHEET_NAME.sub("", title or "").strip().strip("'").strip()
    if not base or base.lower() == "history":
        return f"Sheet{number}"
    suffix = "" if number == 1 else f" ({number})"
    return base[: MAX_SHEET_NAME - len(suffix)].rstrip().rstrip("'") + suffix


class XlsxFormat(Format):
    """An Excel workbook (cursor engine only; see the module docstring for the cell types)."""

    name = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"
    binary = True
    blocking = True
    has_header = True

    @classmethod
    def check_available(cls) -> None:
        try:
            import xlsxwriter  # noqa: F401
        except ImportError:
            raise InvalidArgument(
                f"The xlsx format needs the optional extra: {INSTALL_HINT}"
            ) from None

    def __init__(self, columns: Sequence[str], **options: Any) -> None:
        super().__init__(columns, **options)
        self._types: tuple[str, ...] = ("text",) * len(self.columns)
        self._dir: str | None = None
        self._output: Any = None
        self._workbook: Any = None
        self._sheet: Any = None
        self._sheets = 0
        self._writers: list[CellWriter] = []
        self._sheet_row = 0
        self._rows = 0
        # Characters each column needs: the header's, then the first rows' values.
        self._widths = [len(name) if self.header else 0 for name in self.columns]

    def set_column_types(self, types: Sequence[str]) -> None:
        self._types = tuple(types)

    def begin(self) -> bytes:
        import xlsxwriter

        # A directory of our own for XlsxWriter's temporary files (one per sheet, plus the
        # parts of the archive while it is assembled), so that close() removes them all
        # whatever state an interrupted export left them in.
        self._dir = tempfile.mkdtemp(prefix="cursor-stream-xlsx-")
        self._output = tempfile.TemporaryFile(dir=self._dir)  # noqa: SIM115 (close() closes it)
        self._workbook = xlsxwriter.Workbook(
            self._output,
            {"constant_memory": True, "tmpdir": self._dir, "use_zip64": True},
        )
        self._date = self._workbook.add_format({"num_format": DATE_FORMAT})
        self._datetime = self._workbook.add_format({"num_format": DATETIME_FORMAT})
        self._bold = self._workbook.add_format({"bold": True})
        self._new_sheet()
        return b""

    def _new_sheet(self) -> None:
        if self._sheet is not None:
            self._finish_sheet()
        self._sheets += 1
        sheet = self._sheet = self._workbook.add_worksheet(sheet_name(self.title, self._sheets))
        self._writers = [self._writer(sheet, t) for t in self._types]
        self._sheet_row = 0
        if self.header:
            for col, name in enumerate(self.columns):
                sheet.write_string(0, col, name, self._bold)
            sheet.freeze_panes(1, 0)
            self._sheet_row = 1

    def _finish_sheet(self) -> None:
        """Size the columns and put the autofilter over the rows of the current sheet.

        Both are written with the sheet's XML when the workbook is closed (after its rows in
        constant_memory mode), so they can be set once the rows are known.
        """
        sheet = self._sheet
        for col, width in enumerate(self._widths):
            sheet.set_column(col, col, min(max(width + 2, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH))
        if self.header and self.columns:
            sheet.autofilter(0, 0, max(self._sheet_row - 1, 0), len(self.columns) - 1)

    def _measure(self, rows: Rows) -> None:
        """Widen the columns for the values of ``rows`` as they will show."""
        widths = self._widths
        shown = {"date": len("2000-01-01"), "bool": len("FALSE")}
        shown["timestamp"] = shown["timestamptz"] = len("2000-01-01 00:00:00")
        for record in rows:
            for col, value in enumerate(record):
                if value is not None:
                    width = shown.get(self._types[col], len(value))
                    if width > widths[col]:
                        widths[col] = width

    def _writer(self, sheet: Any, pg_type: str) -> CellWriter:
        """Return the function writing a rendered value of ``pg_type`` into ``sheet``."""
        write_string = sheet.write_string
        columns = self.columns

        def text(row: int, col: int, value: str) -> None:
            if len(value) > MAX_CELL_CHARS:
                raise InvalidArgument(
                    f"Excel cells hold at most {MAX_CELL_CHARS:,} characters; the value of "
                    f"column {columns[col]!r} in row {self._rows + 1:,} has {len(value):,}. "
                    "Export csv instead, or leave that field out."
                )
            write_string(row, col, value)

        if pg_type in NUMBER_TYPES:
            write_number = sheet.write_number

            def number(row: int, col: int, value: str) -> None:
                converted = excel_number(value)
                if converted is None:
                    write_string(row, col, value)
                else:
                    write_number(row, col, converted)

            return number
        if pg_type == "bool":
            write_boolean = sheet.write_boolean
            return lambda row, col, value: write_boolean(row, col, value == "true")
        if pg_type in ("date", "timestamp", "timestamptz"):
            write_datetime = sheet.write_datetime
            convert: Callable[[str], Any]
            if pg_type == "date":
                convert, cell_format = excel_date, self._date
            else:
                convert, cell_format = excel_datetime, self._datetime

            def moment(row: int, col: int, value: str) -> None:
                converted = convert(value)
                if converted is None:
                    write_string(row, col, value)
                else:
                    write_datetime(row, col, converted, cell_format)

            return moment
        return text

    def encode(self, rows: Rows) -> bytes:
        if self._workbook is None:
            self.begin()
        if self._rows < WIDTH_SAMPLE_ROWS:
            self._measure(rows[: WIDTH_SAMPLE_ROWS - self._rows])
        writers = self._writers
        for record in rows:
            if self._sheet_row == MAX_SHEET_ROWS:
                self._new_sheet()
                writers = self._writers
            row = self._sheet_row
            for col, value in enumerate(record):
                if value is not None:
                    writers[col](row, col, value)
            self._sheet_row += 1
            self._rows += 1
        return b""

    def end_chunks(self) -> Iterator[bytes]:
        if self._workbook is None:
            self.begin()
        self._finish_sheet()
        self._workbook.close()  # writes the whole archive to self._output
        output = self._output
        output.seek(0)
        while chunk := output.read(READ_CHUNK):
            yield chunk

    def end(self) -> bytes:
        return b"".join(self.end_chunks())

    def close(self) -> None:
        if self._workbook is not None and not self._workbook.fileclosed:
            # Interrupted: the sheets' temporary files are still open (XlsxWriter closes them
            # only while assembling the archive). Close them before removing the directory.
            for sheet in self._workbook.worksheets():
                handle = getattr(sheet, "row_data_fh", None)
                if handle is not None and not handle.closed:
                    handle.close()
        if self._output is not None:
            self._output.close()
            self._output = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self._workbook = None
        self._sheet = None
