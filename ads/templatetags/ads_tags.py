import logging

from django import template

from ads.services import slots_for_request

logger = logging.getLogger(__name__)
register = template.Library()


@register.inclusion_tag("ads/_slot.html", takes_context=True)
def ad_slot(context, code, article=None):
    """Render slot `code`: its label and live creative, or the placeholder.

    Renders nothing for an inactive or unknown slot, or on an article with ads disabled.
    """
    article = article or context.get("article")
    if article is not None and getattr(article, "ads_disabled", False):
        return {"slot": None}
    slots = slots_for_request(context.get("request"))
    slot = slots.get(code)
    if slot is None:
        logger.warning("Template asked for unknown ad slot %r", code)
    return {"slot": slot if slot is not None and slot.is_active else None}
