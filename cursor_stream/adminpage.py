"""The admin export page: its form, and what it says about the rows it will export.

:class:`ExportForm` offers the formats and the columns the ``ModelAdmin`` allows and validates
a POST against exactly those. :func:`describe_changelist` labels the changelist's search,
filters and date drill-down the way the admin's own sidebar does ("By category: Books"), and
:func:`about_rows` turns the planner's estimate into words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, label_for_field
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.http import QueryDict
from django.utils.dates import MONTHS
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from .exportfields import verbose_label

__all__ = ["COLUMNS_SHOWN", "ExportForm", "about_rows", "column_label", "describe_changelist"]

#: Hidden input of the export page: the column checkboxes were shown, so none ticked is an error
#: (a POST without it, from a script, exports every offered column).
COLUMNS_SHOWN = "_columns_shown"


class ExportForm(forms.Form):
    """A format and a subset of the columns, each among those the admin offers."""

    format = forms.ChoiceField(
        label="Format",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a format.",
            "invalid_choice": "The export format %(value)r is not offered here.",
        },
    )
    columns = forms.MultipleChoiceField(
        label="Columns",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={
            "invalid_choice": "%(value)r is not a column this page exports; tick the columns "
            "listed.",
        },
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        formats: Sequence[tuple[str, str]],
        columns: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        names = [name for name, _label in columns]
        if data is not None and COLUMNS_SHOWN not in data and "columns" not in data:
            data = _with_list(data, "columns", names)
        initial = {"format": formats[0][0] if formats else None, "columns": names}
        super().__init__(data, initial=initial, **kwargs)
        self.fields["format"].choices = list(formats)
        self.fields["columns"].choices = list(columns)

    def clean_columns(self) -> list[str]:
        """Return the ticked columns in the declared order, whatever order they were sent in."""
        chosen = set(self.cleaned_data["columns"])
        if not chosen:
            raise forms.ValidationError("Tick at least one column to export.")
        return [name for name, _label in self.fields["columns"].choices if name in chosen]


def _with_list(data: Mapping[str, Any], key: str, values: list[str]) -> Mapping[str, Any]:
    if isinstance(data, QueryDict):
        mutable = data.copy()
        mutable.setlist(key, values)
        result: Mapping[str, Any] = mutable
        return result
    return {**data, key: values}


def column_label(model: Any, path: str) -> str:
    """Return a field path's label, as the verbose header of its column (``Category name``)."""
    return verbose_label(model, path)


def about_rows(count: int) -> str:
    """Return the planner's estimate in words, to three significant digits ("about 12,300 rows")."""
    digits = len(str(abs(count)))
    rounded = round(count, -(digits - 3)) if digits > 3 else count
    text: str = ngettext("about %(count)s row", "about %(count)s rows", rounded)
    return text % {"count": f"{rounded:,}"}


def describe_changelist(cl: ChangeList) -> list[str]:
    """Return the changelist's search, filters, date drill-down and sort order, labelled.

    Filters read as the sidebar shows them: the filter's title and the chosen choice's text
    ("By status: Active"); lookups that no filter claims (a link to ``?category__id__exact=3``)
    by their fields' verbose names. Facet counts are never computed here.
    """
    lines: list[str] = []
    if cl.query:
        lines.append(gettext("Search: '%(query)s'") % {"query": cl.query})
    claimed: set[str] = set()
    cl.add_facets = False  # a choice's facet would COUNT(*) the table
    for spec in cl.filter_specs:
        claimed.update(spec.expected_parameters() or ())
        if not spec.used_parameters:
            continue
        chosen = [str(choice["display"]) for choice in spec.choices(cl) if choice.get("selected")]
        if not chosen:  # a value none of the choices offers: show it as given
            chosen = [str(value) for value in _flat(spec.used_parameters.values())]
        # Django's own msgid (admin/filter.html), so the sidebar's translation applies.
        title = gettext(" By %(filter_title)s ") % {"filter_title": spec.title}
        lines.append(f"{title.strip()}: {', '.join(chosen)}")
    if cl.date_hierarchy:
        lines.extend(_date_drilldown(cl, claimed))
    for key, values in cl.get_filters_params().items():
        if key not in claimed:
            lines.append(f"{_lookup_label(cl.model, key)}: {', '.join(values)}")
    if ORDER_VAR in cl.params:
        lines.extend(_ordering(cl))
    return lines


def _flat(values: Any) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, (list, tuple)) else [value])
    return flat


def _date_drilldown(cl: ChangeList, claimed: set[str]) -> list[str]:
    path = cl.date_hierarchy
    keys = [f"{path}__{part}" for part in ("year", "month", "day")]
    claimed.update(keys)
    year, month, day = (cl.params.get(key) for key in keys)
    if year is None:
        return []
    # The changelist already refused values that make no date (IncorrectLookupParameters).
    parts = [str(year)]
    if month is not None:
        parts.append(str(capfirst(MONTHS[int(month)])))
        if day is not None:
            parts.append(str(int(day)))
    return [f"{column_label(cl.model, path)}: {' / '.join(parts)}"]


def _lookup_label(model: Any, key: str) -> str:
    parts = key.split(LOOKUP_SEP)
    for cut in range(len(parts), 0, -1):
        path = LOOKUP_SEP.join(parts[:cut])
        try:
            get_fields_from_path(model, path)
        except (FieldDoesNotExist, NotRelationField):
            continue
        lookup = LOOKUP_SEP.join(parts[cut:])
        label = column_label(model, path)
        return f"{label} ({lookup})" if lookup and lookup != "exact" else label
    return key


def _ordering(cl: ChangeList) -> list[str]:
    columns = []
    for index, direction in cl.get_ordering_field_columns().items():
        if not 0 <= index < len(cl.list_display):
            continue
        label = label_for_field(cl.list_display[index], cl.model, cl.model_admin)
        word = gettext("descending") if direction == "desc" else gettext("ascending")
        columns.append(f"{capfirst(str(label))} ({word})")
    return [gettext("Sorted by: %(columns)s") % {"columns": ", ".join(columns)}] if columns else []
