from django.contrib import admin
from django.http import HttpResponse

from articles.redirects.models import Redirect
from articles.redirects.services import nginx_map


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "new_path", "is_permanent", "origin", "created_at"]
    list_filter = ["is_permanent", "origin"]
    search_fields = ["old_path", "new_path"]
    actions = ["export_nginx_map"]

    @admin.action(description="Export every redirect as an nginx map")
    def export_nginx_map(self, request, queryset):
        response = HttpResponse(nginx_map(), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="redirects.map"'
        return response
