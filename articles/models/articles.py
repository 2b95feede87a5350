"""Articles, their publication rule (`ArticleQuerySet.published()`) and their bylines."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ExpressionWrapper, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager

from articles.images import ReencodedImageField
from articles.models.people import Author
from articles.models.taxonomy import Section, TaggedArticle
from articles.sanitizer import clean_html


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

    def with_bylines(self):
        """Prefetch ordered bylines with their authors (one query for any number)."""
        return self.prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author"))
        )

    def for_listing(self):
        """What an article card needs, newest first."""
        return self.select_related("section").with_bylines().order_by("-published_at", "-pk")

    def for_detail(self):
        """What the article page needs, in a fixed number of queries."""
        return (
            self.select_related("section")
            .with_bylines()
            .prefetch_related(
                Prefetch(
                    "tagged_items",
                    queryset=TaggedArticle.objects.select_related("tag").order_by("pk"),
                )
            )
        )


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self):
        # The search vector is written by the database and read only by articles/search.py;
        # pages never need it, and a save() then leaves it to the database trigger.
        return super().get_queryset().defer("search_vector")


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
    lead_image = ReencodedImageField(
        upload_to="lead-images/%Y/%m/",
        blank=True,
        width_field="lead_image_width",
        height_field="lead_image_height",
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_alt = models.CharField(
        "lead image alt text",
        max_length=250,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Required with an image.",
    )
    lead_image_caption = models.CharField(max_length=300, blank=True)
    lead_image_credit = models.CharField(max_length=120, blank=True)
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
            # Newest first over the rows published() can return: search's first stage walks it
            # and stops after its candidates (a two-value status IN breaks the order above).
            models.Index(
                fields=["-published_at", "-id"],
                name="article_public_pub_idx",
                condition=Q(status__in=[ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED]),
            ),
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
        if self.status == self.Status.PUBLISHED and self.first_published_at is None:
            self.first_published_at = self.published_at or timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        local = timezone.localtime(self.published_at or self.created_at or timezone.now())
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
    def ordered_tags(self):
        """Tags in the order editors added them (prefetched by `for_detail()`)."""
        return [item.tag for item in self.tagged_items.all()]

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
        if self.lead_image and not self.lead_image_alt.strip():
            errors["lead_image_alt"] = "Describe the lead image for readers who cannot see it."
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
