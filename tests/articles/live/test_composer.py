"""The composer in the admin: its page, and its JSON endpoints (CSRF, staff and role checks,
refusals with the services' messages, two editors at once)."""

import json

from django.test import Client, TestCase

from articles.live.models import EntryStatus, LiveCoverage, LiveEntry
from articles.live.services import STALE_EDIT
from articles.models import AuditEntry
from tests.factories import ArticleFactory, UserFactory

from .helpers import coverage, editor, entry, writer


class ComposerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.second_editor = editor()
        cls.writer = writer()
        cls.article = ArticleFactory(headline="Flood warning")
        cls.live = coverage(cls.article)
        cls.base = f"/admin/live/livecoverage/{cls.live.pk}/composer/"

    def client_for(self, user, csrf=False):
        client = Client(enforce_csrf_checks=csrf)
        client.force_login(user)
        return client

    def post(self, client, url, data, **extra):
        return client.post(url, json.dumps(data), content_type="application/json", **extra)

    def test_change_page_carries_the_composer(self):
        response = self.client_for(self.editor).get(
            f"/admin/live/livecoverage/{self.live.pk}/change/"
        )
        self.assertContains(response, 'id="composer"')
        self.assertContains(response, f'data-post="{self.base}post/"')
        self.assertContains(response, "live/composer.js")

    def test_editor_posts_and_the_stream_shows_it(self):
        client = self.client_for(self.editor)
        response = self.post(
            client,
            self.base + "post/",
            {"headline": "Levee holds", "body": "Water falling.", "publish": True},
        )
        assert response.status_code == 201
        created = LiveEntry.objects.get()
        assert created.status == EntryStatus.PUBLISHED and created.created_by == self.editor
        stream = client.get(self.base).json()
        assert stream["can_publish"] is True
        assert [e["id"] for e in stream["entries"]] == [created.pk]
        assert "Levee holds" in stream["entries"][0]["html"]
        assert stream["entries"][0]["status"] == "published"

    def test_csrf_is_required(self):
        client = self.client_for(self.editor, csrf=True)
        response = self.post(client, self.base + "post/", {"body": "x", "publish": True})
        assert response.status_code == 403
        assert not LiveEntry.objects.exists()
        client.get(f"/admin/live/livecoverage/{self.live.pk}/change/")
        token = client.cookies["csrftoken"].value
        response = self.post(
            client, self.base + "post/", {"body": "x", "publish": True}, HTTP_X_CSRFTOKEN=token
        )
        assert response.status_code == 201

    def test_writer_drafts_but_cannot_publish(self):
        client = self.client_for(self.writer)
        response = self.post(client, self.base + "post/", {"body": "Draft", "publish": True})
        assert response.status_code == 403
        assert response.json() == {"error": "Only editors can publish entries."}
        assert not LiveEntry.objects.exists()
        response = self.post(client, self.base + "post/", {"body": "Draft"})
        assert response.status_code == 201
        draft = LiveEntry.objects.get()
        response = self.post(client, f"{self.base}entries/{draft.pk}/publish/", {})
        assert response.status_code == 403
        draft.refresh_from_db()
        assert draft.status == EntryStatus.DRAFT
        assert client.get(self.base).json()["can_publish"] is False

    def test_readers_and_anonymous_are_kept_out(self):
        reader = UserFactory(is_staff=False)
        for client in [Client(), self.client_for(reader)]:
            response = self.post(client, self.base + "post/", {"body": "x", "publish": True})
            assert response.status_code == 302 and "/login/" in response["Location"]
            assert client.get(self.base).status_code == 302
        staff_without_role = UserFactory()
        response = self.client_for(staff_without_role).get(self.base)
        assert response.status_code == 403
        assert not LiveEntry.objects.exists()

    def test_two_editors_editing_at_once_lose_nothing(self):
        shown = entry(self.live, body="<p>Original</p>")
        first, second = self.client_for(self.editor), self.client_for(self.second_editor)
        url = f"{self.base}entries/{shown.pk}/edit/"
        opened = first.get(self.base).json()["entries"][0]["version"]
        assert self.post(first, url, {"version": opened, "body": "First fix"}).status_code == 200
        response = self.post(second, url, {"version": opened, "body": "Second fix"})
        assert response.status_code == 409
        answer = response.json()
        assert answer["error"] == STALE_EDIT
        assert answer["entry"]["version"] == opened + 1 and "First fix" in answer["entry"]["body"]
        shown.refresh_from_db()
        assert shown.body == "<p>First fix</p>"
        # Saving again against the version now shown is deliberate, and is kept.
        response = self.post(second, url, {"version": opened + 1, "body": "Second fix"})
        assert response.status_code == 200
        shown.refresh_from_db()
        assert shown.body == "<p>Second fix</p>"

    def test_two_editors_posting_at_once_both_get_their_entry(self):
        first, second = self.client_for(self.editor), self.client_for(self.second_editor)
        for client, text in [(first, "From A"), (second, "From B")]:
            payload = {"body": text, "publish": True}
            assert self.post(client, self.base + "post/", payload).status_code == 201
        assert sorted(LiveEntry.objects.values_list("changed_in", flat=True)) == [1, 2]

    def test_pin_key_remove_and_state_through_the_endpoints(self):
        shown = entry(self.live)
        client = self.client_for(self.editor)
        for action, data in [("pin", {"value": True}), ("key", {"value": True}), ("remove", {})]:
            response = self.post(client, f"{self.base}entries/{shown.pk}/{action}/", data)
            assert response.status_code == 200, response.content
        shown.refresh_from_db()
        assert (shown.is_pinned, shown.is_key_event, shown.status) == (True, True, "removed")
        response = self.post(client, self.base + "state/", {"state": "paused"})
        assert response.json()["state"] == "paused"
        assert LiveCoverage.objects.get().state == "paused"
        assert AuditEntry.objects.filter(article=self.article).count() == 4

    def test_bad_input_is_a_clear_error_never_a_500(self):
        shown = entry(self.live)
        client = self.client_for(self.editor)
        before = list(LiveEntry.objects.values())
        cases = [
            (self.base + "post/", "not json", 400),
            (self.base + "post/", [1, 2], 400),
            (self.base + "post/", {"body": ""}, 400),
            (f"{self.base}entries/{shown.pk}/edit/", {"body": "x"}, 400),
            (f"{self.base}entries/{shown.pk}/edit/", {"body": "x", "version": "v"}, 400),
            (f"{self.base}entries/{shown.pk}/explode/", {}, 404),
            (f"{self.base}entries/999999/pin/", {"value": True}, 404),
            (self.base + "state/", {"state": "nonsense"}, 400),
        ]
        for url, data, status in cases:
            with self.subTest(url=url, data=data):
                body = data if isinstance(data, str) else json.dumps(data)
                response = client.post(url, body, content_type="application/json")
                assert response.status_code == status
                if status == 400:
                    assert response.json()["error"]
        assert list(LiveEntry.objects.values()) == before
        assert client.get(self.base + "post/").status_code == 405
