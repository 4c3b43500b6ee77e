"""One description of an export, JSON-serialisable, and the one function that prepares it.

Every door (``streamdata``, the admin, background jobs) translates its input (argv, a changelist
request) into an :class:`ExportDescription`; :func:`prepare_description` validates it and
returns the :class:`~cursor_stream.export.PreparedExport`. A background job stores only the
description (a ``JSONField``) and its worker rebuilds exactly the QuerySet that was asked for
from it: model label, field paths, filter expressions, ordering, or for an admin export the
admin site, the changelist query string and the selected primary keys, re-evaluated as the
requesting user. Nothing executable is ever stored or unpickled.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .exceptions import CursorStreamError, InvalidArgument
from .export import ExportOptions, PreparedExport, prepare_export

__all__ = [
    "AdminSource",
    "ExportDenied",
    "ExportDescription",
    "prepare_description",
    "sql_with_params",
]

#: Version of the stored form; bump when a field changes meaning.
VERSION = 1


class ExportDenied(CursorStreamError):
    """The requesting user may not (or may no longer) run this export."""


@dataclass(frozen=True)
class AdminSource:
    """An admin changelist export: which admin, which filters, which rows."""

    #: ``AdminSite.name`` ("admin" for ``admin.site``).
    site: str
    #: The changelist's query string (search, filters, date hierarchy, ordering).
    query: str = ""
    #: Primary keys of the selected rows, as text; None: every row the changelist matches.
    selected: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ExportDescription:
    """What to export, in a form that can be stored as JSON and sent to another process."""

    #: ``app_label.Model`` (for model and admin exports).
    model: str | None = None
    #: Raw SQL (command line only) and its parameters, sent as quoted literals.
    sql: str | None = None
    params: tuple[str, ...] = ()
    #: Field paths (``category__name``); None: the model's concrete fields.
    fields: tuple[str, ...] | None = None
    #: ``FIELD__LOOKUP=VALUE`` expressions (the ``streamdata --filter`` syntax).
    filters: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    #: ``-field__path`` terms; None: the primary key (model exports).
    order_by: tuple[str, ...] | None = None
    database: str | None = None
    options: ExportOptions = field(default_factory=ExportOptions)
    #: Compress the output with gzip.
    gzip: bool = False
    #: The requesting user's primary key (as text), None for the command line.
    user: str | None = None
    admin: AdminSource | None = None

    # --- JSON ------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Return the description as a dict of JSON types."""
        data = dataclasses.asdict(self)
        data["version"] = VERSION
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExportDescription:
        """Return the description stored by :meth:`to_json`; raise InvalidArgument if bad."""
        if not isinstance(data, Mapping):
            raise InvalidArgument(f"An export description must be a JSON object, not {data!r}.")
        data = dict(data)
        version = data.pop("version", VERSION)
        if version != VERSION:
            raise InvalidArgument(f"Unknown export description version {version!r}.")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidArgument(f"Unknown keys in an export description: {unknown}.")
        option_names = {f.name for f in dataclasses.fields(ExportOptions)}
        options = data.get("options") or {}
        if not isinstance(options, Mapping) or set(options) - option_names:
            raise InvalidArgument(f"Bad export options {options!r}.")
        data["options"] = ExportOptions(**options)
        admin = data.get("admin")
        if admin is not None:
            if not isinstance(admin, Mapping) or set(admin) - {"site", "query", "selected"}:
                raise InvalidArgument(f"Bad admin source {admin!r}.")
            selected = admin.get("selected")
            data["admin"] = AdminSource(
                site=str(admin["site"]),
                query=str(admin.get("query") or ""),
                selected=None if selected is None else tuple(str(pk) for pk in selected),
            )
        for name in ("params", "filters", "excludes"):
            data[name] = _strings(name, data.get(name) or ())
        for name in ("fields", "order_by"):
            if data.get(name) is not None:
                data[name] = _strings(name, data[name])
        return cls(**data)

    def replace(self, **changes: Any) -> ExportDescription:
        """Return a copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    @property
    def label(self) -> str:
        """Return a short human description ("catalog.Product as csv")."""
        what = self.model or "SQL query"
        return f"{what} as {self.options.format}{'.gz' if self.gzip else ''}"


def _strings(name: str, values: Any) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise InvalidArgument(f"{name} must be a list of strings, got {values!r}.")
    if not all(isinstance(v, str) for v in values):
        raise InvalidArgument(f"{name} must be a list of strings, got {values!r}.")
    return tuple(values)


# --- preparing ---------------------------------------------------------------------------------


def prepare_description(
    description: ExportDescription, *, user: Any = None, after_pk: Any = None
) -> PreparedExport:
    """Validate ``description`` and return its prepared export (call from sync code).

    ``user`` is the requesting user for admin exports (loaded from ``description.user`` when
    not given); the admin's export permission is checked again here, so a job queued by a user
    who lost the permission meanwhile fails with :class:`ExportDenied`. ``after_pk`` keeps only
    the rows whose primary key is greater (a resumed export; the order must be the key's).
    Raises :class:`~cursor_stream.exceptions.CursorStreamError` subclasses.
    """
    options = description.options
    if description.sql is not None:
        if description.model is not None or description.admin is not None:
            raise InvalidArgument("Give either a model or SQL, not both.")
        if description.fields is not None or description.order_by is not None:
            raise InvalidArgument("fields and ordering need a model, not SQL.")
        if description.filters or description.excludes:
            raise InvalidArgument("filters need a model, not SQL.")
        if after_pk is not None:
            raise InvalidArgument("An SQL export cannot be resumed.")
        return prepare_export(
            sql_with_params(description.sql, list(description.params)),
            using=description.database,
            options=options,
        )
    queryset, fields, options = build_queryset(description, user=user)
    with filter_errors():
        if after_pk is not None:
            queryset = queryset.filter(pk__gt=after_pk)
        return prepare_export(queryset, fields=fields, using=description.database, options=options)


def build_queryset(
    description: ExportDescription, *, user: Any = None
) -> tuple[Any, list[str] | None, ExportOptions]:
    """Return the QuerySet, field paths and options of a model or admin export."""
    if description.model is None:
        raise InvalidArgument("An export needs a model (app_label.Model) or SQL.")
    if description.params:
        raise InvalidArgument("params go with SQL.")
    if description.admin is not None:
        return _admin_queryset(description, user)
    fields = list(description.fields) if description.fields is not None else None
    return _model_queryset(description), fields, description.options


def model_for(label: str) -> Any:
    """Return the model of ``app_label.Model``; raise InvalidArgument naming it."""
    from django.apps import apps

    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        raise InvalidArgument(
            f"Unknown model {label!r}; give it as app_label.ModelName, e.g. catalog.Product."
        ) from None


@contextlib.contextmanager
def filter_errors() -> Iterator[None]:
    """Turn the ORM's errors about filter values (an int field given "abc") into ours."""
    from django.core.exceptions import FieldError, ValidationError

    try:
        yield
    except (FieldError, ValidationError, ValueError, TypeError) as exc:
        if isinstance(exc, CursorStreamError):
            raise
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        raise InvalidArgument(f"Invalid filter value: {' '.join(message.split())}") from None


def _model_queryset(description: ExportDescription) -> Any:
    from .fields import parse_filter, validate_order_by

    assert description.model is not None
    model = model_for(description.model)
    with filter_errors():
        queryset = model._default_manager.all()
        if description.database:
            queryset = queryset.using(description.database)
        for expression in description.filters:
            key, value = parse_filter(model, expression, option="--filter")
            queryset = queryset.filter(**{key: value})
        for expression in description.excludes:
            key, value = parse_filter(model, expression, option="--exclude")
            queryset = queryset.exclude(**{key: value})
        if description.order_by:
            queryset = queryset.order_by(*validate_order_by(model, list(description.order_by)))
        elif not queryset.ordered:
            # Deterministic output (and a meaning for offset): primary key order.
            queryset = queryset.order_by("pk")
    return queryset


def _admin_queryset(
    description: ExportDescription, user: Any
) -> tuple[Any, list[str], ExportOptions]:
    """Rebuild an admin changelist's queryset as ``user`` sees it, checking the permission."""
    from django.contrib.admin.options import IncorrectLookupParameters
    from django.contrib.admin.sites import all_sites
    from django.contrib.auth import get_user_model
    from django.http import QueryDict
    from django.test import RequestFactory
    from django.urls import NoReverseMatch, reverse

    admin = description.admin
    assert admin is not None and description.model is not None
    model = model_for(description.model)
    site = next((s for s in all_sites if s.name == admin.site), None)
    model_admin = site._registry.get(model) if site is not None else None
    if model_admin is None or not hasattr(model_admin, "get_export_queryset"):
        raise InvalidArgument(
            f"{description.model} has no export-enabled admin on the admin site {admin.site!r}."
        )
    if user is None:
        if description.user is None:
            raise ExportDenied("An admin export needs the requesting user.")
        try:
            user = get_user_model()._default_manager.get(pk=description.user)
        except (get_user_model().DoesNotExist, ValueError):
            raise ExportDenied(f"The user {description.user!r} who asked does not exist.") from None
    if not user.is_active or not user.is_staff:
        raise ExportDenied(f"The user {user.get_username()!r} may no longer use the admin.")
    try:
        path = reverse(f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_changelist")  # type: ignore[union-attr]
    except NoReverseMatch:
        path = "/"
    request = RequestFactory().get(path, QueryDict(admin.query))
    request.user = user
    if not model_admin.has_export_permission(request):
        raise ExportDenied(
            f"The user {user.get_username()!r} may not export {model._meta.verbose_name_plural}."
        )
    try:
        queryset = model_admin.get_export_queryset(request)
    except IncorrectLookupParameters:
        raise InvalidArgument("The changelist filters of this export are invalid.") from None
    if admin.selected is not None:
        queryset = queryset.filter(pk__in=list(admin.selected))
    if description.database:
        queryset = queryset.using(description.database)
    formats = model_admin.get_export_formats(request)
    if description.options.format not in formats:
        raise InvalidArgument(f"The export format {description.options.format!r} is not offered.")
    # What the admin decides is not the description's to override.
    options = dataclasses.replace(
        description.options,
        escape_formulas=model_admin.export_escape_formulas,
        choices_display=model_admin.export_choices_display,
    )
    return queryset, model_admin.get_export_fields(request), options


def sql_with_params(sql: str, params: list[str]) -> str:
    """Return ``sql`` with ``params`` inlined as quoted literals.

    Command-line values are untyped text; as quoted literals the server infers their types from
    the context (``WHERE price > '10'``), as psql would. They are quoted (``quote_literal``),
    never spliced raw, and the export runs in a read-only transaction.
    """
    from .render import inline_params, quote_literal
    from .sql import rewrite_placeholders

    if not params:
        return sql
    try:
        # One literal per value: an IN list sent as one array parameter would be inlined as a
        # Python list.
        text, values = rewrite_placeholders(sql, params, arrays=False)
        return inline_params(text, [quote_literal(str(v)) for v in values])
    except CursorStreamError:
        raise
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None


#: Keys of :class:`ExportDescription` (for doors that build one from keyword arguments).
DESCRIPTION_FIELDS = tuple(f.name for f in dataclasses.fields(ExportDescription))
