"""Reader reads in plain SQL (articles/pages/reads.py): the same articles, in the same order, as the
ORM's one public rule; ordinary instances that render without another query; the markup."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models.signals import post_init
from django.test import TestCase, override_settings
from django.utils import timezone, translation

from ads.models import Sponsorship
from articles.models import Article, Byline, Section, TaggedArticle
from articles.pages.html import byline, card, picture
from articles.pages.reads import Cards, article_for_page, instance_maker, related_cards
from tests.articles.test_models import NON_PUBLIC_TRAITS
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, library_image


def newest_first(queryset):
    return list(queryset.order_by("-published_at", "-pk").values_list("pk", flat=True))


class CardsFollowThePublicRuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(name="Climate")
        cls.other_section = SectionFactory(name="Sport")
        cls.author = AuthorFactory(name="Ana Reyes")
        now = timezone.now()
        cls.live = [
            ArticleFactory(published_at=now - timedelta(hours=n), section=cls.section)
            for n in range(1, 4)
        ]
        cls.due = ArticleFactory(due=True, tags=["Heat"], authors=[cls.author])
        cls.ends_later = ArticleFactory(unpublish_at=now + timedelta(days=1), tags=["Heat"])
        # Same publish time: the newer row first, as the ORM's order says.
        tie = now - timedelta(hours=5)
        cls.tie = [ArticleFactory(published_at=tie, section=cls.other_section) for _ in range(2)]
        cls.hidden = [
            ArticleFactory(
                **{trait: True}, section=cls.section, tags=["Heat"], authors=[cls.author]
            )
            for trait in NON_PUBLIC_TRAITS
        ]

    def test_every_live_article_newest_first_and_nothing_readers_may_not_see(self):
        expected = newest_first(Article.objects.published())
        assert [a.pk for a in Cards()[0:100]] == expected
        assert len(expected) == 7
        assert not {a.pk for a in self.hidden} & set(expected)

    def test_section_tag_and_author_listings_match_the_orm(self):
        published = Article.objects.published()
        cases = {
            "section": (Cards(section=self.section), published.filter(section=self.section)),
            "tag": (Cards(tag=self.due.tags.get()), published.filter(tags__name="Heat")),
            "author": (Cards(author=self.author), published.filter(bylines__author=self.author)),
        }
        for name, (cards, queryset) in cases.items():
            with self.subTest(listing=name):
                assert [a.pk for a in cards[0:100]] == newest_first(queryset)
                assert cards[0:100]

    def test_a_window_is_limit_and_offset(self):
        everything = [a.pk for a in Cards()[0:100]]
        assert [a.pk for a in Cards()[2:5]] == everything[2:5]
        assert Cards()[50:70] == []

    def test_an_index_or_an_open_slice_is_refused(self):
        for window in (0, slice(None, 3), slice(2, None), slice(0, 4, 2)):
            with self.subTest(window=window), self.assertRaises(TypeError):
                Cards()[window]

    def test_rows_are_instances_with_converted_values_and_attached_relations(self):
        with self.assertNumQueries(1):
            first = Cards(section=self.section)[0:1][0]
        with self.assertNumQueries(0):
            assert first.section.name == "Climate"
            assert first.lead_image is None
            assert timezone.is_aware(first.published_at)
            assert [c.name for c in first.credits]
            assert first.get_absolute_url().endswith(f"/{first.slug}/")
            html = card(first)
        assert first.headline in html
        # What no card shows stays in the database.
        assert "body" in first.get_deferred_fields()

    def test_related_stories_are_live_and_never_the_article(self):
        article = Article.objects.for_detail().get(pk=self.ends_later.pk)
        assert [a.pk for a in related_cards(article)] == [self.due.pk]


class CardMarkupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.image = library_image(alt_text="Flooded street", size=(1600, 900), renditions=True)
        cls.article = ArticleFactory(
            headline='Floods <script>alert("x")</script> & "rain"',
            standfirst="Rivers <b>rise</b>",
            lead_image=cls.image,
            authors=[AuthorFactory(name="Ana <Reyes>"), AuthorFactory(name="Li Wei")],
            section=SectionFactory(name="Weather & Climate"),
        )

    def load(self):
        return Cards()[0:1][0]

    def test_everything_from_the_database_is_escaped(self):
        html = card(self.load())
        assert "<script>" not in html and "<b>" not in html
        assert (
            "Floods &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;rain&quot;"
            in html
        )
        assert '<p class="card__standfirst">Rivers &lt;b&gt;rise&lt;/b&gt;</p>' in html
        assert " · Ana &lt;Reyes&gt;, Li Wei</p>" in html
        assert ">Weather &amp; Climate</a></p>" in html

    def test_byline_links_each_author_escaped_with_and_before_the_last(self):
        article = self.load()
        ana, li = article.credits
        assert byline(article) == (
            f'<p class="byline">By <a href="/authors/{ana.slug}/" rel="author">Ana &lt;Reyes&gt;'
            f'</a> and <a href="/authors/{li.slug}/" rel="author">Li Wei</a></p>'
        )
        article.credit_list = article.credit_list[:1]
        assert byline(article).endswith('rel="author">Ana &lt;Reyes&gt;</a></p>')
        article.credit_list = article.credit_list * 3
        assert byline(article).count(", ") == 1 and byline(article).count(" and ") == 1
        article.credit_list = []
        assert byline(article) == ""

    def test_heading_level_and_lead_story(self):
        article = self.load()
        assert '<h3 class="card__headline">' in card(article)
        assert '<h2 class="card__headline">' in card(article, level=2)
        lead = card(article, lead=True)
        assert lead.startswith('<article class="card card--lead">')
        assert '<h2 class="card__headline card__headline--lead">' in lead
        assert 'fetchpriority="high"' in lead and 'loading="lazy"' not in lead
        assert 'loading="lazy"' in card(article)

    def test_the_image_is_decorative_on_a_card_with_renditions_and_no_layout_shift(self):
        html = card(self.load())
        assert '<a class="card__image" href="' in html and 'aria-hidden="true"' in html
        assert ' alt="" ' in html
        assert '<source type="image/webp" srcset="' in html
        assert 'width="1600" height="900"' in html

    def test_picture_escapes_alt_and_class_and_shows_nothing_without_an_image(self):
        image = library_image(alt_text='A "quoted" <alt>')
        html = picture(image, use="lead", css='x" onload="y')
        assert 'alt="A &quot;quoted&quot; &lt;alt&gt;"' in html
        assert 'class="x&quot; onload=&quot;y"' in html
        assert picture(None) == ""

    @override_settings(TIME_ZONE="Europe/Berlin")
    def test_the_date_follows_the_language_and_the_site_time_zone(self):
        article = self.load()
        article.published_at = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
        with translation.override("de"):
            html = card(article)
        assert 'datetime="2025-03-02T00:30:00+01:00">März 2, 2025</time>' in html


class ArticlePageReadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.image = library_image(alt_text="Flooded street", caption="The river", credit="AP")
        cls.article = ArticleFactory(slug="floods", lead_image=cls.image, tags=["Rain", "Heat"])

    def test_one_query_with_section_image_and_no_sponsorship(self):
        with self.assertNumQueries(1):
            article = article_for_page("floods")
        with self.assertNumQueries(0):
            assert article.is_public is True
            assert article.body == self.article.body
            assert [t.name for t in article.ordered_tags] == ["Rain", "Heat"]
            assert article.lead_image.caption == "The river"
            assert article.section.name == self.article.section.name
            assert not hasattr(article, "sponsorship")
        assert "search_vector" in article.get_deferred_fields()

    def test_the_sponsorship_comes_along(self):
        Sponsorship.objects.create(article=self.article, sponsor_name="Acme")
        with self.assertNumQueries(1):
            assert article_for_page("floods").sponsorship.sponsor_name == "Acme"

    def test_an_unknown_slug_is_none(self):
        assert article_for_page("no-such-story") is None

    def test_hostile_slugs_and_ids_are_parameters(self):
        for slug in ("floods' OR '1'='1", 'floods"; DROP TABLE articles_article; --', "%", "_"):
            with self.subTest(slug=slug):
                assert article_for_page(slug) is None
        assert article_for_page("floods").pk == self.article.pk  # the table is still there
        hostile = Section(pk=-1, name="x", slug="x")
        assert Cards(section=hostile)[0:5] == []


class InstancesAreWhatFromDbMakesTests(TestCase):
    """`instance_maker` builds rows' instances without `Model.__init__`: the same instances
    `Model.from_db()` makes (values, deferred fields, state), and they behave like them."""

    def test_the_fast_instance_equals_from_dbs(self):
        article = ArticleFactory(lead_image=library_image(), tags=["Heat"])
        names = ("id", "headline", "slug", "lead_image_id", "section_id", "published_at")
        values = [getattr(article, name) for name in names]
        fast = instance_maker(Article)("default", names, values)
        slow = Article.from_db("default", names, values)
        assert instance_maker(Article) is not Article.from_db  # nothing listens to its init
        assert {k: v for k, v in fast.__dict__.items() if k != "_state"} == {
            k: v for k, v in slow.__dict__.items() if k != "_state"
        }
        assert fast.get_deferred_fields() == slow.get_deferred_fields()
        assert "body" in fast.get_deferred_fields()
        assert (
            (fast._state.adding, fast._state.db)
            == (False, "default")
            == (
                slow._state.adding,
                slow._state.db,
            )
        )
        assert fast == article and fast.get_absolute_url() == article.get_absolute_url()
        assert fast.body == article.body  # a deferred field still loads
        assert fast.section == article.section and fast.lead_image == article.lead_image
        fast.headline = "Renamed"
        fast.save(update_fields=["headline"])
        assert Article.objects.get(pk=article.pk).headline == "Renamed"

    def test_a_model_whose_init_is_listened_to_keeps_from_db(self):
        def listener(**kwargs):
            pass

        post_init.connect(listener, sender=Section)
        try:
            assert instance_maker(Section) == Section.from_db
        finally:
            post_init.disconnect(listener, sender=Section)
        assert instance_maker(Section) != Section.from_db


class FilingRowsCarryTheArticlesStateTests(TestCase):
    """Tag and author pages walk their own filing rows (tags, bylines): the database copies each
    article's status and times onto them (migration 0015's triggers), whatever changes them."""

    @classmethod
    def setUpTestData(cls):
        cls.author = AuthorFactory(name="Ana Reyes")
        cls.article = ArticleFactory(draft=True, tags=["Heat"], authors=[cls.author])
        cls.tag = cls.article.tags.get()

    def copies(self):
        rows = []
        for model, key in ((TaggedArticle, "content_object"), (Byline, "article")):
            rows += model.objects.filter(**{key: self.article}).values_list(
                "status", "published_at", "unpublish_at"
            )
        return rows

    def expected(self):
        a = Article.objects.get(pk=self.article.pk)
        return [(a.status, a.published_at, a.unpublish_at)] * (a.tags.count() + a.bylines.count())

    def listed(self):
        """The article's place on its tag's page and on its author's page."""
        return [
            [a.pk for a in Cards(tag=self.tag)[0:20]],
            [a.pk for a in Cards(author=self.author)[0:20]],
        ]

    def test_a_new_filing_row_copies_its_article(self):
        assert self.copies() == self.expected() == [("draft", None, None)] * 2
        self.article.tags.add("Drought")
        Byline.objects.create(article=self.article, author=AuthorFactory(), position=1)
        assert self.copies() == self.expected()
        assert len(self.copies()) == 4

    def test_publishing_unpublishing_and_rescheduling_reach_the_pages(self):
        assert self.listed() == [[], []]
        self.article.status = Article.Status.PUBLISHED
        self.article.published_at = timezone.now() - timedelta(hours=1)
        self.article.save()
        assert self.copies() == self.expected()
        assert self.listed() == [[self.article.pk], [self.article.pk]]
        Article.objects.filter(pk=self.article.pk).update(  # a bulk change, no save()
            unpublish_at=timezone.now() - timedelta(minutes=1)
        )
        assert self.copies() == self.expected()
        assert self.listed() == [[], []]
        Article.objects.filter(pk=self.article.pk).update(
            unpublish_at=None, status=Article.Status.SCHEDULED,
            published_at=timezone.now() + timedelta(days=1),
        )  # fmt: skip
        assert self.copies() == self.expected()
        assert self.listed() == [[], []]

    def test_a_filing_row_saved_with_stale_values_is_corrected(self):
        for row in [
            TaggedArticle.objects.get(content_object=self.article),
            Byline.objects.get(article=self.article),
        ]:
            row.status, row.published_at = Article.Status.PUBLISHED, timezone.now()
            row.save()
        assert self.copies() == self.expected() == [("draft", None, None)] * 2
        assert self.listed() == [[], []]

    def test_tag_and_author_pages_are_newest_first_and_page_like_the_orm(self):
        now = timezone.now()
        for hours in (5, 1, 3, 2, 4):
            ArticleFactory(
                tags=["Heat"], authors=[self.author], published_at=now - timedelta(hours=hours)
            )
        published = Article.objects.published()
        for cards, queryset in (
            (Cards(tag=self.tag), published.filter(tags=self.tag)),
            (Cards(author=self.author), published.filter(bylines__author=self.author)),
        ):
            expected = newest_first(queryset)
            assert [a.pk for a in cards[0:3]] == expected[0:3]
            assert [a.pk for a in cards[3:6]] == expected[3:6]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements")
