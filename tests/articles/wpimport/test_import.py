"""The WordPress import end to end through `manage.py import_wordpress`: the mapping, the
bodies, the media, the redirects, the report that adds up and re-runs that never duplicate."""

import shutil
from datetime import UTC, datetime

from django.test import TestCase

from articles.media.models import Image
from articles.models import Article, AuditEntry, Author, Section, Tag
from articles.publication import get_publication, save_publication
from articles.redirects.models import Redirect
from articles.standing.models import Page
from articles.wpimport.mapping import IMPORTED
from articles.wpimport.models import ImportRun, WPObject
from articles.wpimport.services import adds_up
from tests.articles.wpimport.helpers import NEWSROOM, run_import, uploads_folder
from tests.factories import AuthorFactory, UserFactory


class ImportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.uploads = uploads_folder()
        cls.output = run_import(
            NEWSROOM,
            "--media-from",
            str(cls.uploads),
        )
        cls.import_run = ImportRun.objects.get()
        cls.report = cls.import_run.report

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.uploads, ignore_errors=True)
        super().tearDownClass()

    def article(self, wp_id):
        found = WPObject.objects.get(kind="post", wp_id=str(wp_id))
        return Article.objects.get(pk=found.object_id)

    def test_report_adds_up(self):
        items = self.report["items"]
        self.assertTrue(adds_up(self.report))
        self.assertEqual(items["seen"], 13)
        self.assertEqual(items["created"], 8)  # 1 image + 6 posts + 1 page
        self.assertEqual(
            items["skipped"],
            {
                "in the trash": 1,
                "an auto-draft (never saved by its author)": 1,
                "revisions: only the current version of each post is imported": 1,
                "menus: our navigation is the sections": 1,
            },
        )
        self.assertEqual(items["failed"], {"file not found in the uploads folder": 1})
        self.assertEqual(self.import_run.status, ImportRun.Status.DONE)
        self.assertIn("Items seen: 13 = created 8", self.output)

    def test_statuses(self):
        self.assertEqual(self.article(101).status, Article.Status.PUBLISHED)
        self.assertEqual(self.article(101).published_at, datetime(2026, 3, 1, 10, tzinfo=UTC))
        self.assertEqual(self.article(104).status, Article.Status.SCHEDULED)
        self.assertEqual(self.article(105).status, Article.Status.DRAFT)
        self.assertEqual(self.article(106).status, Article.Status.IN_REVIEW)
        self.assertEqual(self.article(107).status, Article.Status.UNPUBLISHED)
        self.assertEqual(Article.objects.count(), 6)

    def test_gmt_zeros_use_the_local_date(self):
        # post_date 2026-03-02 12:30 with post_date_gmt zeros, in the publication's zone (UTC).
        self.assertEqual(self.article(103).published_at, datetime(2026, 3, 2, 12, 30, tzinfo=UTC))

    def test_only_published_are_public(self):
        public = set(Article.objects.published().values_list("headline", flat=True))
        self.assertEqual(
            public, {"Council votes to clean the river", "Café owners [sic] welcome the plan"}
        )

    def test_co_authors_plus_order_and_merge(self):
        article = self.article(101)
        self.assertEqual(
            [c.name for c in article.credits], ["Tom Okafor", "Júlia Reyes", "Mina Lee"]
        )
        self.assertEqual(Author.objects.count(), 3)
        self.assertEqual([c.name for c in self.article(103).credits], ["Tom Okafor"])

    def test_primary_category_is_the_section_others_are_tags(self):
        article = self.article(101)
        self.assertEqual(article.section.slug, "council")  # Yoast's primary, not the first
        self.assertEqual([t.name for t in article.ordered_tags], ["Environment", "River", "budget"])
        # post_tag "river" on another post is the same tag (case-insensitive).
        self.assertEqual([t.name for t in self.article(103).ordered_tags], ["River"])
        self.assertEqual(self.article(105).section.slug, "imported")

    def test_seo_and_standfirst(self):
        article = self.article(101)
        self.assertEqual(article.seo_title, "Council votes to clean the river | Courier")
        self.assertTrue(article.seo_description.startswith("The council's vote"))
        self.assertEqual(
            article.standfirst,
            "The vote ends a ten-year argument about who pays to clean the river.",
        )
        self.assertEqual(self.article(103).seo_title, "Café owners welcome the plan")

    def test_gutenberg_body(self):
        body = self.article(101).body
        self.assertIn("<h3>What happens next</h3>", body)
        self.assertIn("<p>Left column.</p>", body)
        self.assertLess(body.index("Left column"), body.index("Right column"))
        self.assertIn('href="https://www.youtube.com/watch?v=abc"', body)
        self.assertIn("<p>Map of the river route</p>", body)  # unknown block kept as text
        self.assertIn("if (a ]]&gt; b)", body)  # CDATA holding ]]>
        self.assertIn('<a href="/2026/02/earlier-story/"', body)  # old link made local
        self.assertEqual(self.report["unknown_blocks"], {"jetpack/map": 1, "core/latest-posts": 1})

    def test_classic_body(self):
        body = self.article(103).body
        self.assertIn("<p>The owners met on Monday (<a", body)
        # A link to an earlier post's old permalink points at our article directly.
        council = self.article(101).get_absolute_url()
        self.assertIn(f'<a href="{council}" rel="noopener noreferrer">the vote</a>', body)
        self.assertIn("<figcaption>The river in March</figcaption>", body)
        self.assertIn('[contact-form-7 id="5"]', body)
        self.assertEqual(
            self.report["unknown_shortcodes"], {"contact-form-7": 1, "myplugin_box": 1}
        )
        self.assertEqual(self.report["shortcodes"], {"caption": 1, "gallery": 1})

    def test_images(self):
        image = Image.objects.get()
        self.assertEqual(image.alt_text, "The river under mist")
        self.assertEqual(image.caption, "The river at dawn.")
        self.assertEqual(image.credit, "Júlia Reyes")
        article = self.article(101)
        self.assertEqual(article.lead_image, image)
        self.assertIn(f'src="{image.file.url}"', article.body)  # the -300x200 variant
        self.assertNotIn("wp-content", article.body)
        self.assertIn(f'src="{image.file.url}"', self.article(103).body)  # -1024x683 in [caption]

    def test_non_ascii_slug(self):
        article = self.article(103)
        self.assertEqual(article.slug, "ete-cafe")
        redirect = Redirect.objects.get(old_path="/2026/03/été-café/")
        self.assertEqual(redirect.new_path, article.get_absolute_url())

    def test_revision_and_audit(self):
        article = self.article(101)
        self.assertEqual(list(article.revisions.values_list("reason", flat=True)), [IMPORTED])
        entry = AuditEntry.objects.get(article=article)
        self.assertEqual(entry.action, "wordpress_import")
        self.assertEqual(entry.to_status, Article.Status.PUBLISHED)

    def test_redirects_for_published_only(self):
        url = self.article(101).get_absolute_url()
        for old in [
            "/2026/03/council-votes/",
            "/?p=101",
            "/2026/03/council-to-vote/",
            "/river-photo/",
            "/?attachment_id=100",
        ]:
            self.assertEqual(Redirect.objects.get(old_path=old).new_path, url, old)
            self.assertRedirects(self.client.get(old), url, 301, fetch_redirect_response=False)
        targets = set(Redirect.objects.values_list("new_path", flat=True))
        for wp_id in (104, 105, 106, 107):
            self.assertNotIn(self.article(wp_id).get_absolute_url(), targets)
        self.assertFalse(Redirect.objects.filter(old_path__in=["/?p=104", "/?p=107"]).exists())

    def test_term_redirects(self):
        section = Section.objects.get(slug="council")
        expected = {
            "/category/council/": section.get_absolute_url(),
            "/category/council/feed/": f"{section.get_absolute_url()}feed/",
            "/category/council/page/2/": f"{section.get_absolute_url()}?page=2",
        }
        tom = Author.objects.get(name="Tom Okafor")
        river = Tag.objects.get(name__iexact="river")
        for kind, slug, target in (("author", "tom", tom), ("tag", "river", river)):
            url = target.get_absolute_url()
            expected |= {
                f"/{kind}/{slug}/": url,
                f"/{kind}/{slug}/feed/": f"{url}feed/",
                f"/{kind}/{slug}/page/3/": f"{url}?page=3",
            }
        for old, new in expected.items():
            self.assertEqual(Redirect.objects.get(old_path=old).new_path, new)
            response = self.client.get(old)  # served: nothing else answers these addresses
            self.assertRedirects(response, new, 301, fetch_redirect_response=False)

    def test_page_becomes_a_standing_page(self):
        page = Page.objects.get()
        self.assertEqual((page.slug, page.kind, page.status), ("about", "about", "published"))
        self.assertEqual(page.body, "<p>We are the Courier.</p>")
        self.assertEqual(Redirect.objects.get(old_path="/?page_id=112").new_path, "/about/")
        response = self.client.get("/about/")
        self.assertContains(response, "We are the Courier.")

    def test_comments_and_sticky_counted(self):
        self.assertEqual(self.report["comments"], 2)
        self.assertEqual(self.report["sticky"], 1)

    def test_sticky_published_posts_are_listed_in_the_report(self):
        article = self.article(101)
        self.assertEqual(
            self.report["sticky_posts"],
            [
                {
                    "id": 101,
                    "article": article.pk,
                    "headline": article.headline,
                    "published_at": article.published_at.isoformat(),
                }
            ],
        )
        self.assertIn(f"Sticky published posts, newest first: “{article.headline}” (post 101).",
                      self.output)  # fmt: skip


class RerunTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.uploads = uploads_folder()
        run_import(
            NEWSROOM,
            "--media-from",
            str(cls.uploads),
        )

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.uploads, ignore_errors=True)
        super().tearDownClass()

    def test_second_run_changes_nothing(self):
        counts = (Article.objects.count(), Author.objects.count(), Image.objects.count(),
                  Redirect.objects.count(), AuditEntry.objects.count())  # fmt: skip
        run_import(NEWSROOM, "--media-from", str(self.uploads))
        report = ImportRun.objects.latest("pk").report
        self.assertTrue(adds_up(report))
        self.assertEqual(report["items"]["unchanged"], 8)
        self.assertEqual(report["items"]["created"], 0)
        self.assertEqual(
            counts,
            (
                Article.objects.count(),
                Author.objects.count(),
                Image.objects.count(),
                Redirect.objects.count(),
                AuditEntry.objects.count(),
            ),  # fmt: skip
        )

    def test_changed_post_is_updated_not_duplicated(self):
        text = NEWSROOM.read_text().replace("Left column.", "Left column, edited.")
        path = self.uploads / "newer.xml"
        path.write_text(text)
        run_import(path, "--media-from", str(self.uploads))
        report = ImportRun.objects.latest("pk").report
        self.assertEqual(report["items"]["updated"], 1)
        article = Article.objects.get(slug="council-votes")
        self.assertIn("Left column, edited.", article.body)
        self.assertEqual(
            list(article.revisions.values_list("reason", flat=True)),
            ["Updated from WordPress", IMPORTED],
        )


