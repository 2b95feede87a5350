"""Sitemaps and robots.txt: valid against the official XSDs, public articles only, fixed cost."""

from datetime import timedelta
from pathlib import Path
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from articles.distribution import sitemaps
from articles.models import Article
from articles.publication import get_publication, save_publication
from articles.publication.models import Publication
from tests.articles.test_models import NON_PUBLIC_TRAITS
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, library_image

BASE = "https://news.example.com"
SCHEMAS = Path(__file__).resolve().parents[3] / "tests" / "schemas"
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
}
URLSET = etree.XMLSchema(etree.parse(str(SCHEMAS / "urlset.xsd")))
SITEINDEX = etree.XMLSchema(etree.parse(str(SCHEMAS / "siteindex.xsd")))
SECTIONS = ["articles", "sections", "tags", "authors"]


def parse(response, schema):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    document = etree.fromstring(response.content)
    schema.assertValid(document)
    return document


def locs(document):
    return [loc.text for loc in document.iterfind(".//sm:loc", NS)]


class SitemapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        save_publication(
            publication=Publication(name="The Example", base_url=BASE, language="en-GB")
        )
        cls.section = SectionFactory(name="World", slug="world")
        cls.empty_section = SectionFactory(name="Empty", slug="empty")
        cls.author = AuthorFactory(name="Ada", slug="ada")
        cls.silent = AuthorFactory(name="Silent", slug="silent")  # only hidden bylines
        cls.article = ArticleFactory(
            headline='Floods & "storms" <rise>',
            slug="floods",
            section=cls.section,
            authors=[cls.author],
            tags=["Weather"],
            lead_image=library_image(alt_text="Flooded street", renditions=True),
        )
        cls.old = ArticleFactory(
            slug="old-story",
            section=cls.section,
            authors=[cls.author],
            published_at=timezone.now() - timedelta(days=5),
        )
        cls.hidden = [
            ArticleFactory(
                headline=f"Hidden {trait}",
                slug=f"hidden-{trait.replace('_', '-')}",
                section=cls.empty_section,
                authors=[cls.silent],
                tags=["Secret tag"],
                **{trait: True},
            )
            for trait in NON_PUBLIC_TRAITS
        ]

    def test_index_lists_every_sitemap_on_the_base_url(self):
        index = parse(self.client.get("/sitemap.xml"), SITEINDEX)
        expected = [f"{BASE}/sitemap-{name}.xml" for name in SECTIONS]
        assert locs(index) == [*expected, f"{BASE}/sitemap-news.xml"]
        lastmod = index.find("sm:sitemap/sm:lastmod", NS).text
        assert lastmod.startswith(str(timezone.localdate()))

    def test_every_sitemap_is_valid_and_public_only(self):
        for name in SECTIONS + ["news"]:
            with self.subTest(sitemap=name):
                response = self.client.get(f"/sitemap-{name}.xml")
                document = parse(response, URLSET)
                assert response["X-Robots-Tag"].startswith("noindex")
                body = response.content.decode()
                assert "hidden" not in body.lower()
                assert "secret" not in body.lower()
                assert all(loc.startswith(BASE + "/") for loc in locs(document))

    def test_each_sitemap_holds_what_it_should(self):
        def urls(name):
            return locs(parse(self.client.get(f"/sitemap-{name}.xml"), URLSET))

        article = BASE + self.article.get_absolute_url()
        assert urls("articles") == [article, BASE + self.old.get_absolute_url()]
        assert urls("sections") == [f"{BASE}/sections/world/"]  # not the empty one
        assert urls("tags") == [f"{BASE}/tags/weather/"]  # not the tag of hidden articles
        assert urls("authors") == [f"{BASE}/authors/ada/"]
        assert urls("news") == [article]  # the 5-day-old story is out of the 48 h window

    def test_article_entries_have_lastmod_and_lead_image(self):
        document = parse(self.client.get("/sitemap-articles.xml"), URLSET)
        first = document.find("sm:url", NS)
        assert first.find("sm:lastmod", NS).text.startswith(str(timezone.localdate()))
        image = first.find("image:image/image:loc", NS).text
        card = self.article.lead_image.rendition_meta(ratio="16:9", width=1200)
        assert image == BASE + card["url"]
        assert document.findall("sm:url", NS)[1].find("image:image", NS) is None

    def test_news_sitemap_has_publication_date_and_title(self):
        document = parse(self.client.get("/sitemap-news.xml"), URLSET)
        news = document.find("sm:url/news:news", NS)
        assert news.find("news:publication/news:name", NS).text == "The Example"
        assert news.find("news:publication/news:language", NS).text == "en"  # from en-GB
        assert news.find("news:title", NS).text == 'Floods & "storms" <rise>'
        published = news.find("news:publication_date", NS).text
        assert published == self.article.published_at.replace(microsecond=0).isoformat()

    def test_news_sitemap_stops_at_1000(self):
        with mock.patch.object(sitemaps, "NEWS_LIMIT", 1):
            document = parse(self.client.get("/sitemap-news.xml"), URLSET)
        assert len(document.findall("sm:url", NS)) == 1

    def test_article_sitemap_pages_within_the_limit(self):
        with mock.patch.object(sitemaps.ArticleSitemap, "limit", 1):
            index = parse(self.client.get("/sitemap.xml"), SITEINDEX)
            assert f"{BASE}/sitemap-articles.xml?p=2" in locs(index)
            second = parse(self.client.get("/sitemap-articles.xml?p=2"), URLSET)
            assert locs(second) == [BASE + self.old.get_absolute_url()]
            assert self.client.get("/sitemap-articles.xml?p=3").status_code == 404
            assert self.client.get("/sitemap-articles.xml?p=x").status_code == 404

    def test_unknown_sitemap_is_a_404(self):
        assert self.client.get("/sitemap-drafts.xml").status_code == 404

    def test_hostile_headline_gives_a_valid_news_sitemap(self):
        ArticleFactory(headline='<script>alert("x")</script> & \x07\x1b done')
        document = parse(self.client.get("/sitemap-news.xml"), URLSET)
        titles = [t.text for t in document.iterfind(".//news:title", NS)]
        assert '<script>alert("x")</script> &  done' in titles

    def test_conditional_get(self):
        response = self.client.get("/sitemap-articles.xml")
        again = self.client.get(
            "/sitemap-articles.xml", headers={"if-none-match": response["ETag"]}
        )
        assert again.status_code == 304

    def test_writes_are_refused(self):
        assert self.client.post("/sitemap.xml").status_code == 405
        assert self.client.post("/robots.txt").status_code == 405


