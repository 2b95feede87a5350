"""Standing pages: published ones at /<slug>/, drafts only for those who may edit them, and
never in the way of another address."""

import io

from django.core.management import call_command
from django.test import TestCase

from articles.standing.models import Page, PageRevision
from tests.factories import ArticleFactory, UserFactory


class PageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.about = Page.objects.create(
            title="About us", slug="about", kind="about", status="published",
            body="<p>Who we are.</p><script>alert(1)</script>",
        )  # fmt: skip
        cls.draft = Page.objects.create(title="Ethics", slug="ethics", body="<p>Draft policy</p>")

    def test_published_page(self):
        response = self.client.get("/about/")
        self.assertContains(response, "<h1>About us</h1>", html=True)
        self.assertContains(response, "Who we are.")
        self.assertNotContains(response, "<script>alert")
        self.assertEqual(response["Cache-Control"], "public, max-age=300")

    def test_draft_is_404_to_readers_and_never_cached_for_editors(self):
        self.assertEqual(self.client.get("/ethics/").status_code, 404)
        self.client.force_login(UserFactory(is_superuser=True))
        response = self.client.get("/ethics/")
        self.assertContains(response, "Draft policy")
        self.assertIn("no-cache", response["Cache-Control"])

    def test_other_addresses_come_first(self):
        Page.objects.create(title="Shadowing page", slug="search", status="published")
        ArticleFactory()
        response = self.client.get("/search/?q=x")
        self.assertContains(response, "results for")
        self.assertNotContains(response, "Shadowing page")


class SeedTests(TestCase):
    def test_seed_is_idempotent_and_pages_are_served(self):
        out = io.StringIO()
        call_command("seed_standing_pages", stdout=out)
        self.assertEqual(out.getvalue().strip(), "4")
        call_command("seed_standing_pages", stdout=io.StringIO())
        self.assertEqual(Page.objects.count(), 4)
        self.assertEqual(PageRevision.objects.count(), 4)  # one each, not one per run
        for slug in ("about", "contact", "ethics", "corrections-policy"):
            with self.subTest(slug):
                self.assertEqual(self.client.get(f"/{slug}/").status_code, 200)
