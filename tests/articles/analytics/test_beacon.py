"""The beacon endpoint: what it counts, what it drops, what it answers."""

from django.core.cache import cache
from django.test import TestCase, override_settings

from articles.analytics import services
from articles.analytics.models import DailyCount, HourlyCount, ReferrerCount
from tests.articles.analytics.helpers import FIREFOX, OTHER_IP, SAFARI, beacon, clear_stores, post
from tests.factories import ArticleFactory

BOTS = [
    "",
    "curl/8.5.0",
    "python-requests/2.32",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 11) Chrome-Lighthouse",
]
PREFETCHES = [
    {"HTTP_SEC_PURPOSE": "prefetch"},
    {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
    {"HTTP_PURPOSE": "prefetch"},
    {"HTTP_X_MOZ": "prefetch"},
    {"HTTP_SEC_FETCH_SITE": "cross-site"},
]


@override_settings(NEWSROOM_ANALYTICS_REDIS_URL="")
class BeaconTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = ArticleFactory()

    def setUp(self):
        clear_stores()
        cache.clear()

    def tearDown(self):
        clear_stores()

    def test_view_answers_204_without_cookie_or_cache(self):
        response = beacon(self.client, a=self.article.pk)
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.cookies, {})
        self.assertNotIn("Set-Cookie", response)
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertNotIn("Surrogate-Key", response)

    @override_settings(NEWSROOM_PAGE_CACHE=True)
    def test_the_page_cache_never_sees_a_hit(self):
        cache.clear()
        for _ in range(2):
            response = beacon(self.client, a=self.article.pk)
            self.assertEqual(response.status_code, 204)
            for header in ("X-Page-Cache", "ETag", "Surrogate-Key", "Vary", "Set-Cookie"):
                self.assertNotIn(header, response)
        self.assertFalse([key for key in cache._cache if "page:" in key])

    def test_a_hit_writes_nothing_to_the_database(self):
        beacon(self.client, a=self.article.pk)  # reads the publication's settings into the cache
        with self.assertNumQueries(0):
            beacon(self.client, a=self.article.pk, r="news.example.org")
            beacon(self.client, a=self.article.pk, t="leave", s="12")
        self.assertFalse(DailyCount.objects.exists())

    def test_views_visitors_engaged_time_and_referrers_after_flush(self):
        beacon(self.client, a=self.article.pk, r="www.News.Example.org")
        beacon(self.client, a=self.article.pk)  # same reader again
        beacon(self.client, a=self.article.pk, ua=SAFARI)  # another browser, same network
        beacon(self.client, a=self.article.pk, ip=OTHER_IP)
        beacon(self.client, a=self.article.pk, t="leave", s="40")
        beacon(self.client, a=self.article.pk, t="leave", s="7200")  # capped at 30 minutes
        self.assertEqual(services.flush(), 4)
        day = DailyCount.objects.get()
        self.assertEqual((day.views, day.visitors, day.engaged_seconds), (4, 3, 40 + 1800))
        hour = HourlyCount.objects.get()
        self.assertEqual((hour.views, hour.visitors), (4, 3))
        self.assertEqual(
            dict(ReferrerCount.objects.values_list("host", "views")),
            {"news.example.org": 1, "": 3},
        )

    def test_a_second_flush_adds_to_the_rows(self):
        beacon(self.client, a=self.article.pk)
        services.flush()
        beacon(self.client, a=self.article.pk)
        beacon(self.client, a=self.article.pk, ip=OTHER_IP)
        services.flush()
        day = DailyCount.objects.get()
        self.assertEqual((day.views, day.visitors), (3, 2))

    def test_unknown_articles_are_not_written(self):
        beacon(self.client, a=self.article.pk + 1000)
        self.assertEqual(services.flush(), 0)
        self.assertFalse(DailyCount.objects.exists())

    def test_bots_are_dropped(self):
        for user_agent in BOTS:
            with self.subTest(user_agent=user_agent):
                self.assertEqual(
                    beacon(self.client, a=self.article.pk, ua=user_agent).status_code, 204
                )
        services.flush()
        self.assertFalse(DailyCount.objects.exists())

    def test_prefetches_and_other_sites_are_dropped(self):
        for headers in PREFETCHES:
            with self.subTest(headers=headers):
                response = beacon(self.client, a=self.article.pk, headers=headers)
                self.assertEqual(response.status_code, 204)
        services.flush()
        self.assertFalse(DailyCount.objects.exists())

    def test_do_not_track_and_gpc_are_honoured(self):
        beacon(self.client, a=self.article.pk, headers={"HTTP_DNT": "1"})
        beacon(self.client, a=self.article.pk, headers={"HTTP_SEC_GPC": "1"})
        services.flush()
        self.assertFalse(DailyCount.objects.exists())

    @override_settings(NEWSROOM_ANALYTICS_HONOUR_DNT=False)
    def test_do_not_track_counts_when_the_publication_chooses(self):
        beacon(self.client, a=self.article.pk, headers={"HTTP_DNT": "1"})
        beacon(self.client, a=self.article.pk, headers={"HTTP_SEC_GPC": "1"}, ip=OTHER_IP)
        services.flush()
        self.assertEqual(DailyCount.objects.get().views, 2)

    def test_bad_input_is_a_400(self):
        pk = str(self.article.pk)
        cases = [
            {},
            {"a": ""},
            {"a": "abc"},
            {"a": "0"},
            {"a": "-1"},
            {"a": "99999999999"},
            {"a": "１２"},  # full-width digits
            {"a": pk, "t": "click"},
            {"a": pk, "r": "not a host!"},
            {"a": pk, "r": "a" * 300},
            {"a": pk, "r": "https://example.org/path?q=1"},
            {"a": pk, "t": "leave"},
            {"a": pk, "t": "leave", "s": "x"},
            {"a": pk, "t": "leave", "s": "1e9"},
        ]
        for fields in cases:
            with self.subTest(fields=fields):
                data = {"t": "view", **fields}
                response = post(self.client, data, HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR=OTHER_IP)
                self.assertEqual(response.status_code, 400)
                self.assertNotIn("Set-Cookie", response)

    def test_other_shapes_are_refused(self):
        self.assertEqual(self.client.get("/analytics/hit").status_code, 405)
        json = self.client.post(
            "/analytics/hit", {"a": 1}, content_type="application/json", HTTP_USER_AGENT=FIREFOX
        )
        self.assertEqual(json.status_code, 400)
        big = post(
            self.client, {"a": str(self.article.pk), "r": "x" * 700}, HTTP_USER_AGENT=FIREFOX
        )
        multipart = self.client.post("/analytics/hit", {"a": str(self.article.pk)})
        self.assertEqual(multipart.status_code, 400)
        self.assertEqual(big.status_code, 400)
        self.assertFalse(DailyCount.objects.exists())
