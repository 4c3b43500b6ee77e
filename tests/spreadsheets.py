"""Reading xlsx exports back in tests (openpyxl, which only the test extra installs)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest


def unescape(value: Any) -> Any:
    """Undo OOXML's ``_xHHHH_`` escapes, which Excel undoes and openpyxl leaves in inline text."""
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m[1], 16)), value)


def read_xlsx(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Return the rows of each sheet of a workbook, by sheet name.

    A streamed sheet has no ``<dimension>`` (its size is known only at its end), so openpyxl's
    read-only mode gives each row up to its last cell: rows are padded with None up to the
    widest one (openpyxl's ``calculate_dimension(force=True)`` would do it, but fails on a sheet
    without rows).
    """
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        sheets = {}
        for sheet in book.worksheets:
            sheet.reset_dimensions()
            rows = [tuple(unescape(v) for v in row) for row in sheet.iter_rows(values_only=True)]
            width = max(map(len, rows), default=0)
            sheets[sheet.title] = [row + (None,) * (width - len(row)) for row in rows]
        return sheets
    finally:
        book.close()
