"""Choosing what a page's slots show, and counting what readers saw and clicked.

A page's ads cost one query however many slots it has: the slots (with the page's suppression
rules folded in), each joined to the placements eligible for the page. The article page's
article comes with its tags and sponsorship (`for_detail()`), so they add none.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.utils import timezone

from ads import adstxt
from ads.models import (
    AdSlot,
    AdsTxtRecord,
    AdsTxtVariable,
    Creative,
    EmptyBehaviour,
    Placement,
    PlacementStat,
    Priority,
    Sponsorship,
    SuppressionRule,
)
from articles.pages.reads import Shape, in_sql, model_columns

# Placements starting this soon are rendered too (inert), so a cached page switches them on
# in the browser at their start time.
LOOKAHEAD = timedelta(hours=1)
PAGE_TYPES_BY_URL_NAME = {"home": "home", "section": "section", "tag": "tag", "author": "author"}


@dataclass
class PageAds:
    """Everything the page's ad tags need, loaded once per request."""

    page_type: str
    slots: dict = field(default_factory=dict)
    placements: dict = field(default_factory=dict)  # slot id → eligible placements, best first
    sponsor_name: str = ""
    sponsor_label: str = ""
    now: object = None

    def for_slot(self, slot):
        """(placements to render, empty behaviour) for `slot` on this page."""
        candidates = self.placements.get(slot.pk, [])
        if self.sponsor_name:
            sponsor = self.sponsor_name.casefold()
            candidates = [
                p
                for p in candidates
                if p.priority == Priority.SPONSORSHIP
                and p.creative.advertiser.casefold() == sponsor
            ]
            # A sponsored article shows the sponsor's ads and nothing that competes with them.
            return candidates, EmptyBehaviour.COLLAPSE
        if not candidates and slot.empty_behaviour == EmptyBehaviour.HOUSE:
            candidates = self.house_ads_for(slot)
            if not candidates:
                return [], EmptyBehaviour.PLACEHOLDER
        return candidates, slot.empty_behaviour

    def house_ads_for(self, slot):
        """Live house placements anywhere on the page whose creative fits `slot`."""
        sizes = slot.sizes
        return [
            p
            for placements in self.placements.values()
            for p in placements
            if p.priority == Priority.HOUSE
            and p.creative.size in sizes
            and p.is_live(self.now)
            and p.slot_id != slot.pk
        ]


def _tag_ids(article) -> list[int]:
    """The article's tag ids (from its `filed_tags`: no query)."""
    return article.tag_ids


def _sponsorship(article):
    """The article's sponsorship, or None: from `select_related("sponsorship")` (the article
    page) or one query."""
    related = type(article).sponsorship.related
    if related.is_cached(article):
        return related.get_cached_value(article)
    return Sponsorship.objects.filter(article_id=article.pk).first()


def _suppressed(section_id, tag_ids, connection):
    """SQL for "a suppression rule hides the slot on an article of this section and tags"."""
    rules = SuppressionRule._meta.db_table
    tag_in, params = in_sql("r.tag_id", tag_ids, connection)
    # Only table names and placeholders go into the text; every value is a parameter.
    sql = (
        f"EXISTS (SELECT 1 FROM {rules} r WHERE (r.slot_id IS NULL OR r.slot_id = "  # noqa: S608
        f"s.id) AND (r.section_id = %s OR {tag_in}))"
    )
    return sql, [section_id, *params]


def _targeted(section_id, tag_ids, connection):
    """SQL for placements (`p`) whose section and tag targeting match the page (no targeting
    matches everything; a page that is no article matches only untargeted placements)."""
    sections = Placement.sections.through._meta.db_table
    tags = Placement.tags.through._meta.db_table

    def rows(through):  # only table names and placeholders in the text; values are parameters
        return f"SELECT 1 FROM {through} m WHERE m.placement_id = p.id"  # noqa: S608

    section_ok, params = f"NOT EXISTS ({rows(sections)})", []
    if section_id is not None:
        section_ok += f" OR EXISTS ({rows(sections)} AND m.section_id = %s)"
        params.append(section_id)
    tag_ok = f"NOT EXISTS ({rows(tags)})"
    if tag_ids:
        tag_in, tag_params = in_sql("m.tag_id", tag_ids, connection)
        tag_ok += f" OR EXISTS ({rows(tags)} AND {tag_in})"
        params += tag_params
    return f"({section_ok}) AND ({tag_ok})", params


