"""Feeds: every feed parses with feedparser, carries what readers need, and only what is public."""

import html
from datetime import timedelta
from unittest import mock

import feedparser
from django.core.files.storage import default_storage
from django.db import connection
from django.test import RequestFactory, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone
from lxml import etree

from articles.distribution.feeds import TagFeed
from articles.models import Article
from articles.publication import get_publication, save_publication
from articles.publication.models import Publication
from tests.articles.test_models import NON_PUBLIC_TRAITS
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, library_image

BASE = "https://news.example.com"
HOSTILE = 'Tom & "Jerry" <script>alert(1)</script> \x07\x1b\x0b </title>]]> done'
ATOM = "{http://www.w3.org/2005/Atom}"


def feed_urls(section, tag, author):
    urls = []
    for path in ["/feed/", f"/sections/{section}/feed/", f"/tags/{tag}/feed/"]:
        urls += [path, path + "atom/"]
    urls += [f"/authors/{author}/feed/", f"/authors/{author}/feed/atom/"]
    return urls


class FeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        save_publication(publication=Publication(name="The Example", base_url=BASE))
        cls.section = SectionFactory(name="World", slug="world")
        cls.first, cls.second = AuthorFactory(name="Ada First"), AuthorFactory(name="Bo Second")
        cls.article = ArticleFactory(
            headline="Rivers rise",
            slug="rivers-rise",
            standfirst="Water <everywhere> & more.",
            body='<p>Read <a href="/2025/01/01/older/">the older story</a>.</p>'
            '<img src="/media/images/inline.jpg" alt="Inline">',
            section=cls.section,
            authors=[cls.second, cls.first],  # byline order, not alphabetical
            tags=["Floods", "Weather"],
            lead_image=library_image(
                alt_text="A river over its banks", size=(800, 450), renditions=True
            ),
        )
        cls.hidden = [
            ArticleFactory(
                headline=f"Hidden {trait}",
                section=cls.section,
                authors=[cls.first],
                tags=["Floods"],
                **{trait: True},
            )
            for trait in NON_PUBLIC_TRAITS
        ]
        cls.urls = feed_urls("world", "floods", cls.first.slug)

    def get(self, url, **headers):
        response = self.client.get(url, headers=headers)
        assert response.status_code in (200, 304), (url, response.status_code)
        return response

    def test_every_feed_parses_and_links_itself(self):
        for url in self.urls:
            with self.subTest(url=url):
                response = self.get(url)
                # XML, so that a browser applies the feed's stylesheet (issue 23, item 23).
                assert response["Content-Type"] == "application/xml; charset=utf-8"
                start = b'<?xml version="1.0" encoding="utf-8"?>\n<?xml-stylesheet'
                assert response.content.startswith(start)
                pi = b'<?xml-stylesheet href="/static/feeds/feed.xsl" media="screen" '
                pi += b'type="text/xsl"?>'
                assert pi in response.content
                parsed = feedparser.parse(response.content)
                assert not parsed.bozo, parsed.bozo_exception
                self_links = [link.href for link in parsed.feed.links if link.get("rel") == "self"]
                assert self_links == [BASE + url]
                assert parsed.feed.language == "en"
                assert [entry.title for entry in parsed.entries] == ["Rivers rise"]
                ids = [entry.id for entry in parsed.entries]
                assert len(ids) == len(set(ids))

    def test_only_published_articles_appear(self):
        for url in self.urls:
            with self.subTest(url=url):
                body = self.get(url).content.decode()
                assert "Hidden" not in body
                assert "Rivers rise" in body

    def test_items_carry_bylines_tags_dates_summary_content_and_image(self):
        for url in ["/feed/", "/feed/atom/"]:
            with self.subTest(url=url):
                entry = feedparser.parse(self.get(url).content).entries[0]
                assert entry.link == BASE + self.article.get_absolute_url()
                assert [a.name for a in entry.authors] == ["Bo Second", "Ada First"]
                assert [t.term for t in entry.tags] == ["Floods", "Weather"]
                assert entry.published_parsed[:5] == self.article.published_at.utctimetuple()[:5]
                assert entry.updated_parsed is not None
                # HTML-typed, escaped once: readers show exactly the standfirst as written.
                assert entry.summary == "Water &lt;everywhere&gt; &amp; more."
                assert html.unescape(entry.summary) == "Water <everywhere> & more."
                assert len(entry.content) == 1
                content = entry.content[0].value
                assert f'href="{BASE}/2025/01/01/older/"' in content
                assert f'src="{BASE}/media/images/inline.jpg"' in content
                enclosure = next(link for link in entry.links if link.rel == "enclosure")
                # The 16:9 rendition (the widest here: the original is 800 px wide).
                card = self.article.lead_image.rendition_meta(ratio="16:9", width=1200)
                assert card["url"] != self.article.lead_image.file.url
                assert enclosure.href == BASE + card["url"]
                assert enclosure.type == "image/jpeg"
                assert int(enclosure.length) == default_storage.size(card["name"])
                assert entry.media_content[0]["width"] == str(card["width"])
                assert card["width"] * 9 == card["height"] * 16

    def test_rss_lists_every_byline_in_order(self):
        root = etree.fromstring(self.get("/feed/").content)
        creators = root.findall(".//item/{http://purl.org/dc/elements/1.1/}creator")
        assert [c.text for c in creators] == ["Bo Second", "Ada First"]

    def test_guid_survives_a_new_headline_and_slug(self):
        before = feedparser.parse(self.get("/feed/atom/").content).entries[0].id
        Article.objects.filter(pk=self.article.pk).update(headline="Renamed", slug="renamed")
        after = feedparser.parse(self.get("/feed/atom/").content).entries[0]
        assert after.title == "Renamed"
        assert after.id == before
        first = self.article.first_published_at
        assert before == f"tag:news.example.com,{first:%Y-%m-%d}:article:{self.article.pk}"

    def test_hostile_headline_still_gives_well_formed_feeds(self):
        ArticleFactory(
            headline=HOSTILE, section=self.section, authors=[self.first], tags=["Floods"]
        )
        # Control characters cannot exist in XML 1.0: they are dropped, everything else kept.
        expected = 'Tom & "Jerry" <script>alert(1)</script>  </title>]]> done'
        for url in self.urls:
            with self.subTest(url=url):
                response = self.get(url)
                etree.fromstring(response.content)  # raises on malformed XML
                parsed = feedparser.parse(response.content)
                assert not parsed.bozo, parsed.bozo_exception
                newest = parsed.entries[0]
                assert newest.title == expected
                assert newest.title_detail.type == "text/plain"
                assert b"<script>" not in response.content

    def test_summary_only_when_full_text_is_off(self):
        publication = get_publication()
        publication.feeds_full_content = False
        with self.captureOnCommitCallbacks(execute=True):
            save_publication(publication=publication)
        for url in ["/feed/", "/feed/atom/"]:
            with self.subTest(url=url):
                entry = feedparser.parse(self.get(url).content).entries[0]
                assert "content" not in entry
                assert html.unescape(entry.summary) == "Water <everywhere> & more."

    def test_conditional_get_answers_304(self):
        for url in ["/feed/", "/sections/world/feed/atom/"]:
            with self.subTest(url=url):
                response = self.get(url)
                assert response["ETag"]
                assert response["Last-Modified"]
                again = self.get(url, if_none_match=response["ETag"])
                assert again.status_code == 304
                assert again.content == b""
                since = self.get(url, if_modified_since=response["Last-Modified"])
                assert since.status_code == 304

    def test_unknown_section_tag_or_author_is_a_404(self):
        for url in ["/sections/nope/feed/", "/tags/nope/feed/atom/", "/authors/nope/feed/"]:
            with self.subTest(url=url):
                assert self.client.get(url).status_code == 404

    def test_rss_address_redirects_to_the_feed(self):
        response = self.client.get("/rss/")
        assert response.status_code == 301
        assert response["Location"] == "/feed/"

    def test_feeds_use_the_base_url_not_the_host_header(self):
        with self.settings(ALLOWED_HOSTS=["testserver", "mirror.example"]):
            response = self.client.get("/feed/atom/", headers={"host": "mirror.example"})
        assert b"mirror.example" not in response.content
        assert f'href="{BASE}/feed/atom/"'.encode() in response.content


