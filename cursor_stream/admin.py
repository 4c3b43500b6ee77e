"""Admin export: one action per format and an "Export" button on the changelist.

``StreamExportMixin`` goes before ``admin.ModelAdmin``::

    @admin.register(Product)
    class ProductAdmin(StreamExportMixin, admin.ModelAdmin):
        export_fields = ["product_id", "product_name", "category__name", "price"]

Everything is decided in sync code, in the admin view: permission, the changelist's queryset
(search, list filters, date hierarchy, ordering), the declared fields. Only then does
:func:`cursor_stream.http.streaming_response` hand the compiled query to the async engine
(DESIGN section 2). Exports never count rows first: the changelist built for an export skips
its paginator (and with it ``COUNT(*)``), so the download of a huge table starts at once.
"""

from __future__ import annotations

import copy
import functools
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

from .conf import is_sensitive
from .exceptions import ConfigurationError, InvalidArgument
from .fields import resolve_field_path
from .http import streaming_response

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin as _Base
else:
    _Base = object

#: Request attribute that makes the changelist skip its paginator (no COUNT(*), no page query).
_EXPORT_FLAG = "_cursor_stream_export"

#: The changelist query-string key Django's admin uses for preserved filters.
FILTERS_VAR = "_changelist_filters"

ACTION_PREFIX = "export_as_"


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


def _sensitive_message(where: str, path: str, field: Any) -> str:
    return (
        f"{where} names {path!r}, the sensitive field {field.model._meta.label}.{field.name} "
        "(CURSOR_STREAM['SENSITIVE_FIELDS']), which admin exports never include."
    )


