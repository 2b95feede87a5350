"""The API's state changes: keys (make, revoke, check, rate-limit) and webhooks (register,
sign, dispatch after the commit, deliver from the task queue with retries, redeliver)."""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from articles.api.models import ApiKey, Webhook, WebhookDelivery, WebhookEvent
from articles.background.retries import retried

logger = logging.getLogger(__name__)

ADMINS_ONLY = "Only administrators can manage API keys and webhooks."
TOKEN_PREFIX = "nrk"  # noqa: S105 (the tokens' public prefix, not a secret)
# How often a key's last use is written (a write per request would double a read's cost).
LAST_USED_EVERY = timedelta(minutes=1)

# --- keys ----------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_key(
    *, user, name: str, by, can_read_drafts=False, can_write=False, rate_limit=600
) -> tuple[ApiKey, str]:
    """Make a key for `user` (administrators only): the key and its token, shown only now."""
    if not (by.is_active and by.is_superuser):
        raise PermissionDenied(ADMINS_ONLY)
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name,
        user=user,
        prefix=prefix,
        hashed=_digest(token),
        can_read_drafts=can_read_drafts,
        can_write=can_write,
        rate_limit=rate_limit,
        created_by=by,
    )
    return key, token


def revoke_api_key(*, key: ApiKey, by) -> None:
    """Make a key stop working now (administrators only)."""
    if not (by.is_active and by.is_superuser):
        raise PermissionDenied(ADMINS_ONLY)
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def key_for_token(token: str) -> ApiKey | None:
    """The active key a bearer token belongs to, or None (unknown, malformed, revoked, or
    its owner deactivated). One query; the hash is compared in constant time."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 12 or len(token) > 100:
        return None
    key = ApiKey.objects.active().select_related("user").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.hashed, _digest(token)):
        return None
    if not key.user.is_active:
        return None
    return key


def touch_api_key(key: ApiKey) -> None:
    """Record the key's use (at most once a minute)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def over_rate_limit(key: ApiKey) -> int:
    """Count one request against the key's per-minute limit; the seconds to wait when over
    it, else 0. A Django cache counter per key and minute (shared by every process with
    Redis)."""
    now = time.time()
    window = int(now // 60)
    name = f"api:rate:{key.pk}:{window}"
    try:
        cache.add(name, 0, timeout=120)
        count = cache.incr(name)
    except Exception:  # the cache is down: never lock partners out for it
        logger.warning("Cache unavailable; API rate limit not applied", exc_info=True)
        return 0
    if count > key.rate_limit:
        return max(1, 60 - int(now % 60))
    return 0


# --- webhooks: where they may point --------------------------------------------------------

URL_NOT_HTTP = "Only http:// and https:// addresses can receive webhooks."
URL_NOT_PUBLIC = "{host} resolves to a private, loopback or reserved address ({address})."
URL_UNRESOLVED = "{host} cannot be resolved."
UNKNOWN_EVENT = "Unknown event: {event}."


def _allowed_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return settings.NEWSROOM_WEBHOOKS_ALLOW_LOOPBACK
    return ip.is_global and not ip.is_multicast


def vetted_address(url: str) -> tuple[str, int, str]:
    """(host, port, the IP address to connect to) for a webhook URL, or ValidationError when
    it is not http(s) or any address its host resolves to is private, loopback (unless
    `NEWSROOM_WEBHOOKS_ALLOW_LOOPBACK`), link-local or reserved. Checked at registration and
    again before every delivery, and the delivery connects to the address checked here (so a
    name that changes its answer in between cannot reach the inside)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(URL_NOT_HTTP)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationError(URL_NOT_HTTP) from exc
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ValidationError(URL_UNRESOLVED.format(host=host)) from exc
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        if not _allowed_address(address):
            raise ValidationError(URL_NOT_PUBLIC.format(host=host, address=address))
    return host, port, addresses[0]


def check_events(events) -> list[str]:
    events = list(dict.fromkeys(events or []))
    for event in events:
        if event not in WebhookEvent.values:
            raise ValidationError(UNKNOWN_EVENT.format(event=event))
    return events


def save_webhook(*, webhook: Webhook, by) -> Webhook:
    """Register or change a webhook (administrators only); a new one gets its secret."""
    if not (by.is_active and by.is_superuser):
        raise PermissionDenied(ADMINS_ONLY)
    vetted_address(webhook.url)
    webhook.events = check_events(webhook.events)
    if not webhook.secret:
        webhook.secret = secrets.token_hex(32)
    if webhook.pk is None:
        webhook.created_by = by
    if webhook.is_active:
        webhook.disabled_at = None
        webhook.consecutive_failures = 0
    webhook.save()
    return webhook


# --- webhooks: signing and sending ---------------------------------------------------------

SIGNATURE_HEADER = "Newsroom-Signature"
USER_AGENT = "Newsroom-Webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Newsroom-Signature` value: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance=300, now=None) -> bool:
    """What a receiver does (docs/api.md): check the signature and that it is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, timeout: float) -> int:
    """POST `body` to `url` at its vetted address, no redirects followed; the status code."""
    host, port, address = vetted_address(url)
    parts = urlsplit(url)
    cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = cls(host, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx (the task raises it so that `retried` tries again)."""


def deliver(*, webhook_id: int, event: str, payload: dict, delivery_id: str, attempt: int):
    """One attempt: sign and POST, record a `WebhookDelivery`, count failures (turning the
    webhook off after `NEWSROOM_WEBHOOK_MAX_FAILURES` in a row). Raises DeliveryFailed on a
    failure so the task is retried."""
    webhook = Webhook.objects.filter(pk=webhook_id, is_active=True).first()
    if webhook is None:
        return None
    body = json.dumps(
        {"id": delivery_id, "event": event, "data": payload}, separators=(",", ":")
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Newsroom-Event": event,
        "Newsroom-Delivery": delivery_id,
        SIGNATURE_HEADER: sign(webhook.secret, int(time.time()), body),
    }
    started = time.monotonic()
    status, error = None, ""
    try:
        status = post(webhook.url, body, headers, settings.NEWSROOM_WEBHOOK_TIMEOUT)
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event=event,
        delivery_id=delivery_id,
        payload=payload,
        attempt=attempt,
        status_code=status,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if delivery.succeeded:
        Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=0)
        return delivery
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    Webhook.objects.filter(
        pk=webhook.pk,
        is_active=True,
        consecutive_failures__gte=settings.NEWSROOM_WEBHOOK_MAX_FAILURES,
    ).update(is_active=False, disabled_at=timezone.now())
    raise DeliveryFailed(error or f"HTTP {status}")


@task(queue_name="default")
def deliver_webhook(
    *, webhook_id: int, event: str, payload: dict, delivery_id: str, attempt: int = 1
):
    """Deliver one event to one webhook, retried with backoff (1, 5, 30 minutes)."""
    with retried(
        deliver_webhook,
        attempt=attempt,
        webhook_id=webhook_id,
        event=event,
        payload=payload,
        delivery_id=delivery_id,
    ):
        deliver(
            webhook_id=webhook_id,
            event=event,
            payload=payload,
            delivery_id=delivery_id,
            attempt=attempt,
        )


def _enqueue(webhook_id, event, payload, delivery_id):
    try:
        deliver_webhook.enqueue(
            webhook_id=webhook_id, event=event, payload=payload, delivery_id=delivery_id
        )
    except DeliveryFailed:  # an immediate backend ran it here and recorded the failure
        pass
    except Exception:
        logger.exception("Could not queue the %s webhook to %s", event, webhook_id)


def dispatch(event: str, payload: dict) -> None:
    """After the current transaction commits, queue one delivery of `event` to every active
    webhook that asked for it."""

    def after_commit():
        for webhook_id, events in Webhook.objects.filter(is_active=True).values_list(
            "pk", "events"
        ):
            if event in events:
                _enqueue(webhook_id, event, payload, str(uuid.uuid4()))

    transaction.on_commit(after_commit, robust=True)


def redeliver(*, delivery: WebhookDelivery, by) -> None:
    """Send a recorded delivery again (administrators, from the admin): a new attempt of the
    same delivery id, queued now."""
    if not (by.is_active and by.is_superuser):
        raise PermissionDenied(ADMINS_ONLY)
    transaction.on_commit(
        lambda: _enqueue(
            delivery.webhook_id, delivery.event, delivery.payload, str(delivery.delivery_id)
        ),
        robust=True,
    )
