"""Let PostgreSQL render an export's values to text, the same way for COPY and for cursors.

The compiled query is wrapped (docs/architecture.md §5)::

    SELECT (q.c1)::text, ... FROM (<query>) AS q(c1, c2, ...)                  -- csv, tsv
    SELECT row_to_json(r)::text FROM (SELECT q.c1 AS "name", ...) AS r          -- jsonl, json

so both engines receive the very same text, which is what the types' output functions (and so
``COPY``) print, except for booleans (``true``/``false``, not ``t``/``f``): exact numerics, JSON
as its text, arrays as array literals. Choice labels and formula escaping are SQL expressions too.

The query runs under the session time zone of Django's own connection, since it can change which
rows match (``created_at::date``). Timestamps are printed in the export's time zone all the same:
``timestamptz`` values (also in one-dimensional arrays and in ranges) are rendered with an
explicit ``AT TIME ZONE`` and their UTC offset, exactly as PostgreSQL would print them with that
``TimeZone`` (``2024-03-31 03:30:00+02``; ``2024-03-31T03:30:00+02:00`` in JSON).

PostgreSQL keeps the order of a subquery in FROM when the outer query only projects, which is
what makes wrapping an ``ORDER BY`` query safe here.
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .exceptions import InvalidArgument
from .sql import Column
from .sqltext import quote_ident, split_sql

#: Types whose values are user text, subject to formula escaping.
TEXT_TYPES = frozenset({"text", "varchar", "bpchar", "char", "name", "citext"})

#: OWASP CSV injection: cells starting with these are prefixed with a single quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

#: Session settings of every export, so output does not depend on server or role defaults.
#: (The time zone is not one of them: the query keeps the one of Django's connection.)
SESSION_SETTINGS = {
    "DateStyle": "ISO, MDY",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
}

#: Types whose text depends on the session time zone, rendered explicitly in the export's zone.
ZONED_TYPES = frozenset({"timestamptz", "timestamptz[]", "tstzrange"})

#: Types (and arrays of them) whose JSON never holds a raw line break: numbers, booleans,
#: jsonb (printed on one line) and everything ``to_json`` writes as a JSON string, which
#: escapes line breaks. (A top-level json column is rendered as jsonb.) Others, such as json
#: nested in an array, a composite or a domain, keep the line breaks of their input.
JSON_ONE_LINE_TYPES = frozenset(
    {
        *("int2", "int4", "int8", "oid", "numeric", "float4", "float8", "money", "bool"),
        *("text", "varchar", "bpchar", "char", "name", "citext", "jsonb", "xml", "uuid"),
        *("date", "time", "timetz", "timestamp", "timestamptz", "interval", "bytea"),
        *("inet", "cidr", "macaddr", "macaddr8", "bit", "varbit"),
        *("int4range", "int8range", "numrange", "daterange", "tsrange", "tstzrange"),
    }
)

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


def session_sql() -> str:
    """Return the ``SET LOCAL`` statements of every export."""
    return ";\n".join(
        f"SET LOCAL {key} TO {quote_literal(value)}" for key, value in SESSION_SETTINGS.items()
    )


# --------------------------------------------------------------------------------------------
# Timestamps in the export's time zone


@functools.lru_cache(maxsize=64)
def zone_offsets(zone: str) -> tuple[int, ...]:
    """Return the UTC offsets (seconds east) ``zone`` uses in 1970-2050, most recent first.

    They become the fast branches of the rendering expression; any other offset (a historical
    one, local mean time) takes the general branch, so the list only needs to be usual, not
    complete.
    """
    tz = zoneinfo.ZoneInfo(zone)
    offsets: list[int] = []
    for year in range(2050, 1969, -1):
        for month in (1, 4, 7, 10):
            offset = datetime.datetime(year, month, 15, 12, tzinfo=tz).utcoffset()
            seconds = int(offset.total_seconds()) if offset is not None else 0
            if seconds not in offsets:
                offsets.append(seconds)
    return tuple(offsets)


def _offset_text(seconds: int, *, xsd: bool) -> str:
    """Return a UTC offset as PostgreSQL prints it (``EncodeTimezone`` in datetime.c)."""
    sign = "+" if seconds >= 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}"
    if secs:
        return f"{text}:{minutes:02d}:{secs:02d}"
    if minutes or xsd:
        return f"{text}:{minutes:02d}"
    return text


def _offset_sql(seconds: str, *, xsd: bool) -> str:
    """Return SQL printing an offset given as an integer SQL expression (the general branch)."""

    def two_digits(value: str) -> str:
        return f"lpad(({value})::text, 2, '0')"

    a = f"abs({seconds})"
    minutes = f"':' || {two_digits(f'{a} % 3600 / 60')}"
    secs = f"':' || {two_digits(f'{a} % 60')}"
    if xsd:
        tail = f"{minutes} || CASE WHEN {a} % 60 <> 0 THEN {secs} ELSE '' END"
    else:
        tail = (
            f"CASE WHEN {a} % 60 <> 0 THEN {minutes} || {secs} "
            f"WHEN {a} % 3600 <> 0 THEN {minutes} ELSE '' END"
        )
    sign = f"CASE WHEN {seconds} >= 0 THEN '+' ELSE '-' END"
    return f"{sign} || {two_digits(f'{a} / 3600')} || {tail}"


def zoned_timestamp(expr: str, zone: str, *, xsd: bool = False) -> str:
    """Return SQL printing the ``timestamptz`` ``expr`` as PostgreSQL would in ``zone``.

    The wall-clock time comes from ``AT TIME ZONE`` (a ``timestamp``, whose text does not depend
    on the session), then the offset is appended: before the era of BC dates, which PostgreSQL
    prints last. ``xsd`` gives the JSON form (``T`` between date and time, ``+HH:MM``). Infinite
    values print as themselves.
    """
    local = f"({expr} AT TIME ZONE {quote_literal(zone)})"
    diff = f"({local} - ({expr} AT TIME ZONE 'UTC'))"
    whens = " ".join(
        f"WHEN interval '{seconds} seconds' THEN '{_offset_text(seconds, xsd=xsd)}'"
        for seconds in zone_offsets(zone)
    )
    general = _offset_sql(f"date_part('epoch', {diff})::int", xsd=xsd)
    offset = f"CASE {diff} {whens} ELSE {general} END"
    text = f"{local}::text"
    if xsd:
        ad = f"replace({text}, ' ', 'T')"
        bc = f"overlay(left({text}, -3) placing 'T' from position(' ' in {text}) for 1)"
    else:
        ad = text
        bc = f"left({text}, -3)"
    # The era test on the UTC value first: cheap, and true only near or before year 1.
    bc_test = f"{expr} < '0001-01-03 00:00:00+00' AND {local} < '0001-01-01 00:00:00'::timestamp"
    return (
        f"CASE WHEN NOT isfinite({expr}) THEN ({expr})::text "
        f"WHEN {bc_test} THEN {bc} || {offset} || ' BC' "
        f"ELSE {ad} || {offset} END"
    )


def _zoned(expr: str, pg_type: str, zone: str, *, json: bool) -> str:
    """Return SQL rendering a zoned column (see :data:`ZONED_TYPES`) in ``zone``."""
    if pg_type == "timestamptz":
        return zoned_timestamp(expr, zone, xsd=json)
    if pg_type == "timestamptz[]":
        # One-dimensional arrays element by element (order kept); others, rare, keep the
        # session's zone.
        elements = (
            f"ARRAY(SELECT {zoned_timestamp('e', zone, xsd=json)} "
            f"FROM unnest({expr}) WITH ORDINALITY AS u(e, i) ORDER BY i)"
        )
        if json:
            return (
                f"CASE WHEN array_ndims({expr}) > 1 THEN to_json({expr}) "
                f"ELSE to_json({elements}) END"
            )
        return f"CASE WHEN array_ndims({expr}) > 1 THEN ({expr})::text ELSE {elements}::text END"

    # tstzrange: rebuilt from its bounds; range_out quotes a bound that holds a space (every
    # finite timestamp), never 'infinity'.
    def bound(which: str) -> str:
        value = f"{which}({expr})"
        return (
            f"CASE WHEN {value} IS NULL THEN '' WHEN NOT isfinite({value}) THEN {value}::text "
            f"ELSE '\"' || {zoned_timestamp(value, zone)} || '\"' END"
        )

    text = (
        f"CASE WHEN isempty({expr}) THEN 'empty' ELSE "
        f"CASE WHEN lower_inc({expr}) THEN '[' ELSE '(' END || {bound('lower')} || ',' || "
        f"{bound('upper')} || CASE WHEN upper_inc({expr}) THEN ']' ELSE ')' END END"
    )
    return f"to_json({text})" if json else text


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


def check_json_keys(names: Sequence[str]) -> None:
    """Refuse a header that cannot be a JSON key.

    ``row_to_json()`` takes its keys from column aliases, which PostgreSQL cuts at
    :data:`MAX_IDENTIFIER` bytes.
    """
    for name in names:
        if len(name.encode()) > MAX_IDENTIFIER:
            raise InvalidArgument(
                f"The header {name!r} is longer than PostgreSQL's {MAX_IDENTIFIER}-byte "
                "identifier limit and cannot be a JSON key; give the column a shorter label, "
                "e.g. (path, 'Label'), or export it with header_style='names'."
            )


def render_query(
    sql: str,
    columns: Sequence[Column],
    specs: Sequence[ColumnSpec],
    *,
    rendering: str,
    escape_formulas: bool = False,
    zone: str | None = None,
) -> str:
    """Return ``sql`` wrapped so that every row comes out as PostgreSQL-rendered text.

    ``zone``: the time zone timestamps are printed in, when it is not the session's own.
    """
    aliases = ", ".join(f"c{i}" for i in range(1, len(columns) + 1))
    source = f"(\n{sql}\n) AS q({aliases})"
    exprs: list[str] = []
    for i, (column, spec) in enumerate(zip(columns, specs, strict=True), start=1):
        expr, pg_type = _column_expr(f"q.c{i}", column, spec, escape_formulas)
        if zone is not None and pg_type in ZONED_TYPES:
            exprs.append(_zoned(expr, pg_type, zone, json=rendering != "text"))
        elif rendering == "text":
            # text(inet) always appends the mask length; abbrev() is inet's own output form.
            exprs.append(f"abbrev({expr})" if pg_type == "inet" else f"({expr})::text")
        elif pg_type == "json":
            # json keeps the input's whitespace (newlines included); jsonb prints one line.
            exprs.append(f"({expr})::jsonb")
        else:
            exprs.append(expr)
    if rendering == "text":
        return f"SELECT {', '.join(exprs)} FROM {source}"
    check_json_keys([spec.name for spec in specs])
    fields = ", ".join(f"{e} AS {quote_ident(s.name)}" for e, s in zip(exprs, specs, strict=True))
    # r.* (not r): a column of the query may itself be named r.
    row = "row_to_json(r.*)::text"
    types = rendered_types(columns, specs, escape_formulas=escape_formulas)
    if not all(t == "json" or t.removesuffix("[]") in JSON_ONE_LINE_TYPES for t in types):
        # json values nested in arrays, composites or domains keep their input's line breaks.
        # In valid JSON a raw CR or LF can only be whitespace (inside strings they are
        # escaped), so turning them into spaces keeps every value and puts each row on exactly
        # one line, which the line-based formats and COPY's quoting rely on. Only then: on
        # UTF-8 text, translate() costs the server more than building the JSON.
        row = f"translate({row}, E'\\n\\r', '  ')"
    return f"SELECT {row} FROM (SELECT {fields} FROM {source}) AS r"


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
