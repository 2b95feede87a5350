"""WordPress post content → our body markup (before the sanitiser in articles/richtext).

Gutenberg content (`<!-- wp:name {json} -->` … `<!-- /wp:name -->`) is read as a tree of
blocks: the core blocks keep their saved HTML (columns and groups are flattened in order),
embeds become links, unknown blocks are kept as their text and counted by name. Classic content
gets WordPress's `wpautop` paragraph rules and its built-in shortcodes (caption, gallery,
embed, audio, video); unknown shortcodes stay as text and are counted. Images are re-pointed at
the media library (sized variants `-300x200` too) and links to the old site made local, where
the redirects table sends them on.
"""

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape, unescape

BLOCK_COMMENT = re.compile(
    r"<!--\s+(/)?wp:([a-z][a-z0-9_-]*/)?([a-z][a-z0-9_-]*)\s+(\{.*?\}\s+)?(/)?-->", re.DOTALL
)
# Blocks whose saved HTML we keep (the sanitiser reduces it to our allowlist).
KEPT_BLOCKS = {
    "core/paragraph", "core/heading", "core/list", "core/list-item", "core/quote",
    "core/pullquote", "core/image", "core/gallery", "core/table", "core/separator", "core/html",
    "core/columns", "core/column", "core/group", "core/freeform", "core/preformatted",
    "core/code", "core/verse", "core/media-text", "core/cover", "core/details",
}  # fmt: skip
DROPPED_BLOCKS = {"core/spacer", "core/more", "core/nextpage", "core/buttons", "core/button"}
EMBED_BLOCKS = {"core/embed", "core/video", "core/audio", "core/file"}

