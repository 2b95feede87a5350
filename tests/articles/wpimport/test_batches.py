"""Posts are written a batch at a time: the queries a batch makes do not grow with its size,
the rows are the ones the services would write (derived lists, sanitised body, revision,
audit row), an unchanged post is skipped by its fingerprint, and one post that cannot be
written never takes its batch down."""

import tempfile
from pathlib import Path
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from articles.models import Article, AuditEntry, Byline, Revision, TaggedArticle
from articles.redirects.models import Redirect
from articles.services.revisions import snapshot
from articles.wpimport import posts, services
from articles.wpimport.mapping import IMPORTED, UPDATED
from articles.wpimport.models import ImportRun, WPObject
from articles.wpimport.parser import Channel, read_export
from tests.articles.wpimport.helpers import run_import, write_export

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Batch</title><link>https://batch.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://batch.example</wp:base_site_url>
<wp:author><wp:author_login>ana</wp:author_login><wp:author_email>ana@batch.example
</wp:author_email><wp:author_display_name>Ana Ortiz</wp:author_display_name></wp:author>
<wp:author><wp:author_login>ben</wp:author_login><wp:author_email>ben@batch.example
</wp:author_email><wp:author_display_name>Ben Hale</wp:author_display_name></wp:author>
"""


def post(n, *, status="publish", extra=""):
    return (
        f"<item><title>Story {n}</title><link>https://batch.example/2026/01/story-{n}/</link>"
        f"<dc:creator>{('ana', 'ben')[n % 2]}</dc:creator>"
        f"<content:encoded><![CDATA[<!-- wp:paragraph --><p>Body {n}{extra}"
        "<script>alert(1)</script></p><!-- /wp:paragraph -->]]></content:encoded>"
        f"<excerpt:encoded><![CDATA[Standfirst {n}]]></excerpt:encoded>"
        f"<wp:post_id>{1000 + n}</wp:post_id><wp:post_date>2026-01-02 10:00:00</wp:post_date>"
        "<wp:post_date_gmt>2026-01-02 09:00:00</wp:post_date_gmt>"
        f"<wp:post_name>story-{n}</wp:post_name><wp:status>{status}</wp:status>"
        "<wp:post_type>post</wp:post_type>"
        f'<category domain="category" nicename="city">City</category>'
        f'<category domain="post_tag" nicename="rivers">Rivers</category>'
        f'<category domain="post_tag" nicename="t{n % 3}">Topic {n % 3}</category></item>\n'
    )


def export(numbers, **kwargs) -> Path:
    body = HEAD + "".join(post(n, **kwargs) for n in numbers) + "</channel></rss>\n"
    return write_export(Path(tempfile.mkdtemp(prefix="wp-batch-")), "export.xml", body)


def importer_for(path):
    channel = Channel()
    items = [item for item in read_export(str(path), channel, {}) if item.post_type == "post"]
    run = ImportRun.objects.create(file=str(path))
    return services.Importer(run, channel, dry_run=False), items


class QueryBudgetTests(TestCase):
    def test_a_batch_costs_the_same_queries_whatever_its_size(self):
        importer, items = importer_for(export(range(1, 112)))
        importer.write_posts(items[:3])  # the run's first look-ups: authors, section, tags
        importer.flush()
        counts = []
        for batch in (items[3:13], items[13:111]):
            with self.assertNumQueries(12) as context:
                importer.write_posts(batch)
                importer.flush()
            counts.append(len(context.captured_queries))
        self.assertEqual(Article.objects.count(), 111)
        self.assertEqual(counts, [12, 12])

    def test_an_updating_batch_costs_the_same_queries_whatever_its_size(self):
        first, items = importer_for(export(range(1, 112)))
        first.write_posts(items)
        first.flush()
        importer, changed = importer_for(export(range(1, 112), extra=" (updated)"))
        importer.write_posts(changed[:3])
        importer.flush()
        counts = []
        for batch in (changed[3:13], changed[13:111]):
            with self.assertNumQueries(18) as context:
                importer.write_posts(batch)
                importer.flush()
            counts.append(len(context.captured_queries))
        self.assertEqual(counts, [18, 18])
        self.assertEqual(Article.objects.count(), 111)
        self.assertEqual(Revision.objects.filter(reason=UPDATED).count(), 111)
        self.assertEqual(set(Article.objects.values_list("version", flat=True)), {2})

    def test_an_unchanged_batch_reads_and_writes_almost_nothing(self):
        path = export(range(1, 51))
        first, items = importer_for(path)
        first.write_posts(items)
        first.flush()
        again, items = importer_for(path)
        again.write_posts(items[:3])
        with self.assertNumQueries(2):  # the map's rows and their articles, nothing else
            again.write_posts(items[3:])
            again.flush()
        self.assertEqual(again.report["items"]["unchanged"], 50)
        self.assertEqual(Revision.objects.count(), 50)


class RowsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.importer, items = importer_for(export(range(1, 6)))
        cls.importer.write_posts(items)
        cls.importer.flush()

    def article(self, n):
        found = WPObject.objects.get(kind="post", wp_id=str(1000 + n))
        return Article.objects.get(pk=found.object_id)

    def test_rows_are_those_the_services_write(self):
        article = self.article(1)
        self.assertNotIn("script", article.body)
        self.assertIn("Body 1", article.body)
        self.assertEqual(article.body_blocks, [[len(article.body), "p"]])
        self.assertEqual([c.name for c in article.credits], ["Ben Hale"])
        self.assertEqual([t.name for t in article.ordered_tags], ["Rivers", "Topic 1"])
        self.assertEqual(article.first_published_at, article.published_at)
        self.assertEqual(article.section.slug, "city")
        revision = Revision.objects.get(article=article)
        self.assertEqual((revision.number, revision.reason), (1, IMPORTED))
        self.assertEqual(revision.data, snapshot(article))
        audit = AuditEntry.objects.get(article=article)
        self.assertEqual((audit.action, audit.to_status), ("wordpress_import", "published"))
        # The database's copies of the article's state on its filing rows (triggers).
        byline = Byline.objects.get(article=article)
        self.assertEqual((byline.status, byline.published_at), ("published", article.published_at))
        self.assertEqual(
            set(
                TaggedArticle.objects.filter(content_object=article).values_list(
                    "status", flat=True
                )
            ),
            {"published"},
        )
        self.assertEqual(
            Redirect.objects.get(old_path="/2026/01/story-1/").new_path, article.get_absolute_url()
        )

    def test_search_vector_is_filled_by_the_database(self):
        if connection.vendor != "postgresql":
            self.skipTest("search runs on PostgreSQL")
        found = Article.objects.filter(search_vector="rivers").values_list("pk", flat=True)
        self.assertEqual(len(found), 5)

    def test_report_adds_up(self):
        items = self.importer.report["items"]
        self.assertEqual((items["seen"], items["created"]), (5, 5))
        self.assertTrue(services.adds_up(self.importer.report))


class FailureTests(TestCase):
    def test_one_post_that_cannot_be_written_leaves_the_others(self):
        importer, items = importer_for(export(range(1, 6)))
        real = posts.PostWriter.store

        def store(self, ready):
            if any(one.item.post_id == 1003 for one in ready):
                raise RuntimeError("disk on fire")
            return real(self, ready)

        with mock.patch.object(posts.PostWriter, "store", store):
            importer.write_posts(items)
            importer.flush()
        self.assertEqual(Article.objects.count(), 4)
        self.assertFalse(WPObject.objects.filter(kind="post", wp_id="1003").exists())
        self.assertFalse(Redirect.objects.filter(old_path="/2026/01/story-3/").exists())
        items_report = importer.report["items"]
        self.assertEqual(items_report["created"], 4)
        self.assertEqual(items_report["failed"], {"RuntimeError: disk on fire": 1})
        self.assertTrue(services.adds_up(importer.report))
        self.assertEqual(Revision.objects.count(), 4)


class AnalyzeTests(TestCase):
    def test_the_touched_tables_are_analysed_when_a_run_ends(self):
        with CaptureQueriesContext(connection) as context:
            run_import(export(range(1, 3)))
        analyses = [q["sql"] for q in context.captured_queries if q["sql"].startswith("ANALYZE")]
        if connection.vendor != "postgresql":
            self.assertEqual(analyses, [])
            return
        self.assertEqual(len(analyses), 1)
        for table in ("articles_article", "articles_byline", "articles_taggedarticle",
                      "articles_revision", "articles_auditentry", "redirects_redirect",
                      "wpimport_wpobject"):  # fmt: skip
            self.assertIn(f'"{table}"', analyses[0])
