"""The demo's live story: `seed_demo` makes it once, and `make run` shows it."""

import re
from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from articles.live.management.commands.seed_live import SLUG
from articles.live.models import LiveCoverage, LiveEntry
from articles.models import Article


class SeedLiveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())

    def test_a_dozen_entries_one_pinned_two_key_events(self):
        coverage = LiveCoverage.objects.get(article__slug=SLUG)
        entries = LiveEntry.objects.published().filter(coverage=coverage)
        assert entries.count() == 12
        assert entries.filter(is_pinned=True).count() == 1
        assert entries.filter(is_key_event=True).count() == 2
        assert coverage.version == 12 and coverage.state == "live"

    def test_the_reader_page_shows_the_stream(self):
        article = Article.objects.get(slug=SLUG)
        html = self.client.get(article.get_absolute_url()).content.decode()
        assert len(re.findall(r'<li class="live-entry[ "]', html)) == 12
        assert "How to get help" in html[html.index("live__pinned") :]
        assert '"@type": "LiveBlogPosting"' in html
        assert 'data-poll="/live/' in html

    def test_a_second_run_adds_nothing(self):
        assert call_command("seed_live", stdout=StringIO()) == "0"
        assert LiveEntry.objects.count() == 12
