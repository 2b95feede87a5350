"""RSS 2.0 and Atom 1.0 feeds: the whole site, each section, each tag and each author.

Thin classes over `Article.objects.published()`. `NewsFeed` holds what every feed of ours needs
(absolute URLs from the publication's base URL, XML-safe text, the publication's language,
conditional GET); `ArticleFeed` adds the article items (stable tag: guids, all bylines, tags as
categories, standfirst + full body, lead-image enclosure). `CorrectionsFeed` (the notes on
/corrections/) subclasses `NewsFeed` the same way; `atom_variant()` makes the
Atom twin of any RSS feed class.
"""

import re
from functools import lru_cache
from urllib.parse import urljoin

import nh3
from django.contrib.syndication.views import Feed
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.feedgenerator import (
    Atom1Feed,
    Enclosure,
    Rss201rev2Feed,
    Stylesheet,
    rfc3339_date,
)
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import conditional_page

from articles.delivery import cache
from articles.distribution import seo
from articles.models import (
    Article,
    Author,
    Correction,
    OldTagSlug,
    Section,
    Tag,
)
from articles.publication import absolute_url, get_publication
from articles.richtext.sanitizer import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES

FEED_SIZE = 30

# XML 1.0 cannot carry these at all (not even escaped): drop them from every text we write.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

DC = "http://purl.org/dc/elements/1.1/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
MEDIA = "http://search.yahoo.com/mrss/"


def xml_text(value):
    """`value` as text XML 1.0 can hold (control characters removed); None stays None."""
    return None if value is None else _XML_INVALID.sub("", str(value))


@lru_cache(maxsize=4)
def _absolutizer(base_url):
    def attribute_filter(element, attribute, value):
        if (element, attribute) in (("a", "href"), ("img", "src")):
            return urljoin(base_url + "/", value)
        return value

    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=attribute_filter,
    )


def feed_html(html, publication):
    """An article body for feed readers: sanitised again, every link and image absolute."""
    return xml_text(_absolutizer(publication.base_url.rstrip("/")).clean(html or ""))


def sponsor_html(article) -> str:
    """The sponsor disclosure that opens a sponsored article's full text in feeds."""
    note = seo.sponsor_note(article)
    return f"<p><strong>{xml_text(escape(note))}</strong></p>" if note else ""


# Served as XML, not application/rss+xml or atom+xml: browsers show those as plain text and
# never apply the feed's stylesheet, while every feed reader takes XML (the document is the same
# RSS or Atom either way).
FEED_CONTENT_TYPE = "application/xml; charset=utf-8"
FEED_STYLESHEET = "feeds/feed.xsl"


class NewsRssFeed(Rss201rev2Feed):
    """RSS 2.0 with every byline (dc:creator), the full body (content:encoded) and Media RSS."""

    content_type = FEED_CONTENT_TYPE

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:dc": DC, "xmlns:content": CONTENT,
                "xmlns:media": MEDIA}  # fmt: skip

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("updateddate") is not None:
            handler.addQuickElement("atom:updated", rfc3339_date(item["updateddate"]))
        for name, _ in item.get("authors", []):
            handler.addQuickElement("dc:creator", name)
        if item.get("content"):
            handler.addQuickElement("content:encoded", item["content"])
        add_media_content(handler, item.get("image"))


class NewsAtomFeed(Atom1Feed):
    """Atom 1.0 with every byline as an <author>, the full body as <content> and Media RSS."""

    content_type = FEED_CONTENT_TYPE

    def write(self, outfile, encoding):
        # Django's Atom writer leaves out the stylesheets its RSS writer adds: the same
        # document, with them after the XML declaration.
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        for stylesheet in self.feed["stylesheets"] or []:
            handler.processingInstruction("xml-stylesheet", stylesheet)
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, uri in item.get("authors", []):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            if uri:
                handler.addQuickElement("uri", uri)
            handler.endElement("author")
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})
        add_media_content(handler, item.get("image"))


def add_media_content(handler, image):
    if not image:
        return
    attrs = {"url": image["url"], "type": image["type"], "medium": "image"}
    if image.get("size") is not None:
        attrs["fileSize"] = str(image["size"])
    if image.get("width") and image.get("height"):
        attrs.update(width=str(image["width"]), height=str(image["height"]))
    # No <media:description> for the alt text: feedparser (and readers built on it) would
    # take it for the article's content.
    handler.addQuickElement("media:content", "", attrs)


