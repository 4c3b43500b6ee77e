"""cursor_stream.exportfields: columns given as paths, labels or expressions, and their headers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Length, Upper
from django.utils import translation
from django.utils.translation import gettext_lazy

from catalog.models import Product
from cursor_stream.exceptions import InvalidArgument
from cursor_stream.exportfields import (
    ExportField,
    column_headers,
    export_fields,
    pretty_name,
    referenced_fields,
    verbose_label,
)

VAT = F("price") * Decimal("1.2")


def test_every_shorthand_stands_for_an_export_field() -> None:
    assert export_fields(
        [
            "sku",
            ("price", "Price (EUR)"),
            ["in_stock", "Available"],  # a list, as from JSON
            ("vat", VAT),
            ("vat_label", VAT, "Price incl. VAT"),
            ExportField("status", label="State"),
        ]
    ) == [
        ExportField("sku"),
        ExportField("price", label="Price (EUR)"),
        ExportField("in_stock", label="Available"),
        ExportField("vat", VAT),
        ExportField("vat_label", VAT, "Price incl. VAT"),
        ExportField("status", label="State"),
    ]
    assert ExportField("vat", VAT).computed and not ExportField("sku").computed


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("sku", "fields must be a list of field paths, not the string 'sku'."),
        ([], "fields must name at least one field."),
        (["sku", "sku"], "The column 'sku' is listed twice in fields; list each column once."),
        ([("sku",)], "Cannot export the column ('sku',): give a field path"),
        ([("sku", 3)], "Cannot export the column ('sku', 3): give a field path"),
        ([("a", VAT, "A", "extra")], "Cannot export the column"),
        ([""], "A column name must be a non-empty string, not ''."),
        ([("price with vat", VAT)], "The computed column name 'price with vat' must be an "
         "identifier without '__', such as price_with_vat."),
        ([("price__vat", VAT)], "must be an identifier without '__'"),
        ([("1st", VAT)], "must be an identifier"),
        ([("price", "")], "The label of the column 'price' is empty; give it some text."),
        ([("price", "  ")], "is empty"),
        ([("price", "Price\nEUR")], "holds a control character"),
        ([("price", "Price\x00")], "holds a control character"),
        ([("vat", VAT, 3)], "The label of the column 'vat' must be a string, not 3."),
    ],
)  # fmt: skip
def test_bad_entries_are_refused_saying_what_to_give(fields: Any, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        export_fields(fields)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("sku", "SKU"),  # verbose_name="SKU", kept as written
        ("product_name", "Product name"),
        ("category__name", "Category name"),
        ("pk", "Product id"),  # the primary key's verbose name
        ("category", "Category"),
        ("category_id", "Category id"),  # the foreign key's column, as the admin labels it
        ("category__pk", "Category ID"),
        ("attributes__color", "Attributes color"),  # JSON keys as written
        ("attributes__size_cm", "Attributes size_cm"),
        ("created_at__year", "Created at (year)"),
        ("created_at__date__year", "Created at (date__year)"),
        ("name_length", "Name length"),  # no field: an annotation's name
    ],
)
def test_verbose_labels_join_the_verbose_names_of_the_path(path: str, label: str) -> None:
    assert verbose_label(Product, path) == label


def test_names_that_are_no_field_read_as_the_admin_reads_them_keeping_capitals() -> None:
    assert pretty_name("price_with_vat") == "Price with vat"
    assert pretty_name("total_VAT") == "Total VAT"
    assert pretty_name("a__b") == "A b"
    assert pretty_name("_") == "_"


def test_headers_by_style_and_labels_winning_in_both() -> None:
    fields = export_fields(["category__name", ("price", "Price (EUR)"), ("price_with_vat", VAT)])
    names = [field.name for field in fields]
    assert column_headers(Product, names, fields, "names") == [
        "category__name",
        "Price (EUR)",
        "price_with_vat",
    ]
    assert column_headers(Product, names, fields, "verbose") == [
        "Category name",
        "Price (EUR)",
        "Price with vat",
    ]
    # Raw SQL has no model: its own names whatever the style.
    assert column_headers(None, ["a", "b_c"], None, "verbose") == ["a", "b_c"]


def test_lazy_labels_are_translated_per_export() -> None:
    # A message Django's own catalogues translate (NullBooleanSelect's "Yes").
    fields = export_fields([("in_stock", gettext_lazy("Yes"))])
    with translation.override("fr"):
        assert column_headers(Product, ["in_stock"], fields, "names") == ["Oui"]
    with translation.override("en"):
        assert column_headers(Product, ["in_stock"], fields, "names") == ["Yes"]


@pytest.mark.parametrize(
    ("names", "fields", "message"),
    [
        (["sku", "price"], [("sku", "Price"), "price"], "The columns 'sku' and 'price' would "
         "both be headed 'Price'; headers are also the JSON keys and must be unique. Give one of "
         "them a label of its own, e.g. ('price', 'Another header')."),
        # Two paths with the same verbose names.
        (["category", "category__pk"], None, None),
        (["id", "id"], None, "Two columns are named 'id'; headers are also the JSON keys and "
         "must be unique. Give the query's columns distinct names (SELECT ... AS other_name)."),
    ],
)  # fmt: skip
def test_duplicate_headers_are_refused(names: list[str], fields: Any, message: str | None) -> None:
    columns = export_fields(fields) if fields else None
    if message is None:  # "Category" and "Category ID" differ: fine
        column_headers(Product, names, columns, "verbose")
        return
    with pytest.raises(InvalidArgument) as info:
        column_headers(Product if fields else None, names, columns, "verbose")
    assert str(info.value) == message


def test_verbose_headers_that_collide_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="'product_name' and 'name_length' would both"):
        column_headers(
            Product,
            ["product_name", "name_length"],
            export_fields(["product_name", ("name_length", "Product name")]),
            "verbose",
        )


def test_fields_read_by_a_column_include_those_inside_expressions_and_subqueries() -> None:
    password = User._meta.get_field("password")
    users = User.objects.all()
    assert referenced_fields(users, ExportField("password")) == [password]
    assert referenced_fields(users, ExportField("shout", Upper("password"))) == [password]
    twin = Subquery(User.objects.filter(pk=OuterRef("pk")).values("password")[:1])
    assert password in referenced_fields(users, ExportField("twin", twin))
    annotated = users.annotate(size=Length("password"))
    assert referenced_fields(annotated, ExportField("size")) == [password]
    assert referenced_fields(users, ExportField("name", Upper("username"))) == [
        User._meta.get_field("username")
    ]


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (ExportField("x", F("prce") * 2), "The computed column 'x' cannot be built: Cannot "
         "resolve keyword 'prce' into field."),
        (ExportField("x", F("price") * 1.2), "Cannot infer type of '*' expression involving "
         "these types: DecimalField, FloatField. You must set output_field."),
        (ExportField("price", VAT), "The computed column 'price' has the name of a field of "
         "catalog.Product; name it differently, e.g. price_value."),
        (ExportField("category_id", VAT), "has the name of a field"),
    ],
)  # fmt: skip
def test_computed_columns_that_cannot_be_built_are_refused_before_any_sql(
    column: ExportField, message: str
) -> None:
    with pytest.raises(InvalidArgument) as info:
        referenced_fields(Product.objects.all(), column)
    assert message in str(info.value)


def test_a_computed_column_may_not_shadow_an_annotation() -> None:
    annotated = Product.objects.annotate(x=Length("sku"))
    with pytest.raises(InvalidArgument, match="has the name of an annotation of the QuerySet"):
        referenced_fields(annotated, ExportField("x", VAT))


def test_columns_describe_themselves_as_json_data() -> None:
    assert ExportField("sku").as_dict() == {"name": "sku", "label": None, "computed": False}
    assert ExportField("vat", VAT, gettext_lazy("VAT")).as_dict() == {
        "name": "vat",
        "label": "VAT",
        "computed": True,
    }
