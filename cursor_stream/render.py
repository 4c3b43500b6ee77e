"""Let PostgreSQL render an export's values to text, the same way for COPY and for cursors.

The compiled query is wrapped (DESIGN section 4)::

    SELECT (q.c1)::text, ... FROM (<query>) AS q(c1, c2, ...)                  -- csv, tsv
    SELECT row_to_json(r)::text FROM (SELECT q.c1 AS "name", ...) AS r          -- jsonl, json

so both engines receive the very same text, which is what the types' output functions (and so
``COPY``) print, except for booleans (``true``/``false``, not ``t``/``f``): exact numerics,
timestamps in the session time zone (set per export with ``SET LOCAL TimeZone``), JSON as its
text, arrays as array literals. Choice labels and formula escaping are SQL expressions too.

PostgreSQL keeps the order of a subquery in FROM when the outer query only projects, which is
what makes wrapping an ``ORDER BY`` query safe here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .exceptions import InvalidArgument
from .sql import Column
from .sqltext import quote_ident, split_sql

#: Types whose values are user text, subject to formula escaping.
TEXT_TYPES = frozenset({"text", "varchar", "bpchar", "char", "name", "citext"})

#: OWASP CSV injection: cells starting with these are prefixed with a single quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

#: Session settings of every export, so output does not depend on server or role defaults.
SESSION_SETTINGS = {
    "DateStyle": "ISO, MDY",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
}

#: Longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes); longer aliases are truncated.
MAX_IDENTIFIER = 63


@dataclass(frozen=True)
class ColumnSpec:
    """How to render one output column: its header name and, optionally, choice labels."""

    name: str
    choices: Mapping[str, str] | None = None


def quote_literal(value: str) -> str:
    """Return ``value`` as an SQL string literal, safe whatever standard_conforming_strings is."""
    if "\x00" in value:
        raise InvalidArgument(f"PostgreSQL text cannot hold a NUL character: {value!r}.")
    escaped = value.replace("\\", "\\\\").replace("'", "''")
    return f"E'{escaped}'" if "\\" in value else f"'{escaped}'"


def session_sql(timezone: str) -> str:
    """Return the ``SET LOCAL`` statements of an export in ``timezone``."""
    settings = {"TimeZone": timezone, **SESSION_SETTINGS}
    return ";\n".join(
        f"SET LOCAL {key} TO {quote_literal(value)}" for key, value in settings.items()
    )


def _formula_escaped(expr: str) -> str:
    # ascii() returns the code point of the first character without building a substring:
    # about half the server time of left(x, 1) IN (...) per text cell (COPY of 1M rows x 4
    # text columns: 0.5 s against 1.0 s). ascii('') is 0 and ascii(NULL) is NULL.
    codes = ", ".join(str(ord(p)) for p in FORMULA_PREFIXES)
    # Cast first: for PostgreSQL's one-byte "char" type, '...' || x is ambiguous.
    text = f"({expr})::text"
    return f"CASE WHEN ascii({text}) IN ({codes}) THEN '''' || {text} ELSE {text} END"


def _labelled(expr: str, choices: Mapping[str, str]) -> str:
    whens = " ".join(f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in choices.items())
    return f"CASE ({expr})::text {whens} ELSE ({expr})::text END"


def _column_expr(
    expr: str, column: Column, spec: ColumnSpec, escape_formulas: bool
) -> tuple[str, str]:
    """Return the SQL of one output column before its final cast, and its type then."""
    pg_type = column.type
    if spec.choices:
        expr, pg_type = _labelled(expr, spec.choices), "text"
    if escape_formulas and pg_type in TEXT_TYPES:
        expr, pg_type = _formula_escaped(expr), "text"
    return expr, pg_type


def rendered_types(
    columns: Sequence[Column], specs: Sequence[ColumnSpec], *, escape_formulas: bool = False
) -> list[str]:
    """Return the type of each column as :func:`render_query` renders it (labels are text)."""
    return [
        _column_expr("", column, spec, escape_formulas)[1]
        for column, spec in zip(columns, specs, strict=True)
    ]


def render_query(
    sql: str,
    columns: Sequence[Column],
    specs: Sequence[ColumnSpec],
    *,
    rendering: str,
    escape_formulas: bool = False,
) -> str:
    """Return ``sql`` wrapped so that every row comes out as PostgreSQL-rendered text."""
    aliases = ", ".join(f"c{i}" for i in range(1, len(columns) + 1))
    source = f"(\n{sql}\n) AS q({aliases})"
    exprs: list[str] = []
    for i, (column, spec) in enumerate(zip(columns, specs, strict=True), start=1):
        expr, pg_type = _column_expr(f"q.c{i}", column, spec, escape_formulas)
        if rendering == "text":
            # text(inet) always appends the mask length; abbrev() is inet's own output form.
            exprs.append(f"abbrev({expr})" if pg_type == "inet" else f"({expr})::text")
        elif pg_type == "json":
            # json keeps the input's whitespace (newlines included); jsonb prints one line.
            exprs.append(f"({expr})::jsonb")
        else:
            exprs.append(expr)
    if rendering == "text":
        return f"SELECT {', '.join(exprs)} FROM {source}"
    for spec in specs:
        if len(spec.name.encode()) > MAX_IDENTIFIER:
            raise InvalidArgument(
                f"The column name {spec.name!r} is longer than PostgreSQL's {MAX_IDENTIFIER}-byte "
                "identifier limit and cannot be a JSON key; choose shorter field names."
            )
    fields = ", ".join(f"{e} AS {quote_ident(s.name)}" for e, s in zip(exprs, specs, strict=True))
    # json values nested in arrays, composites or domains keep their input's line breaks. In
    # valid JSON a raw CR or LF can only be whitespace (inside strings they are escaped), so
    # turning them into spaces keeps every value and puts each row on exactly one line, which
    # the line-based formats and COPY's quoting rely on.
    return (
        "SELECT translate(row_to_json(r)::text, E'\\n\\r', '  ') "
        f"FROM (SELECT {fields} FROM {source}) AS r"
    )


# --------------------------------------------------------------------------------------------
# Inlining parameters (COPY cannot take bind parameters)


_DOLLAR_PARAM = re.compile(r"(?<![\w$])\$(\d+)(?![\w$])")


def inline_params(sql: str, literals: Sequence[str]) -> str:
    """Replace ``$n`` placeholders outside literals, identifiers and comments by ``literals``.

    ``literals`` are SQL literals already quoted (``quote_nullable()`` output from the server, or
    :func:`quote_literal`); they are substituted as whole tokens.
    """

    def substitute(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if not 1 <= number <= len(literals):
            raise InvalidArgument(
                f"The SQL refers to parameter ${number} but {len(literals)} were given."
            )
        return f"({literals[number - 1]})"

    return "".join(
        _DOLLAR_PARAM.sub(substitute, text) if kind == "code" else text
        for kind, text in split_sql(sql)
    )


def param_type_sql(type_: Any) -> str:
    """Return the qualified name of an asyncpg parameter type, for ``$n::type`` (arrays: _name)."""
    name = type_.name
    if name.endswith("[]"):
        name = "_" + name[:-2]
    return f"{quote_ident(type_.schema)}.{quote_ident(name)}"
