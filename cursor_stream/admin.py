"""Admin export: one action per format and an "Export" button on the changelist.

``StreamExportMixin`` goes before ``admin.ModelAdmin``::

    @admin.register(Product)
    class ProductAdmin(StreamExportMixin, admin.ModelAdmin):
        export_fields = [
            "product_id",
            "product_name",
            "category__name",  # headed "Category name"
            ("price", "Price (EUR)"),
            ("price_with_vat", F("price") * Decimal("1.2"), "Price incl. VAT"),
        ]

Everything is decided in sync code, in the admin view: permission, the changelist's queryset
(search, list filters, date hierarchy, ordering) passed through ``get_export_queryset()``, the
declared columns. Only then does :func:`cursor_stream.http.streaming_response` hand the
compiled query to the async engine (docs/architecture.md §2). Exports never count rows first:
the changelist built for an export skips its paginator (and with it ``COUNT(*)``), so the
download of a huge table starts at once.

The Export button joins the ``object-tools-items`` block of whichever change-list template the
admin picked (``change_list_template``, a per-model ``admin/<app>/<model>/change_list.html``, a
theme's): the mixin sets no template of its own, it wraps the one the admin chose.
"""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.views.main import ChangeList
from django.core import checks
from django.core.exceptions import BadRequest, FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify

from .adminpage import COLUMNS_SHOWN, ExportForm, about_rows, describe_changelist
from .conf import is_sensitive
from .exceptions import ConfigurationError, CursorStreamError, InvalidArgument
from .exportfields import (
    HEADER_STYLES,
    ExportField,
    column_headers,
    export_fields,
    header_for,
    referenced_fields,
)
from .http import streaming_response
from .render import check_json_keys

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin as _Base

    from .export import ExportOptions
else:
    _Base = object

#: Request attribute that makes the changelist skip its paginator (no COUNT(*), no page query).
_EXPORT_FLAG = "_cursor_stream_export"

#: The changelist query-string key Django's admin uses for preserved filters.
FILTERS_VAR = "_changelist_filters"

ACTION_PREFIX = "export_as_"

#: Wraps the change-list template the admin chose, adding the Export button.
BUTTON_TEMPLATE = "cursor_stream/admin/change_list.html"

logger = logging.getLogger("cursor_stream.admin")


@functools.cache
def _exporting_changelist(base: type[ChangeList]) -> type[ChangeList]:
    """Return a subclass of ``base`` that builds its queryset but fetches and counts nothing."""

    class ExportChangeList(base):  # type: ignore[valid-type,misc]
        def get_results(self, request: HttpRequest) -> None:
            # The export streams ``self.queryset`` itself; the paginator would COUNT(*) it.
            self.result_count = self.full_result_count = None
            self.result_list = self.queryset.none()
            self.can_show_all = self.multi_page = False

    ExportChangeList.__name__ = ExportChangeList.__qualname__ = f"Export{base.__name__}"
    return ExportChangeList


def available_formats() -> list[str]:
    """Return the default export formats: csv, jsonl, and xlsx when its extra is installed."""
    from .export import get_format

    names = ["csv", "jsonl"]
    try:
        get_format("xlsx")
    except Exception:  # not installed (or not registered): simply not offered
        pass
    else:
        names.append("xlsx")
    return names


def format_label(format_name: str) -> str:
    """Return how the admin names a format: its ``label``, else its short name in capitals."""
    from .export import get_format

    fmt = get_format(format_name)
    return str(getattr(fmt, "label", None) or fmt.name.upper())


_PATH_HINT = (
    "Name model field paths, e.g. 'category__name', or annotations that get_export_queryset() adds."
)
_ENTRY_HINT = (
    "Give a field path, (path, 'Label'), (name, expression) or (name, expression, 'Label'), "
    "e.g. ('price_with_vat', F('price') * Decimal('1.2'))."
)
_LABEL_HINT = "Give the column a label of its own: (path, 'Label')."


