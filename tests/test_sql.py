"""Placeholder rewriting and parameter adaptation (pure: no database)."""

from __future__ import annotations

import datetime
import decimal
import functools
import ipaddress
import json
import uuid

import asyncpg
import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db.backends.postgresql.psycopg_any import DateRange, Jsonb, NumericRange, is_psycopg3

from cursor_stream.exceptions import CompileError
from cursor_stream.params import Param, adapt_param
from cursor_stream.sql import IN_LIST_AS_ARRAY, MAX_PARAMS, rewrite_placeholders


def test_positional_placeholders_become_numbered_with_psycopg_literal_types():
    sql, params = rewrite_placeholders("SELECT %s, %s, %s WHERE x = %s", [5, "a", None, 2**40])
    assert sql == "SELECT $1::int4, $2, $3 WHERE x = $4::int8"
    assert params == (5, "a", None, 2**40)


@pytest.mark.parametrize(
    ("value", "cast"),
    [
        (True, "::bool"),
        (1.5, "::numeric"),
        (decimal.Decimal("1.10"), "::numeric"),
        (datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), "::timestamptz"),
        (datetime.datetime(2020, 1, 1), "::timestamp"),
        (datetime.date(2020, 1, 1), "::date"),
        (datetime.time(1, 2), "::time"),
        (datetime.timedelta(seconds=3), "::interval"),
        (uuid.UUID(int=1), "::uuid"),
        (b"\x00", "::bytea"),
        (10**30, "::numeric"),
    ],
)
def test_each_python_type_gets_the_cast_psycopg_would_give_its_literal(value, cast):
    sql, params = rewrite_placeholders("SELECT %s", [value])
    assert sql == f"SELECT $1{cast}"
    assert params == (value,)


def test_double_percent_becomes_one_percent_everywhere_like_psycopg():
    sql, _ = rewrite_placeholders("SELECT 'a%%b', x %% 2 FROM t WHERE y LIKE '%%' || %s", ["z"])
    assert sql == "SELECT 'a%b', x % 2 FROM t WHERE y LIKE '%' || $1"


def test_placeholders_inside_literals_identifiers_and_comments_are_left_alone():
    sql, params = rewrite_placeholders(
        "SELECT '%s', E'it\\'s %s', \"col%s\", $$ %s $$, $tag$ %s $tag$ -- %s\n"
        ", /* %s /* nested %s */ */ %s",
        [1],
    )
    assert sql == (
        "SELECT '%s', E'it\\'s %s', \"col%s\", $$ %s $$, $tag$ %s $tag$ -- %s\n"
        ", /* %s /* nested %s */ */ $1::int4"
    )
    assert params == (1,)


def test_quotes_doubled_inside_literals_do_not_end_them():
    sql, _ = rewrite_placeholders("SELECT 'it''s %s', %s", ["x"])
    assert sql == "SELECT 'it''s %s', $1"


def test_named_placeholders_reuse_one_parameter():
    sql, params = rewrite_placeholders(
        "SELECT %(a)s, %(b)s, %(a)s", {"a": 1, "b": "x", "unused": 3}
    )
    assert sql == "SELECT $1::int4, $2, $1::int4"
    assert params == (1, "x")


def test_no_params_means_sql_is_sent_untouched():
    assert rewrite_placeholders("SELECT 'a%%', %s", None) == ("SELECT 'a%%', %s", ())


def test_native_dollar_placeholders_pass_through():
    sql, params = rewrite_placeholders("SELECT $1::int + $2::int", [1, 2])
    assert sql == "SELECT $1::int + $2::int"
    assert params == (1, 2)


def test_too_few_or_too_many_parameters_is_a_compile_error():
    with pytest.raises(CompileError, match="more %s placeholders"):
        rewrite_placeholders("SELECT %s, %s", [1])
    with pytest.raises(CompileError, match="1 %s placeholders but 2"):
        rewrite_placeholders("SELECT %s", [1, 2])
    with pytest.raises(CompileError, match="was not given"):
        rewrite_placeholders("SELECT %(a)s", {"b": 1})