HTML_BLOCK = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|"
    "blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|"
    "header|footer|nav|figure|figcaption|details|menu|summary"
)
_OPENS_BLOCK = re.compile(rf"^<(?:/?(?:{HTML_BLOCK}))[\s/>]", re.IGNORECASE)
_BEFORE_BLOCK = re.compile(rf"(<(?:{HTML_BLOCK})[\s/>])", re.IGNORECASE)
_AFTER_BLOCK = re.compile(rf"(</(?:{HTML_BLOCK})>)", re.IGNORECASE)
_ATTRS = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_ENCLOSING = re.compile(
    r"\[(caption|wp_caption|embed|audio|video)\b([^\]]*)\](.*?)\[/\1\]", re.DOTALL
)
_SELF_CLOSING = re.compile(r"\[(gallery|audio|video|playlist)\b([^\]]*?)/?\]")
_ANY_SHORTCODE = re.compile(r"\[(/?)([a-zA-Z][\w-]*)((?:\s[^\]]*)?)/?\]")
_BARE_URL = re.compile(r"^[ \t]*(https?://[^\s<>\"']+)[ \t]*$", re.MULTILINE)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\ssrc\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_SRCSET = re.compile(r"""\ssrcset\s*=\s*(["']).*?\1""", re.IGNORECASE | re.DOTALL)
_HREF = re.compile(r"""(\shref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class ImageRef:
    """A library image as a body shows it."""

    url: str
    alt: str = ""
    pk: int | None = None


@dataclass
class Converter:
    """Turns bodies into our markup and counts what it met (for the report)."""

    image_for_url: Callable[[str], ImageRef | None] = lambda url: None
    image_for_id: Callable[[int], ImageRef | None] = lambda wp_id: None
    old_hosts: tuple = ()
    resolve_link: Callable[[str], str | None] = lambda path: None
    blocks: Counter = field(default_factory=Counter)
    unknown_blocks: Counter = field(default_factory=Counter)
    shortcodes: Counter = field(default_factory=Counter)
    unknown_shortcodes: Counter = field(default_factory=Counter)
    images_repointed: int = 0
    images_missing: int = 0
    links_rewritten: int = 0

    def convert(self, content: str) -> str:
        """Our body markup (not yet sanitised) for a post's `content:encoded`."""
        content = content or ""
        if BLOCK_COMMENT.search(content):
            html = self._render(parse_blocks(content))
        else:
            html = self._classic(content)
        return self._links(self._images(html))

    # --- Gutenberg ---

    def _render(self, children) -> str:
        out = []
        for child in children:
            if isinstance(child, str):
                if child.strip():  # classic text between blocks (a freeform block)
                    out.append(self._classic(child))
                continue
            out.append(self._block(child))
        return "\n".join(part for part in out if part)

    def _block(self, block) -> str:
        self.blocks[block.name] += 1
        if block.name in DROPPED_BLOCKS:
            return ""
        if block.name in EMBED_BLOCKS or block.name.startswith("core-embed/"):
            url = block.attrs.get("url") or block.attrs.get("src") or _text_of(block).strip()
            return _link_paragraph(url) if url else ""
        if block.name == "core/image" and isinstance(block.attrs.get("id"), int):
            ref = self.image_for_id(block.attrs["id"])
            if ref is not None:
                self.images_repointed += 1
                inner = self._render_inner(block)
                return _IMG.sub(lambda m: _point_img(m.group(), ref), inner, count=1)
        if block.name in KEPT_BLOCKS:
            return self._render_inner(block)
        self.unknown_blocks[block.name] += 1
        text = " ".join(_text_of(block).split())
        return f"<p>{escape(text)}</p>" if text else ""

    def _render_inner(self, block) -> str:
        out = []
        for child in block.children:
            out.append(child if isinstance(child, str) else self._block(child))
        return "".join(out)

    # --- classic ---

    def _classic(self, text: str) -> str:
        text = _ENCLOSING.sub(self._enclosing, text)
        text = _SELF_CLOSING.sub(self._self_closing, text)
        text = _ANY_SHORTCODE.sub(self._unknown_shortcode, text)
        text = _BARE_URL.sub(lambda m: _link_paragraph(m.group(1)), text)
        return wpautop(text)

    def _enclosing(self, match) -> str:
        name, attrs, inner = match.group(1), _attrs(match.group(2)), match.group(3)
        self.shortcodes[name] += 1
        if name in ("caption", "wp_caption"):
            images = _IMG.findall(inner)
            caption = attrs.get("caption") or _TAGS.sub("", inner).strip()
            img = images[0] if images else ""
            figcaption = f"<figcaption>{escape(unescape(caption))}</figcaption>" if caption else ""
            return f"\n\n<figure>{img}{figcaption}</figure>\n\n"
        url = inner.strip() or attrs.get("src") or attrs.get("mp3") or attrs.get("mp4") or ""
        return f"\n\n{_link_paragraph(url)}\n\n" if url else ""

    def _self_closing(self, match) -> str:
        name, attrs = match.group(1), _attrs(match.group(2))
        self.shortcodes[name] += 1
        if name == "gallery":
            figures = []
            for wp_id in re.findall(r"\d+", attrs.get("ids", "")):
                ref = self.image_for_id(int(wp_id))
                if ref is None:
                    self.images_missing += 1
                    continue
                self.images_repointed += 1
                figures.append(
                    f'<figure><img src="{escape(ref.url)}" alt="{escape(ref.alt)}"></figure>'
                )
            return "\n\n" + "\n".join(figures) + "\n\n" if figures else ""
        url = next(
            (attrs[k] for k in ("src", "mp3", "mp4", "m4a", "ogg", "webm") if attrs.get(k)), ""
        )
        return f"\n\n{_link_paragraph(url)}\n\n" if url else ""

    def _unknown_shortcode(self, match) -> str:
        if not match.group(1):
            self.unknown_shortcodes[match.group(2)] += 1
        return match.group()

    # --- images and links ---

    def _images(self, html: str) -> str:
        def repoint(match):
            tag = _SRCSET.sub("", match.group())
            src = _SRC.search(tag)
            if not src:
                return tag
            url = unescape(src.group(2))
            if "/wp-content/uploads/" not in url and not self._is_old(url):
                return tag
            ref = self.image_for_url(url)
            if ref is None:
                self.images_missing += 1
                return tag
            if ref.url != url:
                self.images_repointed += 1
            return _point_img(tag, ref)

        return _IMG.sub(repoint, html)

    def _is_old(self, url: str) -> bool:
        return any(url.startswith(host + "/") or url == host for host in self.old_hosts)

    def _links(self, html: str) -> str:
        def local(match):
            url = unescape(match.group(3))
            for host in self.old_hosts:
                if url.startswith(host + "/") and "/wp-content/" not in url:
                    self.links_rewritten += 1
                    path = url[len(host) :] or "/"
                    path = self.resolve_link(path) or path
                    return f"{match.group(1)}{match.group(2)}{escape(path)}{match.group(2)}"
            return match.group()

        return _HREF.sub(local, html)


@dataclass
class Block:
    name: str
    attrs: dict
    children: list = field(default_factory=list)


def parse_blocks(content: str) -> list:
    """The block tree of Gutenberg content: strings (HTML) and `Block`s."""
    root = Block("root", {})
    stack = [root]
    position = 0
    for match in BLOCK_COMMENT.finditer(content):
        if match.start() > position:
            stack[-1].children.append(content[position : match.start()])
        position = match.end()
        closing, namespace, name, attrs, self_closing = match.groups()
        full = (namespace or "core/") + name
        if closing:
            names = [block.name for block in stack]
            if full in names[1:]:
                while stack[-1].name != full:
                    stack.pop()
                stack.pop()
            continue
        try:
            parsed = json.loads(attrs) if attrs else {}
        except ValueError:
            parsed = {}
        block = Block(full, parsed if isinstance(parsed, dict) else {})
        stack[-1].children.append(block)
        if not self_closing:
            stack.append(block)
    if position < len(content):
        stack[-1].children.append(content[position:])
    return root.children


def wpautop(text: str) -> str:
    """WordPress's paragraph rules: blank lines part paragraphs, a single newline is a line
    break, block-level HTML is left as it is."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    text = _BEFORE_BLOCK.sub(r"\n\n\1", text)
    text = _AFTER_BLOCK.sub(r"\1\n\n", text)
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _OPENS_BLOCK.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", chunk) + "</p>")
    return "\n".join(out)


def _attrs(text: str) -> dict:
    return {
        m.group(1).lower(): next(v for v in m.groups()[1:] if v is not None)
        for m in _ATTRS.finditer(text or "")
    }


def _text_of(node) -> str:
    if isinstance(node, str):
        return unescape(_TAGS.sub(" ", node))
    return " ".join(_text_of(child) for child in node.children)


def _link_paragraph(url: str) -> str:
    url = url.strip()
    if not re.match(r"^https?://", url):
        return ""
    safe = escape(url)
    return f'<p><a href="{safe}">{safe}</a></p>'


def _point_img(tag: str, ref: ImageRef) -> str:
    tag = _SRCSET.sub("", tag)
    tag = _SRC.sub(lambda m: f' src="{escape(ref.url)}"', tag, count=1)
    if ref.alt and re.search(r"""\salt\s*=\s*(["'])\1""", tag):
        tag = re.sub(r"""\salt\s*=\s*(["'])\1""", f' alt="{escape(ref.alt)}"', tag, count=1)
    return tag