class NewsFeed(Feed):
    """Base of every feed: publication-wide settings, absolute URLs, XML-safe text, 304s."""

    feed_type = NewsRssFeed

    @classmethod
    def as_view(cls):
        """A view that builds a fresh feed per request (instances hold per-request state)."""

        def view(request, *args, **kwargs):
            return cls()(request, *args, **kwargs)

        view.__name__ = cls.__name__
        return view

    cache_keys = (cache.FEEDS,)  # what the page cache purges this feed by

    def __call__(self, request, *args, **kwargs):
        self.publication = get_publication()
        self.request = request  # items() say when they change (cache.changes_at)
        cache.add_keys(request, *self.cache_keys)
        # Last-Modified comes from the items' times (Feed sets it), the ETag from the bytes;
        # either one matching the reader's copy answers 304 Not Modified.
        return conditional_page(super().__call__)(request, *args, **kwargs)

    def stylesheets(self, obj):
        """`<?xml-stylesheet?>`: opened in a browser, the feed reads as a page (static/feeds/)."""
        return [Stylesheet(static(FEED_STYLESHEET), mimetype="text/xsl")]

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = self.publication.language
        return feed

    # Channel: every URL absolute from the base URL (Feed would use the request's host).
    def link(self, obj):
        return absolute_url(self.page_path(obj), self.publication)

    def feed_url(self, obj):
        return absolute_url(self.feed_path(obj), self.publication)

    def feed_guid(self, obj):
        return self.feed_url(obj)

    def page_path(self, obj):
        return "/"

    def feed_path(self, obj):
        raise NotImplementedError

    def title(self, obj):
        return xml_text(self.publication.name)

    def description(self, obj):
        return xml_text(
            self.publication.description or f"The latest news from {self.publication.name}."
        )

    def author_name(self, obj):
        # Atom: the author of any entry without a byline.
        return xml_text(self.publication.name)

    def feed_copyright(self, obj):
        return xml_text(f"© {self.publication.name}")


class ArticleFeed(NewsFeed):
    """Published articles, newest first (RSS); the site-wide feed as it stands."""

    def get_object(self, request, *args, **kwargs):
        return None

    def feed_path(self, obj):
        return reverse("articles:feed")

    def filed(self, obj):
        """Every article, whatever its status, that the feed lists once live; subclasses
        narrow it to their section, tag or author."""
        return Article.objects.all()

    def articles(self, obj):
        """The feed's articles: `published()` of `filed()`, never more."""
        return self.filed(obj).published()

    def items(self, obj):
        items = list(self.articles(obj).for_detail().order_by("-published_at", "-pk")[:FEED_SIZE])
        # Kept no longer than until an item comes down or the next article joins.
        upcoming = self.filed(obj).next_publish_at()
        cache.changes_at(self.request, *(item.unpublish_at for item in items), upcoming)
        return items

    def item_title(self, item):
        return xml_text(item.headline)

    def item_description(self, item):
        # Plain text in an HTML-typed element: escaped, so feed readers show it as written.
        text = item.standfirst or item.description_for_seo
        if note := seo.sponsor_note(item):
            text = f"{note}. {text}"
        return xml_text(escape(text))

    def item_link(self, item):
        return absolute_url(item.get_absolute_url(), self.publication)

    def item_guid(self, item):
        """A tag: URI from the host, first publish date and pk: headline and slug may change."""
        first = item.first_published_at or item.published_at
        host = self.publication.base_url.split("://", 1)[-1].split(":")[0]
        return f"tag:{host},{first:%Y-%m-%d}:article:{item.pk}"

    def item_guid_is_permalink(self, item):
        return False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return seo.article_modified_at(item)

    def item_author_name(self, item):
        return None  # every byline is written by the feed generator (see item_extra_kwargs)

    def item_categories(self, item):
        sponsored = ["Sponsored"] if seo.sponsorship_of(item) else []
        return sponsored + [xml_text(tag.name) for tag in item.ordered_tags]

    def item_image(self, item):
        """The lead image with its size in bytes, read once per item (a storage stat)."""
        cache = self.__dict__.setdefault("_images", {})
        if item.pk not in cache:
            cache[item.pk] = seo.lead_image_meta(item, with_size=True)
        return cache[item.pk]

    def item_enclosures(self, item):
        image = self.item_image(item)
        if not image:
            return []
        return [Enclosure(image["url"], str(image["size"]), image["type"])]

    def item_extra_kwargs(self, item):
        return {
            "authors": [
                (
                    xml_text(author.name),
                    absolute_url(author.get_absolute_url(), self.publication),
                )
                for author in item.credits
            ],
            "content": (
                sponsor_html(item) + feed_html(item.body, self.publication)
                if self.publication.feeds_full_content
                else None
            ),
            "image": self.item_image(item),
        }


