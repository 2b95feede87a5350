"""Reading the ad configuration for a page."""

from django.db.models import OuterRef, Subquery

from ads.models import AdSlot, Creative


def slots_by_code():
    """Every slot with the kind of its live creative (if any), in one query."""
    live = Creative.objects.live().filter(slot=OuterRef("pk")).order_by("-starts_at", "-pk")
    slots = AdSlot.objects.annotate(live_creative_kind=Subquery(live.values("kind")[:1]))
    return {slot.code: slot for slot in slots}


def slots_for_request(request):
    """The page's slots, loaded once per request however many slots the page has."""
    if request is None:
        return slots_by_code()
    if not hasattr(request, "_ad_slots"):
        request._ad_slots = slots_by_code()
    return request._ad_slots
