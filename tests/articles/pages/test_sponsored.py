"""Issue 23, item 15: a sponsored story is labelled wherever it appears, and the kept card
follows the sponsorship as it is added and removed."""

import json
from datetime import timedelta

import feedparser
from django.test import TestCase
from django.utils import timezone
from lxml import html as lxml_html

from ads.models import Sponsorship
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

LABEL = "Sponsored by Acme Solar"


class SponsoredEverywhereTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(name="Climate", slug="climate")
        cls.author = AuthorFactory(name="Ada Field", slug="ada-field")
        cls.sponsored = ArticleFactory(
            headline="Rooftops turn to sunlight",
            slug="rooftops",
            standfirst="Panels on every roof.",
            section=cls.section,
            authors=[cls.author],
            tags=["Solar"],
            published_at=timezone.now() - timedelta(hours=2),
        )
        cls.neighbour = ArticleFactory(
            headline="Wind farms grow",
            slug="wind-farms",
            section=cls.section,
            authors=[cls.author],
            tags=["Solar"],
            published_at=timezone.now() - timedelta(hours=3),
        )

    def sponsor(self):
        with self.captureOnCommitCallbacks(execute=True):
            return Sponsorship.objects.create(article=self.sponsored, sponsor_name="Acme Solar")

    def card_text(self, path, headline="Rooftops turn to sunlight"):
        """The text of the card (or search result) of `headline` on the page at `path`."""
        page = lxml_html.fromstring(self.client.get(path).content)
        (link,) = page.xpath(f"//main//a[normalize-space()='{headline}']")
        item = link.xpath("ancestor::article[1] | ancestor::li[1]")[-1]
        return " ".join(item.text_content().split())

    def surfaces(self):
        return {
            "home": "/",
            "section": "/sections/climate/",
            "tag": "/tags/solar/",
            "author": "/authors/ada-field/",
            "search": "/search/?q=rooftops",
        }

    def test_every_list_labels_the_sponsored_story_and_only_it(self):
        for name, path in self.surfaces().items():
            with self.subTest(before=name):
                assert LABEL not in self.card_text(path)  # (and its card is kept unlabelled)
        self.sponsor()
        for name, path in self.surfaces().items():
            with self.subTest(name=name):
                assert LABEL in self.card_text(path)
                if name != "search":
                    assert LABEL not in self.card_text(path, "Wind farms grow")
        related = self.card_text(self.neighbour.get_absolute_url())
        assert LABEL in related  # "Related stories" under the other article

    def test_removing_the_sponsorship_removes_the_label_from_the_kept_cards(self):
        sponsorship = self.sponsor()
        for path in self.surfaces().values():
            assert LABEL in self.card_text(path)
        with self.captureOnCommitCallbacks(execute=True):
            sponsorship.delete()
        for name, path in self.surfaces().items():
            with self.subTest(name=name):
                assert LABEL not in self.card_text(path)

    def test_feeds_and_structured_data_disclose_the_sponsor(self):
        self.sponsor()
        for url in ("/feed/", "/feed/atom/", "/tags/solar/feed/", "/sections/climate/feed/"):
            with self.subTest(url=url):
                feed = feedparser.parse(self.client.get(url).content)
                assert not feed.bozo
                entry = next(e for e in feed.entries if e.title == "Rooftops turn to sunlight")
                assert "Sponsored" in [t.term for t in entry.tags]
                assert entry.summary.startswith(f"{LABEL}. ")
                assert f"<strong>{LABEL}</strong>" in entry.content[0].value
                other = next(e for e in feed.entries if e.title == "Wind farms grow")
                assert "Sponsored" not in [t.term for t in other.tags]
        page = lxml_html.fromstring(self.client.get(self.sponsored.get_absolute_url()).content)
        article_ld = next(
            data
            for script in page.xpath("//script[@type='application/ld+json']")
            if (data := json.loads(script.text)).get("@type") == "NewsArticle"
        )
        assert article_ld["sponsor"] == {"@type": "Organization", "name": "Acme Solar"}
