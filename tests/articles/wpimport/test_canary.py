"""Nothing imported as non-public is public: the canary sweep (tests/canary.py) over an import
where every non-public WordPress status shares its section, tag and author with a published
twin, and the old addresses of the hidden posts lead nowhere."""

import re
import shutil
import tempfile
from pathlib import Path

from django.test import TestCase

from articles.models import Article
from tests.articles.wpimport.helpers import run_import, write_export
from tests.canary import CANARY, public_urls

ALTERNATE = re.compile(r'<link rel="alternate"[^>]*href="([^"]+)"')
STATUSES = ["draft", "pending", "private", "future", "trash", "auto-draft"]
ITEM = """<item><title><![CDATA[{title}]]></title><link>https://old.example/{slug}/</link>
<dc:creator>writer</dc:creator><wp:post_id>{id}</wp:post_id><wp:post_type>post</wp:post_type>
<wp:status>{status}</wp:status><wp:post_name>{slug}</wp:post_name>
<wp:post_date>{date}</wp:post_date><wp:post_date_gmt>{date}</wp:post_date_gmt>
<content:encoded><![CDATA[<p>{title} body</p>]]></content:encoded>
<excerpt:encoded><![CDATA[{title} standfirst]]></excerpt:encoded>
<category domain="category" nicename="desk">Desk</category>
<category domain="post_tag" nicename="shared">Shared</category>
<wp:postmeta><wp:meta_key>_wp_old_slug</wp:meta_key><wp:meta_value>{slug}-old</wp:meta_value></wp:postmeta>
</item>"""
EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><link>https://old.example</link>
<wp:author><wp:author_login>writer</wp:author_login><wp:author_email>w@old.example</wp:author_email>
<wp:author_display_name>Wendy Writer</wp:author_display_name></wp:author>
{items}</channel></rss>"""


class ImportedCanaryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        items = [ITEM.format(title="Public twin", slug="public-twin", id=1, status="publish",
                             date="2026-01-01 10:00:00")]  # fmt: skip
        for n, status in enumerate(STATUSES, start=2):
            date = "2036-01-01 10:00:00" if status == "future" else "2026-01-02 10:00:00"
            items.append(
                ITEM.format(
                    title=f"{CANARY} {status}",
                    slug=f"{CANARY.lower()}-{status}",
                    id=n,
                    status=status,
                    date=date,
                )  # fmt: skip
            )
        cls.tmp = Path(tempfile.mkdtemp())
        run_import(write_export(cls.tmp, "export.xml", EXPORT.format(items="\n".join(items))))
        cls.public = Article.objects.get(slug="public-twin")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def fetch(self, url):
        response = self.client.get(url, follow=True)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body.decode(errors="replace")

    def test_the_hidden_posts_were_imported(self):
        self.assertEqual(Article.objects.filter(headline__startswith=CANARY).count(), 4)
        self.assertEqual(Article.objects.published().get(), self.public)

    def test_no_canary_on_any_public_surface(self):
        seen, queue = set(), public_urls(self.public)
        while queue:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            with self.subTest(url=url):
                response, body = self.fetch(url)
                self.assertEqual(response.status_code, 200)
                self.assertNotIn(CANARY.lower(), body.lower())
                queue += [link for link in ALTERNATE.findall(body) if link.startswith("/")]
        _, home = self.fetch("/")
        self.assertIn("Public twin", home)

    def test_old_addresses_of_hidden_posts_lead_nowhere(self):
        for n, status in enumerate(STATUSES, start=2):
            slug = f"{CANARY.lower()}-{status}"
            for url in (f"/?p={n}", f"/{slug}/", f"/{slug}-old/"):
                with self.subTest(url=url):
                    response, body = self.fetch(url)
                    self.assertNotIn(CANARY.lower(), body.lower())
                    self.assertFalse(response.redirect_chain)
        response = self.client.get("/?p=1")
        self.assertRedirects(response, self.public.get_absolute_url(), 301)
