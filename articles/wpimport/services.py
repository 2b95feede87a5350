"""The WordPress import: every decision of the mapping, in batches that commit with their
progress, so a run killed at any point resumes where it stopped and a second run of a newer
export updates what the first created (the `WPObject` map), never duplicates it.

Two passes over the file: `media` (attachments into the media library, so featured and in-body
images can be found whichever comes first in the file), then `posts` (articles, bylines,
sections, tags, redirects). The report counts every `<item>` exactly once:
seen = created + updated + unchanged + skipped (by reason) + failed (by reason).
"""

import hashlib
import re
import uuid
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.delivery import cache
from articles.media.models import Image
from articles.media.services import save_image
from articles.models import (
    Article,
    AuditEntry,
    Author,
    Byline,
    Revision,
    Section,
    Tag,
    TaggedArticle,
)
from articles.publication import get_publication
from articles.redirects.models import Redirect, is_local_path
from articles.redirects.services import normalise
from articles.standing.models import Kind, Page, PageAuditEntry, PageStatus
from articles.standing.workflow import record_revision as record_page_revision
from articles.wpimport import sources
from articles.wpimport.bodies import Converter, ImageRef
from articles.wpimport.mapping import (
    IMPORTED,
    ORIGIN,
    SKIPPED_STATUSES,
    UPDATED,
    _digest,
    _plain,
)
from articles.wpimport.models import ImportRun, WPObject
from articles.wpimport.parser import Channel, ExportError, Item, read_export
from articles.wpimport.posts import PostWriter

BATCH = 200
DOWNLOADS_AT_ONCE = 4
PHASES = ("media", "posts")
FALLBACK_SECTION = ("imported", "Imported")
# Words in a page's slug that say what it is (the Trust Project's pages).
PAGE_KINDS = [
    ("ethic", Kind.ETHICS),
    ("correction", Kind.CORRECTIONS),
    ("contact", Kind.CONTACT),
    ("masthead", Kind.MASTHEAD),
    ("staff", Kind.MASTHEAD),
    ("about", Kind.ABOUT),
]

SKIPPED_TYPES = {
    "revision": "revisions: only the current version of each post is imported",
    "nav_menu_item": "menus: our navigation is the sections",
}
DECISIONS = [
    "Posts become articles: publish → published (at post_date_gmt, or post_date in the "
    "publication's time zone when that is zeros), future → scheduled, draft → draft, pending → "
    "in review, private → unpublished (never public); trash, auto-draft and inherit are skipped.",
    "Authors are merged by login, then by e-mail, across runs; Co-Authors Plus authors give the "
    "byline order.",
    "The section is Yoast's (or Rank Math's) primary category, otherwise the first category; "
    "the other categories become tags, beside the post's tags.",
    "Yoast and Rank Math titles and descriptions become the SEO fields (a title still holding "
    "%%variables%% is dropped); the excerpt becomes the standfirst.",
    "Comments are counted, not imported. Sticky posts are counted and the published ones "
    "listed: the front page always leads with the newest published story (there is no pinned "
    "lead to give them), so republish one if it should lead.",
    "Pages become standing pages (/about/, /ethics/ …): published when they were published, "
    "otherwise drafts.",
    "Only published articles and pages get redirects: an old address never reveals a draft.",
]


def _empty_report() -> dict:
    return {
        "items": {
            "seen": 0,
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "skipped": {},
            "failed": {},
        },
        "by_type": {},
        "authors": {"created": 0, "merged": 0},
        "sections_created": 0,
        "media": {"created": 0, "reused": 0, "updated": 0},
        "blocks": {},
        "unknown_blocks": {},
        "shortcodes": {},
        "unknown_shortcodes": {},
        "images_repointed": 0,
        "images_missing": 0,
        "links_rewritten": 0,
        "redirects": 0,
        "comments": 0,
        "sticky": 0,
        "invalid_characters": 0,
        "failures": [],
        "decisions": DECISIONS,
    }


