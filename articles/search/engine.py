"""Reader search over published articles, in one place.

On PostgreSQL, `articles_article.search_vector` holds every article's weighted words (headline
and tags A, standfirst B, body C). Database triggers keep it fresh on every save and on every
tag change (articles/migrations/0006_search.py), so no Python code maintains it. Queries use
`websearch` syntax ("quoted phrases", `or`, `-without`), are ranked by `SearchRank` with the
newest first among equals, highlighted with `SearchHeadline`, and a query that finds nothing
gets a "Did you mean" built from `pg_trgm` similarity over published headlines and tags.

The reader's query language is parsed once, in Python (`parse`): words, "quoted phrases",
`-word` / `-"phrase"` to leave out, and `or` between alternatives. PostgreSQL gets the parsed
query back as `websearch` text; SQLite (the `make run` default) gets the same query as word-
start matches over the headline, standfirst, body and tags, ranked "headline first", so the
page, its highlights and its "Did you mean" behave alike everywhere. "Did you mean" corrects
one- and two-letter slips (`suggest`): candidates by trigrams, chosen by edit distance.
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
from django.db import connection, connections, router, transaction
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
from django.db.models.functions import Concat, Length
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, Author, Section, Tag, TaggedArticle
from articles.search.models import SearchWord

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
ONLY_LEFT_OUT = "Add a word to look for: “-word” only leaves out the articles that have it."
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
    if not parse(query):  # nothing to find (empty, or only words to leave out)
        return articles.none()
    if uses_postgresql():
        return _postgresql_search(articles, query)
    return _fallback_search(articles, query)


def _websearch(query):
    """The query as PostgreSQL reads it: our parse, written back as websearch text."""
    text = query.websearch() if isinstance(query, ParsedQuery) else parse(query).websearch()
    return SearchQuery(text, search_type="websearch", config=CONFIG)


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


# --- The query language ----------------------------------------------------------------------

TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Term:
    """One word, or the words of a "quoted phrase" (adjacent, in order); `negated`: leave out
    the articles that have it."""

    words: tuple[str, ...]
    negated: bool = False

    def websearch(self) -> str:
        text = self.words[0] if len(self.words) == 1 else f'"{" ".join(self.words)}"'
        return f"-{text}" if self.negated else text


@dataclass(frozen=True)
class ParsedQuery:
    """Alternatives (`or`), each a list of terms that must all hold."""

    groups: tuple[tuple[Term, ...], ...]

    def __bool__(self):
        return any(not term.negated for group in self.groups for term in group)

    @property
    def words(self) -> list[str]:
        """The words to find and to highlight (not the left-out ones), each once."""
        found = (w for group in self.groups for t in group if not t.negated for w in t.words)
        return list(dict.fromkeys(found))

    def websearch(self) -> str:
        """The same query as PostgreSQL's `websearch_to_tsquery` reads it."""
        return " or ".join(" ".join(t.websearch() for t in group) for group in self.groups)

    def replace(self, corrections: dict[str, str]) -> "ParsedQuery":
        return ParsedQuery(
            tuple(
                tuple(Term(tuple(corrections.get(w, w) for w in t.words), t.negated) for t in g)
                for g in self.groups
            )
        )


def parse(query: str) -> ParsedQuery:
    """The reader's query: words, "phrases", -left-out words and phrases, `or` between
    alternatives (websearch syntax). Punctuation inside a word joins its parts as a phrase
    ("covid-19"); at most MAX_TERMS terms; a query that only leaves out is empty (falsy)."""
    groups, group, count = [], [], 0
    for match in TOKEN.finditer(query):
        minus, phrase, plain = match.groups()
        if plain is not None:
            minus, plain = ("-", plain[1:]) if plain.startswith("-") else ("", plain)
            if not minus and plain.lower() == "or":  # between alternatives; else ignored
                if group:
                    groups.append(tuple(group))
                    group = []
                continue
        words = tuple(word.lower() for word in WORD.findall(phrase if plain is None else plain))
        if words and count < MAX_TERMS:
            group.append(Term(words, negated=bool(minus)))
            count += 1
    if group:
        groups.append(tuple(group))
    return ParsedQuery(tuple(groups))


