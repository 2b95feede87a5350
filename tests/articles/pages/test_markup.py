"""The article page's own markup, rendered once and kept (articles/pages/markup.py): the page is the
same with kept parts as rendered afresh, every change that shows on the page is shown at once
(whether or not anything purged), previews are never kept, and a failure to keep costs
nothing but the write."""

from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import addresses, services
from articles.media import services as media
from articles.models import Article, Author, Section
from articles.pages import markup
from articles.pages.models import ArticleMarkup
from articles.pages.reads import Cards, article_for_page
from articles.publication import get_publication, save_publication
from tests.factories import (
    AdSlotFactory,
    ArticleFactory,
    AuthorFactory,
    SectionFactory,
    UserFactory,
    library_image,
)


class KeptMarkupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        AdSlotFactory(code="YYYYYYYYYY")
        cls.section = SectionFactory(name="World", slug="world")
        cls.author = AuthorFactory(name="Jo Reporter", slug="jo")
        cls.article = ArticleFactory(
            headline="Kept story",
            standfirst="What happened.",
            section=cls.section,
            authors=[cls.author],
            tags=["Rain", "Floods"],
        )
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.url = cls.article.get_absolute_url()

    def page(self):
        response = self.client.get(self.url)
        assert response.status_code == 200
        return response.content.decode()

    def kept(self):
        return ArticleMarkup.objects.get(article=self.article)

    def test_the_first_view_keeps_the_parts_and_later_views_are_byte_identical(self):
        assert not ArticleMarkup.objects.exists()
        first = self.page()
        kept = self.kept()
        assert "Kept story" in kept.header and 'rel="author">Jo Reporter</a>' in kept.header
        assert '"@type": "NewsArticle"' in kept.head and 'rel="tag">Floods</a>' in kept.tags
        assert kept.title.startswith("Kept story — ")
        with mock.patch.object(markup, "render", wraps=markup.render) as rendering:
            assert self.page() == first
        rendering.assert_not_called()

    def test_kept_parts_are_used_only_while_their_digest_is_current(self):
        self.page()
        ArticleMarkup.objects.filter(pk=self.article.pk).update(header="<h1>Planted</h1>")
        assert "<h1>Planted</h1>" in self.page()  # current digest: the kept part is used
        # A change no purge hears of (a bulk update) still shows at once.
        Article.objects.filter(pk=self.article.pk).update(headline="Quietly changed")
        page = self.page()
        assert "Planted" not in page and "Quietly changed</h1>" in page
        assert "Quietly changed" in self.kept().header

    def test_two_writes_in_one_transaction_give_two_digests(self):
        digests = []
        with transaction.atomic():
            for headline in ("One", "Two"):
                Article.objects.filter(pk=self.article.pk).update(headline=headline)
                digests.append(markup.digest(article_for_page(self.article.slug)))
        assert digests[0] != digests[1]

    def test_each_change_the_page_shows_renders_the_parts_afresh(self):
        self.page()
        changes = {
            "a correction": lambda: services.add_correction(
                article=self.article, kind="correction", text="The date was wrong.", by=self.editor
            ),
            "a tag renamed": lambda: services.rename_tag(
                tag=self.article.tags.get(name="Rain"),
                name="Heavy rain",
                slug="rain",
                by=self.editor,
            ),
            "an author renamed": lambda: _renamed(
                Author.objects.get(pk=self.author.pk), "Jo Writer"
            ),
            "the section renamed": lambda: _renamed(
                Section.objects.get(pk=self.section.pk), "Globe"
            ),
            "the publication renamed": lambda: save_publication(
                publication=_named(get_publication(), "The Daily Kept")
            ),
        }
        shown = {
            "a correction": "The date was wrong.",
            "a tag renamed": 'rel="tag">Heavy rain</a>',
            "an author renamed": 'rel="author">Jo Writer</a>',
            "the section renamed": 'href="/sections/world/">Globe</a>',
            "the publication renamed": "— The Daily Kept</title>",
        }
        for name, change in changes.items():
            with self.subTest(name):
                before = self.kept().digest
                change()
                page = self.page()
                assert shown[name] in page
                assert self.kept().digest != before

    def test_a_lead_image_made_ready_shows_its_renditions(self):
        image = library_image(alt_text="Flooded street")
        Article.objects.filter(pk=self.article.pk).update(lead_image=image)
        before = self.page()
        media.process_image(image_id=image.pk)
        after = self.page()
        assert 'alt="Flooded street"' in after
        assert before != after and "image/avif" in after and "image/avif" in self.kept().figure

    def test_the_time_zone_and_the_settings_that_shape_addresses_are_in_the_digest(self):
        self.page()
        article = article_for_page(self.article.slug)
        digest = markup.digest(article)
        with timezone.override("Asia/Tokyo"):
            assert markup.digest(article) != digest
        with override_settings(MEDIA_URL="/elsewhere/"):
            assert markup.digest(article) != digest
        # Servers and workers that differ only in settings the markup does not show agree.
        with override_settings(NEWSROOM_PAGE_CACHE=False, NEWSROOM_PURGE_URLS=["http://x/"]):
            assert markup.digest(article) == digest
        assert markup.digest(article) == digest == self.kept().digest

    def test_a_preview_is_never_kept_and_kept_parts_never_hold_the_banner(self):
        draft = ArticleFactory(draft=True, headline="Secret draft")
        self.client.force_login(self.editor)
        response = self.client.get(draft.get_absolute_url())
        assert response.status_code == 200 and "Not published." in response.content.decode()
        token = services.create_preview_token(article=draft, by=self.editor)
        self.client.logout()
        assert self.client.get(f"/preview/{token}/").status_code == 200
        assert not ArticleMarkup.objects.filter(article=draft).exists()
        self.page()
        assert all("Not published" not in getattr(self.kept(), p) for p in ArticleMarkup.PARTS)

    def test_publishing_keeps_the_parts_once_the_change_commits(self):
        draft = ArticleFactory(
            in_review=True, headline="Going live", tags=["Rain"], authors=[self.author],
            seo_description="A search description that is comfortably longer than fifty chars.",
        )  # fmt: skip
        with self.captureOnCommitCallbacks(execute=True):
            services.publish_now(article=draft, by=self.editor)
        kept = ArticleMarkup.objects.get(article=draft)
        assert "Going live" in kept.header
        assert kept.digest == markup.digest(article_for_page(draft.slug))

    def test_keep_current_skips_what_readers_cannot_see(self):
        draft = ArticleFactory(draft=True)
        assert markup.keep_current([draft.pk, self.article.pk, 999_999]) == 1
        assert list(ArticleMarkup.objects.values_list("article", flat=True)) == [self.article.pk]
        assert markup.keep_current([self.article.pk]) == 0  # already current

    def test_a_failure_to_keep_is_logged_and_the_page_served(self):
        with (
            mock.patch.object(ArticleMarkup.objects, "bulk_create", side_effect=DatabaseError),
            self.assertLogs("articles.pages.markup", "WARNING") as logs,
        ):
            page = self.page()
        assert "Kept story</h1>" in page
        assert "Could not keep the markup" in logs.output[0]
        assert not ArticleMarkup.objects.exists()


class KeptCardTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(name="World", slug="world")
        cls.articles = [
            ArticleFactory(headline=f"Card {n}", section=cls.section, tags=["Rain"])
            for n in range(3)
        ]

    def test_listings_keep_each_card_and_show_a_change_at_once(self):
        first = self.client.get("/sections/world/").content.decode()
        kept = ArticleMarkup.objects.get(article=self.articles[0])
        assert '<h2 class="card__headline">' in kept.card_h2 and "Card 0</a></h2>" in first
        assert '<h3 class="card__headline">' in kept.card_h3 and kept.digest == ""
        ArticleMarkup.objects.filter(pk=kept.pk).update(card_h2="<p>Planted card</p>")
        assert "Planted card" in self.client.get("/sections/world/").content.decode()
        Article.objects.filter(pk=self.articles[0].pk).update(headline="Card renamed")
        page = self.client.get("/sections/world/").content.decode()
        assert "Planted card" not in page and "Card renamed</a></h2>" in page
        _renamed(Section.objects.get(pk=self.section.pk), "Globe")
        assert self.client.get("/tags/rain/").content.decode().count(">Globe</a></p>") == 3

    def test_the_page_and_its_card_are_kept_side_by_side(self):
        article = self.articles[1]
        self.client.get("/")
        self.client.get(article.get_absolute_url())
        kept = ArticleMarkup.objects.get(article=article)
        assert kept.card_digest and kept.digest and kept.card_digest != kept.digest
        assert "Card 1</a></h3>" in kept.card_h3 and "Card 1</h1>" in kept.header
        ArticleMarkup.objects.filter(pk=kept.pk).update(card_digest="")
        self.client.get("/")  # the listing keeps the card again and leaves the page's parts
        again = ArticleMarkup.objects.get(article=article)
        assert again.card_digest == kept.card_digest
        assert (again.digest, again.header, again.head) == (kept.digest, kept.header, kept.head)

    def test_a_card_read_at_the_other_level_is_rendered_never_queried(self):
        self.client.get("/sections/world/")  # kept, at both levels
        cards = Cards(section=self.section, level=2)[0:3]
        with CaptureQueriesContext(connection) as ctx:
            html = markup.cards(cards, level=3, here=addresses.here())
        assert all('<h3 class="card__headline">' in card for card in html)
        assert not [q for q in ctx.captured_queries if q["sql"].startswith("SELECT")]


class RenderMarkupCommandTests(TestCase):
    def test_it_keeps_every_live_articles_page_and_card_and_then_nothing(self):
        live = [ArticleFactory() for _ in range(3)]
        ArticleFactory(draft=True)
        out = StringIO()
        call_command("render_markup", stdout=out)
        assert "[" + "#" * 30 + "] 3/3" in out.getvalue()
        assert "Rendered 3 of 3 live articles' markup." in out.getvalue()
        kept = ArticleMarkup.objects.order_by("article_id")
        assert [m.article_id for m in kept] == [a.pk for a in live]
        assert all(m.digest and m.card_digest and m.card_h2 and m.card_h3 for m in kept)
        call_command("render_markup", stdout=(again := StringIO()))
        assert "Rendered 0 of 3" in again.getvalue()
        with CaptureQueriesContext(connection) as ctx:  # nothing left for a reader to write
            self.client.get("/")
            self.client.get(live[0].get_absolute_url())
        assert not [q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]


def _named(instance, name):
    instance.name = name
    return instance


def _renamed(instance, name):
    _named(instance, name).save()
