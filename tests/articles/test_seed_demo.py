import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from ads.models import AdSlot, Creative
from articles import demo, services
from articles.models import Article, Author, Byline, Correction, Section, Tag, TaggedArticle
from tests.factories import UserFactory

SEED_URL = "/2025/08/10/china-advocates-for-global-ai-cooperation-amid-us-deregulation-moves/"
ROOT = Path(__file__).resolve().parents[2]
STAMP = ".venv/.installed"  # `make -n` must not plan to (re)build the virtualenv
MODELS = [Article, Author, Section, Tag, TaggedArticle, Byline, AdSlot, Creative, Correction]


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


class SeedPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        seed()

    def test_seed_article_page_matches_the_seed_in_order(self):
        html = self.client.get(SEED_URL).content.decode()
        expected = [
            demo.SEED_ARTICLE["headline"],
            "August 10, 2025",
            *demo.SEED_ARTICLE["paragraphs"],
            "Advertisement",
            "Fake Ad Placeholder (Ad slot: YYYYYYYYYY)",
            "Tags",
            *(f">{tag}</a>" for tag in demo.SEED_ARTICLE["tags"]),
            "Advertisement",
            "Fake Ad Placeholder (Ad slot: ZZZZZZZZZZ)",
        ]
        position = html.find("<h1")
        for fragment in expected:
            found = html.find(fragment, position)
            assert found != -1, f"{fragment[:60]!r} missing or out of order"
            position = found + len(fragment)

    def test_all_thirty_tags_link_to_working_tag_pages(self):
        article = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
        tags = article.ordered_tags
        assert [tag.name for tag in tags] == demo.SEED_ARTICLE["tags"]
        html = self.client.get(SEED_URL).content.decode()
        for tag in tags:
            assert f'<a href="/tags/{tag.slug}/" rel="tag">{tag.name}</a>' in html
            self.assertContains(
                self.client.get(f"/tags/{tag.slug}/"), demo.SEED_ARTICLE["headline"]
            )

    def test_demo_has_enough_to_browse(self):
        assert Article.objects.published().count() >= 41
        assert Section.objects.count() >= 4
        assert Author.objects.count() >= 6
        assert Article.objects.exclude(lead_image=None).count() > 5
        assert self.client.get("/?page=3").status_code == 200
        assert Article.objects.count() > Article.objects.published().count()


class SeedIdempotenceTests(TestCase):
    def test_second_run_creates_nothing_twice(self):
        with override_settings(DEBUG=True):
            seed("--with-users")
            counts = {model: model.objects.count() for model in MODELS}
            users = get_user_model().objects.count()
            output = seed("--with-users")
        assert {model: model.objects.count() for model in MODELS} == counts
        assert get_user_model().objects.count() == users == 4
        assert "nothing created" in output
        assert "writer" in output and "password" in output

    def test_the_login_address_is_where_the_site_is_served(self):
        # Issue 23, item 25: `make run PORT=8123` prints the address it serves.
        with override_settings(DEBUG=True, NEWSROOM_BASE_URL="http://127.0.0.1:8000"):
            output = seed("--with-users", "--address", "http://0.0.0.0:8123")
            assert "log in at http://0.0.0.0:8123/admin/" in output
            assert "log in at http://127.0.0.1:8000/admin/" in seed("--with-users")

    def test_make_run_passes_its_host_and_port(self):
        dry = subprocess.run(  # noqa: S603
            ["make", "-n", "-W", STAMP, "run", "HOST=0.0.0.0", "PORT=8123"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "seed_demo --with-users --address http://0.0.0.0:8123" in dry
        assert "runserver 0.0.0.0:8123" in dry
        assert "Ctrl-C" in dry

    def test_users_are_refused_when_debug_is_off(self):
        with pytest.raises(CommandError, match="refused when DEBUG is off"):
            seed("--with-users")
        assert get_user_model().objects.count() == 0
        assert Article.objects.count() == 0

    def test_demo_accounts_hold_their_roles(self):
        with override_settings(DEBUG=True):
            seed("--with-users")
        User = get_user_model()
        assert User.objects.get(username="admin").is_superuser
        assert User.objects.get(username="editor").groups.get().name == "Editor"
        writer = User.objects.get(username="writer")
        assert writer.groups.get().name == "Writer" and writer.author.slug == "amara-okafor"
        assert User.objects.get(username="admanager").has_perm("ads.change_adslot")
        assert not User.objects.get(username="admanager").has_perm("articles.change_article")


class SeedThroughServicesTests(TestCase):
    def test_demo_articles_are_loaded_with_a_full_revision_and_an_audit_entry(self):
        from articles.models import AuditEntry, Revision

        seed()
        article = Article.objects.get(slug=demo.SEED_ARTICLE["slug"])
        revision = Revision.objects.get(article=article)
        assert revision.data["tags"] == demo.SEED_ARTICLE["tags"]
        assert revision.data["bylines"][0]["author"] == article.bylines.get().author_id
        assert AuditEntry.objects.get(article=article).action == "import"
        assert Revision.objects.count() == AuditEntry.objects.count() == Article.objects.count()


class SeedPassesItsOwnChecksTests(TestCase):
    """The demo is what a new user tries first: nothing in it fails the pre-publish checks."""

    @classmethod
    def setUpTestData(cls):
        seed()

    def test_every_demo_article_passes_the_pre_publish_checks(self):
        problems = {a.slug: services.prepublish_problems(a) for a in Article.objects.all()}
        assert problems == {slug: [] for slug in problems}

    def test_an_editor_publishes_the_story_in_review_from_the_change_form(self):
        editor = UserFactory(username="ed", role="Editor")
        article = Article.objects.in_review().get()
        self.client.force_login(editor)
        response = self.client.get(f"/admin/articles/article/{article.pk}/change/")
        self.assertContains(response, "Pre-publish checks: all passed.")
        self.assertNotContains(response, "disabled aria-describedby")
        url = reverse("admin:articles_article_transition", args=[article.pk, "publish"])
        assert self.client.post(url).status_code == 302
        assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED
