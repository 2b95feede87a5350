"""Search benchmark on PostgreSQL: p50/p99 of a reader search over 5,000 and 100,000 articles.

Usage: DATABASE_URL=postgres://… make bench-search
       (or .venv/bin/python scripts/bench_search.py [--sizes 5000 100000] [--repeat 15])

Creates its own throwaway database (`<name>_bench`, dropped at the end), seeds it
deterministically with bulk_create (the search triggers fill the vectors), then times
`articles.search.engine.run()` — what the /search/ view does: validation, count, the ranked
page with highlighted snippets, and "Did you mean" for queries that find nothing — over a
fixed query set. Prints p50/p99 per size and the EXPLAIN ANALYZE of one query. Wall-clock
figures are noisy on a shared machine; compare runs on the same machine only.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")

WORDS = """
election parliament minister budget climate energy market inflation court police health
hospital school teacher river flood storm harbour railway airport strike union wages housing
rent mortgage bank startup software chip battery solar wind nuclear farm harvest drought water
city council mayor protest treaty border migration refugee army ceasefire talks summit trade
tariff export factory steel car electric museum festival film music novel theatre football
tennis league final coach injury vaccine virus research university science space rocket
satellite ocean coral forest wildfire glacier volcano earthquake tax pension welfare crime
verdict appeal judge lawyer election campaign poll vote coalition opposition scandal inquiry
report data privacy platform network internet phone telecom cable broadcast newspaper editor
""".split()
FILLER = """
the a of and to in on for with at by from after before over under about against during while
new old big small first last more less many few said says will would could should has have
""".split()
QUERIES = [
    "election",
    "climate energy",
    "harbour railway strike",
    '"nuclear energy"',
    "budget -tax",
    "vaccine or virus",
    "glacier volcano earthquake",
    "coral",
    "parliment",  # misspelt: nothing found, "Did you mean"
    "electon campain",  # misspelt twice
    "the",  # only a stop word
    "football final injury coach league",
]
EXPLAINED = ("climate energy", "election")  # a specific query and a broad one


def vocabulary(rng, size=20_000):
    """Made-up words for the long tail of a news archive (deterministic)."""
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def sentence(rng, tail, length, topical=0.06):
    """Mostly common words, a long Zipf tail, and a few topical words the queries use."""
    words = []
    for _ in range(length):
        roll = rng.random()
        if roll < topical:
            words.append(rng.choice(WORDS))
        elif roll < 0.35:
            words.append(tail[min(len(tail) - 1, int(rng.paretovariate(0.8)) - 1)])
        else:
            words.append(rng.choice(FILLER))
    return " ".join(words).capitalize()


def seed(count, start, rng, tail, sections, authors, tags):
    """Add `count` published articles (bylines, three tags each), ids from `start` + 1.

    Tags go in first with known ids (the foreign key is checked at commit), so the article
    insert trigger sees them and each vector is computed once.
    """
    from django.db import transaction

    from articles.models import Article, Byline, TaggedArticle

    epoch = datetime(2023, 6, 1, tzinfo=UTC)  # three years, all in the past
    batch = 2_000
    for offset in range(0, count, batch):
        ids = range(start + offset + 1, start + min(offset + batch, count) + 1)
        articles = []
        for number in ids:
            published = epoch + timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
            paragraphs = (sentence(rng, tail, rng.randint(15, 35)) for _ in range(12))
            articles.append(
                Article(
                    id=number,
                    headline=sentence(rng, tail, rng.randint(5, 11), topical=0.3),
                    slug=f"bench-{number}",
                    standfirst=sentence(rng, tail, rng.randint(14, 24), topical=0.12) + ".",
                    body="".join(f"<p>{text}.</p>" for text in paragraphs),
                    section=rng.choice(sections),
                    status=Article.Status.PUBLISHED,
                    published_at=published,
                    first_published_at=published,
                )
            )
        with transaction.atomic():
            TaggedArticle.objects.bulk_create(
                TaggedArticle(content_object_id=number, tag=tag)
                for number in ids
                for tag in rng.sample(tags, 3)
            )
            Article.objects.bulk_create(articles)
            Byline.objects.bulk_create(
                Byline(article_id=number, author=rng.choice(authors), position=0) for number in ids
            )


def timed(repeat):
    from articles.search import engine as search

    samples = []
    for _ in range(repeat):
        for query in QUERIES:
            started = time.perf_counter()
            result = search.run({"q": query}, 1)
            if result.page is not None:
                list(result.page.object_list)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def explain(query):
    from articles.search import engine as search

    queryset = search.search(query)[: search.PAGE_SIZE]
    return queryset.explain(analyze=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 100_000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--keepdb",
        action="store_true",
        help="keep the seeded database for the next run (drop it with a final run without)",
    )
    options = parser.parse_args()

    import django

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: search ranking is PostgreSQL's.")
    django.setup()
    from django.db import connection

    connection.settings_dict["TEST"]["NAME"] = connection.settings_dict["NAME"] + "_bench"
    old_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=options.keepdb
    )
    try:
        from articles.models import Article, Author, Section, Tag
        from articles.search import engine as search

        rng = random.Random(20261201)  # noqa: S311 (deterministic test data)
        tail = vocabulary(rng)
        if not Section.objects.exists():
            Section.objects.bulk_create(
                Section(name=f"Section {n}", slug=f"section-{n}", position=n) for n in range(10)
            )
            Author.objects.bulk_create(
                Author(name=f"Writer {n}", slug=f"writer-{n}") for n in range(200)
            )
            Tag.objects.bulk_create(
                Tag(name=f"{word.capitalize()} {n}" if n else word.capitalize(), slug=f"{word}-{n}")
                for n in range(4)
                for word in sorted(set(WORDS))
            )
        sections, authors = list(Section.objects.all()), list(Author.objects.all())
        tags = list(Tag.objects.order_by("pk"))
        seeded = Article.objects.count()
        print(f"PostgreSQL {connection.pg_version}; {len(QUERIES)} queries x {options.repeat}")
        for size in sorted(options.sizes):
            if seeded > size:
                print(f"\n{size:,} articles: skipped, the kept database has {seeded:,}")
                continue
            started = time.perf_counter()
            note = "kept from the last run"
            if seeded < size:
                seed(size - seeded, seeded, rng, tail, sections, authors, tags)
                seeded = size
                note = f"seeded in {time.perf_counter() - started:.1f} s"
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"\n{size:,} articles ({note})")
            timed(1)  # warm the caches
            samples = timed(options.repeat)
            print(
                f"  search p50 {statistics.median(samples):.1f} ms, "
                f"p99 {percentile(samples, 0.99):.1f} ms, max {max(samples):.1f} ms "
                f"over {len(samples)} searches"
            )
            for query in QUERIES:
                one = []
                for _ in range(3):
                    started = time.perf_counter()
                    result = search.run({"q": query}, 1)
                    count = result.page.paginator.count if result.page is not None else 0
                    one.append((time.perf_counter() - started) * 1000)
                suggestion = f", did you mean {result.suggestion!r}" if result.suggestion else ""
                found = f"{count:,}{'+' if result.capped else ''}"
                print(f"    {query!r:40} {found:>7} found  {min(one):7.1f} ms{suggestion}")
        for query in EXPLAINED:
            print(f"\nEXPLAIN ANALYZE of the results page for {query!r}:\n{explain(query)}")
    finally:
        if options.keepdb:
            connection.close()
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
