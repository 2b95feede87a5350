"""Breaking alerts: the services (permissions, audit rows, safe links), the shared endpoint
(section, window, cache lifetime never past an expiry or start, purged alone), and the slot
every page carries (also from the page cache, which an alert never purges)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings

from articles.alerts import services
from articles.alerts.models import Alert, AlertEvent
from tests.factories import ArticleFactory, SectionFactory, UserFactory
from tests.purge_recorder import PurgeRecorder

NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
PAGE_CACHE_ON = override_settings(NEWSROOM_PAGE_CACHE=True)


def state():
    return (
        list(Alert.objects.order_by("pk").values_list("text", "url", "starts_at", "expires_at")),
        AlertEvent.objects.count(),
    )


@time_machine.travel(NOW, tick=False)
class AlertServiceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="alerteditor", role="Editor")
        cls.writer = UserFactory(username="alertwriter", role="Writer")

    def make(self, **kwargs):
        kwargs = {"by": self.editor, "text": "Quake hits the coast", "url": "/quake/",
                  "expires_at": NOW + timedelta(hours=2), **kwargs}  # fmt: skip
        return services.create_alert(**kwargs)

    def test_an_editor_sets_an_alert_with_an_audit_row(self):
        alert = self.make()
        assert (alert.starts_at, alert.created_by) == (NOW, self.editor)
        event = AlertEvent.objects.get()
        assert (event.alert, event.action, event.by) == (alert, "created", self.editor)

    def test_a_writer_cannot_set_change_end_or_delete_and_nothing_changes(self):
        alert = self.make()
        before = state()
        for call in [
            lambda: self.make(by=self.writer),
            lambda: services.update_alert(alert=alert, by=self.writer, text="Hacked"),
            lambda: services.end_alert(alert=alert, by=self.writer),
            lambda: services.delete_alert(alert=alert, by=self.writer),
        ]:
            with pytest.raises(PermissionDenied):
                call()
        assert state() == before

    def test_links_must_be_local_paths_or_http(self):
        for url in ["/2026/12/08/story/", "https://example.com/a?b=1", "http://example.com"]:
            assert services.validate_link(url) == url
        bad = ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:x", "//evil.example/",
               "data:text/html,x", "ftp://example.com/", "https://", "/a b", "/\\evil",
               "mailto:x"]  # fmt: skip
        before = state()
        for url in bad:
            with self.subTest(url=url), pytest.raises(ValidationError, match="link"):
                self.make(url=url)
        assert state() == before

    def test_an_alert_must_expire_after_it_starts(self):
        with pytest.raises(ValidationError, match="expire after"):
            self.make(starts_at=NOW, expires_at=NOW)
        assert state() == ([], 0)

    def test_change_end_and_delete_are_audited(self):
        alert = self.make(starts_at=NOW - timedelta(hours=1))
        alert = services.update_alert(alert=alert, by=self.editor, text="Quake: 3 dead")
        services.end_alert(alert=alert, by=self.editor)
        alert.refresh_from_db()
        assert alert.expires_at == NOW and not alert.is_active(NOW)
        with pytest.raises(ValidationError, match="already expired"):
            services.end_alert(alert=alert, by=self.editor)
        services.delete_alert(alert=alert, by=self.editor)
        actions = list(AlertEvent.objects.order_by("pk").values_list("action", "alert_text"))
        assert actions == [("created", "Quake hits the coast"), ("changed", "Quake: 3 dead"),
                           ("ended", "Quake: 3 dead"), ("deleted", "Quake: 3 dead")]  # fmt: skip
        assert Alert.objects.count() == 0

    def test_a_change_purges_the_alerts_endpoint_and_nothing_else(self):
        with PurgeRecorder() as proxy, override_settings(NEWSROOM_PURGE_URLS=[proxy.url]):
            with self.captureOnCommitCallbacks(execute=True):
                alert = self.make()
            with self.captureOnCommitCallbacks(execute=True):
                services.update_alert(alert=alert, by=self.editor, text="Update")
            assert proxy.purges == [{"alerts"}, {"alerts"}]


@PAGE_CACHE_ON
class AlertEndpointTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = SectionFactory(slug="world", name="World")
        cls.sport = SectionFactory(slug="sport", name="Sport")
        cls.article = ArticleFactory(section=cls.world)
        Alert.objects.create(text="Everywhere now", starts_at=NOW - timedelta(hours=1),
                             expires_at=NOW + timedelta(minutes=30), url="/x/")  # fmt: skip
        Alert.objects.create(text="World only", section=cls.world,
                             starts_at=NOW - timedelta(hours=2),
                             expires_at=NOW + timedelta(hours=3))  # fmt: skip
        Alert.objects.create(text="Not yet", starts_at=NOW + timedelta(minutes=7),
                             expires_at=NOW + timedelta(hours=1))  # fmt: skip
        Alert.objects.create(text="Over", starts_at=NOW - timedelta(hours=3),
                             expires_at=NOW - timedelta(seconds=1))  # fmt: skip

    def get(self):
        return self.client.get("/alerts/current.json")

    def test_only_active_alerts_with_their_sections_are_served(self):
        with time_machine.travel(NOW, tick=False):
            response = self.get()
        alerts = response.json()["alerts"]
        assert [(a["text"], a["section"], a["url"]) for a in alerts] == [
            ("Everywhere now", None, "/x/"), ("World only", "world", "")
        ]  # fmt: skip
        assert "Not yet" not in response.content.decode()
        assert "Over" not in response.content.decode()

    def test_the_cache_lifetime_never_outlives_the_next_start_or_expiry(self):
        with time_machine.travel(NOW, tick=False):
            response = self.get()
        # "Not yet" starts in 7 minutes: no cache may keep this answer longer.
        assert response["Cache-Control"] == (
            "public, max-age=0, s-maxage=420, stale-while-revalidate=0, stale-if-error=0"
        )
        assert response["Surrogate-Key"] == "alerts all"
        with time_machine.travel(NOW + timedelta(minutes=25), tick=False):
            response = self.get()  # "Everywhere now" expires in 5 minutes
        assert (
            "s-maxage=300, stale-while-revalidate=0, stale-if-error=0" in response["Cache-Control"]
        )
        assert [a["text"] for a in response.json()["alerts"]] != []

    def test_an_alert_disappears_by_itself_at_expiry_even_from_the_page_cache(self):
        with time_machine.travel(NOW + timedelta(minutes=25), tick=False):
            assert "Everywhere now" in self.get().content.decode()
            assert self.get()["X-Page-Cache"] == "hit"
        with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
            response = self.get()
        assert response["X-Page-Cache"] == "miss"
        assert "Everywhere now" not in response.content.decode()
        with time_machine.travel(NOW + timedelta(minutes=7), tick=False):
            assert "Not yet" in self.get().content.decode()  # it starts on time too

    def test_a_new_alert_reaches_cached_pages_without_purging_them(self):
        editor = UserFactory(username="alerteditor2", role="Editor")
        url = self.article.get_absolute_url()
        first = self.client.get(url)
        assert 'data-src="/alerts/current.json"' in first.content.decode()
        assert 'data-section="world"' in first.content.decode()
        with self.captureOnCommitCallbacks(execute=True):
            services.create_alert(
                by=editor, text="Fresh alert", expires_at=NOW + timedelta(days=9999)
            )
        page = self.client.get(url)
        assert page["X-Page-Cache"] == "hit" and page.content == first.content
        assert "Fresh alert" in self.get().content.decode()

    def test_pages_name_their_section_for_the_banner_script(self):
        home = self.client.get("/").content.decode()
        assert 'data-section=""' in home
        section = self.client.get("/sections/sport/").content.decode()
        assert 'data-section="sport"' in section
        assert '<script src="/static/alerts/alerts.js" defer></script>' in home
