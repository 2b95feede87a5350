"""Posts → articles, a batch at a time: every read the batch needs in a few queries, every
write in one bulk statement per table, whatever the batch's size.

Bulk writes skip `Article.save()` and the model signals, so this module does what they would:
the body through the sanitiser and its blocks (`save()`), the first publication time, the
byline and tag lists pages read (`refresh_credits` / `refresh_tags`), a revision snapshot and
an audit row per article (the services), and the page-cache purge of the listings the batch
entered (the purge signals, once per batch). The database's triggers keep the search vector
and the copies of the article's state on bylines and tags, as for any write. The kept page
markup is rendered on the first read (its digest is new), like after any edit.
"""

from dataclasses import dataclass, field
from urllib.parse import unquote

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from articles.delivery import cache
from articles.media.models import Image
from articles.models import Article, AuditEntry, Byline, Revision, Tag, TaggedArticle
from articles.models.articles import PUBLIC_STATUSES, derive_body_fields
from articles.redirects.models import Redirect
from articles.richtext.sanitizer import clean_html
from articles.services.filing import existing_tags
from articles.services.revisions import snapshot
from articles.wpimport import mapping as s
from articles.wpimport.bodies import ImageRef
from articles.wpimport.models import WPObject

ARTICLE_FIELDS = [
    "headline", "slug", "standfirst", "body", "body_blocks", "section", "lead_image",
    "seo_title", "seo_description", "status", "published_at", "unpublish_at",
    "first_published_at", "credit_list", "filed_tags", "updated_at", "version",
]  # fmt: skip


@dataclass
class Prepared:
    """One post ready to write: its article (new, or loaded and changed) and what goes with it."""

    item: object
    article: Article
    created: bool
    authors: list
    tag_names: list
    fingerprint: str
    was_public: bool = False
    old_url: str | None = None
    membership_before: set = field(default_factory=set)
    filed: list = field(default_factory=list)
    url: str = ""
    version: int = 1
    olds: set = field(default_factory=set)


def is_public(article, now=None) -> bool:
    """`ArticleQuerySet.public_q()` for an article in memory (no query)."""
    now = now or timezone.now()
    return (
        article.status in PUBLIC_STATUSES
        and article.published_at is not None
        and article.published_at <= now
        and (article.unpublish_at is None or article.unpublish_at > now)
    )


def membership(article, authors, tags) -> set[str]:
    """`cache.membership_keys()` from what is in memory."""
    keys = {cache.section_key(article.section_id)}
    keys |= {cache.tag_key(tag.pk) for tag in tags}
    keys |= {cache.author_key(author.pk) for author in authors}
    return keys


