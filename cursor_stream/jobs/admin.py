"""The "Exports" admin: each user's background exports, a live progress page, cancel, download.

Also the admin export page's "Run in the background" (:func:`add_background_field`,
:func:`background_by_default`, :func:`queue_admin_export`), which
:class:`cursor_stream.admin.StreamExportMixin` uses through its export form hooks
(``get_export_form()``, ``export_form_valid()``) when this app is installed.
"""

from __future__ import annotations

import os
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from ..admin import FILTERS_VAR
from ..adminpage import ExportForm
from ..description import AdminSource, ExportDescription, StoredField
from ..exceptions import ConfigurationError, CursorStreamError
from . import api
from .conf import job_settings, result_storage
from .models import ExportJob, Status
from .storage import is_local

#: Permission to see and download every user's exports.
VIEW_ALL = "cursor_stream_jobs.view_all_exports"


def can_see_all(user: Any) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm(VIEW_ALL)))


def may_access(user: Any, job: ExportJob) -> bool:
    """Return True if ``user`` may see, cancel and download ``job``."""
    if not (user.is_active and user.is_authenticated):
        return False
    return job.user_id == user.pk or can_see_all(user)


def download_response(request: HttpRequest, job: ExportJob) -> HttpResponseBase:
    """Return the job's result: a signed storage URL (redirect) or the file, streamed."""
    if not may_access(request.user, job):
        raise PermissionDenied
    if job.status != Status.SUCCEEDED or not job.storage_name:
        raise BadRequest(f"Export {job.pk} has no result ({job.status}).")
    storage = result_storage()
    expiry = job_settings().signed_url_expiry
    if expiry is not None and not is_local(storage):
        # django-storages' S3 backend signs the URL for `expire` seconds.
        return HttpResponseRedirect(storage.url(job.storage_name, expire=expiry))  # type: ignore[call-arg]
    response = FileResponse(
        storage.open(job.storage_name, "rb"),
        as_attachment=True,
        filename=os.path.basename(job.storage_name),
    )
    response["Cache-Control"] = "no-store"
    return response


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "label", "status", "rows", "created_at", "finished_at", "user"]
    list_filter = ["status"]
    list_display_links = ["id", "label"]
    change_form_template = "cursor_stream/jobs/job.html"

    # Every staff user has an "Exports" list: of their own jobs.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None:
            return may_access(request.user, obj)
        return bool(request.user.is_active and request.user.is_staff)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and obj.finished and may_access(request.user, obj)

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        if can_see_all(request.user):
            return queryset
        return queryset.filter(user=request.user)

    def get_urls(self) -> list[URLPattern]:  # type: ignore[override]
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/status/", wrap(self.status_view), name="cursor_stream_jobs_status"),
            path("<int:pk>/cancel/", wrap(self.cancel_view), name="cursor_stream_jobs_cancel"),
            path(
                "<int:pk>/download/", wrap(self.download_view), name="cursor_stream_jobs_download"
            ),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, pk: int) -> ExportJob:
        job: ExportJob = get_object_or_404(ExportJob, pk=pk)
        if not may_access(request.user, job):
            raise PermissionDenied
        return job

    def status_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        """The progress poll: a small JSON document."""
        response = JsonResponse(self._job(request, pk).progress())
        response["Cache-Control"] = "no-store"
        return response

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = api.cancel(self._job(request, pk).pk)
        if job.status == Status.CANCELLED or job.cancel_requested:
            messages.info(request, f"Export {job.pk} is being cancelled.")
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:cursor_stream_jobs_exportjob_change", args=[pk])
        )

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return download_response(request, self._job(request, pk))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        job = self._job(request, int(object_id))
        site = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": str(job),
            "job": job,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "status_url": reverse(f"{site}:cursor_stream_jobs_status", args=[job.pk]),
            "cancel_url": reverse(f"{site}:cursor_stream_jobs_cancel", args=[job.pk]),
            "download_url": reverse(f"{site}:cursor_stream_jobs_download", args=[job.pk]),
            "changelist_url": reverse(f"{site}:cursor_stream_jobs_exportjob_changelist"),
        }
        request.current_app = site
        return TemplateResponse(request, self.change_form_template, context)


# --- "Run in the background" on a model's export page ----------------------------------------

#: The export form's field (added by :func:`add_background_field`).
BACKGROUND_FIELD = "background"


#: Formats that the page runs in the background by default: an xlsx workbook is complete only
#: at its end, and spreadsheet users wait for it rather than watch it arrive.
BACKGROUND_FORMATS = ("xlsx",)


def add_background_field(form: ExportForm) -> None:
    """Offer "Run in the background" on an export page's form."""
    form.fields[BACKGROUND_FIELD] = forms.BooleanField(
        label="Run in the background",
        required=False,
        help_text="The file is stored and listed under Exports; you need not keep this page open.",
        widget=forms.CheckboxInput(
            attrs={
                "id": "cursor-stream-background",
                # export.js ticks the box when one of these formats is chosen.
                "data-formats": " ".join(BACKGROUND_FORMATS),
            }
        ),
    )


def background_by_default(estimate: int | None, format_name: str | None = None) -> bool:
    """Return whether the page ticks "Run in the background": above ``BACKGROUND_ROWS`` rows,
    or for a format of :data:`BACKGROUND_FORMATS`."""
    if format_name in BACKGROUND_FORMATS:
        return True
    return estimate is not None and estimate > job_settings().background_rows


def queue_admin_export(
    model_admin: Any, request: HttpRequest, form: ExportForm, queryset: Any
) -> HttpResponseBase:
    """Create the background job of a valid export form and redirect to the job's page.

    The job stores what the worker needs to rebuild the export as the page would have run it:
    the admin site, the changelist's query string, the chosen columns (by name; a computed one
    is rebuilt from the admin's ``export_fields``) and the admin's options.
    """
    format_name = form.cleaned_data["format"]
    try:
        columns = model_admin.get_export_columns(request, queryset, form.cleaned_data["columns"])
        description = ExportDescription(
            model=model_admin.opts.label,
            fields=tuple(StoredField.of(column) for column in columns),
            options=model_admin.get_export_options(request, format_name),
            user=str(request.user.pk),
            admin=AdminSource(
                site=model_admin.admin_site.name, query=request.POST.get(FILTERS_VAR, "")
            ),
        )
        job = api.submit(description, user=request.user)
    except ConfigurationError:
        raise  # the project's mistake (a sensitive column), as for a download
    except CursorStreamError as exc:
        raise BadRequest(f"Cannot export this data: {exc}") from exc
    messages.success(request, f"Export {job.pk} is queued; this page shows its progress.")
    site = model_admin.admin_site.name
    return HttpResponseRedirect(
        reverse(f"{site}:cursor_stream_jobs_exportjob_change", args=[job.pk])
    )
