from django.template import Context, Template
from django.test import RequestFactory, TestCase

from ads import insertion
from ads.models import Position
from tests.factories import AdSlotFactory, ArticleFactory

BODY = Template("{% load ads_tags %}{% ad_article_body article %}")


def paragraphs(count, between=""):
    return between.join(f"<p>Paragraph {n}.</p>" for n in range(1, count + 1))


def render(article):
    return BODY.render(Context({"article": article, "request": RequestFactory().get("/")}))


def order(html, *fragments):
    positions = [html.index(fragment) for fragment in fragments]
    return positions == sorted(positions)


class InsertionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.inline = AdSlotFactory(
            code="INLINE", position=Position.IN_ARTICLE, after_paragraph=2, min_paragraphs=4
        )

    def test_slot_goes_after_paragraph_n(self):
        html = render(ArticleFactory(body=paragraphs(5)))
        assert order(html, "Paragraph 2.</p>", 'id="ad-slot-INLINE"', "<p>Paragraph 3.")
        assert html.count('id="ad-slot-INLINE"') == 1

    def test_short_article_gets_the_slot_after_the_body(self):
        html = render(ArticleFactory(body=paragraphs(3)))
        assert order(html, "Paragraph 3.</p>", 'id="ad-slot-INLINE"')

    def test_counts_top_level_paragraphs_not_nested_ones_or_other_blocks(self):
        body = (
            "<p>Paragraph 1.</p><blockquote><p>Quoted.</p><p>Quoted too.</p></blockquote>"
            "<h2>Heading</h2><ul><li>item</li></ul>" + paragraphs(4).replace("Paragraph 1", "P")
        )
        html = render(ArticleFactory(body=body))
        # the second top-level paragraph is "P." after the quote, the heading and the list
        assert order(html, "</ul>", "<p>P.</p>", 'id="ad-slot-INLINE"', "<p>Paragraph 2.</p>")
        assert "Quoted too.</p></blockquote>" in html  # nothing inserted inside the quote

    def test_never_after_the_last_block_next_to_the_after_body_slot(self):
        inline = AdSlotFactory(
            code="LATE", position=Position.IN_ARTICLE, after_paragraph=5, min_paragraphs=2
        )
        blocks = insertion.top_level_blocks(paragraphs(5))
        placed, fallback = insertion.plan(paragraphs(5), [inline])
        assert placed == {} and fallback == [inline]
        assert len(blocks) == 5

    def test_two_slots_never_share_a_spot(self):
        other = AdSlotFactory(
            code="OTHER", position=Position.IN_ARTICLE, after_paragraph=2, min_paragraphs=2
        )
        html = render(ArticleFactory(body=paragraphs(6)))
        assert order(
            html,
            "Paragraph 2.</p>",
            'id="ad-slot-INLINE"',
            "Paragraph 3.</p>",
            f'id="ad-slot-{other.code}"',
            "Paragraph 4.</p>",
        )

    def test_inserts_at_the_right_offsets_across_lines_and_entities(self):
        body = "<p>A &amp; B</p>\n<p>Caf\u00e9\n<em>x</em></p>\n<p>C</p>\n<p>D</p>"
        html = render(ArticleFactory(body=body))
        assert order(html, "<em>x</em></p>", 'id="ad-slot-INLINE"', "<p>C</p>")
        assert html.startswith("<p>A &amp; B</p>\n<p>Caf\u00e9\n<em>x</em></p>")

    def test_article_without_ads_keeps_its_body_untouched(self):
        article = ArticleFactory(body=paragraphs(6), ads_disabled=True)
        assert render(article) == paragraphs(6)
