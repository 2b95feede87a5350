from datetime import timedelta

import time_machine
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, OldSlug, PreviewToken, Revision
from tests.articles.test_admin_workflow import change_url, edit_form
from tests.articles.test_services import db_state, ready_article
from tests.factories import AuthorFactory, UserFactory

S = Article.Status


def admin_url(name, *args):
    return reverse(f"admin:articles_article_{name}", args=args)


class HistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.other_writer = UserFactory(username="wr2", role="Writer")
        cls.article = ready_article(
            draft=True, headline="First words", authors=[AuthorFactory(user=cls.writer)]
        )
        services.record_revision(article=cls.article, by=cls.writer, reason="Created")
        cls.article.headline = "Second words"
        cls.article.save()
        cls.article.tags.set(["news", "politics"])
        services.record_revision(article=cls.article, by=cls.writer, reason="Edited")

    def test_history_lists_revisions_and_audit_entries(self):
        services.submit_for_review(article=self.article, by=self.writer)
        self.client.force_login(self.writer)
        response = self.client.get(admin_url("revisions", self.article.pk))
        assert [r.number for r in response.context["revisions"]] == [3, 2, 1]
        self.assertContains(response, "Submit for review")
        assert [e.action for e in response.context["audit_entries"]] == ["submit"]

    def test_diff_shows_each_changed_field_including_tags(self):
        self.client.force_login(self.editor)
        response = self.client.get(admin_url("diff", self.article.pk) + "?a=1&b=2")
        rows = {row["field"]: (row["old"], row["new"]) for row in response.context["rows"]}
        assert rows["headline"] == ("<del>First</del> words", "<ins>Second</ins> words")
        assert "politics</ins>" in rows["tags"][1] and "politics" not in rows["tags"][0]
        assert "body" not in rows
        self.assertContains(response, '<th scope="row">Headline</th>')
        # The breadcrumb is the admin's own list, styled like every other page's.
        self.assertContains(response, '<ol class="breadcrumbs">')
        self.assertContains(response, '<li aria-current="page">Compare</li>')

    def test_diff_shows_the_body_as_text_with_only_the_changed_words_marked(self):
        self.article.body = "<p>The grid held firm.</p><p>Prices rose.</p>"
        self.article.save()
        services.record_revision(article=self.article, by=self.writer, reason="Edited")
        self.article.body = "<p>The grid <strong>buckled</strong>.</p><p>Prices rose.</p>"
        self.article.save()
        services.record_revision(article=self.article, by=self.writer, reason="Edited")
        self.client.force_login(self.editor)
        response = self.client.get(admin_url("diff", self.article.pk) + "?a=3&b=4")
        body = {row["field"]: row for row in response.context["rows"]}["body"]
        assert body["old"] == "The grid <del>held firm.</del>\nPrices rose."
        assert body["new"] == "The grid <ins>buckled.</ins>\nPrices rose."
        self.assertNotContains(response, "&lt;p&gt;")

    def test_diff_of_unknown_revisions_is_404(self):
        self.client.force_login(self.editor)
        assert self.client.get(admin_url("diff", self.article.pk) + "?a=1&b=9").status_code == 404
        assert self.client.get(admin_url("diff", self.article.pk)).status_code == 404

    def test_restore_creates_a_new_draft_revision(self):
        self.client.force_login(self.editor)
        response = self.client.post(admin_url("restore", self.article.pk, 1))
        assert response.status_code == 302
        article = Article.objects.get(pk=self.article.pk)
        assert article.headline == "First words"
        assert [t.name for t in article.ordered_tags] == ["news"]
        assert article.status == S.DRAFT
        latest = article.revisions.first()
        assert (latest.number, latest.reason) == (3, "Restored from #1")
        assert Revision.objects.filter(article=article).count() == 3

    def test_restore_never_publishes_and_takes_a_scheduled_article_back_to_draft(self):
        services.submit_for_review(article=self.article, by=self.writer)
        when = timezone.now() + timedelta(days=1)
        services.schedule(article=self.article, by=self.editor, publish_at=when)
        services.restore_revision(revision=self.article.revisions.get(number=1), by=self.editor)
        article = Article.objects.get(pk=self.article.pk)
        assert article.status == S.DRAFT
        assert not Article.objects.published().filter(pk=article.pk).exists()

    def test_restoring_a_live_article_is_refused(self):
        services.submit_for_review(article=self.article, by=self.writer)
        services.publish_now(article=self.article, by=self.editor)
        self.client.force_login(self.editor)
        state = db_state(self.article)
        response = self.client.post(admin_url("restore", self.article.pk, 1), follow=True)
        self.assertContains(response, services.LIVE_RESTORE_REFUSED)
        assert db_state(self.article) == state

    def test_a_live_story_offers_no_restore_and_says_why(self):
        services.submit_for_review(article=self.article, by=self.writer)
        services.publish_now(article=self.article, by=self.editor)
        self.client.force_login(self.editor)
        response = self.client.get(admin_url("revisions", self.article.pk))
        self.assertNotContains(response, "Restore as draft")
        self.assertContains(response, "This story is live: to restore an earlier revision")
        response = self.client.get(admin_url("diff", self.article.pk) + "?a=1&b=2")
        self.assertNotContains(response, "as a new draft")

    def test_a_writer_restores_a_revision_of_their_own_draft(self):
        self.client.force_login(self.writer)
        response = self.client.get(admin_url("revisions", self.article.pk))
        self.assertContains(response, "Restore as draft")
        assert self.client.post(admin_url("restore", self.article.pk, 1)).status_code == 302
        article = Article.objects.get(pk=self.article.pk)
        assert (article.headline, article.status) == ("First words", S.DRAFT)

    def test_writers_cannot_restore_once_the_draft_is_submitted(self):
        services.submit_for_review(article=self.article, by=self.writer)
        self.client.force_login(self.writer)
        response = self.client.get(admin_url("revisions", self.article.pk))
        self.assertNotContains(response, "Restore as draft")
        state = db_state(self.article)
        assert self.client.post(admin_url("restore", self.article.pk, 1)).status_code == 403
        assert db_state(self.article) == state

    def test_other_writers_cannot_see_the_history(self):
        self.client.force_login(self.other_writer)
        # Another writer's unpublished article does not exist for them (docs/security.md).
        assert self.client.get(admin_url("revisions", self.article.pk)).status_code == 404


class DeleteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")

    def test_a_draft_that_never_went_live_can_be_deleted(self):
        article = ready_article(draft=True)
        self.client.force_login(self.editor)
        response = self.client.post(admin_url("delete", article.pk), {"post": "yes"})
        assert response.status_code == 302
        assert not Article.objects.filter(pk=article.pk).exists()

    def test_an_article_that_was_ever_published_cannot_be_deleted(self):
        published = ready_article()
        was_live = ready_article(in_review=True)
        services.publish_now(article=was_live, by=self.editor)
        services.unpublish(article=was_live, by=self.editor)
        services.revert_to_draft(article=was_live, by=self.editor)
        self.client.force_login(self.editor)
        for article in [published, was_live]:
            with self.subTest(status=article.status):
                state = db_state(article)
                response = self.client.post(admin_url("delete", article.pk), {"post": "yes"})
                assert response.status_code == 403
                assert db_state(article) == state

    def test_the_service_refuses_too(self):
        article = ready_article()
        try:
            services.delete_article(article=article, by=self.editor)
        except Exception as exc:  # noqa: BLE001
            assert services.DELETE_PUBLISHED_REFUSED in str(exc)
        assert Article.objects.filter(pk=article.pk).exists()


class PreviewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.article = ready_article(draft=True, headline="Saved headline")

    def test_preview_renders_the_saved_draft_privately(self):
        self.client.force_login(self.editor)
        response = self.client.get(admin_url("preview", self.article.pk))
        self.assertContains(response, "Saved headline")
        self.assertContains(response, "Not published.")
        assert response["X-Robots-Tag"].startswith("noindex")
        assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))

    def test_preview_renders_unsaved_changes_without_saving(self):
        self.client.force_login(self.editor)
        state = db_state(self.article)
        data = edit_form(self.article, headline="Unsaved headline", body="<p>New</p><script>x")
        response = self.client.post(admin_url("preview", self.article.pk), data)
        self.assertContains(response, '<h1 class="article__headline">Unsaved headline</h1>')
        self.assertContains(response, "<p>New</p>")
        self.assertNotContains(response, "<script>x")
        assert db_state(self.article) == state

    def test_preview_is_refused_to_those_who_may_not_edit(self):
        self.client.force_login(self.writer)
        assert self.client.get(admin_url("preview", self.article.pk)).status_code == 404
        self.client.logout()
        response = self.client.get(admin_url("preview", self.article.pk))
        assert response.status_code == 302 and "/login/" in response["Location"]


class SharePreviewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.article = ready_article(draft=True, headline="Embargoed story")
        cls.other = ready_article(draft=True, headline="Another secret")

    def share(self):
        return services.create_preview_token(article=self.article, by=self.editor)

    def test_editor_creates_a_link_from_the_admin(self):
        self.client.force_login(self.editor)
        response = self.client.post(admin_url("share_preview", self.article.pk), follow=True)
        token = PreviewToken.objects.get()
        assert token.article == self.article
        assert token.expires_at - token.created_at == timedelta(hours=48)
        self.assertContains(response, "/preview/")

    def test_anyone_with_the_link_sees_that_one_article_privately(self):
        url = reverse("articles:shared-preview", args=[self.share()])
        response = self.client.get(url)
        self.assertContains(response, "Embargoed story")
        self.assertNotContains(response, "Another secret")
        assert response["X-Robots-Tag"].startswith("noindex")
        assert response["Cache-Control"] == "private, no-store"
        self.assertContains(response, 'content="noindex, nofollow"')

    def test_writers_share_their_own_articles_only(self):
        writer = UserFactory(username="wr", role="Writer")
        own = ready_article(in_review=True, authors=[AuthorFactory(user=writer)])
        assert services.create_preview_token(article=own, by=writer)
        with self.assertRaises(PermissionDenied):
            services.create_preview_token(article=self.article, by=writer)
        assert PreviewToken.objects.count() == 1

    def test_tampered_link_is_404(self):
        signed = self.share()
        for bad in [signed[:-2] + "xx", "nonsense", signed.replace(signed[0], "Z", 1)]:
            with self.subTest(bad=bad):
                url = reverse("articles:shared-preview", args=[bad])
                assert self.client.get(url).status_code == 404

    def test_link_expires_after_48_hours(self):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            url = reverse("articles:shared-preview", args=[self.share()])
        with time_machine.travel(start + timedelta(hours=47, minutes=59), tick=False):
            assert self.client.get(url).status_code == 200
        with time_machine.travel(start + timedelta(hours=48, seconds=1), tick=False):
            assert self.client.get(url).status_code == 404

    def test_revoked_link_stops_working(self):
        url = reverse("articles:shared-preview", args=[self.share()])
        token = PreviewToken.objects.get()
        self.client.force_login(self.editor)
        revoke = admin_url("revoke_preview", self.article.pk, token.pk)
        assert self.client.post(revoke).status_code == 302
        self.client.logout()
        assert self.client.get(url).status_code == 404


class SlugRedirectTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")

    def test_changing_a_published_slug_keeps_the_old_url_with_a_301(self):
        article = ready_article(slug="old-slug")
        old_url = article.get_absolute_url()
        self.client.force_login(self.editor)
        response = self.client.post(change_url(article), edit_form(article, slug="new-slug"))
        assert response.status_code == 302
        article.refresh_from_db()
        assert OldSlug.objects.get().slug == "old-slug"
        self.client.logout()
        response = self.client.get(old_url)
        assert response.status_code == 301
        assert response["Location"] == article.get_absolute_url()
        assert article.get_absolute_url().endswith("/new-slug/")
        assert self.client.get(article.get_absolute_url()).status_code == 200

    def test_draft_slug_changes_leave_no_redirect(self):
        article = ready_article(draft=True, slug="draft-slug")
        self.client.force_login(self.editor)
        self.client.post(change_url(article), edit_form(article, slug="draft-slug-2"))
        assert not OldSlug.objects.exists()

    def test_old_slug_of_an_unpublished_article_is_404(self):
        article = ready_article(slug="gone")
        OldSlug.objects.create(article=article, slug="was-here")
        services.unpublish(article=article, by=self.editor)
        url = article.get_absolute_url().replace("/gone/", "/was-here/")
        assert self.client.get(url).status_code == 404
