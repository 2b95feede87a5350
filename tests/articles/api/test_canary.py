"""The canary sweep through the API with keys: a writer's key that reads drafts sees its own
draft and never anyone else's; no key shows a canary by id or path; previews open one draft."""

from django.test import TestCase

from articles.models import Article
from tests.articles.api.helpers import bearer, key_for
from tests.canary import CANARY, PUBLIC_HEADLINE, make_canaries, public_urls
from tests.factories import ArticleFactory, AuthorFactory, UserFactory


class ApiCanaryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.public, cls.hidden = make_canaries()
        cls.writer = UserFactory(username="canary-keyholder", role="Writer")
        cls.own = ArticleFactory(
            draft=True,
            headline="The keyholder's own draft",
            created_by=cls.writer,
            authors=[AuthorFactory(user=cls.writer)],
            section=cls.public.section,
        )
        cls.urls = [url for url in public_urls(cls.public) if url.startswith("/api/")]
        cls.urls += [f"/api/v1/articles/{article.pk}" for article in cls.hidden]
        cls.urls += [
            f"/api/v1/articles/by-path?path={article.get_absolute_url()}" for article in cls.hidden
        ]

    def sweep(self, headers):
        for url in self.urls:
            with self.subTest(url=url):
                response = self.client.get(url, **headers)
                assert response.status_code in (200, 404), (url, response.status_code)
                body = response.content.decode()
                assert CANARY not in body and CANARY.lower() not in body.lower(), url

    def test_anonymous(self):
        self.sweep({})
        body = self.client.get("/api/v1/articles").content.decode()
        assert PUBLIC_HEADLINE in body

    def test_writer_keys_never_show_others_drafts(self):
        for scopes in [{}, {"drafts": True}, {"drafts": True, "write": True}]:
            with self.subTest(scopes=scopes):
                _, token = key_for(self.writer, **scopes)
                self.sweep(bearer(token))

    def test_a_writer_key_that_reads_drafts_sees_its_own(self):
        _, token = key_for(self.writer, drafts=True)
        items = self.client.get("/api/v1/articles?limit=100", **bearer(token)).json()["items"]
        headlines = [item["headline"] for item in items]
        assert "The keyholder's own draft" in headlines and PUBLIC_HEADLINE in headlines
        own = self.client.get(f"/api/v1/articles/{self.own.pk}", **bearer(token)).json()
        assert own["status"] == "draft" and own["version"] == self.own.version

    def test_without_the_drafts_scope_the_own_draft_is_hidden(self):
        _, token = key_for(self.writer, write=True)
        assert (
            self.client.get(f"/api/v1/articles/{self.own.pk}", **bearer(token)).status_code == 404
        )

    def test_an_editor_key_with_drafts_sees_them_all(self):
        """The sweep would pass if keys saw nothing: an editor's key does see the canaries."""
        _, token = key_for(UserFactory(role="Editor"), drafts=True)
        items = self.client.get("/api/v1/articles?limit=100", **bearer(token)).json()["items"]
        assert sum(CANARY in item["headline"] for item in items) == len(self.hidden)
        assert Article.objects.count() == len(items)