class StreamExportMixin(_Base):
    """Add streaming exports (actions and an Export button) to a ``ModelAdmin``."""

    #: Short format names (or dotted paths) offered; None: csv, jsonl (+ xlsx when installed).
    export_formats: Sequence[str] | None = None
    #: Field paths exported (``category__name`` allowed). None: the model fields of
    #: ``list_display``, else every concrete field, keeping only those this admin shows the
    #: user (see :meth:`get_export_fields`). Nothing else can ever be exported, and never a
    #: field of ``CURSOR_STREAM['SENSITIVE_FIELDS']``.
    export_fields: Sequence[str] | None = None
    #: File name pattern; ``{model}``, ``{timestamp}`` and ``{ext}`` are filled in.
    export_filename: str = "{model}-{timestamp}.{ext}"
    #: Export choice labels ("Active") instead of stored values ("active").
    export_choices_display: bool = False
    #: Prefix cells starting with = + - @ (spreadsheet formulas) with a quote (OWASP).
    export_escape_formulas: bool = True
    #: Permission required to export ("app_label.codename"), in addition to the view
    #: permission; None: the view permission alone.
    export_permission: str | None = None

    change_list_template = "cursor_stream/admin/change_list.html"
    export_template = "cursor_stream/admin/export.html"

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

    def get_export_fields(self, request: HttpRequest) -> list[str]:
        """Return the field paths to export (see :attr:`export_fields`).

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
        errors: list[checks.CheckMessage] = []
        for name in self.export_fields:
            try:
                field = resolve_field_path(self.model, name)
            except InvalidArgument as exc:
                errors.append(
                    checks.Error(
                        f"{where}: {exc}",
                        hint="Name model field paths, e.g. 'category__name'.",
                        obj=type(self),
                        id="cursor_stream.E006",
                    )
                )
                continue
            if is_sensitive(field):
                errors.append(
                    checks.Error(
                        _sensitive_message(where, name, field),
                        hint="Remove it from export_fields; export it with manage.py "
                        "streamdata --fields if you must.",
                        obj=type(self),
                        id="cursor_stream.E005",
                    )
                )
        return errors

    def get_export_filename(self, request: HttpRequest, format_name: str) -> str:
        """Return the download's file name for ``format_name``."""
        from .export import get_format

        model = slugify(str(self.opts.verbose_name_plural)) or self.opts.model_name
        timestamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        ext = get_format(format_name).extension
        return self.export_filename.format(model=model, timestamp=timestamp, ext=ext)

    def export_response(
        self, request: HttpRequest, queryset: models.QuerySet[Any], format_name: str
    ) -> HttpResponseBase:
        """Return the streaming download of ``queryset`` in ``format_name``."""
        from .export import _field_or_none

        if format_name not in self.get_export_formats(request):
            raise BadRequest(f"The export format {format_name!r} is not offered here.")
        fields = self.get_export_fields(request)
        for name in fields:
            # Checked again here (E005 at start-up): get_export_fields() may be overridden.
            field = _field_or_none(self.model, name)
            if field is not None and is_sensitive(field):
                raise ConfigurationError(
                    _sensitive_message(f"{type(self).__name__}.get_export_fields()", name, field)
                    + " Remove it from export_fields."
                )
        return streaming_response(
            queryset,
            format=format_name,
            fields=fields,
            using=queryset.db,
            request=request,
            filename=self.get_export_filename(request, format_name),
            escape_formulas=self.export_escape_formulas,
            choices_display=self.export_choices_display,
        )

    # --- actions ----------------------------------------------------------------------------
    def _export_action(self, format_name: str) -> Callable[..., HttpResponseBase]:
        from .export import get_format

        fmt = get_format(format_name)
        label = getattr(fmt, "label", None) or fmt.name.upper()

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

    def get_export_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        """Return the changelist's queryset for ``request.GET`` (filters, search, ordering).

        Raises ``IncorrectLookupParameters`` for filters the changelist would refuse.
        """
        setattr(request, _EXPORT_FLAG, True)
        try:
            cl = self.get_changelist_instance(request)
        finally:
            delattr(request, _EXPORT_FLAG)
        return cl.queryset  # type: ignore[no-any-return]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponseBase:
        """Run export actions without the changelist's COUNT(*); show the Export button."""
        if self._is_export_action_post(request):
            if not self.has_export_permission(request):
                raise PermissionDenied
            from django.contrib.admin.options import IncorrectLookupParameters

            try:
                queryset = self.get_export_queryset(request)
            except IncorrectLookupParameters as exc:
                raise BadRequest("The changelist filters of this export are invalid.") from exc
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
        return super().changelist_view(request, extra_context)

    # --- the Export button's view ------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:  # type: ignore[override]
        info = self.opts.app_label, self.opts.model_name
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="{}_{}_export".format(*info),
        )
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """GET: choose a format; POST (CSRF-protected): download every row the filters match."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        filters = source.get(FILTERS_VAR, "")
        changelist_url = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"
        )
        if filters:
            changelist_url += "?" + filters
        formats = self.get_export_formats(request)
        if request.method == "POST":
            format_name = request.POST.get("format", "")
            if format_name not in formats:
                raise BadRequest(f"The export format {format_name!r} is not offered here.")
            # The changelist reads its filters from GET: give it the preserved ones.
            cl_request = copy.copy(request)
            cl_request.GET = QueryDict(filters)
            from django.contrib.admin.options import IncorrectLookupParameters

            try:
                queryset = self.get_export_queryset(cl_request)
            except IncorrectLookupParameters as exc:
                raise BadRequest("The changelist filters of this export are invalid.") from exc
            return self.export_response(request, queryset, format_name)
        if request.method != "GET":
            return HttpResponse(status=405)
        from .export import get_format

        context = {
            **self.admin_site.each_context(request),
            "title": f"Export {self.opts.verbose_name_plural}",
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "formats": [(name, get_format(name)) for name in formats],
            "filters": filters,
            "filters_display": [
                (key, ", ".join(values)) for key, values in QueryDict(filters).lists()
            ],
            "changelist_url": changelist_url,
            "fields": self.get_export_fields(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.export_template, context)
