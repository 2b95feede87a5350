"""Writes with keys: the permission matrix (key scopes × roles × actions), version conflicts,
the audit log, image uploads, and keys themselves (hashed, shown once, revoked, rate-limited)."""

import hashlib
from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.test import TestCase
from django.utils import timezone

from articles.api.models import ApiKey
from articles.api.services import revoke_api_key
from articles.models import Article, AuditEntry
from tests.articles.api.helpers import admin_user, bearer, key_for
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    SectionFactory,
    UserFactory,
    image_file,
    library_image,
)

READY = {
    "standfirst": "A standfirst long enough to pass the pre-publish search description check.",
    "tags": ["Ports"],
}


def ready_article(**fields):
    article = ArticleFactory(in_review=True, tags=READY["tags"], standfirst=READY["standfirst"],
                             **fields)  # fmt: skip
    return article


class Matrix(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory()
        cls.users = {
            "writer": UserFactory(username="w", role="Writer"),
            "editor": UserFactory(username="e", role="Editor"),
            "ad_manager": UserFactory(username="a", role="Ad manager"),
        }
        for user in cls.users.values():
            AuthorFactory(user=user)

    def post(self, url, token, data=None, method="post"):
        return getattr(self.client, method)(
            url, data or {}, content_type="application/json", **bearer(token)
        )

    def test_the_matrix(self):
        """(role, key scope, action) → status, each on a fresh article; a refusal leaves the
        article exactly as it was."""
        expected = {
            # action: {role: status with a write key}; without the write scope: 403
            "create": {"writer": 201, "editor": 201, "ad_manager": 403},
            "edit_own_draft": {"writer": 200, "editor": 200, "ad_manager": 404},
            "edit_others_draft": {"writer": 404, "editor": 200, "ad_manager": 404},
            "submit_own": {"writer": 200, "editor": 200, "ad_manager": 404},
            "publish_own": {"writer": 403, "editor": 200, "ad_manager": 404},
            "schedule_own": {"writer": 403, "editor": 200, "ad_manager": 404},
            "unpublish": {"writer": 403, "editor": 200, "ad_manager": 403},
            "upload": {"writer": 201, "editor": 201, "ad_manager": 403},
        }
        for role, user in self.users.items():
            _, write = key_for(user, write=True, drafts=True)
            _, read_only = key_for(user, drafts=True)
            for action, statuses in expected.items():
                for token, scope in [(write, "write"), (read_only, "read")]:
                    with self.subTest(role=role, action=action, scope=scope):
                        want = statuses[role] if scope == "write" else 403
                        send, article = self.prepare(action, user, token)
                        before = self.state(article)
                        got = send().status_code
                        assert got == want, (role, action, scope, got)
                        if got >= 400:
                            assert self.state(article) == before

    @staticmethod
    def state(article):
        if article is None:
            return Article.objects.count()
        return Article.objects.filter(pk=article.pk).values().get()

    def prepare(self, action, user, token):
        other = self.users["editor" if user != self.users["editor"] else "writer"]
        url = "/api/v1/articles"
        if action == "create":
            return lambda: self.post(
                url, token, {"headline": "New", "section": self.section.pk}
            ), None
        if action == "upload":
            return lambda: self.client.post(
                "/api/v1/images", {"file": image_file(), "alt_text": "x"}, **bearer(token)
            ), None
        if action in ("edit_own_draft", "edit_others_draft"):
            owner = user if action == "edit_own_draft" else other
            article = ArticleFactory(draft=True, created_by=owner)
            data = {"version": article.version, "headline": "Changed"}
            return lambda: self.post(f"{url}/{article.pk}", token, data, method="patch"), article
        if action == "submit_own":
            article = ArticleFactory(draft=True, created_by=user)
            return lambda: self.post(f"{url}/{article.pk}/submit", token), article
        if action == "unpublish":
            article = ArticleFactory()
            return lambda: self.post(f"{url}/{article.pk}/unpublish", token), article
        article = ready_article(created_by=user)
        if action == "publish_own":
            return lambda: self.post(f"{url}/{article.pk}/publish", token), article
        at = (timezone.now() + timedelta(days=1)).isoformat()
        return lambda: self.post(f"{url}/{article.pk}/schedule", token, {"publish_at": at}), article


class WriteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="writer", role="Writer")
        cls.editor = UserFactory(username="editor", role="Editor")
        cls.author = AuthorFactory(user=cls.writer)
        cls.section = SectionFactory()
        cls.image = library_image()
        _, cls.writer_token = key_for(cls.writer, write=True, drafts=True)
        _, cls.editor_token = key_for(cls.editor, write=True, drafts=True)

    def send(self, method, url, token, data=None):
        return getattr(self.client, method)(
            url, data or {}, content_type="application/json", **bearer(token)
        )

    def test_a_draft_goes_from_key_to_live_through_the_services(self):
        created = self.send("post", "/api/v1/articles", self.writer_token, {
            "headline": "Harbour reopens", "section": self.section.pk, "tags": ["Ports"],
            "standfirst": READY["standfirst"], "lead_image": self.image.pk,
            "body": "<p>Hi</p><script>alert(1)</script>",
        })  # fmt: skip
        assert created.status_code == 201, created.content
        data = created.json()
        assert data["status"] == "draft" and data["slug"] == "harbour-reopens"
        assert "<script>" not in data["body_html"]
        assert data["bylines"][0]["id"] == self.author.pk
        article = Article.objects.get(pk=data["id"])
        assert article.created_by == self.writer
        submitted = self.send("post", f"/api/v1/articles/{article.pk}/submit", self.writer_token)
        assert submitted.json()["status"] == "in_review"
        live = self.send("post", f"/api/v1/articles/{article.pk}/publish", self.editor_token,
                         {"version": submitted.json()["version"]})  # fmt: skip
        assert live.status_code == 200 and live.json()["status"] == "published"
        assert self.client.get(f"/api/v1/articles/{article.pk}").status_code == 200
        actions = list(
            AuditEntry.objects.filter(article=article)
            .order_by("pk")
            .values_list("action", "user__username")
        )
        assert actions == [("create", "writer"), ("submit", "writer"), ("publish", "editor")]

    def test_a_stale_edit_gets_409_with_the_current_version(self):
        article = ArticleFactory(draft=True, created_by=self.writer)
        first = self.send("patch", f"/api/v1/articles/{article.pk}", self.writer_token,
                          {"version": article.version, "headline": "One"})  # fmt: skip
        assert first.status_code == 200 and first.json()["version"] == article.version + 1
        stale = self.send("patch", f"/api/v1/articles/{article.pk}", self.writer_token,
                          {"version": article.version, "headline": "Two"})  # fmt: skip
        assert stale.status_code == 409
        assert stale["Content-Type"] == "application/problem+json"
        assert stale.json()["current_version"] == article.version + 1
        article.refresh_from_db()
        assert article.headline == "One"
        step = self.send("post", f"/api/v1/articles/{article.pk}/submit", self.writer_token,
                         {"version": 1})  # fmt: skip
        assert step.status_code == 409

    def test_withdraw_send_back_and_cancel_a_schedule(self):
        mine = ArticleFactory(in_review=True, created_by=self.writer)
        url = f"/api/v1/articles/{mine.pk}"
        response = self.send("post", f"{url}/withdraw", self.writer_token)
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "draft"
        assert Article.objects.get(pk=mine.pk).status == Article.Status.DRAFT

        mine.refresh_from_db()
        Article.objects.filter(pk=mine.pk).update(status=Article.Status.IN_REVIEW)
        refused = self.send("post", f"{url}/send-back", self.writer_token, {"note": "Fix it"})
        assert refused.status_code == 403
        assert Article.objects.get(pk=mine.pk).status == Article.Status.IN_REVIEW
        no_note = self.send("post", f"{url}/send-back", self.editor_token, {"note": "  "})
        assert no_note.status_code == 422
        assert no_note["Content-Type"] == "application/problem+json"
        assert Article.objects.get(pk=mine.pk).status == Article.Status.IN_REVIEW
        sent = self.send("post", f"{url}/send-back", self.editor_token, {"note": "Add a source"})
        assert sent.status_code == 200 and sent.json()["status"] == "draft"
        entry = AuditEntry.objects.filter(article=mine).latest("pk")
        assert entry.action == "send_back" and entry.note == "Add a source"
        assert entry.user == self.editor

        scheduled = ready_article(created_by=self.writer)
        at = (timezone.now() + timedelta(days=1)).isoformat()
        surl = f"/api/v1/articles/{scheduled.pk}"
        assert self.send("post", f"{surl}/schedule", self.editor_token,
                         {"publish_at": at}).status_code == 200  # fmt: skip
        assert self.send("post", f"{surl}/cancel-schedule", self.writer_token).status_code == 403
        assert Article.objects.get(pk=scheduled.pk).status == Article.Status.SCHEDULED
        cancelled = self.send("post", f"{surl}/cancel-schedule", self.editor_token)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "draft"

    def test_editors_add_corrections_to_live_articles(self):
        live = ArticleFactory()
        url = f"/api/v1/articles/{live.pk}/corrections"
        text = "An earlier version misnamed the harbour master."
        refused = self.send("post", url, self.writer_token, {"text": text})
        assert refused.status_code in (403, 404)
        assert not live.corrections.exists()
        bad_input = [
            ({"text": ""}, 400),
            ({"text": text, "kind": "rumour"}, 400),
            ({"text": " "}, 422),
        ]
        for bad, status in bad_input:
            response = self.send("post", url, self.editor_token, bad)
            assert response.status_code == status, (bad, response.content)
            assert not live.corrections.exists()
        response = self.send("post", url, self.editor_token, {"text": text, "kind": "update"})
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["text"] == text and data["kind"] == "update"
        assert data["article"]["id"] == live.pk
        note = live.corrections.get()
        assert note.created_by == self.editor and note.kind == "update"
        assert AuditEntry.objects.filter(article=live, action="correction").exists()
        draft = ArticleFactory(draft=True, created_by=self.editor)
        not_live = self.send(
            "post", f"/api/v1/articles/{draft.pk}/corrections", self.editor_token, {"text": text}
        )
        assert not_live.status_code == 422 and not draft.corrections.exists()

    def test_edits_record_a_revision_and_an_audit_entry(self):
        article = ArticleFactory(draft=True, created_by=self.writer)
        self.send(
            "patch",
            f"/api/v1/articles/{article.pk}",
            self.writer_token,
            {"version": article.version, "tags": ["A", "B"], "authors": [self.author.pk]},
        )
        article.refresh_from_db()
        assert [t.name for t in article.ordered_tags] == ["A", "B"]
        assert article.revisions.filter(reason="Edited", created_by=self.writer).exists()
        assert AuditEntry.objects.filter(article=article, action="edit", user=self.writer).exists()

    def test_refusals_are_problems(self):
        article = ArticleFactory(draft=True, created_by=self.writer)
        cases = [
            ("post", "/api/v1/articles", {"headline": "x", "section": 999999}, 422),
            ("post", "/api/v1/articles", {"headline": "x\x00", "section": self.section.pk}, 400),
            ("post", "/api/v1/articles", {"headline": "x", "section": "politics"}, 400),
            ("post", f"/api/v1/articles/{article.pk}/publish", {}, 403),
            ("post", f"/api/v1/articles/{article.pk}/unpublish", {}, 403),
            ("patch", f"/api/v1/articles/{article.pk}", {"headline": "no version"}, 400),
        ]
        for method, url, data, status in cases:
            with self.subTest(url=url, data=data):
                response = self.send(method, url, self.writer_token, data)
                assert response.status_code == status, response.content
                assert response["Content-Type"] == "application/problem+json"
        editor_step = self.send("post", f"/api/v1/articles/{article.pk}/publish",
                                self.editor_token)  # fmt: skip
        assert editor_step.status_code == 422  # a draft cannot be published: review first

    def test_image_uploads_are_validated_and_reencoded(self):
        ok = self.client.post(
            "/api/v1/images",
            {"file": image_file(), "alt_text": "Harbour", "credit": "Ann"},
            **bearer(self.writer_token),
        )
        assert ok.status_code == 201, ok.content
        assert ok.json()["alt"] == "Harbour" and ok.json()["url"].endswith(".jpg")
        assert LogEntry.objects.filter(user=self.writer, object_id=str(ok.json()["id"])).exists()
        fake = self.client.post(
            "/api/v1/images",
            {"file": image_file(name="x.png"), "alt_text": "x"},  # a JPEG named .png
            **bearer(self.writer_token),
        )
        assert fake.status_code == 422


class KeyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="writer", role="Writer")

    def test_only_the_hash_is_stored_and_the_prefix_finds_it(self):
        key, token = key_for(self.writer)
        stored = ApiKey.objects.get(pk=key.pk)
        assert token.startswith(f"nrk_{stored.prefix}_")
        assert stored.hashed == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(ApiKey.objects.values().get(pk=key.pk))

    def test_revoked_keys_and_deactivated_owners_are_401(self):
        key, token = key_for(self.writer)
        assert self.client.get("/api/v1/articles", **bearer(token)).status_code == 200
        revoke_api_key(key=key, by=admin_user())
        assert self.client.get("/api/v1/articles", **bearer(token)).status_code == 401
        _, other = key_for(self.writer)
        self.writer.is_active = False
        self.writer.save()
        assert self.client.get("/api/v1/articles", **bearer(other)).status_code == 401

    def test_only_administrators_make_keys(self):
        from django.core.exceptions import PermissionDenied

        from articles.api.services import create_api_key

        with self.assertRaises(PermissionDenied):
            create_api_key(user=self.writer, name="x", by=UserFactory(role="Editor"))

    def test_rate_limit_per_key_is_429_with_retry_after(self):
        _, token = key_for(self.writer, rate_limit=3)
        statuses = [self.client.get("/api/v1/sections", **bearer(token)).status_code
                    for _ in range(4)]  # fmt: skip
        assert statuses == [200, 200, 200, 429]
        limited = self.client.get("/api/v1/sections", **bearer(token))
        assert limited["Content-Type"] == "application/problem+json"
        assert 1 <= int(limited["Retry-After"]) <= 60
        _, fresh = key_for(self.writer, rate_limit=3)
        assert self.client.get("/api/v1/sections", **bearer(fresh)).status_code == 200

    def test_last_use_is_shown(self):
        key, token = key_for(self.writer)
        assert key.last_used_at is None
        self.client.get("/api/v1/sections", **bearer(token))
        key.refresh_from_db()
        assert key.last_used_at is not None

    def test_the_admin_shows_the_token_once(self):
        self.client.force_login(admin_user())
        response = self.client.post(
            "/admin/api/apikey/add/",
            {"name": "App", "user": self.writer.pk, "rate_limit": 600, "can_write": "on"},
            follow=True,
        )
        assert response.status_code == 200
        key = ApiKey.objects.get(name="App")
        shown = [str(m) for m in response.context["messages"]]
        token = next(m.split(": ")[-1] for m in shown if "shown this once" in m)
        assert hashlib.sha256(token.encode()).hexdigest() == key.hashed
        page = self.client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
        assert token not in page and key.prefix in page

    def test_the_admin_is_for_administrators_only(self):
        self.client.force_login(UserFactory(role="Editor"))
        assert self.client.get("/admin/api/apikey/").status_code == 403
