"""What search engines and social networks read: canonical links, JSON-LD, Open Graph, Twitter.

Everything is built as plain Python data from the publication settings (absolute URLs from its
base URL, never the Host header) and rendered by `templates/includes/_seo_head.html`:

- `article_head(article)`, `listing_head(...)`, `home_head(page)` return a `Head`: the canonical
  URL, the `<meta>` tags, the JSON-LD objects and the feeds the page links as alternates.
- `lead_image_meta(article)` is the ONE place JSON-LD, Open Graph, feeds and sitemaps read an
  article's lead image from (re-point it to image renditions when the media library lands).
- `article_modified_at(article)` is the one "last changed" time (JSON-LD dateModified, OG,
  feeds, sitemaps); `correction_entries(article)` is the hook for JSON-LD `correction`s.
"""

import json
import mimetypes
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.core.files.storage import default_storage
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from articles import addresses
from articles.addresses import address
from articles.publication import absolute_url, get_publication
from articles.standing.services import publisher_pages

# The characters that could end a <script> element or start markup, as JSON escapes: the same
# escaping Django's `json_script` filter applies.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass
class Head:
    """The SEO part of a page's <head>."""

    canonical: str | None = None
    meta: list[tuple[str, str, str]] = field(default_factory=list)  # (attribute, key, content)
    jsonld: list[dict] = field(default_factory=list)
    feeds: list[tuple[str, str, str]] = field(default_factory=list)  # (title, type, href)
    noindex: bool = False


def jsonld_script(data) -> SafeString:
    """`data` as a `<script type="application/ld+json">` that no string inside can break out of."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


def article_modified_at(article):
    """When the article last changed for readers (never before it was published).

    A correction counts: `services.add_correction` moves `updated_at` to the note's time, so
    no query for corrections is needed here (sitemaps call this for every article).
    """
    candidates = [article.updated_at, article.published_at]
    return max(moment for moment in candidates if moment is not None)


def correction_entries(article) -> list[dict]:
    """JSON-LD `correction` objects for the article (a CorrectionComment per correction)."""
    return [
        {
            "@type": "CorrectionComment",
            "text": entry["text"],
            "datePublished": entry["at"].isoformat(),
        }
        for entry in _corrections(article)
    ]


def _corrections(article) -> list[dict]:
    """Each correction on the article as {"text": str, "at": datetime} (from
    `correction_list`, so feeds and the article page pay no query per article)."""
    return [{"text": note.text, "at": note.created_at} for note in article.notes]


def sponsorship_of(article):
    """The ads app's sponsorship of `article` (through the relation: the articles never import
    the ads app), or None. Card and page reads join it; otherwise one query."""
    try:
        return article.sponsorship
    except ObjectDoesNotExist:
        return None


def sponsor_note(article) -> str:
    """ "Sponsored by Acme" for a sponsored article, else "": disclosure travels with it."""
    sponsor = sponsorship_of(article)
    return f"{sponsor.label} {sponsor.sponsor_name}" if sponsor else ""


def lead_image_meta(article, *, with_size=False, ratio="16:9") -> dict | None:
    """The lead image as {url, width, height, alt, type[, size]}, or None when there is none.

    A `ratio` rendition from the media library (16:9 for cards and feeds; 4:3 and 1:1 for
    structured data), at least 1200 px wide where the original allows; before renditions exist,
    the re-encoded master. `size` (bytes, for feed enclosures) reads the file's size from
    storage; the whole image is left out when the file is missing.
    """
    image = article.lead_image
    rendition = image.rendition_meta(ratio=ratio, width=1200) if image else None
    if rendition is None:
        return None
    meta = {
        "url": absolute_url(rendition["url"]),
        "width": rendition["width"],
        "height": rendition["height"],
        "alt": image.alt_text,
        "type": mimetypes.guess_type(rendition["name"])[0] or "image/jpeg",
    }
    if with_size:
        try:
            meta["size"] = default_storage.size(rendition["name"])
        except OSError:
            return None
    return meta


# Shipped in static/ for a publication that has not uploaded its own (publication settings).
DEFAULT_SOCIAL_IMAGE = ("articles/default-social.png", 1200, 630)
DEFAULT_LOGO = ("articles/default-logo.png", 512, 512)


def _default_image(publication) -> dict:
    """The publication's social image for pages without their own, else the shipped one."""
    image = publication.social_image
    if not image:
        path, width, height = DEFAULT_SOCIAL_IMAGE
        return {
            "url": absolute_url(static(path), publication),
            "width": width,
            "height": height,
            "alt": publication.name,
            "type": "image/png",
        }
    return {
        "url": absolute_url(image.url, publication),
        "width": publication.social_image_width,
        "height": publication.social_image_height,
        "alt": publication.social_image_alt,
        "type": mimetypes.guess_type(image.name)[0] or "image/jpeg",
    }