def adds_up(report: dict) -> bool:
    """Whether every item seen is accounted for."""
    items = report["items"]
    return items["seen"] == (
        items["created"]
        + items["updated"]
        + items["unchanged"]
        + sum(items["skipped"].values())
        + sum(items["failed"].values())
    )


class Importer(PostWriter):
    """The state of one pass over an export (caches, counters), writing through services."""

    def __init__(self, run: ImportRun, channel: Channel, *, dry_run: bool):
        self.run = run
        self.channel = channel
        self.dry_run = dry_run
        self.report = run.report or _empty_report()
        self.source = sources.source_for(run.media_from)
        self.by = run.created_by
        self.zone = zoneinfo.ZoneInfo(get_publication().time_zone)
        self._authors: dict[str, Author] = {}
        self._sections: dict[str, Section] = {}
        self._images: dict[str, ImageRef | None] = {}
        self._terms_done: set[str] = set()
        self._pending_redirects: dict[str, str] = {}
        self._waiting: list[Item] = []
        self._fetched: dict = {}
        self._purge: set[str] = set()
        self._posts: list[Item] = []
        self._tags: dict = {}
        self._batch_links: dict[str, str] = {}

    @property
    def site(self) -> str:
        return self.channel.site

    def converter(self) -> Converter:
        hosts = {self.site, self.channel.base_site_url.rstrip("/")}
        hosts |= {h.replace("https://", "http://", 1) for h in hosts}
        return Converter(
            image_for_url=self.image_for_url,
            image_for_id=self.image_for_id,
            old_hosts=tuple(sorted(h for h in hosts if h)),
            resolve_link=self.resolve_link,
        )

    def resolve_link(self, path: str) -> str | None:
        """Our address for an old one already known (a post earlier in the export or a run
        before); later ones stay old addresses, which their redirects send on."""
        old = normalise(path)
        if old in self._pending_redirects:
            return self._pending_redirects[old]
        if old in self._batch_links:
            return self._batch_links[old]
        return Redirect.objects.filter(old_path=old).values_list("new_path", flat=True).first()

    # --- the ledger ---

    def _count(self, outcome, item: Item, reason=""):
        items = self.report["items"]
        items["seen"] += 1
        key = f"{item.post_type or '?'}:{item.status or '?'}"
        self.report["by_type"][key] = self.report["by_type"].get(key, 0) + 1
        if outcome in ("skipped", "failed"):
            items[outcome][reason] = items[outcome].get(reason, 0) + 1
            if outcome == "failed" and len(self.report["failures"]) < 200:
                self.report["failures"].append(
                    {"id": item.post_id, "title": item.title[:120], "reason": reason}
                )
        else:
            items[outcome] += 1

    def _add(self, key, counter):
        target = self.report[key]
        for name, n in counter.items():
            target[name] = target.get(name, 0) + n

    # --- the map ---

    def _mapped(self, kind, wp_id) -> WPObject | None:
        return WPObject.objects.filter(site=self.site, kind=kind, wp_id=str(wp_id)[:500]).first()

    def _remember(self, kind, wp_id, obj_id, fingerprint=""):
        WPObject.objects.update_or_create(
            site=self.site,
            kind=kind,
            wp_id=str(wp_id)[:500],
            defaults={"object_id": obj_id, "fingerprint": fingerprint},
        )

    # --- one item ---

    def handle(self, item: Item, phase: str) -> None:
        """Import one item if it belongs to `phase`, counting its outcome once. Attachments
        fetched over HTTP wait in small groups that download side by side (`_drain`)."""
        is_media = item.post_type == "attachment"
        if (phase == "media") != is_media:
            return
        if item.post_type == "post":
            self._posts.append(item)  # written with its batch (`flush`)
            return
        if is_media and isinstance(self.source, sources.HttpSource) and not self.dry_run:
            self._waiting.append(item)
            if len(self._waiting) >= DOWNLOADS_AT_ONCE * 2:
                self._drain()
            return
        self._handle_now(item)

    def _drain(self) -> None:
        """Download the waiting attachments' files in parallel, then import them in order."""
        waiting, self._waiting = self._waiting, []
        wanted = []
        for item in waiting:
            relative = _attached(item)
            if relative and self._mapped("attachment", item.post_id) is None:
                wanted.append(relative)
        with ThreadPoolExecutor(max_workers=DOWNLOADS_AT_ONCE) as pool:
            self._fetched = dict(zip(wanted, pool.map(self._fetch, wanted), strict=True))
        try:
            for item in waiting:
                self._handle_now(item)
        finally:
            self._fetched = {}

    def _fetch(self, relative):
        """A file's bytes, or the SourceError saying why not (runs in a download thread)."""
        try:
            return self.source.read(relative)
        except sources.SourceError as error:
            return error

    def _read(self, relative) -> bytes:
        found = self._fetched.get(relative)
        if found is None:
            return self.source.read(relative)
        if isinstance(found, sources.SourceError):
            raise found
        return found

    def _handle_now(self, item: Item) -> None:
        is_media = item.post_type == "attachment"
        try:
            with transaction.atomic():
                if is_media:
                    outcome, reason = self.import_attachment(item)
                elif item.post_type == "page":
                    outcome, reason = self.import_page(item)
                elif item.post_type == "guest-author":
                    outcome, reason = self.import_guest_author(item)
                else:
                    reason = SKIPPED_TYPES.get(
                        item.post_type, f"post type “{item.post_type}” is not imported"
                    )
                    outcome = "skipped"
        except Exception as error:  # one bad item never stops the run; the report names it
            outcome, reason = "failed", f"{type(error).__name__}: {error}"[:200]
        self._count(outcome, item, reason)

    # --- authors ---

    def author(self, login: str, *, name="", email="") -> Author:
        """The author for a WordPress login (or a Co-Authors Plus guest), merged by e-mail."""
        if login in self._authors:
            return self._authors[login]
        info = self.channel.authors.get(login, {})
        email = (info.get("author_email") or email or "").strip().lower()
        name = (info.get("author_display_name") or name or login).strip()[:120]
        found = self._mapped("author", login)
        author = Author.objects.filter(pk=found.object_id).first() if found else None
        if author is None and email:
            by_email = self._mapped("author-email", email)
            if by_email:
                author = Author.objects.filter(pk=by_email.object_id).first()
            if author is None:
                author = Author.objects.filter(user__email__iexact=email).first()
            if author is not None:
                self.report["authors"]["merged"] += 1
        if author is None:
            author = Author.objects.create(name=name or login, slug=self._author_slug(name, login))
            self.report["authors"]["created"] += 1
        self._remember("author", login, author.pk)
        if email:
            self._remember("author-email", email, author.pk)
        self._authors[login] = author
        return author

    @staticmethod
    def _author_slug(name, login):
        base = (slugify(name) or slugify(login) or "author")[:100]
        slug, n = base, 1
        while Author.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    def _guest(self, nicename: str, label: str) -> Author:
        login = nicename.removeprefix("cap-")
        if login in self.channel.authors or self._mapped("author", login):
            return self.author(login)
        term = next(
            (
                t
                for (tax, _), t in self.channel.terms.items()
                if tax == "author" and t["slug"] == nicename
            ),
            None,
        )
        name, email = label or login, ""
        if term and term["description"]:
            words = term["description"].split()
            email = next((w for w in words if "@" in w), "")
            if login in words and words.index(login) > 0:
                name = " ".join(words[: words.index(login)])
        return self.author(login, name=name, email=email)

    def import_guest_author(self, item: Item):
        login = item.meta_value("cap-user_login") or item.post_name.removeprefix("cap-")
        if not login:
            return "skipped", "guest author without a login"
        existed = self._mapped("author", login) is not None
        self.author(
            login,
            name=item.meta_value("cap-display_name") or item.title,
            email=item.meta_value("cap-user_email"),
        )
        return ("unchanged" if existed else "created"), ""

    # --- media ---

    def import_attachment(self, item: Item):
        relative = _attached(item)
        if not relative:
            return "skipped", "attachment without a file"
        if item.post_parent:  # its pages (/photo-slug/, /?attachment_id=N) → its post
            if item.link:
                self._remember("attachment-page", _path(item.link), item.post_parent)
            self._remember("attachment-page", f"/?attachment_id={item.post_id}", item.post_parent)
        alt = unescape(item.meta_value("_wp_attachment_image_alt") or item.title or "")
        caption = _plain(item.excerpt)[:300]
        credit = _credit(item.meta_value("_wp_attachment_metadata"))[:120]
        fingerprint = _digest([relative, alt, caption, credit])
        found = self._mapped("attachment", item.post_id)
        image = Image.objects.filter(pk=found.object_id).first() if found else None
        if image is not None:
            if found.fingerprint == fingerprint:
                return "unchanged", ""
            image.alt_text, image.caption, image.credit = (alt or "Image")[:250], caption, credit
            image.save(update_fields=["alt_text", "caption", "credit"])
            self._remember("attachment", item.post_id, image.pk, fingerprint)
            self.report["media"]["updated"] += 1
            return "updated", ""
        if self.source is None:
            return "skipped", "no media source given (--media-from)"
        if self.dry_run:
            if not self.source.exists(relative):
                return "failed", "file not found in the uploads folder"
            return "created", ""
        try:
            data = self._read(relative)
        except sources.SourceError as error:
            return "failed", str(error)
        digest = hashlib.sha256(data).hexdigest()
        same = self._mapped("sha256", digest)
        image = Image.objects.filter(pk=same.object_id).first() if same else None
        if image is not None:
            self.report["media"]["reused"] += 1
        else:
            name = relative.rsplit("/", 1)[-1]
            try:
                with transaction.atomic():
                    image = save_image(
                        image=Image(
                            alt_text=(alt or "Image")[:250], caption=caption, credit=credit
                        ),
                        by=self.by,
                        upload=SimpleUploadedFile(name, data),
                    )
            except ValidationError as error:
                return "failed", f"not a usable image: {' '.join(error.messages)}"
            self._remember("sha256", digest, image.pk)
            self.report["media"]["created"] += 1
        self._remember("attachment", item.post_id, image.pk, fingerprint)
        self._remember("file", relative, image.pk)
        return "created", ""

    def image_for_url(self, url: str) -> ImageRef | None:
        relative = sources.original_of(sources.relative_upload(url))
        return self._image_ref(("file", relative))

    def image_for_id(self, wp_id: int) -> ImageRef | None:
        return self._image_ref(("attachment", str(wp_id)))

    def _image_ref(self, key) -> ImageRef | None:
        if key not in self._images:
            found = self._mapped(*key)
            image = Image.objects.filter(pk=found.object_id).first() if found else None
            self._images[key] = (
                ImageRef(image.file.url, image.alt_text, image.pk)
                if image is not None and image.file
                else None
            )
        return self._images[key]

    # --- posts ---

    def import_page(self, item: Item):
        """A WordPress page → a standing page (published only when it was published)."""
        if item.status in SKIPPED_STATUSES:
            return "skipped", SKIPPED_STATUSES[item.status]
        status = PageStatus.PUBLISHED if item.status == "publish" else PageStatus.DRAFT
        fingerprint = _digest([item.title, item.content, item.status, item.post_name, item.link])
        found = self._mapped("page", item.post_id)
        page = Page.objects.filter(pk=found.object_id).first() if found else None
        if page is not None and found.fingerprint == fingerprint:
            return "unchanged", ""
        created = page is None
        page = page or Page()
        old_url = None if created else page.get_absolute_url()
        slug = slugify(unquote(item.post_name))[:100] or slugify(_plain(item.title))[:100]
        slug = slug or f"page-{item.post_id}"
        if Page.objects.filter(slug=slug).exclude(pk=page.pk).exists():
            slug = f"{slug[:90]}-wp{item.post_id}"
        converter = self.converter()
        page.title = (_plain(item.title) or slug)[:200]
        page.slug, page.status = slug, status
        page.body = converter.convert(item.content)
        page.kind = next((kind for word, kind in PAGE_KINDS if word in slug), page.kind or "other")
        page.save()
        reason = IMPORTED if created else UPDATED
        record_page_revision(page=page, by=self.by, reason=reason)
        PageAuditEntry.objects.create(
            page=page, action="wordpress_import", from_status="", to_status=page.status,
            user=self.by, note=f"{reason} (page {item.post_id} of {self.site})",
        )  # fmt: skip
        self._remember("page", item.post_id, page.pk, fingerprint)
        url = page.get_absolute_url()
        if status != PageStatus.PUBLISHED:
            Redirect.objects.filter(origin=ORIGIN, new_path__in={url, old_url}).delete()
        else:
            for old in {f"/?page_id={item.post_id}", _path(item.link) if item.link else ""}:
                if old:
                    self._redirect(old, url)
        return ("created" if created else "updated"), ""

    def filing(self, item: Item) -> tuple[Section, list[str]]:
        """The primary section and the other categories' names (which become tags)."""
        categories = [(slug, name) for d, slug, name in item.categories if d == "category"]
        primary = None
        for key in ("_yoast_wpseo_primary_category", "rank_math_primary_category"):
            term_id = item.meta_value(key)
            if term_id.isdigit():
                term = self.channel.terms.get(("category", int(term_id)))
                if term and any(slug == term["slug"] for slug, _ in categories):
                    primary = (term["slug"], term["name"])
                    break
        if primary is None and categories:
            primary = categories[0]
        slug, name = primary or FALLBACK_SECTION
        section = self.section(unquote(slug), unescape(name))
        return section, [unescape(n) for s, n in categories if s != slug]

    def section(self, slug: str, name: str) -> Section:
        if slug not in self._sections:
            ours = slugify(slug)[:80] or slugify(name)[:80] or "section"
            section = Section.objects.filter(slug=ours).first()
            if section is None:
                section = Section.objects.create(slug=ours, name=name[:80] or ours)
                self.report["sections_created"] += 1
            self._sections[slug] = section
        return self._sections[slug]

    def bylines(self, item: Item) -> list[Author]:
        guests = [(slug, name) for d, slug, name in item.categories if d == "author"]
        if guests:
            authors = [self._guest(slug, name) for slug, name in guests]
        elif item.creator:
            authors = [self.author(item.creator)]
        else:
            authors = []
        return list({a.pk: a for a in authors}.values())

    def slug_for(self, item: Item, *, exclude) -> str:
        base = slugify(unquote(item.post_name))[:200] or slugify(_plain(item.title))[:200]
        base = base or f"post-{item.post_id}"
        clash = Article.objects.filter(slug=base)
        if exclude is not None:
            clash = clash.exclude(pk=exclude)
        if clash.exists():
            base = f"{base[:180]}-wp{item.post_id}"
        return base

    # --- redirects ---

    def old_paths(self, item: Item) -> set[str]:
        """A post's own old addresses: `?p=ID`, its permalink and every `_wp_old_slug`."""
        olds = {f"/?p={item.post_id}"}
        if item.link and urlsplit(item.link).path not in ("", "/"):
            olds.add(_path(item.link))
            parent = _path(item.link).rstrip("/").rsplit("/", 1)[0]
            for old_slug in item.meta.get("_wp_old_slug", []):
                if old_slug.strip():
                    olds.add(f"{parent}/{unquote(old_slug.strip())}/")
        return {normalise(old) for old in olds if is_local_path(old)}

    def queue_redirects(self, one, attachment_pages) -> None:
        """Old addresses → a published article (`posts.Prepared`), with its attachment pages
        and the archives of its section, tags and authors. Only published articles get any:
        a redirect must never lead to (or name) something readers may not see."""
        for old in one.olds | set(attachment_pages):
            self._redirect(old, one.url)
        self.term_redirects(one.item, one.article)

    def _redirect(self, old, new):
        """Queue a redirect (written with the batch, `flush()`); only local paths count."""
        if not is_local_path(old):
            return  # an old address on another host: nothing this site could serve
        old = normalise(old)
        if old != new and is_local_path(old) and is_local_path(new):
            self._pending_redirects[old] = new
            self.report["redirects"] += 1

    def flush(self) -> None:
        """Finish the waiting downloads, write the batch's redirects in one statement and
        purge its pages once."""
        if self._waiting:
            self._drain()
        posts, self._posts = self._posts, []
        self.write_posts(posts)
        if self._pending_redirects and not self.dry_run:
            Redirect.objects.bulk_create(
                [
                    Redirect(old_path=old, new_path=new, origin=ORIGIN)
                    for old, new in self._pending_redirects.items()
                ],
                update_conflicts=True,
                unique_fields=["old_path"],
                update_fields=["new_path", "origin", "is_permanent"],
                batch_size=500,
            )
        self._pending_redirects.clear()
        if self._purge and not self.dry_run:
            cache.purge_on_commit(self._purge)
        self._purge = set()

    def sticky_seen(self, item: Item, article: Article) -> None:
        """A sticky post that is published: listed in the report (the lead is chosen from
        them at the end of the run, `lead_from_sticky`)."""
        listed = self.report.setdefault("sticky_posts", [])
        if len(listed) < 200 and all(entry["article"] != article.pk for entry in listed):
            listed.append(
                {
                    "id": item.post_id,
                    "article": article.pk,
                    "headline": article.headline,
                    "published_at": article.published_at.isoformat(),
                }
            )

    def term_redirects(self, item: Item, article: Article) -> None:
        """/category/x/, /tag/x/, /author/x/ with their /feed/ and /page/N/ forms."""
        wanted = [
            ("category", slug, article.section)
            for d, slug, _ in item.categories
            if d == "category" and self._sections.get(unquote(slug)) == article.section
        ]
        for tag in article.ordered_tags:
            wanted += [
                ("tag", slug, tag)
                for d, slug, name in item.categories
                if d in ("post_tag", "category") and slugify(unescape(name)) == slugify(tag.name)
            ]
        login_of = {a.pk: login for login, a in self._authors.items()}
        for credit in article.credits:
            if credit.id in login_of:
                wanted.append(("author", login_of[credit.id], credit))
        for base, slug, target in wanted:
            old = f"/{base}/{unquote(slug)}/"
            if old in self._terms_done:
                continue
            self._terms_done.add(old)
            url = target.get_absolute_url()
            self._redirect(old, url)
            self._redirect(f"{old}feed/", f"{url}feed/")
            for n in range(2, 6):
                self._redirect(f"{old}page/{n}/", f"{url}?page={n}")


