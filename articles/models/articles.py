"""Articles, their publication rule (`ArticleQuerySet.published()`) and their bylines."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, Min, OuterRef, Prefetch, Q
from django.utils import timezone
from taggit.managers import TaggableManager

from articles.addresses import address
from articles.models.people import Author
from articles.models.taxonomy import ArticleStateCopy, Section, Tag, TaggedArticle
from articles.richtext.blocks import top_level_blocks
from articles.richtext.sanitizer import clean_html


class CorrectionKind(models.TextChoices):
    """What kind of note an editor adds to a published article."""

    CORRECTION = "correction", "Correction"
    CLARIFICATION = "clarification", "Clarification"
    EDITORS_NOTE = "editors_note", "Editor’s note"
    UPDATE = "update", "Update"


# Derived from other tables (bylines and authors, corrections) and kept by their refresh_*().
DERIVED_LISTS = ("credit_list", "correction_list", "filed_tags")


def passed_second_factor(user) -> bool:
    """Whether `user` may act as staff now: the second factor is off, or this session gave its
    code (django-otp's `OTPMiddleware` adds `is_verified()` to the request's user; a user
    without it, or an unverified one, is treated as a reader)."""
    if not getattr(settings, "NEWSROOM_ADMIN_MFA", False):
        return True
    is_verified = getattr(user, "is_verified", None)
    return callable(is_verified) and bool(is_verified())


class ArticleQuerySet(models.QuerySet):
    @staticmethod
    def public_q(now=None):
        """The one rule for what readers may see, as a condition."""
        now = now or timezone.now()
        return (
            Q(status__in=PUBLIC_STATUSES)
            & Q(published_at__lte=now)
            & (Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now))
        )

    @staticmethod
    def public_sql(now, connection, alias="a"):
        """`public_q()` as SQL on the table `alias` (an article, or a row carrying an article's
        copied state, `ArticleStateCopy`): (condition, parameters). For the reader pages'
        plain SQL reads (articles/pages/reads.py); tests/articles/pages/test_reads.py holds it to
        `published()`."""
        at = connection.ops.adapt_datetimefield_value(now)
        sql = (
            f"{alias}.status IN (%s, %s) AND {alias}.published_at <= %s "
            f"AND ({alias}.unpublish_at IS NULL OR {alias}.unpublish_at > %s)"
        )
        return sql, [*PUBLIC_STATUSES, at, at]

    def published(self):
        """Articles readers may see: published (or scheduled and due), and not yet taken down."""
        return self.filter(self.public_q())

    def filed_tags(self):
        """The tags on at least one of these articles (`published().filed_tags()`: the public
        tags, as feeds and sitemaps list them)."""
        tagged = TaggedArticle.objects.filter(
            tag=OuterRef("pk"), content_object__in=self.values("pk")
        )
        return Tag.objects.filter(Exists(tagged))

    def bylined_authors(self):
        """The authors with a byline on at least one of these articles (`published().…`: the
        public authors)."""
        bylines = Byline.objects.filter(author=OuterRef("pk"), article__in=self.values("pk"))
        return Author.objects.filter(Exists(bylines))

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

    def next_publish_at(self, now=None):
        """When the next of these articles goes live by the clock (None: none is waiting).
        Walks the live-order indexes, so a listing can ask on every render."""
        now = now or timezone.now()
        return self.filter(status__in=PUBLIC_STATUSES, published_at__gt=now).aggregate(
            at=Min("published_at")
        )["at"]

    def next_change(self, now=None):
        """When the next of these articles goes live or comes down by the clock (None: no
        change is scheduled). For pages that list every article (sitemaps, corrections)."""
        now = now or timezone.now()
        found = self.filter(status__in=PUBLIC_STATUSES).aggregate(
            live=Min("published_at", filter=Q(published_at__gt=now)),
            down=Min("unpublish_at", filter=Q(unpublish_at__gt=now)),
        )
        return min((at for at in found.values() if at is not None), default=None)

    def with_corrections(self):
        """Articles carrying at least one correction or update."""
        return self.exclude(correction_list=[])

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
        `published()` returns. With the admin's second factor on (`NEWSROOM_ADMIN_MFA`), a
        session that gave the password but not the code counts as a reader, on every surface.
        """
        if not passed_second_factor(user):
            return self.published()
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

    def for_detail(self):
        """What the article page needs, in one query: section, lead image and sponsorship
        joined; byline, tags and corrections from the row's derived lists."""
        return self.select_related("section", "lead_image", "sponsorship")


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self):
        # The search vector is written by the database and read only by articles/search/engine.py;
        # pages never need it, and a save() then leaves it to the database trigger.
        return super().get_queryset().defer("search_vector")


