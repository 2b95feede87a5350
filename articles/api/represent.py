"""Articles, images, people and notes as the API shows them: plain dicts, every URL absolute,
nothing a reader could not see on the site (no emails, usernames or staff fields).

Built from one article row (section, lead image and sponsorship joined; byline, tags and
corrections from the row's derived lists), so a page of articles costs one query.
"""

import html
import re

from django.core.exceptions import ObjectDoesNotExist
from django.utils.html import strip_tags

from articles.distribution import seo
from articles.distribution.feeds import feed_html
from articles.media.models import media_url
from articles.media.renditions import MIME
from articles.publication import absolute_url, get_publication

API_ROOT = "/api/v1"
_SPACES = re.compile(r"\s+")


def _when(value):
    return value.isoformat() if value else None


def named(item, *, kind) -> dict:
    """An author, tag or section: id, name, slug and its reader page."""
    return {
        "id": item.pk,
        "name": item.name,
        "slug": item.slug,
        "url": absolute_url(item.get_absolute_url()),
        "api_url": absolute_url(f"{API_ROOT}/articles?{kind}={item.slug}"),
    }


def body_text(body_html: str) -> str:
    """The body as plain text (paragraphs joined by spaces)."""
    return _SPACES.sub(" ", html.unescape(strip_tags(body_html or ""))).strip()


def image(picture) -> dict | None:
    """A library image: alt, caption, credit, focal point, the master and every rendition
    (per ratio, per format: a ready `srcset` and its candidates)."""
    if picture is None or not picture.is_ready:
        return None
    renditions = []
    for ratio, entry in picture.renditions.get("ratios", {}).items():
        sources = []
        for fmt, candidates in entry.get("sources", {}).items():
            files = [
                {"url": absolute_url(media_url(path)), "width": w, "height": h}
                for w, h, path in candidates
            ]
            sources.append(
                {
                    "type": MIME.get(fmt, f"image/{fmt}"),
                    "srcset": ", ".join(f"{f['url']} {f['width']}w" for f in files),
                    "candidates": files,
                }
            )
        renditions.append(
            {
                "ratio": ratio,
                "width": entry.get("width"),
                "height": entry.get("height"),
                "sources": sources,
            }
        )
    return {
        "id": picture.pk,
        "url": absolute_url(media_url(picture.file.name)),
        "width": picture.width,
        "height": picture.height,
        "alt": picture.alt_text,
        "caption": picture.caption,
        "credit": picture.credit,
        "focal_point": {"x": picture.focal_x, "y": picture.focal_y},
        "renditions": renditions,
    }


def sponsorship(article) -> dict | None:
    """The "Sponsored by …" label, through the relation the ads app adds (`Article.sponsorship`);
    the articles app never imports the ads app."""
    try:
        sponsor = article.sponsorship
    except ObjectDoesNotExist:
        return None
    return {"label": sponsor.label, "sponsor": sponsor.sponsor_name}


def article(item, *, with_version=False) -> dict:
    """One article as the API shows it."""
    publication = get_publication()
    canonical = absolute_url(item.get_absolute_url(), publication)
    data = {
        "id": item.pk,
        "headline": item.headline,
        "slug": item.slug,
        "standfirst": item.standfirst,
        "body_html": feed_html(item.body, publication) or "",
        "body_text": body_text(item.body),
        "bylines": [
            {
                "id": credit.id,
                "name": credit.name,
                "slug": credit.slug,
                "url": absolute_url(credit.get_absolute_url(), publication),
            }
            for credit in item.credits
        ],
        "section": {
            "id": item.section.pk,
            "name": item.section.name,
            "slug": item.section.slug,
            "url": absolute_url(item.section.get_absolute_url(), publication),
        },
        "tags": [
            {
                "id": tag.id,
                "name": tag.name,
                "slug": tag.slug,
                "url": absolute_url(tag.get_absolute_url(), publication),
            }
            for tag in item.ordered_tags
        ],
        "lead_image": image(item.lead_image) if item.lead_image_id else None,
        "canonical_url": canonical,
        "path": item.get_absolute_url(),
        "status": item.status,
        "published_at": _when(item.published_at),
        "first_published_at": _when(item.first_published_at),
        "updated_at": _when(seo.article_modified_at(item)),
        "corrections": [
            {
                "id": note.id,
                "kind": note.kind,
                "label": note.get_kind_display(),
                "text": note.text,
                "created_at": _when(note.created_at),
            }
            for note in item.notes
        ],
        "sponsored": sponsorship(item),
        "seo": {"title": item.title_for_seo, "description": item.description_for_seo},
        "version": item.version if with_version else None,
    }
    return data


def correction(note) -> dict:
    """A correction on the corrections list, with its article (public, by `public()`)."""
    return {
        "id": note.pk,
        "kind": note.kind,
        "label": note.get_kind_display(),
        "text": note.text,
        "created_at": _when(note.created_at),
        "article": {
            "id": note.article.pk,
            "headline": note.article.headline,
            "canonical_url": absolute_url(note.article.get_absolute_url()),
            "api_url": absolute_url(f"{API_ROOT}/articles/{note.article.pk}"),
        },
    }


def author(person) -> dict:
    """An author's public profile (never their account)."""
    return {
        **named(person, kind="author"),
        "bio": person.bio,
        "photo": image(person.photo) if person.photo_id else None,
    }


def section(part) -> dict:
    return {**named(part, kind="section"), "description": part.description}


def tag(label) -> dict:
    return {**named(label, kind="tag"), "description": label.description}
