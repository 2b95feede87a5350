from django.contrib import admin

from articles.standing.models import Page


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "updated_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
