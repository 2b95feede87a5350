"""Articles, their publication rule (`ArticleQuerySet.published()`) and their bylines."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, ExpressionWrapper, F, OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager

from ads.insertion import top_level_blocks
from articles.models.people import Author
from articles.models.taxonomy import Section, TaggedArticle
from articles.sanitizer import clean_html

# Columns no article card shows: listings leave them in the database.
LISTING_DEFERRED = ["body", "body_blocks", "seo_title", "seo_description", "section__description",
                    "lead_image__caption", "lead_image__credit"]  # fmt: skip


class ArticleQuerySet(models.QuerySet):
    @staticmethod
    def public_q(now=None):
        """The one rule for what readers may see, as a condition."""
        now = now or timezone.now()
        return (
            Q(status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED])
            & Q(published_at__lte=now)
            & (Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now))
        )

    def published(self):
        """Articles readers may see: published (or scheduled and due), and not yet taken down."""
        return self.filter(self.public_q())

    def with_visibility(self):
        """Annotate `is_public` with the same rule as `published()`."""
        return self.annotate(
            is_public=ExpressionWrapper(self.public_q(), output_field=models.BooleanField())
        )

    def drafts(self):
        """Articles being written."""
        return self.filter(status=Article.Status.DRAFT)

    def in_review(self):
        """Articles waiting for an editor."""
        return self.filter(status=Article.Status.IN_REVIEW)

    def scheduled(self):
        """Articles approved to go live at their publish time."""
        return self.filter(status=Article.Status.SCHEDULED)

    def due_to_publish(self, now=None):
        """Scheduled articles whose publish time has come (the scheduler flips them)."""
        return self.scheduled().filter(published_at__lte=now or timezone.now())

    def due_to_unpublish(self, now=None):
        """Live or scheduled articles whose unpublish time has come."""
        return self.filter(
            status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
            unpublish_at__lte=now or timezone.now(),
        )

    def overdue(self, now=None):
        """Articles whose scheduled flip is late: the scheduler has not run since it was due."""
        now = now or timezone.now()
        return self.filter(pk__in=self.due_to_publish(now).values("pk")) | self.filter(
            pk__in=self.due_to_unpublish(now).values("pk")
        )

    def recently_published(self):
        """Live articles, newest first."""
        return self.published().order_by("-published_at", "-pk")

    def owned_by(self, user):
        """Articles the user created or has a byline on."""
        return self.filter(Q(created_by=user) | Q(bylines__author__user=user)).distinct()

    def visible_to(self, user):
        """Articles `user` may see, in the newsroom's one view rule (docs/security.md).

        Editors see every article; a writer sees what readers see plus the articles they own
        (created or carry the byline of); everyone else (ad managers, readers) sees only what
        `published()` returns.
        """
        if user.is_active and user.has_perm("articles.publish_article"):
            return self
        if user.is_active and user.has_perm("articles.change_article"):
            owned = Article.objects.owned_by(user).values("pk")
            return self.filter(self.public_q() | Q(pk__in=owned))
        return self.published()

    def with_bylines(self):
        """Prefetch ordered bylines with their authors (one query for any number)."""
        return self.prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author"))
        )

    def for_listing(self):
        """What an article card needs (its lead image and renditions too; never the body),
        newest first."""
        return (
            self.select_related("section", "lead_image")
            .defer(*LISTING_DEFERRED)
            .with_bylines()
            .order_by("-published_at", "-pk")
        )

    def for_detail(self):
        """What the article page needs, in a fixed number of queries."""
        return (
            self.select_related("section", "lead_image")
            .with_bylines()
            .prefetch_related(
                Prefetch(
                    "tagged_items",
                    queryset=TaggedArticle.objects.select_related("tag").order_by("pk"),
                ),
                "corrections",
            )
        )

    def related_to(self, article, *, limit=4):
        """Up to `limit` published stories for the foot of `article`: its pinned ones first
        (in pin order), then those sharing the most tags, then the newest. One query.

        `article`'s tags are read from its prefetched `tagged_items` when `for_detail()`
        loaded it, so the number of tags never adds a query.
        """
        tag_ids = [item.tag_id for item in article.tagged_items.all()]
        pins = RelatedPin.objects.filter(article_id=article.pk).order_by()
        pin_position = pins.filter(related_id=OuterRef("pk")).values("position")[:1]
        return (
            self.published()
            .exclude(pk=article.pk)
            .filter(Q(tagged_items__tag_id__in=tag_ids) | Q(pk__in=pins.values("related_id")))
            .annotate(
                pin_position=Subquery(pin_position),
                shared_tags=Count(
                    "tagged_items", filter=Q(tagged_items__tag_id__in=tag_ids), distinct=True
                ),
            )
            .select_related("section")
            .order_by(
                F("pin_position").asc(nulls_last=True), "-shared_tags", "-published_at", "-pk"
            )[:limit]
        )


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self):
        # The search vector is written by the database and read only by articles/search.py;
        # pages never need it, and a save() then leaves it to the database trigger.
        return super().get_queryset().defer("search_vector")


def derive_body_fields(article) -> None:
    """Parse the (clean) body once, at save time: where its top-level blocks end."""
    article.body_blocks = [[end, tag] for end, tag in top_level_blocks(article.body or "")]


class ArticleStatus(models.TextChoices):
    """Where an article is on its way to readers."""

    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


class Article(models.Model):
    """A story: what readers read and editors publish."""

    Status = ArticleStatus

    headline = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The last part of the article's address. Changing it after publication "
        "changes the address.",
    )
    standfirst = models.TextField(
        blank=True, help_text="The one- or two-sentence summary under the headline."
    )
    body = models.TextField(
        blank=True,
        help_text="Formatting beyond paragraphs, headings, lists, links and quotes is removed "
        "when you save.",
    )
    body_blocks = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Where each top-level block of the body ends, derived on save (ad insertion).",
    )
    lead_image = models.ForeignKey(
        "articles.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_image_articles",
        help_text="Choose an image from the media library, or add one with the + button. "
        "Its alt text, caption and credit are kept with the image.",
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    authors = models.ManyToManyField(Author, through="Byline", related_name="articles")
    tags = TaggableManager(through=TaggedArticle, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publish time",
        null=True,
        blank=True,
        help_text="When the article goes live. Readers see it only from this time on.",
    )
    unpublish_at = models.DateTimeField(
        "unpublish time",
        null=True,
        blank=True,
        help_text="Optional: when the article is taken down again. Leave empty to keep it up.",
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    seo_title = models.CharField(
        "SEO title", max_length=70, blank=True, help_text="Leave empty to use the headline."
    )
    seo_description = models.CharField(
        "SEO description",
        max_length=160,
        blank=True,
        help_text="Shown by search engines under the title. Leave empty to use the standfirst.",
    )
    ads_disabled = models.BooleanField(
        "no ads", default=False, help_text="Show no advertisements on this article."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The account that created the article; its writer may edit the draft.",
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up by one on every save; a save made from an older version is refused.",
    )

    search_vector = SearchVectorField(
        null=True,
        editable=False,
        help_text="Kept up to date by the database (headline, tags, standfirst, body) for search.",
    )

    objects = ArticleManager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [("publish_article", "Can publish, schedule and unpublish articles")]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_pub_idx"),
            models.Index(
                fields=["section", "status", "-published_at"], name="article_section_pub_idx"
            ),
            # The listing order of what readers may see: PostgreSQL walks it instead of
            # sorting every live article (home page, deep pages), and search's first stage walks it
            # and stops after its candidates.
            models.Index(
                F("published_at").desc(),
                F("id").desc(),
                condition=Q(status__in=["published", "scheduled"]),
                name="article_live_order_idx",
            ),
            # The admin changelist's default order over every article (drafts too): its first
            # page, deep pages and filtered lists walk this instead of sorting the table.
            models.Index(F("published_at").desc(), F("id").desc(), name="article_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ArticleStatus.values), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ArticleStatus.SCHEDULED, ArticleStatus.PUBLISHED])
                | Q(published_at__isnull=False),
                name="article_live_has_publish_time",
            ),
            models.CheckConstraint(
                condition=Q(unpublish_at__isnull=True)
                | Q(published_at__isnull=True)
                | Q(unpublish_at__gt=models.F("published_at")),
                name="article_unpublish_after_publish",
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.body = clean_html(self.body)
        derive_body_fields(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_blocks"}
        if self.status == self.Status.PUBLISHED and self.first_published_at is None:
            self.first_published_at = self.published_at or timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        local = self.permalink_date
        return reverse(
            "articles:detail",
            kwargs={
                "year": local.year,
                "month": f"{local.month:02d}",
                "day": f"{local.day:02d}",
                "slug": self.slug,
            },
        )

    @property
    def permalink_date(self):
        """The date in the article's address, in the server's TIME_ZONE (never the reader's)."""
        moment = self.published_at or self.created_at or timezone.now()
        return timezone.localtime(moment, timezone.get_default_timezone()).date()

    @property
    def blocks(self):
        """The body's top-level blocks (derived on save; parsed here only for old rows)."""
        if self.body and not self.body_blocks:
            return top_level_blocks(self.body)
        return [tuple(block) for block in self.body_blocks]

    @property
    def ordered_tags(self):
        """Tags in the order editors added them (prefetched by `for_detail()`)."""
        return [item.tag for item in self.tagged_items.all()]

    @property
    def last_correction(self):
        """The newest correction or update (prefetched by `for_detail()`), or None."""
        notes = list(self.corrections.all())
        return notes[-1] if notes else None

    @property
    def title_for_seo(self):
        return self.seo_title or self.headline

    @property
    def description_for_seo(self):
        return self.seo_description or self.standfirst

    def clean(self):
        errors = {}
        if self.status in (self.Status.SCHEDULED, self.Status.PUBLISHED) and not self.published_at:
            errors["published_at"] = "A scheduled or published article needs a publish time."
        if self.unpublish_at and self.published_at and self.unpublish_at <= self.published_at:
            errors["unpublish_at"] = "The unpublish time must be after the publish time."
        if errors:
            raise ValidationError(errors)


class Byline(models.Model):
    """One author on one article, in byline order."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["author", "article"], name="byline_author_idx")]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_unique_author"),
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"


class RelatedPin(models.Model):
    """An editor's choice of a related story, shown first under the article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_pins")
    related = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="related story",
        help_text="Shown under the article while it is published; up to four stories show, "
        "pinned ones first.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Pinned stories show in this order (lowest first)."
    )

    class Meta:
        ordering = ["article", "position", "pk"]
        verbose_name = "pinned related story"
        verbose_name_plural = "pinned related stories"
        constraints = [
            models.UniqueConstraint(fields=["article", "related"], name="related_pin_unique"),
            models.CheckConstraint(
                condition=~Q(article=F("related")), name="related_pin_not_itself"
            ),
        ]

    def __str__(self):
        return f"{self.related} under {self.article}"
