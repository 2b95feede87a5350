"""The feed of a live coverage's published entries (Atom), newest first."""

from django.http import Http404
from django.urls import reverse

from articles.delivery import cache
from articles.distribution.feeds import NewsAtomFeed, NewsFeed, feed_html, xml_text
from articles.live import reads
from articles.live.models import LiveEntry
from articles.live.services import live_key
from articles.publication import absolute_url

FEED_ITEMS = 50


class LiveEntriesFeed(NewsFeed):
    """A live article's entries: a reader's app follows the story without the page."""

    feed_type = NewsAtomFeed

    def get_object(self, request, article_id):
        cache.add_keys(request, live_key(article_id))
        return _public(article_id)

    def feed_path(self, obj):
        return reverse("live:feed", args=[obj.article_id])

    def page_path(self, obj):
        return obj.article.get_absolute_url()

    def title(self, obj):
        return xml_text(f"{obj.article.headline} — live")

    def description(self, obj):
        return xml_text(f"Live updates: {obj.article.headline}")

    def items(self, obj):
        return (
            LiveEntry.objects.published()
            .filter(coverage=obj)
            .prefetch_related("authors")
            .newest_first()[:FEED_ITEMS]
        )

    def item_title(self, item):
        return xml_text(item.headline or reads.summary(item, 90))

    def item_description(self, item):
        return xml_text(reads.summary(item, 300))

    def item_extra_kwargs(self, item):
        return {"content": feed_html(item.body, self.publication)}

    def item_link(self, item):
        return absolute_url(item.get_absolute_url(), self.publication)

    def item_guid(self, item):
        return absolute_url(
            reverse("live:entry", args=[item.coverage.article_id, item.pk]), self.publication
        )

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.edited_at or item.published_at

    def item_author_name(self, item):
        names = [a.name for a in item.authors.all()]
        return xml_text(", ".join(names)) if names else None


def _public(article_id):
    coverage = reads.public_coverage(article_id)
    if coverage is None:
        raise Http404("No live coverage here.")
    return coverage
