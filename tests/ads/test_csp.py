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

    def test_script_creative_never_widens_the_article_pages_policy(self):
        """Issue 12, hole 4: the creative's hashes and origins live on its frame only."""
        html = f'<script src="https://evil.example/t.js"></script><script>{INLINE}</script>'
        placement = PlacementFactory(
            slot=self.slot, creative=CreativeFactory(script=True, html=html)
        )
        page = self.client.get(self.article.get_absolute_url())
        assert (
            page["Content-Security-Policy"]
            == self.client.get("/ads.txt")["Content-Security-Policy"]
        )
        assert script_src(page) == "'self'"
        assert "evil.example" not in page["Content-Security-Policy"]
        self.assertContains(page, f'src="/ads/creative/{placement.pk}/"')
        self.assertNotContains(page, "srcdoc")

    def test_script_creative_frame_carries_its_own_sandboxed_policy(self):
        html = f'<script src="https://cdn.adserver.example/t.js"></script><script>{INLINE}</script>'
        placement = PlacementFactory(
            slot=self.slot, creative=CreativeFactory(script=True, html=html)
        )
        frame = self.client.get(f"/ads/creative/{placement.pk}/")
        assert frame.status_code == 200
        self.assertContains(frame, html)
        policy = frame["Content-Security-Policy"]
        assert script_src(frame) == f"{sha256(INLINE)} https://cdn.adserver.example"
        assert "default-src 'none'" in policy
        assert "frame-ancestors 'self'" in policy
        assert "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox" in policy
        assert "allow-same-origin" not in policy
        assert frame["X-Frame-Options"] == "SAMEORIGIN"

    def test_creative_frame_serves_only_live_script_placements(self):
        script = CreativeFactory(script=True)
        ended = PlacementFactory(slot=self.slot, creative=script, is_active=False)
        image = PlacementFactory(slot=self.slot)
        for placement in (ended, image):
            assert self.client.get(f"/ads/creative/{placement.pk}/").status_code == 404
        assert self.client.post(f"/ads/creative/{image.pk}/").status_code == 405

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
