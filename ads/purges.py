"""What the ads app purges when ad managers change slots, creatives, placements, sponsorships,
suppression rules and ads.txt: the pages that render them (surrogate keys and the purge path
are the page cache's, `articles.delivery.cache`). Connected by `ads/apps.py`."""

from django.db.models.signals import pre_save

from ads.models import (
    AdSlot,
    AdsTxtRecord,
    AdsTxtVariable,
    Creative,
    Placement,
    Sponsorship,
    SuppressionRule,
)
from articles.delivery import cache


def _slot_keys(slot):
    return cache.keys_for_slot(slot.code)


def _placement_keys(placement):
    return cache.keys_for_slot(placement.slot.code) if placement.slot_id else set()


def _creative_keys(creative):
    return (
        set().union(*(cache.keys_for_slot(p.slot.code) for p in creative.placements.all())) or set()
    )


def _suppression_keys(rule):
    if rule.slot_id:
        return cache.keys_for_slot(rule.slot.code)
    return {cache.slot_key(code) for code in AdSlot.objects.values_list("code", flat=True)}


def _sponsorship_keys(sponsorship):
    return {cache.article_key(sponsorship.article_id)}


def _remember_adstxt_file(sender, instance, **kwargs):
    """Before an ads.txt line is saved: which file it was in (an edit may move it)."""
    if instance.pk is not None:
        instance._file_before = list(
            sender.objects.filter(pk=instance.pk).values_list("file", flat=True)
        )


def connect_signals() -> None:
    """Purge on saves and deletes of everything the ads app shows on pages."""
    for model in (AdsTxtRecord, AdsTxtVariable):
        pre_save.connect(
            _remember_adstxt_file,
            sender=model,
            weak=False,
            dispatch_uid=f"newsroom-adstxt-file-{model._meta.label_lower}",
        )
    handlers = {
        AdSlot: _slot_keys,
        Placement: _placement_keys,
        Creative: _creative_keys,
        SuppressionRule: _suppression_keys,
        Sponsorship: _sponsorship_keys,
        AdsTxtRecord: cache.keys_for_adstxt_line,
        AdsTxtVariable: cache.keys_for_adstxt_line,
    }
    for model, key_function in handlers.items():
        cache.purge_on_save(model, key_function)