def _terms(query):
    return parse(query).words


def _pattern(term: Term) -> str:
    """A term as a regular expression: each word at a word start ("ai" finds "AI", not
    "said"), a phrase's words one after another. (Django gives SQLite a REGEXP function
    backed by Python's re.)"""
    return r"\b" + r"\W+".join(re.escape(word) for word in term.words)


def _term_q(term: Term) -> Q:
    """Articles with `term` in the headline, standfirst, body or a tag's name."""
    pattern = _pattern(term)
    tagged = TaggedArticle.objects.filter(tag__name__iregex=pattern).values("content_object")
    found = (
        Q(headline__iregex=pattern)
        | Q(standfirst__iregex=pattern)
        | Q(body__iregex=pattern)
        | Q(pk__in=tagged)
    )
    return ~found if term.negated else found


def _fallback_filter(articles, parsed: ParsedQuery):
    """SQLite: any alternative whose terms all hold (and whose left-out terms do not)."""
    alternatives = Q()
    for group in parsed.groups:
        every = Q()
        for term in group:
            every &= _term_q(term)
        alternatives |= every
    return articles.filter(alternatives)


def _fallback_search(articles, query):
    """SQLite: the parsed query over the headline, standfirst, body and tags; articles with
    more of its words in the headline first."""
    parsed = parse(query)
    if not parsed:
        return articles.none()
    headline_hits = Value(0)
    for group in parsed.groups:
        for term in group:
            if not term.negated:
                headline_hits = headline_hits + Case(
                    When(headline__iregex=_pattern(term), then=1),
                    default=0,
                    output_field=IntegerField(),
                )
    articles = _fallback_filter(articles, parsed)
    return articles.annotate(rank=headline_hits).order_by("-rank", "-published_at", "-pk")


def matching(articles, query):
    """`articles` narrowed to those matching `query`, unranked and in their own order: for
    callers that page by publication time (the content API's `?q=`). PostgreSQL: the stored
    vector; SQLite: the parsed query's word starts over the headline, standfirst, body and
    tags."""
    parsed = parse(query)
    if not parsed:
        return articles.none()
    if uses_postgresql():
        return articles.filter(search_vector=_websearch(parsed))
    return _fallback_filter(articles, parsed)


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


# Candidates: words sharing enough trigrams with the slip (pg_trgm's `%` operator on
# PostgreSQL; the same measure in Python elsewhere). Chosen: the fewest edits, at most
# MAX_EDITS (one for words of up to four letters), then the most similar, then the commonest.
CANDIDATE_SIMILARITY = 0.25
MAX_EDITS = 2
CANDIDATES_PER_WORD = 50


