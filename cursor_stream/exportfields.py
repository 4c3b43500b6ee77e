"""The columns of an export: field paths, computed columns, and the header each one gets.

``fields`` (``prepare_export()``, ``streaming_response()``) and a ModelAdmin's ``export_fields``
list columns, each given as one of::

    "category__name"                                   # a field path, or an annotation's name
    ("price", "Price (EUR)")                           # the same with its header label
    ("price_with_vat", F("price") * Decimal("1.2"))    # a computed column
    ("price_with_vat", F("price") * Decimal("1.2"), "Price incl. VAT")
    ExportField("price_with_vat", F("price") * Decimal("1.2"), label="Price incl. VAT")

A computed column is an annotation added for the export: the database computes it, so both
export engines (and ``COPY``) write it like any other column. Its expression is resolved, and
its type inferred, before the export starts (:func:`select_columns`).

Headers (``header_style``): ``"names"`` heads each column with its name (the field path as
typed: ``category__name``); ``"verbose"`` with the verbose names of the fields on the path,
joined as words (``Category name``, ``SKU``), JSON keys as written (``Attributes color``),
transforms in brackets (``Created at (year)``), and other names made readable as the admin
does (``price_with_vat``: ``Price with vat``). An explicit label always wins. The headers are
the header row of CSV, TSV and xlsx and the keys of JSON and JSON Lines alike, so they must be
unique (:func:`check_headers`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .exceptions import InvalidArgument
from .fields import LOOKUP_SEP, FieldPath, resolve_path

__all__ = [
    "HEADER_STYLES",
    "ExportField",
    "check_headers",
    "column_headers",
    "export_fields",
    "header_for",
    "referenced_fields",
    "select_columns",
    "verbose_label",
]

HEADER_STYLES = ("names", "verbose")

#: The name of a computed column: an identifier (any script), without the lookup separator.
COMPUTED_NAME = re.compile(r"[^\W\d]\w*")

#: What a column can be given as (see the module docstring).
FieldSpec = Any


def _is_expression(value: Any) -> bool:
    # What QuerySet.annotate() takes: expressions, F(), Q(), and QuerySets (as subqueries).
    return hasattr(value, "resolve_expression") and not isinstance(value, str)


def _is_label(value: Any) -> bool:
    from django.utils.functional import Promise

    # Lazy translations (gettext_lazy) are labels too: turned into text per export, in the
    # language active then.
    return isinstance(value, (str, Promise))


@dataclass(frozen=True)
class ExportField:
    """One column of an export: a field path or annotation name, or a computed expression.

    ``name`` is the column's name (its header in the ``names`` style); ``expression``, when
    given, is computed by the database under that name; ``label`` is the header whatever the
    style.
    """

    name: str
    expression: Any = None
    label: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidArgument(f"A column name must be a non-empty string, not {self.name!r}.")
        if self.expression is not None:
            if not _is_expression(self.expression):
                raise InvalidArgument(
                    f"The column {self.name!r} has {self.expression!r} as its expression; give "
                    "a query expression such as F('price') * 2 (or a label as a string)."
                )
            if not COMPUTED_NAME.fullmatch(self.name) or LOOKUP_SEP in self.name:
                raise InvalidArgument(
                    f"The computed column name {self.name!r} must be an identifier without "
                    "'__', such as price_with_vat."
                )
        if self.label is not None:
            if not _is_label(self.label):
                raise InvalidArgument(
                    f"The label of the column {self.name!r} must be a string, not {self.label!r}."
                )
            check_label(self.name, str(self.label))

    @property
    def computed(self) -> bool:
        """Return whether the database computes this column from :attr:`expression`."""
        return self.expression is not None

    @classmethod
    def of(cls, entry: FieldSpec) -> ExportField:
        """Return the column an entry of ``fields`` stands for (see the module docstring)."""
        if isinstance(entry, ExportField):
            return entry
        if isinstance(entry, str):
            return cls(entry)
        if isinstance(entry, (tuple, list)) and len(entry) == 2 and _is_label(entry[1]):
            return cls(entry[0], label=entry[1])
        if isinstance(entry, (tuple, list)) and len(entry) in (2, 3) and _is_expression(entry[1]):
            return cls(*entry)
        raise InvalidArgument(
            f"Cannot export the column {entry!r}: give a field path ('category__name'), "
            "(path, 'Label'), (name, expression) or (name, expression, 'Label')."
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the column as JSON data: its name, its label, and whether it is computed.

        An expression has no JSON form: a computed column is rebuilt from where it is declared
        (a ModelAdmin's ``export_fields``), by its name.
        """
        label = None if self.label is None else str(self.label)
        return {"name": self.name, "label": label, "computed": self.computed}


