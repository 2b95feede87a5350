"""The change form's own widgets: the one-field tag list and the ordered byline chooser, and
the admin's autocomplete widgets made safe against forged ids.

The first two work without JavaScript (a text box; a list of hidden inputs plus an "add" select) and
are enhanced by static/articles/desk.js into keyboard-operable chip lists.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils.safestring import mark_safe

from articles.models import Author


class ProjectTemplateMixin:
    """Render from the project's templates/ (the default form renderer only sees the apps')."""

    def _render(self, template_name, context, renderer=None):
        return mark_safe(render_to_string(template_name, context))  # noqa: S308 (escaped template)


class TagListWidget(ProjectTemplateMixin, forms.Textarea):
    """Tags as one comma- or newline-separated list, with suggestions from existing tags."""

    template_name = "admin/articles/widgets/tag_list.html"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={
                "rows": 3,
                "cols": 40,
                "spellcheck": "true",
                "data-tag-list": "",
                "data-suggest-url": reverse_lazy("admin:articles_article_tag_suggestions"),
                **(attrs or {}),
            }
        )


class BylineChooserWidget(ProjectTemplateMixin, forms.Widget):
    """An ordered list of authors (hidden inputs in byline order) and a select to add one."""

    template_name = "admin/articles/widgets/byline_chooser.html"

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        # An empty byline list is submitted as nothing at all: that is a value (no authors).
        return False

    def format_value(self, value):
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        return [str(getattr(item, "pk", item)) for item in value if item not in ("", None)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen_ids = list(dict.fromkeys(context["widget"]["value"]))
        # The form's initial bylines are Author objects already (read with the article): only
        # ids typed into a posted form are looked up.
        given = value if isinstance(value, (list, tuple)) else [value]
        authors = {str(a.pk): a for a in given if isinstance(a, Author)}
        numeric = [pk for pk in chosen_ids if pk.isdigit() and pk not in authors]
        if numeric:
            authors.update((str(a.pk), a) for a in Author.objects.filter(pk__in=numeric))
        chosen = [authors[pk] for pk in chosen_ids if pk in authors]
        taken = {author.pk for author in chosen}
        context["widget"]["chosen"] = chosen
        context["widget"]["available"] = [
            author for author in Author.objects.filter(is_active=True) if author.pk not in taken
        ]
        return context


class ForgedIdSafeMixin:
    """Django's autocomplete widgets look the chosen ids up to show them again, and a forged
    one (`article=abc`) made that lookup raise while the form was shown with its error: a
    500. Ids that cannot be keys are left out here; the form field still refuses them."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        field_name = getattr(remote, "field_name", None)
        key = remote.model._meta.get_field(field_name) if field_name else remote.model._meta.pk
        keys = []
        for item in value:
            try:
                key.to_python(item)
            except ValidationError:
                continue
            keys.append(item)
        return super().optgroups(name, keys, attr)


class LabelledAutocompleteSelect(ForgedIdSafeMixin, AutocompleteSelect):
    """The admin's autocomplete, whose "nothing chosen" option has a name.

    Django renders it as an empty `<option value="">`, which the HTML standard forbids (an
    option needs text or a label) and screen readers announce as a blank.
    """

    empty_label = "None"

    def create_option(self, name, value, label, *args, **kwargs):
        if value == "" and not label:
            label = self.empty_label
        return super().create_option(name, value, label, *args, **kwargs)


class SafeAutocompleteSelectMultiple(ForgedIdSafeMixin, AutocompleteSelectMultiple):
    """The admin's many-to-many autocomplete, safe against forged ids."""


class LabelledAutocompleteMixin:
    """ModelAdmin mixin for every admin with `autocomplete_fields`: foreign keys use the
    labelled widget, many-to-many fields the safe one (tests/security/test_hostile_input.py
    sweeps every registered admin)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = LabelledAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