class PreparedReadsTests(TestCase):
    """The reads bind on the server, so PostgreSQL keeps them prepared after
    `DATABASE_PREPARE_THRESHOLD` runs (no planning per request); Django's own queries never."""

    def prepared(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    def test_the_article_read_is_prepared_and_still_counted_as_a_query(self):
        article = ArticleFactory(tags=["Heat"])
        Article.objects.filter(pk=article.pk).count()  # an ORM query, run as often
        threshold = connection.connection.prepare_threshold
        assert threshold == int(settings.PREPARE_THRESHOLD) == 5
        with self.assertNumQueries(threshold + 1):
            found = [article_for_page(article.slug) for _ in range(threshold + 1)]
        assert {a.pk for a in found} == {article.pk}
        for _ in range(threshold + 1):
            Article.objects.filter(pk=article.pk).count()
        statements = self.prepared()
        assert any("WHERE a.slug = $" in s for s in statements)
        assert not any("COUNT(*)" in s.upper() for s in statements)

    def test_the_reads_give_the_same_rows_once_prepared(self):
        pinned = ArticleFactory(tags=["Heat", "Drought"])
        others = [ArticleFactory(tags=["Heat"]) for _ in range(3)]
        first = [a.pk for a in related_cards(pinned)]
        cards = [a.pk for a in Cards()[0:10]]
        for _ in range(8):
            assert [a.pk for a in related_cards(pinned)] == first
            assert [a.pk for a in Cards()[0:10]] == cards
        assert set(first) == {a.pk for a in others}
        assert sum("LIMIT $" in s for s in self.prepared()) >= 2
