"""Reading a WordPress export (WXR 1.0–1.2) as a stream, with a parser that trusts nothing.

`read_export(path)` yields the channel's authors and terms first (`Channel`, filled as they
are met: WordPress writes them before the items) and then one `Item` per `<item>`, clearing
each element once read so memory stays flat whatever the file's size. The parser never loads a
DTD, never resolves an entity and never touches the network; a file that declares a DOCTYPE or
an ENTITY is refused before anything is read (`HostileExport`). Characters XML forbids (U+0000–
U+001F but tab and newlines, which WordPress sometimes writes) are removed and counted.
"""

import re
from dataclasses import dataclass, field

from lxml import etree

HOSTILE = (
    "The export declares a DOCTYPE or ENTITY: WordPress never writes one, and it is how "
    "entity-expansion and external-entity attacks start. Nothing was imported."
)
NOT_WXR = "This is not a WordPress export (WXR): no <rss><channel> with WordPress items."
BROKEN = "The export is not well-formed XML ({error}). Nothing after that point was read."

WP_NS = "http://wordpress.org/export/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
# Bytes XML 1.0 forbids; in UTF-8 they never occur inside a multi-byte character.
FORBIDDEN = bytes([*range(0, 9), 11, 12, *range(14, 32)])
_PROLOG_END = re.compile(rb"<(?:!DOCTYPE|!ENTITY|[A-Za-z_])", re.IGNORECASE)
PROLOG_LIMIT = 1 << 20


class ExportError(ValueError):
    """The file cannot be imported; the message says why, for the person who uploaded it."""


class HostileExport(ExportError):
    """The file carries a DTD or entity declarations."""


@dataclass
class Channel:
    """What the export says about the site, its people and its terms."""

    base_site_url: str = ""
    base_blog_url: str = ""
    link: str = ""
    wxr_version: str = ""
    authors: dict = field(default_factory=dict)  # login → {login, email, display_name, …}
    terms: dict = field(default_factory=dict)  # (taxonomy, term_id) → {slug, name, parent, …}

    @property
    def site(self) -> str:
        """The key of this site in the import map (a newer export of it updates the same rows)."""
        return (self.base_blog_url or self.link or self.base_site_url).rstrip("/")


@dataclass
class Item:
    """One `<item>`: a post, page, attachment or anything else WordPress exported."""

    post_id: int = 0
    post_type: str = ""
    status: str = ""
    title: str = ""
    link: str = ""
    guid: str = ""
    post_name: str = ""
    post_date: str = ""
    post_date_gmt: str = ""
    post_parent: int = 0
    content: str = ""
    excerpt: str = ""
    creator: str = ""
    is_sticky: bool = False
    attachment_url: str = ""
    categories: list = field(default_factory=list)  # (domain, nicename, name)
    meta: dict = field(default_factory=dict)  # key → [values]
    comments: int = 0

    def meta_value(self, key, default=""):
        values = self.meta.get(key)
        return values[-1] if values else default


class _Filtered:
    """The file with XML-forbidden bytes removed (counted in `removed`)."""

    def __init__(self, raw):
        self.raw = raw
        self.removed = 0

    def read(self, size=-1):
        data = self.raw.read(size if size and size > 0 else 1 << 16)
        cleaned = data.translate(None, FORBIDDEN)
        self.removed += len(data) - len(cleaned)
        return cleaned


def check_prolog(path) -> None:
    """Refuse a DOCTYPE or ENTITY declaration before the root element (`HostileExport`)."""
    with open(path, "rb") as raw:
        head = b""
        while len(head) < PROLOG_LIMIT:
            chunk = raw.read(1 << 14)
            if not chunk:
                break
            head += chunk
            found = _PROLOG_END.search(head)
            if found:
                if found.group().startswith(b"<!"):
                    raise HostileExport(HOSTILE)
                return
    raise ExportError(NOT_WXR)


def _local(element) -> tuple[str, str]:
    qname = etree.QName(element)
    return qname.namespace or "", qname.localname


def _text(element) -> str:
    return element.text or ""


def _int(value) -> int:
    try:
        return int((value or "0").strip())
    except ValueError:
        return 0


