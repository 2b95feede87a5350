"""Authors and sections (tags: `articles/admin/tags.py`)."""

from django.contrib import admin, messages
from django.db.models import Count

from articles.admin.widgets import LabelledAutocompleteMixin
from articles.models import (
    Author,
    Section,
)


@admin.register(Author)
class AuthorAdmin(LabelledAutocompleteMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "user", "is_active", "byline_count"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user", "photo"]
    actions = ["deactivate"]

    def get_queryset(self, request):
        # Meta.ordering is dropped from GROUP BY queries: order explicitly.
        return (
            super().get_queryset(request).annotate(byline_count=Count("bylines")).order_by("name")
        )

    def get_search_results(self, request, queryset, search_term):
        # The byline autocomplete offers active authors only.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(is_active=True)
        return queryset, may_have_duplicates

    @admin.display(description="Bylines", ordering="byline_count")
    def byline_count(self, obj):
        return obj.byline_count

    @admin.action(description="Deactivate selected authors (keeps their bylines)")
    def deactivate(self, request, queryset):
        count = queryset.update(is_active=False)
        self.message_user(request, f"Deactivated {count} author(s).", messages.SUCCESS)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
