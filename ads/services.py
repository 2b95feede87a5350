"""Choosing what a page's slots show, and counting what readers saw and clicked.

A page's ads cost at most two queries however many slots it has: the slots (with the page's
suppression rules and sponsorship folded in), then the placements eligible for the page.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from ads import adstxt
from ads.models import (
    AdSlot,
    AdsTxtRecord,
    AdsTxtVariable,
    EmptyBehaviour,
    Placement,
    PlacementStat,
    Priority,
    Sponsorship,
    SuppressionRule,
)

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


def _tag_ids(article):
    from articles.models import TaggedArticle

    return TaggedArticle.objects.filter(content_object_id=article.pk).values("tag_id")


def load_page_ads(*, article=None, page_type="article", now=None) -> PageAds:
    """Load the page's slots and eligible placements in at most two queries."""
    now = now or timezone.now()
    page = PageAds(page_type=page_type, now=now)
    if article is not None and getattr(article, "ads_disabled", False):
        found = Sponsorship.objects.filter(article_id=article.pk).first()
        if found:
            page.sponsor_name, page.sponsor_label = found.sponsor_name, found.label
        return page
    slots = AdSlot.objects.all()
    if article is not None:
        rules = SuppressionRule.objects.filter(
            Q(slot__isnull=True) | Q(slot=OuterRef("pk")),
            Q(section_id=article.section_id) | Q(tag_id__in=_tag_ids(article)),
        )
        sponsorship = Sponsorship.objects.filter(article_id=article.pk)
        slots = slots.annotate(
            is_suppressed=Exists(rules),
            sponsor_name=Subquery(sponsorship.values("sponsor_name")[:1]),
            sponsor_label=Subquery(sponsorship.values("label")[:1]),
        )
    page.slots = {slot.code: slot for slot in slots}
    first = next(iter(page.slots.values()), None)
    if first is not None and getattr(first, "sponsor_name", None):
        page.sponsor_name, page.sponsor_label = first.sponsor_name, first.sponsor_label
    elif first is None and article is not None:
        found = Sponsorship.objects.filter(article_id=article.pk).first()
        if found:
            page.sponsor_name, page.sponsor_label = found.sponsor_name, found.label
    showing = [
        s.pk for s in page.slots.values() if s.is_active and not getattr(s, "is_suppressed", False)
    ]
    if not showing:
        return page
    placements = (
        Placement.objects.filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=now + LOOKAHEAD),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
            is_active=True,
            creative__is_active=True,
            slot_id__in=showing,
        )
        .targeting(
            section_id=article.section_id if article else None,
            tag_ids=_tag_ids(article) if article else None,
        )
        .select_related("creative")
        .order_by("slot_id", "priority", "-weight", "pk")
    )
    for placement in placements:
        if placement.shows_on(page_type):
            page.placements.setdefault(placement.slot_id, []).append(placement)
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