def check_label(name: str, label: str) -> None:
    """Refuse a header label that is empty or not printable text on one line."""
    if not label.strip():
        raise InvalidArgument(f"The label of the column {name!r} is empty; give it some text.")
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in label):
        raise InvalidArgument(
            f"The label {label!r} of the column {name!r} holds a control character (a line "
            "break, a tab, NUL); a header is printable text on one line."
        )


def export_fields(entries: Sequence[FieldSpec]) -> list[ExportField]:
    """Return the columns ``entries`` stand for; raise :class:`InvalidArgument` for a bad one."""
    if isinstance(entries, (str, bytes)):
        raise InvalidArgument(f"fields must be a list of field paths, not the string {entries!r}.")
    columns = [ExportField.of(entry) for entry in entries]
    if not columns:
        raise InvalidArgument("fields must name at least one field.")
    seen: set[str] = set()
    for column in columns:
        if column.name in seen:
            raise InvalidArgument(
                f"The column {column.name!r} is listed twice in fields; list each column once."
            )
        seen.add(column.name)
    return columns


# --------------------------------------------------------------------------------------------
# Headers


def pretty_name(name: str) -> str:
    """Return a name that is no field as words, first letter up (``Price with vat``).

    As the admin labels such names (``django.forms.utils.pretty_name``), without lowering the
    rest (``total_VAT``: ``Total VAT``) and with ``__`` as one space.
    """
    from django.utils.text import capfirst

    return str(capfirst(" ".join(word for word in name.split("_") if word))) or name


def verbose_label(model: Any, path: str) -> str:
    """Return the readable header of a field path: verbose names joined as words.

    ``category__name``: ``Category name``; ``sku`` (``verbose_name="SKU"``): ``SKU``; a
    foreign key's column (``category_id``) as the admin labels it, ``Category id``; JSON keys
    as written (``Attributes color``); transforms in brackets (``Created at (year)``). A name
    that is no field path (an annotation) is made readable as the admin does.
    """
    from django.utils.text import capfirst

    try:
        resolved = resolve_path(model, path)
    except InvalidArgument:
        return pretty_name(path)
    words = [
        part.replace("_", " ")
        if part == getattr(field, "attname", None) != field.name
        # The primary key and plain fields by their verbose names (lazy translations included).
        else str(field.verbose_name)
        for part, field in zip(path.split(LOOKUP_SEP), resolved.chain, strict=False)
    ]
    label = str(capfirst(" ".join([*words, *resolved.keys])))
    if resolved.transforms:
        label += f" ({LOOKUP_SEP.join(resolved.transforms)})"
    return label


def header_for(model: Any, column: ExportField | str, style: str) -> str:
    """Return the header of ``column`` (a column, or a plain column's name) in ``style``."""
    if isinstance(column, str):
        column = ExportField(column)
    if column.label is not None:
        return str(column.label)
    if style != "verbose" or model is None:
        return column.name
    if column.computed:
        return pretty_name(column.name)
    return verbose_label(model, column.name)


def column_headers(
    model: Any,
    names: Sequence[str],
    fields: Sequence[ExportField] | None,
    style: str,
) -> list[str]:
    """Return the unique header of each column named ``names`` (raw SQL: ``model`` None).

    ``fields``: the declared columns (labels, computed ones); names not among them (a
    QuerySet's default columns, raw SQL's) are plain columns.
    """
    declared = {field.name: field for field in fields or ()}
    headers = [header_for(model, declared.get(name, name), style) for name in names]
    check_headers(names, headers)
    return headers


