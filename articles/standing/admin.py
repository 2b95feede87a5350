from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from articles.standing import workflow
from articles.standing.models import Page, PageAuditEntry, PageRevision


class RevisionInline(admin.TabularInline):
    model = PageRevision
    fields = ["number", "reason", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AuditInline(admin.TabularInline):
    model = PageAuditEntry
    fields = ["action", "from_status", "to_status", "user", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _step(function, done):
    def action(modeladmin, request, queryset):
        moved = 0
        for page in queryset:
            try:
                function(page=page, by=request.user)
            except (PermissionDenied, ValidationError) as error:
                messages.error(
                    request, f"{page}: {' '.join(getattr(error, 'messages', [str(error)]))}"
                )
            else:
                moved += 1
        if moved:
            messages.success(request, f"{moved} page(s) {done}.")

    return action


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "updated_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["status"]
    inlines = [AuditInline, RevisionInline]
    actions = ["submit", "publish", "unpublish", "return_to_draft"]

    @admin.action(description="Send for review")
    def submit(self, request, queryset):
        _step(workflow.submit_for_review, "sent for review")(self, request, queryset)

    @admin.action(description="Publish")
    def publish(self, request, queryset):
        _step(workflow.publish, "published")(self, request, queryset)

    @admin.action(description="Unpublish")
    def unpublish(self, request, queryset):
        _step(workflow.unpublish, "unpublished")(self, request, queryset)

    @admin.action(description="Return to draft")
    def return_to_draft(self, request, queryset):
        _step(workflow.return_to_draft, "returned to draft")(self, request, queryset)

    def save_model(self, request, obj, form, change):
        workflow.save_page(page=obj, by=request.user)
