"""Sections and tags: how articles are filed."""

from django.db import models
from django.utils import timezone
from taggit.models import ItemBase, TagBase

from articles.addresses import address


class Section(models.Model):
    """A part of the paper (Politics, Technology …); every article has one primary section."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, help_text="Shown on the section page.")
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Sections are listed in the navigation in this order."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self, here=None):
        return address("articles:section", here=here, slug=self.slug)


class Tag(TagBase):
    """A topic label. Case-insensitive: "AI Ethics" and "ai ethics" are the same tag."""

    description = models.TextField(blank=True, help_text="Shown on the tag page.")

    class Meta:
        ordering = ["name"]

    def get_absolute_url(self, here=None):
        return address("articles:tag", here=here, slug=self.slug)


class OldTagSlug(models.Model):
    """An address a tag used to have (before a rename or merge); it redirects to the tag."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "old tag address"

    def __str__(self):
        return f"{self.slug} → {self.tag.slug}"


class ArticleStateCopy(models.Model):
    """A row that files an article under a tag or an author, carrying a copy of the article's
    status and times.

    The database writes the copy (migration 0015's triggers: on every insert or move of the
    row, and on every change to the article's status or times, by `save()`, `update()` or raw
    SQL), so a tag's or an author's page walks that row's own index (newest live first) and
    stops after the page, however long the archive. Read only through
    `ArticleQuerySet.public_sql()`; nothing in Python writes it."""

    status = models.CharField(max_length=20, default="", editable=False)
    published_at = models.DateTimeField(null=True, editable=False)
    unpublish_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        abstract = True


class TaggedArticle(ItemBase, ArticleStateCopy):
    """One tag on one article."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_articles")
    content_object = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = "tag"
        constraints = [
            models.UniqueConstraint(fields=["tag", "content_object"], name="tagged_article_unique"),
        ]
        indexes = [
            models.Index(
                fields=["tag", "-published_at", "-content_object"],
                condition=models.Q(status__in=["published", "scheduled"]),
                name="tagged_live_order_idx",
            ),
        ]

    def __str__(self):
        return f"{self.content_object} tagged with {self.tag}"
