"""The newsletters' settings, with their defaults (docs/newsletters.md lists them)."""

from django.conf import settings


def mailer() -> str:
    """The MAILERS alias issues go out through (an anymail ESP or plain SMTP)."""
    alias = getattr(settings, "NEWSROOM_NEWSLETTER_MAILER", "newsletters")
    return alias if alias in getattr(settings, "MAILERS", {}) else "default"


def batch_size() -> int:
    """Recipients per batch task: ESPs differ (Mailgun takes 1,000 per call, SES 50)."""
    return int(getattr(settings, "NEWSROOM_NEWSLETTER_BATCH_SIZE", 200))


def parallel_batches() -> int:
    """Batch chains started per send (one per worker that should share the send)."""
    return int(getattr(settings, "NEWSROOM_NEWSLETTER_PARALLEL_BATCHES", 2))


def connections() -> int:
    """Mail connections a batch sends on at once (one thread each)."""
    return max(1, int(getattr(settings, "NEWSROOM_NEWSLETTER_CONNECTIONS", 4)))


def lease_seconds() -> int:
    """How long a batch may hold its recipients before the sweep gives them to another."""
    return int(getattr(settings, "NEWSROOM_NEWSLETTER_LEASE_SECONDS", 600))


def postal_address() -> str:
    """The publisher's postal address, printed in every issue's footer (the law asks for it)."""
    return getattr(settings, "NEWSROOM_POSTAL_ADDRESS", "")


def unsubscribe_mailto() -> str:
    """The address a mail client's unsubscribe button writes to (List-Unsubscribe mailto)."""
    configured = getattr(settings, "NEWSROOM_NEWSLETTER_UNSUBSCRIBE_MAILTO", "")
    if configured:
        return configured
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"unsubscribe@{domain.rstrip('>')}"


def ad_slot() -> str:
    """The ads app's slot every issue carries (its booked creative, or the placeholder);
    empty: no ad."""
    return getattr(settings, "NEWSROOM_NEWSLETTER_AD_SLOT", "newsletter")


def signup_limits() -> tuple[int, int]:
    """Sign-ups allowed per hour: per address, per IP."""
    per_address = int(getattr(settings, "NEWSROOM_NEWSLETTER_SIGNUPS_PER_ADDRESS", 3))
    per_ip = int(getattr(settings, "NEWSROOM_NEWSLETTER_SIGNUPS_PER_IP", 10))
    return per_address, per_ip


# Gmail clips a message whose HTML passes 102 KB ("[Message clipped]").
GMAIL_CLIP_BYTES = 102 * 1024
# The consent wording shown beside the sign-up button; bump the version when it changes.
CONSENT_WORDING = (
    "Send me the newsletters I chose. I can leave at any time with the link in every email."
)
CONSENT_VERSION = "2026-12-1"