class FeedBudgetTests(TestCase):
    def test_feed_costs_the_same_with_2_or_20_articles(self):
        section = SectionFactory(slug="budget")
        get_publication()  # cached across requests: count the feed, not the first fill
        counts = {}
        for total in (2, 20):
            while Article.objects.count() < total:
                ArticleFactory(
                    section=section,
                    authors=[AuthorFactory(), AuthorFactory()],
                    tags=["a", "b", f"t{Article.objects.count()}"],
                    published_at=timezone.now() - timedelta(minutes=Article.objects.count() + 1),
                )
            for url in ["/feed/", "/sections/budget/feed/atom/", "/tags/a/feed/"]:
                with CaptureQueriesContext(connection) as ctx:
                    assert self.client.get(url).status_code == 200
                counts.setdefault(url, []).append(len(ctx))
        for url, (few, many) in counts.items():
            with self.subTest(url=url):
                assert few == many, (url, few, many)
                assert many <= 5


class FeedStatePerRequestTests(TestCase):
    """Each request builds its own feed instance: one request rendering while another starts
    and finishes (threaded workers) keeps its own object and settings."""

    @classmethod
    def setUpTestData(cls):
        save_publication(publication=Publication(name="Old Name", base_url="https://old.example"))
        ArticleFactory(headline="ALPHA story", tags=["Alpha"])
        ArticleFactory(headline="BETA story", tags=["Beta"])

    def test_interleaved_requests_get_their_own_content(self):
        view = resolve("/tags/alpha/feed/").func
        assert resolve("/tags/beta/feed/").func is view
        real_items = TagFeed.items
        inner = {}

        def items(feed, obj):
            if obj.slug == "alpha" and not inner:
                # Alpha is half-way through; Beta starts and finishes with other settings.
                save_publication(
                    publication=Publication.objects.update_or_create(
                        defaults={"name": "New Name", "base_url": "https://new.example"}
                    )[0]
                )
                inner["beta"] = view(RequestFactory().get("/tags/beta/feed/"), slug="beta")
            return real_items(feed, obj)

        with mock.patch.object(TagFeed, "items", items):
            alpha = view(RequestFactory().get("/tags/alpha/feed/"), slug="alpha")
        alpha_feed = feedparser.parse(alpha.content)
        beta_feed = feedparser.parse(inner["beta"].content)
        assert [e.title for e in alpha_feed.entries] == ["ALPHA story"]
        assert [e.title for e in beta_feed.entries] == ["BETA story"]
        assert alpha_feed.feed.title == "Alpha — Old Name"
        assert beta_feed.feed.title == "Beta — New Name"
        assert all(e.link.startswith("https://old.example/") for e in alpha_feed.entries)
        assert all(e.link.startswith("https://new.example/") for e in beta_feed.entries)