def _logo(publication) -> dict:
    if not publication.logo:
        path, width, height = DEFAULT_LOGO
        return {"url": absolute_url(static(path), publication), "width": width, "height": height}
    return {
        "url": absolute_url(publication.logo.url, publication),
        "width": publication.logo_width,
        "height": publication.logo_height,
    }


def _image_object(image) -> dict:
    data = {"@type": "ImageObject", "url": image["url"]}
    if image.get("width") and image.get("height"):
        data.update(width=image["width"], height=image["height"])
    return data


def organization_ld(publication) -> dict:
    data = {
        "@type": "NewsMediaOrganization",
        "@id": absolute_url("/#organization", publication),
        "name": publication.name,
        "url": absolute_url("/", publication),
    }
    data["logo"] = _image_object(_logo(publication))
    return data


def website_ld(publication) -> dict:
    return {
        "@type": "WebSite",
        "@id": absolute_url("/#website", publication),
        "name": publication.name,
        "url": absolute_url("/", publication),
        "inLanguage": publication.language,
        "publisher": {"@id": absolute_url("/#organization", publication)},
    }


# Google asks for 16:9, 4:3 and 1:1 versions of an article's image in its structured data.
STRUCTURED_DATA_RATIOS = ["16:9", "4:3", "1:1"]


def news_article_ld(article, publication, facts=None) -> dict:
    facts = facts or ArticleFacts.of(article, publication)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline[:110],
        "description": article.description_for_seo,
        "url": facts.url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": facts.url},
        "datePublished": facts.published,
        "dateModified": facts.modified,
        "author": [{"@type": "Person", "name": name, "url": url} for name, url in facts.authors],
        "publisher": organization_ld(publication),
        "articleSection": article.section.name,
        "keywords": facts.tags,
        "inLanguage": publication.language,
        "isAccessibleForFree": True,
    }
    images = {}  # by URL: before renditions exist, every ratio is the same master
    for meta in facts.images:
        images.setdefault(meta["url"], meta)
    if images or facts.image:
        data["image"] = [_image_object(meta) for meta in (images.values() or [facts.image])]
    if corrections := correction_entries(article):
        data["correction"] = corrections
    if sponsor := sponsorship_of(article):
        data["sponsor"] = {"@type": "Organization", "name": sponsor.sponsor_name}
    return data


@dataclass
class ArticleFacts:
    """What an article's head states more than once (its address, dates, authors, tags and
    images), worked out once per page."""

    url: str
    published: str
    modified: str
    authors: list[tuple[str, str]]  # (name, absolute URL)
    tags: list[str]
    image: dict | None  # the social card's: the 16:9 lead image, else the site's default
    images: list[dict]  # the lead image in each of STRUCTURED_DATA_RATIOS that exists

    @classmethod
    def of(cls, article, publication):
        here = addresses.here()
        lead = {ratio: lead_image_meta(article, ratio=ratio) for ratio in STRUCTURED_DATA_RATIOS}
        return cls(
            url=absolute_url(article.get_absolute_url(here), publication),
            published=article.published_at.isoformat(),
            modified=article_modified_at(article).isoformat(),
            authors=[
                (author.name, absolute_url(author.get_absolute_url(here), publication))
                for author in article.credits
            ],
            tags=[tag.name for tag in article.ordered_tags],
            image=lead["16:9"] or _default_image(publication),
            images=[meta for meta in lead.values() if meta],
        )


def breadcrumb_ld(article, publication, facts=None) -> dict:
    trail = [
        (publication.name, "/"),
        (article.section.name, article.section.get_absolute_url()),
        (article.headline, facts.url if facts else article.get_absolute_url()),
    ]
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": name,
                "item": absolute_url(path, publication),
            }
            for position, (name, path) in enumerate(trail, start=1)
        ],
    }


def _card_tags(*, kind, title, description, url, image, publication) -> list:
    tags = [
        ("property", "og:type", kind),
        ("property", "og:site_name", publication.name),
        ("property", "og:title", title),
        ("property", "og:url", url),
        ("property", "og:locale", publication.language.replace("-", "_")),
    ]
    if description:
        tags.append(("property", "og:description", description))
    if image:
        tags.append(("property", "og:image", image["url"]))
        tags.append(("property", "og:image:type", image["type"]))
        if image.get("width") and image.get("height"):
            tags.append(("property", "og:image:width", str(image["width"])))
            tags.append(("property", "og:image:height", str(image["height"])))
        if image.get("alt"):
            tags.append(("property", "og:image:alt", image["alt"]))
    tags.append(("name", "twitter:card", "summary_large_image" if image else "summary"))
    if publication.twitter_site:
        tags.append(("name", "twitter:site", publication.twitter_site))
    tags.append(("name", "twitter:title", title))
    if description:
        tags.append(("name", "twitter:description", description))
    if image:
        tags.append(("name", "twitter:image", image["url"]))
        if image.get("alt"):
            tags.append(("name", "twitter:image:alt", image["alt"]))
    return tags


