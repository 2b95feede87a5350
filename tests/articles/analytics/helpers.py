"""Scripted readers for the analytics tests."""

import os
from urllib.parse import urlencode

from articles.analytics.store import MEMORY, get_store

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
READER_IP = "203.0.113.77"
OTHER_IP = "198.51.100.23"
# A Redis database of our own (the page-cache tests use 7), and a prefix per process.
REDIS_URL = os.environ.get("ANALYTICS_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
REDIS_PREFIX = f"test-analytics-{os.getpid()}:"


def beacon(client, *, ip=READER_IP, ua=FIREFOX, headers=None, **fields):
    """POST a hit as the beacon does (form-encoded, same-origin)."""
    data = {"t": "view", "r": "", **fields}
    extra = {"REMOTE_ADDR": ip, "HTTP_USER_AGENT": ua, "HTTP_SEC_FETCH_SITE": "same-origin"}
    return post(client, data, **{**extra, **(headers or {})})


def post(client, data, **extra):
    """POST `data` form-encoded, as `navigator.sendBeacon(url, new URLSearchParams(…))` does."""
    body = urlencode(data)
    return client.post(
        "/analytics/hit", body, content_type="application/x-www-form-urlencoded", **extra
    )


def clear_stores():
    MEMORY.clear()
    store = get_store()
    if store is not MEMORY:
        store.clear()