def _attached(item: Item) -> str:
    """The attachment's file under the uploads folder (`2026/03/photo.jpg`)."""
    return sources.relative_upload(item.meta_value("_wp_attached_file") or item.attachment_url)


def _path(link: str) -> str:
    parts = urlsplit(link)
    path = unquote(parts.path or "/")
    return f"{path}?{parts.query}" if parts.query else path


def _credit(metadata: str) -> str:
    """The credit in PHP-serialised `_wp_attachment_metadata` (image_meta → credit)."""
    found = re.search(r's:6:"credit";s:\d+:"([^"]*)";', metadata or "")
    return found.group(1) if found else ""


# --- runs ------------------------------------------------------------------------------------


class _DryRunDone(Exception):
    pass


def create_run(*, path: str, media_from: str = "", by=None, original_name="") -> ImportRun:
    """Record an export waiting to be imported (nothing is read yet)."""
    if media_from:
        sources.source_for(media_from)  # a missing folder or a bad address: a clear error now
    return ImportRun.objects.create(
        file=str(path), media_from=media_from, created_by=by, original_name=original_name
    )


def _pass(run: ImportRun, *, dry_run: bool, max_items=None, progress=None) -> bool:
    """Read the export from `run.position` in `run.phase`, committing every BATCH items with
    the progress, and move to the next phase at the end. True: paused after `max_items`."""
    channel = Channel()
    counters = {}
    importer = None
    handled = 0
    items = read_export(run.file, channel, counters)
    batch = transaction.atomic()
    batch.__enter__()
    try:
        index = -1
        for index, item in enumerate(items):
            if importer is None:
                importer = Importer(run, channel, dry_run=dry_run)
            if index < run.position:
                continue
            importer.handle(item, run.phase)
            run.position = index + 1
            handled += 1
            if handled % BATCH == 0:
                importer.flush()
                run.report = importer.report
                run.save(update_fields=["report", "position", "phase", "status"])
                if not dry_run:
                    batch.__exit__(None, None, None)
                    batch = transaction.atomic()
                    batch.__enter__()
                if progress:
                    progress(run)
                if max_items is not None and handled >= max_items:
                    return True
        if importer is not None:
            importer.flush()
        report = importer.report if importer else (run.report or _empty_report())
        report["invalid_characters"] = counters.get("invalid_characters", 0)
        run.report = report
        next_phase = PHASES.index(run.phase) + 1
        run.phase = "done" if next_phase >= len(PHASES) else PHASES[next_phase]
        run.position = 0
        run.save(update_fields=["report", "position", "phase", "status"])
        return False
    except BaseException as error:
        batch.__exit__(type(error), error, error.__traceback__)
        batch = None
        raise
    finally:
        if batch is not None:
            batch.__exit__(None, None, None)