# What a slot's markup reads of a creative (models/creatives.py); the rest stays deferred.
PLACEMENTS = Shape(
    ("p", Placement, model_columns(Placement)),
    ("c", Creative, (
        "id", "name", "kind", "advertiser", "width", "height", "image", "alt_text", "html",
        "click_url", "adsense_client_id", "is_active",
    )),
)  # fmt: skip


def _attach_creative(placement, creative):
    Placement.creative.field.set_cached_value(placement, creative)


# A slot and, from its LEFT JOIN, one eligible placement with its creative (or None).
SLOT_PLACEMENTS = Shape(("s", AdSlot, model_columns(AdSlot)), *PLACEMENTS.parts)


def _slots_and_placements(section_id, tag_ids, now):
    """Every slot (with `is_suppressed` on an article page) in code order, each with the
    active placements of active creatives for it, live now or within LOOKAHEAD, whose
    targeting matches, best first: [(slot, [placement, ...])]. One query: the slots LEFT JOIN
    their eligible placements (a slot that is inactive or suppressed joins none)."""
    connection = connections[router.db_for_read(AdSlot)]
    adapt = connection.ops.adapt_datetimefield_value
    suppressed, suppressed_params = (
        ("FALSE", []) if tag_ids is None else _suppressed(section_id, tag_ids, connection)
    )
    targeted, target_params = _targeted(section_id, tag_ids, connection)
    # The slots' own columns come from a derived table named like the table (`s`), beside
    # the page's suppression answer, so the join condition and the row both read it once.
    slots = f"(SELECT s.*, {suppressed} AS suppressed FROM {AdSlot._meta.db_table} s) s"  # noqa: S608
    sql = (
        f"SELECT {SLOT_PLACEMENTS.select}, s.suppressed FROM {slots} "  # noqa: S608
        f"LEFT JOIN ({Placement._meta.db_table} p "
        f"JOIN {Creative._meta.db_table} c ON c.id = p.creative_id AND c.is_active) "
        "ON p.slot_id = s.id AND s.is_active AND NOT s.suppressed AND p.is_active "
        "AND (p.starts_at IS NULL OR p.starts_at <= %s) AND (p.ends_at IS NULL OR p.ends_at > %s) "
        f"AND {targeted} ORDER BY s.code, p.priority, p.weight DESC, p.id"
    )
    params = [*suppressed_params, adapt(now + LOOKAHEAD), adapt(now), *target_params]
    row_placements = []  # each row's placement (or None), in row order

    def attach(slot, placement, creative):
        if placement is not None:
            _attach_creative(placement, creative)
        row_placements.append(placement)

    rows = SLOT_PLACEMENTS.read(sql, params, attach)
    found = {}
    for (row_slot, (is_suppressed,)), placement in zip(rows, row_placements, strict=True):
        slot, placements = found.setdefault(row_slot.pk, (row_slot, []))
        slot.is_suppressed = bool(is_suppressed)
        if placement is not None:
            placements.append(placement)
    return list(found.values())


def load_page_ads(*, article=None, page_type="article", now=None) -> PageAds:
    """Load the page's slots and eligible placements in one query (on the article page,
    whose article comes with its tags and sponsorship).

    Plain SQL on purpose: this query runs on every uncached page, and Django composing it
    (targeting subqueries, two joins, four orderings) cost more than running it."""
    now = now or timezone.now()
    page = PageAds(page_type=page_type, now=now)
    section_id = tag_ids = None
    if article is not None:
        found = _sponsorship(article)
        if found:
            page.sponsor_name, page.sponsor_label = found.sponsor_name, found.label
        if getattr(article, "ads_disabled", False):
            return page
        section_id, tag_ids = article.section_id, _tag_ids(article)
    for slot, placements in _slots_and_placements(section_id, tag_ids, now):
        page.slots[slot.code] = slot
        showing = [p for p in placements if p.shows_on(page_type)]
        if showing:
            page.placements[slot.pk] = showing
    return page