class _FiledFeed(ArticleFeed):
    """Articles of one section, tag or author: `model`, `kind` and `filter_articles` say which."""

    model = None
    kind = ""

    def get_object(self, request, slug):
        return get_object_or_404(self.public_objects(), slug=slug)

    def public_objects(self):
        """What may have a feed: every section; tags and authors with a published article."""
        return self.model.objects.all()

    def feed_path(self, obj):
        return reverse(f"articles:{self.kind}-feed", args=[obj.slug])

    def page_path(self, obj):
        return obj.get_absolute_url()

    def title(self, obj):
        return xml_text(f"{obj.name} — {self.publication.name}")


class SectionFeed(_FiledFeed):
    model, kind = Section, "section"

    def filed(self, obj):
        return Article.objects.filter(section=obj)

    def description(self, obj):
        return xml_text(obj.description or f"The latest from {obj.name}.")


class _TagMoved(Exception):  # noqa: N818 (a signal, not an error)
    def __init__(self, tag):
        self.tag = tag


class TagFeed(_FiledFeed):
    """A tag's feed; a renamed or merged tag's old address answers 301, like its page."""

    model, kind = Tag, "tag"

    def public_objects(self):
        return Article.objects.published().filed_tags()

    def filed(self, obj):
        return Article.objects.filter(tags=obj)

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except _TagMoved as moved:
            return HttpResponsePermanentRedirect(self.feed_path(moved.tag))

    def get_object(self, request, slug):
        """The public tag at `slug`; an old address of one (renamed or merged) moves to it."""
        tag = self.public_objects().filter(slug=slug).first()
        if tag is not None:
            return tag
        old = get_object_or_404(
            OldTagSlug.objects.select_related("tag").filter(tag__in=self.public_objects()),
            slug=slug,
        )
        raise _TagMoved(old.tag)

    def description(self, obj):
        return xml_text(obj.description or f"Every article tagged “{obj.name}”.")


class AuthorFeed(_FiledFeed):
    model, kind = Author, "author"

    def public_objects(self):
        return Article.objects.published().bylined_authors()

    def filed(self, obj):
        return Article.objects.filter(bylines__author=obj)

    def description(self, obj):
        return xml_text(f"Articles by {obj.name}.")


class CorrectionsFeed(NewsFeed):
    """Corrections, clarifications, editor's notes and updates on live articles, newest first."""

    cache_keys = (cache.FEEDS, cache.CORRECTIONS)

    def get_object(self, request, *args, **kwargs):
        return None

    def feed_path(self, obj):
        return reverse("articles:corrections-feed")

    def page_path(self, obj):
        return reverse("articles:corrections")

    def title(self, obj):
        return xml_text(f"Corrections and updates — {self.publication.name}")

    def description(self, obj):
        return xml_text(f"Every correction and update {self.publication.name} adds to its stories.")

    def items(self, obj):
        cache.changes_at(self.request, Article.objects.with_corrections().next_change())
        return Correction.objects.public()[:FEED_SIZE]

    def item_title(self, item):
        return xml_text(f"{item.get_kind_display()}: {item.article.headline}")

    def item_description(self, item):
        return xml_text(escape(item.text))

    def item_link(self, item):
        return absolute_url(item.get_absolute_url(), self.publication)

    def item_guid(self, item):
        """A tag: URI from the host, the note's date and pk: headline and slug may change."""
        host = self.publication.base_url.split("://", 1)[-1].split(":")[0]
        return f"tag:{host},{item.created_at:%Y-%m-%d}:correction:{item.pk}"

    def item_guid_is_permalink(self, item):
        return False

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.created_at

    def item_categories(self, item):
        return [item.get_kind_display()]


def atom_variant(feed_class):
    """The Atom 1.0 twin of an RSS feed class (same items, its own self link)."""

    class AtomFeed(feed_class):
        feed_type = NewsAtomFeed

        def feed_path(self, obj):
            return super().feed_path(obj) + "atom/"

        def subtitle(self, obj):
            return self.description(obj)

    AtomFeed.__name__ = AtomFeed.__qualname__ = f"{feed_class.__name__}Atom"
    return AtomFeed


ArticleAtomFeed = atom_variant(ArticleFeed)
SectionAtomFeed = atom_variant(SectionFeed)
TagAtomFeed = atom_variant(TagFeed)
AuthorAtomFeed = atom_variant(AuthorFeed)
CorrectionsAtomFeed = atom_variant(CorrectionsFeed)
