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
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import BadRequest, FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify

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


class StreamExportMixin(_Base):
    """Add streaming exports (actions and an Export button) to a ``ModelAdmin``."""

    #: Short format names (or dotted paths) offered; None: csv, jsonl (+ xlsx when installed).
    export_formats: Sequence[str] | None = None
    #: Field paths exported (``category__name`` allowed); None: the model fields of
    #: ``list_display``, else every concrete field. Nothing else can ever be exported.
    export_fields: Sequence[str] | None = None
    #: File name pattern; ``{model}``, ``{timestamp}`` and ``{ext}`` are filled in.
    export_filename: str = "{model}-{timestamp}.{ext}"
    #: Export choice labels ("Active") instead of stored values ("active").
    export_choices_display: bool = False
    #: Prefix cells starting with = + - @ (spreadsheet formulas) with a quote (OWASP).
    export_escape_formulas: bool = True
    #: Permission required to export ("app_label.codename"); None: the view permission.
    export_permission: str | None = None

    change_list_template = "cursor_stream/admin/change_list.html"
    export_template = "cursor_stream/admin/export.html"

    # --- configuration hooks ----------------------------------------------------------------
    def has_export_permission(self, request: HttpRequest) -> bool:
        """Return True if the user may export (``export_permission``, else view permission)."""
        if self.export_permission:
            codename = self.export_permission
            if "." not in codename:
                codename = f"{self.opts.app_label}.{codename}"
            return bool(request.user.has_perm(codename))
        return bool(self.has_view_permission(request))

    def get_export_formats(self, request: HttpRequest) -> list[str]:
        """Return the names of the formats offered to this request."""
        return list(self.export_formats) if self.export_formats is not None else available_formats()

    def get_export_fields(self, request: HttpRequest) -> list[str]:
        """Return the field paths to export (see :attr:`export_fields`)."""
        if self.export_fields is not None:
            return list(self.export_fields)
        opts = self.opts
        fields = []
        for name in self.get_list_display(request):
            if not isinstance(name, str):
                continue
            try:
                field = opts.get_field(name)
            except FieldDoesNotExist:
                continue
            if getattr(field, "concrete", False) and not field.many_to_many:
                fields.append(field.name)
        return fields or [f.name for f in opts.concrete_fields]

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
        if format_name not in self.get_export_formats(request):
            raise BadRequest(f"The export format {format_name!r} is not offered here.")
        return streaming_response(
            queryset,
            format=format_name,
            fields=self.get_export_fields(request),
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
        if request.method != "POST" or "action" not in request.POST:
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
            if request.POST.get("background") and _jobs_installed():
                from .jobs.admin import queue_admin_export

                return queue_admin_export(self, request, filters, format_name)
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
            "background": self._background_choice(request, filters),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.export_template, context)

    def _background_choice(self, request: HttpRequest, filters: str) -> dict[str, Any] | None:
        """Return the "Run in the background" choice of the export page (None: not offered)."""
        if not _jobs_installed():
            return None
        from django.contrib.admin.options import IncorrectLookupParameters

        from .jobs.admin import background_choice

        cl_request = copy.copy(request)
        cl_request.GET = QueryDict(filters)
        try:
            queryset = self.get_export_queryset(cl_request)
        except IncorrectLookupParameters:
            return None
        return background_choice(self, request, queryset)


def _jobs_installed() -> bool:
    from django.apps import apps

    return bool(apps.is_installed("cursor_stream.jobs"))
