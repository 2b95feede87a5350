"""The mapping's fixed parts: WordPress statuses, the revision reasons, and the small
conversions of titles, dates and SEO fields (shared by the item-by-item importer in
`services` and the batch writer in `posts`)."""

import hashlib
import json
import re
from datetime import UTC, datetime
from html import unescape

from django.utils import timezone

from articles.models import Article
from articles.wpimport.parser import Item

IMPORTED = "Imported from WordPress"
UPDATED = "Updated from WordPress"
ORIGIN = "wordpress"
STATUS_MAP = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.SCHEDULED,
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.IN_REVIEW,
    # Not public: kept in the archive for editors, never shown to readers.
    "private": Article.Status.UNPUBLISHED,
}
SKIPPED_STATUSES = {
    "trash": "in the trash",
    "auto-draft": "an auto-draft (never saved by its author)",
    "inherit": "a revision or autosave of another post",
}


def _digest(values) -> str:
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()


def _plain(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html or "")).split())


def _unique(names):
    seen, out = set(), []
    for name in names:
        name = " ".join(unescape(name).split())[:100]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


def _seo(item: Item, which: str) -> str:
    keys = {
        "title": ("_yoast_wpseo_title", "rank_math_title"),
        "description": ("_yoast_wpseo_metadesc", "rank_math_description"),
    }[which]
    for key in keys:
        value = _plain(item.meta_value(key))
        if value and "%" not in value:  # %%title%% and friends: templates, not text
            return value
    return ""


def _when(item: Item, zone) -> datetime | None:
    gmt = item.post_date_gmt
    if gmt and not gmt.startswith("0000"):
        try:
            return datetime.strptime(gmt, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            pass
    local = item.post_date
    if local and not local.startswith("0000"):
        try:
            return timezone.make_aware(datetime.strptime(local, "%Y-%m-%d %H:%M:%S"), zone)
        except ValueError:
            return None
    return None
