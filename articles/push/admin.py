"""The desk's record of push sends: who sent what to which topic, delivered and failed."""

from django.contrib import admin

from articles.push import sending
from articles.push.models import PushSend


@admin.register(PushSend)
class PushSendAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "status", "created_at", "created_by", "counts"]
    list_filter = ["status", "topic"]
    readonly_fields = ["topic", "title", "body", "url", "ttl", "urgency", "source", "status",
                       "created_by", "created_at", "finished_at", "total", "counts"]  # fmt: skip
    fields = readonly_fields

    @admin.display(description="Delivered / failed / pruned")
    def counts(self, obj):
        figures = sending.progress(obj)
        return (
            f"{figures['delivered']:,} delivered · {figures['failed']:,} failed · "
            f"{figures['pruned']:,} pruned (of {obj.total:,})"
        )

    # Sends are made with "Send as push" (alerts) or services.send_notification, never by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