class SitemapBudgetTests(TestCase):
    def test_each_sitemap_costs_the_same_with_3_or_30_articles(self):
        section = SectionFactory()
        get_publication()  # cached across requests: count the sitemaps, not the first fill
        counts = {}
        for total in (3, 30):
            while Article.objects.count() < total:
                n = Article.objects.count()
                ArticleFactory(
                    section=section if n % 2 else SectionFactory(),
                    tags=[f"tag{n}", "shared"],
                    lead_image=library_image(alt_text="Photo") if n < 2 else None,
                    published_at=timezone.now() - timedelta(minutes=n + 1),
                )
            for url in ["/sitemap.xml"] + [f"/sitemap-{s}.xml" for s in SECTIONS + ["news"]]:
                with CaptureQueriesContext(connection) as ctx:
                    assert self.client.get(url).status_code == 200
                counts.setdefault(url, []).append(len(ctx))
        for url, (few, many) in counts.items():
            with self.subTest(url=url):
                assert few == many, (url, few, many)
                # One of them: when the next article goes live or comes down (the lifetime).
                assert many <= (11 if url == "/sitemap.xml" else 3)


class RobotsTests(TestCase):
    def test_robots_points_to_the_index_and_keeps_crawlers_out(self):
        save_publication(publication=Publication(base_url=BASE))
        response = self.client.get("/robots.txt")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        lines = response.content.decode().splitlines()
        assert lines[0] == "User-agent: *"
        for path in ["/admin/", "/preview/", "/search"]:
            assert f"Disallow: {path}" in lines
        assert f"Sitemap: {BASE}/sitemap.xml" in lines
        assert "Disallow: /" not in lines  # the public site stays crawlable
