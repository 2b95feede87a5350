"""Checks 5, 44 and 46: forged inline rows, atomic saves under injected failures, slug races
and over-long values in the article admin.
"""

import threading
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.test import Client, TestCase, TransactionTestCase

from articles.admin.forms import ArticleAdminForm
from articles.models import Article, Byline, Correction, RelatedPin, Revision, Tag
from articles.models.taxonomy import TaggedArticle
from tests.articles.test_admin_workflow import change_url, edit_form
from tests.articles.test_services import ready_article
from tests.factories import AuthorFactory, UserFactory


def article_state(article):
    """The row, its revisions and audit entries, its bylines and its tags."""
    row = Article.objects.filter(pk=article.pk).values().get()
    row.pop("updated_at")
    return (
        (row, article.revisions.count(), article.audit_entries.count()),
        list(Byline.objects.filter(article=article).values_list("author_id", "position")),
        list(
            TaggedArticle.objects.filter(content_object=article)
            .order_by("pk")
            .values_list("tag__name", flat=True)
        ),
    )


def forged_rows(target, author):
    """Formset rows the change form does not have, for other articles' bylines, notes and pins."""
    return {
        "bylines-TOTAL_FORMS": "2",
        "bylines-INITIAL_FORMS": "0",
        "bylines-0-article": str(target.pk),
        "bylines-0-author": str(author.pk),
        "bylines-0-position": "0",
        "bylines-1-author": str(author.pk),
        "corrections-TOTAL_FORMS": "1",
        "corrections-INITIAL_FORMS": "0",
        "corrections-0-article": str(target.pk),
        "corrections-0-kind": "correction",
        "corrections-0-text": "Forged note",
        "related_pins-TOTAL_FORMS": "1",
        "related_pins-INITIAL_FORMS": "0",
        "related_pins-0-related": str(target.pk),
        "Byline_article-TOTAL_FORMS": "1",
        "Byline_article-INITIAL_FORMS": "0",
        "Byline_article-0-author": str(author.pk),
    }


class ForgedInlineRowsTests(TestCase):
    """Check 5: the article form has no inlines; extra formset rows change nothing else."""

    @classmethod
    def setUpTestData(cls):
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.mine = AuthorFactory(user=cls.writer)
        cls.own = ready_article(draft=True, authors=[cls.mine])
        cls.other_author = AuthorFactory()
        cls.others = ready_article(draft=True, authors=[cls.other_author])
        cls.live = ready_article(authors=[cls.other_author])

    def test_forged_rows_on_an_own_draft_touch_only_that_draft(self):
        self.client.force_login(self.writer)
        before = {a.pk: article_state(a) for a in (self.others, self.live)}
        data = {**edit_form(self.own, headline="Own edit"), **forged_rows(self.others, self.mine)}
        response = self.client.post(change_url(self.own), data)
        assert response.status_code == 302
        assert Article.objects.get(pk=self.own.pk).headline == "Own edit"
        assert list(
            Byline.objects.filter(article=self.own).values_list("author_id", flat=True)
        ) == [self.mine.pk]
        assert {a.pk: article_state(a) for a in (self.others, self.live)} == before
        assert not Correction.objects.exists() and not RelatedPin.objects.exists()

    def test_forged_rows_on_articles_the_writer_may_not_change_change_nothing(self):
        self.client.force_login(self.writer)
        for article in (self.others, self.live):
            with self.subTest(article=article.status):
                before = article_state(article)
                own_before = article_state(self.own)
                data = {**edit_form(article, headline="Taken"), **forged_rows(self.own, self.mine)}
                response = self.client.post(change_url(article), data)
                assert response.status_code in (302, 403)
                if response.status_code == 302:  # the one view rule: it does not exist for them
                    assert response["Location"] == "/admin/"
                assert article_state(article) == before
                assert article_state(self.own) == own_before
        assert not Correction.objects.exists() and not RelatedPin.objects.exists()


