"""What a hit may tell us, and what it never keeps (docs/analytics.md).

A reader is counted once a day per article through a visitor key: an HMAC, under a secret made
for that day and destroyed when it ends, of the day, the reader's address cut to its network
(/24 for IPv4, /48 for IPv6) and the browser family. The key itself is never stored: it only
goes into a HyperLogLog (a probabilistic counter that cannot give its members back). Without
the day's secret nobody can recompute a key, so yesterday's counts cannot be tied to anyone.
"""

import hashlib
import hmac
import ipaddress
import re
from datetime import date

# Crawlers, link previews, monitors, headless browsers and HTTP libraries: words looked for in
# the lower-cased user agent ("bot" only as a word's end: "robot", "Googlebot/2.1", not "bottle").
# Plain substring tests: one case-insensitive regular expression of these alternatives was a
# third of a hit's cost (callgrind, scripts/bench_beacon.py).
BOT_WORD_END = re.compile(r"bot\b")
BOT_WORDS = (
    "crawl", "spider", "slurp", "scrape", "preview", "fetch", "monitor", "checker", "archiver",
    "facebookexternalhit", "embedly", "quora link", "whatsapp", "telegram", "discord", "skype",
    "headless", "phantomjs", "puppeteer", "playwright", "selenium", "lighthouse", "pagespeed",
    "python-", "python/", "requests", "aiohttp", "httpx", "curl", "wget", "go-http", "java/",
    "okhttp", "libwww", "axios", "node-fetch", "undici", "apache-httpclient", "feed", "rss",
    "validator",
)  # fmt: skip
# Coarse families: enough to tell two readers behind one network apart, too coarse to
# fingerprint anyone (no versions, no devices).
BROWSERS = (
    ("edg/", "Edge"),
    ("opr/", "Opera"),
    ("samsungbrowser", "Samsung"),
    ("firefox/", "Firefox"),
    ("fxios", "Firefox"),
    ("crios", "Chrome"),
    ("chrome/", "Chrome"),
    ("safari/", "Safari"),
)
SYSTEMS = (
    ("android", "Android"),
    ("iphone", "iOS"),
    ("ipad", "iOS"),
    ("windows", "Windows"),
    ("mac os", "macOS"),
    ("cros", "ChromeOS"),
    ("linux", "Linux"),
)
HOST_PATTERN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)  # noqa: E501
PREFETCH_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


def is_bot(user_agent: str) -> bool:
    """A request without a browser's user agent, or from a known robot family."""
    text = user_agent.lower()
    if "mozilla/" not in text or ("bot" in text and BOT_WORD_END.search(text)):
        return True
    return any(word in text for word in BOT_WORDS)


def is_prefetch(meta) -> bool:
    """A prefetch or prerender (Sec-Purpose, Purpose, X-Purpose, X-Moz headers)."""
    for name in PREFETCH_HEADERS:
        value = meta.get(name)
        if value:
            value = value.lower()
            if "prefetch" in value or "prerender" in value or "preview" in value:
                return True
    return False


def asks_not_to_be_tracked(meta) -> bool:
    """Do-Not-Track or Global Privacy Control is on."""
    return meta.get("HTTP_DNT", "").strip() == "1" or meta.get("HTTP_SEC_GPC", "").strip() == "1"


def browser_family(user_agent: str) -> str:
    """ "Firefox/Linux" and the like: a family and a system, no versions."""
    text = user_agent.lower()
    browser = next((name for needle, name in BROWSERS if needle in text), "Other")
    system = next((name for needle, name in SYSTEMS if needle in text), "Other")
    return f"{browser}/{system}"


def network(address: str) -> str:
    """The reader's network, not their address: /24 for IPv4, /48 for IPv6 ("" if invalid)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def visitor_key(*, secret: bytes, day: date, address: str, user_agent: str) -> str:
    """HMAC(the day's secret, day | network | browser family), never stored."""
    message = f"{day.isoformat()}|{network(address)}|{browser_family(user_agent)}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def referrer_host(value: str) -> str | None:
    """A referring host name as the beacon sends it ("" for none), or None when malformed."""
    host = value.strip().lower().removeprefix("www.")
    if not host:
        return ""
    return host if HOST_PATTERN.match(host) else None
