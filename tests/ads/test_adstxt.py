from django.test import TestCase, override_settings

from ads import adstxt
from ads.models import AdsTxtFile, AdsTxtRecord

GOOD = """# ads.txt for newsroom.example
google.com, pub-1234567890123456, DIRECT, f08c47fec0942fa0
appnexus.com, 1234, reseller
openx.com, 537, RESELLER ; extension=1  # comment

CONTACT=ads@newsroom.example
SUBDOMAIN=sport.newsroom.example
INVENTORYPARTNERDOMAIN=partner.example
OWNERDOMAIN=newsroom.example
MANAGERDOMAIN=manager.example,US
"""


def test_valid_file_has_no_errors():
    assert adstxt.validate(GOOD) == []


def test_each_bad_line_gets_its_own_clear_error():
    text = "\n".join(
        [
            "google.com, pub-1, DIRECT",
            "https://google.com/, pub-1, DIRECT",
            "google.com, pub 1, DIRECT",
            "google.com, pub-1, OWNER",
            "google.com, pub-1",
            "google.com, pub-1, DIRECT, f08c-47",
            "FOO=bar",
            "OWNERDOMAIN=not a domain",
            "MANAGERDOMAIN=manager.example,USA",
            "CONTACT=",
        ]
    )
    assert adstxt.validate(text) == [
        "Line 2: “https://google.com/” is not a domain name like google.com (no http://, no path).",
        "Line 3: The account id must not be empty or contain spaces or commas.",
        "Line 4: The relationship must be DIRECT or RESELLER, not “OWNER”.",
        "Line 5: A record has 3 or 4 comma-separated fields (domain, account id, DIRECT or "
        "RESELLER, optional certification id); this line has 2.",
        "Line 6: The certification authority id may contain only letters and digits.",
        "Line 7: Unknown variable “FOO”; use one of CONTACT, SUBDOMAIN, "
        "INVENTORYPARTNERDOMAIN, OWNERDOMAIN, MANAGERDOMAIN.",
        "Line 8: “not a domain” is not a domain name like google.com (no http://, no path).",
        "Line 9: MANAGERDOMAIN is a domain, optionally followed by a two-letter country code.",
        "Line 10: CONTACT needs a value.",
    ]


def test_empty_file_renders_the_spec_placeholder():
    assert adstxt.render([], []) == "placeholder.example.com, placeholder, DIRECT, placeholder\n"
    assert adstxt.validate(adstxt.PLACEHOLDER_RECORD) == []


# What may differ between two responses to the same request.
VOLATILE = {"date", "age", "x-page-cache", "content-security-policy"}


class HeadRequestTests(TestCase):
    """Crawlers check ads.txt with HEAD: 200, the GET's headers, no body."""

    @classmethod
    def setUpTestData(cls):
        for file in (AdsTxtFile.ADS, AdsTxtFile.APP_ADS):
            AdsTxtRecord.objects.create(
                file=file, domain="google.com", account_id="pub-1", relationship="DIRECT"
            )

    def headers(self, response):
        return {k.lower(): v for k, v in response.headers.items() if k.lower() not in VOLATILE}

    def check(self, url):
        get = self.client.get(url)
        head = self.client.head(url)
        assert (get.status_code, head.status_code) == (200, 200)
        assert b"google.com, pub-1, DIRECT" in get.content
        assert head.content == b""
        assert self.headers(head) == self.headers(get)
        assert head["Content-Type"] == "text/plain; charset=utf-8"
        assert self.client.post(url).status_code == 405

    def test_head_answers_like_get_without_a_body(self):
        for url in ("/ads.txt", "/app-ads.txt"):
            with self.subTest(url=url):
                self.check(url)

    @override_settings(NEWSROOM_PAGE_CACHE=True)
    def test_and_with_the_page_cache(self):
        for url in ("/ads.txt", "/app-ads.txt"):
            with self.subTest(url=url):
                self.check(url)
