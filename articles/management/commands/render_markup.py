"""Render and keep every live article's own markup (after a deploy, before the traffic)."""

from django.core.management.base import BaseCommand

from articles.management import progress
from articles.models import Article
from articles.pages import markup

BATCH = 200


class Command(BaseCommand):
    help = (
        "Render and keep the page parts and card of every live article whose kept markup is "
        "missing or out of date (articles/pages/markup.py), newest first, with a progress bar. A "
        "deploy that changes the code or templates makes every article's markup out of date; "
        "pages render it themselves on their first view, and this does it beforehand."
    )

    def handle(self, *args, **options):
        ids = list(
            Article.objects.published()
            .order_by("-published_at", "-pk")
            .values_list("pk", flat=True)
        )
        total, rendered = len(ids), 0
        for start in range(0, total, BATCH):
            rendered += markup.keep_current(ids[start : start + BATCH])
            progress.draw(self.stdout, min(start + BATCH, total), total)
        self.stdout.write(f"\nRendered {rendered} of {total} live articles' markup.")
