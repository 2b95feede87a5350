"""The byline and the corrections an article page shows are stored on the article row
(`credit_list`, `correction_list`), so pages read them without a query. They must follow
every change to bylines, authors and corrections, and no stale instance may put back an old
copy."""

import importlib

from django.apps import apps
from django.db import connection
from django.test import TestCase

from articles import services
from articles.distribution import seo
from articles.models import Article, Byline, Correction, Tag
from articles.pages.reads import related_cards
from articles.publication import get_publication
from tests.factories import ArticleFactory, AuthorFactory, UserFactory


def names(article):
    return [credit.name for credit in Article.objects.get(pk=article.pk).credits]


class CreditListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ada = AuthorFactory(name="Ada Lovelace", slug="ada")
        cls.bob = AuthorFactory(name="Bob Woodward", slug="bob")
        cls.article = ArticleFactory(authors=[cls.ada, cls.bob])

    def test_the_list_follows_the_bylines_in_order(self):
        assert names(self.article) == ["Ada Lovelace", "Bob Woodward"]
        services.set_bylines(article=self.article, authors=[self.bob])
        assert names(self.article) == ["Bob Woodward"]
        services.set_bylines(article=self.article, authors=[self.bob, self.ada])
        stored = Article.objects.get(pk=self.article.pk).credit_list
        assert stored == [
            {"id": self.bob.pk, "name": "Bob Woodward", "slug": "bob"},
            {"id": self.ada.pk, "name": "Ada Lovelace", "slug": "ada"},
        ]

    def test_a_deleted_byline_leaves_the_list(self):
        Byline.objects.filter(article=self.article, author=self.ada).delete()
        assert names(self.article) == ["Bob Woodward"]

    def test_renaming_an_author_rewrites_every_article_they_are_on(self):
        other = ArticleFactory(authors=[self.ada])
        self.ada.name, self.ada.slug = "Augusta Ada King", "augusta"
        self.ada.save()
        assert names(self.article) == ["Augusta Ada King", "Bob Woodward"]
        assert names(other) == ["Augusta Ada King"]
        html = self.client.get(other.get_absolute_url()).content.decode()
        assert 'href="/authors/augusta/" rel="author">Augusta Ada King</a>' in html
        home = self.client.get("/").content.decode()
        assert "Augusta Ada King" in home and "Ada Lovelace" not in home

    def test_a_stale_instance_saved_later_keeps_the_new_byline(self):
        stale = Article.objects.get(pk=self.article.pk)
        services.set_bylines(article=self.article, authors=[self.bob])
        stale.headline = "Edited from an old copy"
        stale.save()
        fresh = Article.objects.get(pk=self.article.pk)
        assert fresh.headline == "Edited from an old copy"
        assert [c.name for c in fresh.credits] == ["Bob Woodward"]

    def test_pages_structured_data_and_feeds_show_the_stored_byline(self):
        article = Article.objects.for_detail().get(pk=self.article.pk)
        with self.assertNumQueries(0):
            head = seo.article_head(article, is_preview=False)
        authors = [a["name"] for a in seo.news_article_ld(article, get_publication())["author"]]
        assert authors == ["Ada Lovelace", "Bob Woodward"]
        assert "/authors/bob/" in str(head.meta)
        feed = self.client.get("/feed/").content.decode()
        assert "Ada Lovelace" in feed and "Bob Woodward" in feed


class CorrectionListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(role="Editor")
        cls.article = ArticleFactory()

    def add(self, text, kind=Correction.Kind.CORRECTION):
        return services.add_correction(article=self.article, kind=kind, text=text, by=self.editor)

    def test_a_correction_reaches_the_page_without_a_query_of_its_own(self):
        note = self.add("An earlier version misspelt the minister's name.")
        stored = Article.objects.get(pk=self.article.pk)
        assert [(n.pk, n.kind, n.text) for n in stored.notes] == [
            (note.pk, "correction", "An earlier version misspelt the minister's name.")
        ]
        assert stored.notes[0].created_at == note.created_at
        assert stored.last_correction.get_kind_display() == "Correction"
        html = self.client.get(self.article.get_absolute_url()).content.decode()
        assert f'id="correction-{note.pk}"' in html
        assert "<strong>Correction</strong>" in html and "misspelt the minister" in html
        assert "CorrectionComment" in html

    def test_edits_and_deletions_follow(self):
        first = self.add("First note.")
        self.add("Second note.", kind=Correction.Kind.UPDATE)
        first.text = "First note, reworded."
        first.save()
        texts = [n.text for n in Article.objects.get(pk=self.article.pk).notes]
        assert texts == ["First note, reworded.", "Second note."]
        first.delete()
        notes = Article.objects.get(pk=self.article.pk).notes
        assert [(n.kind, n.text) for n in notes] == [("update", "Second note.")]

    def test_a_stale_instance_saved_later_keeps_the_corrections(self):
        stale = Article.objects.get(pk=self.article.pk)
        self.add("Added while the old copy was open.")
        stale.standfirst = "Edited from an old copy."
        stale.save()
        assert [n.text for n in Article.objects.get(pk=self.article.pk).notes] == [
            "Added while the old copy was open."
        ]


