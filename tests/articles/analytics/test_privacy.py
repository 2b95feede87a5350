"""Who counts as a robot (privacy.is_bot): robots' user agents, never a reader's browser."""

from articles.analytics import privacy
from tests.articles.analytics.test_beacon import BOTS

BROWSERS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15 Bottlerocket/1.0",  # "bot" inside a word is not a robot
]
MORE_BOTS = [
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2)",
    "Mozilla/5.0 (compatible; Feedly/1.0)",
    "Mozilla/5.0 (Windows NT 10.0) PLAYWRIGHT/1.49",
    "Mozilla/5.0 (compatible) WhatsApp/2.23",
    "Mozilla/5.0 (compatible; UptimeRobot/2.0)",
]


def test_robots_are_robots():
    for agent in [*BOTS, *MORE_BOTS]:
        assert privacy.is_bot(agent), agent


def test_browsers_are_readers():
    for agent in BROWSERS:
        assert not privacy.is_bot(agent), agent
