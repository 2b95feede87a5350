"""Publication settings: one row, edited by administrators (superusers)."""

from django import forms
from django.contrib import admin

from articles.media.admin import NotStoredAdminMixin
from articles.media.storing import files_stored_or_removed
from articles.publication import save_publication
from articles.publication.models import Publication, time_zone_choices


@admin.register(Publication)
class PublicationAdmin(NotStoredAdminMixin, admin.ModelAdmin):
    """One row: "Add" is offered until it exists, and it is never deleted."""

    list_display = ["name", "base_url", "language", "time_zone", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "description", "base_url", "language", "time_zone"]}),
        ("Images", {"fields": ["logo", "social_image", "social_image_alt"]}),
        ("Social", {"fields": ["twitter_site"]}),
        ("Feeds", {"fields": ["feeds_full_content"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":
            kwargs["widget"] = forms.Select(choices=time_zone_choices())
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Publication.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        with files_stored_or_removed(obj):
            save_publication(publication=obj)
