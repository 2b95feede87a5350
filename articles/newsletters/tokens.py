"""The signed links in newsletter mail: confirm, preferences, one-click unsubscribe, clicks.

Each is signed with the site's secret and a salt of its own; the preferences and unsubscribe
links also carry the subscriber's `secret`, so erasing or resetting it voids every old link.
"""

from django.core import signing

CONFIRM_MAX_AGE = 7 * 24 * 3600  # a week to click the confirmation link


def confirm_token(*, subscriber, newsletter_ids) -> str:
    return signing.dumps(
        {"s": subscriber.pk, "n": sorted(newsletter_ids)},
        salt="newsletters.confirm",
        compress=True,
    )


def read_confirm_token(token: str) -> dict | None:
    try:
        data = signing.loads(token, salt="newsletters.confirm", max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def subscriber_token(*, subscriber, newsletter_id: int = 0) -> str:
    """A lasting link to one subscriber (and, for unsubscribing, one newsletter)."""
    return signing.Signer(salt="newsletters.subscriber").sign(
        f"{subscriber.pk}.{newsletter_id}.{subscriber.secret[:8]}"
    )


def read_subscriber_token(token: str) -> tuple[int, int, str] | None:
    """(subscriber id, newsletter id or 0, the secret's start) or None if forged."""
    try:
        value = signing.Signer(salt="newsletters.subscriber").unsign(token)
        subscriber_id, newsletter_id, secret = value.split(".")
        return int(subscriber_id), int(newsletter_id), secret
    except (signing.BadSignature, ValueError):
        return None


def click_token(*, issue_id: int, url: str) -> str:
    return signing.Signer(salt="newsletters.click").sign_object({"i": issue_id, "u": url})


def read_click_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.Signer(salt="newsletters.click").unsign_object(token)
        return int(data["i"]), str(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
