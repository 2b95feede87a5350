from datetime import UTC, datetime, timedelta

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.admin import FORGED_FIELD
from articles.models import Article, AuditEntry, Revision
from tests.articles.test_admin import article_form
from tests.articles.test_services import SEO, db_state, ready_article
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory

S = Article.Status


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def transition_url(article, action):
    return reverse("admin:articles_article_transition", args=[article.pk, action])


def edit_form(article, **overrides):
    """The change form as the browser would post it for `article`, at its current version."""
    bylines = list(article.bylines.all())
    data = article_form(article.section, bylines[0].author, loaded_version=article.version)
    data.update(
        {
            "headline": article.headline,
            "slug": article.slug,
            "standfirst": article.standfirst,
            "body": article.body,
            "seo_description": article.seo_description,
            "byline_list": [b.author_id for b in bylines],
            "tag_list": ", ".join(tag.name for tag in article.ordered_tags),
        }
    )
    data.update(overrides)
    return data


class WriterEditsOwnDraftsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.mine = AuthorFactory(user=cls.writer)
        cls.draft = ready_article(draft=True, authors=[cls.mine])
        cls.others = ready_article(draft=True)
        cls.in_review = ready_article(in_review=True, authors=[cls.mine])

    def test_writer_saves_their_own_draft_with_a_revision(self):
        self.client.force_login(self.writer)
        data = edit_form(self.draft, headline="Sharper headline")
        response = self.client.post(change_url(self.draft), data)
        assert response.status_code == 302
        article = Article.objects.get(pk=self.draft.pk)
        assert (article.headline, article.status, article.version) == (
            "Sharper headline",
            S.DRAFT,
            2,
        )
        revision = article.revisions.get()
        assert revision.data["headline"] == "Sharper headline"
        assert revision.data["tags"] == ["news"]
        assert revision.data["bylines"][0]["author"] == self.mine.pk
        assert revision.created_by == self.writer

    def test_writer_cannot_save_others_work_or_their_own_submitted_work(self):
        self.client.force_login(self.writer)
        # Another writer's draft does not exist for them (the one view rule, docs/security.md);
        # their own submitted work is there but read-only.
        for article, code in [(self.others, 302), (self.in_review, 403)]:
            with self.subTest(article=article.status):
                state = db_state(article)
                response = self.client.post(change_url(article), edit_form(article, headline="X"))
                assert response.status_code == code
                assert db_state(article) == state

    def test_writer_sees_others_published_work_read_only_and_not_their_drafts(self):
        self.client.force_login(self.writer)
        published = ArticleFactory(headline="Someone else's live story")
        response = self.client.get(change_url(published))
        assert response.status_code == 200
        self.assertNotContains(response, 'name="headline"')
        response = self.client.get(change_url(self.others))
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert self.others.headline not in self.client.get("/admin/").content.decode()

    def test_new_article_is_a_draft_created_by_its_writer(self):
        self.client.force_login(self.writer)
        data = article_form(SectionFactory(), self.mine)
        assert self.client.post(reverse("admin:articles_article_add"), data).status_code == 302
        article = Article.objects.get(slug="admin-written-story")
        assert (article.status, article.created_by) == (S.DRAFT, self.writer)
        assert services.is_owner(self.writer, article)


class ForgedPostTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.mine = AuthorFactory(user=cls.writer)
        cls.draft = ready_article(draft=True, authors=[cls.mine])

    def test_status_and_times_are_not_form_fields(self):
        self.client.force_login(self.editor)
        response = self.client.get(change_url(self.draft))
        form = response.context["adminform"].form
        for field in ["status", "published_at", "unpublish_at", "version", "created_by"]:
            assert field not in form.fields
        self.assertContains(response, 'name="loaded_version"')

    def test_forged_status_or_time_is_refused_and_changes_nothing(self):
        forgeries = [
            {"status": S.PUBLISHED},
            {"published_at_0": "2025-01-01", "published_at_1": "09:00"},
            {"unpublish_at": "2025-01-01 09:00"},
            {"version": "99"},
            {"created_by": self.editor.pk},
        ]
        for user in [self.writer, self.editor]:
            self.client.force_login(user)
            for forged in forgeries:
                with self.subTest(user=user.username, forged=forged):
                    state = db_state(self.draft)
                    response = self.client.post(
                        change_url(self.draft), edit_form(self.draft, **forged)
                    )
                    assert response.status_code == 403
                    self.assertContains(response, FORGED_FIELD, status_code=403)
                    assert db_state(self.draft) == state

    def test_missing_version_is_refused(self):
        self.client.force_login(self.writer)
        data = edit_form(self.draft, headline="No version")
        data.pop("loaded_version")
        state = db_state(self.draft)
        assert self.client.post(change_url(self.draft), data).status_code == 403
        assert db_state(self.draft) == state

    def test_writer_forging_a_publish_post_gets_403_and_nothing_changes(self):
        self.client.force_login(self.writer)
        for action in ["publish", "schedule", "unpublish", "send_back", "cancel_schedule"]:
            with self.subTest(action=action):
                state = db_state(self.draft)
                assert self.client.post(transition_url(self.draft, action)).status_code == 403
                assert db_state(self.draft) == state

    def test_unknown_transition_is_404_and_get_is_405(self):
        self.client.force_login(self.editor)
        assert self.client.post(transition_url(self.draft, "teleport")).status_code == 404
        assert self.client.get(transition_url(self.draft, "submit")).status_code == 405


class TransitionButtonsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.mine = AuthorFactory(user=cls.writer)

    def buttons(self, response):
        return {
            action
            for action in services.TRANSITION_FUNCTIONS
            if f'value="{action}"' in response.content.decode()
        }

    def test_change_form_shows_exactly_the_allowed_transitions(self):
        article = ready_article(in_review=True, authors=[self.mine])
        self.client.force_login(self.writer)
        assert self.buttons(self.client.get(change_url(article))) == {"withdraw"}
        self.client.force_login(self.editor)
        assert self.buttons(self.client.get(change_url(article))) == {
            "withdraw",
            "send_back",
            "publish",
            "schedule",
        }

    def test_schedule_fields_name_the_publication_time_zone(self):
        article = ready_article(in_review=True)
        self.client.force_login(self.editor)
        with self.settings(TIME_ZONE="Europe/Berlin"):  # the publication's, until saved
            response = self.client.get(change_url(article))
        self.assertContains(response, "Times are in Europe/Berlin, the publication's time zone")
        self.assertContains(response, "Publish at (Europe/Berlin):")
        self.assertContains(response, 'aria-describedby="schedule-zone"', count=2)

    def test_an_editor_on_a_draft_is_told_why_there_is_no_publish_or_schedule(self):
        article = ready_article(draft=True)
        self.client.force_login(self.editor)
        response = self.client.get(change_url(article))
        assert self.buttons(response) == {"submit"}
        self.assertContains(response, "Every story is reviewed before it goes live")
        self.client.force_login(self.writer)
        mine = ready_article(draft=True, authors=[self.mine])
        self.assertNotContains(self.client.get(change_url(mine)), "Every story is reviewed")

    def test_success_messages_say_what_happened_and_when(self):
        article = ready_article(in_review=True)
        self.client.force_login(self.editor)
        when = datetime(2031, 12, 7, 17, 37, tzinfo=UTC)
        data = {"schedule-publish_at": "2031-12-07 17:37:00"}
        response = self.client.post(transition_url(article, "schedule"), data, follow=True)
        self.assertContains(response, "Scheduled for 7 Dec, 17:37 UTC.")
        assert Article.objects.get(pk=article.pk).published_at == when
        response = self.client.post(transition_url(article, "cancel_schedule"), follow=True)
        self.assertContains(response, "Schedule cancelled: it is a draft again")
        services.submit_for_review(article=article, by=self.editor)
        response = self.client.post(transition_url(article, "publish"), follow=True)
        live = timezone.localtime(Article.objects.get(pk=article.pk).published_at)
        self.assertContains(response, f"Published: live since {live:%-d %b, %H:%M} UTC.")
        self.assertNotContains(response, ": done.")

    def test_editor_schedules_from_the_change_form(self):
        article = ready_article(in_review=True)
        self.client.force_login(self.editor)
        when = timezone.localtime(timezone.now() + timedelta(days=1)).replace(microsecond=0)
        data = {"schedule-publish_at": when.strftime("%Y-%m-%d %H:%M:%S")}
        response = self.client.post(transition_url(article, "schedule"), data)
        assert response.status_code == 302
        article.refresh_from_db()
        assert (article.status, article.published_at) == (S.SCHEDULED, when)

    def test_editor_sends_back_with_a_note_the_writer_then_sees(self):
        article = ready_article(in_review=True, authors=[self.mine])
        self.client.force_login(self.editor)
        self.client.post(transition_url(article, "send_back"), {"note": "Add a source."})
        self.client.force_login(self.writer)
        response = self.client.get(change_url(article))
        self.assertContains(response, "Changes requested")
        self.assertContains(response, "Add a source.")

    def test_failed_checks_are_shown_and_publishing_is_refused(self):
        article = ready_article(in_review=True, tags=[], seo_description="")
        self.client.force_login(self.editor)
        response = self.client.get(change_url(article))
        self.assertContains(response, services.CHECK_TAG)
        # Publish now and Schedule are shown disabled beside the reasons; Send back is not.
        for action in ("publish", "schedule"):
            self.assertContains(
                response,
                f'value="{action}" disabled aria-describedby="prepublish-checks"',
            )
        self.assertContains(response, 'value="send_back">')
        state = db_state(article)
        response = self.client.post(transition_url(article, "publish"), follow=True)
        self.assertContains(response, services.CHECK_TAG)
        assert db_state(article) == state

    def test_changelist_actions_run_transitions_and_report_refusals(self):
        ready = ready_article(in_review=True, headline="Ready one")
        unready = ready_article(in_review=True, tags=[], headline="Unready one")
        self.client.force_login(self.editor)
        response = self.client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "transition_publish", "_selected_action": [ready.pk, unready.pk]},
            follow=True,
        )
        self.assertContains(response, "Publish now: 1 article(s).")
        self.assertContains(response, services.CHECK_TAG)
        assert Article.objects.get(pk=ready.pk).status == S.PUBLISHED
        assert Article.objects.get(pk=unready.pk).status == S.IN_REVIEW

    def test_writer_does_not_get_editor_actions(self):
        self.client.force_login(self.writer)
        response = self.client.get(reverse("admin:articles_article_changelist"))
        actions = {choice[0] for choice in response.context["action_form"].fields["action"].choices}
        assert "transition_submit" in actions
        assert "transition_publish" not in actions
        assert "delete_selected" not in actions


class AuditAndRevisionAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.writer = UserFactory(username="wr", role="Writer")
        article = ready_article(in_review=True, headline="Audited story")
        services.send_back(article=article, by=cls.editor, note="Tighten the intro.")

    def test_site_wide_audit_log_lists_transitions_for_editors(self):
        self.client.force_login(self.editor)
        response = self.client.get(reverse("admin:articles_auditentry_changelist"))
        self.assertContains(response, "Audited story")
        self.assertContains(response, "Tighten the intro.")

    def test_audit_log_is_read_only_and_not_for_writers(self):
        self.client.force_login(self.editor)
        entry = AuditEntry.objects.get()
        assert self.client.get(reverse("admin:articles_auditentry_add")).status_code == 403
        delete = reverse("admin:articles_auditentry_delete", args=[entry.pk])
        assert self.client.post(delete, {"post": "yes"}).status_code == 403
        self.client.force_login(self.writer)
        changelist = reverse("admin:articles_auditentry_changelist")
        assert self.client.get(changelist).status_code == 403
        assert AuditEntry.objects.count() == 1

    def test_revisions_cannot_be_deleted_by_editors(self):
        self.client.force_login(self.editor)
        revision = Revision.objects.get()
        url = reverse("admin:articles_revision_delete", args=[revision.pk])
        assert self.client.post(url, {"post": "yes"}).status_code == 403
        assert Revision.objects.count() == 1
        assert SEO  # the shared fixture text stays in use


class ListActionsWithInputTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.articles = [ready_article(in_review=True) for _ in range(2)]

    def post(self, action, **data):
        self.client.force_login(self.editor)
        payload = {"action": action, "_selected_action": [a.pk for a in self.articles], **data}
        return self.client.post(reverse("admin:articles_article_changelist"), payload)

    def test_schedule_from_the_list_asks_for_the_time_first(self):
        response = self.post("transition_schedule")
        self.assertContains(response, 'type="datetime-local"')
        assert {a.status for a in Article.objects.filter(pk__in=[a.pk for a in self.articles])} == {
            S.IN_REVIEW
        }
        when = timezone.localtime(timezone.now() + timedelta(days=1)).replace(
            second=0, microsecond=0
        )
        response = self.post(
            "transition_schedule", apply="1", publish_at=when.strftime("%Y-%m-%dT%H:%M")
        )
        assert response.status_code == 302
        for article in self.articles:
            article.refresh_from_db()
            assert (article.status, article.published_at) == (S.SCHEDULED, when)

    def test_send_back_from_the_list_needs_a_note(self):
        response = self.post("transition_send_back", apply="1", note="")
        self.assertContains(response, "This field is required.")
        assert not AuditEntry.objects.exists()
        self.post("transition_send_back", apply="1", note="Both need a photo.")
        assert [e.note for e in AuditEntry.objects.all()] == ["Both need a photo."] * 2


class DashboardTests(TestCase):
    def test_writer_dashboard_lists_their_drafts_and_the_review_queue(self):
        writer = UserFactory(username="wr", role="Writer")
        mine = AuthorFactory(user=writer)
        ready_article(draft=True, headline="My own draft", authors=[mine])
        ready_article(draft=True, headline="Someone else's draft")
        ready_article(in_review=True, headline="My waiting story", authors=[mine])
        ready_article(in_review=True, headline="Someone else's waiting story")
        ready_article(scheduled=True, headline="Someone else's tomorrow story")
        ready_article(headline="Live story")
        self.client.force_login(writer)
        response = self.client.get(reverse("admin:articles_article_dashboard"))
        context = response.context
        assert [a.headline for a in context["my_drafts"]] == ["My own draft"]
        # The one view rule (docs/security.md): other writers' unpublished work is not listed.
        assert [a.headline for a in context["in_review"]] == ["My waiting story"]
        assert [a.headline for a in context["scheduled"]] == []
        assert [a.headline for a in context["recent"]] == ["Live story"]
        self.assertNotContains(response, "Someone else")

    def test_ad_managers_have_no_dashboard(self):
        self.client.force_login(UserFactory(username="ads", role="Ad manager"))
        assert self.client.get(reverse("admin:articles_article_dashboard")).status_code == 403
