"""The audit log, revisions and failed background tasks: read-only logs."""

from django.contrib import admin

from articles import services
from articles.background.models import TaskFailure
from articles.models import Article, AuditEntry, Revision


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log: nobody adds or edits rows by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "article", "action", "from_status", "to_status", "user", "note"]
    list_filter = ["action", "to_status"]
    search_fields = ["article__headline", "note", "user__username"]
    list_select_related = ["article", "user"]
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["article", "number", "reason", "created_by", "created_at"]
    search_fields = ["article__headline"]
    list_select_related = ["article", "created_by"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if services.is_editor(request.user):
            return queryset
        return queryset.filter(article__in=Article.objects.owned_by(request.user))


@admin.register(TaskFailure)
class TaskFailureAdmin(ReadOnlyAdmin):
    """Background work that failed on its last attempt; the queue itself is under Tasks."""

    list_display = ["failed_at", "task_name", "attempts", "error"]
    list_filter = ["task_name"]
    date_hierarchy = "failed_at"
