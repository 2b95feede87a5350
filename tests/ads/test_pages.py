"""The article page with real ads: where they land, the sponsor label, and the query cost."""

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from ads.models import Position, Sponsorship
from tests.factories import AdSlotFactory, ArticleFactory, CreativeFactory, PlacementFactory

BODY = "".join(f"<p>Paragraph {n}.</p>" for n in range(1, 7))


class ArticlePageAdsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.after = AdSlotFactory(code="YYYYYYYYYY", width=728, height=90)
        cls.bottom = AdSlotFactory(code="ZZZZZZZZZZ")
        cls.inline = AdSlotFactory(code="INLINE", position=Position.IN_ARTICLE)
        cls.article = ArticleFactory(body=BODY, tags=["Alpha"])

    def count_queries(self):
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(self.article.get_absolute_url())
        assert response.status_code == 200
        return len(ctx), response.content.decode()

    def test_ads_land_in_the_seed_order_with_the_inline_slot_inside_the_body(self):
        PlacementFactory(slot=self.bottom)
        _, html = self.count_queries()
        order = [
            "<p>Paragraph 3.</p>",
            'id="ad-slot-INLINE"',
            "<p>Paragraph 4.</p>",
            "Fake Ad Placeholder (Ad slot: YYYYYYYYYY)",
            '<h2 id="tags-heading">Tags</h2>',
            'id="ad-slot-ZZZZZZZZZZ"',
            'data-creative="house"',
        ]
        positions = [html.index(fragment) for fragment in order]
        assert positions == sorted(positions)

    def test_ads_cost_the_same_two_queries_however_many_placements(self):
        self.count_queries()  # warm the per-process caches (publication settings, sections)
        placeholder_only, _ = self.count_queries()
        for slot in (self.after, self.bottom, self.inline):
            for _ in range(4):
                PlacementFactory(slot=slot).tags.set(self.article.tags.all())
        with_ads, html = self.count_queries()
        assert with_ads == placeholder_only
        assert html.count("data-placement=") == 12

    def test_sponsored_article_is_labelled_above_the_headline(self):
        Sponsorship.objects.create(article=self.article, sponsor_name="Acme Bank")
        PlacementFactory(
            slot=self.after, sponsorship=True, creative=CreativeFactory(advertiser="Acme Bank")
        )
        _, html = self.count_queries()
        label = html.index("Sponsored by <strong>Acme Bank</strong>")
        assert label < html.index('<h1 class="article__headline">')
        assert 'id="ad-slot-YYYYYYYYYY"' in html
        assert "ZZZZZZZZZZ" not in html and "INLINE" not in html
