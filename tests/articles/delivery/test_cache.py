"""The page cache: headers for shared caches, hits and 304s, what is never shared, and exactly
which surrogate keys every change purges (after commit, sent to the configured proxies)."""

from datetime import timedelta

import time_machine
from django.http import HttpResponse
from django.test import RequestFactory, TestCase, override_settings
from django.utils import timezone

from ads.models import Placement
from articles import services
from articles.delivery import cache
from articles.delivery.middleware import PageCacheMiddleware, shared_cache_control
from articles.models import Article, Tag
from tests.factories import (
    AdSlotFactory,
    ArticleFactory,
    AuthorFactory,
    PlacementFactory,
    SectionFactory,
    UserFactory,
)
from tests.purge_recorder import PurgeRecorder

SEO = "A search description that is comfortably longer than fifty characters."
CACHE_CONTROL = "public, max-age=0, s-maxage=600, stale-while-revalidate=60, stale-if-error=86400"
PAGE_CACHE_ON = override_settings(NEWSROOM_PAGE_CACHE=True)


@PAGE_CACHE_ON
class PageCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.slot = AdSlotFactory(code="YYYYYYYYYY")
        cls.section = SectionFactory(slug="world")
        cls.author = AuthorFactory(slug="jo")
        cls.article = ArticleFactory(
            headline="Cached story", section=cls.section, authors=[cls.author], tags=["Rain"]
        )
        cls.tag = Tag.objects.get(name="Rain")
        cls.editor = UserFactory(username="ed", role="Editor")

    def test_reader_page_has_exact_shared_cache_headers_and_keys(self):
        response = self.client.get("/")
        assert response.status_code == 200
        assert response["Cache-Control"] == CACHE_CONTROL == shared_cache_control()
        assert response["Surrogate-Key"] == f"all article-{self.article.pk} home nav"
        assert response["ETag"].startswith('"') and response["Last-Modified"]
        assert response["X-Page-Cache"] == "miss"

    def test_every_page_type_names_what_it_shows(self):
        a = f"article-{self.article.pk}"
        expected = {
            self.article.get_absolute_url(): {"all", a, "nav", "adslot-YYYYYYYYYY"},
            "/sections/world/": {"all", a, "nav", f"section-{self.section.pk}"},
            "/authors/jo/": {"all", a, "nav", f"author-{self.author.pk}"},
            f"/tags/{self.tag.slug}/": {"all", a, "nav", f"tag-{self.tag.pk}"},
        }
        for url, keys in expected.items():
            with self.subTest(url=url):
                response = self.client.get(url)
                assert set(response["Surrogate-Key"].split()) >= keys
                assert response["Cache-Control"] == CACHE_CONTROL

    def test_second_request_is_a_hit_with_the_same_bytes_and_headers(self):
        first = self.client.get("/")
        with self.assertNumQueries(0):
            second = self.client.get("/")
        assert second["X-Page-Cache"] == "hit"
        assert second.content == first.content
        for name in ("Cache-Control", "Surrogate-Key", "ETag", "Content-Security-Policy"):
            assert second[name] == first[name], name
        assert int(second["Age"]) >= 0

    def test_matching_etag_answers_304_on_miss_and_on_hit(self):
        etag = self.client.get("/").headers["ETag"]
        hit = self.client.get("/", HTTP_IF_NONE_MATCH=etag)
        assert hit.status_code == 304 and hit.content == b""
        assert hit["ETag"] == etag
        with override_settings(NEWSROOM_PAGE_CACHE=False):
            miss = self.client.get("/", HTTP_IF_NONE_MATCH=etag)
        assert miss.status_code == 304

    def test_if_modified_since_answers_304(self):
        last_modified = self.client.get("/").headers["Last-Modified"]
        assert self.client.get("/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304

    def test_switched_off_it_keeps_the_headers_but_never_hits(self):
        with override_settings(NEWSROOM_PAGE_CACHE=False):
            self.client.get("/")
            response = self.client.get("/")
        assert "X-Page-Cache" not in response
        assert response["Cache-Control"] == CACHE_CONTROL

    def test_a_purge_makes_the_next_request_a_miss_with_new_content(self):
        self.client.get("/")
        Article.objects.filter(pk=self.article.pk).update(headline="Rewritten story")
        assert b"Cached story" in self.client.get("/").content  # still the cached page
        cache.purge({cache.article_key(self.article.pk)})
        response = self.client.get("/")
        assert response["X-Page-Cache"] == "miss"
        self.assertContains(response, "Rewritten story")

    def test_purging_an_unrelated_key_keeps_the_hit(self):
        self.client.get("/")
        cache.purge({"article-999999", "tag-999999"})
        assert self.client.get("/")["X-Page-Cache"] == "hit"

    def test_other_query_strings_are_not_cached(self):
        response = self.client.get("/?utm_source=x")
        assert "Surrogate-Key" not in response and "X-Page-Cache" not in response

    def test_logged_in_editor_is_never_cached_nor_served_a_cached_page(self):
        self.client.get("/")  # a reader's copy is in the cache
        self.client.force_login(self.editor)
        response = self.client.get("/")
        assert response["Cache-Control"] == "private, no-cache"
        assert "Surrogate-Key" not in response and "X-Page-Cache" not in response

    def test_not_published_banner_never_reaches_a_reader_from_the_cache(self):
        draft = ArticleFactory(draft=True, headline="Secret draft", section=self.section)
        self.client.force_login(self.editor)
        preview = self.client.get(draft.get_absolute_url())
        self.assertContains(preview, "Not published.")
        assert "private" in preview["Cache-Control"] and "Surrogate-Key" not in preview
        self.client.logout()
        response = self.client.get(draft.get_absolute_url())
        assert response.status_code == 404
        assert "X-Page-Cache" not in response and "Surrogate-Key" not in response

    def test_share_links_and_admin_are_never_cached(self):
        draft = ArticleFactory(draft=True)
        token = services.create_preview_token(article=draft, by=self.editor)
        url = f"/preview/{token}/"
        for target in (url, "/admin/login/"):
            with self.subTest(url=target):
                self.client.get(target)
                response = self.client.get(target)
                assert "X-Page-Cache" not in response and "Surrogate-Key" not in response
        assert self.client.get(url)["Cache-Control"] == "private, no-store"

    def test_cache_down_serves_pages_uncached_and_publishing_still_works(self):
        dead = {
            "default": {
                "BACKEND": "articles.delivery.backend.RedisCache",
                "LOCATION": "redis://127.0.0.1:18199/6",  # nothing listens here
                "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
            }
        }
        with override_settings(CACHES=dead), self.assertLogs("articles", "WARNING") as logs:
            for url in ("/", self.article.get_absolute_url()):
                response = self.client.get(url)
                assert response.status_code == 200
                assert "X-Page-Cache" not in response
            cache.purge({"home"})
        assert any("unavailable" in line for line in logs.output)
        assert any("Could not mark" in line for line in logs.output)


class MiddlewareRefusalTests(TestCase):
    """Responses that must never be shared, whatever the view forgot."""

    def run_middleware(self, make_response, **meta):
        request = RequestFactory().get("/", **meta)
        request.META.update(meta)
        return PageCacheMiddleware(lambda r: make_response(r))(request)

    def test_response_setting_a_cookie_is_not_shared(self):
        def view(request):
            response = HttpResponse("hi")
            response.set_cookie("seen", "1")
            return response

        response = self.run_middleware(view)
        assert "Surrogate-Key" not in response
        assert response["Cache-Control"] == "private, no-cache"  # it depends on who asked

    def test_response_carrying_a_csrf_token_is_not_shared(self):
        def view(request):
            request.META["CSRF_COOKIE_USED"] = True
            return HttpResponse("<form>")

        assert "Surrogate-Key" not in self.run_middleware(view)

    def test_response_with_a_csp_nonce_is_not_shared(self):
        def view(request):
            response = HttpResponse("<script nonce=abc>")
            response["Content-Security-Policy"] = "script-src 'self' 'nonce-abc'"
            return response

        assert "Surrogate-Key" not in self.run_middleware(view)

    def test_view_chosen_cache_control_is_kept(self):
        def view(request):
            response = HttpResponse("mine")
            response["Cache-Control"] = "private, no-store"
            return response

        response = self.run_middleware(view)
        assert response["Cache-Control"] == "private, no-store"
        assert "Surrogate-Key" not in response

    def test_errors_are_not_shared(self):
        response = self.run_middleware(lambda r: HttpResponse("gone", status=404))
        assert "Surrogate-Key" not in response


class PurgeKeysTests(TestCase):
    """Each change purges exactly these keys, after commit, at every configured proxy."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="ed", role="Editor")
        cls.section = SectionFactory()
        cls.author = AuthorFactory()
        cls.article = ArticleFactory(
            section=cls.section, authors=[cls.author], tags=["Alpha"], seo_description=SEO
        )
        cls.alpha = Tag.objects.get(name="Alpha")
        # The revision every real article has: an edit compares its listings against it.
        services.record_revision(article=cls.article, by=None, reason="Loaded as data")

    def setUp(self):
        self.proxy = PurgeRecorder().__enter__()
        self.addCleanup(self.proxy.__exit__)
        settings_override = override_settings(NEWSROOM_PURGE_URLS=[self.proxy.url])
        settings_override.enable()
        self.addCleanup(settings_override.disable)

    def article_keys(self, article, *extra):
        return {
            f"article-{article.pk}",
            "home",
            f"section-{article.section_id}",
            *(f"author-{b.author_id}" for b in article.bylines.all()),
            *(f"tag-{t.pk}" for t in article.tags.all()),
            "feeds",
            "sitemaps",
            *extra,
        }

    def purged_by(self, change):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            change()
        keys = self.proxy.keys()
        if keys:
            assert callbacks, "purges must wait for the commit"
        return keys

    def test_nothing_is_sent_before_the_commit(self):
        with self.captureOnCommitCallbacks(execute=False):
            services.unpublish(article=self.article, by=self.editor)
        assert self.proxy.keys() == set()

    def test_unpublish_purges_the_article_and_every_listing_it_leaves(self):
        keys = self.purged_by(lambda: services.unpublish(article=self.article, by=self.editor))
        assert keys == self.article_keys(self.article)

    def test_publish_purges_the_article_and_every_listing_it_enters(self):
        article = ArticleFactory(in_review=True, tags=["Beta"], seo_description=SEO)
        keys = self.purged_by(lambda: services.publish_now(article=article, by=self.editor))
        assert keys == self.article_keys(article)

    def test_workflow_steps_out_of_sight_purge_nothing(self):
        article = ArticleFactory(draft=True, tags=["Beta"], seo_description=SEO)
        submit = lambda: services.submit_for_review(article=article, by=self.editor)  # noqa: E731
        assert self.purged_by(submit) == set()
        schedule = lambda: services.schedule(  # noqa: E731
            article=article, by=self.editor, publish_at=timezone.now() + timedelta(days=1)
        )
        assert self.purged_by(schedule) == set()

    def test_scheduled_flip_purges_like_a_publish(self):
        article = ArticleFactory(scheduled=True, tags=["Beta"], seo_description=SEO)
        with time_machine.travel(timezone.now() + timedelta(days=2)):
            keys = self.purged_by(services.run_due)
        assert keys == self.article_keys(article)

    def test_scheduled_unpublish_purges_like_an_unpublish(self):
        article = ArticleFactory(
            tags=["Beta"], seo_description=SEO, unpublish_at=timezone.now() + timedelta(days=1)
        )
        with time_machine.travel(timezone.now() + timedelta(days=2)):
            keys = self.purged_by(services.run_due)
        assert keys == self.article_keys(article)

    def test_unpublishing_an_article_the_clock_took_down_still_purges(self):
        article = ArticleFactory(
            tags=["Beta"], seo_description=SEO, unpublish_at=timezone.now() + timedelta(days=1)
        )
        with time_machine.travel(timezone.now() + timedelta(days=2)):
            keys = self.purged_by(lambda: services.unpublish(article=article, by=self.editor))
        assert keys == self.article_keys(article)

    def edit(self, article, **changes):
        def change():
            for name, value in changes.items():
                if name == "tags":
                    article.tags.set(value)
                else:
                    setattr(article, name, value)
            article.save()
            services.record_edit(article=article, by=self.editor)

        return change

    def test_editing_a_live_article_purges_only_its_page_and_cards(self):
        keys = self.purged_by(self.edit(self.article, headline="A better headline"))
        assert keys == {f"article-{self.article.pk}", "feeds", "sitemaps"}

    def test_retagging_a_live_article_purges_the_tags_it_joined_and_left(self):
        keys = self.purged_by(self.edit(self.article, tags=["Gamma"]))
        gamma = Tag.objects.get(name="Gamma")
        assert keys == {
            f"article-{self.article.pk}",
            f"tag-{self.alpha.pk}",
            f"tag-{gamma.pk}",
            "feeds",
            "sitemaps",
        }

    def test_editing_a_draft_purges_nothing(self):
        draft = ArticleFactory(draft=True)
        assert self.purged_by(self.edit(draft, headline="Still secret")) == set()

    def test_tag_rename_purges_its_page_and_its_public_articles(self):
        hidden = ArticleFactory(draft=True, tags=["Alpha"])

        def rename():
            self.alpha.name = "Alpha renamed"
            self.alpha.save()

        keys = self.purged_by(rename)
        assert keys == {f"tag-{self.alpha.pk}", f"article-{self.article.pk}", "feeds", "sitemaps"}
        assert f"article-{hidden.pk}" not in keys

    def test_correction_purges_the_article_the_corrections_page_feeds_and_sitemaps(self):
        add = lambda: services.add_correction(  # noqa: E731
            article=self.article, kind="correction", text="A date was wrong.", by=self.editor
        )
        keys = self.purged_by(add)
        assert keys == {f"article-{self.article.pk}", "corrections", "feeds", "sitemaps"}

    def test_tag_merge_purges_both_tags_and_the_public_articles_that_carried_them(self):
        other = ArticleFactory(tags=["Beta"], seo_description=SEO)
        hidden = ArticleFactory(draft=True, tags=["Beta"])
        beta = Tag.objects.get(name="Beta")
        admin = UserFactory(username="boss", is_superuser=True)
        merge = lambda: services.merge_tags(sources=[beta], into=self.alpha, by=admin)  # noqa: E731
        keys = self.purged_by(merge)
        assert {f"tag-{beta.pk}", f"tag-{self.alpha.pk}", "feeds", "sitemaps"} <= keys
        assert {f"article-{self.article.pk}", f"article-{other.pk}"} <= keys
        assert f"article-{hidden.pk}" not in keys

    def test_author_change_purges_their_page_and_their_public_articles(self):
        def rename():
            self.author.name = "New Name"
            self.author.save()

        assert self.purged_by(rename) == {
            f"author-{self.author.pk}",
            f"article-{self.article.pk}",
            "feeds",
        }

    def test_section_change_purges_the_navigation_and_the_section(self):
        def rename():
            self.section.name = "Renamed desk"
            self.section.save()

        assert self.purged_by(rename) == {"nav", f"section-{self.section.pk}"}

    def test_placement_changes_purge_the_pages_showing_the_slot(self):
        slot = AdSlotFactory(code="YYYYYYYYYY")
        assert self.purged_by(lambda: PlacementFactory(slot=slot)) >= {"adslot-YYYYYYYYYY"}
        placement = Placement.objects.get(slot=slot)
        assert self.purged_by(placement.delete) == {"adslot-YYYYYYYYYY"}

    def test_purged_keys_are_misses_in_the_application_cache_too(self):
        with PAGE_CACHE_ON:
            self.client.get("/")
            assert self.client.get("/")["X-Page-Cache"] == "hit"
            self.purged_by(lambda: services.unpublish(article=self.article, by=self.editor))
            response = self.client.get("/")
        assert response["X-Page-Cache"] == "miss"
        self.assertNotContains(response, self.article.headline)


def capped(seconds, stale=0, if_error=0):
    return (
        f"public, max-age=0, s-maxage={seconds}, stale-while-revalidate={stale}, "
        f"stale-if-error={if_error}"
    )


NOW = timezone.now().replace(microsecond=0)


@PAGE_CACHE_ON
@time_machine.travel(NOW, tick=False)
class LifetimeCapTests(TestCase):
    """No cached response lives past the next scheduled change of what it shows: s-maxage, the
    stale allowances and the application cache's entry all end by then."""

    @classmethod
    def setUpTestData(cls):
        cls.section = SectionFactory(slug="world")
        cls.quiet = SectionFactory(slug="quiet")
        cls.author = AuthorFactory(slug="jo")
        cls.leaving = ArticleFactory(
            headline="Leaving story",
            section=cls.section,
            authors=[cls.author],
            tags=["Rain"],
            unpublish_at=NOW + timedelta(seconds=120),
        )
        cls.staying = ArticleFactory(headline="Staying story", section=cls.quiet, tags=["Sun"])
        cls.rain = Tag.objects.get(name="Rain")

    def test_lifetimes_are_cut_at_the_change(self):
        now = NOW.timestamp()
        assert shared_cache_control() == CACHE_CONTROL
        assert shared_cache_control(now + 120.9, now) == capped(120)
        assert shared_cache_control(now + 630, now) == capped(600, 30, 30)
        assert shared_cache_control(now + 5000, now) == capped(600, 60, 4400)
        assert shared_cache_control(now + 0.5, now) == capped(0)

    def test_pages_showing_an_article_live_until_its_unpublish_time(self):
        urls = [
            "/",
            self.leaving.get_absolute_url(),
            "/sections/world/",
            "/authors/jo/",
            f"/tags/{self.rain.slug}/",
            "/feed/",
            "/sections/world/feed/",
            f"/tags/{self.rain.slug}/feed/",
            "/authors/jo/feed/atom/",
            "/sitemap.xml",
            "/sitemap-articles.xml",
            "/sitemap-tags.xml",
        ]
        for url in urls:
            with self.subTest(url=url):
                response = self.client.get(url)
                assert response.status_code == 200
                assert response["Cache-Control"] == capped(120)

    def test_pages_without_it_keep_the_full_lifetime(self):
        for url in ("/sections/quiet/", "/sections/quiet/feed/", self.staying.get_absolute_url()):
            with self.subTest(url=url):
                assert self.client.get(url)["Cache-Control"] == CACHE_CONTROL

    def test_listings_live_until_the_next_article_joins_them(self):
        ArticleFactory(scheduled=True, section=self.quiet, published_at=NOW + timedelta(seconds=45))
        ArticleFactory(scheduled=True, tags=["Sun"], published_at=NOW + timedelta(seconds=75))
        sun = Tag.objects.get(name="Sun")
        expected = {
            "/": capped(45),
            "/feed/": capped(45),
            "/sitemap-articles.xml": capped(45),
            "/sections/quiet/": capped(45),
            "/sections/quiet/feed/": capped(45),
            f"/tags/{sun.slug}/": capped(75),
            f"/tags/{sun.slug}/feed/": capped(75),
            "/sections/world/": capped(120),  # its own article's unpublish time comes first
        }
        for url, cache_control in expected.items():
            with self.subTest(url=url):
                assert self.client.get(url)["Cache-Control"] == cache_control

    def test_the_article_page_lives_until_a_related_story_comes_down(self):
        staying = ArticleFactory(headline="Related", tags=["Rain"], section=self.quiet)
        assert self.client.get(staying.get_absolute_url())["Cache-Control"] == capped(120)

    def test_the_application_cache_forgets_the_page_at_the_change(self):
        self.client.get("/")
        with time_machine.travel(NOW + timedelta(seconds=119), tick=False):
            assert self.client.get("/")["X-Page-Cache"] == "hit"
        with time_machine.travel(NOW + timedelta(seconds=120), tick=False):
            response = self.client.get("/")
        assert response["X-Page-Cache"] == "miss"
        self.assertNotContains(response, "Leaving story")
        assert response["Cache-Control"] == CACHE_CONTROL
