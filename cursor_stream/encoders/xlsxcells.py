"""The cells of an xlsx sheet: PostgreSQL's text of each value as SpreadsheetML (ECMA-376 Part 1).

A batch is turned into ``<row>`` elements column by column, the way the CSV encoder works: a
column's values are checked at C speed (one scan of their joined text says whether any needs
escaping; ``max(map(len, ...))`` whether a number column holds only short numbers), and most
columns of most batches go into the sheet unchanged. Each row is a template of constant XML
with slots for the row number and the values (:func:`rows_xml`): the template is repeated by
list multiplication and the slots are filled by slice assignment, so a plain cell costs no
Python operation of its own. A column holding NULLs (no cell) or values of two kinds (a number
column with a ``NaN``, written as text) is written cell by cell instead.

Cell types: ``t="inlineStr"`` text (inline, so that nothing is kept until the end as a shared
string table would be), numbers as plain ``<v>``, ``t="b"`` booleans, dates and timestamps as
serial numbers styled by the workbook's number formats. Every cell carries its reference
(``r="B7"``): Excel does not need it, but some readers of xlsx files do (ClosedXML, EPPlus).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: Significant digits Excel keeps of a number.
EXCEL_DIGITS = 15

NUMBER_TYPES = frozenset({"int2", "int4", "int8", "oid", "numeric", "float4", "float8"})
#: Number types whose every value has at most 15 digits.
SHORT_NUMBER_TYPES = frozenset({"int2", "int4", "oid"})

# Cell styles: the cellXfs of the workbook's styles.xml, in this order.
STYLE_BOLD = 1
STYLE_DATE = 2
STYLE_DATETIME = 3

_FIRST_EXCEL_DAY = datetime.date(1900, 1, 1)
# Excel's serial day 1 is 1900-01-01 and, for Lotus 1-2-3 compatibility, it counts a 29
# February 1900 that never was: from 1900-03-01 on, serial = days since 1899-12-30.
_EXCEL_EPOCH = datetime.date(1899, 12, 30).toordinal()

#: Characters XML text cannot hold as they are: markup, C0 controls but tab and line feed (the
#: carriage return too: XML parsers turn it into a line feed), and the non-characters U+FFFE and
#: U+FFFF. NUL is left out: PostgreSQL text never holds it, and it joins a column's values.
_NEEDS_ESCAPE = re.compile(r"[&<>\x01-\x08\x0b-\x1f\ufffe\uffff]")
_LOOKS_ESCAPED = re.compile(r"_x[0-9A-Fa-f]{4}_")
_NOT_XML = re.compile(r"[\x01-\x08\x0b-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Kind:
    """The XML around a value in a cell: after ``<c r="B7`` (``head``), after the value."""

    head: str
    tail: str

    def cell(self, letter: str, number: str, value: str) -> str:
        """Return one cell."""
        return f'<c r="{letter}{number}{self.head}{value}{self.tail}'


