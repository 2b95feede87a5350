"""The live services: who may do what, the transitions, the audit rows, the version readers
poll by, the purges, and refusals that leave the database as it was."""

from datetime import timedelta

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone

from articles.live import jobs, services
from articles.live.models import CoverageState, EntryStatus, LiveCoverage, LiveEntry
from articles.models import Article, AuditEntry
from tests.factories import ArticleFactory, UserFactory
from tests.purge_recorder import PurgeRecorder

from .helpers import coverage, editor, entry, writer


def snapshot():
    """Everything a live service may write."""
    return (
        list(LiveCoverage.objects.values().order_by("pk")),
        list(LiveEntry.objects.values().order_by("pk")),
        AuditEntry.objects.count(),
    )


class StartCoverageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.writer = writer()
        cls.article = ArticleFactory()

    def test_editor_starts_coverage_with_an_audit_row(self):
        live = services.start_coverage(article=self.article, by=self.editor, auto_end_hours=3)
        assert live.state == CoverageState.LIVE and live.auto_end_hours == 3
        assert live.version == 1
        audit = AuditEntry.objects.get(article=self.article)
        assert (audit.action, audit.user, audit.to_status) == ("live_start", self.editor, "live")

    def test_writer_cannot_start_coverage_and_nothing_changes(self):
        before = snapshot()
        with self.assertRaisesMessage(PermissionDenied, services.EDITORS_ONLY):
            services.start_coverage(article=self.article, by=self.writer)
        assert snapshot() == before

    def test_a_second_coverage_of_one_article_is_refused(self):
        services.start_coverage(article=self.article, by=self.editor)
        before = snapshot()
        with self.assertRaisesMessage(ValidationError, services.ALREADY_LIVE):
            services.start_coverage(article=self.article, by=self.editor)
        assert snapshot() == before


class EntryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.writer = writer()
        cls.other_writer = writer()
        cls.reader = UserFactory(is_staff=False)
        cls.live = coverage()

    def test_writer_drafts_an_entry_with_their_byline(self):
        draft = services.post_entry(coverage=self.live, by=self.writer, body="Crowds gather.")
        assert draft.status == EntryStatus.DRAFT and draft.published_at is None
        assert draft.body == "<p>Crowds gather.</p>"
        assert [a.user for a in draft.authors.all()] == [self.writer]
        self.live.refresh_from_db()
        assert self.live.version == 0, "a draft is not a change readers see"
        audit = AuditEntry.objects.get(action="live_entry_post")
        assert audit.to_status == "draft" and audit.user == self.writer

    def test_writer_cannot_publish_unless_the_setting_allows(self):
        before = snapshot()
        with self.assertRaisesMessage(PermissionDenied, services.PUBLISH_REFUSED):
            services.post_entry(coverage=self.live, by=self.writer, body="x", publish=True)
        assert snapshot() == before
        draft = services.post_entry(coverage=self.live, by=self.writer, body="x")
        before = snapshot()
        with self.assertRaisesMessage(PermissionDenied, services.PUBLISH_REFUSED):
            services.publish_entry(entry=draft, by=self.writer)
        assert snapshot() == before
        with override_settings(NEWSROOM_LIVE_WRITERS_PUBLISH=True):
            published = services.publish_entry(entry=draft, by=self.writer)
        assert published.status == EntryStatus.PUBLISHED

    def test_a_reader_account_cannot_post(self):
        before = snapshot()
        with self.assertRaises(PermissionDenied):
            services.post_entry(coverage=self.live, by=self.reader, body="x")
        assert snapshot() == before

    def test_editor_publishes_moves_the_version_and_the_articles_lastmod(self):
        updated = Article.objects.get(pk=self.live.article_id).updated_at
        recorder = PurgeRecorder().__enter__()
        self.addCleanup(recorder.__exit__)
        with (
            override_settings(NEWSROOM_PURGE_URLS=[recorder.url]),
            self.captureOnCommitCallbacks(execute=True),
        ):
            posted = services.post_entry(
                coverage=self.live, by=self.editor, body="<p>Polls close.</p>", publish=True
            )
        self.live.refresh_from_db()
        assert self.live.version == 1 and posted.changed_in == 1
        assert self.live.last_entry_at == posted.published_at
        assert Article.objects.get(pk=self.live.article_id).updated_at > updated
        assert recorder.keys() == {f"live-{self.live.article_id}", "feeds", "sitemaps"}

    def test_empty_body_and_long_headline_are_refused(self):
        before = snapshot()
        with self.assertRaisesMessage(ValidationError, services.EMPTY_BODY):
            services.post_entry(coverage=self.live, by=self.editor, body="<script>x</script>")
        with self.assertRaisesMessage(ValidationError, services.HEADLINE_TOO_LONG):
            services.post_entry(coverage=self.live, by=self.editor, body="x", headline="h" * 201)
        assert snapshot() == before

    def test_body_is_sanitised(self):
        posted = services.post_entry(
            coverage=self.live,
            by=self.editor,
            body='<p onclick="x()">Hi<script>alert(1)</script></p><iframe src="//evil"></iframe>',
        )
        assert posted.body == "<p>Hi</p>"

    def test_stale_edit_is_refused_and_keeps_the_newer_text(self):
        posted = entry(self.live, body="<p>One</p>")
        services.edit_entry(entry=posted, by=self.editor, version=1, body="Two")
        before = snapshot()
        with self.assertRaisesMessage(ValidationError, services.STALE_EDIT):
            services.edit_entry(entry=posted, by=self.editor, version=1, body="Three")
        assert snapshot() == before
        posted.refresh_from_db()
        assert posted.body == "<p>Two</p>" and posted.version == 2 and posted.edited_at

    def test_writer_changes_only_their_own_drafts(self):
        mine = services.post_entry(coverage=self.live, by=self.writer, body="Mine")
        published = entry(self.live)
        before = snapshot()
        with self.assertRaisesMessage(PermissionDenied, services.NOT_YOUR_ENTRY):
            services.edit_entry(entry=mine, by=self.other_writer, version=1, body="Theirs")
        with self.assertRaisesMessage(PermissionDenied, services.NOT_YOUR_ENTRY):
            services.remove_entry(entry=published, by=self.writer)
        assert snapshot() == before
        edited = services.edit_entry(entry=mine, by=self.writer, version=1, body="Mine, fixed")
        assert edited.body == "<p>Mine, fixed</p>"

    def test_pin_key_and_remove_are_audited_and_seen_by_readers(self):
        posted = entry(self.live)
        services.set_pinned(entry=posted, by=self.editor, value=True)
        services.set_key_event(entry=posted, by=self.editor, value=True)
        removed = services.remove_entry(entry=posted, by=self.editor)
        assert removed.status == EntryStatus.REMOVED
        actions = list(
            AuditEntry.objects.order_by("pk").values_list("action", "from_status", "to_status")
        )
        assert actions == [
            ("live_entry_pin", "published", "published"),
            ("live_entry_key", "published", "published"),
            ("live_entry_remove", "published", "removed"),
        ]
        self.live.refresh_from_db()
        assert self.live.version == 3
        before = snapshot()
        with self.assertRaisesMessage(ValidationError, services.REMOVED_FINAL):
            services.set_pinned(entry=removed, by=self.editor, value=False)
        assert snapshot() == before

    def test_no_publishing_on_ended_coverage(self):
        services.set_state(coverage=self.live, state=CoverageState.ENDED, by=self.editor)
        before = snapshot()
        with self.assertRaisesMessage(ValidationError, services.COVERAGE_ENDED):
            services.post_entry(coverage=self.live, by=self.editor, body="x", publish=True)
        assert snapshot() == before


class StateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.writer = writer()
        cls.live = coverage()

    def test_pause_end_and_reopen(self):
        services.set_state(coverage=self.live, state="paused", by=self.editor)
        ended = services.set_state(coverage=self.live, state="ended", by=self.editor)
        assert ended.ended_at is not None
        reopened = services.set_state(coverage=self.live, state="live", by=self.editor)
        assert reopened.ended_at is None and reopened.version == 3
        assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
            "live_paused",
            "live_ended",
            "live_live",
        ]

    def test_refused_transitions_leave_everything(self):
        before = snapshot()
        with self.assertRaises(ValidationError):
            services.set_state(coverage=self.live, state="live", by=self.editor)
        with self.assertRaises(ValidationError):
            services.set_state(coverage=self.live, state="bogus", by=self.editor)
        with self.assertRaisesMessage(PermissionDenied, services.EDITORS_ONLY):
            services.set_state(coverage=self.live, state="ended", by=self.writer)
        assert snapshot() == before


class AutoEndTests(TestCase):
    def test_the_job_ends_coverage_quiet_for_its_hours(self):
        quiet = coverage(auto_end_hours=2)
        busy = coverage(auto_end_hours=2)
        forever = coverage(auto_end_hours=0)
        LiveCoverage.objects.filter(pk=quiet.pk).update(
            last_entry_at=timezone.now() - timedelta(hours=3)
        )
        LiveCoverage.objects.filter(pk=busy.pk).update(
            last_entry_at=timezone.now() - timedelta(hours=1)
        )
        with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
            assert jobs.end_stale_coverage() == 1
        states = dict(LiveCoverage.objects.values_list("pk", "state"))
        assert states == {quiet.pk: "ended", busy.pk: "live", forever.pk: "live"}
        audit = AuditEntry.objects.get(action="live_ended")
        assert audit.user is None and "2 hours" in audit.note


class PurgeOutsideServicesTests(TestCase):
    def test_a_save_in_the_shell_or_admin_purges_the_stream(self):
        live = coverage()
        recorder = PurgeRecorder().__enter__()
        self.addCleanup(recorder.__exit__)
        with (
            override_settings(NEWSROOM_PURGE_URLS=[recorder.url]),
            self.captureOnCommitCallbacks(execute=True),
        ):
            entry(live, body="<p>Typed in a shell</p>")
        assert f"live-{live.article_id}" in recorder.keys()


class ProxyPurgeDelayTests(TestCase):
    def test_varnish_is_purged_a_moment_after_the_commit_the_page_cache_at_once(self):
        live = coverage()
        by = editor()
        queue = {
            "default": {
                "BACKEND": "django.tasks.backends.dummy.DummyBackend",
                "QUEUES": ["default", "images"],
            }
        }
        with override_settings(
            TASKS=queue,
            NEWSROOM_LIVE_PROXY_PURGE_DELAY=1.5,
            NEWSROOM_PURGE_URLS=["http://127.0.0.1:9/"],
        ):
            from django.tasks import task_backends

            with self.captureOnCommitCallbacks(execute=True):
                services.post_entry(coverage=live, by=by, body="x", publish=True)
            committed = timezone.now()
            queued = task_backends["default"].results
        assert [r.task.name for r in queued] == ["purge_proxies"]
        assert queued[0].args == [["feeds", f"live-{live.article_id}", "sitemaps"]]
        wait = (queued[0].task.run_after - committed).total_seconds()
        assert 1.0 < wait <= 1.5
