"""The W3C HTML checker on the desk: the change form, the conflict page, the dashboard.

No exception is needed: every page, including Django's stock admin markup around ours, checks clean.
"""

from django.test import TestCase
from django.urls import reverse

from articles import services
from articles.models import Article
from tests.articles.test_admin_workflow import change_url, edit_form
from tests.articles.test_services import ready_article
from tests.factories import AuthorFactory, UserFactory, library_image
from tests.html_checker import html_errors, require_checker


class DeskPagesAreValidHtmlTests(TestCase):
    def test_change_form_conflict_page_and_dashboard_have_no_checker_errors(self):
        require_checker()
        editor = UserFactory(username="ed", role="Editor")
        authors = [AuthorFactory(name="First Reporter"), AuthorFactory(name="Second Reporter")]
        draft = ready_article(
            draft=True,
            authors=authors,
            tags=[f"tag {i}" for i in range(30)],
            body="<p>Words <strong>here</strong>.</p>",
        )
        live = ready_article(authors=authors[:1], tags=["energy"])
        services.save_autosave(
            article=live, by=editor, data={"headline": "Unsaved"}, loaded_version=live.version
        )
        self.client.force_login(editor)
        pages = {
            "add": self.client.get(reverse("admin:articles_article_add")),
            "change (draft, 30 tags)": self.client.get(change_url(draft)),
            "change (live, restore offer)": self.client.get(change_url(live)),
            "change (restored)": self.client.get(change_url(live) + "?restore=1"),
            "dashboard": self.client.get(reverse("admin:articles_article_dashboard")),
        }
        stale = edit_form(draft, body="<p>My words here.</p>", headline="Mine")
        services.claim_version(article=draft, loaded_version=draft.version)
        Article.objects.filter(pk=draft.pk).update(headline="Theirs", body="<p>Theirs.</p>")
        pages["conflict"] = self.client.post(change_url(draft), stale)

        assert [r.status_code for r in pages.values()] == [200, 200, 200, 200, 200, 409]
        self.assertContains(pages["change (draft, 30 tags)"], "tag 29")
        self.assertContains(pages["change (live, restore offer)"], "Restore unsaved changes?")
        self.assertContains(pages["change (restored)"], 'id="id_headline">\nUnsaved</textarea>')
        self.assertContains(pages["conflict"], "<ins>Mine</ins>", status_code=409)
        errors = html_errors({name: r.content for name, r in pages.items()})
        assert errors == {name: [] for name in pages}


class FirstHourPagesAreValidHtmlTests(TestCase):
    """Issue 23's pages: history, compare, the article list, login, admin home, image forms."""

    def test_pages_touched_by_the_first_hour_have_no_checker_errors(self):
        require_checker()
        editor = UserFactory(username="ed", role="Editor")
        root = UserFactory(username="root", is_superuser=True)
        article = ready_article(in_review=True, body="<p>Old words.</p>")
        services.record_revision(article=article, by=editor, reason="Created")
        Article.objects.filter(pk=article.pk).update(body="<p>New words.</p>")
        article.refresh_from_db()
        services.record_revision(article=article, by=editor, reason="Edited")
        image = library_image(alt_text="A picture", renditions=True)
        pages = {"login": self.client.get(reverse("admin:login"))}
        self.client.force_login(editor)
        pages["change (in review, schedule)"] = self.client.get(change_url(article))
        pages["history"] = self.client.get(
            reverse("admin:articles_article_revisions", args=[article.pk])
        )
        pages["compare"] = self.client.get(
            reverse("admin:articles_article_diff", args=[article.pk]) + "?a=1&b=2"
        )
        pages["article list"] = self.client.get(reverse("admin:articles_article_changelist"))
        pages["image add"] = self.client.get(reverse("admin:articles_image_add"))
        pages["image change"] = self.client.get(
            reverse("admin:articles_image_change", args=[image.pk])
        )
        self.client.force_login(root)
        pages["admin home"] = self.client.get(reverse("admin:index"))
        assert {name: r.status_code for name, r in pages.items()} == dict.fromkeys(pages, 200)
        errors = html_errors({name: r.content for name, r in pages.items()})
        assert errors == {name: [] for name in pages}
