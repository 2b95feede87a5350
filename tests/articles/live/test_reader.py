"""What readers get: the stream on the article page (its order, key events, JSON-LD, query
budget), the poll endpoint (headers, contents, the page cache), keyset "load more", entry
share pages, the entries' feed and the news sitemap's lastmod."""

import json
import re
from datetime import timedelta

import feedparser
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from articles.live import services
from articles.live.models import EntryStatus, LiveEntry
from articles.publication import get_publication
from tests.factories import ArticleFactory

from .helpers import coverage, editor, entry

POLL_CACHE_CONTROL = (
    "public, max-age=0, s-maxage=10, stale-while-revalidate=10, stale-if-error=86400"
)
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def live_blog(html: str) -> dict:
    for block in JSON_LD.findall(html):
        data = json.loads(block)
        if data.get("@type") == "LiveBlogPosting":
            return data
    raise AssertionError("no LiveBlogPosting on the page")


class ArticlePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.article = ArticleFactory(headline="Storm hits the coast")
        cls.live = coverage(cls.article, ads_every=0)
        cls.entries = [
            entry(cls.live, headline=f"Update {n}", minutes_ago=100 - n) for n in range(25)
        ]
        cls.pinned = entry(cls.live, headline="Read this first", minutes_ago=200, is_pinned=True)
        cls.key = cls.entries[3]
        LiveEntry.objects.filter(pk=cls.key.pk).update(is_key_event=True)
        cls.draft = entry(cls.live, status=EntryStatus.DRAFT, headline="Unchecked rumour")
        cls.removed = entry(cls.live, status=EntryStatus.REMOVED, headline="Wrong figure")

    def page(self):
        return self.client.get(self.article.get_absolute_url())

    def test_stream_newest_first_pinned_on_top_with_key_events(self):
        html = self.page().content.decode()
        stream = html[html.index('id="live"') :]
        headlines = re.findall(r'live-entry__headline">([^<]+)<', stream)
        assert headlines[0] == "Read this first"
        assert headlines[1:] == [f"Update {n}" for n in range(24, 4, -1)]  # 20, newest first
        key_list = stream[stream.index("live-key__list") : stream.index("</nav>")]
        assert f'href="#entry-{self.key.pk}"' in key_list and "Update 3" in key_list
        assert f'id="entry-{self.pinned.pk}"' in stream
        assert "Unchecked rumour" not in html and "Wrong figure" not in html
        assert f'data-poll="/live/{self.article.pk}/v/{self.live.version}/"' in stream
        assert "/live/" in stream and "Load older updates" in stream

    def test_json_ld_is_a_live_blog_posting(self):
        data = live_blog(self.page().content.decode())
        assert data["coverageStartTime"] == self.live.started_at.isoformat()
        assert "coverageEndTime" not in data
        updates = data["liveBlogUpdate"]
        assert len(updates) == 21 and all(u["@type"] == "BlogPosting" for u in updates)
        assert updates[0]["headline"] == "Update 24"
        assert updates[0]["url"].endswith(f"#entry-{self.entries[24].pk}")
        assert "Unchecked rumour" not in json.dumps(data)

    def test_json_ld_says_when_coverage_ended(self):
        services.set_state(coverage=self.live, state="ended", by=self.editor)
        self.live.refresh_from_db()
        data = live_blog(self.page().content.decode())
        assert data["coverageEndTime"] == self.live.ended_at.isoformat()

    def test_query_budget(self):
        plain = ArticleFactory()
        self.client.get(plain.get_absolute_url())  # warm the kept markup and the settings
        self.page()
        with CaptureQueriesContext(connection) as queries:
            self.client.get(plain.get_absolute_url())
        # The article page's own queries, plus 3 for the stream (the coverage lookup is
        # made on every article page): the first page with the pinned entries, their
        # authors, the key events.
        assert any("live_livecoverage" in q["sql"] for q in queries)
        with self.assertNumQueries(len(queries) + 3):
            self.page()

    def test_a_draft_articles_coverage_is_not_shown(self):
        hidden = ArticleFactory(draft=True)
        entry(coverage(hidden), headline="Secret entry")
        assert self.client.get(f"/live/{hidden.pk}/v/0/").status_code == 404
        assert self.client.get(f"/live/{hidden.pk}/feed/").status_code == 404


class AdsBetweenEntriesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        from tests.factories import AdSlotFactory, PlacementFactory

        slot = AdSlotFactory(code="live-between-entries", position="after_body")
        PlacementFactory(slot=slot, house=True)
        cls.article = ArticleFactory()
        cls.live = coverage(cls.article, ads_every=3)
        for n in range(7):
            entry(cls.live, minutes_ago=10 - n)

    def test_a_reserved_slot_after_every_n_entries(self):
        html = self.client.get(self.article.get_absolute_url()).content.decode()
        stream = html[html.index('id="live"') :]
        assert stream.count('class="live__ad"') == 2  # after the 3rd and 6th of 7
        assert "--ad-height" in stream  # the slot's reserved size (CLS-safe)

    def test_the_articles_no_ads_switch_turns_them_off(self):
        type(self.article).objects.filter(pk=self.article.pk).update(ads_disabled=True)
        html = self.client.get(self.article.get_absolute_url()).content.decode()
        assert 'class="live__ad"' not in html


class PollTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.article = ArticleFactory()
        cls.live = services.start_coverage(article=cls.article, by=cls.editor)  # version 1

    def poll(self, version):
        return self.client.get(f"/live/{self.article.pk}/v/{version}/")

    def test_an_idle_poll_is_tiny_and_shared_for_one_interval(self):
        response = self.poll(1)
        assert response.status_code == 200
        assert response["Cache-Control"] == POLL_CACHE_CONTROL
        assert f"live-{self.article.pk}" in response["Surrogate-Key"].split()
        assert response.json() == {"v": 1, "state": "live", "interval": 10}
        assert len(response.content) < 60

    def test_new_edited_and_removed_entries_travel_by_version(self):
        posted = services.post_entry(
            coverage=self.live, by=self.editor, body="First", headline="Polls open", publish=True
        )
        draft = services.post_entry(coverage=self.live, by=self.editor, body="Not yet")
        answer = self.poll(1).json()
        assert answer["v"] == 2 and [e["id"] for e in answer["entries"]] == [posted.pk]
        assert "Polls open" in answer["entries"][0]["html"]
        assert f'id="entry-{posted.pk}"' in answer["entries"][0]["html"]
        assert "Not yet" not in json.dumps(answer)
        services.edit_entry(entry=posted, by=self.editor, version=1, body="First, corrected")
        answer = self.poll(2).json()
        assert answer["v"] == 3 and "First, corrected" in answer["entries"][0]["html"]
        services.remove_entry(entry=posted, by=self.editor)
        services.remove_entry(entry=draft, by=self.editor)  # never seen: not a change
        answer = self.poll(3).json()
        assert answer == {
            "v": 4,
            "state": "live",
            "interval": 10,
            "entries": [],
            "removed": [posted.pk],
        }
        assert "First" not in self.poll(1).content.decode()

    def test_paused_polls_slower_and_ended_says_stop(self):
        services.set_state(coverage=self.live, state="paused", by=self.editor)
        assert self.poll(2).json()["interval"] == 60
        assert "s-maxage=60" in self.poll(2)["Cache-Control"]
        services.set_state(coverage=self.live, state="ended", by=self.editor)
        assert self.poll(3).json() == {"v": 3, "state": "ended", "interval": 10, "stop": True}

    def test_a_version_from_the_future_or_far_past_asks_for_a_reload(self):
        assert self.poll(99).json()["reload"] is True

    def test_bad_addresses_are_404_never_500(self):
        for url in [
            f"/live/{self.article.pk}/v/-1/",
            f"/live/{self.article.pk}/v/abc/",
            "/live/999999/v/0/",
            f"/live/{self.article.pk}/before/nonsense/",
            f"/live/{self.article.pk}/before/99999999999999999999-1/",
            f"/live/{self.article.pk}/entry/999999/",
        ]:
            with self.subTest(url=url):
                assert self.client.get(url).status_code == 404

    def test_post_is_not_allowed(self):
        assert self.client.post(f"/live/{self.article.pk}/v/1/").status_code in (403, 405)

    @override_settings(NEWSROOM_PAGE_CACHE=True)
    def test_the_page_cache_answers_until_a_change_purges_it(self):
        assert self.poll(1)["X-Page-Cache"] == "miss"
        with self.assertNumQueries(0):
            assert self.poll(1)["X-Page-Cache"] == "hit"
        with self.captureOnCommitCallbacks(execute=True):
            posted = services.post_entry(
                coverage=self.live, by=self.editor, body="Breaking", publish=True
            )
        response = self.poll(1)
        assert response["X-Page-Cache"] == "miss"
        assert [e["id"] for e in response.json()["entries"]] == [posted.pk]
        # A draft changes nothing readers see: the cached copies stay.
        self.poll(2)
        with self.captureOnCommitCallbacks(execute=True):
            services.post_entry(coverage=self.live, by=self.editor, body="Draft")
        assert self.poll(2)["X-Page-Cache"] == "hit"


class LoadMoreTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory()
        cls.live = coverage(cls.article)
        at = timezone.now() - timedelta(hours=1)
        # 45 entries, some at the same instant: the id breaks the tie.
        cls.entries = [
            LiveEntry.objects.create(
                coverage=cls.live,
                status=EntryStatus.PUBLISHED,
                body=f"<p>Entry {n}</p>",
                published_at=at + timedelta(seconds=n // 3),
            )
            for n in range(45)
        ]

    def test_keyset_pages_cover_every_entry_once_without_offset(self):
        html = self.client.get(self.article.get_absolute_url()).content.decode()
        seen = re.findall(r'data-entry="(\d+)"', html[html.index('id="live"') :])
        url = re.search(r'class="live__more" href="([^"]+)"', html)[1]
        pages = 0
        while url:
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(url)
            assert response.status_code == 200
            assert not any("OFFSET" in q["sql"].upper() for q in queries)
            page = response.content.decode()
            seen += re.findall(r'data-entry="(\d+)"', page)
            found = re.search(r'class="live__more" href="([^"]+)"', page)
            url = found[1] if found else None
            pages += 1
        assert pages == 2
        assert [int(pk) for pk in seen] == [e.pk for e in reversed(self.entries)]


class ShareAndFeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = editor()
        cls.article = ArticleFactory(headline="Election night")
        cls.live = coverage(cls.article)
        cls.shown = entry(cls.live, headline="Turnout is 71%", body="<p>Highest since 1992.</p>")
        cls.draft = entry(cls.live, status=EntryStatus.DRAFT, headline="Exit poll leak")

    def test_an_entry_share_page_has_its_own_card_and_links_to_the_anchor(self):
        response = self.client.get(f"/live/{self.article.pk}/entry/{self.shown.pk}/")
        html = response.content.decode()
        assert '<meta property="og:title" content="Turnout is 71%">' in html
        assert '<meta name="twitter:description" content="Highest since 1992.">' in html
        anchor = f"{self.article.get_absolute_url()}#entry-{self.shown.pk}"
        assert f'href="{anchor}"' in html
        base = get_publication().base_url.rstrip("/")
        assert f'<link rel="canonical" href="{base}{anchor}">' in html
        share = f"{base}/live/{self.article.pk}/entry/{self.shown.pk}/"
        assert f'<meta property="og:url" content="{share}">' in html
        assert self.client.get(f"/live/{self.article.pk}/entry/{self.draft.pk}/").status_code == 404

    def test_the_feed_lists_published_entries_only(self):
        response = self.client.get(f"/live/{self.article.pk}/feed/")
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.feed.title == "Election night — live"
        assert [e.title for e in feed.entries] == ["Turnout is 71%"]
        assert feed.entries[0].link.endswith(f"#entry-{self.shown.pk}")
        assert "Highest since 1992." in feed.entries[0].content[0].value
        assert "Exit poll" not in response.content.decode()

    def test_publishing_an_entry_moves_the_articles_lastmod_in_the_news_sitemap(self):
        def lastmod():
            root = etree.fromstring(self.client.get("/sitemap-news.xml").content)
            ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
            for url in root.findall("s:url", ns):
                if url.find("s:loc", ns).text.endswith(self.article.get_absolute_url()):
                    return url.find("s:lastmod", ns).text
            raise AssertionError("article not in the news sitemap")

        before = lastmod()
        type(self.article).objects.filter(pk=self.article.pk).update(
            updated_at=timezone.now() - timedelta(minutes=30)
        )
        older = lastmod()
        services.publish_entry(entry=self.draft, by=self.editor)
        assert lastmod() > older and before
