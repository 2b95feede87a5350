import re

from django.contrib.staticfiles import finders
from django.test import TestCase

from articles.admin import BODY_EDITOR_EXTENSIONS
from articles.models import Article
from tests.articles.test_admin_workflow import change_url, edit_form
from tests.articles.test_services import ready_article
from tests.factories import UserFactory


class ProseEditorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.article = ready_article(draft=True)

    def test_body_uses_the_prose_editor_with_the_newsroom_toolbar(self):
        self.client.force_login(self.editor)
        response = self.client.get(change_url(self.article))
        self.assertContains(response, "data-django-prose-editor-configurable=")
        for extension in ["Bold", "Italic", "Heading", "BulletList", "Blockquote", "Link"]:
            assert extension in BODY_EDITOR_EXTENSIONS
            self.assertContains(response, f"&quot;{extension}&quot;")
        self.assertNotContains(response, "&quot;Table&quot;")

    def test_its_import_map_carries_the_nonce_the_article_form_policy_allows(self):
        self.client.force_login(self.editor)
        response = self.client.get(change_url(self.article))
        html = response.content.decode()
        nonce = re.search(r'<script type="importmap" nonce="([^"]+)"', html).group(1)
        policy = response["Content-Security-Policy"]
        assert f"script-src 'self' 'nonce-{nonce}'" in policy
        assert "style-src 'self'" in policy

    def test_public_pages_keep_the_strict_policy(self):
        response = self.client.get(ready_article().get_absolute_url())
        assert "script-src 'self';" in response["Content-Security-Policy"] + ";"
        assert "nonce" not in response["Content-Security-Policy"]

    def test_editor_assets_ship_with_the_package(self):
        for path in ["django_prose_editor/editor.js", "django_prose_editor/configurable.js"]:
            assert finders.find(path), path

    def test_tiptap_base_styles_come_from_a_stylesheet_not_an_inline_style(self):
        # Tiptap injects these as a <style> element, which `style-src 'self'` blocks.
        self.client.force_login(self.editor)
        response = self.client.get(change_url(self.article))
        self.assertContains(response, "/static/articles/prose-editor-base.css")
        with open(finders.find("articles/prose-editor-base.css")) as css:
            assert "white-space: pre-wrap" in css.read()

    def test_the_server_still_sanitises_the_body(self):
        self.client.force_login(self.editor)
        body = (
            '<h2>Sub</h2><p onclick="x()">Hi <a href="javascript:x()">bad</a></p><script>1</script>'
        )
        self.client.post(change_url(self.article), edit_form(self.article, body=body))
        saved = Article.objects.get(pk=self.article.pk).body
        assert saved.startswith("<h2>Sub</h2><p>Hi <a")
        assert "onclick" not in saved and "javascript" not in saved and "<script" not in saved