def page_ads_for_request(*, request, article=None, page_type=None) -> PageAds:
    """The page's ads, loaded once per request however many slots the page has."""
    if page_type is None:
        if article is not None:
            page_type = "article"
        else:
            match = getattr(request, "resolver_match", None)
            page_type = PAGE_TYPES_BY_URL_NAME.get(getattr(match, "url_name", ""), "home")
    key = (getattr(article, "pk", None), page_type)
    if request is None:
        return load_page_ads(article=article, page_type=page_type)
    cache = request.__dict__.setdefault("_page_ads", {})
    if key not in cache:
        cache[key] = load_page_ads(article=article, page_type=page_type)
    return cache[key]


def order_for_display(placements, now=None):
    """Live placements first (best priority, then weight), then those starting soon."""
    now = now or timezone.now()
    live = [p for p in placements if p.is_live(now)]
    top = min((p.priority for p in live), default=None)
    first = [p for p in live if p.priority == top][:1]
    return first + [p for p in placements if p not in first]


def _bump(*, placement_ids, counter, day):
    """Add one to `counter` for each placement today, creating the day's rows as needed."""
    ids = sorted(set(placement_ids))
    if not ids:
        return
    with transaction.atomic():
        updated = PlacementStat.objects.filter(placement_id__in=ids, date=day).update(
            **{counter: F(counter) + 1}
        )
        if updated == len(ids):
            return
        have = set(
            PlacementStat.objects.filter(placement_id__in=ids, date=day).values_list(
                "placement_id", flat=True
            )
        )
        missing = [i for i in ids if i not in have]
        try:
            with transaction.atomic():
                PlacementStat.objects.bulk_create(
                    [PlacementStat(placement_id=i, date=day, **{counter: 1}) for i in missing]
                )
        except IntegrityError:  # another request created the row first: count on it
            PlacementStat.objects.filter(placement_id__in=missing, date=day).update(
                **{counter: F(counter) + 1}
            )


def record_click(*, placement, now=None) -> None:
    """Count one click on `placement` today."""
    _bump(placement_ids=[placement.pk], counter="clicks", day=(now or timezone.now()).date())


def record_beacon(*, offered, viewed, now=None) -> None:
    """Count offers (creative shown) and viewable impressions reported by readers' browsers."""
    day = (now or timezone.now()).date()
    _bump(placement_ids=offered, counter="offers", day=day)
    _bump(placement_ids=viewed, counter="impressions", day=day)


def import_ads_txt(*, file, text) -> int:
    """Add every record and variable line of `text` to ads.txt `file`; all or nothing.

    Raises ValidationError with one "Line N: …" message per bad line.
    """
    errors = adstxt.validate(text)
    if errors:
        raise ValidationError(errors)
    count = 0
    with transaction.atomic():
        for position, line in enumerate(text.splitlines(), start=1):
            content, _, comment = line.partition("#")
            content = content.strip()
            if not content:
                continue
            if "=" in content and "," not in content.split("=", 1)[0]:
                name, value = content.split("=", 1)
                AdsTxtVariable.objects.create(
                    file=file, name=name.strip().upper(), value=value.strip(), position=position
                )
            else:
                fields = [f.strip() for f in content.split(";", 1)[0].split(",")]
                AdsTxtRecord.objects.create(
                    file=file,
                    domain=fields[0].lower(),
                    account_id=fields[1],
                    relationship=fields[2].upper(),
                    certification_id=fields[3] if len(fields) == 4 else "",
                    comment=comment.strip()[:200],
                    position=position,
                )
            count += 1
    return count