class AuthorMergeTests(TestCase):
    def test_author_merged_by_account_email(self):
        user = UserFactory(username="julia", email="JReyes@courier.example")
        existing = AuthorFactory(name="Julia Reyes", user=user)
        run_import(NEWSROOM)
        article = Article.objects.get(slug="council-votes")
        self.assertIn(existing.pk, [c.id for c in article.credits])
        self.assertEqual(ImportRun.objects.get().report["authors"]["merged"], 1)


class DryRunTests(TestCase):
    def test_dry_run_writes_nothing(self):
        output = run_import(NEWSROOM, "--dry-run")
        self.assertIn("Items seen: 13", output)
        self.assertEqual(Article.objects.count(), 0)
        self.assertEqual(Author.objects.count(), 0)
        self.assertEqual(Redirect.objects.count(), 0)
        self.assertEqual(WPObject.objects.count(), 0)
        self.assertEqual(ImportRun.objects.count(), 0)


class TimeZoneTests(TestCase):
    def test_local_date_is_read_in_the_publication_time_zone(self):
        publication = get_publication()
        publication.time_zone = "Europe/Paris"
        save_publication(publication=publication)
        run_import(NEWSROOM)
        article = Article.objects.get(slug="ete-cafe")
        self.assertEqual(article.published_at, datetime(2026, 3, 2, 11, 30, tzinfo=UTC))
