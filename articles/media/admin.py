"""The media library: upload once, describe once, reuse everywhere."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from articles.media import services
from articles.media.models import Image
from articles.media.storing import NotStored, files_stored_or_removed
from articles.media.validation import inspect_upload

ERROR_UPLOAD_REQUIRED = "Choose an image file to upload."
# The add page's preview before a file is chosen: an empty (transparent, 1 × 1) picture.
NO_FILE_YET = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


class NotStoredAdminMixin:
    """A model admin whose saves write uploaded files: a full disk (`NotStored`) answers the
    form again with the error on the file's field, after the admin's transaction rolled back
    (no row saved, no file left), instead of a 500."""

    upload_field = None  # the form field to show the error on when the model field is not one

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except NotStored as refused:
            request._not_stored = refused
            for upload in request.FILES.values():
                upload.seek(0)  # read once by the first validation; the form checks it again
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refused = getattr(request, "_not_stored", None)
        if refused is None:
            return form
        fallback = self.upload_field

        class RefusedForm(form):
            """The same form, refused: the storage had no room for its file."""

            def full_clean(self):
                # After the model's own checks, which would otherwise miss the refused file.
                super().full_clean()
                if self.is_bound:
                    field = refused.field if refused.field in self.fields else fallback
                    self.add_error(field if field in self.fields else None, refused.message)

        return RefusedForm

    def save_model(self, request, obj, form, change):
        with files_stored_or_removed(obj):
            super().save_model(request, obj, form, change)


class FocalPointWidget(forms.NumberInput):
    """A number from 0 to 1; `articles/focal-point.js` also sets it when the image is clicked."""

    def __init__(self):
        super().__init__(attrs={"min": "0", "max": "1", "step": "0.01", "class": "focal-input"})


class ImageAdminForm(forms.ModelForm):
    upload = forms.FileField(
        label="Image file",
        required=False,
        help_text=Image._meta.get_field("file").help_text,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Image
        fields = ["alt_text", "caption", "credit", "focal_x", "focal_y"]
        widgets = {"focal_x": FocalPointWidget(), "focal_y": FocalPointWidget()}

    class Media:
        js = ["articles/focal-point.js"]
        css = {"all": ["articles/admin.css"]}

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            inspect_upload(upload)  # the header only: nothing is decoded here
        elif self.instance.pk is None:
            raise forms.ValidationError(ERROR_UPLOAD_REQUIRED)
        return upload or None


@admin.register(Image)
class ImageAdmin(NotStoredAdminMixin, admin.ModelAdmin):
    form = ImageAdminForm
    upload_field = "upload"
    list_display = ["thumbnail", "alt_text", "credit", "size", "uploaded_by", "uploaded_at"]
    list_display_links = ["thumbnail", "alt_text"]
    search_fields = ["alt_text", "caption", "credit"]
    list_select_related = ["uploaded_by"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["preview", "size", "uploaded_by", "uploaded_at", "rendition_status"]
    fieldsets = [
        (None, {"fields": ["upload", "preview", "alt_text", "caption", "credit"]}),
        (
            "Focal point",
            {
                "fields": ["focal_x", "focal_y"],
                "description": "Click the subject in the image above (it shows as soon as "
                "a file is chosen), or type the position (0 is the left or top edge, 1 the "
                "right or bottom). Crops keep it in view.",
            },
        ),
        ("Details", {"fields": ["size", "rendition_status", "uploaded_by", "uploaded_at"]}),
    ]

    def get_deleted_objects(self, objs, request):
        # An image in use is never deleted (its articles and authors PROTECT it): list where it
        # is used, whatever the user may delete elsewhere, rather than a list of missing rights.
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            perms_needed = set()
        return to_delete, model_count, perms_needed, protected

    def save_model(self, request, obj, form, change):
        services.save_image(
            image=obj,
            by=request.user,
            upload=form.cleaned_data.get("upload"),
            refocused=change and bool({"focal_x", "focal_y"} & set(form.changed_data)),
        )

    @admin.display(description="Image")
    def thumbnail(self, obj):
        meta = obj.rendition_meta(ratio="1:1", width=320) if obj.is_ready else None
        if meta is None:
            return "Being processed"
        return format_html(
            '<img src="{}" alt="" width="64" height="64" class="library-thumb">', meta["url"]
        )

    @admin.display(description="Image")
    def preview(self, obj):
        if not obj.pk:
            # Filled in the browser from the chosen file (focal-point.js), before any upload.
            return format_html(
                '<p class="focal-picker__empty" data-focal-empty>{}</p>'
                '<div class="focal-picker" hidden><img src="{}" alt="{}" '
                'class="focal-picker__image" data-focal-picker data-focal-preview>'
                '<span class="focal-picker__mark" aria-hidden="true"></span></div>',
                "Choose an image file: it shows here, and you can click its subject.",
                NO_FILE_YET,
                "The chosen file",
            )
        if not obj.is_ready:
            return "The image is being processed; reload in a moment."
        return format_html(
            '<div class="focal-picker"><img src="{}" width="{}" height="{}" alt="{}" '
            'class="focal-picker__image" data-focal-picker>'
            '<span class="focal-picker__mark" aria-hidden="true"></span></div>',
            obj.file.url,
            obj.width,
            obj.height,
            obj.alt_text,
        )

    @admin.display(description="Size")
    def size(self, obj):
        if not obj.original_width:
            return "—"
        return f"{obj.original_width} × {obj.original_height} px uploaded"

    @admin.display(description="Sizes for readers")
    def rendition_status(self, obj):
        if not obj.pk:
            return "—"
        if not obj.has_renditions:
            return "Not made yet (the task worker makes them after an upload)."
        ratios = obj.renditions["ratios"]
        formats = sorted(next(iter(ratios.values()))["sources"])
        return f"{len(ratios)} crops ({', '.join(ratios)}) in {', '.join(formats)}"
