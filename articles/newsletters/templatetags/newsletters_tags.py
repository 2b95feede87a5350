"""{% load newsletters_tags %}: the sign-up box under articles.

No query and no CSRF token, so article pages stay cacheable: the box posts to
/newsletters/subscribe/ (CSRF-exempt, honeypot and rate limits), which joins the newsletters
marked "offered on articles" and mails the confirmation link.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from articles.newsletters.conf import CONSENT_WORDING

register = template.Library()


@register.simple_tag
def newsletter_signup():
    """The article page's sign-up box."""
    return format_html(
        '<aside class="newsletter-box" aria-labelledby="newsletter-box-heading">'
        '<h2 id="newsletter-box-heading" class="section-heading">Get our newsletter</h2>'
        '<form method="post" action="{}">'
        '<label for="newsletter-box-email">Your email address</label> '
        '<input id="newsletter-box-email" type="email" name="email" required '
        'autocomplete="email" maxlength="254"> '
        '<span class="visually-hidden" aria-hidden="true"><label for="newsletter-box-website">'
        "Leave this empty</label>"
        '<input id="newsletter-box-website" type="text" name="website" tabindex="-1" '
        'autocomplete="off"></span>'
        '<button type="submit">Sign up</button>'
        '<p class="newsletter-consent">{} <a href="{}">All newsletters</a></p>'
        "</form></aside>",
        reverse("newsletters:subscribe"),
        CONSENT_WORDING,
        reverse("newsletters:index"),
    )
