"""cursor_stream.fields: field paths (pk, relations, JSON keys), orderings and filters."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.models import Category, Product
from cursor_stream.exceptions import InvalidArgument
from cursor_stream.fields import (
    json_key_paths,
    parse_filter,
    resolve_path,
    validate_fields,
    validate_order_by,
)


def test_pk_is_the_primary_key_at_any_step() -> None:
    assert resolve_path(Product, "pk").field is Product._meta.pk
    assert resolve_path(Product, "category__pk").field is Category._meta.pk
    assert validate_order_by(Product, ["-pk", "category__pk"]) == ["-pk", "category__pk"]
    assert parse_filter(Product, "pk__lt=3") == ("pk__lt", "3")
    assert parse_filter(Product, "category__pk__in=1,2") == ("category__pk__in", ["1", "2"])


def test_names_after_a_json_field_are_keys() -> None:
    path = resolve_path(Product, "attributes__sizes__0")
    assert path.field is Product._meta.get_field("attributes")
    assert path.keys == ("sizes", "0")
    assert resolve_path(Product, "attributes").keys == ()
    assert json_key_paths(Product, ["pk", "attributes", "attributes__color"]) == [
        "attributes__color"
    ]
    assert validate_order_by(Product, ["-attributes__color"]) == ["-attributes__color"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attributes__color=blue", ("attributes__color", "blue")),
        ("attributes__weight_g__gte=1000", ("attributes__weight_g__gte", 1000)),
        ("attributes__fragile=true", ("attributes__fragile", True)),
        ("attributes__color=null", ("attributes__color", None)),
        ('attributes__code="3"', ("attributes__code", "3")),
        ("attributes__code__in=3,x", ("attributes__code__in", [3, "x"])),
        ("attributes__color__icontains=3", ("attributes__color__icontains", "3")),
        ("attributes__color__isnull=false", ("attributes__color__isnull", False)),
        ('attributes__tags__contains=["t1"]', ("attributes__tags__contains", ["t1"])),
        ("attributes__sizes__0__lt=4", ("attributes__sizes__0__lt", 4)),
        ("attributes__has_key=color", ("attributes__has_key", "color")),
        ("attributes__has_keys=a,b", ("attributes__has_keys", ["a", "b"])),
        ('attributes={"a": 1}', ("attributes", {"a": 1})),
        # As Django reads it: a name that is no lookup of the value before it is one more key.
        ("attributes__color__year=1", ("attributes__color__year", 1)),
    ],
)
def test_json_filters_read_comparison_values_as_json(expression: str, expected: Any) -> None:
    assert parse_filter(Product, expression) == expected


@pytest.mark.parametrize(
    "name",
    [
        "attributes__x') OR 1=1--",  # CVE-2024-42005-style alias breakout
        'attributes__a"b',
        "attributes__a'b",
        "attributes__a b",
        "attributes__a;b",
        "attributes__a-b",
        "attributes__a\x00b",
        "attributes__a\nb",
        "attributes__a\x1fb",
        "attributes__",
        "attributes____b",
        "attributes__a/*b*/",
    ],
)
def test_json_keys_other_than_letters_digits_and_underscores_are_refused(name: str) -> None:
    for check in (
        lambda: validate_fields(Product, [name]),
        lambda: validate_order_by(Product, ["-" + name]),
        lambda: parse_filter(Product, f"{name}=1"),
    ):
        with pytest.raises(InvalidArgument, match="JSON key"):
            check()


def test_other_paths_are_still_refused() -> None:
    for name, message in [
        ("price__color", "not a relation"),
        ("category__nope", "has no field 'nope'"),
        ("category__products", "many-valued"),
        ("pk__x", "not a relation"),
    ]:
        with pytest.raises(InvalidArgument, match=message):
            validate_fields(Product, [name])
    with pytest.raises(InvalidArgument, match="'bogus' is not a lookup"):
        parse_filter(Product, "price__bogus=1")


def test_names_after_other_fields_are_transforms_registered_on_them() -> None:
    year = resolve_path(Product, "created_at__year")
    assert year.field is Product._meta.get_field("created_at")
    assert (year.transforms, year.keys) == (("year",), ())
    # A transform of what the one before gives: a date's year.
    assert resolve_path(Product, "created_at__date__year").transforms == ("date", "year")
    assert resolve_path(Product, "category__name").chain == (
        Product._meta.get_field("category"),
        Category._meta.get_field("name"),
    )
    assert validate_order_by(Product, ["-created_at__year"]) == ["-created_at__year"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        # Lookups are no columns, and a year has no date.
        ("created_at__gte", "'gte' is not a transform of DateTimeField (its transforms are: date, "
         "day, hour, iso_week_day, iso_year, minute, month, quarter, second, time, week, "
         "week_day, year)"),
        ("created_at__year__date", "'date' is not a transform of IntegerField (it has none)"),
        ("price__lower", "'lower' is not a transform of DecimalField"),
    ],
)  # fmt: skip
def test_unknown_transforms_are_refused_with_the_ones_there_are(path: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        resolve_path(Product, path)
    assert message in str(info.value)


def exact(path: str) -> str:
    """Return the filter keyword comparing ``path`` with exact.

    A last key named like a lookup (isnull, contains) would be read as that lookup, so the
    lookup is spelled out, except after a key ending in _ (x___exact would split as x, _exact).
    """
    return path if path.endswith("_") else f"{path}__exact"


def compiled(path: str) -> tuple[str, tuple[Any, ...]]:
    queryset = Product.objects.filter(**{exact(path): "v"}).values_list(path).order_by(path)
    sql, params = queryset.query.sql_with_params()
    return re.sub(r'"[^"]*"', '""', sql), params  # identifiers (the alias) blanked


@settings(max_examples=300, deadline=None)
@given(key=st.text(min_size=1, max_size=8))
def test_json_keys_reach_sql_only_as_parameters_and_in_a_quoted_alias(key: str) -> None:
    """A key is accepted if it is letters, digits and underscores (\\w+); the SQL is then the
    same as for any other key with the same number of parts: keys are parameters only, apart
    from the quoted column alias that values() makes of the path."""
    path = f"attributes__{key}"
    keys = key.split("__")
    try:
        validate_fields(Product, [path])
        parse_filter(Product, f"{exact(path)}=v")
        validate_order_by(Product, [path])
    except InvalidArgument:
        assert not all(re.fullmatch(r"\w+", k) for k in keys)
        return
    assert all(re.fullmatch(r"\w+", k) for k in keys)
    sql, params = compiled(path)
    canonical = "__".join(f"k{i}" for i in range(len(keys)))
    assert sql == compiled(f"attributes__{canonical}")[0]
    expected = keys if len(keys) > 1 else key
    with contextlib.suppress(ValueError):  # as KeyTransform: an integer key is an array index
        expected = int(key) if len(keys) == 1 else expected
    assert list(params[:-1]) == [expected, expected]  # the selected value and the filter's
