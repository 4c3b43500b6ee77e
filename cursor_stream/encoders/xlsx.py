"""Excel workbooks, written as a stream: the download starts at once and grows as rows arrive.

An xlsx file is a zip archive of XML parts (ECMA-376, SpreadsheetML). It is written front to
back by :class:`~cursor_stream.zipstream.ZipStream`: :meth:`XlsxFormat.begin` returns the parts
known before any row (the package relationships and the styles), each batch of rows becomes
the next piece of the current sheet's XML, deflated and returned at once, and the parts that
depend on the whole export (the workbook, which lists the sheets, its relationships and the
content types) come last, with the archive's central directory. Memory stays flat whatever the
row count and no temporary file is written. A cut download lacks the central directory, so no
reader opens it as if it were complete.

Decisions, the same for every export:

* **The sheet** is named after the export's ``title`` (a model's ``verbose_name_plural``),
  without the characters Excel forbids in sheet names (``[]:*?/\\``) and cut to Excel's 31
  characters; raw SQL exports get Excel's default ``Sheet1``. The header row is bold, frozen
  and has an autofilter over the data; columns are as wide as the header and the first 200 rows
  need, up to a limit (the first rows are held back until 200 have arrived, since the widths
  precede the rows in the sheet's XML).
* **More rows than a sheet holds** (1,048,576 rows, header included): the rows go on to a new
  sheet (``Products (2)``, or ``Sheet2`` for raw SQL, ...), which repeats the header row and
  its formatting. Nothing is refused. A sheet whose XML would pass 4 GiB without having been
  opened as a ZIP64 entry (the first rows were small, later ones are huge) also continues on a
  new sheet.
* **Numbers** (``smallint`` to ``bigint``, ``numeric``, ``real``, ``double precision``) become
  number cells when Excel keeps every digit PostgreSQL printed: at most 15 significant digits
  and within Excel's range. Other values (a 19-digit ``bigint``, ``numeric`` with many digits,
  ``NaN``, ``Infinity``) are written as their PostgreSQL text, so no digit is ever lost.
* **Dates and timestamps** become Excel dates (``yyyy-mm-dd``, ``yyyy-mm-dd hh:mm:ss``) in the
  export's time zone: Excel has no time zones, so the offset is dropped. Excel keeps time to
  about a microsecond and shows at most milliseconds. Dates outside Excel's range (before 1900,
  BC, after 9999, ``infinity``) are written as text.
* **Booleans** become Excel booleans (TRUE/FALSE).
* **Everything else** (text, JSON, arrays, UUIDs, intervals, times) is an inline text cell
  holding PostgreSQL's rendering, unaltered. Text cells are always strings, never formulas, so
  formula escaping (a leading ``'`` for CSV/TSV) does not apply: a cell reads back exactly.
  Characters XML 1.0 cannot hold (control characters other than tab and line feed; the carriage
  return, which XML parsers turn into a line feed) are written as ECMA-376's ``_xHHHH_``
  escapes, and text that already looks like one has its underscore escaped (``_x005F_``), as
  Excel does. NULL is no cell, the empty string an empty text cell. A value longer than Excel's
  32,767 characters (UTF-16 code units) per cell is an error.

How cells are written: :mod:`cursor_stream.encoders.xlsxcells`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain
from typing import Any

from ..exceptions import InvalidArgument
from ..zipstream import ZIP32_LIMIT, ZipStream
from .base import Format, Rows
from .xlsxcells import (
    BOLD_TEXT,
    ColumnEncoder,
    column_encoder,
    column_letter,
    escape_texts,
    excel_date,
    excel_datetime,
    excel_number,
    rows_xml,
)

__all__ = ["XlsxFormat", "excel_date", "excel_datetime", "excel_number", "sheet_name"]

#: Rows of one worksheet, header included (Excel's limit).
MAX_SHEET_ROWS = 1_048_576
#: Characters (UTF-16 code units) of one cell (Excel's limit).
MAX_CELL_CHARS = 32_767
#: Characters of a sheet name, and those Excel refuses in one.
MAX_SHEET_NAME = 31
FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
#: Rows (after the header) whose values size the columns; the narrowest (about Excel's
#: default) and widest column, in characters.
WIDTH_SAMPLE_ROWS = 200
MIN_COLUMN_WIDTH = 8
MAX_COLUMN_WIDTH = 60
#: A sheet entry not opened as ZIP64 ends (the rows continue on a new sheet) before its XML
#: reaches this size, keeping room for the end of the sheet.
SHEET_ENTRY_LIMIT = ZIP32_LIMIT - 1024 * 1024
#: A new sheet is opened as a ZIP64 entry when its rows, as large as those starting it, could
#: reach half of 4 GiB.
ZIP64_MARGIN = 2
#: Rows of XML deflated at a time. zlib releases the GIL, so a thread of its own deflates one
#: piece while the next is built: compression costs as much as building the XML.
PIECE_ROWS = 500

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

ROOT_RELS = (
    f'{_XML_DECLARATION}<Relationships xmlns="{_NS_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
# The cell formats (cellXfs) in the order of xlsxcells.STYLE_BOLD, STYLE_DATE, STYLE_DATETIME.
STYLES = (
    f'{_XML_DECLARATION}<styleSheet xmlns="{_NS_MAIN}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATETIME_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


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


def escape_attribute(text: str) -> str:
    """Return ``text`` for an XML attribute value in double quotes."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def quote_sheet(name: str) -> str:
    """Return a sheet name as formulas and defined names refer to it: quoted, quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def _excel_width(characters: int) -> float:
    """Return the stored width of a column showing ``characters`` digits of the default font.

    ECMA-376 Part 1, 18.3.1.13: width = Truncate([{chars} * {max digit width} + {5 pixels of
    padding}] / {max digit width} * 256) / 256, with Calibri 11's 7-pixel digits.
    """
    pixels = int(characters * 7 + 0.5) + 5
    return int(pixels / 7 * 256) / 256


class _State(enum.Enum):
    NEW = "new"
    STARTED = "started"  # begin() returned
    ENDED = "ended"  # end_chunks() ran to its end
    CLOSED = "closed"


class XlsxFormat(Format):
    """An Excel workbook (cursor engine only; see the module docstring for the cell types)."""

    name = "xlsx"
    content_type = f"{_CONTENT_TYPE}.sheet"
    extension = "xlsx"
    binary = True
    # Building a batch's XML takes milliseconds of CPU (deflating it more, though zlib releases
    # the GIL): run in a worker thread, so that an ASGI server's event loop is never stalled.
    blocking = True
    has_header = True

    def __init__(self, columns: Sequence[str], **options: Any) -> None:
        super().__init__(columns, **options)
        self._types: tuple[str, ...] = ("text",) * len(self.columns)
        self._state = _State.NEW
        # The fastest deflate level: a file somewhat larger than zlib's default level, several
        # times faster (see benchmarks/README.md).
        self._zip = ZipStream()
        # Every ZipStream call runs in this thread, in order (see PIECE_ROWS).
        self._deflating = ThreadPoolExecutor(1, thread_name_prefix="cursor_stream-deflate")
        self._letters = [column_letter(i) for i in range(len(self.columns))]
        self._encoders: list[ColumnEncoder] = []
        # Characters each column needs: the header's, then the first rows' values.
        self._widths = [len(name) if self.header else 0 for name in self.columns]
        self._held: list[Sequence[Any]] | None = []  # rows waiting for the column widths
        self._sheets: list[tuple[str, int]] = []  # (name, rows incl. header) of ended sheets
        self._sheet_open = False
        self._sheet_zip64 = False
        self._sheet_row = 0  # rows written on the current sheet, header included
        self._sheet_bytes = 0  # XML of the current sheet so far
        self._rows = 0  # data rows written
        self._received = 0  # data rows received (some may be held)

    def set_column_types(self, types: Sequence[str]) -> None:
        self._types = tuple(types)

    # --- the stream ---------------------------------------------------------------------------

    def begin(self) -> bytes:
        self._check(_State.NEW, "begin")
        self._state = _State.STARTED
        self._encoders = [column_encoder(t) for t in self._types]
        return self._zip.add("_rels/.rels", ROOT_RELS.encode()) + self._zip.add(
            "xl/styles.xml", STYLES.encode()
        )

    def encode(self, rows: Rows) -> bytes:
        head = self.begin() if self._state is _State.NEW else b""
        self._check(_State.STARTED, "encode")
        columns = self._columns(rows)
        if self._held is not None:
            self._held.extend(rows)
            if len(self._held) < WIDTH_SAMPLE_ROWS:
                return head
            rows, self._held = self._held, None
            self._measure(rows[:WIDTH_SAMPLE_ROWS])
            columns = self._columns(rows, checked=True)
        return head + self._write(columns, len(rows))

    def end_chunks(self) -> Iterator[bytes]:
        if self._state is _State.NEW:
            yield self.begin()
        self._check(_State.STARTED, "end")
        if self._held is not None:
            rows, self._held = self._held, None
            self._measure(rows)
            yield self._write(self._columns(rows, checked=True), len(rows))
        if not self._sheet_open:  # no row at all: one sheet, with its header
            yield self._open_sheet(1.0).result()
        yield self._close_sheet().result()
        self._deflating.shutdown()
        yield self._zip.add("xl/workbook.xml", self._workbook_xml().encode())
        yield self._zip.add("xl/_rels/workbook.xml.rels", self._workbook_rels().encode())
        yield self._zip.add("[Content_Types].xml", self._content_types().encode())
        yield self._zip.finish()
        self._state = _State.ENDED

    def end(self) -> bytes:
        return b"".join(self.end_chunks())

    def close(self) -> None:
        # Nothing on disk. An interrupted export may have a piece still deflating: the thread
        # ends after it, without waiting for it here.
        self._state = _State.CLOSED
        self._held = None
        self._deflating.shutdown(wait=False, cancel_futures=True)

    def _check(self, state: _State, doing: str) -> None:
        if self._state is not state:
            raise RuntimeError(f"Cannot {doing} an xlsx encoder that is {self._state.value}.")

    # --- the parts written last -------------------------------------------------------------

    def _workbook_xml(self) -> str:
        sheets = "".join(
            f'<sheet name="{escape_attribute(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (name, _) in enumerate(self._sheets, 1)
        )
        # Excel keeps an autofilter's range in this hidden name too (ECMA-376 Part 1, 18.2.5).
        names = ""
        if self.header and self.columns:
            last = self._letters[-1]
            names = "".join(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                f"{escape_attribute(quote_sheet(name))}!$A$1:${last}${rows}</definedName>"
                for i, (name, rows) in enumerate(self._sheets)
            )
            names = f"<definedNames>{names}</definedNames>"
        return (
            f'{_XML_DECLARATION}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets>{names}</workbook>"
        )

    def _workbook_rels(self) -> str:
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_NS_REL}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(self._sheets) + 1)
        )
        styles = len(self._sheets) + 1
        return (
            f'{_XML_DECLARATION}<Relationships xmlns="{_NS_PKG_REL}">{rels}'
            f'<Relationship Id="rId{styles}" Type="{_NS_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        )

    def _content_types(self) -> str:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            f'ContentType="{_CONTENT_TYPE}.worksheet+xml"/>'
            for i in range(1, len(self._sheets) + 1)
        )
        return (
            f'{_XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            f'ContentType="{_CONTENT_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CONTENT_TYPE}.styles+xml"/>'
            f"{sheets}</Types>"
        )

    # --- sheets -------------------------------------------------------------------------------

    def _columns(self, rows: Rows, *, checked: bool = False) -> list[tuple[Any, ...]]:
        """Return ``rows`` column by column, checked unless ``checked`` (they were, on arrival)."""
        width = len(self.columns)
        if not rows:
            return []
        if len(rows[0]) != width:
            raise ValueError(f"Every row must have {width} values.")
        # strict: every row as wide as the first.
        columns = list(zip(*rows, strict=True)) if width else []
        if not checked:
            self._check_lengths(columns)
            self._received += len(rows)
        return columns

    def _write(self, columns: Sequence[Sequence[Any]], count: int) -> bytes:
        """Return the archive bytes of ``count`` rows, on as many sheets as they need."""
        if not count:
            return b""
        pending: list[Future[bytes]] = []
        start = 0
        while start < count:
            if self._sheet_open and self._sheet_row >= MAX_SHEET_ROWS:
                pending.append(self._close_sheet())
            room = MAX_SHEET_ROWS - max(self._sheet_row, self.header)
            take = min(count - start, room, PIECE_ROWS)
            part = [column[start : start + take] for column in columns]
            if not self._sheet_open:
                pending.append(self._open_sheet(self._row_size(part, take)))
            data = self._rows_xml(part, take)
            if not self._sheet_zip64 and self._sheet_bytes + len(data) >= SHEET_ENTRY_LIMIT:
                # Rows much larger than those that opened the sheet: go on with a ZIP64 sheet.
                pending.append(self._close_sheet())
                pending.append(self._open_sheet(float("inf")))
                data = self._rows_xml(part, take)
            # Deflated in the other thread while the next piece is built.
            pending.append(self._deflating.submit(self._zip.write, data))
            self._sheet_bytes += len(data)
            self._sheet_row += take
            self._rows += take
            start += take
        # A sync flush: every row written leaves now, however few.
        pending.append(self._deflating.submit(self._zip.flush))
        return b"".join([piece.result() for piece in pending])

    def _row_size(self, columns: Sequence[Sequence[Any]], count: int) -> float:
        """Return about how many bytes of XML a row of ``columns`` takes."""
        text = sum(sum(map(len, filter(None, column))) for column in columns)
        return (text + 40 * len(columns) + 20) / max(count, 1)

    def _open_sheet(self, row_size: float) -> Future[bytes]:
        """Start the next sheet entry (ZIP64 if rows of ``row_size`` bytes could fill 4 GiB)."""
        number = len(self._sheets) + 1
        zip64 = row_size * MAX_SHEET_ROWS * ZIP64_MARGIN >= ZIP32_LIMIT
        self._sheet_open, self._sheet_zip64, self._sheet_row = True, zip64, 0
        xml = self._sheet_head(number)
        if self.header:
            header = [
                BOLD_TEXT.cell(letter, "1", text)
                for letter, text in zip(self._letters, escape_texts(self.columns), strict=True)
            ]
            cells = "".join(header)
            xml += f'<row r="1">{cells}</row>'
            self._sheet_row = 1
        data = xml.encode()
        self._sheet_bytes = len(data)
        name = f"xl/worksheets/sheet{number}.xml"

        def start() -> bytes:
            return self._zip.open(name, zip64=zip64) + self._zip.write(data)

        return self._deflating.submit(start)

    def _sheet_head(self, number: int) -> str:
        selected = ' tabSelected="1"' if number == 1 else ""
        view = f'<sheetView{selected} workbookViewId="0"'
        if self.header:
            view += (
                '><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
            )
        else:
            view += "/>"
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{_excel_width(width)}" customWidth="1"/>'
            for i, width in enumerate(self._column_widths(), 1)
        )
        return (
            f'{_XML_DECLARATION}<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            f"<sheetViews>{view}</sheetViews>"
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        )

    def _close_sheet(self) -> Future[bytes]:
        """End the current sheet: the autofilter over its rows, then the entry."""
        xml = "</sheetData>"
        if self.header and self.columns:
            xml += f'<autoFilter ref="A1:{self._letters[-1]}{self._sheet_row}"/>'
        xml += (
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>'
        )
        number = len(self._sheets) + 1
        self._sheets.append((sheet_name(self.title, number), self._sheet_row))
        self._sheet_open = False
        data = xml.encode()

        def end() -> bytes:
            return self._zip.write(data) + self._zip.close_entry()

        return self._deflating.submit(end)

    def _column_widths(self) -> list[int]:
        return [min(max(w + 2, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH) for w in self._widths]

    def _measure(self, rows: Sequence[Sequence[Any]]) -> None:
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

    def _check_lengths(self, columns: Sequence[Sequence[Any]]) -> None:
        """Raise InvalidArgument for a value longer than an Excel cell holds."""
        # A code point is one or two UTF-16 code units: only long values need counting.
        present = filter(None, chain.from_iterable(columns))
        if max(map(len, present), default=0) * 2 <= MAX_CELL_CHARS:
            return
        for col, values in enumerate(columns):
            for index, value in enumerate(values):
                units = len(value.encode("utf-16-le")) // 2 if value else 0
                if units > MAX_CELL_CHARS:
                    raise InvalidArgument(
                        f"Excel cells hold at most {MAX_CELL_CHARS:,} characters; the value of "
                        f"column {self.columns[col]!r} in row {self._received + index + 1:,} has "
                        f"{units:,}. Export csv instead, or leave that field out."
                    )

    def _rows_xml(self, columns: Sequence[Sequence[Any]], count: int) -> bytes:
        """Return the ``<row>`` elements of ``count`` rows given column by column."""
        first = self._sheet_row + 1
        numbers = list(map(str, range(first, first + count)))
        cells = [
            encode(values, letter, numbers)
            for values, letter, encode in zip(columns, self._letters, self._encoders, strict=True)
        ]
        return rows_xml(cells, self._letters, numbers).encode()
