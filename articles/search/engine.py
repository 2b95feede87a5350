"""Reader search over published articles, in one place.

On PostgreSQL, `articles_article.search_vector` holds every article's weighted words (headline
and tags A, standfirst B, body C). Database triggers keep it fresh on every save and on every
tag change (articles/migrations/0006_search.py), so no Python code maintains it. Queries use
`websearch` syntax ("quoted phrases", `or`, `-without`), are ranked by `SearchRank` with the
newest first among equals, highlighted with `SearchHeadline`, and a query that finds nothing
gets a "Did you mean" built from `pg_trgm` similarity over published headlines and tags.

On SQLite (the `make run` default) the same functions fall back to simple word matching, so
the page and its template are the same everywhere; ranking there is only "headline first".
"""

import html
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, Author, Section, Tag, TaggedArticle

CONFIG = "english"  # must match the configuration in the migration's trigger function
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
PAGE_SIZE = 20
# Ranking and counting stop at the newest CANDIDATES matches (50 pages): a broad word would
# otherwise make every results page rank and count a third of the archive.
CANDIDATES = 1_000
QUERY_TOO_LONG = f"Search for at most {MAX_QUERY_LENGTH} characters."
DATES_REVERSED = "The start date must be on or before the end date."
NO_WORDS = "Type a word to search for."
ONLY_COMMON_WORDS = "Those words are too common to search for. Try more specific words."

FILTERS = ("section", "author", "date_from", "date_to")
WORD = re.compile(r"\w+")
SLUG = re.compile(r"\A[-\w]+\Z")
# Markers for highlights: the text around them is escaped, only they become <mark>.
START, STOP = "\x02", "\x03"
MARKERS = re.compile(f"({START}|{STOP})")
TAG = re.compile(r"<[^>]*>")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def uses_postgresql() -> bool:
    return connection.vendor == "postgresql"


class SlugChoiceField(forms.ModelChoiceField):
    """A choice by slug that refuses anything not shaped like a slug before any query."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or not SLUG.match(value) or len(value) > 200:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class DateInput(forms.DateInput):
    """A native date picker that never echoes back a value that is not a date."""

    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def format_value(self, value):
        if isinstance(value, str):
            try:
                date.fromisoformat(value)
            except ValueError:
                return None
        return super().format_value(value)


class SearchForm(forms.Form):
    """The reader's search: words, and optional section, author and date filters."""

    q = forms.CharField(
        label="Search for",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={"max_length": QUERY_TOO_LONG},
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    section = SlugChoiceField(
        Section.objects.all(), to_field_name="slug", required=False, empty_label="All sections"
    )
    author = SlugChoiceField(
        Author.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="All authors",
    )
    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To", required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "search-%s")
        super().__init__(*args, **kwargs)

    def clean_q(self):
        return " ".join(CONTROL.sub(" ", self.cleaned_data["q"]).split())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATES_REVERSED)
        return cleaned

    @property
    def has_filters(self):
        return any(self.cleaned_data.get(name) for name in FILTERS)


def has_words(query: str) -> bool:
    """Whether the query has anything to search for (not empty, not only punctuation)."""
    return bool(WORD.search(query))


def search(query, *, section=None, author=None, date_from=None, date_to=None):
    """Published articles matching `query`, best first, each with a `snippet`-ready text."""
    articles = Article.objects.published().select_related("section", "sponsorship")
    if section:
        articles = articles.filter(section=section)
    if author:
        articles = articles.filter(pk__in=author.bylines.values("article_id"))
    if date_from:
        articles = articles.filter(published_at__date__gte=date_from)
    if date_to:
        articles = articles.filter(published_at__date__lte=date_to)
    if uses_postgresql():
        return _postgresql_search(articles, query)
    return _fallback_search(articles, query)


def _websearch(query):
    return SearchQuery(query, search_type="websearch", config=CONFIG)


