from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.test import TestCase
from django.utils import timezone

from articles.models import Article, Tag
from articles.pages.reads import article_for_page
from tests.factories import ArticleFactory, AuthorFactory

NON_PUBLIC_TRAITS = ["draft", "in_review", "scheduled", "unpublished", "expired"]


class PublishedRuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.published = ArticleFactory(headline="Visible published")
        cls.due = ArticleFactory(due=True, headline="Visible due")
        cls.twins = [ArticleFactory(**{trait: True}) for trait in NON_PUBLIC_TRAITS]

    def test_published_holds_exactly_the_public_articles(self):
        assert set(Article.objects.published()) == {self.published, self.due}

    def test_the_article_pages_is_public_agrees_with_published(self):
        articles = [self.published, self.due, *self.twins]
        flags = {a.pk: article_for_page(a.slug).is_public for a in articles}
        assert {pk for pk, public in flags.items() if public} == {self.published.pk, self.due.pk}

    def test_the_publish_time_boundary(self):
        article = ArticleFactory(published_at=timezone.now() + timedelta(seconds=30))
        assert article not in Article.objects.published()
        article.published_at = timezone.now() - timedelta(seconds=1)
        article.save()
        assert article in Article.objects.published()

    def test_queryset_helpers_filter_by_state(self):
        assert list(Article.objects.drafts()) == [self.twins[0]]
        assert list(Article.objects.in_review()) == [self.twins[1]]
        assert set(Article.objects.scheduled()) == {self.due, self.twins[2]}


class ConstraintTests(TestCase):
    def test_database_refuses_an_unknown_status(self):
        article = ArticleFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Article.objects.filter(pk=article.pk).update(status="bogus")
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED

    def test_database_refuses_published_without_publish_time(self):
        article = ArticleFactory(draft=True)
        with pytest.raises(IntegrityError), transaction.atomic():
            Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)

    def test_database_refuses_unpublish_before_publish(self):
        article = ArticleFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Article.objects.filter(pk=article.pk).update(
                unpublish_at=article.published_at - timedelta(hours=1)
            )

    def test_clean_explains_the_rules_to_editors(self):
        article = Article(headline="H", slug="h", status=Article.Status.SCHEDULED)
        with pytest.raises(ValidationError) as excinfo:
            article.clean()
        assert set(excinfo.value.message_dict) == {"published_at"}

    def test_first_published_time_is_kept(self):
        article = ArticleFactory()
        first = article.first_published_at
        assert first == article.published_at
        article.published_at = timezone.now()
        article.save()
        article.refresh_from_db()
        assert article.first_published_at == first


class AuthorAndTagTests(TestCase):
    def test_author_with_bylines_cannot_be_deleted(self):
        author = AuthorFactory()
        ArticleFactory(authors=[author])
        with pytest.raises(ProtectedError), transaction.atomic():
            author.delete()
        assert author.__class__.objects.filter(pk=author.pk).exists()

    def test_tags_are_case_insensitive(self):
        ArticleFactory(tags=["AI Ethics"])
        ArticleFactory(tags=["ai ethics"])
        assert Tag.objects.filter(name__iexact="ai ethics").count() == 1
        assert Tag.objects.get().tagged_articles.count() == 2

    def test_permalink_uses_the_newsroom_date(self):
        article = ArticleFactory(
            slug="a-story", published_at=timezone.datetime(2025, 8, 10, 9, 0, tzinfo=timezone.UTC)
        )
        assert article.get_absolute_url() == "/2025/08/10/a-story/"
