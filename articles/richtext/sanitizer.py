"""The body allowlist: what survives in an article body, whatever the editor widget, a paste or an
import sent.

nh3 alone flattened structure: a removed element's text ran into the next one's ("H1t" was a
heading and a table). Now, in order:

1. `_Audit` reads the markup as sent and notes the tags and attributes the allowlist removes
   (the report; nothing is changed here);
2. nh3 with a wider list (the allowlist, the headings and the block elements we re-shape)
   parses it as a browser would and writes it back well-formed, so the next step tokenizes
   exactly what a browser would see;
3. `_Structure` renames `<h1>` to `<h2>` (the headline is the page's `<h1>`) and `<h5>`/`<h6>`
   to `<h4>`, leaves a line break on each side of a block element the allowlist removes (a
   `<div>`, a `<section>`, a `<dt>`…) so no two words are joined, and drops any image not from
   our media library (noting its address);
4. nh3 with the allowlist: the security boundary, whatever the steps before let through.

`clean_html(html)` returns the clean body; `clean_html_with_report(html)` also returns a
`Report` of what was removed, for the admin's message after a save and for imports.
"""

import functools
import posixpath
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "blockquote", "ul", "ol", "li", "a", "hr", "code", "pre", "figure", "figcaption", "img",
    "table", "caption", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Headings outside h2–h4 keep their place in the outline at the nearest allowed level.
RENAMED = {"h1": "h2", "h5": "h4", "h6": "h4"}
# Library images live under these folders of the media storage (articles/media/).
MEDIA_FOLDERS = ("images/", "renditions/")

# Block elements outside the allowlist whose text readers keep; step 2 keeps them for step 3
# to space (raw-text and form elements are not among them: the parser treats their content
# as text or drops it).
SPACED_BLOCKS = {
    "address", "article", "aside", "center", "dd", "details", "dialog", "dir", "div", "dl",
    "dt", "fieldset", "footer", "form", "header", "hgroup", "legend", "main", "menu", "nav",
    "section", "search", "summary", "tfoot", "colgroup", "col", "h1", "h5", "h6",
}  # fmt: skip
# Added by the final pass to every link, so not "removed" when cleaning clean markup again.
ADDED_ATTRIBUTES = {("a", "rel")}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)
_normaliser = nh3.Cleaner(
    tags=ALLOWED_TAGS | SPACED_BLOCKS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel=None,
    strip_comments=True,
)


@dataclass
class Report:
    """What cleaning removed: tags (their text kept, except script and style), attributes, and
    images not from the media library (by address)."""

    tags: Counter = field(default_factory=Counter)
    attributes: Counter = field(default_factory=Counter)  # "a onclick", "img style", …
    foreign_images: list = field(default_factory=list)
    renamed: Counter = field(default_factory=Counter)  # "h1 → h2"

    def __bool__(self):
        return bool(self.tags or self.attributes or self.foreign_images or self.renamed)

    def lines(self) -> list[str]:
        """The report in sentences an editor can act on."""
        lines = []
        if self.foreign_images:
            shown = ", ".join(self.foreign_images[:3])
            more = (
                f" and {len(self.foreign_images) - 3} more" if len(self.foreign_images) > 3 else ""
            )
            lines.append(
                f"Removed {_count(len(self.foreign_images), 'image')} not from the media library "
                f"({shown}{more}): upload it to the library and insert it from there."
            )
        if self.tags:
            lines.append(
                f"Removed {_tally(self.tags, '<{}>')} (their text is kept, except scripts "
                "and styles)."
            )
        if self.attributes:
            lines.append(f"Removed attributes: {_tally(self.attributes, '{}')}.")
        if self.renamed:
            lines.append(f"Changed headings: {_tally(self.renamed, '{}')}.")
        return lines

    def message(self) -> str:
        return " ".join(self.lines())


def _count(n, noun):
    return f"1 {noun}" if n == 1 else f"{n} {noun}s"


def _tally(counter, fmt):
    return ", ".join(
        fmt.format(name) + (f" ×{n}" if n > 1 else "") for name, n in sorted(counter.items())
    )


@functools.cache
def _media_prefixes() -> tuple[str, ...]:
    """The addresses library images are served from: the media storage's (MEDIA_URL, or the
    media host on S3) library folders."""
    prefixes = set()
    for folder in MEDIA_FOLDERS:
        probe = f"{folder}x"
        url = default_storage.url(probe)
        if url.endswith(probe) and not urlsplit(url).query:
            prefixes.add(url[: -len("x")])
    return tuple(sorted(prefixes))


