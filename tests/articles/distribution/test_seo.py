"""Structured data, social cards and canonical links on every public page."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html
from PIL import Image as PILImage

from articles import services
from articles.publication import save_publication
from articles.publication.models import Publication
from articles.views import PAGE_SIZE
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    SectionFactory,
    UserFactory,
    image_file,
    library_image,
)
from tests.html_checker import checker_available, html_errors

BASE = "https://news.example.com"
DEFAULT_SOCIAL = BASE + "/static/articles/default-social.png"
BREAKOUT = "</script><script>alert(1)</script>"


def head_of(response):
    assert response.status_code == 200, response.status_code
    return lxml_html.fromstring(response.content).find("head")


def jsonld(response):
    return [
        json.loads(script.text)
        for script in head_of(response).iterfind("script[@type='application/ld+json']")
    ]


def meta(response):
    """{property or name: [contents]} of the page's <meta> tags."""
    tags = {}
    for element in head_of(response).iterfind("meta"):
        key = element.get("property") or element.get("name")
        if key:
            tags.setdefault(key, []).append(element.get("content"))
    return tags


def link_hrefs(response, rel):
    return [e.get("href") for e in head_of(response).iterfind(f"link[@rel='{rel}']")]


class ArticleStructuredDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        save_publication(
            publication=Publication(
                name="The Example",
                base_url=BASE,
                language="en-GB",
                logo=image_file("logo.png", size=(600, 60), fmt="PNG"),
            )
        )
        cls.section = SectionFactory(name="World", slug="world")
        cls.authors = [AuthorFactory(name="Bo Second"), AuthorFactory(name="Ada First")]
        cls.article = ArticleFactory(
            headline="Rivers rise",
            slug="rivers-rise",
            standfirst="Water everywhere.",
            section=cls.section,
            authors=cls.authors,
            tags=["Floods", "Weather"],
            lead_image=library_image(
                alt_text="A river over its banks", size=(1600, 1200), renditions=True
            ),
        )
        cls.url = cls.article.get_absolute_url()

    def test_news_article_has_every_field(self):
        article_ld, breadcrumbs = jsonld(self.client.get(self.url))
        a = self.article
        assert article_ld["@context"] == "https://schema.org"
        assert article_ld["@type"] == "NewsArticle"
        assert article_ld["headline"] == "Rivers rise"
        assert article_ld["description"] == "Water everywhere."
        # 16:9, 4:3 and 1:1 renditions, at least 1200 px wide where the original allows.
        assert [(i["width"], i["height"]) for i in article_ld["image"]] == [
            (1280, 720),
            (1280, 960),
            (1200, 1200),
        ]
        for image, ratio in zip(article_ld["image"], ["16:9", "4:3", "1:1"], strict=True):
            assert image["@type"] == "ImageObject"
            assert image["url"] == BASE + a.lead_image.rendition_meta(ratio=ratio)["url"]
        assert article_ld["datePublished"] == a.published_at.isoformat()
        assert article_ld["dateModified"] == a.updated_at.isoformat()
        assert article_ld["author"] == [
            {
                "@type": "Person",
                "name": "Bo Second",
                "url": BASE + self.authors[0].get_absolute_url(),
            },
            {
                "@type": "Person",
                "name": "Ada First",
                "url": BASE + self.authors[1].get_absolute_url(),
            },
        ]
        publisher = article_ld["publisher"]
        assert publisher["name"] == "The Example"
        assert publisher["logo"]["width"] == 600
        assert publisher["logo"]["url"].startswith(BASE + "/media/publication/")
        assert article_ld["mainEntityOfPage"] == {"@type": "WebPage", "@id": BASE + self.url}
        assert article_ld["articleSection"] == "World"
        assert article_ld["keywords"] == ["Floods", "Weather"]
        assert article_ld["isAccessibleForFree"] is True
        assert article_ld["inLanguage"] == "en-GB"
        assert "correction" not in article_ld  # no corrections on this article
        assert [item["item"] for item in breadcrumbs["itemListElement"]] == [
            BASE + "/",
            BASE + "/sections/world/",
            BASE + self.url,
        ]
        assert [item["position"] for item in breadcrumbs["itemListElement"]] == [1, 2, 3]

    def test_open_graph_and_twitter_cards(self):
        tags = meta(self.client.get(self.url))
        a = self.article
        assert tags["og:type"] == ["article"]
        assert tags["og:title"] == ["Rivers rise"]
        assert tags["og:description"] == ["Water everywhere."]
        assert tags["og:url"] == [BASE + self.url]
        assert tags["og:site_name"] == ["The Example"]
        assert tags["og:locale"] == ["en_GB"]
        card = a.lead_image.rendition_meta(ratio="16:9", width=1200)
        assert tags["og:image"] == [BASE + card["url"]]
        assert (tags["og:image:width"], tags["og:image:height"]) == (["1280"], ["720"])
        assert tags["og:image:alt"] == ["A river over its banks"]
        assert tags["article:published_time"] == [a.published_at.isoformat()]
        assert tags["article:modified_time"] == [a.updated_at.isoformat()]
        assert tags["article:section"] == ["World"]
        assert tags["article:tag"] == ["Floods", "Weather"]
        assert tags["twitter:card"] == ["summary_large_image"]
        assert tags["twitter:image"] == [BASE + card["url"]]
        assert tags["twitter:title"] == ["Rivers rise"]

    def test_canonical_and_feeds_on_the_article(self):
        response = self.client.get(self.url)
        assert link_hrefs(response, "canonical") == [BASE + self.url]
        assert link_hrefs(response, "alternate") == [
            "/sections/world/feed/",
            "/sections/world/feed/atom/",
            "/feed/",
            "/feed/atom/",
        ]

    def test_headline_cannot_break_out_of_the_json_ld(self):
        hostile = ArticleFactory(headline=f"Bad {BREAKOUT} & co", standfirst=BREAKOUT)
        response = self.client.get(hostile.get_absolute_url())
        body = response.content.decode()
        assert "<script>alert(1)</script>" not in body
        assert body.count("<script") == body.count("</script>")
        article_ld = jsonld(response)[0]
        assert article_ld["headline"] == f"Bad {BREAKOUT} & co"
        assert article_ld["description"] == BREAKOUT
        assert "\\u003C/script\\u003E" in body

    def test_corrections_are_emitted_and_move_date_modified(self):
        editor = UserFactory(username="corrector", role="Editor")
        note = services.add_correction(
            article=self.article,
            kind="correction",
            text="An earlier version misspelled the river.",
            by=editor,
        )
        article_ld = jsonld(self.client.get(self.url))[0]
        assert article_ld["correction"] == [
            {
                "@type": "CorrectionComment",
                "text": "An earlier version misspelled the river.",
                "datePublished": note.created_at.isoformat(),
            }
        ]
        assert article_ld["dateModified"] == note.created_at.isoformat()

    def test_article_without_image_falls_back_to_the_default_social_image(self):
        plain = ArticleFactory(section=self.section)
        # Issue 23, item 22: none uploaded yet, the default shipped in static/.
        (image,) = jsonld(self.client.get(plain.get_absolute_url()))[0]["image"]
        assert image == {
            "@type": "ImageObject",
            "url": DEFAULT_SOCIAL,
            "width": 1200,
            "height": 630,
        }
        tags = meta(self.client.get(plain.get_absolute_url()))
        assert tags["og:image"] == tags["twitter:image"] == [DEFAULT_SOCIAL]
        assert (tags["og:image:width"], tags["og:image:height"]) == (["1200"], ["630"])
        assert tags["og:image:alt"] == ["The Example"]
        assert tags["twitter:card"] == ["summary_large_image"]
        publication = Publication.objects.get()
        publication.social_image = image_file("social.jpg", size=(1200, 630))
        publication.social_image_alt = "The Example's masthead"
        with self.captureOnCommitCallbacks(execute=True):
            save_publication(publication=publication)
        tags = meta(self.client.get(plain.get_absolute_url()))
        assert tags["og:image"][0].startswith(BASE + "/media/publication/")
        assert tags["og:image:alt"] == ["The Example's masthead"]
        assert tags["twitter:card"] == ["summary_large_image"]

    def test_preview_stays_noindex_without_canonical_or_cards(self):
        draft = ArticleFactory(draft=True, headline="Secret draft")
        editor = get_user_model().objects.create_superuser("ed", "e@example.com", "pw")
        self.client.force_login(editor)
        response = self.client.get(draft.get_absolute_url())
        assert meta(response)["robots"] == ["noindex, nofollow"]
        assert link_hrefs(response, "canonical") == []
        assert jsonld(response) == []
        assert "og:title" not in meta(response)


class ListingHeadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        save_publication(
            publication=Publication(name="The Example", base_url=BASE, description="Daily news.")
        )
        cls.section = SectionFactory(name="World", slug="world")
        cls.author = AuthorFactory(name="Ada", slug="ada", bio="Writes about rivers.")
        for n in range(PAGE_SIZE + 1):
            ArticleFactory(
                section=cls.section,
                authors=[cls.author],
                tags=["Floods"],
                published_at=timezone.now() - timedelta(minutes=n + 1),
            )

    def test_home_has_website_and_organization(self):
        response = self.client.get("/")
        (graph,) = jsonld(response)
        types = {node["@type"]: node for node in graph["@graph"]}
        assert types["WebSite"]["url"] == BASE + "/"
        assert types["WebSite"]["name"] == "The Example"
        assert types["NewsMediaOrganization"]["name"] == "The Example"
        tags = meta(response)
        assert tags["og:type"] == ["website"]
        assert tags["og:description"] == ["Daily news."]
        assert link_hrefs(response, "canonical") == [BASE + "/"]
        # Issue 23, item 22: no logo or social image uploaded: the ones shipped in static/.
        assert types["NewsMediaOrganization"]["logo"] == {
            "@type": "ImageObject",
            "url": BASE + "/static/articles/default-logo.png",
            "width": 512,
            "height": 512,
        }
        assert tags["og:image"] == [DEFAULT_SOCIAL]
        assert "twitter:site" not in tags

    def test_twitter_site_comes_from_the_publication_settings(self):
        publication = Publication.objects.get()
        publication.twitter_site = "@the_example"
        publication.full_clean()
        with self.captureOnCommitCallbacks(execute=True):
            save_publication(publication=publication)
        for path in ["/", "/sections/world/", "/tags/floods/", "/authors/ada/"]:
            with self.subTest(path=path):
                assert meta(self.client.get(path))["twitter:site"] == ["@the_example"]
        publication.twitter_site = "the example"
        with pytest.raises(ValidationError, match="Write the account as @name"):
            publication.full_clean()

    def test_the_default_images_ship_at_the_sizes_the_head_states(self):
        for path, size in (
            ("articles/default-social.png", (1200, 630)),
            ("articles/default-logo.png", (512, 512)),
        ):
            with PILImage.open(finders.find(path)) as image:
                assert (image.format, image.size) == ("PNG", size)

    def test_listings_are_self_canonical_per_page(self):
        for path in ["/", "/sections/world/", "/tags/floods/", "/authors/ada/"]:
            with self.subTest(path=path):
                assert link_hrefs(self.client.get(path), "canonical") == [BASE + path]
                second = self.client.get(path + "?page=2")
                assert link_hrefs(second, "canonical") == [BASE + path + "?page=2"]
                assert meta(second)["og:url"] == [BASE + path + "?page=2"]

    def test_page_one_redirects_to_the_bare_url(self):
        for path in ["/", "/sections/world/", "/tags/floods/", "/authors/ada/"]:
            with self.subTest(path=path):
                response = self.client.get(path + "?page=1")
                assert response.status_code == 301
                assert response["Location"] == path
        response = self.client.get("/sections/world/?utm_source=x&page=1")
        assert response["Location"] == "/sections/world/?utm_source=x"

    def test_page_two_links_back_to_the_bare_url(self):
        html = self.client.get("/tags/floods/?page=2").content.decode()
        assert re.search(r'<a rel="prev" href="/tags/floods/">', html)

    def test_listings_have_their_own_cards_and_feeds(self):
        cases = {
            "/sections/world/": ("website", "World", "/sections/world/feed/"),
            "/tags/floods/": ("website", "Floods", "/tags/floods/feed/"),
            "/authors/ada/": ("profile", "Ada", "/authors/ada/feed/"),
        }
        for path, (kind, title, feed) in cases.items():
            with self.subTest(path=path):
                response = self.client.get(path)
                tags = meta(response)
                assert tags["og:type"] == [kind]
                assert tags["og:title"] == [title]
                assert tags["og:image"] == [DEFAULT_SOCIAL]  # (Ada has no photo)
                assert tags["twitter:card"] == ["summary_large_image"]
                assert link_hrefs(response, "alternate")[0] == feed
        assert meta(self.client.get("/authors/ada/"))["og:description"] == ["Writes about rivers."]

    def test_every_page_links_the_site_feeds(self):
        for path in ["/", "/sections/world/", "/no-such-page/"]:
            with self.subTest(path=path):
                response = self.client.get(path)
                hrefs = [
                    e.get("href")
                    for e in lxml_html.fromstring(response.content).iterfind(
                        ".//link[@rel='alternate']"
                    )
                ]
                assert "/feed/" in hrefs
                assert "/feed/atom/" in hrefs


class HeadValidityTests(TestCase):
    """The W3C checker accepts the <head> of every page type (canonical, cards, feeds, JSON-LD).

    The bodies are left out: their own checks live with the reader-page tests.
    """

    def test_pages_have_no_html_errors(self):
        if not checker_available():
            html_errors({})  # skips (or fails in CI) with the reason
        save_publication(publication=Publication(base_url=BASE))
        article = ArticleFactory(
            headline=f"Checked {BREAKOUT}",
            tags=["Checked"],
            lead_image=library_image(alt_text="Photo"),
        )
        author = article.bylines.first().author
        pages = {
            "home": "/",
            "article": article.get_absolute_url(),
            "section": article.section.get_absolute_url(),
            "tag": "/tags/checked/",
            "author": author.get_absolute_url(),
        }
        documents = {
            name: re.sub(
                r"<body.*</body>",
                "<body><main><p>Body</p></main></body>",
                self.client.get(url).content.decode(),
                flags=re.S,
            )
            for name, url in pages.items()
        }
        errors = html_errors(documents)
        assert errors == {name: [] for name in pages}, errors
        assert reverse("articles:feed") == "/feed/"
