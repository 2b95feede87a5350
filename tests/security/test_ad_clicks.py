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