@receiver(setting_changed)
def _forget_media_prefixes(**kwargs):
    _media_prefixes.cache_clear()


def is_library_image(src: str) -> bool:
    """Whether `src` points into the media library (no other host, no `..` out of it)."""
    src = (src or "").strip()
    parts = urlsplit(src)
    if parts.query or parts.fragment or "\\" in src or "%" in src:
        return False
    path = parts.path
    if posixpath.normpath(path) != path.rstrip("/") or "//" in path:
        return False
    return src.startswith(_media_prefixes())


class _Tokens(HTMLParser):
    """Python's HTML tokenizer with each tag's place in the source."""

    def __init__(self, source):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0]
        self.line_starts += [i + 1 for i, char in enumerate(source) if char == "\n"]

    def _offset(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def run(self):
        self.feed(self.source)
        self.close()
        return self


class _Copy(_Tokens):
    """Copies the source, tag by tag, through `start()` and `end()`."""

    def __init__(self, source, report):
        super().__init__(source)
        self.report = report
        self.cursor = 0
        self.out = []

    def _take(self, end):
        offset = self._offset()
        self.out.append(self.source[self.cursor : offset])
        self.cursor = end(offset)
        return self.source[offset : self.cursor]

    def handle_starttag(self, tag, attrs):
        raw = self._take(lambda offset: offset + len(self.get_starttag_text() or ""))
        self.out.append(self.start(tag, attrs, raw))

    def handle_endtag(self, tag):
        def after(offset):
            end = self.source.find(">", offset)
            return len(self.source) if end == -1 else end + 1

        raw = self._take(after)
        self.out.append(self.end(tag, raw))

    def start(self, tag, attrs, raw):
        spaced = RENAMED.get(tag, tag) not in ALLOWED_TAGS and tag in SPACED_BLOCKS
        return f"\n{raw}" if spaced else raw

    def end(self, tag, raw):
        spaced = RENAMED.get(tag, tag) not in ALLOWED_TAGS and tag in SPACED_BLOCKS
        return f"{raw}\n" if spaced else raw

    def result(self):
        self.run()
        self.out.append(self.source[self.cursor :])
        return "".join(self.out)


class _Audit(_Copy):
    """Step 1, on the markup as sent: a line break on each side of a block element the
    allowlist removes (the parser of step 2 may drop a misplaced one, a `<tfoot>` outside a
    table, without a trace), and the report of what the allowlist removes."""

    def start(self, tag, attrs, raw):
        name = RENAMED.get(tag, tag)
        if name != tag:
            self.report.renamed[f"{tag} → {name}"] += 1
        if name not in ALLOWED_TAGS:
            self.report.tags[tag] += 1
        for attr, value in attrs if name in ALLOWED_TAGS else ():
            if (name, attr) in ADDED_ATTRIBUTES or (name, attr) == ("img", "src"):
                continue
            if attr not in ALLOWED_ATTRIBUTES.get(name, ()):
                self.report.attributes[f"{attr} on <{name}>"] += 1
            elif attr == "href" and not _safe_url(value):
                self.report.attributes[f"{attr} on <{name}> (unsafe address)"] += 1
        return super().start(tag, attrs, raw)


class _Structure(_Copy):
    """Step 3, on well-formed markup: headings renamed, removed blocks spaced, foreign images
    dropped."""

    def start(self, tag, attrs, raw):
        if tag == "img" and not is_library_image(dict(attrs).get("src") or ""):
            self.report.foreign_images.append(dict(attrs).get("src") or "(no address)")
            return " "  # an image between two words keeps them apart
        name = RENAMED.get(tag, tag)
        return super().start(tag, attrs, f"<{name}>" if name != tag else raw)

    def end(self, tag, raw):
        name = RENAMED.get(tag, tag)
        return super().end(tag, f"</{name}>" if name != tag else raw)


def _safe_url(value) -> bool:
    scheme = urlsplit("".join((value or "").split())).scheme.lower()
    return not scheme or scheme in URL_SCHEMES


def clean_html_with_report(html: str) -> tuple[str, Report]:
    """`clean_html(html)` and a `Report` of what it removed (empty when nothing was)."""
    html = html or ""
    report = Report()
    try:
        html = _Audit(html, report).result()
    except (AssertionError, ValueError):  # the tokenizer gave up: no spacing, partial report
        pass
    shaped = _Structure(_normaliser.clean(html), report).result()
    return _cleaner.clean(shaped), report


def clean_html(html: str) -> str:
    """Return `html` with everything outside the body allowlist removed."""
    return clean_html_with_report(html)[0]
