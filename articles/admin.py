from django.contrib import admin, messages
from django.db.models import Count
from taggit.models import Tag as TaggitTag

from articles.models import Article, Author, Byline, Section, Tag, TaggedArticle

# We file articles under our own Tag model; taggit's default one is unused.
admin.site.unregister(TaggitTag)


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


class TaggedArticleInline(admin.TabularInline):
    model = TaggedArticle
    autocomplete_fields = ["tag"]
    extra = 0
    verbose_name_plural = "Tags"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "status", "section", "byline_names", "published_at", "updated_at"]
    list_filter = ["status", "section", "bylines__author", "tags", "ads_disabled"]
    search_fields = ["headline", "standfirst", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    list_select_related = ["section"]
    inlines = [BylineInline, TaggedArticleInline]
    readonly_fields = ["first_published_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "body", "section"]}),
        (
            "Lead image",
            {
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                ]
            },
        ),
        ("Publishing", {"fields": ["status", "published_at", "unpublish_at", "ads_disabled"]}),
        ("Search engines", {"fields": ["seo_title", "seo_description"], "classes": ["collapse"]}),
        ("History", {"fields": ["first_published_at", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_bylines()

    @admin.display(description="Bylines")
    def byline_names(self, obj):
        return ", ".join(byline.author.name for byline in obj.bylines.all())


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user", "is_active", "byline_count"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]
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


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("tagged_articles"))
            .order_by("name")
        )

    @admin.display(description="Articles", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count