class MigrationFillTests(TestCase):
    def test_the_migration_fills_both_lists_from_the_tables(self):
        article = ArticleFactory(authors=[AuthorFactory(name="Cleo", slug="cleo")])
        note = services.add_correction(
            article=article, kind="update", text="Updated.", by=UserFactory(role="Editor")
        )
        article.tags.set(["Filed"])
        Article.objects.filter(pk=article.pk).update(
            credit_list=[], correction_list=[], filed_tags=[]
        )
        migration = importlib.import_module("articles.migrations.0014_article_derived_lists")
        migration.fill_lists(apps, connection.schema_editor())
        filled = Article.objects.get(pk=article.pk)
        assert [c.slug for c in filled.credits] == ["cleo"]
        assert [n.pk for n in filled.notes] == [note.pk]
        assert [t.name for t in filled.ordered_tags] == ["Filed"]


def tag_names(article):
    return [tag.name for tag in Article.objects.get(pk=article.pk).ordered_tags]


class TagListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(role="Editor", is_superuser=True)
        cls.article = ArticleFactory(tags=["Climate", "Energy"])

    def test_the_list_follows_taggit_and_the_filing_service_in_order(self):
        assert tag_names(self.article) == ["Climate", "Energy"]
        self.article.tags.add("Oceans")
        assert tag_names(self.article) == ["Climate", "Energy", "Oceans"]
        self.article.tags.remove("Climate")
        assert tag_names(self.article) == ["Energy", "Oceans"]
        services.set_tags(article=self.article, names=["Wind", "Energy"])
        stored = Article.objects.get(pk=self.article.pk).filed_tags
        assert [tag["name"] for tag in stored] == ["Wind", "Energy"]
        wind = Tag.objects.get(name="Wind")
        assert stored[0] == {"id": wind.pk, "name": "Wind", "slug": wind.slug}
        self.article.tags.clear()
        assert tag_names(self.article) == []

    def test_rename_merge_and_delete_reach_every_article(self):
        other = ArticleFactory(tags=["Energy", "Power"])
        energy, power = Tag.objects.get(name="Energy"), Tag.objects.get(name="Power")
        services.rename_tag(tag=energy, name="Energy policy", slug="energy-policy", by=self.editor)
        assert tag_names(self.article) == ["Climate", "Energy policy"]
        assert tag_names(other) == ["Energy policy", "Power"]
        html = self.client.get(other.get_absolute_url()).content.decode()
        assert '<a href="/tags/energy-policy/" rel="tag">Energy policy</a>' in html
        services.merge_tags(sources=[power], into=energy, by=self.editor)
        assert tag_names(other) == ["Energy policy"]
        Tag.objects.get(name="Climate").delete()
        assert tag_names(self.article) == ["Energy policy"]

    def test_the_article_page_related_stories_and_ads_read_the_list(self):
        ArticleFactory(headline="Shares a tag", tags=["Energy"])
        article = Article.objects.for_detail().get(pk=self.article.pk)
        with self.assertNumQueries(1):  # the related stories; the tags cost none
            related = related_cards(article)
        assert [a.headline for a in related] == ["Shares a tag"]
        head = seo.article_head(article, is_preview=False)
        assert ("property", "article:tag", "Climate") in head.meta

    def test_a_stale_instance_saved_later_keeps_the_tags(self):
        stale = Article.objects.get(pk=self.article.pk)
        self.article.tags.add("Added meanwhile")
        stale.headline = "Edited from an old copy"
        stale.save()
        assert tag_names(self.article) == ["Climate", "Energy", "Added meanwhile"]
