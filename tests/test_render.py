"""Rendering in SQL: timestamps printed in the export's time zone exactly as PostgreSQL would.

The query of an export keeps the session time zone of Django's connection; ``zoned_timestamp``
prints ``timestamptz`` values as the server prints them under another ``TimeZone``. The oracle is
the server itself: the same values cast to text (and ``to_json``) after ``SET LOCAL TimeZone``.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cursor_stream.render import _zoned, quote_literal, zone_offsets, zoned_timestamp

pytestmark = pytest.mark.django_db

#: Zones with half- and quarter-hour offsets, DST on either hemisphere, historical local mean
#: time with seconds in the offset, and a zone west of UTC.
ZONES = [
    "UTC",
    "Europe/Paris",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Africa/Monrovia",
    "America/Los_Angeles",
]

# PostgreSQL's timestamptz reaches from 4713 BC to 294276 AD; these literals cover both ends.
EDGES = [
    "2024-03-31 00:59:59.999999+00",
    "2024-03-31 01:00:00+00",
    "2024-10-27 00:30:00+00",
    "2024-10-27 01:30:00+00",
    "1850-06-01 12:00:00.5+00",
    "1900-01-01 00:00:00+00",
    "1970-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "0001-01-01 12:00:00+00",
    "0044-03-15 12:00:00+00 BC",
    "4713-01-01 12:00:00+00 BC",
    "10000-01-01 00:00:00+00",
    "294276-12-30 12:00:00+00",  # (within a day of the end, AT TIME ZONE would overflow)
    "infinity",
    "-infinity",
]


def server_renders(zone: str, literals: list[str]) -> list[tuple[str, str, str, str]]:
    """Return (text, json) as the server prints each value under ``zone``, and ours."""
    rows = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL TimeZone TO 'UTC'")
        values = "), (".join(f"{quote_literal(v)}::timestamptz" for v in literals)
        ours = (
            f"SELECT {zoned_timestamp('x', zone)}, {zoned_timestamp('x', zone, xsd=True)} "
            f"FROM (VALUES ({values})) AS v(x)"
        )
        cursor.execute(ours)
        rendered = cursor.fetchall()
        cursor.execute(f"SET LOCAL TimeZone TO {quote_literal(zone)}")
        cursor.execute(f"SELECT x::text, to_json(x)::text FROM (VALUES ({values})) AS v(x)")
        for (text, json_text), (mine, mine_json) in zip(cursor.fetchall(), rendered, strict=True):
            rows.append((text, json_text, mine, f'"{mine_json}"'))
    return rows


@pytest.mark.parametrize("zone", ZONES)
def test_edges_print_as_under_set_timezone(zone: str) -> None:
    for text, json_text, mine, mine_json in server_renders(zone, EDGES):
        assert (mine, mine_json) == (text, json_text)


instants = st.datetimes(
    min_value=datetime.datetime(1, 1, 2),
    max_value=datetime.datetime(9999, 12, 30),
).map(lambda d: d.isoformat(sep=" ") + "+00")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zone=st.sampled_from(ZONES), values=st.lists(instants, min_size=1, max_size=20))
def test_any_instant_prints_as_under_set_timezone(zone: str, values: list[str]) -> None:
    for text, json_text, mine, mine_json in server_renders(zone, values):
        assert (mine, mine_json) == (text, json_text)


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/St_Johns"])
@pytest.mark.parametrize(
    ("literal", "pg_type"),
    [
        (
            '\'{"2024-03-31 01:30:00+00",NULL,"0044-03-15 12:00:00+00 BC",infinity}\'',
            "timestamptz[]",
        ),
        ("'{}'", "timestamptz[]"),
        ('\'{{"2024-01-01 00:00:00+00"},{"2024-06-01 00:00:00+00"}}\'', "timestamptz[]"),
        ("'[2024-01-01 00:00:00+00,2024-06-01 00:00:00.25+00)'", "tstzrange"),
        ("'(,infinity]'", "tstzrange"),
        ("'[-infinity,2024-01-01 00:00:00+00]'", "tstzrange"),
        ("'empty'", "tstzrange"),
    ],
)
def test_arrays_and_ranges_print_as_under_set_timezone(
    zone: str, literal: str, pg_type: str
) -> None:
    value = f"{literal}::{pg_type}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL TimeZone TO 'UTC'")
        cursor.execute(
            f"SELECT {_zoned('x', pg_type, zone, json=False)}, "
            f"({_zoned('x', pg_type, zone, json=True)})::text FROM (SELECT {value} AS x) AS v"
        )
        mine = cursor.fetchone()
        cursor.execute(f"SET LOCAL TimeZone TO {quote_literal(zone)}")
        cursor.execute(f"SELECT x::text, to_json(x)::text FROM (SELECT {value} AS x) AS v")
        expected = cursor.fetchone()
    if "{{" in literal:
        # Multi-dimensional arrays keep the session's zone (a documented limitation): same shape.
        assert mine[0].count("{") == expected[0].count("{")
    else:
        assert mine == expected


def test_zone_offsets_lists_standard_and_daylight_time() -> None:
    assert set(zone_offsets("Europe/Paris")) == {3600, 7200}
    assert zone_offsets("UTC") == (0,)
    assert {-12600, -9000} <= set(zone_offsets("America/St_Johns"))


def test_json_rows_are_translated_to_one_line_only_when_a_column_could_break_them() -> None:
    """translate() is the server's biggest cost of JSON rows: only json nested in arrays,
    composites or domains (any type not known to print on one line) needs it."""
    from cursor_stream.render import ColumnSpec, render_query
    from cursor_stream.sql import Column

    def sql(*types: str) -> str:
        columns = [Column(f"c{i}", t) for i, t in enumerate(types)]
        specs = [ColumnSpec(c.name) for c in columns]
        return render_query("SELECT 1", columns, specs, rendering="json")

    assert "translate(" not in sql("int8", "text", "numeric", "jsonb", "json", "timestamptz")
    assert "translate(" not in sql("int4[]", "text[]", "tstzrange", "bool", "uuid")
    assert "translate(" in sql("int8", "json[]")
    assert "translate(" in sql("int8", "a_composite")
