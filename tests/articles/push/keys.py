"""A VAPID pair for the tests, made once per run (never a key from the repository)."""

from django.test import override_settings

from articles.push.management.commands.generate_vapid_keys import new_pair

PUBLIC, PRIVATE = new_pair()


def push_on(**extra):
    """Settings with push switched on and loopback http endpoints allowed."""
    values = {
        "NEWSROOM_VAPID_PUBLIC_KEY": PUBLIC,
        "NEWSROOM_VAPID_PRIVATE_KEY": PRIVATE,
        "NEWSROOM_VAPID_SUBJECT": "mailto:desk@example.com",
        "NEWSROOM_PUSH_ALLOW_LOOPBACK_HTTP": True,
        "NEWSROOM_PUSH_RETRY_DELAY_CAP": 0.01,
    }
    return override_settings(**{**values, **extra})
