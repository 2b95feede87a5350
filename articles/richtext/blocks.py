"""The top-level blocks of an article body (paragraphs, headings, lists, figures, …): where each
one ends and its tag. Derived on save (`Article.body_blocks`) for in-article ad insertion
(`ads.insertion`) and anything else that places content between a body's blocks."""

from html.parser import HTMLParser

VOID_TAGS = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _TopLevelBlocks(HTMLParser):
    """Records where each top-level element of a fragment ends, and its tag."""

    def __init__(self, source):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        self.line_starts += [i + 1 for i, char in enumerate(source) if char == "\n"]
        self.depth = 0
        self.blocks = []  # (offset just after the element, tag)

    def _offset(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            if self.depth == 0:
                self.blocks.append((self._offset() + len(self.get_starttag_text()), tag))
            return
        self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            self.blocks.append((self._offset() + len(self.get_starttag_text()), tag))

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        self.depth = max(0, self.depth - 1)
        if self.depth == 0:
            end = self.source.index(">", self._offset()) + 1
            self.blocks.append((end, tag))


def top_level_blocks(html: str) -> list[tuple[int, str]]:
    parser = _TopLevelBlocks(html)
    parser.feed(html)
    parser.close()
    return parser.blocks
