"""The article change form, its inlines and the inputs some transitions ask for."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.csp import CSP
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from articles.models import (
    Article,
    Byline,
    TaggedArticle,
)
from articles.sanitizer import clean_html

# Form keys that only services may change: a POST carrying one of them is forged.
FORGED_KEYS = {
    "status",
    "published_at",
    "published_at_0",
    "published_at_1",
    "unpublish_at",
    "unpublish_at_0",
    "unpublish_at_1",
    "first_published_at",
    "created_by",
    "version",
}
FORGED_FIELD = "Status, publish times and versions change only through the workflow buttons."
STALE_FORM = "This form is missing the version it was loaded at. Reload the article."
# Fields the conflict page compares (what the other person saved against what you typed).
CONFLICT_FIELDS = [
    "headline",
    "slug",
    "standfirst",
    "body",
    "section",
    "lead_image",
    "seo_title",
    "seo_description",
]


class BylineInline(admin.TabularInline):
    model = Byline
    autocomplete_fields = ["author"]
    fields = ["position", "author"]
    extra = 0
    min_num = 1
    verbose_name = "byline"
    verbose_name_plural = "Bylines (in order)"

    def get_formset(self, request, obj=None, **kwargs):
        # Every article needs at least one author: refuse a form with no byline.
        return super().get_formset(request, obj, validate_min=True, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "article")


class TaggedArticleInline(admin.TabularInline):
    model = TaggedArticle
    autocomplete_fields = ["tag"]
    extra = 0
    verbose_name_plural = "Tags"

    def get_queryset(self, request):
        # Each row's label names its tag and article: load them with the rows.
        return super().get_queryset(request).select_related("tag", "content_object")


# The body editor offers what the body allowlist keeps (articles/sanitizer.py).
BODY_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "HardBreak": True,
    "History": True,
}
# The editor loads its ES modules through an inline import map, which `script-src 'self'`
# blocks; the article form alone allows scripts carrying this response's nonce (the admin
# renders form media with `{% csp_nonce_attr media %}`). Public pages keep the strict policy.
ARTICLE_FORM_CSP = {**settings.SECURE_CSP, "script-src": [CSP.SELF, CSP.NONCE]}


class ArticleAdminForm(forms.ModelForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    body = ProseEditorFormField(
        extensions=BODY_EDITOR_EXTENSIONS,
        sanitize=clean_html,
        required=False,
        widget=AdminProseEditorWidget,
        help_text=Article._meta.get_field("body").help_text,
    )

    class Meta:
        model = Article
        # The admin's fieldsets choose the fields; status and times are read-only there.
        fields = [
            "headline",
            "slug",
            "standfirst",
            "body",
            "section",
            "lead_image",
            "ads_disabled",
            "seo_title",
            "seo_description",
        ]

    class Media:
        css = {"all": ["articles/prose-editor-base.css", "articles/admin.css"]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label="Publish at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    unpublish_at = forms.DateTimeField(
        label="Unpublish at (optional)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class SendBackForm(forms.Form):
    note = forms.CharField(label="Note for the writers", widget=forms.Textarea(attrs={"rows": 3}))


# Transitions that need input first ask for it on an intermediate page.
INPUT_FORMS = {"schedule": ScheduleForm, "send_back": SendBackForm}
