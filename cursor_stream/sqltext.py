"""Split SQL text into code and the parts where placeholders never live.

String literals (``'...'``, ``E'...'``), quoted identifiers, comments (``--``, nested
``/* */``) and dollar-quoted bodies (``$tag$...$tag$``) are returned as separate segments, so
that placeholder rewriting (``%s`` -> ``$1`` in :mod:`cursor_stream.sql`) and parameter inlining
(``$1`` -> a literal, for COPY, in :mod:`cursor_stream.render`) only ever touch code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

Kind = Literal["code", "string", "ident", "comment", "dollar"]

_START = re.compile(
    r"""
      (?P<estring>(?<![\w$])[eE]'(?:[^'\\]|\\.|'')*(?:'|\Z))
    | (?P<string>'(?:[^']|'')*(?:'|\Z))
    | (?P<ident>"(?:[^"]|"")*(?:"|\Z))
    | (?P<line>--[^\n]*)
    | (?P<block>/\*)
    | (?P<dollar>(?<![\w$])\$(?:[^\W\d]\w*)?\$)
    """,
    re.VERBOSE | re.DOTALL,
)


def quote_ident(name: str) -> str:
    """Return ``name`` quoted as a PostgreSQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def split_sql(sql: str) -> Iterator[tuple[Kind, str]]:
    """Yield ``(kind, text)`` segments that concatenate back to ``sql``."""
    pos, n = 0, len(sql)
    while pos < n:
        match = _START.search(sql, pos)
        if match is None:
            yield "code", sql[pos:]
            return
        start = match.start()
        if start > pos:
            yield "code", sql[pos:start]
        group = match.lastgroup
        if group == "block":
            end = _end_of_block_comment(sql, start)
            yield "comment", sql[start:end]
        elif group == "dollar":
            tag = match.group()
            close = sql.find(tag, match.end())
            end = n if close == -1 else close + len(tag)
            yield "dollar", sql[start:end]
        else:
            end = match.end()
            kind: Kind = {"estring": "string", "string": "string", "ident": "ident"}.get(
                group or "", "comment"
            )  # type: ignore[assignment]
            yield kind, sql[start:end]
        pos = end


def _end_of_block_comment(sql: str, start: int) -> int:
    depth, i, n = 0, start, len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n