class InjectedFailureTests(TestCase):
    """Check 44: a database error half-way through an admin save leaves nothing half-saved."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.author = AuthorFactory()
        cls.article = ready_article(authors=[cls.author], tags=["old-one", "old-two"])

    def setUp(self):
        self.client.force_login(self.editor)
        self.client.raise_request_exception = False

    def post_failing(self, target, **patch_kwargs):
        data = edit_form(self.article, headline="Must not stick", tag_list="brand-new, old-one")
        before = article_state(self.article)
        tags_before = Tag.objects.count()
        with mock.patch(target, side_effect=DatabaseError("injected: disk full"), **patch_kwargs):
            response = self.client.post(change_url(self.article), data)
        assert response.status_code == 500
        html = response.content.decode()
        assert "Something went wrong on our side" in html
        assert "Traceback" not in html and "injected" not in html and "DatabaseError" not in html
        assert article_state(self.article) == before
        assert Tag.objects.count() == tags_before  # "brand-new" was rolled back too
        assert not Tag.objects.filter(name="brand-new").exists()

    def test_failure_while_saving_tags(self):
        # After the old tag rows were deleted and the new tag created: all of it rolls back.
        self.post_failing("articles.models.taxonomy.TaggedArticle.objects.bulk_create")

    def test_failure_while_recording_the_revision(self):
        self.post_failing("articles.services.record_edit")

    def test_failure_while_setting_bylines(self):
        self.post_failing("articles.services.set_bylines")

    def test_the_same_save_without_a_failure_goes_through(self):
        data = edit_form(self.article, headline="Sticks", tag_list="brand-new, old-one")
        assert self.client.post(change_url(self.article), data).status_code == 302
        state = article_state(self.article)
        assert state[2] == ["brand-new", "old-one"]
        assert Article.objects.get(pk=self.article.pk).headline == "Sticks"
        assert Revision.objects.filter(article=self.article).count() == 1


class OverlongValueTests(TestCase):
    """Check 46: values past a column's length are refused with a message, never truncated."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.article = ready_article(authors=[AuthorFactory()])

    def test_overlong_fields_are_form_errors_and_nothing_is_saved(self):
        self.client.force_login(self.editor)
        for field, length in [
            ("headline", 201),
            ("slug", 201),
            ("seo_title", 1000),
            ("seo_description", 5000),
            ("tag_list", 3000),
        ]:
            with self.subTest(field=field):
                before = article_state(self.article)
                value = "a" * length if field != "tag_list" else "t" * length
                response = self.client.post(
                    change_url(self.article), edit_form(self.article, **{field: value})
                )
                assert response.status_code == 200
                assert "errornote" in response.content.decode()
                assert article_state(self.article) == before
                assert not Article.objects.filter(**{"headline__startswith": "aaaa"}).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL")
class SlugRaceTests(TransactionTestCase):
    """Check 46: two editors give two live stories the same address at the same moment."""

    serialized_rollback = False

    def setUp(self):
        author = AuthorFactory()
        self.editors = [
            UserFactory(username="ed1", role="Editor"),
            UserFactory(username="ed2", role="Editor"),
        ]
        self.articles = [ready_article(authors=[author]) for _ in range(2)]

    def test_one_wins_and_the_other_gets_a_validation_error(self):
        both_validated = threading.Barrier(2, timeout=10)
        original_clean = ArticleAdminForm.clean

        def clean(form):
            both_validated.wait()  # both requests are inside validation at the same time
            return original_clean(form)

        results = {}

        def save(index):
            try:
                client = Client(raise_request_exception=False)
                client.force_login(self.editors[index])
                article = self.articles[index]
                data = edit_form(article, slug="breaking-news-same-address")
                response = client.post(change_url(article), data)
                results[index] = (response.status_code, response.content.decode())
            finally:
                connection.close()

        with mock.patch.object(ArticleAdminForm, "clean", clean):
            threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        codes = sorted(code for code, _ in results.values())
        assert codes == [200, 302], codes
        loser = next(html for code, html in results.values() if code == 200)
        assert "Article with this Slug already exists" in loser
        now = [Article.objects.get(pk=a.pk).slug for a in self.articles]
        winner = next(i for i, (code, _) in results.items() if code == 302)
        loser_index = 1 - winner
        assert now[winner] == "breaking-news-same-address"
        # No silent rename: the loser keeps its old address.
        assert now[loser_index] == self.articles[loser_index].slug