@dataclass(frozen=True, slots=True)
class Named:
    """An author or a tag as a page shows it (id, name, address), read from the article's row."""

    route = ""  # the reader page's URL name
    id: int
    name: str
    slug: str

    @property
    def pk(self):
        return self.id

    def get_absolute_url(self, here=None):
        return address(self.route, here=here, slug=self.slug)


class Credit(Named):
    """One author on the byline, from `Article.credit_list` (no query)."""

    __slots__ = ()
    route = "articles:author"


class Filing(Named):
    """One tag, from `Article.filed_tags` (no query)."""

    __slots__ = ()
    route = "articles:tag"


@dataclass(frozen=True, slots=True)
class Note:
    """One correction or update as the article page shows it, read from
    `Article.correction_list` (no query)."""

    id: int
    kind: str
    text: str
    created_at: datetime

    @property
    def pk(self):
        return self.id

    def get_kind_display(self):
        return CorrectionKind(self.kind).label if self.kind in CorrectionKind.values else self.kind


def store_lists(field, article_ids, rows) -> None:
    """Write `field` of every article in `article_ids` as the list of its entries in `rows`
    ((article id, entry) pairs, in order); an article with no rows gets []."""
    lists = {pk: [] for pk in set(article_ids)}
    if not lists:
        return
    for article_id, entry in rows:
        lists[article_id].append(entry)
    Article.objects.bulk_update(
        [Article(pk=pk, **{field: value}) for pk, value in lists.items()], [field], batch_size=500
    )


def refresh_credits(article_ids) -> None:
    """Rewrite `credit_list` of these articles from their bylines (after any byline or
    author change: pages and feeds read the byline from it instead of joining bylines)."""
    article_ids = set(article_ids)
    bylines = (
        Byline.objects.filter(article_id__in=article_ids)
        .order_by("article_id", "position", "pk")
        .values_list("article_id", "author_id", "author__name", "author__slug")
    )
    store_lists(
        "credit_list",
        article_ids,
        ((a, {"id": i, "name": name, "slug": slug}) for a, i, name, slug in bylines),
    )


def refresh_tags(article_ids) -> None:
    """Rewrite `filed_tags` of these articles from their tags (in the order they were filed)."""
    article_ids = set(article_ids)
    rows = (
        TaggedArticle.objects.filter(content_object_id__in=article_ids)
        .order_by("content_object_id", "pk")
        .values_list("content_object_id", "tag_id", "tag__name", "tag__slug")
    )
    store_lists(
        "filed_tags",
        article_ids,
        ((a, {"id": i, "name": name, "slug": slug}) for a, i, name, slug in rows),
    )


def _tags_filed(sender, instance, action, reverse, pk_set, **kwargs):
    """taggit's manager (`article.tags.add/remove/set/clear`) sends m2m_changed."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:  # from the tag's side: `pk_set` are articles (or all of the tag's, on clear)
        ids = pk_set or TaggedArticle.objects.filter(tag_id=instance.pk).values_list(
            "content_object_id", flat=True
        )
        refresh_tags(list(ids))
    else:
        refresh_tags([instance.pk])


def _tag_renamed(sender, instance, created, **kwargs):
    if not created:
        refresh_tags(
            TaggedArticle.objects.filter(tag_id=instance.pk).values_list(
                "content_object_id", flat=True
            )
        )


def _tag_deleting(sender, instance, **kwargs):
    instance._filed_on = list(
        TaggedArticle.objects.filter(tag_id=instance.pk).values_list("content_object_id", flat=True)
    )


def _tag_deleted(sender, instance, **kwargs):
    refresh_tags(getattr(instance, "_filed_on", []))


def _byline_changed(sender, instance, **kwargs):
    refresh_credits([instance.article_id])


def _author_changed(sender, instance, **kwargs):
    refresh_credits(
        Byline.objects.filter(author_id=instance.pk).values_list("article_id", flat=True)
    )


def connect_derived_signals() -> None:
    """Keep `credit_list` in step with bylines (saved or deleted one by one) and authors
    (renamed, new address), and `filed_tags` with the tags. Bulk writes call `refresh_credits` /
    `refresh_tags` themselves."""
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

    post_save.connect(_byline_changed, sender=Byline, dispatch_uid="credits-byline-save")
    post_delete.connect(_byline_changed, sender=Byline, dispatch_uid="credits-byline-delete")
    post_save.connect(_author_changed, sender=Author, dispatch_uid="credits-author-save")
    # Tags: filed through taggit's manager, renamed, or deleted (merges and the bulk writers
    # call refresh_tags themselves).
    m2m_changed.connect(_tags_filed, sender=TaggedArticle, dispatch_uid="tags-filed")
    post_save.connect(_tag_renamed, sender=Tag, dispatch_uid="tags-renamed")
    pre_delete.connect(_tag_deleting, sender=Tag, dispatch_uid="tags-deleting")
    post_delete.connect(_tag_deleted, sender=Tag, dispatch_uid="tags-deleted")


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


# What readers may see, given the times (`ArticleQuerySet.public_q()`).
PUBLIC_STATUSES = (ArticleStatus.PUBLISHED.value, ArticleStatus.SCHEDULED.value)


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
    credit_list = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The byline as pages show it ([{id, name, slug}] in byline order), kept up "
        "to date from the bylines and their authors (`refresh_credits`).",
    )
    correction_list = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The corrections and updates as the page shows them ([{id, kind, text, "
        "created_at}], oldest first), kept up to date from `Correction` (`refresh_notes`).",
    )
    filed_tags = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The tags as pages show them ([{id, name, slug}] in filing order), kept up "
        "to date from the tags (`refresh_tags`).",
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
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The byline and corrections lists are written only by refresh_credits() and
            # refresh_notes(): an edit saved from an instance loaded earlier never puts back
            # the lists as they were then.
            skip = {*DERIVED_LISTS, *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.attname not in skip
            ]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_blocks"}
        if self.status == self.Status.PUBLISHED and self.first_published_at is None:
            self.first_published_at = self.published_at or timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self, here=None):
        local = self.permalink_date
        return address(
            "articles:detail",
            here=here,
            year=local.year,
            month=f"{local.month:02d}",
            day=f"{local.day:02d}",
            slug=self.slug,
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
    def ordered_tags(self) -> list[Filing]:
        """Tags in the order editors added them, without a query (see `filed_tags`)."""
        return [Filing(**tag) for tag in self.filed_tags]

    @property
    def tag_ids(self) -> list[int]:
        """The tags' ids, in order, without a query or building the `ordered_tags`."""
        return [tag["id"] for tag in self.filed_tags]

    @property
    def credits(self) -> list[Credit]:
        """The byline's authors, in order, without a query (see `credit_list`)."""
        return [Credit(**credit) for credit in self.credit_list]

    @property
    def notes(self) -> list[Note]:
        """The corrections and updates, oldest first, without a query (`correction_list`)."""
        return [
            Note(**{**note, "created_at": datetime.fromisoformat(note["created_at"])})
            for note in self.correction_list
        ]

    @property
    def last_correction(self):
        """The newest correction or update, or None."""
        notes = self.notes
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


class Byline(ArticleStateCopy):
    """One author on one article, in byline order."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["author", "article"], name="byline_author_idx"),
            models.Index(
                fields=["author", "-published_at", "-article"],
                condition=Q(status__in=["published", "scheduled"]),
                name="byline_live_order_idx",
            ),
        ]
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
