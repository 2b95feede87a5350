"""Ad slots fit the column they stand in, and listings offer slots between cards."""

import re

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from ads import sizes
from ads.models import AdSlot
from tests.ads.test_admin import slot_form
from tests.factories import AdSlotFactory, ArticleFactory, SectionFactory, UserFactory

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
        grid = html[html.index('<div class="card-grid">') :]
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
