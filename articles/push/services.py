"""Every change of web push: readers subscribe and unsubscribe (validated, rate-limited,
nothing stored but the endpoint, its keys and the topics), editors send a notification to a
topic (`send_notification`; the batches run on the task queue, `sending.py`)."""

import base64
import binascii
import hashlib
import hmac
import ipaddress
import re
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.models import Article, Section
from articles.push import conf, sending
from articles.push.models import PushSend, PushSubscription, PushTopic, Urgency

PUSH_OFF = "Push notifications are not set up on this site."
BAD_ENDPOINT = "The endpoint must be an https address of a browser push service."
BAD_P256DH = "keys.p256dh must be a P-256 public key: 65 bytes, base64url."
BAD_AUTH = "keys.auth must be 16 bytes, base64url."
BAD_TOPICS = "topics must be a list of 1 to 20 topics."
UNKNOWN_TOPIC = "Unknown topic: {}."
TOO_MANY = "Too many subscription changes from here just now; try again later."
CANNOT_SEND = "You may not send push notifications."
BAD_URL = "The link must be a page of this site (starting with /) or an http(s) address."
BAD_TTL = "TTL must be between 0 and 2,419,200 seconds (28 days)."
EMPTY_TITLE = "Write the notification's title."

TOPIC_RE = re.compile(r"^(breaking|section:[-a-z0-9_]{1,60}|live:[1-9][0-9]{0,9})$")
B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
MAX_TTL = 28 * 86400


def _b64url(value, length: int, message: str) -> str:
    if not isinstance(value, str) or not B64URL_RE.match(value) or len(value) > 120:
        raise ValidationError(message, code="bad_key")
    value = value.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValidationError(message, code="bad_key") from None
    if len(raw) != length:
        raise ValidationError(message, code="bad_key")
    return value


def validate_endpoint(endpoint) -> str:
    """An https endpoint on a known push service (or http on loopback when tests allow it)."""
    if not isinstance(endpoint, str) or not 10 < len(endpoint) <= 2048:
        raise ValidationError(BAD_ENDPOINT, code="bad_endpoint")
    if any(ord(c) < 33 or ord(c) > 126 for c in endpoint):
        raise ValidationError(BAD_ENDPOINT, code="bad_endpoint")
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        raise ValidationError(BAD_ENDPOINT, code="bad_endpoint") from None
    if parts.username or parts.password or not host:
        raise ValidationError(BAD_ENDPOINT, code="bad_endpoint")
    if conf.allow_loopback_http() and host in conf.LOOPBACK_HOSTS:
        if parts.scheme in ("http", "https"):
            return endpoint
    if parts.scheme != "https":
        raise ValidationError(BAD_ENDPOINT, code="bad_endpoint")
    try:
        ipaddress.ip_address(host)
        raise ValidationError(BAD_ENDPOINT, code="bad_endpoint")  # never a bare address
    except ValueError:
        pass
    if not any(host == h or host.endswith("." + h) for h in conf.push_hosts()):
        raise ValidationError(BAD_ENDPOINT, code="bad_endpoint")
    return endpoint


def validate_p256dh(value) -> str:
    value = _b64url(value, 65, BAD_P256DH)
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise ValidationError(BAD_P256DH, code="bad_key") from None
    return value


def validate_topics(topics) -> list[str]:
    """The topics, each one that exists: `breaking`, a section's slug, a published article."""
    if not isinstance(topics, list) or not 0 < len(topics) <= conf.MAX_TOPICS:
        raise ValidationError(BAD_TOPICS, code="bad_topics")
    cleaned = []
    for topic in topics:
        if not isinstance(topic, str) or not TOPIC_RE.match(topic):
            raise ValidationError(UNKNOWN_TOPIC.format(str(topic)[:80]), code="bad_topics")
        kind, _, value = topic.partition(":")
        exists = (
            kind == "breaking"
            or (kind == "section" and Section.objects.filter(slug=value).exists())
            or (kind == "live" and Article.objects.published().filter(pk=int(value)).exists())
        )
        if not exists:
            raise ValidationError(UNKNOWN_TOPIC.format(topic), code="bad_topics")
        if topic not in cleaned:
            cleaned.append(topic)
    return cleaned


