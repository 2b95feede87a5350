"""Tags: rename (old address 301s), merge (one transaction, no duplicate rows, old addresses
301, audit entries, revisions untouched), prune, and the changelist's article counts."""

import pytest
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse

from ads.models import Placement, SuppressionRule
from articles import services
from articles.models import AuditEntry, OldTagSlug, Revision, Tag, TaggedArticle
from tests.articles.test_admin_workflow import change_url, edit_form
from tests.articles.test_services import ready_article
from tests.factories import ArticleFactory, PlacementFactory, UserFactory

CHANGELIST = reverse("admin:articles_tag_changelist")


def tag(name):
    return Tag.objects.get(name=name)


def rows():
    """(article, tag name) for every tag row, the database state a refused merge must keep."""
    return sorted(TaggedArticle.objects.values_list("content_object_id", "tag__name"))


class RenameTagTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.article = ArticleFactory(tags=["AI chips"])
        cls.tag = tag("AI chips")

    def rename(self, name, slug):
        self.client.force_login(self.editor)
        url = reverse("admin:articles_tag_change", args=[self.tag.pk])
        return self.client.post(url, {"name": name, "slug": slug, "description": ""})

    def test_rename_in_the_admin_keeps_the_old_address_answering_301(self):
        assert self.rename("Semiconductors", "semiconductors").status_code == 302
        self.tag.refresh_from_db()
        assert (self.tag.name, self.tag.slug) == ("Semiconductors", "semiconductors")
        old = self.client.get("/tags/ai-chips/")
        assert (old.status_code, old["Location"]) == (301, "/tags/semiconductors/")
        self.assertContains(self.client.get("/tags/semiconductors/"), self.article.headline)
        # Issue 23, item 24: the feeds follow the page.
        for feed in ("feed/", "feed/atom/"):
            old = self.client.get(f"/tags/ai-chips/{feed}")
            assert (old.status_code, old["Location"]) == (301, f"/tags/semiconductors/{feed}")
            assert self.client.get(f"/tags/semiconductors/{feed}").status_code == 200

    def test_renaming_back_never_redirects_a_live_address(self):
        self.rename("Semiconductors", "semiconductors")
        self.rename("AI chips", "ai-chips")
        assert self.client.get("/tags/ai-chips/").status_code == 200
        again = self.client.get("/tags/semiconductors/")
        assert (again.status_code, again["Location"]) == (301, "/tags/ai-chips/")

    def test_slug_of_another_tag_is_refused_and_nothing_changes(self):
        Tag.objects.create(name="Energy", slug="energy")
        response = self.rename("AI chips", "energy")
        assert response.status_code == 200 and response.context["adminform"].form.errors
        self.tag.refresh_from_db()
        assert self.tag.slug == "ai-chips" and not OldTagSlug.objects.exists()

    def test_writer_cannot_rename(self):
        writer = UserFactory(username="wr", role="Writer")
        with pytest.raises(PermissionDenied):
            services.rename_tag(tag=self.tag, name="x", slug="x", by=writer)
        self.client.force_login(writer)
        url = reverse("admin:articles_tag_change", args=[self.tag.pk])
        assert self.client.post(url, {"name": "x", "slug": "x"}).status_code == 403
        self.tag.refresh_from_db()
        assert self.tag.slug == "ai-chips"

    def test_unknown_tag_address_is_a_404(self):
        assert self.client.get("/tags/never-existed/").status_code == 404
        assert self.client.get("/tags/never-existed/feed/").status_code == 404
        assert self.client.get("/tags/never-existed/feed/atom/").status_code == 404


class MergeTagsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.both = ArticleFactory(tags=["AI", "Artificial intelligence", "A.I."])
        cls.only_source = ArticleFactory(tags=["A.I."])
        cls.only_target = ArticleFactory(tags=["Artificial intelligence"])
        cls.other = ArticleFactory(tags=["Energy"])
        for article in (cls.both, cls.only_source):
            services.record_revision(article=article, by=cls.editor, reason="Edited")
        cls.placement = PlacementFactory()
        cls.placement.tags.set([tag("AI"), tag("A.I.")])
        SuppressionRule.objects.create(tag=tag("AI"), note="No ads on AI stories")

    def merge_post(self, sources, into, apply=True):
        data = {
            "action": "merge",
            helpers.ACTION_CHECKBOX_NAME: [t.pk for t in sources],
            "into": into.pk,
        }
        if apply:
            data["apply"] = "1"
        return self.client.post(CHANGELIST, data, follow=apply)

    def test_confirmation_page_shows_how_many_articles_move(self):
        self.client.force_login(self.editor)
        response = self.merge_post([tag("AI"), tag("A.I.")], tag("Energy"), apply=False)
        self.assertContains(response, "2 articles will move")
        self.assertContains(response, "A.I. (2 articles)")
        assert Tag.objects.filter(name__in=["AI", "A.I."]).count() == 2

    def test_merge_repoints_articles_without_duplicates_and_redirects_old_addresses(self):
        revisions = list(Revision.objects.order_by("pk").values_list("data", flat=True))
        self.client.force_login(self.editor)
        target = tag("Artificial intelligence")
        response = self.merge_post([tag("AI"), tag("A.I.")], target)
        self.assertContains(response, "2 article(s) moved")
        assert rows() == sorted(
            [
                (self.both.pk, "Artificial intelligence"),
                (self.only_source.pk, "Artificial intelligence"),
                (self.only_target.pk, "Artificial intelligence"),
                (self.other.pk, "Energy"),
            ]
        )
        assert not Tag.objects.filter(name__in=["AI", "A.I."]).exists()
        for slug in OldTagSlug.objects.values_list("slug", flat=True):
            response = self.client.get(f"/tags/{slug}/")
            assert (response.status_code, response["Location"]) == (301, target.get_absolute_url())
            for feed in ("feed/", "feed/atom/"):
                response = self.client.get(f"/tags/{slug}/{feed}")
                moved = target.get_absolute_url() + feed
                assert (response.status_code, response["Location"]) == (301, moved)
        assert OldTagSlug.objects.count() == 2
        audit = AuditEntry.objects.filter(action="merge_tags")
        assert sorted(audit.values_list("article_id", flat=True)) == sorted(
            [self.both.pk, self.only_source.pk]
        )
        assert all("merged into “Artificial intelligence”" in e.note for e in audit)
        assert list(Revision.objects.order_by("pk").values_list("data", flat=True)) == revisions
        assert list(Placement.objects.get().tags.all()) == [target]
        assert SuppressionRule.objects.get().tag == target

    def test_merging_a_tag_into_itself_is_refused_and_changes_nothing(self):
        before = rows()
        self.client.force_login(self.editor)
        response = self.merge_post([tag("AI"), tag("A.I.")], tag("AI"))
        self.assertContains(response, "cannot be merged into itself")
        assert rows() == before and Tag.objects.filter(name="AI").exists()
        with pytest.raises(ValidationError, match="itself"):
            services.merge_tags(sources=[tag("AI")], into=tag("AI"), by=self.editor)
        assert rows() == before

    def test_a_loop_of_two_tags_into_each_other_is_refused(self):
        before = rows()
        a, b = tag("AI"), tag("A.I.")
        with pytest.raises(ValidationError, match="itself"):
            services.merge_tags(sources=[a, b], into=b, by=self.editor)
        assert rows() == before and not OldTagSlug.objects.exists()

    def test_writer_cannot_merge(self):
        writer = UserFactory(username="wr", role="Writer")
        before = rows()
        with pytest.raises(PermissionDenied):
            services.merge_tags(sources=[tag("AI")], into=tag("Energy"), by=writer)
        self.client.force_login(writer)
        self.merge_post([tag("AI")], tag("Energy"))
        assert rows() == before


class PruneAndCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        ArticleFactory(tags=["Used"])
        Tag.objects.create(name="Unused", slug="unused")
        Tag.objects.create(name="Targeted", slug="targeted")
        PlacementFactory().tags.set([tag("Targeted")])

    def test_prune_deletes_only_tags_nothing_uses(self):
        self.client.force_login(self.editor)
        data = {
            "action": "prune",
            helpers.ACTION_CHECKBOX_NAME: list(Tag.objects.values_list("pk", flat=True)),
        }
        response = self.client.post(CHANGELIST, data, follow=True)
        self.assertContains(response, "Deleted 1 unused tag(s); kept 2")
        assert sorted(Tag.objects.values_list("name", flat=True)) == ["Targeted", "Used"]

    def test_changelist_counts_articles_without_a_query_per_row(self):
        self.client.force_login(self.editor)
        self.client.get(CHANGELIST)

        def queries():
            # A fixed number for the page (session, user, counts, the page of tags): none per row.
            with self.assertNumQueries(7):
                return self.client.get(CHANGELIST)

        response = queries()
        self.assertContains(response, '<td class="field-article_count">1</td>')
        for n in range(20):
            ArticleFactory(tags=[f"Extra {n}", "Used"])
        response = queries()
        self.assertContains(response, '<td class="field-article_count">21</td>')


class StaleFormAfterMergeTests(TestCase):
    """A change form opened before a merge keeps the merge when it is saved: the merged tag's
    name files the article under the target, never recreating the old tag."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.article = ready_article(tags=["Brexit", "Trade"])
        cls.neighbour = ready_article(tags=["UK politics"])

    def open_then_merge(self, **overrides):
        self.client.force_login(self.editor)
        form = self.client.get(change_url(self.article)).context["adminform"].form
        assert form["tag_list"].value() == "Brexit, Trade"
        stale = edit_form(self.article, **overrides)
        services.merge_tags(sources=[tag("Brexit")], into=tag("UK politics"), by=self.editor)
        return stale

    def test_stale_save_files_the_article_under_the_merge_target(self):
        stale = self.open_then_merge(headline="A new headline")
        assert stale["tag_list"] == "Brexit, Trade"
        response = self.client.post(change_url(self.article), stale)
        assert response.status_code == 302, response.context and response.context["errors"]
        assert rows() == sorted(
            [
                (self.article.pk, "UK politics"),
                (self.article.pk, "Trade"),
                (self.neighbour.pk, "UK politics"),
            ]
        )
        assert not Tag.objects.filter(name__iexact="Brexit").exists()
        self.article.refresh_from_db()
        assert self.article.headline == "A new headline"
        assert [t.name for t in self.article.ordered_tags] == ["UK politics", "Trade"]
        old = self.client.get("/tags/brexit/")
        assert (old.status_code, old["Location"]) == (301, "/tags/uk-politics/")

    def test_old_and_new_name_together_file_the_tag_once(self):
        stale = self.open_then_merge(tag_list="Brexit, uk politics, Trade")
        assert self.client.post(change_url(self.article), stale).status_code == 302
        names = list(
            TaggedArticle.objects.filter(content_object=self.article)
            .order_by("pk")
            .values_list("tag__name", flat=True)
        )
        assert names == ["UK politics", "Trade"]
        assert Tag.objects.filter(name__iexact="UK politics").count() == 1
