"""The WXR parser: hostile XML refused before anything is written, bad characters recovered
and counted, broken or foreign files refused with a clear message."""

import shutil
import tempfile
from pathlib import Path

from django.core.management import CommandError
from django.test import SimpleTestCase, TestCase

from articles.models import Article, Author
from articles.wpimport.models import ImportRun, WPObject
from articles.wpimport.parser import (
    HOSTILE,
    NOT_WXR,
    Channel,
    ExportError,
    HostileExport,
    read_export,
)
from tests.articles.wpimport.helpers import NEWSROOM, run_import, write_export

HEAD = (
    '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><link>https://x.example</link>'
    "<wp:author><wp:author_login>a</wp:author_login></wp:author>"
)
POST = (
    "<item><title>{title}</title><wp:post_id>{id}</wp:post_id><wp:post_type>post</wp:post_type>"
    "<wp:status>publish</wp:status><wp:post_date_gmt>2026-01-01 10:00:00</wp:post_date_gmt>"
    "<dc:creator>a</dc:creator><content:encoded><![CDATA[{body}]]></content:encoded></item>"
)
TAIL = "</channel></rss>"

XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + HEAD
    + POST.format(title="&xxe;", id=1, body="x")
    + TAIL
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10)
    ).replace("&lol0;", "&lol;")
    + "]>\n"
    + HEAD
    + POST.format(title="&lol9;", id=1, body="x")
    + TAIL
)
EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">\n' + HEAD + TAIL
)


class ParserTests(SimpleTestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def items(self, text):
        path = write_export(self.tmp, "export.xml", text)
        counters = {}
        return list(read_export(path, Channel(), counters)), counters

    def test_hostile_declarations_are_refused(self):
        for text in (XXE, LAUGHS, EXTERNAL_DTD):
            with self.subTest(text[:60]), self.assertRaisesMessage(HostileExport, HOSTILE):
                self.items(text)

    def test_undeclared_entity_is_an_error_not_an_expansion(self):
        with self.assertRaises(ExportError):
            self.items(HEAD + POST.format(title="&nope;", id=1, body="x") + TAIL)

    def test_forbidden_characters_are_removed_and_counted(self):
        items, counters = self.items(
            HEAD + POST.format(title="Bad\x1cchar\x1d", id=1, body="a\x0bb") + TAIL
        )
        self.assertEqual(items[0].title, "Badchar")
        self.assertEqual(items[0].content, "ab")
        self.assertEqual(counters["invalid_characters"], 3)

    def test_broken_xml_has_a_clear_error(self):
        with self.assertRaisesMessage(ExportError, "not well-formed"):
            self.items(HEAD + "<item><title>cut off")

    def test_not_wxr(self):
        with self.assertRaisesMessage(ExportError, NOT_WXR):
            self.items("just text, no XML")

    def test_cdata_with_end_marker_and_versions(self):
        for version in ("1.0", "1.1", "1.2"):
            head = HEAD.replace("export/1.2/", f"export/{version}/")
            body = "a ]]]]><![CDATA[> b"
            items, _ = self.items(head + POST.format(title="T", id=7, body=body) + TAIL)
            self.assertEqual(items[0].content, "a ]]> b", version)
            self.assertEqual(items[0].post_id, 7)

    def test_channel_read_before_items(self):
        channel = Channel()
        first = next(read_export(NEWSROOM, channel))
        self.assertEqual(first.post_id, 100)
        self.assertEqual(set(channel.authors), {"jreyes", "tom"})
        self.assertEqual(channel.site, "https://courier.example")


class HostileImportTests(TestCase):
    def test_hostile_export_writes_nothing(self):
        tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, tmp, True)
        for name, text in (("xxe.xml", XXE), ("laughs.xml", LAUGHS)):
            path = write_export(tmp, name, text)
            for args in ((), ("--dry-run",)):
                with (
                    self.subTest(f"{name} {args}"),
                    self.assertRaisesMessage(CommandError, HOSTILE),
                ):
                    run_import(path, *args)
        self.assertEqual(Article.objects.count(), 0)
        self.assertEqual(Author.objects.count(), 0)
        self.assertEqual(WPObject.objects.count(), 0)
        self.assertFalse(ImportRun.objects.exclude(status=ImportRun.Status.FAILED).exists())
