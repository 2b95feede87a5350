from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ads.models import AdSlot
from articles import services
from articles.models import Article, Author, Tag
from tests.factories import (
    AdSlotFactory,
    ArticleFactory,
    AuthorFactory,
    CreativeFactory,
    SectionFactory,
    UserFactory,
    library_image,
)


def article_form(section, author, tag=None, **overrides):
    """A complete POST for the article add/change form, with one byline and one tag.

    Bylines post as `byline_list` (author ids in byline order), tags as one typed list."""
    tag = tag or Tag.objects.get_or_create(name="Admin", slug="admin")[0]
    data = {
        "headline": "Admin-written story",
        "slug": "admin-written-story",
        "standfirst": "Written in the admin.",
        "body": '<p>Safe text</p><script>alert("x")</script>',
        "section": section.pk,
        "lead_image": "",
        "seo_title": "",
        "seo_description": "A story written in the admin, long enough to be a real search snippet.",
        "byline_list": [author.pk],
        "tag_list": tag.name,
    }
    data.update(overrides)
    return data


class SuperuserSweepTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = get_user_model().objects.create_superuser("root", "r@example.com", "pw")
        ArticleFactory(tags=["sweep"])
        CreativeFactory()

    def test_every_changelist_add_and_change_page_loads(self):
        self.client.force_login(self.admin)
        for model, model_admin in admin.site._registry.items():
            opts = model._meta
            urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
            if model_admin.has_add_permission(_request(self.admin)):
                urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
            obj = model.objects.first()
            if obj is not None:
                urls.append(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
                )
            for url in urls:
                with self.subTest(url=url):
                    assert self.client.get(url).status_code == 200

    def test_admin_search_and_filters_work(self):
        self.client.force_login(self.admin)
        url = reverse("admin:articles_article_changelist")
        for query in ["?q=Headline", "?status__exact=published", "?tags__id__exact=1"]:
            with self.subTest(query=query):
                assert self.client.get(url + query).status_code == 200


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


class EditorPublishesInTheAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.section = SectionFactory()
        cls.author = AuthorFactory()
        AdSlotFactory(code="YYYYYYYYYY")

    def test_editor_writes_and_publishes_an_article(self):
        self.client.force_login(self.editor)
        data = article_form(self.section, self.author)
        image = library_image(alt_text="A lead picture")
        data["lead_image"] = image.pk
        response = self.client.post(reverse("admin:articles_article_add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        article = Article.objects.get(slug="admin-written-story")
        assert article.status == Article.Status.DRAFT and article.created_by == self.editor
        for action in ["submit", "publish"]:
            url = reverse("admin:articles_article_transition", args=[article.pk, action])
            assert self.client.post(url).status_code == 302
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED
        assert "<script" not in article.body and "<p>Safe text</p>" in article.body
        assert article.lead_image == image
        assert [b.author for b in article.bylines.all()] == [self.author]
        page = self.client.get(article.get_absolute_url())
        self.assertContains(page, "Admin-written story")
        self.assertNotContains(page, "Not published.")

    def test_a_save_says_what_the_body_allowlist_removed(self):
        # Issue 23, item 2: a forged save with a foreign image, a heading and a table.
        self.client.force_login(self.editor)
        body = '<h1>Results</h1><table><tr><td>t</td></tr></table><p>a<img src="x">b</p>'
        data = article_form(self.section, self.author, body=body)
        response = self.client.post(reverse("admin:articles_article_add"), data, follow=True)
        article = Article.objects.get(slug="admin-written-story")
        assert article.body == (
            "<h2>Results</h2><table><tbody><tr><td>t</td></tr></tbody></table><p>a b</p>"
        )
        shown = [str(m) for m in response.context["messages"]]
        assert (
            "The body was cleaned: Removed 1 image not from the media library (x): upload it "
            "to the library and insert it from there. Changed headings: h1 → h2." in shown
        )

    def test_a_clean_save_says_nothing_about_cleaning(self):
        self.client.force_login(self.editor)
        data = article_form(self.section, self.author, body="<p>Plain</p>")
        response = self.client.post(reverse("admin:articles_article_add"), data, follow=True)
        assert not [m for m in response.context["messages"] if "cleaned" in str(m)]

    def test_unknown_image_gets_a_form_error_and_saves_nothing(self):
        self.client.force_login(self.editor)
        data = article_form(self.section, self.author, lead_image="999999")
        response = self.client.post(reverse("admin:articles_article_add"), data)
        assert response.status_code == 200
        self.assertContains(response, "Select a valid choice")
        assert not Article.objects.exists()

    def test_missing_byline_is_refused(self):
        self.client.force_login(self.editor)
        data = article_form(self.section, self.author, byline_list=[])
        response = self.client.post(reverse("admin:articles_article_add"), data)
        self.assertContains(response, services.BYLINE_REQUIRED)
        assert not Article.objects.exists()


class RolePermissionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admanager = UserFactory(username="ads", role="Ad manager")
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.slot = AdSlotFactory(code="YYYYYYYYYY")

    def test_ad_manager_cannot_add_articles(self):
        self.client.force_login(self.admanager)
        assert self.client.get(reverse("admin:articles_article_add")).status_code == 403
        data = article_form(SectionFactory(), AuthorFactory())
        assert self.client.post(reverse("admin:articles_article_add"), data).status_code == 403
        assert not Article.objects.exists()

    def test_writer_cannot_change_ad_slots(self):
        self.client.force_login(self.writer)
        url = reverse("admin:ads_adslot_change", args=[self.slot.pk])
        response = self.client.post(url, {"code": "HACKED", "name": "x", "width": 1, "height": 1})
        assert response.status_code == 403
        assert AdSlot.objects.get().code == "YYYYYYYYYY"

    def test_ad_manager_configures_a_slot(self):
        self.client.force_login(self.admanager)
        url = reverse("admin:ads_adslot_change", args=[self.slot.pk])
        data = {
            "code": "YYYYYYYYYY",
            "name": "Banner",
            "description": "",
            "width": "468",
            "height": "60",
            "extra_sizes": "320x50",
            "label": "Advertisement",
            "is_active": "on",
            "creatives-TOTAL_FORMS": "0",
            "creatives-INITIAL_FORMS": "0",
            "creatives-MIN_NUM_FORMS": "0",
            "creatives-MAX_NUM_FORMS": "1000",
        }
        assert self.client.post(url, data).status_code == 302
        assert (AdSlot.objects.get().width, AdSlot.objects.get().height) == (468, 60)

    def test_bad_slot_code_gets_a_clear_error(self):
        self.client.force_login(self.admanager)
        data = {
            "code": "bad code!",
            "name": "x",
            "width": "300",
            "height": "250",
            "label": "Advertisement",
            "creatives-TOTAL_FORMS": "0",
            "creatives-INITIAL_FORMS": "0",
        }
        response = self.client.post(reverse("admin:ads_adslot_add"), data)
        self.assertContains(response, "Use only letters, digits")
        assert AdSlot.objects.count() == 1


class AuthorAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed2", role="Editor")
        cls.author = AuthorFactory(name="Busy Writer")
        ArticleFactory(authors=[cls.author])

    def test_author_with_bylines_is_not_deleted_through_the_admin(self):
        self.client.force_login(self.editor)
        url = reverse("admin:articles_author_delete", args=[self.author.pk])
        response = self.client.post(url, {"post": "yes"})
        self.assertContains(response, "would require deleting the following protected")
        assert Author.objects.filter(pk=self.author.pk).exists()

    def test_deactivate_action_keeps_bylines(self):
        self.client.force_login(self.editor)
        url = reverse("admin:articles_author_changelist")
        data = {"action": "deactivate", "_selected_action": [self.author.pk]}
        assert self.client.post(url, data).status_code == 302
        self.author.refresh_from_db()
        assert not self.author.is_active
        assert self.author.bylines.count() == 1

    def test_byline_autocomplete_offers_active_authors_only(self):
        AuthorFactory(name="Busy Retired", is_active=False)
        self.client.force_login(self.editor)
        response = self.client.get(
            "/admin/autocomplete/",
            {
                "term": "Busy",
                "app_label": "articles",
                "model_name": "byline",
                "field_name": "author",
            },
        )
        names = [result["text"] for result in response.json()["results"]]
        assert names == ["Busy Writer"]


class ChangeFormBudgetTests(TestCase):
    """The change form loads tags and bylines in a fixed number of queries."""

    def count(self, url):
        with CaptureQueriesContext(connection) as ctx:
            assert self.client.get(url).status_code == 200
        return len(ctx)

    def test_thirty_tags_cost_no_more_queries_than_one(self):
        self.client.force_login(UserFactory(username="ed3", role="Editor"))
        one = ArticleFactory(tags=["solo"])
        thirty = ArticleFactory(tags=[f"tag {i}" for i in range(30)])
        change = "admin:articles_article_change"
        base = self.count(reverse(change, args=[one.pk]))
        # One field holds every tag: no per-row autocomplete lookups any more.
        assert self.count(reverse(change, args=[thirty.pk])) <= base
