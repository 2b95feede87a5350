"""Standing pages: About, Contact, the Ethics policy, the Corrections policy — what readers
and the Trust Project expect to find at a stable address."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.richtext.sanitizer import clean_html


class PageStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Kind(models.TextChoices):
    ABOUT = "about", "About us"
    CONTACT = "contact", "Contact"
    ETHICS = "ethics", "Ethics policy"
    CORRECTIONS = "corrections", "Corrections policy"
    MASTHEAD = "masthead", "Masthead"
    OTHER = "other", "Other"


class PageQuerySet(models.QuerySet):
    def published(self):
        """Pages readers may see."""
        return self.filter(status=PageStatus.PUBLISHED)


class Page(models.Model):
    """A page that stands outside the news flow, at /<slug>/."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The page's address: /<slug>/ (e.g. about, ethics). Article, section and "
        "feed addresses come first, so avoid their words (tags, feed, search …).",
    )
    kind = models.CharField(
        max_length=20,
        choices=Kind,
        default=Kind.OTHER,
        help_text="What the page is for; the ethics and corrections policies are named in the "
        "publisher's structured data.",
    )
    body = models.TextField(blank=True, help_text="Cleaned like an article body when you save.")
    status = models.CharField(max_length=20, choices=PageStatus, default=PageStatus.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PageStatus.values), name="standing_page_status_valid"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body = clean_html(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("standing:page", kwargs={"slug": self.slug})
