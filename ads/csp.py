"""Content-Security-Policy additions for pages that carry ad code, and only for those pages.

The site-wide policy (settings.SECURE_CSP) allows no inline or third-party script. A page whose
slots render a sandboxed script creative gets the hashes of that creative's inline scripts and
the origins of its external scripts added to script-src: a srcdoc frame inherits the page's
policy, so without them the creative could not run at all. A page with a Google Ad Manager or
AdSense unit switches to the nonce-based "strict CSP" that Google supports for GPT (ads.js then
carries the request's nonce and may load gpt.js).
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


def note(request, *, scripts=(), network=False):
    """Remember what ad code this page renders, for AdsCspMiddleware."""
    if request is None:
        return
    needs = request.__dict__.setdefault(REQUEST_ATTR, {"scripts": set(), "network": False})
    needs["scripts"].update(scripts)
    needs["network"] = needs["network"] or network


def policy_for(needs) -> dict:
    """The site policy plus what this page's ad code needs."""
    policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    if needs["network"]:
        policy.update({key: list(value) for key, value in NETWORK_POLICY.items()})
    if needs["scripts"]:
        base = policy.get("script-src") or policy.get("default-src") or []
        policy["script-src"] = list(base) + sorted(needs["scripts"] - set(base))
    return policy


class AdsCspMiddleware:
    """Widen the page's CSP for the ad code it renders (listed after Django's CSP middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        needs = getattr(request, REQUEST_ATTR, None)
        if needs and (needs["scripts"] or needs["network"]):
            if not hasattr(response, "_csp_config"):
                response._csp_config = policy_for(needs)
        return response
