"""Feeds on django.contrib.syndication. Every item comes from `published()` articles.

Absolute URLs are built by `absolute_url()` from the configured base URL, never from the
request's Host header.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles.models import Correction

FEED_LENGTH = 50


def absolute_url(path: str) -> str:
    """`path` on the publication's canonical base URL (`NEWSROOM_BASE_URL`)."""
    return settings.NEWSROOM_BASE_URL.rstrip("/") + path


class CorrectionsFeed(Feed):
    """The newest corrections, clarifications, editor's notes and updates (RSS 2.0)."""

    def title(self):
        return f"{settings.NEWSROOM_SITE_NAME}: corrections and updates"

    def link(self):
        return absolute_url(reverse("articles:corrections"))

    def feed_url(self):
        return absolute_url(reverse("articles:corrections-feed"))

    def description(self):
        return f"Every correction and update {settings.NEWSROOM_SITE_NAME} adds to its stories."

    def items(self):
        return Correction.objects.public()[:FEED_LENGTH]

    def item_title(self, item):
        return f"{item.get_kind_display()}: {item.article.headline}"

    def item_description(self, item):
        return item.text

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item):
        # Stable whatever happens to the headline or slug.
        host = settings.NEWSROOM_BASE_URL.split("://", 1)[-1].split("/", 1)[0]
        return f"tag:{host},{item.created_at:%Y-%m-%d}:correction/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.created_at

    def item_categories(self, item):
        return [item.get_kind_display()]


class AtomCorrectionsFeed(CorrectionsFeed):
    """The same as an Atom 1.0 feed."""

    feed_type = Atom1Feed

    def feed_url(self):
        return absolute_url(reverse("articles:corrections-atom"))

    def subtitle(self):
        return self.description()