# Text keeps its spaces: without xml:space="preserve" readers may strip leading and trailing
# ones. Checking each value would cost more than the attribute does.
TEXT = Kind('" t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>")
BOLD_TEXT = Kind(f'" s="{STYLE_BOLD}" t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>")
NUMBER = Kind('"><v>', "</v></c>")
BOOLEAN = Kind('" t="b"><v>', "</v></c>")
DATE = Kind(f'" s="{STYLE_DATE}"><v>', "</v></c>")
DATETIME = Kind(f'" s="{STYLE_DATETIME}"><v>', "</v></c>")

#: One column of a batch as it goes into the rows: plain values of one kind (no NULL), or
#: whole cells (kind None; "" for no cell).
Column = tuple[Kind | None, Sequence[str]]
#: Turns one column's values (None for NULL) into a Column, given its letter and row numbers.
ColumnEncoder = Callable[[Sequence[Any], str, Sequence[str]], Column]


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
    except ValueError:  # BC, infinity, years after 9999
        return None
    return value if value >= _FIRST_EXCEL_DAY else None


def excel_datetime(text: str) -> datetime.datetime | None:
    """Return PostgreSQL's ISO text of a timestamp as a naive local date-time, else None.

    The session's time zone is the export's, so the wall-clock time is kept and the offset
    dropped (Excel has no time zones).
    """
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:  # BC, infinity, years after 9999
        return None
    return value.replace(tzinfo=None) if value.date() >= _FIRST_EXCEL_DAY else None


def _day_serial(day: datetime.date) -> int:
    serial = day.toordinal() - _EXCEL_EPOCH
    return serial if serial > 60 else serial - 1


def date_serial(text: str) -> str | None:
    """Return Excel's serial number (as text) of PostgreSQL's text of a date, else None."""
    day = excel_date(text)
    return None if day is None else str(_day_serial(day))


def datetime_serial(text: str) -> str | None:
    """Return Excel's serial number (as text) of PostgreSQL's text of a timestamp, else None."""
    moment = excel_datetime(text)
    if moment is None:
        return None
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return repr(_day_serial(moment) + (seconds + moment.microsecond / 1e6) / 86400)


def escape_texts(values: Sequence[str]) -> Sequence[str]:
    """Return text values (no None) escaped for a ``<t>`` element.

    Markup characters become entities; characters XML cannot hold become ECMA-376's
    ``_xHHHH_`` escapes (Part 1, 22.9.2.19 ST_Xstring), which Excel turns back into the
    characters, and text that already reads as such an escape gets its underscore escaped
    (``_x005F_``) so that it reads back as written. The values are joined with NUL so that
    the check and, when needed, the replacements run once per column at C speed.
    """
    joined = "\0".join(values)
    if _NEEDS_ESCAPE.search(joined) is None and "_x" not in joined:
        return values
    joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Text reading as an escape first, so that the escapes written next are left alone.
    joined = _LOOKS_ESCAPED.sub(r"_x005F\g<0>", joined)
    joined = _NOT_XML.sub(lambda m: f"_x{ord(m[0]):04X}_", joined)
    return joined.split("\0")


def column_letter(index: int) -> str:
    """Return the letters of the column ``index`` (from 0): A, ..., Z, AA, ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def rows_xml(columns: Sequence[Column], letters: Sequence[str], numbers: Sequence[str]) -> str:
    """Return the ``<row>`` elements of rows numbered ``numbers``, given column by column."""
    count = len(numbers)
    # The template of a row: constant XML, with a None slot for each row number and value.
    template: list[str | None] = ['<row r="', None]
    pending = '">'
    number_slots = [1]
    value_slots: list[tuple[int, Sequence[str]]] = []
    for letter, (kind, values) in zip(letters, columns, strict=True):
        if kind is None:  # whole cells
            template += [pending, None]
            pending = ""
        else:
            template += [f'{pending}<c r="{letter}', None, kind.head, None]
            number_slots.append(len(template) - 3)
            pending = kind.tail
        value_slots.append((len(template) - 1, values))
    template.append(pending + "</row>")
    step = len(template)
    out = template * count
    for slot in number_slots:
        out[slot::step] = numbers
    for slot, values in value_slots:
        out[slot::step] = values
    # Every None slot has been filled.
    return "".join(out)  # type: ignore[arg-type]


def _cells(kind: Kind, letter: str, numbers: Sequence[str], values: Sequence[Any]) -> list[str]:
    """Return the cells of ``values`` of one kind, "" for None."""
    head, tail = kind.head, kind.tail
    return [
        f'<c r="{letter}{n}{head}{v}{tail}' if v is not None else ""
        for n, v in zip(numbers, values, strict=True)
    ]


def _mixed(
    kind: Kind,
    letter: str,
    numbers: Sequence[str],
    values: Sequence[Any],
    converted: Sequence[str | None],
) -> Column:
    """Return cells of ``kind`` for the converted values, text cells for the others."""
    if None not in converted:
        return kind, converted  # type: ignore[return-value]
    cells = _cells(kind, letter, numbers, converted)
    texts = [v if c is None else None for v, c in zip(values, converted, strict=True)]
    present = [t for t in texts if t is not None]
    if present:
        escaped = iter(escape_texts(present))
        for index, text in enumerate(texts):
            if text is not None:
                cells[index] = TEXT.cell(letter, numbers[index], next(escaped))
    return None, cells


def text_column(values: Sequence[Any], letter: str, numbers: Sequence[str]) -> Column:
    """Return a column of text cells."""
    if None not in values:
        return TEXT, escape_texts(values)
    present = [v for v in values if v is not None]
    escaped = escape_texts(present)
    if escaped is not present:  # put the escaped values back in their rows' places
        texts = iter(escaped)
        values = [None if v is None else next(texts) for v in values]
    return None, _cells(TEXT, letter, numbers, values)


def number_column(values: Sequence[Any], letter: str, numbers: Sequence[str]) -> Column:
    """Return a column of number cells (text cells for numbers Excel would change)."""
    present = values if None not in values else [v for v in values if v is not None]
    if present:
        joined = "".join(present)
        # At most 15 characters and no exponent, NaN nor Infinity: every value has at most 15
        # digits and lies within Excel's range. Else check value by value.
        if max(map(len, present)) > EXCEL_DIGITS or "e" in joined or "N" in joined or "I" in joined:
            exact = [v if v is not None and excel_number(v) is not None else None for v in values]
            return _mixed(NUMBER, letter, numbers, values, exact)
    return short_number_column(values, letter, numbers)


def short_number_column(values: Sequence[Any], letter: str, numbers: Sequence[str]) -> Column:
    """Return a column of number cells of a type whose values all fit (``integer``)."""
    if None not in values:
        return NUMBER, values
    return None, _cells(NUMBER, letter, numbers, values)


_BITS = {"true": "1", "false": "0"}


def boolean_column(values: Sequence[Any], letter: str, numbers: Sequence[str]) -> Column:
    """Return a column of boolean cells."""
    if None not in values:
        return BOOLEAN, list(map(_BITS.__getitem__, values))
    return None, _cells(BOOLEAN, letter, numbers, [v and _BITS[v] for v in values])


def date_column(values: Sequence[Any], letter: str, numbers: Sequence[str]) -> Column:
    """Return a column of date cells (text cells for dates Excel cannot show)."""
    converted = [None if v is None else date_serial(v) for v in values]
    return _mixed(DATE, letter, numbers, values, converted)


def datetime_column(values: Sequence[Any], letter: str, numbers: Sequence[str]) -> Column:
    """Return a column of date-time cells (text cells for timestamps Excel cannot show)."""
    # datetime_serial() inlined: two calls per value would cost a third of the work.
    parse, epoch = datetime.datetime.fromisoformat, _EXCEL_EPOCH + 60
    converted: list[str | None] = []
    append = converted.append
    for text in values:
        if text is None:
            append(None)
            continue
        try:
            moment = parse(text)
        except ValueError:  # BC, infinity, years after 9999
            append(None)
            continue
        day = moment.toordinal() - epoch
        if day <= 0:  # before 1900-03-01, where Excel's serials are off by one
            append(datetime_serial(text))
            continue
        seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
        append(repr(day + 60 + (seconds + moment.microsecond / 1e6) / 86400))
    return _mixed(DATETIME, letter, numbers, values, converted)


def column_encoder(pg_type: str) -> ColumnEncoder:
    """Return the function writing a column of rendered values of ``pg_type``."""
    if pg_type in SHORT_NUMBER_TYPES:
        return short_number_column
    if pg_type in NUMBER_TYPES:
        return number_column
    if pg_type == "bool":
        return boolean_column
    if pg_type == "date":
        return date_column
    if pg_type in ("timestamp", "timestamptz"):
        return datetime_column
    return text_column
