"""Corrections: editors add notes to live articles; readers see them on the article, on
/corrections/ and in its feeds."""

import feedparser
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase, override_settings
from django.urls import reverse

from articles import services
from articles.models import Article, AuditEntry, Correction, Revision
from tests.factories import ArticleFactory, UserFactory

TEXT = "An earlier version of this article gave the wrong date for the summit."


def state(article):
    """Everything a refused correction must leave exactly as it was."""
    article.refresh_from_db()
    return (
        Correction.objects.count(),
        Revision.objects.filter(article=article).count(),
        AuditEntry.objects.filter(article=article).count(),
        article.status,
        article.version,
        article.updated_at,
    )


class AddCorrectionServiceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.article = ArticleFactory()

    def test_editor_adds_a_correction_that_is_recorded_and_keeps_the_article_live(self):
        before = Article.objects.get(pk=self.article.pk)
        note = services.add_correction(
            article=self.article,
            kind=Correction.Kind.CORRECTION,
            text=f"  {TEXT}  ",
            by=self.editor,
        )
        after = Article.objects.get(pk=self.article.pk)
        assert (note.text, note.created_by, note.article) == (TEXT, self.editor, after)
        assert Article.objects.published().filter(pk=after.pk).exists()
        assert after.version == before.version  # open edit forms are not invalidated
        assert after.updated_at == note.created_at > before.updated_at
        revision = Revision.objects.filter(article=after).order_by("-number").first()
        assert (revision.reason, revision.created_by) == ("Correction added", self.editor)
        audit = AuditEntry.objects.get(article=after, action="correction")
        assert (audit.user, audit.from_status, audit.to_status) == (
            self.editor,
            "published",
            "published",
        )
        assert audit.note == f"Correction: {TEXT}"

    def test_writer_cannot_add_a_correction(self):
        before = state(self.article)
        with pytest.raises(PermissionDenied, match=services.EDITORS_ONLY):
            services.add_correction(
                article=self.article, kind="correction", text=TEXT, by=self.writer
            )
        assert state(self.article) == before

    def test_an_article_that_is_not_live_is_refused(self):
        for trait in ["draft", "in_review", "scheduled", "unpublished", "expired"]:
            article = ArticleFactory(**{trait: True})
            before = state(article)
            with self.subTest(trait=trait), pytest.raises(ValidationError) as refused:
                services.add_correction(article=article, kind="update", text=TEXT, by=self.editor)
            assert refused.value.messages == [services.CORRECTION_NOT_LIVE]
            assert state(article) == before

    def test_empty_note_and_unknown_kind_are_refused(self):
        before = state(self.article)
        with pytest.raises(ValidationError, match=services.CORRECTION_TEXT_REQUIRED):
            services.add_correction(article=self.article, kind="update", text="  ", by=self.editor)
        with pytest.raises(ValidationError, match="Unknown kind"):
            services.add_correction(
                article=self.article, kind="retraction", text=TEXT, by=self.editor
            )
        assert state(self.article) == before


class CorrectionAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.writer = UserFactory(username="wr", role="Writer")
        cls.article = ArticleFactory()
        cls.draft = ArticleFactory(draft=True)
        cls.add_url = reverse("admin:articles_correction_add")

    def form(self, article=None, **overrides):
        return {
            "article": (article or self.article).pk,
            "kind": "clarification",
            "text": TEXT,
            **overrides,
        }

    def test_editor_reaches_the_add_page_from_the_article_and_adds_a_note(self):
        self.client.force_login(self.editor)
        change = self.client.get(reverse("admin:articles_article_change", args=[self.article.pk]))
        self.assertContains(change, f'href="{self.add_url}?article={self.article.pk}"')
        page = self.client.get(f"{self.add_url}?article={self.article.pk}")
        self.assertContains(page, f'<option value="{self.article.pk}" selected>')
        response = self.client.post(self.add_url, self.form())
        assert response.status_code == 302
        note = Correction.objects.get()
        assert (note.kind, note.text, note.created_by) == ("clarification", TEXT, self.editor)
        assert AuditEntry.objects.filter(article=self.article, action="correction").count() == 1

    def test_a_draft_gets_a_clear_form_error_and_nothing_is_saved(self):
        self.client.force_login(self.editor)
        response = self.client.post(self.add_url, self.form(self.draft))
        self.assertContains(response, "Corrections are added to published articles")
        assert not Correction.objects.exists()

    def test_writer_cannot_open_or_forge_the_add_page(self):
        self.client.force_login(self.writer)
        assert self.client.get(self.add_url).status_code == 403
        before = state(self.article)
        assert self.client.post(self.add_url, self.form()).status_code == 403
        assert state(self.article) == before

    def test_notes_are_append_only(self):
        note = services.add_correction(
            article=self.article, kind="update", text=TEXT, by=self.editor
        )
        admin = UserFactory(username="root", is_superuser=True)
        for user in (self.editor, admin):
            self.client.force_login(user)
            change = reverse("admin:articles_correction_change", args=[note.pk])
            self.client.post(change, self.form(text="Rewritten history"))
            delete = reverse("admin:articles_correction_delete", args=[note.pk])
            assert self.client.post(delete, {"post": "yes"}).status_code == 403
        note.refresh_from_db()
        assert note.text == TEXT


class CorrectionsOnReaderPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.article = ArticleFactory(headline="Summit story")
        cls.note = services.add_correction(
            article=cls.article,
            kind="correction",
            text="Date <b>fixed</b> & checked.",
            by=cls.editor,
        )
        cls.later = ArticleFactory(headline="Later story")
        services.add_correction(article=cls.later, kind="update", text="More news.", by=cls.editor)
        # A note on an article that was taken down later must not show anywhere public.
        cls.gone = ArticleFactory(headline="Taken down story")
        services.add_correction(article=cls.gone, kind="update", text="GONE-NOTE", by=cls.editor)
        services.unpublish(article=cls.gone, by=cls.editor)

    def test_article_shows_the_updated_line_and_the_note_at_its_foot(self):
        html = self.client.get(self.article.get_absolute_url()).content.decode()
        dateline = html[html.index('<p class="dateline">') :]
        dateline = dateline[: dateline.index("</p>")]
        assert "Updated" in dateline and self.note.created_at.strftime("%Y") in dateline
        assert html.index('class="article__body"') < html.index("Corrections and updates</h2>")
        assert f'id="correction-{self.note.pk}"' in html
        assert "Date &lt;b&gt;fixed&lt;/b&gt; &amp; checked." in html

    def test_article_without_notes_has_no_updated_line(self):
        other = ArticleFactory()
        self.assertNotContains(self.client.get(other.get_absolute_url()), "Updated")

    def test_corrections_page_lists_public_notes_newest_first(self):
        response = self.client.get("/corrections/")
        html = response.content.decode()
        assert html.index("Later story") < html.index("Summit story")
        assert "GONE-NOTE" not in html and "Taken down story" not in html
        assert f'href="{self.article.get_absolute_url()}#correction-{self.note.pk}"' in html
        assert '<link rel="alternate" type="application/rss+xml"' in html

    @override_settings(NEWSROOM_BASE_URL="https://news.example.com")
    def test_corrections_page_is_self_canonical_and_page_1_redirects(self):
        from articles.publication import clear_publication_cache

        clear_publication_cache()
        self.addCleanup(clear_publication_cache)
        self.assertContains(
            self.client.get("/corrections/"),
            '<link rel="canonical" href="https://news.example.com/corrections/">',
        )
        response = self.client.get("/corrections/?page=1")
        assert (response.status_code, response["Location"]) == (301, "/corrections/")

    def test_corrections_page_is_paginated_with_a_constant_query_count(self):
        self.client.get("/corrections/")
        # The page (no COUNT; navigation and settings cached), and when the next article
        # with notes goes live or comes down (the page's lifetime in caches).
        with self.assertNumQueries(2):
            self.client.get("/corrections/")
        for _ in range(25):
            services.add_correction(article=self.later, kind="update", text="x", by=self.editor)
        with self.assertNumQueries(2):
            second = self.client.get("/corrections/?page=2")
        self.assertContains(second, "Page 2")
        assert self.client.get("/corrections/?page=9").status_code == 404
        assert self.client.get("/corrections/?page=abc").status_code == 404

    @override_settings(NEWSROOM_BASE_URL="https://news.example.com", ALLOWED_HOSTS=["evil.example"])
    def test_rss_and_atom_feeds_parse_and_carry_only_public_notes(self):
        for url in ["/corrections/feed/", "/corrections/feed/atom/"]:
            with self.subTest(url=url):
                response = self.client.get(url, HTTP_HOST="evil.example")
                assert response.status_code == 200
                feed = feedparser.parse(response.content)
                assert not feed.bozo, feed.bozo_exception
                titles = [entry.title for entry in feed.entries]
                assert titles == ["Update: Later story", "Correction: Summit story"]
                assert "GONE-NOTE" not in response.content.decode()
                links = [entry.link for entry in feed.entries]
                assert links[1] == (
                    f"https://news.example.com{self.article.get_absolute_url()}"
                    f"#correction-{self.note.pk}"
                )
                assert "evil.example" not in response.content.decode()
                assert feed.entries[1].id.startswith("tag:news.example.com,")
                assert feed.entries[1].id.endswith(f":correction:{self.note.pk}")

    def test_guid_does_not_change_with_the_headline(self):
        first = feedparser.parse(self.client.get("/corrections/feed/").content).entries[1].id
        Article.objects.filter(pk=self.article.pk).update(headline="New", slug="new-slug")
        again = feedparser.parse(self.client.get("/corrections/feed/").content).entries[1].id
        assert first == again
