"""The demo's live story (`seed_demo` runs this): a published article covered live with a dozen
entries, one pinned and two key events. Running it again adds nothing."""

from datetime import datetime, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from articles import demo
from articles.live.models import EntryStatus, LiveCoverage, LiveEntry
from articles.models import Article, Author, Section
from articles.services import import_article

SLUG = "live-river-flooding-updates"
HEADLINE = "Live: river flooding across the valley"
ENTRIES = [
    # (minutes ago, headline, body, pinned, key event)
    (170, "", "The river gauge at Millbridge passed its warning level at 6 a.m.", False, False),
    (
        160,
        "Evacuation ordered",
        "Residents of the low streets are asked to leave by noon.",
        False,
        True,
    ),
    (150, "", "Schools in the valley are closed for the day.", False, False),
    (140, "", "Shelters have opened at the sports hall and the town library.", False, False),
    (125, "", "Trains between Millbridge and Eastford are suspended.", False, False),
    (110, "Bridge closed", "Police have closed the old stone bridge to all traffic.", False, False),
    (95, "", "Volunteers are filling sandbags outside the fire station.", False, False),
    (80, "", "The mayor says about 400 homes are at risk.", False, False),
    (60, "Levee holds", "Engineers say the north levee is holding for now.", False, True),
    (45, "", "Rain is forecast to ease this evening.", False, False),
    (25, "", "Power has been cut to two streets as a precaution.", False, False),
    (
        10,
        "How to get help",
        "Call 0800 000 000 for the council's flood line; in danger, call 999.",
        True,
        False,
    ),
]


class Command(BaseCommand):
    help = "Create the demo's live story (once); prints how many entries it created."

    def handle(self, *args, **options):
        if Article.objects.filter(slug=SLUG).exists():
            return "0"
        now = timezone.now()
        with transaction.atomic():
            article = Article(
                headline=HEADLINE,
                slug=SLUG,
                standfirst="Rolling updates as the river rises: evacuations, closures, help.",
                body="<p>We are following the flooding live. The latest updates are below.</p>",
                section=Section.objects.order_by("position", "pk").first(),
            )
            import_article(
                article=article,
                status=Article.Status.PUBLISHED,
                # Just before the seed article, which stays the front page's top story (the
                # page the product was specified from); the coverage itself runs today.
                published_at=min(
                    now - timedelta(hours=3),
                    datetime.fromisoformat(demo.SEED_ARTICLE["published_at"]) - timedelta(hours=1),
                ),
                authors=list(Author.objects.order_by("pk")[:1]),
                tags=["Flooding"],
            )
            coverage = LiveCoverage.objects.create(
                article=article, started_at=now - timedelta(hours=3)
            )
            author = Author.objects.order_by("pk").first()
            for version, (minutes, headline, text, pinned, key) in enumerate(ENTRIES, 1):
                entry = LiveEntry.objects.create(
                    coverage=coverage,
                    headline=headline,
                    body=f"<p>{text}</p>",
                    status=EntryStatus.PUBLISHED,
                    is_pinned=pinned,
                    is_key_event=key,
                    published_at=now - timedelta(minutes=minutes),
                    changed_in=version,
                )
                if author is not None:
                    entry.authors.add(author)
            LiveCoverage.objects.filter(pk=coverage.pk).update(
                version=len(ENTRIES), last_entry_at=now - timedelta(minutes=10)
            )
        return str(len(ENTRIES))
