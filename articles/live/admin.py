"""The desk's live coverage: the list, starting coverage on an article, and the composer on
each coverage's page (post, edit, pin, mark as key, remove, pause, end; no page reloads)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from articles.live import composer, services
from articles.live.models import LiveCoverage
from articles.models import AuditEntry
from articles.push import conf as push_conf
from articles.push import sending as push_sending
from articles.push import services as push
from articles.push.models import PushSend


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
        if coverage and push_conf.enabled() and push.can_send(request.user):
            sends = PushSend.objects.filter(source=f"live:{coverage.article_id}")[:5]
            extra["push"] = {
                "url": reverse("admin:live_send_push", args=[coverage.pk]),
                "sends": [(send, push_sending.progress(send)) for send in sends],
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def send_push(self, request, pk):
        """The composer's "Notify followers" button: a web push of the newest update."""
        coverage = get_object_or_404(LiveCoverage.objects.select_related("article"), pk=pk)
        try:
            services.send_push(coverage=coverage, by=request.user)
        except (PermissionDenied, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, message, messages.ERROR)
        else:
            self.message_user(
                request,
                "Sending the newest update to this story's followers: the counts are below.",
                messages.SUCCESS,
            )
        return redirect("admin:live_livecoverage_change", coverage.pk)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/composer/", view(composer.stream), name="live_composer_stream"),
            path("<int:pk>/composer/post/", view(composer.post), name="live_composer_post"),
            path("<int:pk>/composer/state/", view(composer.state), name="live_composer_state"),
            path("<int:pk>/push/", view(require_POST(self.send_push)), name="live_send_push"),
            path(
                "<int:pk>/composer/entries/<int:entry_id>/<slug:action>/",
                view(composer.change),
                name="live_composer_change",
            ),
            *super().get_urls(),
        ]
