"""The messages: an issue's HTML (table-based, CSS inlined with css-inline) and its text part,
the per-recipient headers (RFC 8058 one-click unsubscribe), and the confirmation mail.

An issue is rendered once per send (`RenderedIssue`); each recipient's copy only swaps the
placeholders for their own signed links, so 100,000 recipients cost one render.
"""

import hashlib
import re
from dataclasses import dataclass
from email.utils import make_msgid
from html import unescape
from html.parser import HTMLParser
from urllib.parse import quote

import css_inline
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from articles.models import Article
from articles.newsletters import conf, tokens
from articles.newsletters.models import Issue, Subscriber
from articles.publication import absolute_url, get_publication

UNSUBSCRIBE = "%%UNSUBSCRIBE_URL%%"
PREFERENCES = "%%PREFERENCES_URL%%"
TOKEN = "NLTOKENPLACEHOLDER"  # noqa: S105 (a placeholder: reversed once, swapped per token)
_INLINER = css_inline.CSSInliner(keep_style_tags=True)  # keeps the dark-mode @media rules


def issue_articles(issue: Issue) -> list[Article]:
    """The issue's articles in the editor's order, only those readers may see now."""
    items = issue.items.filter(article__in=Article.objects.published()).select_related(
        "article", "article__section", "article__lead_image"
    )
    return [item.article for item in items]


# Lead images are shown 552 px wide (the 600 px card less its padding), from a rendition
# twice that wide for sharp screens.
IMAGE_WIDTH = 552


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else absolute_url(url)


def lead_image(article: Article) -> dict | None:
    """The story's lead image for mail: a JPEG rendition's absolute URL, its display size
    (mail clients lay out before images load, and some never load them) and alt text."""
    image = article.lead_image
    meta = image.rendition_meta(ratio="16:9", width=IMAGE_WIDTH * 2) if image else None
    if not meta or not meta["width"] or not meta["height"]:
        return None
    width = min(IMAGE_WIDTH, meta["width"])
    return {
        "src": _absolute(meta["url"]),
        "width": width,
        "height": round(width * meta["height"] / meta["width"]),
        "alt": image.alt_text,
    }


def tracked(issue: Issue, url: str) -> str:
    """`url` through our signed click counter (no IP or recipient is recorded)."""
    path = reverse("newsletters:click", args=[tokens.click_token(issue_id=issue.pk, url=url)])
    return absolute_url(path)


@dataclass(frozen=True)
class RenderedIssue:
    issue: Issue
    subject: str
    html: str
    text: str
    # Worked out once per send, not per recipient (reverse() and the publication lookup were
    # a fifth of a message's cost): the links with TOKEN for the token, the site's host.
    unsubscribe_pattern: str = ""
    preferences_pattern: str = ""
    host: str = "localhost"

    @property
    def size(self) -> int:
        """Bytes of HTML as it goes out (the meter against Gmail's 102 KB clip)."""
        return len(self.html.encode())


def render_issue(issue: Issue) -> RenderedIssue:
    """The issue's HTML with CSS inlined, and its text part, with link placeholders."""
    publication = get_publication()
    stories = [
        {
            "headline": article.headline,
            "standfirst": article.standfirst,
            "section": article.section.name if article.section_id else "",
            "url": tracked(issue, absolute_url(article.get_absolute_url())),
            "image": lead_image(article),
        }
        for article in issue_articles(issue)
    ]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", issue.introduction) if p.strip()]
    context = {
        "issue": issue,
        "newsletter": issue.newsletter,
        "publication": publication,
        "intro": paragraphs,
        "stories": stories,
        "home_url": absolute_url("/"),
        "unsubscribe_url": UNSUBSCRIBE,
        "preferences_url": PREFERENCES,
        "postal_address": conf.postal_address(),
        "ad_slot": conf.ad_slot(),
    }
    html = _INLINER.inline(render_to_string("newsletters/email/issue.html", context))
    return RenderedIssue(
        issue=issue,
        subject=issue.subject,
        html=html,
        text=html_to_text(html),
        unsubscribe_pattern=absolute_url(reverse("newsletters:unsubscribe", args=[TOKEN])),
        preferences_pattern=absolute_url(reverse("newsletters:preferences", args=[TOKEN])),
        host=site_host(),
    )


def site_host() -> str:
    return absolute_url("/").split("//", 1)[-1].split("/", 1)[0].split(":")[0] or "localhost"


