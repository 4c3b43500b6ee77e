"""JSON Lines and JSON arrays of objects rendered by PostgreSQL (``row_to_json``).

Each row arrives as one JSON text, which never holds a raw control character (``to_json``
escapes them and JSON columns are normalised through ``jsonb``), so ``COPY`` can pass it through
unquoted with ``FORMAT csv`` and a quote and delimiter that cannot occur (``\\x01``, ``\\x02``).
The array format is ``[\\n`` + rows joined by ``,\\n`` + ``\\n]\\n`` (``[\\n]\\n`` when empty).
"""

from __future__ import annotations

from types import MappingProxyType

from .base import Format, Rows

# Control characters never appear unescaped in JSON text, so COPY never quotes a row.
_COPY_PASSTHROUGH = MappingProxyType({"format": "csv", "delimiter": "\x02", "quote": "\x01"})


class JsonLinesFormat(Format):
    """One JSON object per line (``application/jsonl``)."""

    name = "jsonl"
    content_type = "application/jsonl; charset=utf-8"
    extension = "jsonl"
    rendering = "json"
    copy_options = _COPY_PASSTHROUGH

    def encode(self, rows: Rows) -> bytes:
        if not rows:
            return b""
        return ("\n".join([row[0] for row in rows]) + "\n").encode()


class JsonFormat(Format):
    """A JSON array of objects, one per line."""

    name = "json"
    content_type = "application/json"
    extension = "json"
    rendering = "json"
    copy_options = _COPY_PASSTHROUGH

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._wrote_row = False
        # COPY output is "row\n" per row; every "\n" but the last becomes ",\n". The last
        # separator of each chunk is held back until we know another row follows.
        self._held = b""

    def begin(self) -> bytes:
        return b"[\n"

    def encode(self, rows: Rows) -> bytes:
        if not rows:
            return b""
        text = ",\n".join([row[0] for row in rows])
        if self._wrote_row:
            text = ",\n" + text
        self._wrote_row = True
        return text.encode()

    def copy_chunk(self, data: bytes) -> bytes:
        if not data:
            return b""
        out = self._held + data.replace(b"\n", b",\n")
        if out.endswith(b",\n"):
            self._held, out = b",\n", out[:-2]
        else:
            self._held = b""
        self._wrote_row = True
        return out

    def end(self) -> bytes:
        return b"\n]\n" if self._wrote_row else b"]\n"
