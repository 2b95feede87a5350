"""Filing an article from the change form: its tags (one typed list) and its byline order."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from articles.models import (
    Article,
    Author,
    Byline,
    OldTagSlug,
    Tag,
    TaggedArticle,
    refresh_credits,
    refresh_tags,
)

TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length
MAX_TAGS = 50
MAX_TAGS_INPUT = 20_000  # characters; a longer paste is refused before it is parsed

TAG_TOO_LONG = "“{name}…” is longer than {limit} characters: shorten the tag."
TAG_FORBIDDEN = "“{name}” contains < or >: tags are plain words, not markup."
TAG_NO_LETTERS = "“{name}” needs at least one letter or digit."
TOO_MANY_TAGS = "That is {count} tags; an article may have at most {limit}."
TAGS_INPUT_TOO_LONG = "That list is too long to be tags ({count} characters): paste fewer."
UNCLOSED_QUOTE = "A quote is not closed: check the tag that starts with “{start}”."
BYLINE_REQUIRED = "Add at least one author to the byline."
AUTHOR_INACTIVE = "{name} is no longer active and cannot be added to a byline."

_SPACES = re.compile(r"\s+")


def split_tags(text: str) -> list[str]:
    """Split typed or pasted tags at commas and new lines; "double quotes" keep a comma in."""
    names, current, quoted, start = [], [], False, 0
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
            start = index
        elif char in ",\n\r" and not quoted:
            names.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise ValidationError(UNCLOSED_QUOTE.format(start=text[start : start + 20]))
    names.append("".join(current))
    return [_SPACES.sub(" ", name).strip() for name in names if name.strip()]


def parse_tags(text: str) -> list[str]:
    """The tag names in a typed list, checked and without case-insensitive repeats.

    A name that already exists as a tag takes that tag's spelling, and the name of a tag that
    was merged or renamed takes the name of the tag it became (`existing_tags`). Raises
    ValidationError with every problem found (nothing is created here).
    """
    text = text or ""
    if len(text) > MAX_TAGS_INPUT:
        raise ValidationError(TAGS_INPUT_TOO_LONG.format(count=len(text)))
    errors, names, seen = [], [], set()
    for name in split_tags(unicodedata.normalize("NFC", text)):
        if any(char in name for char in "<>"):
            errors.append(TAG_FORBIDDEN.format(name=name[:40]))
        elif len(name) > TAG_MAX_LENGTH:
            errors.append(TAG_TOO_LONG.format(name=name[:40], limit=TAG_MAX_LENGTH))
        elif not Tag().slugify(name):
            errors.append(TAG_NO_LETTERS.format(name=name))
        elif name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    if len(names) > MAX_TAGS:
        errors.append(TOO_MANY_TAGS.format(count=len(names), limit=MAX_TAGS))
    if errors:
        raise ValidationError(errors)
    existing = existing_tags(names)
    resolved = {}  # casefolded name → spelling, first one wins (a merged name and its target)
    for name in names:
        tag = existing.get(name.casefold())
        spelling = tag.name if tag is not None else name
        resolved.setdefault(spelling.casefold(), spelling)
    return list(resolved.values())


def existing_tags(names) -> dict:
    """The tags these names stand for, by casefolded name: a tag of that name, else the tag
    that took over a merged or renamed tag's address (its old slug). A form opened before a
    merge then files the article under the merge target instead of recreating the old tag."""
    tags = {tag.name.casefold(): tag for tag in _tags_named(names)}
    by_slug = {Tag().slugify(n): n.casefold() for n in names if n.casefold() not in tags}
    if by_slug:
        for old in OldTagSlug.objects.filter(slug__in=by_slug).select_related("tag"):
            tags[by_slug[old.slug]] = old.tag
    return tags


def _tags_named(names):
    if not names:
        return Tag.objects.none()
    query = Q()
    for name in names:
        query |= Q(name__iexact=name)
    return Tag.objects.filter(query)


def format_tags(names: list[str]) -> str:
    """Tag names as the one-field list shows them (quoted when they hold a comma)."""
    return ", ".join(f'"{name}"' if "," in name else name for name in names)


def set_tags(*, article: Article, names: list[str]) -> None:
    """File the article under exactly these tags, in this order, creating new tags as needed."""
    with transaction.atomic():
        current = list(
            TaggedArticle.objects.filter(content_object=article)
            .order_by("pk")
            .values_list("tag__name", flat=True)
        )
        if current == names:
            return
        tags = existing_tags(names)
        for name in names:
            if name.casefold() not in tags:
                tag = Tag(name=name)
                tag.save()  # taggit gives it a unique slug
                tags[name.casefold()] = tag
        # Tags keep the order they were typed in (rows are read back by primary key); two
        # names of one tag (a merged tag's old name beside the target's) file it once.
        filed = list({tags[name.casefold()].pk: tags[name.casefold()] for name in names}.values())
        TaggedArticle.objects.filter(content_object=article).delete()
        TaggedArticle.objects.bulk_create(
            TaggedArticle(content_object=article, tag=tag) for tag in filed
        )
        refresh_tags([article.pk])


def check_bylines(*, article: Article | None, authors: list[Author]) -> None:
    """Refuse an empty byline, and inactive authors who are not on it already."""
    if not authors:
        raise ValidationError(BYLINE_REQUIRED)
    current = set()
    if article is not None and article.pk:
        current = set(Byline.objects.filter(article=article).values_list("author_id", flat=True))
    errors = [
        AUTHOR_INACTIVE.format(name=author.name)
        for author in authors
        if not author.is_active and author.pk not in current
    ]
    if errors:
        raise ValidationError(errors)


def set_bylines(*, article: Article, authors: list[Author]) -> None:
    """Put exactly these authors on the byline, in this order."""
    with transaction.atomic():
        current = list(Byline.objects.filter(article=article).values_list("author_id", "position"))
        wanted = [(author.pk, position) for position, author in enumerate(authors)]
        if sorted(current, key=lambda row: row[1]) == wanted:
            return
        Byline.objects.filter(article=article).delete()
        Byline.objects.bulk_create(
            Byline(article=article, author=author, position=position)
            for position, author in enumerate(authors)
        )
        refresh_credits([article.pk])
