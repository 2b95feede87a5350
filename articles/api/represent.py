"""Articles, images, people and notes as the API shows them: plain dicts, every URL absolute,
nothing a reader could not see on the site (no emails, usernames or staff fields).

Built from one article row (section, lead image and sponsorship joined; byline, tags and
corrections from the row's derived lists), so a page of articles costs one query.
"""

import html
import json
import re

from django.core.exceptions import ObjectDoesNotExist

from articles import addresses
from articles.distribution import seo
from articles.distribution.feeds import feed_html
from articles.media.models import media_url
from articles.media.renditions import MIME
from articles.publication import absolute_url, get_publication

API_ROOT = "/api/v1"
_SPACES = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")


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
    """The body as plain text (paragraphs joined by spaces). The body is sanitised markup
    (articles/richtext), so its tags are whole and a pattern removes them; `<` and `>` in the
    text are entities until unescaped last."""
    return _SPACES.sub(" ", html.unescape(_TAG.sub(" ", body_html or ""))).strip()


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


def summary(item, *, with_version=False, publication=None, here=None) -> dict:
    """An article as a list shows it: everything but the body, the corrections and the SEO
    texts (`article` adds them). A list passes `publication` and `here` (addresses.here())
    read once for all its articles."""
    publication = publication or get_publication()
    here = here or addresses.here()
    path = item.get_absolute_url(here=here)
    return {
        "id": item.pk,
        "headline": item.headline,
        "slug": item.slug,
        "standfirst": item.standfirst,
        "bylines": [
            {
                "id": credit.id,
                "name": credit.name,
                "slug": credit.slug,
                "url": absolute_url(credit.get_absolute_url(here=here), publication),
            }
            for credit in item.credits
        ],
        "section": {
            "id": item.section.pk,
            "name": item.section.name,
            "slug": item.section.slug,
            "url": absolute_url(item.section.get_absolute_url(here=here), publication),
        },
        "tags": [
            {
                "id": tag.id,
                "name": tag.name,
                "slug": tag.slug,
                "url": absolute_url(tag.get_absolute_url(here=here), publication),
            }
            for tag in item.ordered_tags
        ],
        "lead_image": image(item.lead_image) if item.lead_image_id else None,
        "canonical_url": absolute_url(path, publication),
        "api_url": absolute_url(f"{API_ROOT}/articles/{item.pk}", publication),
        "path": path,
        "status": item.status,
        "published_at": _when(item.published_at),
        "first_published_at": _when(item.first_published_at),
        "updated_at": _when(seo.article_modified_at(item)),
        "sponsored": sponsorship(item),
        "version": item.version if with_version else None,
    }


def article(item, *, with_version=False, publication=None) -> dict:
    """One article as the API shows it: the summary, the body (HTML with absolute URLs, and
    plain text), its corrections and its SEO texts."""
    publication = publication or get_publication()
    return {
        **summary(item, with_version=with_version, publication=publication),
        "body_html": feed_html(item.body, publication) or "",
        "body_text": body_text(item.body),
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
        "seo": {"title": item.title_for_seo, "description": item.description_for_seo},
    }


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


# --- kept encodings ---------------------------------------------------------------------------

# Each article's JSON as bytes, per process, keyed by the version of the rows it is built
# from (`row_digest`, as the kept page markup), the base URL and whether the version shows:
# an unchanged article is never represented or encoded twice. A changed row (an edit, a new
# correction, a renamed section or author on the row, an edited image, a sponsorship) has a
# new digest, so a kept encoding can be stale only by being unused. Bounded: emptied when full.
KEPT_MAX = 5000
_kept: dict[tuple, bytes] = {}


def encode(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def encoded(build, item, *, with_version=False, publication=None, here=None) -> bytes:
    """`build(item, …)` (`summary` or `article`) as JSON bytes, kept while its rows are
    unchanged. An item without a `row_digest` (not read by `articles_by_ids`) is built afresh."""
    publication = publication or get_publication()
    options = {"with_version": with_version, "publication": publication}
    if build is summary:
        options["here"] = here
    digest = getattr(item, "row_digest", None)
    if digest is None:
        return encode(build(item, **options))
    key = (build.__name__, item.pk, digest, publication.base_url, with_version)
    found = _kept.get(key)
    if found is None:
        if len(_kept) >= KEPT_MAX:
            _kept.clear()
        found = _kept[key] = encode(build(item, **options))
    return found


def encoded_many(build, ids, *, digests, read, with_version=False, publication=None, here=None):
    """The encodings of the articles `ids`, in order (those without a digest left out: gone
    since): kept ones as they are; only the others are read (`read(missing_ids)`, which sets
    their `row_digest`) and built."""
    publication = publication or get_publication()
    base = publication.base_url
    found = {}
    for pk in ids:
        if pk in digests:
            found[pk] = _kept.get((build.__name__, pk, digests[pk], base, with_version))
    missing = [pk for pk, body in found.items() if body is None]
    for item in read(missing) if missing else ():
        found[item.pk] = encoded(
            build, item, with_version=with_version, publication=publication, here=here
        )
    return [body for body in found.values() if body is not None]