class PostWriter:
    """The batch half of `services.Importer` (which holds the caches and the report)."""

    # --- reads, once per batch ---

    def preload(self, kind: str, wp_ids) -> dict[str, WPObject]:
        """The map's rows of one kind for these WordPress ids, in one query."""
        wanted = {str(wp_id)[:500] for wp_id in wp_ids}
        if not wanted:
            return {}
        rows = WPObject.objects.filter(site=self.site, kind=kind, wp_id__in=wanted)
        return {row.wp_id: row for row in rows}

    def preload_images(self, items) -> None:
        """The featured images of these posts into the image cache (two queries)."""
        thumbs = {
            item.meta_value("_thumbnail_id")
            for item in items
            if item.meta_value("_thumbnail_id").isdigit()
        }
        thumbs = {t for t in thumbs if ("attachment", t) not in self._images}
        if not thumbs:
            return
        found = self.preload("attachment", thumbs)
        images = Image.objects.in_bulk({row.object_id for row in found.values()})
        for thumb in thumbs:
            row = found.get(thumb)
            image = images.get(row.object_id) if row else None
            self._images[("attachment", thumb)] = (
                ImageRef(image.file.url, image.alt_text, image.pk)
                if image is not None and image.file
                else None
            )

    def tags_named(self, names) -> dict:
        """Tags by casefolded name, created in one statement when new (cached for the run)."""
        missing = [n for n in dict.fromkeys(names) if n.casefold() not in self._tags]
        if missing:
            self._tags.update(existing_tags(missing))
        new = [n for n in missing if n.casefold() not in self._tags]
        if new:
            wanted = {}
            for name in new:
                wanted.setdefault(name.casefold(), name)
            bases = {key: Tag().slugify(name) for key, name in wanted.items()}
            taken = set(
                Tag.objects.filter(slug__in=set(bases.values())).values_list("slug", flat=True)
            )
            tags = []
            for key, name in wanted.items():
                slug, n = bases[key], 1
                while slug in taken:
                    n += 1
                    slug = f"{bases[key][:90]}_{n}"
                taken.add(slug)
                tags.append(Tag(name=name, slug=slug))
            Tag.objects.bulk_create(tags)
            self._tags.update({tag.name.casefold(): tag for tag in tags})
        return self._tags

    # --- the batch ---

    def write_posts(self, items) -> None:
        """Import the batch's posts, counting each once. One failing post never stops the
        others: when the batch's bulk write fails, each post is written on its own."""
        if not items:
            return
        known = self.preload("post", [item.post_id for item in items])
        self.preload_images(items)
        existing = Article.objects.in_bulk(
            {row.object_id for row in known.values()}, field_name="pk"
        )
        ready = []
        for item in items:
            try:
                outcome = self.prepare_post(item, known, existing)
            except Exception as error:  # the report names it; the run goes on
                outcome = ("failed", f"{type(error).__name__}: {error}"[:200])
            if isinstance(outcome, Prepared):
                ready.append(outcome)
            else:
                self._count(outcome[0], item, outcome[1])
        if not ready:
            return
        self.resolve_slugs(ready)
        self.convert_bodies(ready)
        try:
            with transaction.atomic():
                self.store(ready)
        except Exception:
            for one in ready:
                if one.created:
                    one.article.pk, one.article._state.adding = None, True
                try:
                    with transaction.atomic():
                        self.store([one])
                except Exception as error:
                    self._count("failed", one.item, f"{type(error).__name__}: {error}"[:200])
                    continue
                self.after_store([one])
            return
        self.after_store(ready)

    def prepare_post(self, item, known, existing):
        """What a post becomes, or (outcome, reason) when nothing is written for it."""
        if item.status in s.SKIPPED_STATUSES:
            return "skipped", s.SKIPPED_STATUSES[item.status]
        status = s.STATUS_MAP.get(item.status)
        if status is None:
            return "skipped", f"unknown status “{item.status}”"
        published_at = s._when(item, self.zone)
        if status in (Article.Status.PUBLISHED, Article.Status.SCHEDULED) and published_at is None:
            return "failed", "published or scheduled without a date"
        self.report["comments"] += item.comments
        if item.is_sticky:
            self.report["sticky"] += 1
        section, extra_tags = self.filing(item)
        tag_names = s._unique(extra_tags + [n for d, _, n in item.categories if d == "post_tag"])
        authors = self.bylines(item)
        thumb = item.meta_value("_thumbnail_id")
        lead = self._images.get(("attachment", thumb)) if thumb.isdigit() else None
        lead_id = lead.pk if lead is not None else None
        fingerprint = s._digest(
            [item.title, item.excerpt, item.content, item.status, item.post_name, item.link,
             published_at.isoformat() if published_at else "", section.pk, tag_names,
             [a.pk for a in authors], lead_id, item.meta]
        )  # fmt: skip
        found = known.get(str(item.post_id))
        article = existing.get(found.object_id) if found else None
        if article is not None and found.fingerprint == fingerprint:
            if item.is_sticky and status == Article.Status.PUBLISHED:
                self.sticky_seen(item, article)
            return "unchanged", ""
        created = article is None
        one = Prepared(item, article or Article(created_by=self.by), created, authors, tag_names,
                       fingerprint)  # fmt: skip
        if not created:
            one.was_public = is_public(article)
            one.old_url = article.get_absolute_url()
            one.version = article.version + 1  # the same on a retry after a failed batch
        article = one.article
        article.headline = (s._plain(item.title) or f"Untitled (WordPress post {item.post_id})")[
            :200
        ]
        article.standfirst = s._plain(item.excerpt)
        article.section = section
        article.lead_image_id = lead_id
        article.seo_title = s._seo(item, "title")[:70]
        article.seo_description = s._seo(item, "description")[:160]
        article.status, article.published_at, article.unpublish_at = status, published_at, None
        return one

    def resolve_slugs(self, ready) -> None:
        """Each article's slug: the post's, unless another article has it (one query)."""
        bases = {}
        for one in ready:
            item = one.item
            base = slugify_post(item)
            bases[id(one)] = base
        holders = dict(
            Article.objects.filter(slug__in=set(bases.values())).values_list("slug", "pk")
        )
        used = set()
        for one in ready:
            base = bases[id(one)]
            holder = holders.get(base)
            if (holder is not None and holder != one.article.pk) or base in used:
                base = f"{base[:180]}-wp{one.item.post_id}"
            used.add(base)
            one.article.slug = base

    def convert_bodies(self, ready) -> None:
        """Bodies through the converter and the sanitiser, in file order. Each post's old
        addresses are known before the next body is converted, so links between posts of
        one batch are made local as across batches."""
        for one in ready:
            one.url = one.article.get_absolute_url()
            if one.article.status == Article.Status.PUBLISHED:
                one.olds = self.old_paths(one.item)
                self._batch_links.update(dict.fromkeys(one.olds, one.url))
        for one in ready:
            converter = self.converter()
            one.article.body = clean_html(converter.convert(one.item.content))
            derive_body_fields(one.article)
            self._add("blocks", converter.blocks)
            self._add("unknown_blocks", converter.unknown_blocks)
            self._add("shortcodes", converter.shortcodes)
            self._add("unknown_shortcodes", converter.unknown_shortcodes)
            self.report["images_repointed"] += converter.images_repointed
            self.report["images_missing"] += converter.images_missing
            self.report["links_rewritten"] += converter.links_rewritten
        self._batch_links.clear()

    def store(self, ready) -> None:
        """Every row of these posts, one statement per table."""
        now = timezone.now()
        tags = self.tags_named([n for one in ready for n in one.tag_names])
        updated_ids = [one.article.pk for one in ready if not one.created]
        if updated_ids:
            before_tags, before_authors = {}, {}
            for article_id, tag_id in TaggedArticle.objects.filter(
                content_object_id__in=updated_ids
            ).values_list("content_object_id", "tag_id"):
                before_tags.setdefault(article_id, set()).add(cache.tag_key(tag_id))
            for article_id, author_id in Byline.objects.filter(
                article_id__in=updated_ids
            ).values_list("article_id", "author_id"):
                before_authors.setdefault(article_id, set()).add(cache.author_key(author_id))
            for one in ready:
                if not one.created:
                    one.membership_before = (
                        {cache.section_key(one.article.section_id)}
                        | before_tags.get(one.article.pk, set())
                        | before_authors.get(one.article.pk, set())
                    )
        for one in ready:
            article = one.article
            filed = list(
                {tags[n.casefold()].pk: tags[n.casefold()] for n in one.tag_names}.values()
            )
            one.filed = filed
            article.credit_list = [
                {"id": a.pk, "name": a.name, "slug": a.slug} for a in one.authors
            ]
            article.filed_tags = [{"id": t.pk, "name": t.name, "slug": t.slug} for t in filed]
            if article.status == Article.Status.PUBLISHED and article.first_published_at is None:
                article.first_published_at = article.published_at or now
            article.updated_at = now
            article.version = one.version
        Article.objects.bulk_create([one.article for one in ready if one.created])
        changed = [one.article for one in ready if not one.created]
        if changed:
            Article.objects.bulk_update(changed, ARTICLE_FIELDS)
            delete_filing(Byline, "article_id", updated_ids)
            delete_filing(TaggedArticle, "content_object_id", updated_ids)
        Byline.objects.bulk_create(
            Byline(article=one.article, author=author, position=position)
            for one in ready
            for position, author in enumerate(one.authors)
        )
        TaggedArticle.objects.bulk_create(
            TaggedArticle(content_object=one.article, tag=tag) for one in ready for tag in one.filed
        )
        numbers = dict(
            Revision.objects.filter(article_id__in=updated_ids)
            .order_by()
            .values("article_id")
            .annotate(last=Max("number"))
            .values_list("article_id", "last")
        )
        Revision.objects.bulk_create(
            Revision(
                article=one.article,
                number=numbers.get(one.article.pk, 0) + 1,
                data=snapshot(
                    one.article, authors=one.authors, tag_names=[t.name for t in one.filed]
                ),
                reason=s.IMPORTED if one.created else s.UPDATED,
                created_by=self.by,
                created_at=now,
            )
            for one in ready
        )
        AuditEntry.objects.bulk_create(
            AuditEntry(
                article=one.article,
                action="wordpress_import",
                from_status="",
                to_status=one.article.status,
                note=f"{s.IMPORTED if one.created else s.UPDATED} "
                f"(post {one.item.post_id} of {self.site})",
                user=self.by,
                created_at=now,
            )
            for one in ready
        )
        self.remember_many(
            "post", [(one.item.post_id, one.article.pk, one.fingerprint) for one in ready]
        )
        gone = set()
        for one in ready:
            if one.article.status != Article.Status.PUBLISHED:
                gone |= {one.url, one.old_url}
        gone.discard(None)
        if gone:
            Redirect.objects.filter(origin=s.ORIGIN, new_path__in=gone).delete()
        for one in ready:
            url = one.url
            if (
                one.old_url
                and one.old_url != url
                and one.article.status == Article.Status.PUBLISHED
            ):
                Redirect.objects.filter(origin=s.ORIGIN, new_path=one.old_url).update(new_path=url)

    def after_store(self, ready) -> None:
        """The written posts' outcomes, redirects and page-cache keys (no writes that can fail)."""
        pages = self.preload_attachment_pages([one.item.post_id for one in ready])
        now = timezone.now()
        for one in ready:
            article = one.article
            self._count("created" if one.created else "updated", one.item)
            if article.status == Article.Status.PUBLISHED:
                self.queue_redirects(one, pages.get(one.item.post_id, ()))
                if one.item.is_sticky:
                    self.sticky_seen(one.item, article)
            else:
                gone = {one.url, one.old_url}
                for old in [o for o, new in self._pending_redirects.items() if new in gone]:
                    del self._pending_redirects[old]
            public = is_public(article, now)
            if public or one.was_public:
                keys = {*cache.EVERY_LISTING, *membership(article, one.authors, one.filed)}
                if not one.created:
                    keys |= {cache.article_key(article.pk), *one.membership_before}
                self._purge |= keys

    def preload_attachment_pages(self, post_ids) -> dict[int, list[str]]:
        """Old attachment-page addresses of these posts (one query)."""
        pages = {}
        for wp_id, object_id in WPObject.objects.filter(
            site=self.site, kind="attachment-page", object_id__in=[int(p) for p in post_ids]
        ).values_list("wp_id", "object_id"):
            pages.setdefault(object_id, []).append(wp_id)
        return pages

    def remember_many(self, kind, rows) -> None:
        """Write (wp_id, object_id, fingerprint) rows of the map in one statement."""
        if not rows:
            return
        WPObject.objects.bulk_create(
            [
                WPObject(
                    site=self.site,
                    kind=kind,
                    wp_id=str(wp_id)[:500],
                    object_id=obj,
                    fingerprint=fingerprint,
                )
                for wp_id, obj, fingerprint in rows
            ],  # fmt: skip
            update_conflicts=True,
            unique_fields=["site", "kind", "wp_id"],
            update_fields=["object_id", "fingerprint"],
            batch_size=500,
        )


def delete_filing(model, column: str, article_ids) -> None:
    """Delete these articles' bylines or tag rows in one statement. A queryset `delete()` would
    load every row and send its signals, one query per row, to refresh the lists and purge
    pages that `store()` writes and purges itself; nothing points at these rows."""
    table = connection.ops.quote_name(model._meta.db_table)
    marks = ", ".join(["%s"] * len(article_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {connection.ops.quote_name(column)} IN ({marks})",  # noqa: S608 (names from the model, values bound)
            list(article_ids),
        )


def slugify_post(item) -> str:
    """The post's slug as WordPress had it (or from its title)."""
    base = slugify(unquote(item.post_name))[:200] or slugify(s._plain(item.title))[:200]
    return base or f"post-{item.post_id}"
