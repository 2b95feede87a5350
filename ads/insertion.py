"""Placing in-article slots between the top-level blocks of an article body.

The body is parsed (html.parser) into its top-level blocks; a slot goes after the N-th
top-level paragraph, never at the same place as another slot and never after the last block
(where it would touch the slot after the body). Short articles get the slot after the body.
"""

from articles.richtext.blocks import top_level_blocks


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