def test_long_in_list_becomes_one_array_parameter():
    values = list(range(IN_LIST_AS_ARRAY + 5))
    placeholders = ", ".join(["%s"] * len(values))
    sql, params = rewrite_placeholders(
        f"SELECT 1 FROM t WHERE a IN ({placeholders}) AND b NOT IN ({placeholders}) AND c = %s",
        [*values, *values, "z"],
    )
    assert sql == "SELECT 1 FROM t WHERE a = ANY($1::int8[]) AND b <> ALL($2::int8[]) AND c = $3"
    assert params == (values, values, "z")


def test_short_in_list_is_kept():
    sql, params = rewrite_placeholders("SELECT 1 WHERE a IN (%s, %s)", ["x", "y"])
    assert sql == "SELECT 1 WHERE a IN ($1, $2)"
    assert params == ("x", "y")


def test_more_parameters_than_the_protocol_allows_is_a_clear_error():
    values = [f"v{i}" for i in range(MAX_PARAMS + 1)]
    sql = "SELECT " + ", ".join(["%s"] * len(values))
    with pytest.raises(CompileError, match="at most 32767"):
        rewrite_placeholders(sql, values)


def test_psycopg_json_wrappers_are_sent_as_json_text():
    sql, params = rewrite_placeholders("SELECT %s", [Jsonb({"a": [1, "é"]})])
    assert sql == "SELECT $1::jsonb"
    assert params == ('{"a": [1, "\\u00e9"]}',)


def test_adapt_param_types_values_as_psycopg_types_their_literals():
    assert adapt_param(5) == Param(5, "::int4")
    assert adapt_param("x") == Param("x")
    assert adapt_param(1.5) == Param(decimal.Decimal("1.5"), "::numeric")
    assert adapt_param(float("inf")) == Param(float("inf"), "::float8")
    # psycopg 3 writes '{1,2}'::int2[], psycopg2 ARRAY[1,2] (int4).
    assert adapt_param((1, 2)) == Param([1, 2], "::int2[]" if is_psycopg3 else "::int4[]")
    assert adapt_param([1, 2**40]) == Param([1, 2**40], "::int8[]")
    # psycopg 3 leaves '{a,NULL}' untyped; psycopg2's ARRAY['a', NULL] is text[].
    assert adapt_param(["a", None]) == Param(["a", None], "" if is_psycopg3 else "::text[]")
    assert adapt_param([1.5]) == Param([1.5], "::float8[]" if is_psycopg3 else "::numeric[]")
    assert adapt_param([[1], [None]]) == Param(
        [[1], [None]], "::int2[]" if is_psycopg3 else "::int4[]"
    )
    assert adapt_param(ipaddress.ip_address("10.0.0.1")) == Param("10.0.0.1", "::inet")
    assert adapt_param(ipaddress.ip_network("10.0.0.0/8")) == Param("10.0.0.0/8", "::cidr")
    assert adapt_param(memoryview(b"ab")) == Param(b"ab", "::bytea")


def test_json_wrappers_use_their_own_dumps_on_either_driver():
    # Django's JSONField passes its encoder as dumps; psycopg_any.Jsonb is the driver's class.
    dumps = functools.partial(json.dumps, cls=DjangoJSONEncoder)
    sql, params = rewrite_placeholders("SELECT %s", [Jsonb(decimal.Decimal("1.50"), dumps=dumps)])
    assert sql == "SELECT $1::jsonb"
    assert params == ('"1.50"',)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (NumericRange(1, 5), asyncpg.Range(1, 5)),
        (NumericRange(1, 5, "[]"), asyncpg.Range(1, 5, upper_inc=True)),
        (
            DateRange(None, datetime.date(2024, 1, 1)),
            asyncpg.Range(None, datetime.date(2024, 1, 1)),
        ),
        (NumericRange(empty=True), asyncpg.Range(empty=True)),
    ],
)
def test_driver_ranges_become_asyncpg_ranges(value, expected):
    assert adapt_param(value).value == expected


def test_psycopg_text_and_binary_placeholders_are_placeholders():
    sql, params = rewrite_placeholders("SELECT %t, %b, %(x)t, %(x)b", {"x": 1})
    assert (sql, params) == ("SELECT %t, %b, $1::int4, $1::int4", (1,))
    sql, params = rewrite_placeholders("SELECT %t, %b, '%t'", ["a", 2])
    assert (sql, params) == ("SELECT $1, $2::int4, '%t'", ("a", 2))
