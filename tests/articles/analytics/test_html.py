"""The W3C HTML checker on every page "Most read" and the reading figures appear on."""

from django.core.cache import cache
from django.test import TestCase

from articles.analytics import services
from tests.articles.analytics.test_most_read import counted
from tests.factories import ArticleFactory, AuthorFactory, UserFactory
from tests.html_checker import html_errors, require_checker


class AnalyticsHtmlTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="html-editor", role="Editor")
        cls.article = ArticleFactory(headline="Checked & read", authors=[AuthorFactory()])
        other = ArticleFactory(headline="Also read", section=cls.article.section)
        counted(cls.article, 20)
        counted(other, 10)

    def test_pages_with_most_read_and_the_admin_figures_are_valid_html(self):
        require_checker()
        cache.clear()
        services.refresh_most_read()
        urls = {
            "home": "/",
            "section": self.article.section.get_absolute_url(),
            "article": self.article.get_absolute_url(),
        }
        pages = {name: self.client.get(url) for name, url in urls.items()}
        for name, response in pages.items():
            self.assertContains(response, 'class="most-read"', msg_prefix=name)
        self.client.force_login(self.editor)
        pages["overview"] = self.client.get("/admin/analytics/dailycount/")
        pages["figures"] = self.client.get(
            f"/admin/analytics/dailycount/article/{self.article.pk}/"
        )
        errors = html_errors({name: r.content for name, r in pages.items()})
        self.assertEqual(errors, {name: [] for name in pages})
