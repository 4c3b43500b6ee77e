"""The JSON export description and its one preparing function."""

from __future__ import annotations

import json

import pytest
from django.db.models import F

from catalog.models import Category, Product
from cursor_stream.description import (
    AdminSource,
    ExportDescription,
    StoredField,
    prepare_description,
)
from cursor_stream.exceptions import InvalidArgument
from cursor_stream.export import ExportOptions, prepare_export


def test_round_trips_through_json() -> None:
    description = ExportDescription(
        model="catalog.Product",
        fields=("product_id", "category__name"),
        filters=("price__gte=10",),
        excludes=("status=draft",),
        order_by=("-price", "product_id"),
        database="default",
        options=ExportOptions(format="jsonl", timezone="UTC", limit=5),
        gzip=True,
        user="7",
        admin=AdminSource(site="admin", query="q=x", selected=("1", "2")),
    )
    stored = json.loads(json.dumps(description.to_json()))
    assert ExportDescription.from_json(stored) == description
    assert description.label == "catalog.Product as jsonl.gz"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"model": "catalog.Product", "code": "x"}, r"Unknown keys in an export description"),
        ({"model": "catalog.Product", "options": {"evil": 1}}, "Bad export options"),
        ({"model": "catalog.Product", "filters": "price=1"}, "filters must be a list"),
        ({"model": "catalog.Product", "version": 99}, "Unknown export description version"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_bad_stored_descriptions_are_refused(data: object, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        ExportDescription.from_json(data)  # type: ignore[arg-type]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("description", "message"),
    [
        (ExportDescription(model="catalog.Nope"), "Unknown model 'catalog.Nope'"),
        (ExportDescription(model="catalog.Product", fields=("prce",)), "Unknown field 'prce'"),
        (
            ExportDescription(model="catalog.Product", filters=("price__gte=abc",)),
            "Invalid filter value",
        ),
        (ExportDescription(sql="SELECT 1", fields=("a",)), "need a model"),
        (ExportDescription(), "needs a model"),
    ],
)
def test_prepare_refuses_bad_descriptions(description: ExportDescription, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        prepare_description(description)


@pytest.mark.django_db
def test_prepare_builds_the_queryset_asked_for() -> None:
    prepared = prepare_description(
        ExportDescription(
            model="catalog.Product",
            fields=("sku", "category__name"),
            filters=("price__gte=10",),
            order_by=("-price",),
        )
    )
    assert prepared.columns == ("sku", "category__name")
    assert '"product"."price" >= $1' in prepared.compiled.sql
    assert "ORDER BY" in prepared.compiled.sql and "DESC" in prepared.compiled.sql


def test_columns_are_stored_with_their_labels_and_version_1_still_reads() -> None:
    description = ExportDescription(
        model="catalog.Product",
        fields=("pk", ("price", "Price (EUR)"), StoredField("attributes__color")),
        options=ExportOptions(format="pgtext", header_style="verbose"),
    )
    stored = json.loads(json.dumps(description.to_json()))
    assert stored["version"] == 2
    assert stored["fields"] == [
        {"name": "pk", "label": None, "computed": False},
        {"name": "price", "label": "Price (EUR)", "computed": False},
        {"name": "attributes__color", "label": None, "computed": False},
    ]
    assert stored["options"]["header_style"] == "verbose"
    assert ExportDescription.from_json(stored) == description
    # Jobs queued before labels existed stored plain paths.
    old = {"model": "catalog.Product", "fields": ["pk", "sku"], "version": 1}
    assert ExportDescription.from_json(old).fields == (StoredField("pk"), StoredField("sku"))


@pytest.mark.django_db
def test_a_computed_column_cannot_be_stored_outside_an_admin() -> None:
    description = ExportDescription(
        model="catalog.Product", fields=("sku", ("double", F("price") * 2, "Double"))
    )
    assert description.fields is not None
    assert description.fields[1] == StoredField("double", "Double", computed=True)
    with pytest.raises(InvalidArgument, match=r"^The column 'double' is computed by an expr"):
        prepare_description(description)


@pytest.mark.django_db
def test_prepare_takes_main_paths_labels_header_style_and_order() -> None:
    prepared = prepare_description(
        ExportDescription(
            model="catalog.Product",
            fields=("pk", "category__name", ("attributes__color", "Colour"), "created_at__year"),
            filters=("attributes__color=blue", "pk__lt=500"),
            order_by=("-price", "pk"),
            options=ExportOptions(format="pgtext", header_style="verbose"),
        )
    )
    assert prepared.format.name == "pgtext"
    assert prepared.columns == ("Product id", "Category name", "Colour", "Created at (year)")
    assert prepared.compiled.sql.endswith('ORDER BY "product"."price" DESC, 1 ASC')


@pytest.mark.django_db
def test_prepare_leaves_the_default_order_to_prepare_export() -> None:
    # Category has Meta.ordering = ["name"]; a model without one is exported in key order.
    category = prepare_description(ExportDescription(model="catalog.Category"))
    product = prepare_description(ExportDescription(model="catalog.Product"))
    assert category.compiled == prepare_export(Category.objects.all()).compiled
    assert "ORDER BY" in category.compiled.sql
    assert product.compiled == prepare_export(Product.objects.order_by("pk")).compiled


@pytest.mark.parametrize(
    ("sql", "params", "message"),
    [
        ("DELETE FROM product", [], r"^--sql must be a query returning rows"),
        ("SELECT %s AS a, %s AS b", ["1"], r"^The SQL has 2 placeholders, 1 --param value;"),
    ],
)
def test_sql_is_checked_before_anything_runs(sql: str, params: list[str], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        prepare_description(ExportDescription(sql=sql, params=tuple(params)))
