"""The canary sweep: non-public articles with a unique headline, and every public surface.

`make_canaries()` files one published twin and one article in every non-public state (draft, in
review, scheduled for the future, unpublished, past its unpublish time) under the same section,
author and tag, each headline carrying `CANARY`. `PUBLIC_SURFACES` names every public URL that
could show an article; tests/test_canary_sweep.py fetches each one (and anything it links as
an alternate, e.g. feeds) and asserts that `CANARY` appears nowhere in it.

Every new public surface (feed, sitemap, search, JSON-LD, related list, cached page, ads
targeting) adds a line here: a URL template filled from `surface_context()`, so the sweep grows
with the product instead of each feature writing its own one-off check.
"""

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
    "/app-ads.txt",
]


def make_canaries():
    """The public twin and one canary per non-public state, sharing section, author and tag."""
    section = SectionFactory(name="Canary desk", slug="canary-desk")
    author = AuthorFactory(name="Canary Writer", slug="canary-writer")
    common = {"section": section, "authors": [author], "tags": ["Canary tag"]}
    public = ArticleFactory(headline=PUBLIC_HEADLINE, slug="public-twin", **common)
    hidden = [
        ArticleFactory(
            headline=f"{CANARY} {trait}",
            slug=f"canary-{trait.replace('_', '-')}",
            standfirst=f"{CANARY} standfirst",
            body=f"<p>{CANARY} body</p>",
            **{trait: True},
            **common,
        )
        for trait in NON_PUBLIC_TRAITS
    ]
    return public, hidden


def surface_context(public) -> dict:
    """The values the URL templates in PUBLIC_SURFACES are filled from."""
    return {
        "section": public.section.slug,
        "author": public.bylines.first().author.slug,
        "tag": public.tags.first().slug,
        "public": public.get_absolute_url(),
    }


def public_urls(public) -> list[str]:
    context = surface_context(public)
    return [template.format(**context) for template in PUBLIC_SURFACES]