def site_feeds(publication) -> list[tuple[str, str, str]]:
    return [
        (f"{publication.name} (RSS)", "application/rss+xml", address("articles:feed")),
        (f"{publication.name} (Atom)", "application/atom+xml", address("articles:feed-atom")),
    ]


def object_feeds(kind, obj) -> list[tuple[str, str, str]]:
    """The RSS and Atom feeds of a section, tag or author ("section", "tag", "author")."""
    return [
        (
            f"{obj.name} (RSS)",
            "application/rss+xml",
            address(f"articles:{kind}-feed", slug=obj.slug),
        ),
        (
            f"{obj.name} (Atom)",
            "application/atom+xml",
            address(f"articles:{kind}-feed-atom", slug=obj.slug),
        ),
    ]


def article_head(article, *, is_preview=False) -> Head:
    """Canonical link, JSON-LD NewsArticle + BreadcrumbList and social cards of an article."""
    publication = get_publication()
    if is_preview:
        return Head(noindex=True, feeds=site_feeds(publication))
    facts = ArticleFacts.of(article, publication)
    meta = _card_tags(
        kind="article",
        title=article.title_for_seo,
        description=article.description_for_seo,
        url=facts.url,
        image=facts.image,
        publication=publication,
    )
    meta += [
        ("property", "article:published_time", facts.published),
        ("property", "article:modified_time", facts.modified),
        ("property", "article:section", article.section.name),
    ]
    meta += [("property", "article:author", url) for _, url in facts.authors]
    meta += [("property", "article:tag", tag) for tag in facts.tags]
    return Head(
        canonical=facts.url,
        meta=meta,
        jsonld=[
            news_article_ld(article, publication, facts),
            breadcrumb_ld(article, publication, facts),
        ],
        feeds=object_feeds("section", article.section) + site_feeds(publication),
    )


def page_url(path, page_number, publication) -> str:
    """The canonical URL of page N of a listing: the bare URL for page 1, ?page=N after."""
    suffix = f"?page={page_number}" if page_number > 1 else ""
    return absolute_url(path, publication) + suffix


def listing_head(*, kind, obj, page, description) -> Head:
    """A section, tag or author listing: self-canonical per page, its own cards and feeds."""
    publication = get_publication()
    url = page_url(obj.get_absolute_url(), page.number, publication)
    image = _default_image(publication)
    photo = None
    if kind == "author" and obj.photo:
        photo = obj.photo.rendition_meta(ratio="1:1", width=400)
    if photo:
        image = {
            "url": absolute_url(photo["url"], publication),
            "width": photo["width"],
            "height": photo["height"],
            "type": mimetypes.guess_type(photo["name"])[0] or "image/jpeg",
            "alt": obj.name,
        }
    title = obj.name if page.number == 1 else f"{obj.name} (page {page.number})"
    meta = _card_tags(
        kind="profile" if kind == "author" else "website",
        title=title,
        description=description,
        url=url,
        image=image,
        publication=publication,
    )
    return Head(canonical=url, meta=meta, feeds=object_feeds(kind, obj) + site_feeds(publication))


def home_head(page) -> Head:
    """The front page: WebSite and Organization JSON-LD, cards, the site's feeds."""
    publication = get_publication()
    url = page_url("/", page.number, publication)
    description = publication.description or f"The latest news from {publication.name}."
    meta = _card_tags(
        kind="website",
        title=publication.name,
        description=description,
        url=url,
        image=_default_image(publication),
        publication=publication,
    )
    organization = organization_ld(publication)
    for role, path in publisher_pages().items():
        organization[role] = absolute_url(path, publication)
    graph = {"@context": "https://schema.org", "@graph": [
        website_ld(publication), organization
    ]}  # fmt: skip
    return Head(canonical=url, meta=meta, jsonld=[graph], feeds=site_feeds(publication))


def corrections_head(page) -> Head:
    """/corrections/: self-canonical per page, its own card and the corrections feeds."""
    publication = get_publication()
    url = page_url(reverse("articles:corrections"), page.number, publication)
    title = "Corrections and updates"
    if page.number > 1:
        title += f" (page {page.number})"
    meta = _card_tags(
        kind="website",
        title=title,
        description=f"Every correction and update {publication.name} adds to its stories.",
        url=url,
        image=_default_image(publication),
        publication=publication,
    )
    feeds = [
        (
            "Corrections and updates (RSS)",
            "application/rss+xml",
            reverse("articles:corrections-feed"),
        ),
        (
            "Corrections and updates (Atom)",
            "application/atom+xml",
            reverse("articles:corrections-atom"),
        ),
    ]
    return Head(canonical=url, meta=meta, feeds=feeds + site_feeds(publication))