class _TextMaker(HTMLParser):
    BLOCKS = {"p", "div", "tr", "h1", "h2", "h3", "h4", "li", "br", "table"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.href: list[str | None] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"style", "head", "title", "script"}:
            self.skip += 1
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in {"style", "head", "title", "script"}:
            self.skip = max(0, self.skip - 1)
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href and not href.startswith("mailto:"):
                self.parts.append(f" <{href}>")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip and not (self.parts and "preheader" in data):
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The text part: the HTML's words, links as <url>, a blank line between blocks."""
    maker = _TextMaker()
    maker.feed(html)
    lines = [line.strip() for line in unescape("".join(maker.parts)).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def message_id(*, issue_id: int, subscriber_id: int, host: str = "") -> str:
    """The same Message-ID whenever this issue goes to this subscriber (the idempotency key)."""
    domain = host or site_host()
    digest = hashlib.sha256(f"{issue_id}:{subscriber_id}".encode()).hexdigest()[:12]
    return f"<nl.{issue_id}.{subscriber_id}.{digest}@{domain}>"


def unsubscribe_url(*, subscriber: Subscriber, newsletter_id: int) -> str:
    token = tokens.subscriber_token(subscriber=subscriber, newsletter_id=newsletter_id)
    return absolute_url(reverse("newsletters:unsubscribe", args=[token]))


def preferences_url(*, subscriber: Subscriber) -> str:
    token = tokens.subscriber_token(subscriber=subscriber)
    return absolute_url(reverse("newsletters:preferences", args=[token]))


@dataclass(frozen=True)
class Recipient:
    """What differs between two recipients' copies of an issue (all of it ASCII but `email`)."""

    email: str
    unsubscribe_url: str
    preferences_url: str
    list_unsubscribe: str
    message_id: str


def recipient(
    rendered: RenderedIssue, *, subscriber: Subscriber, email: str, test: bool = False
) -> Recipient:
    """One recipient's signed links, `List-Unsubscribe` value and stable Message-ID."""
    issue = rendered.issue
    # The unsubscribe token names the newsletter; the preferences token names none.
    unsubscribe_token = tokens.subscriber_token(
        subscriber=subscriber, newsletter_id=issue.newsletter_id
    )
    unsubscribe = rendered.unsubscribe_pattern.replace(TOKEN, unsubscribe_token)
    return Recipient(
        email=email,
        unsubscribe_url=unsubscribe,
        preferences_url=rendered.preferences_pattern.replace(
            TOKEN, tokens.subscriber_token(subscriber=subscriber)
        ),
        list_unsubscribe=(
            f"<{unsubscribe}>, <mailto:{conf.unsubscribe_mailto()}"
            f"?subject={quote('unsubscribe ' + unsubscribe_token)}>"
        ),
        message_id=(
            make_msgid("test")
            if test
            else message_id(issue_id=issue.pk, subscriber_id=subscriber.pk, host=rendered.host)
        ),
    )


def fill(body: str, to: Recipient) -> str:
    """`body` with the recipient's own links in place of the placeholders."""
    return body.replace(UNSUBSCRIBE, to.unsubscribe_url).replace(PREFERENCES, to.preferences_url)


def build_message(
    rendered: RenderedIssue, to: Recipient, *, test: bool = False
) -> EmailMultiAlternatives:
    """The message for `to`, built with Django's email API (the reference for `wire.py`)."""
    newsletter = rendered.issue.newsletter
    headers = {
        "List-Unsubscribe": to.list_unsubscribe,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{newsletter.name} <{newsletter.slug}.{rendered.host}>",
        "Message-ID": to.message_id,
        "Precedence": "bulk",
    }
    if newsletter.reply_to:
        headers["Reply-To"] = newsletter.reply_to
    message = EmailMultiAlternatives(
        subject=("[Test] " if test else "") + rendered.subject,
        body=fill(rendered.text, to),
        from_email=newsletter.sender,
        to=[to.email],
        headers=headers,
    )
    message.attach_alternative(fill(rendered.html, to), "text/html")
    return message


def issue_message(
    rendered: RenderedIssue, *, subscriber: Subscriber, email: str, test: bool = False
) -> EmailMultiAlternatives:
    """One recipient's copy: their links, the RFC 8058 headers, a stable Message-ID."""
    to = recipient(rendered, subscriber=subscriber, email=email, test=test)
    return build_message(rendered, to, test=test)


def confirmation_message(*, subscriber: Subscriber, newsletters, token: str):
    """The double opt-in mail: a link to a page whose button confirms."""
    context = {
        "publication": get_publication(),
        "newsletters": newsletters,
        "confirm_url": absolute_url(reverse("newsletters:confirm", args=[token])),
    }
    return EmailMultiAlternatives(
        subject=f"Confirm your subscription to {context['publication'].name}",
        body=render_to_string("newsletters/email/confirm.txt", context),
        to=[subscriber.email],
    )
