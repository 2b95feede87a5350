"""The Imports page: administrators upload a WordPress export, read the dry run, confirm, and
watch the import's progress and report (the page polls; nothing needs a reload)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from articles.wpimport import services
from articles.wpimport.models import ImportRun
from articles.wpimport.tasks import check_export, import_slice


class UploadForm(forms.Form):
    export = forms.FileField(
        label="WordPress export (.xml)",
        help_text="From WordPress: Tools › Export › All content. It is stored on the server, "
        "checked (a dry run: nothing is written) and imported only when you confirm.",
    )
    media_from = forms.CharField(
        label="Images from",
        required=False,
        help_text="The old site's uploads address (https://old.example/wp-content/uploads) "
        "or a copied uploads folder on the server. Leave empty to import no images.",
    )


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "created_by", "created_at", "finished_at"]
    list_filter = ["status"]

    # Administrators only: an import writes every kind of content at once.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_view_permission

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request) and (
            obj is None or obj.status not in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
        )

    def delete_model(self, request, obj):
        services.delete_run(run=obj)

    def delete_queryset(self, request, queryset):
        for run in queryset:
            if self.has_delete_permission(request, run):
                services.delete_run(run=run)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/run/", wrap(self.run_view), name="wpimport_importrun_run"),
            path(
                "<int:pk>/progress/", wrap(self.progress_view), name="wpimport_importrun_progress"
            ),
            *super().get_urls(),
        ]

    def _run(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(ImportRun, pk=pk)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = services.receive_upload(
                    upload=form.cleaned_data["export"],
                    media_from=form.cleaned_data["media_from"].strip(),
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                transaction.on_commit(lambda: check_export.enqueue(run_id=run.pk))
                return redirect("admin:wpimport_importrun_run", pk=run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import from WordPress",
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/wpimport/upload.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A run is read on its own page (report and progress), never edited."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not object_id.isdigit():
            raise Http404("No such import.")
        return self.run_view(request, int(object_id))

    def run_view(self, request, pk):
        run = self._run(request, pk)
        if request.method == "POST":
            try:
                services.confirm(run=run, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                transaction.on_commit(lambda: import_slice.enqueue(run_id=run.pk))
                messages.success(request, "The import is queued; this page shows its progress.")
            return redirect("admin:wpimport_importrun_run", pk=run.pk)
        dry = run.dry_run_report
        context = {
            **self.admin_site.each_context(request),
            "title": str(run),
            "run": run,
            "opts": self.opts,
            "dry_lines": services.report_lines(dry, dry_run=True) if dry.get("items") else [],
            "dry_error": dry.get("error", ""),
            "progress": services.progress(run),
            "progress_url": reverse("admin:wpimport_importrun_progress", args=[run.pk]),
            "can_confirm": run.status == ImportRun.Status.CHECKED,
        }
        return TemplateResponse(request, "admin/wpimport/run.html", context)

    def progress_view(self, request, pk):
        response = JsonResponse(services.progress(self._run(request, pk)))
        response["Cache-Control"] = "private, no-store"
        return response