def _renders_json(format_name: str) -> bool:
    from .export import get_format

    try:
        return get_format(format_name).rendering == "json"
    except CursorStreamError:
        return False


def _sensitive_message(where: str, path: str, field: Any) -> str:
    return (
        f"{where} names {path!r}, the sensitive field {field.model._meta.label}.{field.name} "
        "(CURSOR_STREAM['SENSITIVE_FIELDS']), which admin exports never include."
    )


class StreamExportMixin(_Base):
    """Add streaming exports (actions and an Export button) to a ``ModelAdmin``."""

    #: Short format names (or dotted paths) offered; None: csv, jsonl (+ xlsx when installed).
    export_formats: Sequence[str] | None = None
    #: Columns exported: field paths (``category__name``), names of annotations that
    #: :meth:`get_export_queryset` (or ``get_queryset()``) adds, ``(path, "Label")``, computed
    #: columns ``(name, expression)`` or ``(name, expression, "Label")``, or
    #: :class:`~cursor_stream.exportfields.ExportField`. None: the model fields of
    #: ``list_display``, else every concrete field, keeping only those this admin shows the
    #: user (see :meth:`get_export_fields`). Nothing else can ever be exported, and never a
    #: field of ``CURSOR_STREAM['SENSITIVE_FIELDS']``, not even through an expression.
    export_fields: Sequence[Any] | None = None
    #: Headers of columns without a label: "verbose" (``Category name``) or "names"
    #: (``category__name``). They are the JSON keys too.
    export_header_style: str = "verbose"
    #: File name pattern; ``{model}``, ``{timestamp}`` and ``{ext}`` are filled in.
    export_filename: str = "{model}-{timestamp}.{ext}"
    #: Export choice labels ("Active") instead of stored values ("active").
    export_choices_display: bool = False
    #: Prefix cells starting with = + - @ (spreadsheet formulas) with a quote (OWASP).
    export_escape_formulas: bool = True
    #: Permission required to export ("app_label.codename"), in addition to the view
    #: permission; None: the view permission alone.
    export_permission: str | None = None
    #: Seconds the export page waits for the planner's row estimate; None: no estimate.
    export_estimate_timeout: float | None = 1.0

    export_template = "cursor_stream/admin/export.html"
    export_form_class: type[ExportForm] = ExportForm

    # --- configuration hooks ----------------------------------------------------------------
    def has_export_permission(self, request: HttpRequest) -> bool:
        """Return True if the user may export: view permission, and ``export_permission``."""
        if not self.has_view_permission(request):
            return False
        if self.export_permission:
            codename = self.export_permission
            if "." not in codename:
                codename = f"{self.opts.app_label}.{codename}"
            return bool(request.user.has_perm(codename))
        return True

    def get_export_formats(self, request: HttpRequest) -> list[str]:
        """Return the names of the formats offered to this request."""
        return list(self.export_formats) if self.export_formats is not None else available_formats()

    def get_export_fields(self, request: HttpRequest) -> list[Any]:
        """Return the columns to export (see :attr:`export_fields`).

        The default never exports more than this admin shows the user: of the model fields of
        ``list_display`` (else every concrete field), it keeps those in the changelist, on the
        change form (``get_fieldsets()``, hence ``fields``, ``fieldsets``, ``get_fields()`` and
        read-only fields) or the primary key (every changelist row carries it), drops those of
        ``get_exclude()`` and sensitive ones, and is empty without the view permission.
        """
        if self.export_fields is not None:
            return list(self.export_fields)
        if not self.has_view_permission(request):
            return []
        opts = self.opts
        listed = [name for name in self.get_list_display(request) if isinstance(name, str)]
        columns = [f.name for f in map(self._concrete_field, listed) if f is not None]
        shown = {
            *columns,
            *flatten_fieldsets(self.get_fieldsets(request)),
            opts.pk.name,
        }
        hidden = set(self.get_exclude(request) or ())
        candidates = columns or [f.name for f in opts.concrete_fields]
        return [
            name
            for name in candidates
            if name in shown and name not in hidden and not is_sensitive(opts.get_field(name))
        ]

    def _concrete_field(self, name: str) -> Any:
        try:
            field = self.opts.get_field(name)
        except FieldDoesNotExist:
            return None
        if getattr(field, "concrete", False) and not field.many_to_many:
            return field
        return None

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        """Add the checks of ``export_fields`` to the ModelAdmin's own."""
        return [*super().check(**kwargs), *self._check_export_fields()]

    def _check_export_fields(self) -> list[checks.CheckMessage]:
        if self.export_fields is None:
            return []
        where = f"{type(self).__name__}.export_fields"
        try:
            columns = export_fields(self.export_fields)
        except InvalidArgument as exc:
            return [self._check_error(f"{where}: {exc}", _ENTRY_HINT, "cursor_stream.E007")]
        queryset = self.model._default_manager.all()
        errors: list[checks.CheckMessage] = []
        for column in columns:
            try:
                read = referenced_fields(queryset, column)
            except InvalidArgument as exc:
                # get_queryset() and get_export_queryset() may add annotations that the
                # columns name, known only per request: checked then.
                if not self._annotates_querysets():
                    errors.append(
                        self._check_error(
                            f"{where}: {exc}",
                            _ENTRY_HINT if column.computed else _PATH_HINT,
                            "cursor_stream.E007" if column.computed else "cursor_stream.E006",
                        )
                    )
                continue
            errors.extend(
                self._check_error(
                    _sensitive_message(where, column.name, field),
                    "Remove it from export_fields; export it with manage.py streamdata "
                    "--fields if you must.",
                    "cursor_stream.E005",
                )
                for field in read
                if is_sensitive(field)
            )
        return errors + self._check_export_headers(columns)

    def _check_export_headers(self, columns: list[ExportField]) -> list[checks.CheckMessage]:
        where = f"{type(self).__name__}.export_header_style"
        style = self.export_header_style
        if style not in HEADER_STYLES:
            message = f"{where} is {style!r}; use one of {', '.join(HEADER_STYLES)}."
            return [self._check_error(message, None, "cursor_stream.E008")]
        names = [column.name for column in columns]
        try:
            headers = column_headers(self.model, names, columns, style)
            if any(_renders_json(name) for name in self.export_formats or available_formats()):
                check_json_keys(headers)
        except InvalidArgument as exc:
            message = f"{type(self).__name__}.export_fields: {exc}"
            return [self._check_error(message, _LABEL_HINT, "cursor_stream.E008")]
        return []

    def _check_error(self, message: str, hint: str | None, id: str) -> checks.Error:
        return checks.Error(message, hint=hint, obj=type(self), id=id)

    def _annotates_querysets(self) -> bool:
        """Return whether this admin overrides a hook that can annotate the exported rows."""
        return (
            type(self).get_queryset is not admin.ModelAdmin.get_queryset
            or type(self).get_export_queryset is not StreamExportMixin.get_export_queryset
        )

    def get_export_filename(self, request: HttpRequest, format_name: str) -> str:
        """Return the download's file name for ``format_name``."""
        from .export import get_format

        model = slugify(str(self.opts.verbose_name_plural)) or self.opts.model_name
        timestamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        ext = get_format(format_name).extension
        return self.export_filename.format(model=model, timestamp=timestamp, ext=ext)

    def export_response(
        self,
        request: HttpRequest,
        queryset: models.QuerySet[Any],
        format_name: str,
        fields: Sequence[str] | None = None,
    ) -> HttpResponseBase:
        """Return the streaming download of ``queryset`` in ``format_name``.

        ``queryset`` is exported as given (the changelist's, passed through
        :meth:`get_export_queryset` by the actions and the export page). ``fields`` names some
        of the columns of :meth:`get_export_fields` (default: all of them); any other name is
        refused.
        """
        if format_name not in self.get_export_formats(request):
            raise BadRequest(f"The export format {format_name!r} is not offered here.")
        try:
            chosen = self.get_export_columns(request, queryset, fields)
        except InvalidArgument as exc:
            raise BadRequest(str(exc)) from exc
        return streaming_response(
            queryset,
            format=format_name,
            fields=chosen,
            options=self.get_export_options(request, format_name),
            using=queryset.db,
            request=request,
            filename=self.get_export_filename(request, format_name),
        )

    def get_export_options(self, request: HttpRequest, format_name: str) -> ExportOptions:
        """Return the options of this admin's exports in ``format_name``.

        The header style, formula escaping and choice labels are the admin's
        (:attr:`export_header_style`, :attr:`export_escape_formulas`,
        :attr:`export_choices_display`), for downloads and background exports alike.
        """
        from .export import ExportOptions

        return ExportOptions(
            format=format_name,
            header_style=self.export_header_style,
            escape_formulas=self.export_escape_formulas,
            choices_display=self.export_choices_display,
        )

    def get_export_columns(
        self,
        request: HttpRequest,
        queryset: models.QuerySet[Any],
        names: Sequence[str] | None = None,
    ) -> list[ExportField]:
        """Return the columns of :meth:`get_export_fields` named ``names`` (default: all).

        In the order of ``names``; a name that is not among them raises ``InvalidArgument``,
        and a column that reads a sensitive field (directly, or through an expression or an
        annotation of ``queryset``) ``ConfigurationError``. Downloads and background exports
        (which rebuild computed columns from here, by name) both take their columns from it.
        """
        allowed = self._export_columns(request)
        if names is None:
            chosen = allowed
        else:
            offered = {column.name: column for column in allowed}
            refused = [name for name in names if name not in offered]
            if refused:
                raise InvalidArgument(f"The column {refused[0]!r} is not exported here.")
            chosen = [offered[name] for name in names]
        for column in chosen:
            # Checked again here (E005 at start-up): get_export_fields() may be overridden,
            # and annotations are known only now.
            try:
                read = referenced_fields(queryset, column)
            except InvalidArgument:
                continue  # not a column at all: preparing the export says so (a 400)
            for field in read:
                if is_sensitive(field):
                    where = f"{type(self).__name__}.get_export_fields()"
                    raise ConfigurationError(
                        _sensitive_message(where, column.name, field)
                        + " Remove it from export_fields."
                    )
        return chosen

    # --- actions ----------------------------------------------------------------------------
    def _export_action(self, format_name: str) -> Callable[..., HttpResponseBase]:
        from .export import get_format

        fmt = get_format(format_name)
        label = format_label(format_name)

        @admin.action(  # type: ignore[untyped-decorator]
            permissions=["export"],
            description=f"Export selected %(verbose_name_plural)s as {label}",
        )
        def export(
            modeladmin: StreamExportMixin, request: HttpRequest, queryset: models.QuerySet[Any]
        ) -> HttpResponseBase:
            return modeladmin.export_response(request, queryset, format_name)

        export.__name__ = f"{ACTION_PREFIX}{fmt.name}"
        return export  # type: ignore[no-any-return]

    def get_actions(self, request: HttpRequest, action_location: Any = None) -> dict[str, Any]:
        """Add one export action per format for users allowed to export.

        ``action_location`` is Django 6.1's (change list or change form); earlier versions
        call this with the request alone. Exports belong to the change list only.
        """
        if action_location is None:
            actions: dict[str, Any] = super().get_actions(request)
        else:
            actions = super().get_actions(request, action_location=action_location)
            if getattr(action_location, "name", "CHANGE_LIST") != "CHANGE_LIST":
                return actions
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        if not self.has_export_permission(request):
            return actions
        for format_name in self.get_export_formats(request):
            func = self._export_action(format_name)
            description = func.short_description  # type: ignore[attr-defined]
            actions[func.__name__] = (func, func.__name__, description)
        return actions

    def _is_export_action_post(self, request: HttpRequest) -> bool:
        # The conditions of ModelAdmin.changelist_view() for running an action: the action
        # form's button ("index"), or a confirmation page's POST (selection without "index");
        # never the list_editable "Save" ("_save"), whatever the action dropdown says.
        if request.method != "POST" or "_save" in request.POST:
            return False
        if "index" not in request.POST and helpers.ACTION_CHECKBOX_NAME not in request.POST:
            return False
        try:
            index = int(request.POST.get("index", 0))
        except ValueError:
            index = 0
        names = request.POST.getlist("action")
        name = names[index] if 0 <= index < len(names) else ""
        return name.startswith(ACTION_PREFIX)

    # --- the changelist without COUNT(*) -----------------------------------------------------
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        base: type[ChangeList] = super().get_changelist(request, **kwargs)
        if getattr(request, _EXPORT_FLAG, False):
            return _exporting_changelist(base)  # type: ignore[arg-type]
        return base

    def get_export_changelist(self, request: HttpRequest) -> ChangeList:
        """Return the changelist of ``request.GET`` (filters, search, ordering), rows unfetched.

        Raises ``IncorrectLookupParameters`` for filters the changelist would refuse.
        """
        setattr(request, _EXPORT_FLAG, True)
        try:
            return self.get_changelist_instance(request)
        finally:
            delattr(request, _EXPORT_FLAG)

    def get_export_queryset(
        self, request: HttpRequest, queryset: models.QuerySet[Any]
    ) -> models.QuerySet[Any]:
        """Return the rows to export, given the changelist's ``queryset``.

        Both the actions (before the selection is applied) and the export page call it. Override
        it to annotate columns that ``export_fields`` names (or to narrow the rows)::

            def get_export_queryset(self, request, queryset):
                return queryset.annotate(order_count=Count("orders"))
        """
        return queryset

    def _export_columns(self, request: HttpRequest) -> list[ExportField]:
        """Return :meth:`get_export_fields` as columns."""
        fields = self.get_export_fields(request)
        return export_fields(fields) if fields else []

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponseBase:
        """Run export actions without the changelist's COUNT(*); show the Export button."""
        if self._is_export_action_post(request):
            if not self.has_export_permission(request):
                raise PermissionDenied
            from django.contrib.admin.options import IncorrectLookupParameters

            try:
                changelist = self.get_export_changelist(request)
            except IncorrectLookupParameters as exc:
                raise BadRequest("The changelist filters of this export are invalid.") from exc
            queryset = self.get_export_queryset(request, changelist.queryset)
            response = self.response_action(request, queryset=queryset)
            if response is not None:
                return response
            # Nothing selected (Django queued a message saying so): back to the changelist.
            return HttpResponseRedirect(request.get_full_path())
        extra_context = dict(extra_context or {})
        if self.has_export_permission(request) and IS_POPUP_VAR not in request.GET:
            url = reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_export"
            )
            if request.GET:
                url += "?" + urlencode({FILTERS_VAR: request.GET.urlencode()})
            extra_context["cursor_stream_export_url"] = url
        response = super().changelist_view(request, extra_context)
        return self._with_export_button(response)

    def _with_export_button(self, response: HttpResponseBase) -> HttpResponseBase:
        """Render the admin's chosen change-list template inside one adding the Export button.

        ``changelist_view()`` answers with ``change_list_template`` or the per-model list
        (``admin/<app>/<model>/change_list.html``, ``admin/<app>/...``, ``admin/...``); that
        choice is resolved here, with the response's own engine, and becomes the parent that
        :data:`BUTTON_TEMPLATE` extends, so nothing the project or a theme chose is bypassed.
        """
        if not isinstance(response, TemplateResponse) or response.is_rendered:
            return response  # a redirect (list_editable save), an error page
        context = response.context_data
        if not context or "cursor_stream_export_url" not in context:
            return response
        context["cursor_stream_parent_template"] = response.resolve_template(response.template_name)
        response.template_name = BUTTON_TEMPLATE
        return response

    # --- the Export button's view ------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:  # type: ignore[override]
        info = self.opts.app_label, self.opts.model_name
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="{}_{}_export".format(*info),
        )
        return [export, *super().get_urls()]

    def get_export_form(self, request: HttpRequest, data: QueryDict | None = None) -> ExportForm:
        """Return the export page's form: the formats and columns offered to this request."""
        from .export import get_format

        formats = [
            (name, f"{format_label(name)} (.{get_format(name).extension})")
            for name in self.get_export_formats(request)
        ]
        columns = [
            (column.name, header_for(self.model, column, self.export_header_style))
            for column in self._export_columns(request)
        ]
        form = self.export_form_class(data, formats=formats, columns=columns)
        if _jobs_installed():
            from .jobs.admin import add_background_field

            add_background_field(form)
        return form

    def export_form_valid(
        self, request: HttpRequest, form: ExportForm, queryset: models.QuerySet[Any]
    ) -> HttpResponseBase:
        """Return the response to a valid export form: the streaming download.

        With "Run in the background" ticked (``cursor_stream.jobs`` installed), the export is
        queued as a job instead, and the answer is a redirect to the job's page.
        """
        if form.cleaned_data.get("background"):
            from .jobs.admin import queue_admin_export

            return queue_admin_export(self, request, form, queryset)
        return self.export_response(
            request, queryset, form.cleaned_data["format"], form.cleaned_data["columns"]
        )

    def get_export_row_estimate(
        self, request: HttpRequest, queryset: models.QuerySet[Any]
    ) -> int | None:
        """Return the planner's estimate of the rows of ``queryset`` (None: not shown).

        ``EXPLAIN`` only, bounded by :attr:`export_estimate_timeout`: a slow or busy database
        leaves the estimate out rather than delaying or failing the page.
        """
        from .export import ExportOptions, prepare_export

        if not self.export_estimate_timeout:
            return None
        try:
            prepared = prepare_export(
                queryset, fields=self.get_export_fields(request), options=ExportOptions()
            )
            return prepared.estimate_rows(within=self.export_estimate_timeout)
        except CursorStreamError as exc:
            logger.warning("No row estimate for the %s export page: %s", self.opts.label, exc)
            return None

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """GET: the export page; POST (CSRF-protected): download every row the filters match."""
        from django.contrib.admin.options import IncorrectLookupParameters

        if not self.has_export_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "POST"):
            return HttpResponse(status=405)
        source = request.POST if request.method == "POST" else request.GET
        filters = source.get(FILTERS_VAR, "")
        # The changelist reads its filters from GET: give it the preserved ones.
        cl_request = copy.copy(request)
        cl_request.GET = QueryDict(filters)
        try:
            cl = self.get_export_changelist(cl_request)
        except IncorrectLookupParameters as exc:
            raise BadRequest("The changelist filters of this export are invalid.") from exc
        queryset = self.get_export_queryset(request, cl.queryset)
        form = self.get_export_form(request, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            return self.export_form_valid(request, form, queryset)
        changelist_url = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"
        )
        if filters:
            changelist_url += "?" + filters
        estimate = self.get_export_row_estimate(request, queryset)
        background = form["background"] if "background" in form.fields else None
        if background is not None and not form.is_bound:
            from .jobs.admin import background_by_default

            background.field.initial = background_by_default(estimate, form["format"].value())
            # What export.js restores when another format is chosen.
            by_estimate = background_by_default(estimate)
            background.field.widget.attrs["data-by-estimate"] = "1" if by_estimate else ""
        context = {
            **self.admin_site.each_context(request),
            "title": f"Export {self.opts.verbose_name_plural}",
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "form": form,
            "columns_shown": COLUMNS_SHOWN,
            "filters": filters,
            "filters_display": describe_changelist(cl),
            "row_estimate": about_rows(estimate) if estimate is not None else "",
            "changelist_url": changelist_url,
            "background": background,
        }
        request.current_app = self.admin_site.name
        # A refused POST shows the page again with its errors, as a 400.
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, self.export_template, context, status=status)


def _jobs_installed() -> bool:
    from django.apps import apps

    return bool(apps.is_installed("cursor_stream.jobs"))
