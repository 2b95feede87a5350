"""Ad slots fit the column they stand in, and listings offer slots between cards."""

import re
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from ads import markup, sizes
from ads.models import AdSlot, Placement
from tests.ads.test_admin import creative_form, placement_form, slot_form
from tests.factories import (
    AdSlotFactory,
    ArticleFactory,
    CreativeFactory,
    PlacementFactory,
    SectionFactory,
    UserFactory,
)

RESERVED = re.compile(r'id="ad-slot-(\w+)"[^>]*style="([^"]+)"')


class SlotFitsItsColumnTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.manager = UserFactory(username="am", role="Ad manager")

    def setUp(self):
        self.client.force_login(self.manager)

    def post(self, **overrides):
        return self.client.post(reverse("admin:ads_adslot_add"), slot_form(**overrides))

    def test_leaderboard_after_the_article_body_is_refused_with_the_column_width(self):
        response = self.post(position="after_body", extra_sizes="320x50", sizes_mobile="320x50")
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert errors["sizes_tablet"] == [
            sizes.ERROR_SIZE_TOO_WIDE.format(
                sizes="728x90",
                column="article column",
                screens="tablets",
                width=672,
                example="468x60",
            )
        ]
        assert "sizes_desktop" in errors
        assert not AdSlot.objects.filter(code="LEADER").exists()

    def test_phone_sizes_wider_than_a_phone_column_are_refused(self):
        response = self.post(
            position="listing", extra_sizes="320x50, 970x250", sizes_mobile="970x250"
        )
        self.assertContains(response, "970x250 is wider than the page column on phones (343 px)")
        assert not AdSlot.objects.filter(code="LEADER").exists()

    def test_mapping_that_fits_every_breakpoint_is_saved(self):
        response = self.post(
            position="after_body",
            width="468",
            height="60",
            extra_sizes="320x50, 320x100",
            sizes_mobile="320x50, 320x100",
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        slot = AdSlot.objects.get(code="LEADER")
        assert [s for _, _, s in slot.size_mapping] == [
            [(320, 50), (320, 100)],
            [(468, 60), (320, 50), (320, 100)],
            [(468, 60), (320, 50), (320, 100)],
        ]

    def test_leaderboard_between_listing_cards_fits_tablets_and_desktops(self):
        response = self.post(position="listing", sizes_tablet="728x90", sizes_desktop="728x90")
        assert response.status_code == 302, response.context["adminform"].form.errors

    def test_every_demo_slot_fits_its_column(self):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        for slot in AdSlot.objects.all():
            with self.subTest(slot=slot.code):
                slot.full_clean()
                for name, _, chosen in slot.size_mapping:
                    limit = sizes.column_widths(slot.position)[name]
                    assert all(width <= limit for width, _ in chosen), (name, chosen)
        leader = AdSlot.objects.get(code="XXXXXXXXXX").size_mapping
        assert leader[0][2] == [(320, 50), (320, 100)] and leader[2][2] == [(728, 90)]


class ListingSlotTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(slug="world")
        cls.articles = [ArticleFactory(section=cls.section, tags=["Topic"]) for _ in range(5)]
        AdSlotFactory(
            code="LISTING",
            name="Between cards",
            position="listing",
            after_card=2,
            width=320,
            height=100,
        )
        AdSlotFactory(
            code="LATE", name="Late", position="listing", after_card=50, width=300, height=250
        )

    def cards_and_slots(self, url):
        html = self.client.get(url).content.decode()
        grid = html[html.index('<div class="card-grid') :]
        return re.findall(r'<article class="card|id="ad-slot-(\w+)"', grid), html

    def test_slot_stands_after_its_card_and_a_late_one_after_the_last_card(self):
        for url in ["/sections/world/", "/tags/topic/", "/"]:
            with self.subTest(url=url):
                order, html = self.cards_and_slots(url)
                cards = len(self.articles) - (1 if url == "/" else 0)  # home: lead apart
                assert order == ["", "", "LISTING", *[""] * (cards - 2), "LATE"], order
                assert "Fake Ad Placeholder (Ad slot: LISTING)" in html
                style = dict(RESERVED.findall(html))["LISTING"]
                assert "--ad-w-mobile: 320px; --ad-h-mobile: 100px" in style

    def test_article_pages_do_not_show_listing_slots(self):
        html = self.client.get(self.articles[0].get_absolute_url()).content.decode()
        assert "ad-slot-LISTING" not in html and "ad-slot-LATE" not in html

    def test_listing_slots_cost_no_query_per_card(self):
        self.client.get("/sections/world/")  # warm caches (sections nav, content types)
        # section, cards (bylines in their rows), the next scheduled article that would join
        # the section (its lifetime cap), then the ads' one (slots with their placements) for
        # any slots (no COUNT: listings page without one; the navigation comes from the cache).
        with self.assertNumQueries(4):
            self.client.get("/sections/world/")


class CreativeSizeStaysOfferedTests(TestCase):
    """Issue 23, item 16: a 468x60 creative ended up in a slot of 320x50/320x100 and was shown
    squeezed. Every way in is refused with a clear error, and a creative is never shown on a
    screen whose sizes leave it out."""

    @classmethod
    def setUpTestData(cls):
        cls.manager = UserFactory(username="am", role="Ad manager")
        cls.phone_slot = AdSlotFactory(
            code="PHONE", width=320, height=50, extra_sizes="320x100", position="listing"
        )
        cls.banner = CreativeFactory(name="Banner", width=320, height=100)
        cls.placement = PlacementFactory(slot=cls.phone_slot, creative=cls.banner)

    def setUp(self):
        self.client.force_login(self.manager)

    def test_booking_a_size_the_slot_does_not_offer_is_refused(self):
        wide = CreativeFactory(name="Wide", width=468, height=60)
        url = reverse("admin:ads_placement_add")
        response = self.client.post(url, placement_form(self.phone_slot, wide))
        self.assertContains(response, "This creative is 468x60, which fits none of the slot")
        assert not Placement.objects.filter(creative=wide).exists()

    def test_resizing_a_booked_creative_out_of_its_slot_is_refused(self):
        url = reverse("admin:ads_creative_change", args=[self.banner.pk])
        data = creative_form(name="Banner", kind="house", html="<p>Hi</p>", width="468")
        data["height"] = "60"
        response = self.client.post(url, data)
        assert response.status_code == 200
        self.assertContains(
            response,
            "This creative is booked in slot PHONE, which takes only 320x50, 320x100; at 468x60 "
            "it would be squeezed.",
        )
        self.banner.refresh_from_db()
        assert self.banner.size == (320, 100)

    def test_dropping_a_booked_size_from_the_slot_is_refused(self):
        url = reverse("admin:ads_adslot_change", args=[self.phone_slot.pk])
        data = slot_form(code="PHONE", position="listing", width="320", height="50")
        data.update(extra_sizes="", sizes_mobile="", sizes_tablet="", sizes_desktop="")
        response = self.client.post(url, data)
        assert response.status_code == 200
        self.assertContains(
            response, "320x100 is the size of creatives booked in this slot (Banner)"
        )
        self.phone_slot.refresh_from_db()
        assert self.phone_slot.extra_sizes == "320x100"

    def test_a_creative_is_hidden_on_screens_whose_sizes_leave_it_out(self):
        # The demo's YYYYYYYYYY: 468x60 on tablets and desktops, 320x50/320x100 on phones.
        call_command("seed_ad_slots")
        slot = AdSlot.objects.get(code="YYYYYYYYYY")
        wide = PlacementFactory(slot=slot, creative=CreativeFactory(width=468, height=60))
        small = PlacementFactory(slot=slot, creative=CreativeFactory(width=320, height=50))
        assert "ad-creative--not-mobile" in markup.creative_html(wide, slot, None)
        assert "ad-creative--not-tablet" not in markup.creative_html(wide, slot, None)
        small_html = markup.creative_html(small, slot, None)
        assert "ad-creative--not-tablet" in small_html
        assert "ad-creative--not-desktop" in small_html
        assert "ad-creative--not-mobile" not in small_html
        css = (Path(settings.BASE_DIR) / "static/ads/ads.css").read_text()
        assert "@media (max-width: 767.98px) { .ad-creative--not-mobile { display: none; } }" in css
