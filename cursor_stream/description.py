"""One description of an export, JSON-serialisable, and the one function that prepares it.

Every door (``streamdata``, the admin, background jobs) translates its input (argv, a changelist
request) into an :class:`ExportDescription`; :func:`prepare_description` validates it and
returns the :class:`~cursor_stream.export.PreparedExport`. A background job stores only the
description (a ``JSONField``) and its worker rebuilds exactly the QuerySet that was asked for
from it: model label, field paths and their labels, filter expressions, ordering, or for an
admin export the admin site, the changelist query string, the selected primary keys and the
chosen columns, re-evaluated as the requesting user through the ``ModelAdmin``'s own hooks.
Nothing executable is ever stored or unpickled: a computed column (an expression) is stored by
its name only, and exists only where a ``ModelAdmin``'s ``export_fields`` declares it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .exceptions import CursorStreamError, InvalidArgument
from .export import ExportOptions, PreparedExport, prepare_export
from .exportfields import ExportField
from .sqltext import split_sql

__all__ = [
    "AdminSource",
    "ExportDenied",
    "ExportDescription",
    "StoredField",
    "prepare_description",
    "sql_with_params",
]

#: Version of the stored form; bump when a field changes meaning. Version 1 stored the fields
#: as plain paths, which version 2 still reads.
VERSION = 2
READABLE_VERSIONS = (1, 2)


class ExportDenied(CursorStreamError):
    """The requesting user may not (or may no longer) run this export."""


@dataclass(frozen=True)
class StoredField:
    """One column of a description: its name, its label, whether an expression computes it.

    The JSON form of :class:`~cursor_stream.exportfields.ExportField` (its ``as_dict()``): a
    field path (``category__name``, ``pk``, ``attributes__color``, ``created_at__year``) or an
    annotation's name, with the header label it was given. A computed column's expression has
    no JSON form: only an admin export can hold one, rebuilt from the ``ModelAdmin``'s
    ``export_fields`` by its name.
    """

    name: str
    label: str | None = None
    computed: bool = False

    @classmethod
    def of(cls, entry: Any) -> StoredField:
        """Return the stored form of a ``fields`` entry (a path, ``(path, "Label")``, ...)."""
        if isinstance(entry, StoredField):
            return entry
        if isinstance(entry, Mapping):
            if set(entry) - {"name", "label", "computed"} or not isinstance(entry.get("name"), str):
                raise InvalidArgument(f"Bad stored column {entry!r}.")
            label = entry.get("label")
            if label is not None and not isinstance(label, str):
                raise InvalidArgument(f"Bad stored column {entry!r}.")
            return cls(entry["name"], label, bool(entry.get("computed", False)))
        column = ExportField.of(entry)
        return cls(**column.as_dict())

    def export_field(self) -> ExportField:
        """Return the column to export; refuse a computed one (its expression is not stored)."""
        if self.computed:
            raise InvalidArgument(
                f"The column {self.name!r} is computed by an expression, which an export "
                "description cannot store; declare it in a ModelAdmin's export_fields and "
                "export through that admin, or export it from Python with prepare_export()."
            )
        return ExportField(self.name, label=self.label)


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
    #: The columns (field paths with optional labels, see :class:`StoredField`; plain paths and
    #: ``(path, "Label")`` are accepted and stored as such); None: the model's default columns,
    #: or for an admin export every column the ``ModelAdmin`` exports.
    fields: tuple[StoredField, ...] | None = None
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

    def __post_init__(self) -> None:
        if self.fields is not None:
            if isinstance(self.fields, (str, bytes)) or not isinstance(self.fields, Sequence):
                raise InvalidArgument(f"fields must be a list of columns, got {self.fields!r}.")
            object.__setattr__(self, "fields", tuple(StoredField.of(f) for f in self.fields))

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
        if version not in READABLE_VERSIONS:
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
        if data.get("order_by") is not None:
            data["order_by"] = _strings("order_by", data["order_by"])
        fields = data.get("fields")
        if fields is not None and (isinstance(fields, str) or not isinstance(fields, Sequence)):
            raise InvalidArgument(f"fields must be a list of columns, got {fields!r}.")
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
) -> tuple[Any, list[ExportField] | None, ExportOptions]:
    """Return the QuerySet, columns and options of a model or admin export.

    The QuerySet keeps the ordering it was given; without one, ``prepare_export()`` applies the
    default (:func:`~cursor_stream.export.default_ordering`).
    """
    if description.model is None:
        raise InvalidArgument("An export needs a model (app_label.Model) or SQL.")
    if description.params:
        raise InvalidArgument("params go with SQL.")
    if description.admin is not None:
        return _admin_queryset(description, user)
    fields = (
        [column.export_field() for column in description.fields]
        if description.fields is not None
        else None
    )
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
    return queryset


def admin_site(name: str) -> Any:
    """Return the admin site named ``name`` (``AdminSite.name``), or None.

    Sites other than ``admin.site`` are usually made in a URLconf module, which a worker
    process has not imported (Django imports the URLconf at the first request or
    ``reverse()``): it is imported first.
    """
    from django.contrib.admin.sites import all_sites
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
    return next((site for site in all_sites if site.name == name), None)


def _admin_queryset(
    description: ExportDescription, user: Any
) -> tuple[Any, list[ExportField], ExportOptions]:
    """Rebuild an admin export as ``user`` gets it on the export page, checking the permission.

    The same hooks as the admin's own export: ``get_export_changelist()`` for the changelist's
    search, filters, date drill-down and ordering, ``get_export_queryset(request, queryset)``,
    the columns of ``get_export_fields()`` that were chosen (computed ones rebuilt from the
    admin's declaration, by name) and the options the admin decides.
    """
    from django.contrib.admin.options import IncorrectLookupParameters
    from django.contrib.auth import get_user_model
    from django.http import QueryDict
    from django.test import RequestFactory
    from django.urls import NoReverseMatch, reverse

    from .admin import StreamExportMixin

    admin = description.admin
    assert admin is not None and description.model is not None
    model = model_for(description.model)
    site = admin_site(admin.site)
    model_admin = site._registry.get(model) if site is not None else None
    if not isinstance(model_admin, StreamExportMixin):
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
        changelist = model_admin.get_export_changelist(request)
    except IncorrectLookupParameters:
        raise InvalidArgument("The changelist filters of this export are invalid.") from None
    queryset = model_admin.get_export_queryset(request, changelist.queryset)
    if admin.selected is not None:
        queryset = queryset.filter(pk__in=list(admin.selected))
    if description.database:
        queryset = queryset.using(description.database)
    formats = model_admin.get_export_formats(request)
    if description.options.format not in formats:
        raise InvalidArgument(f"The export format {description.options.format!r} is not offered.")
    names = None if description.fields is None else [f.name for f in description.fields]
    columns = model_admin.get_export_columns(request, queryset, names)
    # What the admin decides is not the description's to override.
    decided = model_admin.get_export_options(request, description.options.format)
    options = dataclasses.replace(
        description.options,
        escape_formulas=decided.escape_formulas,
        choices_display=decided.choices_display,
        header_style=decided.header_style,
    )
    return queryset, columns, options


def sql_with_params(sql: str, params: list[str]) -> str:
    """Return ``sql`` with ``params`` inlined as quoted literals.

    Command-line values are untyped text; as quoted literals the server infers their types from
    the context (``WHERE price > '10'``), as psql would. They are quoted (``quote_literal``),
    never spliced raw, and the export runs in a read-only transaction. A statement that is not
    a query, or a number of values other than the placeholders', is refused before anything
    runs or is written.
    """
    from .render import inline_params, quote_literal
    from .sql import rewrite_placeholders

    _check_query(sql)
    count = _placeholders(sql)
    if count != len(params):
        raise InvalidArgument(
            f"The SQL has {_plural(count, 'placeholder')}, {_plural(len(params), '--param value')}"
            "; give one --param per placeholder (%s, or $1, $2, ...), and write %% for a "
            "literal %."
        )
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


#: Positional placeholders of --sql: psycopg's %s (%% is a literal %) or asyncpg's $n.
_PLACEHOLDER = re.compile(r"%%|%s|(?<![\w$])\$(\d+)(?![\w$])")
#: The statements that return rows and can be wrapped as a subquery by an export.
QUERY_KEYWORDS = ("SELECT", "WITH", "VALUES", "TABLE")
#: Statements that are not queries (PostgreSQL's "SQL Commands" reference); other words are
#: left for the server to report (a typo is a syntax error with its position).
OTHER_STATEMENTS = frozenset(
    {
        *("ABORT", "ALTER", "ANALYZE", "BEGIN", "CALL", "CHECKPOINT", "CLOSE", "CLUSTER"),
        *("COMMENT", "COMMIT", "COPY", "CREATE", "DEALLOCATE", "DECLARE", "DELETE", "DISCARD"),
        *("DO", "DROP", "END", "EXECUTE", "EXPLAIN", "FETCH", "GRANT", "IMPORT", "INSERT"),
        *("LISTEN", "LOAD", "LOCK", "MERGE", "MOVE", "NOTIFY", "PREPARE", "REASSIGN", "REFRESH"),
        *("REINDEX", "RELEASE", "RESET", "REVOKE", "ROLLBACK", "SAVEPOINT", "SECURITY", "SET"),
        *("SHOW", "START", "TRUNCATE", "UNLISTEN", "UPDATE", "VACUUM"),
    }
)


def _code(sql: str) -> str:
    """Return ``sql`` without its literals, quoted identifiers and comments."""
    return " ".join(text for kind, text in split_sql(sql) if kind == "code")


def _placeholders(sql: str) -> int:
    """Return how many --param values ``sql`` takes."""
    percent = dollar = 0
    for match in _PLACEHOLDER.finditer(_code(sql)):
        if match.group() == "%s":
            percent += 1
        elif match.group(1):
            dollar = max(dollar, int(match.group(1)))
    return percent or dollar


def _check_query(sql: str) -> None:
    """Refuse a statement that is not a query before anything runs or is written."""
    first = re.match(r"[\s(]*([A-Za-z]+)", _code(sql))
    if first is not None and first.group(1).upper() in OTHER_STATEMENTS:
        raise InvalidArgument(
            f"--sql must be a query returning rows ({', '.join(QUERY_KEYWORDS)}), not "
            f"{first.group(1).upper()}: exports run in a read-only transaction."
        )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


#: Keys of :class:`ExportDescription` (for doors that build one from keyword arguments).
DESCRIPTION_FIELDS = tuple(f.name for f in dataclasses.fields(ExportDescription))
