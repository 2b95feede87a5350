"""The desk's live coverage: the list, starting coverage on an article, and the composer on
each coverage's page (post, edit, pin, mark as key, remove, pause, end; no page reloads)."""

from django.contrib import admin
from django.urls import path

from articles.live import composer, services
from articles.live.models import LiveCoverage
from articles.models import AuditEntry


@admin.register(LiveCoverage)
class LiveCoverageAdmin(admin.ModelAdmin):
    list_display = ["article", "state", "started_at", "last_entry_at", "entry_count"]
    list_filter = ["state"]
    search_fields = ["article__headline"]
    raw_id_fields = ["article"]
    change_form_template = "admin/live/livecoverage/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")

    @admin.display(description="Entries")
    def entry_count(self, obj):
        return obj.entries.count()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["article", "auto_end_hours", "ads_every"]
        return ["article", "state", "started_at", "ended_at", "auto_end_hours", "ads_every"]

    def get_readonly_fields(self, request, obj=None):
        return ["article", "state", "started_at", "ended_at"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # coverage ends; its entries stay in the record

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            AuditEntry.objects.create(
                article_id=obj.article_id,
                action="live_settings",
                note=f"Auto-end after {obj.auto_end_hours} h, ads every {obj.ads_every} entries",
                user=request.user,
            )
            return
        # The form already refused a second coverage of one article (the one-to-one field).
        created = services.start_coverage(
            article=obj.article,
            by=request.user,
            auto_end_hours=obj.auto_end_hours,
            ads_every=obj.ads_every,
        )
        obj.pk = created.pk
        obj.version = created.version

    def change_view(self, request, object_id, form_url="", extra_context=None):
        coverage = self.get_object(request, object_id)
        extra = {"composer_urls": composer.urls_for(coverage)} if coverage else {}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/composer/", view(composer.stream), name="live_composer_stream"),
            path("<int:pk>/composer/post/", view(composer.post), name="live_composer_post"),
            path("<int:pk>/composer/state/", view(composer.state), name="live_composer_state"),
            path(
                "<int:pk>/composer/entries/<int:entry_id>/<slug:action>/",
                view(composer.change),
                name="live_composer_change",
            ),
            *super().get_urls(),
        ]
