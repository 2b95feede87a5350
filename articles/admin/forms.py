"""The article change form (one-field tags, ordered bylines) and the inputs transitions ask for."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.csp import CSP
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from articles import services
from articles.admin.widgets import BylineChooserWidget, TagListWidget
from articles.models import Article, Author, TaggedArticle
from articles.richtext.sanitizer import clean_html

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


# The body editor offers what the body allowlist keeps (articles/richtext/sanitizer.py).
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
    # django-prose-editor turns the browser's spell-check off by default; writers want it.
    "NoSpellCheck": False,
}
# The editor loads its ES modules through an inline import map, which `script-src 'self'`
# blocks; the article form alone allows scripts carrying this response's nonce (the admin
# renders form media with `{% csp_nonce_attr media %}`). Tiptap would also inject a
# `<style data-tiptap-style>`; the form ships that element itself, empty and with the nonce
# (Tiptap then reuses it), and the styles come from prose-editor-base.css. Public pages and
# the rest of the admin keep the strict policy.
ARTICLE_FORM_CSP = {
    **settings.SECURE_CSP,
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [*settings.SECURE_CSP["style-src"], CSP.NONCE],
}
# Live counters: (what is counted against, the recommended length).
COUNTED_FIELDS = {"headline": 90, "seo_title": 60, "seo_description": 160}
TAGS_HELP = (
    "Type or paste tags, separated by commas or new lines; existing tags are suggested, new "
    'ones are created on save (writers and editors may). "Quote, a tag" with a comma. '
    "On a focused tag: Delete removes it, Alt+arrows move it."
)
BYLINES_HELP = (
    "In byline order. Move with the arrows, by dragging, or Alt+Up/Down. "
    "Inactive authors cannot be added."
)


class TagListField(forms.CharField):
    """Tags as one typed list; cleans to the list of names (see services.parse_tags)."""

    widget = TagListWidget

    def __init__(self, **kwargs):
        super().__init__(required=False, strip=False, **kwargs)

    def to_python(self, value):
        return services.parse_tags(value or "")

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return services.format_tags(list(value))
        return value

    def has_changed(self, initial, data):
        try:
            return services.parse_tags(data or "") != list(initial or [])
        except ValidationError:
            return True


class BylinesField(forms.Field):
    """Authors in byline order; cleans to a list of Author objects."""

    widget = BylineChooserWidget
    default_error_messages = {
        "required": services.BYLINE_REQUIRED,
        "invalid_choice": "That author does not exist (any more): choose another.",
    }

    def to_python(self, value):
        values = value if isinstance(value, (list, tuple)) else [value]
        ids = list(dict.fromkeys(str(v).strip() for v in values if str(v or "").strip()))
        if not ids:
            return []
        if not all(pk.isdigit() for pk in ids):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        authors = {str(a.pk): a for a in Author.objects.filter(pk__in=ids)}
        if len(authors) != len(ids):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return [authors[pk] for pk in ids]

    def has_changed(self, initial, data):
        initial_ids = [str(getattr(a, "pk", a)) for a in initial or []]
        data_ids = [str(v) for v in (data or []) if str(v or "").strip()]
        return initial_ids != list(dict.fromkeys(data_ids))


class ArticleAdminForm(forms.ModelForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    body = ProseEditorFormField(
        extensions=BODY_EDITOR_EXTENSIONS,
        sanitize=clean_html,
        required=False,
        widget=AdminProseEditorWidget,
        help_text=Article._meta.get_field("body").help_text,
    )
    # Not named like the model's `bylines`/`tags` managers, which the ModelForm would reach.
    byline_list = BylinesField(label="Bylines", help_text=BYLINES_HELP)
    tag_list = TagListField(label="Tags", help_text=TAGS_HELP)

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
        js = ["articles/desk.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
            # Bylines are prefetched with the article; tags cost one query, in typed order.
            self.fields["byline_list"].initial = [b.author for b in self.instance.bylines.all()]
            self.fields["tag_list"].initial = [
                item.tag.name
                for item in TaggedArticle.objects.filter(content_object=self.instance)
                .select_related("tag")
                .order_by("pk")
            ]
        for name, recommended in COUNTED_FIELDS.items():
            if name in self.fields:
                self.fields[name].widget.attrs["data-counter"] = recommended
        for name in ("headline", "slug", "seo_title", "seo_description"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "vLargeTextField desk-wide"
        if "headline" in self.fields:
            # A long headline wraps in a box that grows with it, never cut off in a one-line
            # input; it stays one line (Enter is ignored, line breaks are spaces on save).
            attrs = {**self.fields["headline"].widget.attrs, "rows": 2, "spellcheck": "true"}
            self.fields["headline"].widget = forms.Textarea(attrs=attrs)
        if "lead_image" in self.fields:
            # The admin renders a file input under a <legend>, which is no label for it.
            self.fields["lead_image"].widget.attrs.setdefault("aria-label", "Lead image file")

    def clean_headline(self):
        return " ".join((self.cleaned_data.get("headline") or "").split())

    def validate_unique(self):
        # Two saves giving the same address at once: on PostgreSQL the second waits here for
        # the first to commit (a lock held until the end of the admin's transaction), then sees
        # its row and gets the usual "already exists" error instead of an IntegrityError 500.
        slug = self.cleaned_data.get("slug")
        if slug and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"slug:{slug}"])
        super().validate_unique()

    def clean(self):
        cleaned = super().clean()
        if "byline_list" in cleaned:
            try:
                services.check_bylines(
                    article=self.instance if self.instance.pk else None,
                    authors=cleaned["byline_list"],
                )
            except ValidationError as error:
                self.add_error("byline_list", error)
        return cleaned


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label="Publish at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    unpublish_at = forms.DateTimeField(
        label="Unpublish at (optional)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Times are read in the current time zone: the publication's (its settings).
        zone = timezone.get_current_timezone_name()
        for field in self.fields.values():
            field.help_text = f"In {zone}, the publication's time zone."


class SendBackForm(forms.Form):
    note = forms.CharField(label="Note for the writers", widget=forms.Textarea(attrs={"rows": 3}))


# Transitions that need input first ask for it on an intermediate page.
INPUT_FORMS = {"schedule": ScheduleForm, "send_back": SendBackForm}
