import pytest
from django.test import TestCase

from articles.richtext.sanitizer import clean_html
from tests.factories import ArticleFactory

HOSTILE = [
    ("<p>Hi</p><script>alert(1)</script>", "<script"),
    ('<img src="x.jpg" onerror="alert(1)">', "onerror"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ('<a href="JaVaScRiPt&colon;alert(1)">x</a>', "alert"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ('<p style="position:fixed">x</p>', "style="),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data:"),
    ("<svg><script>alert(1)</script></svg>", "<svg"),
    ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "onerror"),
    ('<form action="https://evil.example"><input name="q"></form>', "<form"),
]


@pytest.mark.parametrize(("html", "forbidden"), HOSTILE)
def test_hostile_markup_is_removed(html, forbidden):
    assert forbidden.lower() not in clean_html(html).lower()


def test_editorial_markup_survives():
    html = (
        "<h2>Heading</h2><p><strong>Bold</strong> and <em>italic</em> with "
        '<a href="https://example.com/x">a link</a></p><ul><li>one</li></ul>'
        "<blockquote><p>Quote</p></blockquote>"
    )
    cleaned = clean_html(html)
    for fragment in ["<h2>Heading</h2>", "<strong>Bold</strong>", "<em>italic</em>",
                     '<a href="https://example.com/x" rel="noopener noreferrer">a link</a>',
                     "<li>one</li>", "<blockquote><p>Quote</p></blockquote>"]:  # fmt: skip
        assert fragment in cleaned


def test_mailto_links_survive():
    assert 'href="mailto:desk@example.com"' in clean_html('<a href="mailto:desk@example.com">m</a>')


class StoredBodyTests(TestCase):
    def test_hostile_body_never_reaches_the_database(self):
        article = ArticleFactory(body="".join(html for html, _ in HOSTILE))
        article.refresh_from_db()
        for bad in ["<script", "onerror", "javascript:", "<iframe", "style=", "<form"]:
            assert bad not in article.body.lower()
