"""Corrections (append-only notes on published articles) and pinned related stories."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from articles import services
from articles.admin.widgets import LabelledAutocompleteMixin
from articles.models import Correction, RelatedPin

RELATED_PIN_ITSELF = "An article cannot be related to itself."


class CorrectionForm(forms.ModelForm):
    class Meta:
        model = Correction
        fields = ["article", "kind", "text"]

    def clean(self):
        cleaned = super().clean()
        problems = services.correction_problems(
            article=cleaned.get("article"), text=cleaned.get("text", ""), by=self.user
        )
        if problems:
            raise ValidationError(problems)
        return cleaned


@admin.register(Correction)
class CorrectionAdmin(LabelledAutocompleteMixin, admin.ModelAdmin):
    """Editors add notes; nobody edits or deletes them (readers rely on the record)."""

    form = CorrectionForm
    list_display = ["created_at", "article", "kind", "created_by", "text"]
    list_filter = ["kind"]
    search_fields = ["article__headline", "text"]
    list_select_related = ["article", "created_by"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["article"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and services.is_editor(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        added = services.add_correction(
            article=obj.article, kind=obj.kind, text=obj.text, by=request.user
        )
        obj.pk, obj.created_at, obj.created_by = added.pk, added.created_at, added.created_by
        obj._state.adding = False


class RelatedPinForm(forms.ModelForm):
    class Meta:
        model = RelatedPin
        fields = ["article", "related", "position"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("article") and cleaned.get("article") == cleaned.get("related"):
            raise ValidationError({"related": RELATED_PIN_ITSELF})
        return cleaned


@admin.register(RelatedPin)
class RelatedPinAdmin(LabelledAutocompleteMixin, admin.ModelAdmin):
    """Stories an editor pins under an article; they show first among its related stories."""

    form = RelatedPinForm
    list_display = ["article", "related", "position"]
    list_editable = ["position"]
    search_fields = ["article__headline", "related__headline"]
    list_select_related = ["article", "related"]
    autocomplete_fields = ["article", "related"]