def _wp_fields(element) -> dict:
    """The `wp:*` children of an element as a dict of local name → text."""
    found = {}
    for child in element:
        namespace, name = _local(child)
        if namespace.startswith(WP_NS):
            found[name] = _text(child)
    return found


def _read_item(element) -> Item:
    item = Item()
    for child in element:
        namespace, name = _local(child)
        if not namespace:
            if name == "title":
                item.title = _text(child)
            elif name == "link":
                item.link = _text(child).strip()
            elif name == "guid":
                item.guid = _text(child).strip()
            elif name == "category":
                item.categories.append(
                    (child.get("domain", ""), child.get("nicename", ""), _text(child))
                )
        elif namespace == CONTENT_NS and name == "encoded":
            item.content = _text(child)
        elif namespace.startswith(WP_NS) and name == "encoded":  # excerpt:encoded
            item.excerpt = _text(child)
        elif namespace == DC_NS and name == "creator":
            item.creator = _text(child).strip()
        elif namespace.startswith(WP_NS):
            if name == "postmeta":
                meta = _wp_fields(child)
                item.meta.setdefault(meta.get("meta_key", ""), []).append(
                    meta.get("meta_value", "")
                )
            elif name == "comment":
                item.comments += 1
            elif name in ("post_id", "post_parent"):
                setattr(item, name, _int(_text(child)))
            elif name == "is_sticky":
                item.is_sticky = _text(child).strip() == "1"
            elif name in ("post_type", "status", "post_name", "post_date", "post_date_gmt"):
                setattr(item, name, _text(child).strip())
            elif name == "attachment_url":
                item.attachment_url = _text(child).strip()
    return item


def _read_term(name, element) -> tuple[tuple[str, int], dict]:
    fields = _wp_fields(element)
    if name == "category":
        taxonomy, slug, label = "category", "category_nicename", "cat_name"
        parent = fields.get("category_parent", "")
    elif name == "tag":
        taxonomy, slug, label, parent = "post_tag", "tag_slug", "tag_name", ""
    else:
        taxonomy, slug, label = fields.get("term_taxonomy", ""), "term_slug", "term_name"
        parent = fields.get("term_parent", "")
    term = {
        "taxonomy": taxonomy,
        "slug": fields.get(slug, "").strip(),
        "name": fields.get(label, "").strip(),
        "parent": parent.strip(),
        "description": fields.get("term_description", "") or fields.get("category_description", ""),
    }
    return (taxonomy, _int(fields.get("term_id"))), term


def read_export(path, channel: Channel, counters: dict | None = None):
    """Yield each `Item` of the export at `path`, filling `channel` as its head is read.

    `counters["invalid_characters"]` gets the number of forbidden characters removed. Raises
    `ExportError` (a clear message) for a hostile, broken or foreign file."""
    check_prolog(path)
    counters = counters if counters is not None else {}
    with open(path, "rb") as raw:
        source = _Filtered(raw)
        events = etree.iterparse(
            source,
            events=("end",),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        seen_channel = False
        try:
            for _, element in events:
                namespace, name = _local(element)
                parent = element.getparent()
                if parent is None:
                    continue
                if name == "item" and not namespace:
                    seen_channel = True
                    yield _read_item(element)
                elif _local(parent)[1] != "channel":
                    continue  # inside an item or a term: read with it
                elif namespace.startswith(WP_NS):
                    seen_channel = True
                    if name == "author":
                        fields = _wp_fields(element)
                        login = fields.get("author_login", "").strip()
                        if login:
                            channel.authors[login] = fields
                    elif name in ("category", "tag", "term"):
                        key, term = _read_term(name, element)
                        channel.terms[key] = term
                    elif name == "base_site_url":
                        channel.base_site_url = _text(element).strip()
                    elif name == "base_blog_url":
                        channel.base_blog_url = _text(element).strip()
                    elif name == "wxr_version":
                        channel.wxr_version = _text(element).strip()
                elif name == "link" and not namespace:
                    channel.link = _text(element).strip()
                else:
                    continue
                # Done with it: drop it and everything read before it.
                element.clear()
                while element.getprevious() is not None:
                    del parent[0]
        except etree.XMLSyntaxError as error:
            raise ExportError(BROKEN.format(error=error)) from error
        finally:
            counters["invalid_characters"] = source.removed
        if not seen_channel:
            raise ExportError(NOT_WXR)