def _postgresql_search(articles, query):
    text_query = _websearch(query)
    plain_body = Func(
        F("body"),
        Value("<[^>]*>"),
        Value(" "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )
    # Stage one: the newest CANDIDATES matches (a top-N sort on publication time, no rank).
    # Stage two ranks only those, so the count and the ranked page cover at most CANDIDATES
    # rows (docs/architecture.md, "Bounded candidates").
    candidates = (
        articles.filter(search_vector=text_query)
        .order_by("-published_at", "-pk")
        .values("pk")[:CANDIDATES]
    )
    return (
        articles.filter(pk__in=candidates)
        .annotate(
            rank=SearchRank(F("search_vector"), text_query),
            # Only evaluated for the rows of the page (PostgreSQL defers costly output columns
            # until after ORDER BY … LIMIT).
            highlighted=SearchHeadline(
                Concat("standfirst", Value(" "), plain_body, output_field=TextField()),
                text_query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-published_at", "-pk")
    )


def _terms(query):
    return [term.lower() for term in WORD.findall(query)][:MAX_TERMS]


def _word_starts(terms):
    """Each term as the start of a word: "ai" finds "AI", not "said". (Django gives SQLite a
    REGEXP function backed by Python's re.)"""
    return [rf"\b{re.escape(term)}" for term in terms]


def _fallback_filter(articles, starts):
    """SQLite: every word start must begin a word of the headline, standfirst, body or a tag."""
    for start in starts:
        tagged = TaggedArticle.objects.filter(tag__name__iregex=start).values("content_object")
        articles = articles.filter(
            Q(headline__iregex=start)
            | Q(standfirst__iregex=start)
            | Q(body__iregex=start)
            | Q(pk__in=tagged)
        )
    return articles


def _fallback_search(articles, query):
    """SQLite: every word must start a word of the headline, standfirst, body or a tag;
    articles with more of them in the headline first."""
    starts = _word_starts(_terms(query))
    if not starts:
        return articles.none()
    headline_hits = Value(0)
    for start in starts:
        headline_hits = headline_hits + Case(
            When(headline__iregex=start, then=1), default=0, output_field=IntegerField()
        )
    articles = _fallback_filter(articles, starts)
    return articles.annotate(rank=headline_hits).order_by("-rank", "-published_at", "-pk")


def matching(articles, query):
    """`articles` narrowed to those matching `query`, unranked and in their own order: for
    callers that page by publication time (the content API's `?q=`). PostgreSQL: the stored
    vector; SQLite: every word starts a word of the headline, standfirst, body or a tag."""
    if uses_postgresql():
        return articles.filter(search_vector=_websearch(query))
    starts = _word_starts(_terms(query))
    return _fallback_filter(articles, starts) if starts else articles.none()


def plain_text(article) -> str:
    """The standfirst and body as plain text (the body is sanitised HTML)."""
    return html.unescape(TAG.sub(" ", f"{article.standfirst} {article.body}"))


def _fallback_highlight(text, terms, words=35):
    """A window of `words` around the first matching term, with every term marked."""
    tokens = text.split()
    if not tokens:
        return ""
    lowered = [token.lower() for token in tokens]
    first = next((i for i, token in enumerate(lowered) if any(term in token for term in terms)), 0)
    start = max(0, first - words // 3)
    window = " ".join(tokens[start : start + words])
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    marked = pattern.sub(lambda match: f"{START}{match.group(0)}{STOP}", window)
    return ("… " if start else "") + marked + (" …" if start + words < len(tokens) else "")


def render_highlight(text: str) -> SafeString:
    """Escape everything; only our own markers become <mark> (balanced)."""
    output, is_open = [], False
    for part in MARKERS.split(text):
        if part == START and not is_open:
            output.append("<mark>")
            is_open = True
        elif part == STOP and is_open:
            output.append("</mark>")
            is_open = False
        elif part not in (START, STOP):
            output.append(escape(part))
    if is_open:
        output.append("</mark>")
    return mark_safe("".join(output))  # noqa: S308 (every part above is escaped)


def add_snippets(articles, query):
    """Give each article of a page its highlighted `snippet` (safe HTML)."""
    terms = _terms(query)
    for article in articles:
        text = getattr(article, "highlighted", None)
        if text is None:
            text = _fallback_highlight(plain_text(article), terms)
        else:
            # ts_headline returns the text as stored: undo the body's HTML entities first.
            text = html.unescape(text)
        article.snippet = render_highlight(text)
    return articles


# --- Did you mean ---------------------------------------------------------------------------


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word (two spaces before, one after)."""
    padded = f"  {word.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's `similarity()` for single words."""
    first, second = trigrams(a), trigrams(b)
    return len(first & second) / len(first | second) if first | second else 0.0


SUGGEST_THRESHOLD = 0.4


def suggest(query: str) -> str | None:
    """A corrected query that finds published articles, or None (PostgreSQL only)."""
    if not uses_postgresql():
        return None
    with _index_scans():
        return _suggest(_terms(query))


def _suggest(terms):
    unknown = [term for term in terms if len(term) > 2 and not _finds_any(term)]
    if not unknown:
        return None
    vocabulary = _vocabulary(unknown)
    corrections = {}
    for term in unknown:
        best = max(vocabulary, key=lambda word: similarity(term, word), default=None)
        if best and best != term and similarity(term, best) >= SUGGEST_THRESHOLD:
            corrections[term] = best
    if not corrections:
        return None
    suggestion = " ".join(corrections.get(term, term) for term in terms)
    return suggestion if _finds_any(suggestion) else None


def _finds_any(query):
    return _public().filter(search_vector=_websearch(query)).exists()


@contextmanager
def _index_scans():
    """Probe through the GIN index (a bitmap scan): for `exists()` (LIMIT 1) on a word the
    index has never seen, PostgreSQL would otherwise bet on walking the table or the
    publication-time index and read every article's vector (seconds at 100,000 articles
    instead of milliseconds)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        try:
            yield
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = on")


def _public():
    return Article.objects.published()


def _vocabulary(terms, limit=10) -> set[str]:
    """Words of published headlines and tags close to `terms` (pg_trgm, trigram GIN indexes).

    Any headline over pg_trgm's word-similarity threshold has a word close to the term, so a
    few per term suffice; leaving out ORDER BY similarity spares ranking thousands of them.
    """
    found, names = [], Q()
    for term in terms:
        headlines = _public().filter(headline__trigram_word_similar=term)
        found += headlines.values_list("headline", flat=True)[:limit]
        names |= Q(name__trigram_word_similar=term)
    on_public = _public().filter(tagged_items__tag=OuterRef("pk"))
    found += Tag.objects.filter(names, Exists(on_public)).values_list("name", flat=True)[:limit]
    return {word.lower() for text in found for word in WORD.findall(text) if len(word) > 2}


# --- The page -------------------------------------------------------------------------------


@dataclass
class SearchPage:
    """What the results template shows."""

    form: SearchForm
    query: str = ""
    page: object = None
    suggestion: str | None = None
    message: str = ""

    @property
    def capped(self):
        """More matches than CANDIDATES: only the newest were ranked and paged."""
        return self.page is not None and is_capped(self.page)

    @property
    def status(self):
        return 400 if self.form.errors else 200


def is_capped(page) -> bool:
    """Whether a results page stands for more matches than were ranked (PostgreSQL)."""
    return uses_postgresql() and page.paginator.count >= CANDIDATES


def run(params, page_number) -> SearchPage:
    """Validate the reader's parameters and, when there is something to look for, search."""
    form = SearchForm(params)
    if not form.is_valid():
        return SearchPage(form=form)
    query = form.cleaned_data["q"]
    if not has_words(query):
        return SearchPage(form=form, query=query, message=NO_WORDS if query else "")
    filters = {name: form.cleaned_data[name] for name in FILTERS}
    page = Paginator(search(query, **filters), PAGE_SIZE).get_page(page_number)
    add_snippets(page.object_list, query)
    if page.paginator.count:
        return SearchPage(form=form, query=query, page=page)
    if not has_lexemes(query):
        return SearchPage(form=form, query=query, message=ONLY_COMMON_WORDS)
    return SearchPage(form=form, query=query, page=page, suggestion=suggest(query))


def has_lexemes(query: str) -> bool:
    """False when PostgreSQL drops every word of the query (only words like "the", "and")."""
    if not uses_postgresql():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(websearch_to_tsquery(%s::regconfig, %s))", [CONFIG, query])
        return cursor.fetchone()[0] > 0


def admin_search(queryset, term):
    """The admin changelist's search through the same index (PostgreSQL), or None to fall back."""
    if not uses_postgresql() or not term.strip():
        return None  # no search: the whole (filtered) list
    term = " ".join(CONTROL.sub(" ", term).split())[:MAX_QUERY_LENGTH]
    if not has_words(term):
        return queryset.none()  # nothing to look for (and PostgreSQL refuses NUL characters)
    return queryset.filter(Q(search_vector=_websearch(term)) | Q(slug=term))
