"""No non-public article shows on any public surface (see tests/canary.py)."""

import re

from django.test import TestCase, override_settings

from tests.canary import (
    CANARY,
    CORRECTION_TEXT,
    LIVE_ENTRY_TEXT,
    PUBLIC_HEADLINE,
    RELATED_HEADLINE,
    make_canaries,
    public_urls,
)

ALTERNATE = re.compile(r'<link rel="alternate"[^>]*href="([^"]+)"')


class CanarySweepTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.public, cls.hidden = make_canaries()

    def fetch(self, url):
        response = self.client.get(url, follow=True)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body.decode(errors="replace")

    def test_no_canary_on_any_public_surface(self):
        seen = set()
        queue = public_urls(self.public)
        while queue:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            with self.subTest(url=url):
                response, body = self.fetch(url)
                assert response.status_code == 200, (url, response.status_code)
                assert CANARY not in body
                assert CANARY.lower() not in body.lower()  # in slugs: sitemaps, links
                assert all(CANARY not in value for value in response.headers.values())
                # Follow the page's feeds and other alternates on our own site.
                queue += [link for link in ALTERNATE.findall(body) if link.startswith("/")]
        assert len(seen) >= len(public_urls(self.public))

    def test_the_public_twin_is_on_the_listings(self):
        """The sweep would pass on empty pages: show it sees what is public."""
        for url in public_urls(self.public)[:5]:
            with self.subTest(url=url):
                _, body = self.fetch(url)
                assert PUBLIC_HEADLINE in body

    def test_the_related_list_and_the_corrections_page_are_not_empty(self):
        """Related stories and corrections are swept: show the sweep sees their public side."""
        _, body = self.fetch(self.public.get_absolute_url())
        assert RELATED_HEADLINE in body[body.index("Related stories") :]
        for url in ["/corrections/", "/corrections/feed/"]:
            with self.subTest(url=url):
                _, body = self.fetch(url)
                assert CORRECTION_TEXT in body and PUBLIC_HEADLINE in body

    def test_the_live_surfaces_show_the_published_entry_and_hide_the_canaries_coverage(self):
        """The live stream is swept: show it sees the twin's published entry, that the poll
        names the removed entry by id only, and that the canaries' coverage is a 404."""
        pk = self.public.pk
        for url in [self.public.get_absolute_url(), f"/live/{pk}/v/0/", f"/live/{pk}/feed/"]:
            with self.subTest(url=url):
                _, body = self.fetch(url)
                assert LIVE_ENTRY_TEXT in body
        _, body = self.fetch(f"/live/{pk}/v/2/")
        assert '"removed": [' in body and LIVE_ENTRY_TEXT not in body
        for article in self.hidden:
            for url in [f"/live/{article.pk}/v/0/", f"/live/{article.pk}/feed/"]:
                with self.subTest(url=url):
                    assert self.client.get(url).status_code == 404


@override_settings(NEWSROOM_PAGE_CACHE=True)
class CachedCanarySweepTests(CanarySweepTests):
    """The same sweep with the page cache on: every surface fetched twice, the second a hit."""

    def fetch(self, url):
        super().fetch(url)
        return super().fetch(url)
