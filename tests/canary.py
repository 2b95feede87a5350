"""The canary sweep: non-public articles with a unique headline, and every public surface.

`make_canaries()` files one published twin and one article in every non-public state (draft, in
review, scheduled for the future, unpublished, past its unpublish time) under the same section,
author and tag, each headline carrying `CANARY`; each canary also carries a correction and is
pinned as a related story of the twin. `PUBLIC_SURFACES` names every public URL that
could show an article; tests/test_canary_sweep.py fetches each one (and anything it links as
an alternate, e.g. feeds) and asserts that `CANARY` appears nowhere in it.

Every new public surface (feed, sitemap, search, JSON-LD, related list, cached page, ads
targeting) adds a line here: a URL template filled from `surface_context()`, so the sweep grows
with the product instead of each feature writing its own one-off check.
"""

from datetime import timedelta

from django.utils import timezone

from articles.alerts.models import Alert
from articles.models import Correction, RelatedPin
from articles.standing.models import Page
from tests.articles.test_models import NON_PUBLIC_TRAITS
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

CANARY = "CANARY7F3A"
PUBLIC_HEADLINE = "Public twin of the canaries"

# URL templates; {section}, {author}, {tag} are slugs, {public} is the public twin's path.
PUBLIC_SURFACES = [
    "/",
    "/?page=1",
    "/sections/{section}/",
    "/authors/{author}/",
    "/tags/{tag}/",
    "{public}",
    "/ads.txt",
    # Feeds (pages also link them as alternates, which the sweep follows) and sitemaps.
    "/feed/",
    "/feed/atom/",
    "/rss/",
    "/sections/{section}/feed/",
    "/sections/{section}/feed/atom/",
    "/tags/{tag}/feed/",
    "/tags/{tag}/feed/atom/",
    "/authors/{author}/feed/",
    "/authors/{author}/feed/atom/",
    "/robots.txt",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/sitemap-sections.xml",
    "/sitemap-tags.xml",
    "/sitemap-authors.xml",
    "/sitemap-news.xml",
    "/sitemap-pages.xml",
    "/corrections/",
    "/corrections/feed/",
    "/corrections/feed/atom/",
    # Search: results (the tag is on every canary) and a near miss that would make "Did you
    # mean" suggest a canary headline if it looked past published(). (A search for CANARY
    # itself echoes the word; tests/articles/search/test_engine.py checks that one.)
    "/search/?q=canary+tag",
    "/search/?q=" + CANARY[:-1] + "B",
    "/search/?q=canary&section={section}&author={author}",
    "/app-ads.txt",
    # The content API (articles/api/): every read endpoint, each filter, and the twin by id
    # and path; tests/articles/api/test_canary.py adds keys (a writer's must not show others'
    # drafts) and the canaries' own ids and paths.
    "/api/v1/articles",
    "/api/v1/articles?limit=100&count=true",
    "/api/v1/articles?section={section}",
    "/api/v1/articles?tag={tag}",
    "/api/v1/articles?author={author}",
    "/api/v1/articles?q=canary",
    "/api/v1/articles?q=" + CANARY,
    "/api/v1/articles/{public_id}",
    "/api/v1/articles/by-path?path={public}",
    "/api/v1/sections",
    "/api/v1/tags",
    "/api/v1/authors",
    "/api/v1/corrections",
    # Live coverage (articles/live/): the twin is live, with a published entry beside a draft
    # and a removed entry carrying the marker; the poll from every version (the removed one
    # travels as an id only), "load more", the entries' feed and an entry's share page.
    "/live/{public_id}/v/0/",
    "/live/{public_id}/v/1/",
    "/live/{public_id}/v/2/",
    "/live/{public_id}/before/99999999999999999-1/",
    "/live/{public_id}/feed/",
    "/live/{public_id}/entry/{live_entry_id}/",
    # Breaking alerts (articles/alerts/): the banner's endpoint serves started, unexpired
    # alerts only; the canaries include one not yet started and one expired.
    "/alerts/current.json",
]
# The public twin's page also lists its related stories: the canaries share its tag and are
# pinned to it, so a related list that forgot `published()` would show them.
RELATED_HEADLINE = "Related twin of the canaries"
CORRECTION_TEXT = "Public twin correction"


