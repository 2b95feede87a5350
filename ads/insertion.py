"""Placing in-article slots between the top-level blocks of an article body.

The body is parsed (html.parser) into its top-level blocks; a slot goes after the N-th
top-level paragraph, never at the same place as another slot and never after the last block
(where it would touch the slot after the body). Short articles get the slot after the body.
"""

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


def plan(html: str, slots, blocks=None) -> tuple[dict[int, list], list]:
    """Where each slot goes: ({block index: [slots]}, slots that fall back to after the body).

    `slots` are AdSlots with `after_paragraph` and `min_paragraphs`; `blocks` are the body's
    `top_level_blocks()` when already known (articles derive them on save).
    """
    blocks = top_level_blocks(html) if blocks is None else blocks
    paragraphs = [i for i, (_, tag) in enumerate(blocks) if tag == "p"]
    used: dict[int, list] = {}
    fallback = []
    for slot in sorted(slots, key=lambda s: (s.after_paragraph, s.code)):
        spot = None
        if len(paragraphs) >= slot.min_paragraphs:
            for index in paragraphs[slot.after_paragraph - 1 :]:
                if index < len(blocks) - 1 and index not in used:
                    spot = index
                    break
        if spot is None:
            fallback.append(slot)
        else:
            used[spot] = [slot]
    return used, fallback


def insert(html: str, plan_by_block: dict[int, list], render, blocks=None) -> str:
    """`html` with `render(slot)` placed after the planned top-level blocks."""
    blocks = top_level_blocks(html) if blocks is None else blocks
    out, start = [], 0
    for index, (end, _) in enumerate(blocks):
        if index in plan_by_block:
            out.append(html[start:end])
            out.extend(render(slot) for slot in plan_by_block[index])
            start = end
    out.append(html[start:])
    return "".join(out)