def dry_run(*, run: ImportRun) -> dict:
    """Run the whole import and roll it back: the report of what a real run would do."""
    run.refresh_from_db()
    saved = (run.phase, run.position, run.report)
    run.phase, run.position, run.report = "media", 0, _empty_report()
    report = {}
    try:
        with transaction.atomic():
            while run.phase != "done":
                _pass(run, dry_run=True)
            report = run.report
            raise _DryRunDone
    except _DryRunDone:
        pass
    except ExportError as error:
        report = {"error": str(error)}
    run.phase, run.position, run.report = saved
    run.dry_run_report = report
    run.status = ImportRun.Status.FAILED if "error" in report else ImportRun.Status.CHECKED
    run.error = report.get("error", "")
    run.save(update_fields=["dry_run_report", "status", "error"])
    return report


def run_some(*, run: ImportRun, max_items=None, progress=None) -> bool:
    """Import from where the run stopped; True when it is finished (done or failed)."""
    if run.status in (ImportRun.Status.DONE, ImportRun.Status.FAILED):
        return True
    if run.status != ImportRun.Status.RUNNING:
        run.status = ImportRun.Status.RUNNING
        run.report = run.report or _empty_report()
        run.save(update_fields=["status", "report"])
    try:
        while run.phase != "done":
            if _pass(run, dry_run=False, max_items=max_items, progress=progress):
                return False
    except ExportError as error:
        run.status, run.error = ImportRun.Status.FAILED, str(error)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        return True
    run.status, run.finished_at = ImportRun.Status.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at"])
    analyze_touched()
    return True