def make_canaries():
    """The public twin and one canary per non-public state, sharing section, author and tag."""
    section = SectionFactory(name="Canary desk", slug="canary-desk")
    author = AuthorFactory(name="Canary Writer", slug="canary-writer")
    common = {"section": section, "authors": [author], "tags": ["Canary tag"]}
    public = ArticleFactory(headline=PUBLIC_HEADLINE, slug="public-twin", **common)
    hidden = [
        ArticleFactory(
            headline=f"{CANARY} {trait}",
            # The marker is in the slug too: sitemaps list addresses, not headlines.
            slug=f"{CANARY.lower()}-{trait.replace('_', '-')}",
            standfirst=f"{CANARY} standfirst",
            body=f"<p>{CANARY} body</p>",
            **{trait: True},
            **common,
        )
        for trait in NON_PUBLIC_TRAITS
    ]
    ArticleFactory(headline=RELATED_HEADLINE, slug="related-twin", **common)
    # Standing pages: a published one (in the footer, the sitemap and the home page's
    # structured data) and a draft of the same kind that must appear in none of them.
    Page.objects.create(
        title="Public twin ethics", slug="public-twin-ethics", kind="ethics", status="published"
    )
    Page.objects.create(
        title=f"{CANARY} page", slug=f"{CANARY.lower()}-page", kind="ethics",
        body=f"<p>{CANARY} page body</p>", status="draft",
    )  # fmt: skip
    Correction.objects.create(article=public, text=CORRECTION_TEXT)
    for article in hidden:
        # Notes on articles that are not (or no longer) live, and pins to them.
        Correction.objects.create(article=article, text=f"{CANARY} correction")
        RelatedPin.objects.create(article=public, related=article)
    make_live_canaries(public, hidden)
    now = timezone.now()
    for starts, expires in [(now + timedelta(days=1), now + timedelta(days=2)),
                            (now - timedelta(days=2), now - timedelta(seconds=1))]:  # fmt: skip
        Alert.objects.create(
            text=f"{CANARY} alert", url=f"/{CANARY.lower()}/", starts_at=starts, expires_at=expires
        )
    return public, hidden


LIVE_ENTRY_TEXT = "Public twin live entry"


def make_live_canaries(public, hidden):
    """The twin's coverage: one published entry, a draft and a removed one with the marker;
    the canaries' own coverage, with published entries (their articles are not public)."""
    from articles.live import services
    from articles.live.models import LiveCoverage
    from articles.roles import EDITOR
    from tests.factories import UserFactory

    editor = UserFactory(username="canary-live-editor", role=EDITOR)
    live = services.start_coverage(article=public, by=editor)
    services.post_entry(coverage=live, by=editor, body=LIVE_ENTRY_TEXT, publish=True)
    services.post_entry(coverage=live, by=editor, headline=f"{CANARY} draft", body=CANARY)
    gone = services.post_entry(
        coverage=live, by=editor, headline=f"{CANARY} removed", body=CANARY, publish=True
    )
    services.remove_entry(entry=gone, by=editor)
    for article in hidden:
        coverage = LiveCoverage.objects.create(article=article)
        services.post_entry(
            coverage=coverage, by=editor, headline=f"{CANARY} entry", body=CANARY, publish=True
        )


def surface_context(public) -> dict:
    """The values the URL templates in PUBLIC_SURFACES are filled from."""
    return {
        "section": public.section.slug,
        "author": public.bylines.first().author.slug,
        "tag": public.tags.first().slug,
        "public": public.get_absolute_url(),
        "public_id": public.pk,
        "live_entry_id": (
            public.live_coverage.entries.get(body__contains=LIVE_ENTRY_TEXT).pk
            if hasattr(public, "live_coverage")
            else None
        ),
    }


def public_urls(public) -> list[str]:
    """Every public surface; the live ones where the twin has live coverage (make_live_canaries:
    a sweep that made none, the WordPress import's, has no live pages to read)."""
    context = surface_context(public)
    live = context["live_entry_id"] is not None
    return [
        template.format(**context)
        for template in PUBLIC_SURFACES
        if live or not template.startswith("/live/")
    ]
