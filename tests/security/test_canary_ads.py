"""The canary sweep with ads switched on: targeting, sponsorships and creatives on every public
surface never carry a non-public article (its headline, sponsor or slug)."""

from django.test import TestCase

from ads.models import Sponsorship
from tests.canary import CANARY, make_canaries, public_urls
from tests.factories import AdSlotFactory, CreativeFactory, PlacementFactory


class CanaryWithAdsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.public, cls.hidden = make_canaries()
        leader = AdSlotFactory(code="YYYYYYYYYY", gam_ad_unit_path="/1234/news")
        side = AdSlotFactory(code="ZZZZZZZZZZ")
        gam = PlacementFactory(slot=leader, creative=CreativeFactory(gam=True))
        gam.sections.add(cls.public.section)
        gam.tags.add(*cls.public.tags.all())
        PlacementFactory(slot=side, creative=CreativeFactory(script=True))
        for article in cls.hidden:
            Sponsorship.objects.create(article=article, sponsor_name=f"{CANARY} sponsor")

    def test_no_canary_in_any_public_page_with_ads(self):
        urls = public_urls(self.public)
        frames = []
        for url in urls:
            with self.subTest(url=url):
                response = self.client.get(url, follow=True)
                assert response.status_code == 200
                body = response.content.decode()
                assert CANARY not in body
                assert all(CANARY not in value for value in response.headers.values())
                frames += [part.split('"')[0] for part in body.split('src="/ads/creative/')[1:]]
        assert frames, "the sweep saw no creative frame: the ads setup did not render"
        for frame in frames:
            assert CANARY not in self.client.get(f"/ads/creative/{frame}").content.decode()

    def test_canary_articles_themselves_stay_hidden_with_their_sponsorship(self):
        for article in self.hidden:
            with self.subTest(article=article.headline):
                assert self.client.get(article.get_absolute_url()).status_code == 404
