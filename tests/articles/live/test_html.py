"""The live pages are valid HTML (the W3C checker): the article page with its stream, key
events and an ad slot between entries, "load more", and an entry's share page."""

import re

from django.test import TestCase

from articles.live.models import EntryStatus, LiveEntry
from tests.factories import AdSlotFactory, ArticleFactory, PlacementFactory
from tests.html_checker import html_errors

from .helpers import coverage, entry


class LiveHtmlTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        slot = AdSlotFactory(code="live-between-entries", position="after_body")
        PlacementFactory(slot=slot, house=True)
        cls.article = ArticleFactory(headline="Wildfire spreads")
        cls.live = coverage(cls.article, ads_every=4)
        for n in range(25):
            entry(cls.live, headline=f"Update {n}" if n % 2 else "", minutes_ago=60 - n)
        cls.key = entry(cls.live, headline="Evacuation", is_key_event=True, is_pinned=True)
        entry(cls.live, status=EntryStatus.DRAFT)

    def test_every_live_page_is_valid_html(self):
        page = self.client.get(self.article.get_absolute_url()).content.decode()
        more = re.search(r'class="live__more" href="([^"]+)"', page)[1]
        shown = LiveEntry.objects.filter(status="published").first()
        documents = {
            "article": page,
            "older": self.client.get(more).content.decode(),
            "share": self.client.get(f"/live/{self.article.pk}/entry/{shown.pk}/").content,
        }
        assert html_errors(documents) == {name: [] for name in documents}
        assert page.count('rel="canonical"') == 1
        assert documents["older"].count('rel="canonical"') == 1
