"""Reader-page quality over every public page type: W3C-valid HTML, heading order, gzip that
never compresses a CSRF token, /favicon.ico, the lead image's fetch priority."""

import gzip
import re
from io import StringIO

from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import TestCase

from articles import demo, services
from articles.models import Article, Author, Section, Tag
from tests.factories import UserFactory
from tests.html_checker import html_errors

HEADING = re.compile(r"<h([1-6])\b")


def public_pages():
    """A URL of every public page type, from the demo content."""
    seed = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
    return {
        "home": "/",
        "home page 2": "/?page=2",
        "article": seed.get_absolute_url(),
        "tag": Tag.objects.get(name=demo.SEED_ARTICLE["tags"][0]).get_absolute_url(),
        "author": Author.objects.get(slug=demo.SEED_ARTICLE["author"]).get_absolute_url(),
        "section": Section.objects.get(slug=demo.SEED_ARTICLE["section"]).get_absolute_url(),
        "corrections": "/corrections/",
        "not found": "/no-such-page/",
    }


class PublicPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        editor = UserFactory(username="ed", role="Editor")
        seed = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
        services.add_correction(
            article=seed, kind="correction", text="The summit's date was wrong.", by=editor
        )

    def pages(self):
        found = {}
        for name, url in public_pages().items():
            response = self.client.get(url)
            assert response.status_code == (404 if name == "not found" else 200), url
            found[name] = response.content.decode()
        return found

    def test_every_public_page_type_has_no_w3c_checker_errors(self):
        errors = html_errors(self.pages())
        assert errors == {name: [] for name in public_pages()}

    def test_headings_never_skip_a_level(self):
        for name, html in self.pages().items():
            levels = [int(level) for level in HEADING.findall(html)]
            with self.subTest(page=name):
                assert levels[0] == 1 and levels.count(1) == 1, levels
                jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
                assert jumps == [], levels

    def test_ad_landmarks_have_unique_names(self):
        for name, html in self.pages().items():
            labels = re.findall(r'<aside [^>]*aria-label="([^"]+)"', html)
            with self.subTest(page=name):
                assert len(labels) == len(set(labels)), labels
        article = self.pages()["article"]
        assert 'aria-label="Advertisement: After article body"' in article

    def test_the_seed_article_keeps_its_shape_with_related_stories_after_it(self):
        html = self.pages()["article"]
        last_slot = html.index("Fake Ad Placeholder (Ad slot: ZZZZZZZZZZ)")
        assert html.index("Related stories") > last_slot
        assert 'fetchpriority="high"' in html[html.index('<figure class="lead-image">') :][:600]

    def test_listings_show_the_listing_slot_placeholder_between_cards(self):
        for name in ["home", "tag", "author", "section"]:
            html = self.pages()[name]
            with self.subTest(page=name):
                assert "Fake Ad Placeholder (Ad slot: XXXXXXXXXX)" in html
                grid = html[html.index('<div class="card-grid') :]
                assert grid.index('<article class="card') < grid.index('id="ad-slot-XXXXXXXXXX"')


class CompressionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())

    def get(self, url, **headers):
        return self.client.get(url, HTTP_ACCEPT_ENCODING="gzip, br", **headers)

    def test_pages_and_feeds_are_gzipped(self):
        seed = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
        for url in ["/", seed.get_absolute_url(), "/corrections/", "/corrections/feed/"]:
            with self.subTest(url=url):
                response = self.get(url)
                assert response["Content-Encoding"] == "gzip"
                assert "Accept-Encoding" in response["Vary"]
                body = gzip.decompress(response.content).decode()
                assert "</html>" in body or "</rss>" in body

    def test_nothing_is_compressed_for_a_client_that_does_not_ask(self):
        response = self.client.get("/")
        assert not response.has_header("Content-Encoding")
        assert b"</html>" in response.content

    def test_a_response_carrying_a_csrf_token_is_never_compressed(self):
        # The admin login form carries a token; so does every admin page.
        response = self.get("/admin/login/")
        assert response.status_code == 200
        assert b"csrfmiddlewaretoken" in response.content
        assert not response.has_header("Content-Encoding")
        editor = UserFactory(username="ed", role="Editor")
        self.client.force_login(editor)
        response = self.get("/admin/articles/article/")
        assert b"csrfmiddlewaretoken" in response.content
        assert not response.has_header("Content-Encoding")


class FaviconTests(TestCase):
    def test_favicon_ico_redirects_to_the_svg_icon(self):
        response = self.client.get("/favicon.ico")
        assert response.status_code == 302
        assert re.fullmatch(r"/static/favicon(\.\w+)?\.svg", response["Location"])
        assert response["Cache-Control"] == "public, max-age=86400"
        assert finders.find("favicon.svg")
