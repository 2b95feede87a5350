"""{% push_script %}: the opt-in prompt's script, only when push is set up."""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from articles.push import conf

register = template.Library()


@register.simple_tag
def push_script():
    """Nothing without VAPID keys: no prompt, no service worker."""
    if not conf.enabled():
        return ""
    return format_html(
        '<script src="{}" defer data-key="{}" data-subscribe="{}" data-unsubscribe="{}"'
        ' data-worker="{}"></script>',
        static("push/push.js"),
        conf.public_key(),
        reverse("push:subscribe"),
        reverse("push:unsubscribe"),
        reverse("push-worker"),
    )
