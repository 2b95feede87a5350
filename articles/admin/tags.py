"""Tags: rename (old addresses redirect), merge into another tag, prune unused ones."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse

from articles import services
from articles.models import Tag


class MergeTagsForm(forms.Form):
    into = forms.ModelChoiceField(
        label="Merge into",
        queryset=Tag.objects.order_by("name"),
        help_text="The tag that stays. The selected tags are deleted; their articles get this "
        "tag and their addresses redirect to it.",
    )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge", "prune"]

    def get_queryset(self, request):
        # One query for the whole changelist page, however many tags it shows.
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("tagged_articles"))
            .order_by("name")
        )

    @admin.display(description="Articles", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count

    def save_model(self, request, obj, form, change):
        if change and {"name", "slug"} & set(form.changed_data):
            # The form has checked the slug is free; the service keeps the old address.
            services.rename_tag(tag=obj, name=obj.name, slug=obj.slug, by=request.user)
        super().save_model(request, obj, form, change)

    @admin.action(description="Merge selected tags into another tag…", permissions=["delete"])
    def merge(self, request, queryset):
        sources = list(queryset.annotate(article_count=Count("tagged_articles")))
        form = MergeTagsForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                moved = services.merge_tags(
                    sources=sources, into=form.cleaned_data["into"], by=request.user
                )
            except ValidationError as exc:
                form.add_error("into", exc.messages)
            else:
                names = ", ".join(tag.name for tag in sources)
                self.message_user(
                    request,
                    f"Merged {names} into {form.cleaned_data['into'].name}: "
                    f"{moved} article(s) moved.",
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge tags",
            "opts": self.model._meta,
            "sources": sources,
            "moving": services.articles_moving(sources=sources),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/tag/merge.html", context)

    @admin.action(description="Delete selected tags that nothing uses", permissions=["delete"])
    def prune(self, request, queryset):
        selected = queryset.count()
        pruned = services.prune_tags(queryset=queryset, by=request.user)
        self.message_user(
            request,
            f"Deleted {pruned} unused tag(s); kept {selected - pruned} that articles or ads use.",
            messages.SUCCESS,
        )