def edits(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours that turn `a` into `b`
    (optimal string alignment distance)."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def allowed_edits(word: str) -> int:
    return 1 if len(word) <= 4 else MAX_EDITS


def suggest(query: str) -> str | None:
    """A corrected query that finds published articles, or None: each word that finds
    nothing, replaced by the closest word of the published articles one or two letters away."""
    parsed = parse(query)
    if not parsed:
        return None
    if uses_postgresql():
        with _index_scans():
            return _suggest(parsed)
    return _suggest(parsed)


def _suggest(parsed):
    unknown = [word for word in parsed.words if len(word) > 2 and not _finds_any(word)]
    if not unknown:
        return None
    corrections = {}
    for word in unknown:
        limit = allowed_edits(word)
        scored = [
            (edits(word, candidate), -similarity(word, candidate), -used, candidate)
            for candidate, used in _candidates(word).items()
            if candidate != word
        ]
        best = min((score for score in scored if score[0] <= limit), default=None)
        if best:
            corrections[word] = best[3]
    if not corrections:
        return None
    suggestion = parsed.replace(corrections)
    return suggestion.websearch() if _finds_any(suggestion) else None


def _finds_any(query):
    parsed = query if isinstance(query, ParsedQuery) else parse(query)
    if uses_postgresql():
        return _public().filter(search_vector=_websearch(parsed)).exists()
    return _fallback_filter(_public(), parsed).exists()


def _candidates(word) -> dict[str, int]:
    """Words of the published articles close to `word`, with how many articles use them: the
    vocabulary (`SearchWord`), and the published headlines and tags (for what was published
    since the vocabulary's last rebuild)."""
    nearby = SearchWord.objects.annotate(length=Length("word")).filter(
        length__range=(len(word) - MAX_EDITS, len(word) + MAX_EDITS)
    )
    if uses_postgresql():
        nearby = nearby.filter(word__trigram_similar=word).order_by("-articles")
        found = dict(nearby.values_list("word", "articles")[:CANDIDATES_PER_WORD])
    else:
        found = {
            candidate: used
            for candidate, used in nearby.values_list("word", "articles").iterator()
            if similarity(word, candidate) >= CANDIDATE_SIMILARITY
        }
    for recent in _recent_words(word):
        found.setdefault(recent, 0)
    return found


@contextmanager
def _index_scans():
    """Probe through the GIN index (a bitmap scan): for `exists()` (LIMIT 1) on a word the
    index has never seen, PostgreSQL would otherwise bet on walking the table or the
    publication-time index and read every article's vector (seconds at 100,000 articles
    instead of milliseconds)."""
    # On the database the search reads from (a replica for readers: docs/operations.md).
    alias = router.db_for_read(Article)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; "
            f"SET LOCAL pg_trgm.similarity_threshold = {CANDIDATE_SIMILARITY}; "
            f"SET LOCAL pg_trgm.word_similarity_threshold = {CANDIDATE_SIMILARITY}"
        )
        try:
            yield
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = on")


def _public():
    return Article.objects.published()


def _recent_words(word, limit=10) -> set[str]:
    """Words of published headlines and tags close to `word` (PostgreSQL: pg_trgm's word
    similarity through the trigram GIN indexes; SQLite: the newest headlines)."""
    on_public = _public().filter(tagged_items__tag=OuterRef("pk"))
    if uses_postgresql():
        headlines = _public().filter(headline__trigram_word_similar=word)
        found = list(headlines.values_list("headline", flat=True)[:limit])
        tags = Tag.objects.filter(Exists(on_public), name__trigram_word_similar=word)
    else:
        found = list(_public().order_by("-published_at").values_list("headline", flat=True)[:200])
        tags = Tag.objects.filter(Exists(on_public))
    found += tags.values_list("name", flat=True)[: limit if uses_postgresql() else 500]
    close = {w.lower() for text in found for w in WORD.findall(text) if len(w) > 2}
    return {w for w in close if abs(len(w) - len(word)) <= MAX_EDITS}


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
    if not parse(query):
        return SearchPage(form=form, query=query, message=ONLY_LEFT_OUT)
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
    with connections[router.db_for_read(Article)].cursor() as cursor:
        cursor.execute(
            "SELECT numnode(websearch_to_tsquery(%s::regconfig, %s))",
            [CONFIG, parse(query).websearch()],
        )
        return cursor.fetchone()[0] > 0


def admin_search(queryset, term):
    """The admin changelist's search through the same index (PostgreSQL), or None to fall back."""
    if not uses_postgresql() or not term.strip():
        return None  # no search: the whole (filtered) list
    term = " ".join(CONTROL.sub(" ", term).split())[:MAX_QUERY_LENGTH]
    if not has_words(term):
        return queryset.none()  # nothing to look for (and PostgreSQL refuses NUL characters)
    return queryset.filter(Q(search_vector=_websearch(term)) | Q(slug=term))
