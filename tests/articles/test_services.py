from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone

from articles import services
from articles.media.models import Image
from articles.models import Article, AuditEntry, Revision
from tests.factories import ArticleFactory, AuthorFactory, UserFactory

S = Article.Status
SEO = "A search description that is comfortably longer than fifty characters."
STATUS_TRAITS = {
    S.DRAFT: {"draft": True},
    S.IN_REVIEW: {"in_review": True},
    S.SCHEDULED: {"scheduled": True},
    S.PUBLISHED: {},
    S.UNPUBLISHED: {"unpublished": True},
}
# What each role may do from each status (everything else must be refused).
EXPECTED = {
    "writer_own": {S.DRAFT: {"submit"}, S.IN_REVIEW: {"withdraw"}},
    "writer_other": {},
    "editor": {
        S.DRAFT: {"submit"},
        S.IN_REVIEW: {"withdraw", "send_back", "publish", "schedule"},
        S.SCHEDULED: {"cancel_schedule"},
        S.PUBLISHED: {"unpublish"},
        S.UNPUBLISHED: {"publish", "revert_to_draft"},
    },
    "ad_manager": {},
}


def ready_article(**kwargs):
    """An article that passes the pre-publish checks."""
    kwargs.setdefault("tags", ["news"])
    kwargs.setdefault("seo_description", SEO)
    return ArticleFactory(**kwargs)


def call(action, article, user):
    kwargs = {}
    if action == "send_back":
        kwargs["note"] = "Needs a second source."
    if action == "schedule":
        kwargs["publish_at"] = timezone.now() + timedelta(days=2)
    return services.TRANSITION_FUNCTIONS[action](article=article, by=user, **kwargs)


def db_state(article):
    """Everything a refused action must leave untouched."""
    row = Article.objects.filter(pk=article.pk).values().get()
    row.pop("updated_at")
    return row, Revision.objects.count(), AuditEntry.objects.count()


class TransitionTableTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.other_writer = UserFactory(username="wr2", role="Writer")
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.ad_manager = UserFactory(username="ads", role="Ad manager")
        cls.writer_author = AuthorFactory(user=cls.writer)
        cls.users = {
            "writer_own": cls.writer,
            "writer_other": cls.other_writer,
            "editor": cls.editor,
            "ad_manager": cls.ad_manager,
        }

    def test_every_role_status_and_action_is_allowed_or_refused_as_the_table_says(self):
        for role, user in self.users.items():
            for status, traits in STATUS_TRAITS.items():
                for action, transition in services.TRANSITIONS.items():
                    if transition.who == services.SYSTEM:
                        continue
                    with self.subTest(role=role, status=status, action=action):
                        article = ready_article(authors=[self.writer_author], **traits)
                        allowed = action in EXPECTED[role].get(status, set())
                        assert services.may(user, action, article) is allowed
                        if allowed:
                            before = AuditEntry.objects.count()
                            call(action, article, user)
                            article.refresh_from_db()
                            assert article.status == transition.target
                            assert AuditEntry.objects.count() == before + 1
                            entry = AuditEntry.objects.first()
                            assert (entry.action, entry.from_status, entry.user) == (
                                action,
                                status,
                                user,
                            )
                            assert article.revisions.first().data["status"] == article.status
                        else:
                            state = db_state(article)
                            with pytest.raises((PermissionDenied, ValidationError)):
                                call(action, article, user)
                            assert db_state(article) == state

    def test_writer_owns_an_article_they_created_without_a_byline(self):
        article = ready_article(draft=True, created_by=self.other_writer)
        services.submit_for_review(article=article, by=self.other_writer)
        assert Article.objects.get(pk=article.pk).status == S.IN_REVIEW

    def test_writer_cannot_publish(self):
        article = ready_article(in_review=True, authors=[self.writer_author])
        with pytest.raises(PermissionDenied, match=services.EDITORS_ONLY):
            services.publish_now(article=article, by=self.writer)
        assert Article.objects.get(pk=article.pk).status == S.IN_REVIEW

    def test_allowed_actions_lists_exactly_what_the_user_may_do(self):
        article = ready_article(in_review=True, authors=[self.writer_author])
        assert services.allowed_actions(self.writer, article) == ["withdraw"]
        assert services.allowed_actions(self.editor, article) == [
            "withdraw",
            "send_back",
            "publish",
            "schedule",
        ]
        assert services.allowed_actions(self.ad_manager, article) == []


class TransitionRulesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.author = AuthorFactory(user=cls.writer)

    def test_send_back_needs_a_note(self):
        article = ready_article(in_review=True)
        state = db_state(article)
        with pytest.raises(ValidationError, match=services.NOTE_REQUIRED):
            services.send_back(article=article, by=self.editor, note="  ")
        assert db_state(article) == state

    def test_send_back_keeps_the_note_in_the_audit_log(self):
        article = ready_article(in_review=True)
        services.send_back(article=article, by=self.editor, note="Check the figures.")
        entry = article.audit_entries.get()
        assert (entry.to_status, entry.note) == (S.DRAFT, "Check the figures.")

    def test_schedule_needs_a_future_time_and_unpublish_after_it(self):
        article = ready_article(in_review=True)
        state = db_state(article)
        with pytest.raises(ValidationError, match=services.PUBLISH_AT_REQUIRED):
            services.schedule(article=article, by=self.editor, publish_at=timezone.now())
        later = timezone.now() + timedelta(days=1)
        with pytest.raises(ValidationError, match=services.UNPUBLISH_BEFORE_PUBLISH):
            services.schedule(article=article, by=self.editor, publish_at=later, unpublish_at=later)
        assert db_state(article) == state

    def test_publish_is_refused_until_the_pre_publish_checks_pass(self):
        article = ArticleFactory(in_review=True, seo_description="Too short.")
        state = db_state(article)
        with pytest.raises(ValidationError) as excinfo:
            services.publish_now(article=article, by=self.editor)
        assert services.CHECK_TAG in excinfo.value.messages
        assert services.CHECK_SEO.format(length=10) in excinfo.value.messages
        assert db_state(article) == state
        article.tags.set(["fixed"])
        Article.objects.filter(pk=article.pk).update(seo_description=SEO)
        services.publish_now(article=article, by=self.editor)
        assert Article.objects.published().filter(pk=article.pk).exists()

    def test_every_pre_publish_check_has_a_message(self):
        article = Article(headline=" ", slug="", standfirst="")
        problems = services.prepublish_problems(article)
        for message in [
            services.CHECK_HEADLINE,
            services.CHECK_SLUG,
            services.CHECK_SECTION,
            services.CHECK_AUTHOR,
            services.CHECK_TAG,
        ]:
            assert message in problems

    def test_image_without_alt_text_fails_the_checks(self):
        article = Article(headline="H", slug="h", lead_image=Image(alt_text="  ", file="x.jpg"))
        assert services.CHECK_ALT in services.prepublish_problems(article)

    def test_publish_sets_the_time_and_first_published(self):
        article = ready_article(in_review=True)
        services.publish_now(article=article, by=self.editor)
        article.refresh_from_db()
        assert article.first_published_at == article.published_at
        assert article.published_at <= timezone.now()

    def test_republishing_keeps_the_original_date(self):
        article = ready_article(in_review=True)
        services.publish_now(article=article, by=self.editor)
        services.unpublish(article=article, by=self.editor)
        first = Article.objects.get(pk=article.pk).published_at
        services.publish_now(article=article, by=self.editor)
        assert Article.objects.get(pk=article.pk).published_at == first

    def test_each_transition_bumps_the_version(self):
        article = ready_article(draft=True, authors=[self.author])
        services.submit_for_review(article=article, by=self.writer)
        assert Article.objects.get(pk=article.pk).version == 2 == article.version

    def test_stale_object_cannot_move_an_article_twice(self):
        article = ready_article(in_review=True)
        stale = Article.objects.get(pk=article.pk)
        services.publish_now(article=article, by=self.editor)
        with pytest.raises(ValidationError):
            services.publish_now(article=stale, by=self.editor)
        assert article.audit_entries.count() == 1


class NotificationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="wr", role="Writer", email="wr@example.com")
        cls.editor = UserFactory(username="ed", role="Editor", email="ed@example.com")
        cls.author = AuthorFactory(user=cls.writer)

    def test_submitting_mails_the_editors_after_commit(self):
        article = ready_article(draft=True, authors=[self.author])
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            services.submit_for_review(article=article, by=self.writer)
        assert mail.outbox == []
        for callback in callbacks:
            callback()
        assert [m.to for m in mail.outbox] == [["ed@example.com"]]
        assert "Ready for review" in mail.outbox[0].subject

    def test_sending_back_and_publishing_mail_the_writers_on_the_byline(self):
        article = ready_article(in_review=True, authors=[self.author])
        with self.captureOnCommitCallbacks(execute=True):
            services.send_back(article=article, by=self.editor, note="More quotes.")
        assert mail.outbox[-1].to == ["wr@example.com"]
        assert "More quotes." in mail.outbox[-1].body
        with self.captureOnCommitCallbacks(execute=True):
            services.submit_for_review(article=article, by=self.writer)
            services.publish_now(article=article, by=self.editor)
        assert mail.outbox[-1].to == ["wr@example.com"]
        assert "Published" in mail.outbox[-1].subject

    def test_mail_names_the_publication_and_links_its_canonical_address(self):
        from articles.publication import save_publication
        from articles.publication.models import Publication

        with self.captureOnCommitCallbacks(execute=True):
            save_publication(
                publication=Publication(name="Example Gazette", base_url="https://news.example")
            )
        article = ready_article(in_review=True, authors=[self.author])
        with self.captureOnCommitCallbacks(execute=True):
            services.publish_now(article=article, by=self.editor)
        assert mail.outbox[-1].subject == f"[Example Gazette] Published: {article.headline}"
        assert f"https://news.example{article.get_absolute_url()}" in mail.outbox[-1].body

    def test_a_refused_transition_sends_nothing(self):
        article = ready_article(draft=True)
        with self.captureOnCommitCallbacks(execute=True), pytest.raises(PermissionDenied):
            services.publish_now(article=article, by=self.writer)
        assert mail.outbox == []


class ScheduleBoundaryTests(TestCase):
    """Visibility follows the clock even if no scheduler ran."""

    def test_invisible_one_second_before_and_visible_one_second_after(self):
        publish_at = timezone.datetime(2030, 3, 31, 1, 30, tzinfo=timezone.UTC)
        editor = UserFactory(username="ed", role="Editor")
        with time_machine.travel(publish_at - timedelta(days=1), tick=False):
            article = ready_article(in_review=True)
            services.schedule(article=article, by=editor, publish_at=publish_at)
        url = article.get_absolute_url()
        with time_machine.travel(publish_at - timedelta(seconds=1), tick=False):
            assert not Article.objects.published().filter(pk=article.pk).exists()
            assert self.client.get(url).status_code == 404
        with time_machine.travel(publish_at + timedelta(seconds=1), tick=False):
            assert Article.objects.published().filter(pk=article.pk).exists()
            assert self.client.get(url).status_code == 200

    def test_boundary_holds_in_a_non_utc_zone(self):
        with self.settings(TIME_ZONE="Europe/Berlin"):
            publish_at = timezone.datetime(2030, 10, 27, 2, 30, tzinfo=timezone.UTC)
            article = ready_article(scheduled=True, published_at=publish_at)
            with time_machine.travel(publish_at - timedelta(seconds=1), tick=False):
                assert self.client.get(article.get_absolute_url()).status_code == 404
            with time_machine.travel(publish_at + timedelta(seconds=1), tick=False):
                assert self.client.get(article.get_absolute_url()).status_code == 200
