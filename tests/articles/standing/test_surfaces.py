"""Standing pages on the public surfaces: the footer of every page, the sitemap, and the
publisher's structured data on the home page (parsed), only from published pages; a change
to a published page purges every cached page (the footer is on all of them)."""

import json
import re

from django.test import TestCase, override_settings

from articles.delivery import cache
from articles.publication import absolute_url, get_publication
from articles.standing import services
from articles.standing.models import Page
from tests.factories import ArticleFactory
from tests.purge_recorder import PurgeRecorder

JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def organization(html: str) -> dict:
    for block in JSONLD.findall(html):
        data = json.loads(block)
        for node in data.get("@graph", [data]):
            if node.get("@type") == "NewsMediaOrganization":
                return node
    raise AssertionError("no NewsMediaOrganization in the page's JSON-LD")


class SurfaceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make = Page.objects.create
        cls.about = make(title="About the Courier", slug="about", kind="about", status="published")
        cls.ethics = make(title="Ethics policy", slug="ethics", kind="ethics", status="published")
        cls.fixes = make(title="Corrections", slug="fixing", kind="corrections", status="published")
        cls.staff = make(title="Masthead", slug="masthead", kind="masthead", status="published")
        cls.draft = make(title="Draft ethics rewrite", slug="ethics-new", kind="ethics")
        cls.article = ArticleFactory(headline="River story")

    def test_publisher_json_ld_names_the_published_pages(self):
        base = absolute_url("/", get_publication()).rstrip("/")
        html = self.client.get("/").content.decode()
        org = organization(html)
        self.assertEqual(org["publishingPrinciples"], f"{base}/about/")
        self.assertEqual(org["ethicsPolicy"], f"{base}/ethics/")
        self.assertEqual(org["correctionsPolicy"], f"{base}/fixing/")
        self.assertEqual(org["masthead"], f"{base}/masthead/")
        self.assertNotIn("ethics-new", html)

    def test_a_role_without_a_published_page_is_left_out(self):
        Page.objects.filter(kind="masthead").update(status="draft")
        org = organization(self.client.get("/").content.decode())
        self.assertNotIn("masthead", org)
        self.assertIn("ethicsPolicy", org)

    def test_footer_links_published_pages_on_every_page(self):
        for url in ("/", self.article.get_absolute_url(), "/about/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(response, '<a href="/ethics/">Ethics policy</a>', html=True)
                self.assertContains(response, '<a href="/masthead/">Masthead</a>', html=True)
                self.assertNotContains(response, "Draft ethics rewrite")
                self.assertNotContains(response, "/ethics-new/")

    def test_sitemap_lists_published_pages_only(self):
        base = absolute_url("/", get_publication()).rstrip("/")
        body = self.client.get("/sitemap-pages.xml").content.decode()
        for slug in ("about", "ethics", "fixing", "masthead"):
            self.assertIn(f"{base}/{slug}/</loc>", body)
        self.assertNotIn("ethics-new", body)
        self.assertIn("sitemap-pages.xml", self.client.get("/sitemap.xml").content.decode())

    def test_the_kept_list_is_read_once(self):
        services.published_pages()
        with self.assertNumQueries(0):
            self.assertEqual(len(services.published_pages()), 4)


class FooterPurgeTests(TestCase):
    """The footer is on every cached page: a published page's change purges `all`."""

    def setUp(self):
        self.recorder = PurgeRecorder().__enter__()
        self.addCleanup(self.recorder.__exit__)
        patch = override_settings(NEWSROOM_PURGE_URLS=[self.recorder.url])
        patch.enable()
        self.addCleanup(patch.disable)

    def save(self, page):
        with self.captureOnCommitCallbacks(execute=True):
            page.save()
        return self.recorder.keys()

    def test_publishing_renaming_and_unpublishing_purge_every_page(self):
        page = Page.objects.create(title="Ethics", slug="ethics", kind="ethics")
        self.recorder.keys()
        services.published_pages()  # kept in the cache
        page.status = "published"
        self.assertEqual(self.save(page), {cache.ALL})
        self.assertEqual([p["title"] for p in services.published_pages()], ["Ethics"])
        page.title = "Our ethics"
        self.assertEqual(self.save(page), {cache.ALL})
        self.assertEqual([p["title"] for p in services.published_pages()], ["Our ethics"])
        page.status = "draft"
        self.assertEqual(self.save(page), {cache.ALL})
        self.assertEqual(services.published_pages(), [])

    def test_a_draft_edit_purges_nothing(self):
        page = Page.objects.create(title="Ethics", slug="ethics", kind="ethics")
        self.recorder.keys()
        page.title = "Ethics (draft 2)"
        self.assertEqual(self.save(page), set())

    def test_cached_page_shows_the_new_footer_after_the_purge(self):
        page = Page.objects.create(title="Ethics", slug="ethics", kind="ethics", status="published")
        with override_settings(NEWSROOM_PAGE_CACHE=True):
            self.assertContains(self.client.get("/"), ">Ethics</a>")
            page.title = "Standards and ethics"
            with self.captureOnCommitCallbacks(execute=True):
                page.save()
            self.assertContains(self.client.get("/"), ">Standards and ethics</a>")
