"""The conflict page's comparisons: word-level differences, the body read as text."""

import difflib
import html
import re

from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import mark_safe

_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre|figure|figcaption)>|<br\s*/?>", re.I)
_WORDS = re.compile(r"\s+|[^\s]+")


def body_text(body_html: str) -> str:
    """An article body as the words a reader reads: no markup, one paragraph per line."""
    text = _BLOCK_END.sub("\n", body_html or "")
    text = html.unescape(strip_tags(text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def word_diff(theirs: str, yours: str) -> tuple[str, str]:
    """Both texts as HTML, the words only one side has marked (<del> theirs, <ins> yours)."""
    a, b = _WORDS.findall(theirs or ""), _WORDS.findall(yours or "")
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    left, right = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            left.append(format_html("{}", old))
            right.append(format_html("{}", new))
            continue
        if old:
            left.append(format_html("<del>{}</del>", old))
        if new:
            right.append(format_html("<ins>{}</ins>", new))
    return (
        format_html_join("", "{}", ((part,) for part in left)) or mark_safe(""),  # noqa: S308
        format_html_join("", "{}", ((part,) for part in right)) or mark_safe(""),  # noqa: S308
    )