# The tables an import fills: their planner statistics are refreshed when it ends (the
# database runs without autovacuum, so nothing else would tell the planner they grew).
TOUCHED = (Article, Byline, TaggedArticle, Tag, Revision, AuditEntry, Author, Section, Image,
           Redirect, Page, WPObject)  # fmt: skip


def analyze_touched() -> list[str]:
    """ANALYZE the tables an import writes, on PostgreSQL (outside any transaction block
    is not required: ANALYZE may run inside one). Returns the tables analysed."""
    connection = connections[Article.objects.db]
    if connection.vendor != "postgresql":
        return []
    tables = [model._meta.db_table for model in TOUCHED]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
    return tables


def report_lines(report: dict, *, dry_run=False) -> list[str]:
    """The report in sentences (the command's output and the admin's page)."""
    items = report["items"]
    verb = "would be" if dry_run else "were"
    lines = [
        f"Items seen: {items['seen']} = created {items['created']} + updated {items['updated']}"
        f" + unchanged {items['unchanged']} + skipped {sum(items['skipped'].values())}"
        f" + failed {sum(items['failed'].values())}"
        + ("" if adds_up(report) else "  (DOES NOT ADD UP)"),
    ]
    for outcome in ("skipped", "failed"):
        for reason, n in sorted(items[outcome].items()):
            lines.append(f"  {outcome}: {n} × {reason}")
    lines.append(
        f"Authors: {report['authors']['created']} {verb} created, "
        f"{report['authors']['merged']} merged with existing authors."
    )
    media = report["media"]
    lines.append(
        f"Images: {media['created']} {verb} added to the library, {media['reused']} duplicates "
        f"reused, {report['images_repointed']} in-body images re-pointed, "
        f"{report['images_missing']} not found."
    )
    lines.append(
        f"Redirects: {report['redirects']}. Links to the old site made local: "
        f"{report['links_rewritten']}. Comments (not imported): {report['comments']}. "
        f"Sticky posts: {report['sticky']}. Invalid characters removed: "
        f"{report['invalid_characters']}."
    )
    sticky = report.get("sticky_posts") or []
    if sticky:
        listed = "; ".join(
            f"“{entry['headline']}” (post {entry['id']})"
            for entry in sorted(sticky, key=lambda e: e["published_at"], reverse=True)
        )
        lines.append(f"Sticky published posts, newest first: {listed}.")
    for key, label in (
        ("unknown_blocks", "Unknown blocks kept as text"),
        ("unknown_shortcodes", "Unknown shortcodes kept as text"),
    ):
        if report[key]:
            tally = ", ".join(f"{name} ×{n}" for name, n in sorted(report[key].items()))
            lines.append(f"{label}: {tally}.")
    return lines


