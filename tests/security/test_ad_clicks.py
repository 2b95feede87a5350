"""Issue 12, hole 6: clicks count only on placements a page could have served."""

from django.test import TestCase

from ads.models import PlacementStat
from tests.factories import AdSlotFactory, CreativeFactory, PlacementFactory

OFFER = "https://advertiser.example/offer"


class ClickRuleTests(TestCase):
    def click(self, placement):
        return self.client.get(f"/ads/click/{placement.pk}/")

    def test_a_live_placement_redirects_and_counts(self):
        placement = PlacementFactory(creative=CreativeFactory(click_url=OFFER))
        response = self.click(placement)
        assert (response.status_code, response["Location"]) == (302, OFFER)
        assert PlacementStat.objects.get().clicks == 1

    def test_switched_off_ended_or_future_placements_neither_redirect_nor_count(self):
        cases = {
            "switched off": PlacementFactory(
                creative=CreativeFactory(click_url=OFFER), is_active=False
            ),
            "ended": PlacementFactory(creative=CreativeFactory(click_url=OFFER), expired=True),
            "not started": PlacementFactory(
                creative=CreativeFactory(click_url=OFFER), scheduled=True
            ),
            "creative off": PlacementFactory(
                creative=CreativeFactory(click_url=OFFER, is_active=False)
            ),
            "slot off": PlacementFactory(
                creative=CreativeFactory(click_url=OFFER), slot=AdSlotFactory(is_active=False)
            ),
        }
        for case, placement in cases.items():
            with self.subTest(case=case):
                response = self.click(placement)
                assert response.status_code == 404
                assert response.content == b"This advertisement is no longer running."
                assert "Location" not in response
        assert not PlacementStat.objects.exists()


class CacheDownTests(TestCase):
    def test_clicks_and_beacons_work_while_the_cache_is_down(self):
        from unittest import mock

        placement = PlacementFactory(creative=CreativeFactory(click_url=OFFER))
        with mock.patch("ads.views.cache.add", side_effect=ConnectionError("redis is down")):
            response = self.client.get(f"/ads/click/{placement.pk}/")
            beacon = self.client.post(
                "/ads/beacon/", f'{{"o": [{placement.pk}]}}', content_type="text/plain"
            )
        assert (response.status_code, response["Location"]) == (302, OFFER)
        assert beacon.status_code == 204
        stat = PlacementStat.objects.get()
        assert (stat.clicks, stat.offers) == (1, 1)
