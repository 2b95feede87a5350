"""The conflict page ("Someone else saved this article") and its comparisons.

A save from a stale version raises `services.EditConflict`; `ConflictMixin` (mixed into
ArticleAdmin) answers it with the page, 409, showing both versions of each field that differs
(word-level diff, the body read as text), and applies the choices when the form comes back.
"""

import difflib
import html
import re

from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import mark_safe

from articles.admin.forms import CONFLICT_FIELDS
from articles.media.models import Image
from articles.models import Article, Section
from articles.richtext.sanitizer import clean_html

# Fields that hold a choice, not text: the conflict page offers theirs or yours, no text box.
CHOICE_FIELDS = {"section": Section, "lead_image": Image}
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


class ConflictMixin:
    """Mixed into ArticleAdmin: the conflict page and the choices made on it."""

    def resolve_conflict(self, post):
        """Apply the per-field choices from the conflict page to the resubmitted form data."""
        data = post.copy()
        for field in post.get("_conflict_fields", "").split(","):
            if field not in CONFLICT_FIELDS:
                continue
            choice = post.get(f"_resolve_{field}", "yours")
            value = post.get(f"_theirs_{field}" if choice == "theirs" else f"_yours_{field}", "")
            data[field] = value
        return data

    def conflict_response(self, request, current):
        base_revision = (
            current.revisions.filter(
                is_autosave=False, data__version=_int(request.POST.get("loaded_version"))
            )
            .order_by("-number")
            .first()
        )
        base = base_revision.data if base_revision else {}
        rows = []
        for field in CONFLICT_FIELDS:
            theirs = _form_value(getattr(current, Article._meta.get_field(field).attname))
            yours = request.POST.get(field, "")
            compare = clean_html(yours) if field == "body" else yours
            if compare == theirs:
                continue
            # A field the base revision lacks counts as changed on both sides.
            known = field in base
            mine_changed = not known or _form_value(base[field]) != compare
            theirs_changed = not known or _form_value(base[field]) != theirs
            readable = _readable(field, theirs, yours)
            if field in CHOICE_FIELDS:  # one name or the other: nothing to mark word by word
                theirs_html, yours_html = (format_html("{}", name) for name in readable)
            else:
                theirs_html, yours_html = word_diff(*readable)
            rows.append(
                {
                    "field": field,
                    "label": Article._meta.get_field(field).verbose_name,
                    "theirs": theirs,
                    "yours": yours,
                    "theirs_html": theirs_html,
                    "yours_html": yours_html,
                    # Text can be merged by editing; a choice (section, image) is one or the other.
                    "editable": field not in ("body", *CHOICE_FIELDS),
                    "default": "theirs" if theirs_changed and not mine_changed else "yours",
                    "both": mine_changed and theirs_changed,
                }
            )
        conflicting = {row["field"] for row in rows}
        hidden = [
            (key, value)
            for key, values in request.POST.lists()
            for value in values
            if key not in conflicting
            and key not in {"loaded_version", "csrfmiddlewaretoken", "_conflict_fields"}
            and not key.startswith(("_resolve_", "_yours_", "_theirs_"))
        ]
        last_edit = current.revisions.filter(is_autosave=False).order_by("-number").first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "article": current,
            "rows": rows,
            "hidden": hidden,
            "conflict_fields": ",".join(row["field"] for row in rows),
            "last_edit": last_edit,
            "title": "Someone else saved this article",
        }
        return TemplateResponse(request, "articles/conflict.html", context, status=409)


def _form_value(value) -> str:
    """A stored value as the form posts it: no value (None) is the empty string, as in the form."""
    return "" if value is None else str(value)


def _readable(field, theirs, yours):
    """Both sides of a conflicting field as an editor reads them (never raw HTML)."""
    if field == "body":
        return body_text(theirs), body_text(clean_html(yours))
    if field in CHOICE_FIELDS:
        model = CHOICE_FIELDS[field]
        names = {str(obj.pk): str(obj) for obj in model.objects.filter(pk__in=_ids(theirs, yours))}
        return (
            names.get(theirs, theirs) if theirs else "(none)",
            names.get(yours, yours) if yours else "(none)",
        )
    return theirs, yours


def _ids(*values):
    return [number for number in map(_int, values) if number is not None]


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
