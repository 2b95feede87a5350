"""Admin checks from the matrix: lookup smuggling, deactivation, enumeration, passwords, and the
XSS canary crawl of every admin page an article's fields reach."""

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.urls import reverse

from articles import services
from tests.articles.test_services import ready_article
from tests.factories import AuthorFactory, UserFactory

PAYLOAD = '"><img src=x onerror=alert(1)>{{7*7}}'
FAST = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class LookupSmugglingTests(TestCase):
    def test_changelist_refuses_lookups_through_relations_it_does_not_offer(self):
        self.client.force_login(UserFactory(username="ed", role="Editor"))
        for query in (
            "created_by__password__startswith=p",
            "bylines__author__user__password__startswith=pbkdf2",
            "_connector=OR",
        ):
            with self.subTest(query=query):
                response = self.client.get(f"/admin/articles/article/?{query}")
                assert response.status_code in (400, 302)
                if response.status_code == 302:
                    assert response["Location"].endswith("?e=1")


@override_settings(PASSWORD_HASHERS=FAST)
class AccountTests(TestCase):
    def test_a_deactivated_editor_is_out_on_the_next_request(self):
        editor = UserFactory(username="ed", role="Editor")
        self.client.force_login(editor)
        assert self.client.get("/admin/").status_code == 200
        editor.is_active = False
        editor.save()
        response = self.client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

    def test_role_removal_is_immediate(self):
        editor = UserFactory(username="ed", role="Editor")
        self.client.force_login(editor)
        assert self.client.get("/admin/articles/article/dashboard/").status_code == 200
        editor.groups.clear()
        assert self.client.get("/admin/articles/article/dashboard/").status_code == 403

    def test_unknown_user_and_wrong_password_look_the_same(self):
        UserFactory(username="ed", role="Editor")
        url = reverse("admin:login")
        wrong = self.client.post(url, {"username": "ed", "password": "nope"}, REMOTE_ADDR="1.1.1.1")
        unknown = self.client.post(
            url, {"username": "nobody", "password": "nope"}, REMOTE_ADDR="2.2.2.2"
        )
        assert wrong.status_code == unknown.status_code == 200

        def page(response):  # the same page but for the per-response nonce and CSRF mask
            html = response.content.decode().replace("nobody", "ed")
            return re.sub(r'(nonce|value)="[A-Za-z0-9_-]{20,}"', "", html)

        assert page(wrong) == page(unknown)

    def test_password_policy(self):
        user = UserFactory.build(username="ed")
        validate_password("a" * 40 + "Long passphrase, 64 characters are fine!", user)
        for weak in ("password123", "short", "12345678901"):
            with self.subTest(weak=weak), self.assertRaises(ValidationError):
                validate_password(weak, user)


class AdminCanaryCrawlTests(TestCase):
    """An XSS payload in every field an editor types shows escaped on every admin page."""

    def test_payload_is_escaped_on_every_admin_page_it_reaches(self):
        root = UserFactory(username="root", is_superuser=True)
        author = AuthorFactory(name=PAYLOAD)
        article = ready_article(
            draft=True, headline=PAYLOAD, standfirst=PAYLOAD, authors=[author], tags=[PAYLOAD]
        )
        services.record_revision(article=article, by=root, reason="Created")
        article.headline = PAYLOAD + " again"
        article.save()
        services.record_revision(article=article, by=root, reason="Edited")
        self.client.force_login(root)
        pk = article.pk
        pages = [
            "/admin/articles/article/",
            f"/admin/articles/article/?q={article.slug}",
            f"/admin/articles/article/{pk}/change/",
            f"/admin/articles/article/{pk}/history/",
            f"/admin/articles/article/{pk}/delete/",
            f"/admin/articles/article/{pk}/revisions/",
            f"/admin/articles/article/{pk}/revisions/diff/?a=1&b=2",
            f"/admin/articles/article/{pk}/preview/",
            "/admin/articles/article/dashboard/",
            "/admin/articles/author/",
            "/admin/articles/tag/",
            "/admin/articles/revision/",
        ]
        for url in pages:
            with self.subTest(url=url):
                response = self.client.get(url)
                assert response.status_code == 200
                assert "<img src=x onerror" not in response.content.decode()
        # Autocomplete answers JSON (the widget inserts it as text), never HTML.
        url = "/admin/autocomplete/?app_label=ads&model_name=sponsorship&field_name=article"
        response = self.client.get(url + "&term=img")
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.json()["results"][0]["text"] == PAYLOAD + " again"
