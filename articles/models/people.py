"""The people who write articles."""

from django.conf import settings
from django.db import models

from articles.addresses import address


class Author(models.Model):
    """A person who can appear in an article's byline."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    bio = models.TextField(blank=True, help_text="Shown on the author's page.")
    photo = models.ForeignKey(
        "articles.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="author_photos",
        help_text="A portrait from the media library, shown on the author's page.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text="The newsroom account of this author, if they have one.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Inactive authors keep their bylines but cannot be added to new ones. "
        "Authors with bylines are deactivated, never deleted.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return address("articles:author", slug=self.slug)
