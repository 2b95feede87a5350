import base64
import hashlib

from django.test import TestCase

from ads.csp import script_sources
from tests.factories import AdSlotFactory, ArticleFactory, CreativeFactory, PlacementFactory

INLINE = "document.body.textContent = 'ad';"


def sha256(code):
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"


def script_src(response):
    return response["Content-Security-Policy"].split("script-src ", 1)[1].split(";", 1)[0]


class PageCspTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.slot = AdSlotFactory(code="YYYYYYYYYY", gam_ad_unit_path="/1234/news")
        cls.article = ArticleFactory()

    def test_pages_without_ad_code_keep_the_site_policy_and_no_nonce(self):
        PlacementFactory(slot=self.slot)
        response = self.client.get(self.article.get_absolute_url())
        assert script_src(response) == "'self'"
        self.assertContains(response, '<script src="/static/ads/ads.js" defer></script>')

    def test_script_creative_gets_its_hashes_and_origins_on_its_page_only(self):
        html = f'<script src="https://cdn.adserver.example/t.js"></script><script>{INLINE}</script>'
        PlacementFactory(slot=self.slot, creative=CreativeFactory(script=True, html=html))
        response = self.client.get(self.article.get_absolute_url())
        assert script_src(response) == f"'self' {sha256(INLINE)} https://cdn.adserver.example"
        assert "unsafe-inline" not in script_src(response)
        assert script_src(self.client.get("/ads.txt")) == "'self'"

    def test_network_units_switch_the_page_to_googles_strict_policy_with_a_nonce(self):
        PlacementFactory(slot=self.slot, creative=CreativeFactory(gam=True))
        response = self.client.get(self.article.get_absolute_url())
        policy = script_src(response)
        nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
        assert "'strict-dynamic'" in policy
        self.assertContains(response, f'<script src="/static/ads/ads.js" defer nonce="{nonce}">')
        assert "frame-src 'self' https:" in response["Content-Security-Policy"]


def test_script_sources_hash_inline_code_exactly_and_keep_only_https_origins():
    html = (
        f"<div><script>{INLINE}</script>"
        '<script src="http://insecure.example/x.js"></script>'
        '<script src="https://a.example:8443/x.js?y=1"></script></div>'
    )
    assert script_sources(html) == {sha256(INLINE), "https://a.example:8443"}