# --- the admin's Imports page ------------------------------------------------------------------

NOT_CHECKED = "Only an export whose dry run has finished can be imported."
NOT_XML = "Upload the .xml file from WordPress's Tools › Export."
FOLDER_OUTSIDE = (
    "Copy the uploads folder under {folder} on the server (or give the old site's uploads "
    "address): other folders cannot be read from here."
)
CHUNK = 1 << 20


def imports_folder() -> Path:
    """Where uploaded exports wait (never served): beside the media uploads that wait."""
    folder = Path(settings.INCOMING_ROOT) / "wordpress"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def receive_upload(*, upload, media_from: str = "", by) -> ImportRun:
    """Store an uploaded export on disk chunk by chunk (never whole in memory) and record it."""
    if not upload.name.lower().endswith(".xml"):
        raise ValidationError(NOT_XML)
    if media_from and not media_from.startswith(("http://", "https://")):
        # From the web, a folder only under the imports folder: never any folder on the server.
        folder = Path(media_from).resolve()
        if not folder.is_relative_to(imports_folder().resolve()):
            raise ValidationError(FOLDER_OUTSIDE.format(folder=imports_folder()))
    if media_from:
        try:
            sources.source_for(media_from)
        except ValueError as error:
            raise ValidationError(str(error)) from error
    path = imports_folder() / f"{uuid.uuid4().hex}.xml"
    with open(path, "wb") as out:
        for chunk in upload.chunks(CHUNK):
            out.write(chunk)
    return ImportRun.objects.create(
        file=str(path), media_from=media_from, created_by=by, original_name=upload.name[:255]
    )


def confirm(*, run: ImportRun, by) -> ImportRun:
    """The administrator read the dry run and asks for the real import."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status != ImportRun.Status.CHECKED:
            raise ValidationError(NOT_CHECKED)
        run.status = ImportRun.Status.QUEUED
        run.phase, run.position, run.report = "media", 0, _empty_report()
        run.save(update_fields=["status", "phase", "position", "report"])
    return run


def progress(run: ImportRun) -> dict:
    """How far a run is, for the page's progress bar (the dry run's count is the total)."""
    total = (run.dry_run_report.get("items") or {}).get("seen") or 0
    report = run.report or {}
    done = (report.get("items") or {}).get("seen", 0)
    if run.status == ImportRun.Status.DONE:
        done = total
    return {
        "status": run.status,
        "label": run.get_status_display(),
        "done": done,
        "total": total,
        "lines": report_lines(report) if report.get("items") else [],
        "error": run.error,
    }


def delete_run(*, run: ImportRun) -> None:
    """Forget a finished run and remove its uploaded export (never a file the command was
    given: only files in the imports folder)."""
    path = Path(run.file).resolve()
    run.delete()
    if path.is_relative_to(imports_folder().resolve()):
        path.unlink(missing_ok=True)
