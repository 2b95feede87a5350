"""Web push settings, with their defaults (docs/alerts-and-push.md lists them)."""

from django.conf import settings

# Push services browsers use today: endpoints must be on one of these hosts (or a subdomain),
# so a forged subscription cannot make the server POST to an address of its choosing.
DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "notify.windows.com",
    "push.apple.com",
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def public_key() -> str:
    return getattr(settings, "NEWSROOM_VAPID_PUBLIC_KEY", "") or ""


def private_key() -> str:
    return getattr(settings, "NEWSROOM_VAPID_PRIVATE_KEY", "") or ""


def subject() -> str:
    """The VAPID `sub` claim: a mailto: or https: contact for the push services."""
    return getattr(settings, "NEWSROOM_VAPID_SUBJECT", "") or "mailto:webmaster@localhost"


def enabled() -> bool:
    """Push is on only when both VAPID keys are set; otherwise no prompt, no endpoint."""
    return bool(public_key() and private_key())


def push_hosts() -> tuple[str, ...]:
    return tuple(getattr(settings, "NEWSROOM_PUSH_HOSTS", DEFAULT_PUSH_HOSTS))


def allow_loopback_http() -> bool:
    """Tests and benchmarks: accept http:// endpoints on loopback (never in production)."""
    return bool(getattr(settings, "NEWSROOM_PUSH_ALLOW_LOOPBACK_HTTP", False))


def batch_size() -> int:
    return int(getattr(settings, "NEWSROOM_PUSH_BATCH_SIZE", 500))


def parallel_batches() -> int:
    """Chains of batch tasks started per send (one per worker that should share it)."""
    return int(getattr(settings, "NEWSROOM_PUSH_PARALLEL_BATCHES", 2))


def lease_seconds() -> int:
    return int(getattr(settings, "NEWSROOM_PUSH_LEASE_SECONDS", 120))


def timeout() -> float:
    return float(getattr(settings, "NEWSROOM_PUSH_TIMEOUT", 10))


def retries() -> int:
    """Extra attempts for a 429 or 5xx answer, within the batch, before counting a failure."""
    return int(getattr(settings, "NEWSROOM_PUSH_RETRIES", 2))


def retry_delay_cap() -> float:
    """The longest a batch waits before a retry, whatever Retry-After asks."""
    return float(getattr(settings, "NEWSROOM_PUSH_RETRY_DELAY_CAP", 5))


def subscribes_per_hour() -> int:
    return int(getattr(settings, "NEWSROOM_PUSH_SUBSCRIBES_PER_HOUR", 30))


DEFAULT_TTL = 4 * 3600  # a breaking alert four hours late is no longer news
MAX_TOPICS = 20
MAX_BODY_BYTES = 4096
