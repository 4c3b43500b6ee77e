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
    read-only mode is told to size it, as its documentation says; rows are then padded with
    None up to the widest one.
    """
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        sheets = {}
        for sheet in book.worksheets:
            sheet.calculate_dimension(force=True)
            sheets[sheet.title] = [
                tuple(unescape(v) for v in row) for row in sheet.iter_rows(values_only=True)
            ]
        return sheets
    finally:
        book.close()
