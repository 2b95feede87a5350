"""Content-Security-Policy for ad code: the creative frame's own policy, and network pages.

The site-wide policy (settings.SECURE_CSP) allows no inline or third-party script, and an
article page's policy never depends on ad content: a script creative is served from its own URL
(`ads:creative-frame`) into a sandboxed `<iframe src=…>`, and that response carries its own
policy (`frame_policy`: the creative's inline-script hashes and https script origins, nothing
else). Only a page with a Google Ad Manager or AdSense unit switches to the nonce-based "strict
CSP" that Google supports for GPT (ads.js then carries the request's nonce and may load gpt.js).
"""

import base64
import hashlib
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.csp import CSP

REQUEST_ATTR = "_ads_csp"

# https://developers.google.com/publisher-tag/guides/content-security-policy
NETWORK_POLICY = {
    "script-src": [CSP.NONCE, CSP.STRICT_DYNAMIC, CSP.UNSAFE_INLINE, CSP.UNSAFE_EVAL, "https:"],
    "frame-src": [CSP.SELF, "https:"],
    "img-src": [CSP.SELF, "data:", "https:"],
    "connect-src": [CSP.SELF, "https:"],
}


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.inline, self.origins, self._open = [], set(), None

    def handle_starttag(self, tag, attrs):
        if tag != "script":
            return
        src = dict(attrs).get("src")
        if src:
            parts = urlsplit(src)
            if parts.scheme == "https" and parts.netloc:
                self.origins.add(f"https://{parts.netloc}")
        else:
            self._open = []

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._open is not None:
            self.inline.append("".join(self._open))
            self._open = None


def script_sources(html: str) -> set[str]:
    """CSP sources that let a script creative's own scripts run: hashes and https origins."""
    parser = _Scripts()
    parser.feed(html or "")
    parser.close()
    hashes = {
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode()
        )
        for code in parser.inline
    }
    return hashes | parser.origins


def frame_policy(html: str, sandbox: str) -> dict:
    """The creative frame's own policy: its scripts only, framed by our pages only, sandboxed."""
    return {
        "default-src": [CSP.NONE],
        "script-src": sorted(script_sources(html)) or [CSP.NONE],
        "style-src": [CSP.UNSAFE_INLINE, "https:"],
        "img-src": ["https:", "data:"],
        "font-src": ["https:"],
        "media-src": ["https:"],
        "connect-src": ["https:"],
        "frame-src": ["https:"],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.NONE],
        "frame-ancestors": [CSP.SELF],
        "sandbox": sandbox.split(),
    }


def note(request, *, network=False):
    """Remember that this page renders ad network units, for AdsCspMiddleware."""
    if request is None:
        return
    needs = request.__dict__.setdefault(REQUEST_ATTR, {"network": False})
    needs["network"] = needs["network"] or network


def policy_for(needs) -> dict:
    """The site policy, or Google's strict nonce policy on pages with ad network units."""
    policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    if needs["network"]:
        policy.update({key: list(value) for key, value in NETWORK_POLICY.items()})
    return policy


class AdsCspMiddleware:
    """Switch a page with ad network units to the nonce policy (after Django's CSP middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        needs = getattr(request, REQUEST_ATTR, None)
        if needs and needs["network"]:
            if not hasattr(response, "_csp_config"):
                response._csp_config = policy_for(needs)
        return response
