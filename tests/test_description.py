"""The JSON export description and its one preparing function."""

from __future__ import annotations

import json

import pytest

from cursor_stream.description import (
    AdminSource,
    ExportDescription,
    prepare_description,
)
from cursor_stream.exceptions import InvalidArgument
from cursor_stream.export import ExportOptions


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
