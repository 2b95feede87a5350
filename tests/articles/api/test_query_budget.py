"""Query budgets per endpoint: a page costs the same whatever it holds (derived lists on the
row, section, lead image and sponsorship joined)."""

from django.test import TestCase

from articles.api import represent
from articles.models import Correction
from tests.articles.api.helpers import bearer, key_for
from tests.factories import ArticleFactory, AuthorFactory, UserFactory, library_image

# (url, queries anonymously, nothing kept): a list is the page's ids, their rows' versions,
# then the rows not kept (one prepared read each); one article is the article page's read.
BUDGETS = [
    ("/api/v1/articles?limit=100", 3),
    ("/api/v1/articles?count=true", 4),
    ("/api/v1/articles?section={section}", 4),  # the slug, then the page
    ("/api/v1/articles?tag={tag}", 4),
    ("/api/v1/articles?author={author}", 4),
    ("/api/v1/articles?q=harbour", 3),
    ("/api/v1/articles/{id}", 1),
    ("/api/v1/articles/by-path?path={path}", 1),
    ("/api/v1/sections", 1),
    ("/api/v1/tags", 1),
    ("/api/v1/authors", 1),
    ("/api/v1/corrections", 1),
]
KEY_QUERIES = 1 + 2  # the key (with its owner), then the owner's permissions (drafts' rule)


class QueryBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        image = library_image(renditions=True)
        authors = [AuthorFactory() for _ in range(3)]
        cls.articles = [
            ArticleFactory(
                headline=f"Harbour {i}", lead_image=image, authors=authors, tags=["A", "B", "C"]
            )
            for i in range(12)
        ]
        for article in cls.articles[:5]:
            Correction.objects.create(article=article, text="Fixed.")
        first = cls.articles[0]
        cls.context = {
            "section": first.section.slug,
            "tag": first.tags.first().slug,
            "author": authors[0].slug,
            "id": first.pk,
            "path": first.get_absolute_url(),
        }

    def test_anonymous_budgets(self):
        for template, budget in BUDGETS:
            url = template.format(**self.context)
            represent._kept.clear()
            with self.subTest(url=url), self.assertNumQueries(budget):
                assert self.client.get(url).status_code == 200

    def test_kept_articles_are_not_read_again(self):
        represent._kept.clear()
        first = self.client.get("/api/v1/articles?limit=100")
        with self.assertNumQueries(2):  # the ids and their rows' versions: nothing else
            again = self.client.get("/api/v1/articles?limit=100")
        assert again.content == first.content

    def test_with_a_key_that_reads_drafts(self):
        _, token = key_for(UserFactory(role="Writer"), drafts=True)
        url = "/api/v1/articles?limit=100"
        self.client.get(url, **bearer(token))  # the key's first use is written (once a minute)
        represent._kept.clear()
        with self.assertNumQueries(KEY_QUERIES + 3):  # the ids, the versions, then the rows
            assert self.client.get(url, **bearer(token)).status_code == 200