def check_headers(names: Sequence[str], headers: Sequence[str]) -> None:
    """Refuse two columns with the same header: JSON would keep one, a CSV reader mix them up."""
    seen: dict[str, int] = {}
    for index, (name, header) in enumerate(zip(names, headers, strict=True)):
        first = seen.setdefault(header, index)
        if first == index:
            continue
        other = names[first]
        if other == name:  # raw SQL: the query's own column names
            raise InvalidArgument(
                f"Two columns are named {name!r}; headers are also the JSON keys and must be "
                "unique. Give the query's columns distinct names (SELECT ... AS other_name)."
            )
        raise InvalidArgument(
            f"The columns {other!r} and {name!r} would both be headed {header!r}; headers "
            "are also the JSON keys and must be unique. Give one of them a label of its own, "
            f"e.g. ({name!r}, 'Another header')."
        )


# --------------------------------------------------------------------------------------------
# Columns selected from a QuerySet


def _annotation(queryset: Any, column: ExportField) -> Any:
    """Return ``queryset`` with the computed ``column`` added, its expression resolved."""
    from django.core.exceptions import FieldError

    model = queryset.model
    taken = {f.name for f in model._meta.get_fields()} | {
        f.attname for f in model._meta.concrete_fields
    }
    if column.name in taken or column.name == "pk":
        raise InvalidArgument(
            f"The computed column {column.name!r} has the name of a field of "
            f"{model._meta.label}; name it differently, e.g. {column.name}_value."
        )
    if column.name in queryset.query.annotations:
        raise InvalidArgument(
            f"The computed column {column.name!r} has the name of an annotation of the "
            "QuerySet; name it differently, or list the annotation by its name alone."
        )
    try:
        annotated = queryset.annotate(**{column.name: column.expression})
        # The type of the result decides how it is rendered: infer it now (mixed types, e.g.
        # DecimalField * FloatField, need an explicit output_field).
        annotated.query.annotations[column.name].output_field  # noqa: B018
    except (FieldError, ValueError, TypeError) as exc:
        raise InvalidArgument(
            f"The computed column {column.name!r} cannot be built: {' '.join(str(exc).split())}"
        ) from None
    return annotated


def _path(queryset: Any, column: ExportField) -> FieldPath | None:
    """Return the field path ``column`` names; None for an annotation of the QuerySet."""
    if column.name in queryset.query.annotations:
        return None
    return resolve_path(queryset.model, column.name)


def select_columns(
    queryset: Any, fields: Sequence[ExportField], *, json_text: bool
) -> tuple[Any, list[Any]]:
    """Return a ``values_list()`` of ``fields`` and the model field behind each column.

    The model field is None where the column holds no field's own values (computed columns,
    annotations, transforms). ``json_text``: JSON key paths give the key's text (``blue``, as
    PostgreSQL's ``->>``) rather than its JSON (``"blue"``), for the text formats.
    """
    from django.db.models.fields.json import KT

    model_fields: list[Any] = []
    keys: dict[str, Any] = {}
    for column in fields:
        if column.computed:
            queryset = _annotation(queryset, column)
            model_fields.append(None)
            continue
        path = _path(queryset, column)
        if path is not None and path.keys and json_text:
            keys[column.name] = KT(column.name)
        model_fields.append(path.field if path is not None and not path.transforms else None)
    if keys:
        queryset = queryset.annotate(**keys)
    return queryset.values_list(*[column.name for column in fields]), model_fields


def referenced_fields(queryset: Any, column: ExportField) -> list[Any]:
    """Return the model fields whose values ``column`` exports or computes from.

    A field path: its last field. A computed column or an annotation: every column its resolved
    expression reads, subqueries included, so that a sensitive field cannot be exported through
    an expression either.
    """
    if column.computed:
        queryset = _annotation(queryset, column)
    elif column.name not in queryset.query.annotations:
        return [resolve_path(queryset.model, column.name).field]
    return list(_columns_read(queryset.query.annotations[column.name]))


def _columns_read(expression: Any) -> Iterator[Any]:
    from django.db.models.expressions import Col
    from django.db.models.sql.query import Query

    if isinstance(expression, Col):
        yield expression.target
        return
    if isinstance(expression, Query):  # a subquery (Subquery, Exists, a QuerySet)
        for selected in [*expression.select, *expression.annotation_select.values()]:
            yield from _columns_read(selected)
        return
    for source in expression.get_source_expressions():
        if source is not None:
            yield from _columns_read(source)
