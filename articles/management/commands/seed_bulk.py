"""Load a large, deterministic data set for benchmarks: `manage.py seed_bulk --articles 100000`.

Same arguments, same rows: the random generator is seeded, so two runs (or two machines)
measure the same pages. Rows go in with `bulk_create` in batches, with a progress bar; the body
is built already clean (what the sanitizer would keep) and its insertion points are derived the
same way `Article.save()` derives them.
"""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from articles.management import progress
from articles.models import (
    Article,
    Author,
    Byline,
    Section,
    Tag,
    TaggedArticle,
    refresh_credits,
    refresh_tags,
)
from articles.models.articles import derive_body_fields

WORDS = (
    "government council market energy climate health school research court election city "
    "report budget water transport housing science technology football season data policy "
    "minister village farmers hospital museum festival coast river border trade"
).split()
BATCH = 2000


def sentence(rng, words=14):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


class Command(BaseCommand):
    help = "Add a deterministic bulk data set (published articles, tags, authors) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=5000)
        parser.add_argument("--tags", type=int, default=500)
        parser.add_argument("--authors", type=int, default=50)
        parser.add_argument("--sections", type=int, default=8)
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args, articles, tags, authors, sections, seed, **options):
        if Article.objects.filter(slug__startswith="bulk-").exists():
            raise CommandError("Bulk articles are already loaded; use a fresh database.")
        rng = random.Random(seed)
        section_rows = self.ensure(
            Section, [{"name": f"Bulk section {i}", "slug": f"bulk-section-{i}", "position": 50 + i}
                      for i in range(sections)],
        )  # fmt: skip
        author_rows = self.ensure(
            Author,
            [{"name": f"Bulk Author {i}", "slug": f"bulk-author-{i}"} for i in range(authors)],
        )
        tag_rows = self.ensure(
            Tag, [{"name": f"bulk topic {i}", "slug": f"bulk-topic-{i}"} for i in range(tags)]
        )
        start = timezone.now() - timedelta(minutes=10)
        done = 0
        while done < articles:
            count = min(BATCH, articles - done)
            with transaction.atomic():
                self.batch(rng, done, count, start, section_rows, author_rows, tag_rows)
            done += count
            progress.draw(self.stderr, done, articles, width=40, label=" articles")
        self.stderr.write("")
        self.stdout.write(f"Added {articles} published articles, {tags} tags, {authors} authors.")

    def ensure(self, model, rows):
        existing = {
            obj.slug: obj for obj in model.objects.filter(slug__in=[r["slug"] for r in rows])
        }
        missing = [model(**row) for row in rows if row["slug"] not in existing]
        model.objects.bulk_create(missing, batch_size=BATCH)
        return list(model.objects.filter(slug__in=[r["slug"] for r in rows]).order_by("pk"))

    def batch(self, rng, offset, count, start, sections, authors, tags):
        rows = []
        for n in range(offset, offset + count):
            body = "".join(f"<p>{sentence(rng, 30)}</p>" for _ in range(rng.randint(4, 9)))
            published = start - timedelta(minutes=37 * n + rng.randint(0, 30))
            article = Article(
                headline=sentence(rng, 8)[:-1],
                slug=f"bulk-{n}",
                standfirst=sentence(rng, 20),
                body=body,
                section=rng.choice(sections),
                status=Article.Status.PUBLISHED,
                published_at=published,
                first_published_at=published,
            )
            derive_body_fields(article)
            rows.append(article)
        Article.objects.bulk_create(rows, batch_size=BATCH)
        bylines, tagged = [], []
        for article in rows:
            for position, author in enumerate(rng.sample(authors, rng.choice([1, 1, 1, 2]))):
                bylines.append(Byline(article=article, author=author, position=position))
            for tag in rng.sample(tags, min(len(tags), rng.randint(2, 5))):
                tagged.append(TaggedArticle(content_object=article, tag=tag))
        Byline.objects.bulk_create(bylines, batch_size=BATCH)
        refresh_credits([article.pk for article in rows])
        TaggedArticle.objects.bulk_create(tagged, batch_size=BATCH)
        refresh_tags([article.pk for article in rows])
