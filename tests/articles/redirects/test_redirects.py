"""The redirects table: served before a 404 (and for WordPress's /?p=123), only ever to a path
on this site, editable in the admin and exported as an nginx map."""

import io

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import TestCase

from articles.redirects.models import OLD_PATH_INVALID, TARGET_INVALID, Redirect
from articles.redirects.services import nginx_map, save_redirect
from tests.factories import ArticleFactory, UserFactory


class ServingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory()
        cls.url = cls.article.get_absolute_url()
        save_redirect(old_path="/2019/05/old-story/", new_path=cls.url, origin="wordpress")
        save_redirect(old_path="/?p=42", new_path=cls.url)
        save_redirect(old_path="/2019/05/%C3%A9t%C3%A9/", new_path=cls.url)

    def test_old_path_answers_301(self):
        response = self.client.get("/2019/05/old-story/")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], self.url)

    def test_without_trailing_slash(self):
        response = self.client.get("/2019/05/old-story")
        self.assertIn(response.status_code, (301, 302))
        self.assertEqual(self.client.get("/2019/05/old-story", follow=True).status_code, 200)

    def test_wordpress_post_id(self):
        response = self.client.get("/?p=42")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], self.url)
        self.assertEqual(self.client.get("/?p=43").status_code, 200)  # the home page

    def test_non_ascii_path(self):
        response = self.client.get("/2019/05/%C3%A9t%C3%A9/")
        self.assertEqual(response.status_code, 301)

    def test_live_page_wins_over_a_redirect(self):
        Redirect.objects.create(old_path=self.url, new_path="/elsewhere/")
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_unknown_path_is_still_404(self):
        self.assertEqual(self.client.get("/nothing-here/").status_code, 404)

    def test_post_is_not_redirected(self):
        self.assertNotEqual(self.client.post("/2019/05/old-story/").status_code, 301)


class SafetyTests(TestCase):
    def test_targets_must_be_local(self):
        for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "evil",
                       "javascript:alert(1)", "/ok\r\nSet-Cookie: a=b", ""):  # fmt: skip
            with self.subTest(target), self.assertRaisesMessage(ValidationError, TARGET_INVALID):
                save_redirect(old_path="/old/", new_path=target)
        self.assertEqual(Redirect.objects.count(), 0)

    def test_old_paths_must_be_local(self):
        with self.assertRaisesMessage(ValidationError, OLD_PATH_INVALID):
            save_redirect(old_path="//evil.example/x", new_path="/ok/")
        self.assertEqual(Redirect.objects.count(), 0)

    def test_a_forged_row_is_never_served(self):
        Redirect.objects.create(old_path="/old/", new_path="/\\evil.example/")
        self.assertEqual(self.client.get("/old/").status_code, 404)

    def test_admin_refuses_an_external_target(self):
        admin = UserFactory(is_superuser=True)
        self.client.force_login(admin)
        response = self.client.post(
            "/admin/redirects/redirect/add/",
            {"old_path": "/old/", "new_path": "https://evil.example/", "is_permanent": "on"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "never another site")
        self.assertEqual(Redirect.objects.count(), 0)


class NginxMapTests(TestCase):
    def test_map(self):
        save_redirect(old_path="/2019/été/", new_path="/2020/01/02/ete/")
        save_redirect(old_path='/a"b/', new_path="/c/")
        text = nginx_map()
        self.assertTrue(text.startswith("map $request_uri $newsroom_redirect {"))
        self.assertIn('"/2019/%C3%A9t%C3%A9/" "/2020/01/02/ete/";', text)
        self.assertIn('"/a%22b/" "/c/";', text)
        out = io.StringIO()
        call_command("export_redirects", stdout=out)
        self.assertEqual(out.getvalue(), text)

    def test_admin_export_action(self):
        save_redirect(old_path="/old/", new_path="/new/")
        self.client.force_login(UserFactory(is_superuser=True))
        response = self.client.post(
            "/admin/redirects/redirect/",
            {
                "action": "export_nginx_map",
                "_selected_action": Redirect.objects.values_list("pk", flat=True),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(b'"/old/" "/new/";', response.content)