def _over_limit(ip: str) -> bool:
    """One more subscription change from this address this hour; True past the limit. The
    address is only a keyed hash inside a cache key that expires within the hour."""
    digest = hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()[:32]
    key = f"push:rate:{digest}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, 3600)
    try:
        return cache.incr(key) > conf.subscribes_per_hour()
    except ValueError:  # expired between add and incr
        return False


def subscribe(*, endpoint, p256dh, auth, topics, ip: str = "") -> PushSubscription:
    """Keep a browser's subscription with its topics (the same endpoint again replaces its keys
    and topics). Raises ValidationError with a message a developer can act on."""
    if not conf.enabled():
        raise ValidationError(PUSH_OFF, code="off")
    endpoint = validate_endpoint(endpoint)
    p256dh = validate_p256dh(p256dh)
    auth = _b64url(auth, 16, BAD_AUTH)
    topics = validate_topics(topics)
    if _over_limit(ip):
        raise ValidationError(TOO_MANY, code="rate_limited")
    with transaction.atomic():
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint, defaults={"p256dh": p256dh, "auth": auth}
        )
        subscription.topics.exclude(topic__in=topics).delete()
        PushTopic.objects.bulk_create(
            [PushTopic(subscription=subscription, topic=t) for t in topics],
            ignore_conflicts=True,
        )
    return subscription


def unsubscribe(*, endpoint, ip: str = "") -> bool:
    """Forget a subscription and its topics; True if there was one."""
    if not isinstance(endpoint, str) or len(endpoint) > 2048:
        raise ValidationError(BAD_ENDPOINT, code="bad_endpoint")
    if _over_limit(ip):
        raise ValidationError(TOO_MANY, code="rate_limited")
    deleted, _ = PushSubscription.objects.filter(endpoint=endpoint).delete()
    return bool(deleted)


def can_send(user) -> bool:
    return bool(user and user.is_active and user.has_perm("push.add_pushsend"))


def _validate_send_url(url: str) -> str:
    url = (url or "").strip()
    if url.startswith("/") and not url.startswith("//"):
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(BAD_URL)
    return url


def send_notification(
    *,
    topic: str,
    title: str,
    body: str = "",
    url: str,
    by,
    ttl: int = conf.DEFAULT_TTL,
    urgency: str = Urgency.HIGH,
    source: str = "",
) -> PushSend:
    """Send a notification to every subscription of `topic` ("breaking", "section:<slug>",
    "live:<article id>"): a send record now, its batches on the task queue after the commit.
    Publishing never calls this by itself: an editor chooses to."""
    if not can_send(by):
        raise PermissionDenied(CANNOT_SEND)
    if not conf.enabled():
        raise ValidationError(PUSH_OFF)
    if not isinstance(topic, str) or not TOPIC_RE.match(topic):
        raise ValidationError(UNKNOWN_TOPIC.format(str(topic)[:80]))
    title = " ".join((title or "").split())[:120]
    if not title:
        raise ValidationError(EMPTY_TITLE)
    if not isinstance(ttl, int) or not 0 <= ttl <= MAX_TTL:
        raise ValidationError(BAD_TTL)
    if urgency not in Urgency.values:
        raise ValidationError(f"Urgency must be one of {', '.join(Urgency.values)}.")
    with transaction.atomic():
        send = PushSend.objects.create(
            topic=topic,
            title=title,
            body=" ".join((body or "").split())[:300],
            url=_validate_send_url(url),
            ttl=ttl,
            urgency=urgency,
            source=source[:40],
            created_by=by,
        )
        send_id = send.pk
        transaction.on_commit(lambda: sending.prepare_send.enqueue(send_id=send_id))
    return send
