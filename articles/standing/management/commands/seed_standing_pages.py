"""The demo's standing pages (`manage.py seed_demo` runs this): About, Contact, the Ethics
policy and the Corrections policy. Running it again adds nothing twice."""

from django.core.management.base import BaseCommand

from articles.standing.models import Kind, Page, PageStatus
from articles.standing.workflow import record_revision

PAGES = [
    ("about", "About us", Kind.ABOUT,
     "<p>We are an independent newsroom. We report on our city and region, and we are paid "
     "for by our readers and by advertising that never decides what we cover.</p>"),
    ("contact", "Contact", Kind.CONTACT,
     "<p>Tips, complaints and corrections: write to the newsroom at news@example.com. "
     "We answer every message that gives a way to reply.</p>"),
    ("ethics", "Ethics policy", Kind.ETHICS,
     "<p>We verify before we publish, name our sources unless it would put them at risk, "
     "declare conflicts of interest and keep advertising apart from reporting.</p>"),
    ("corrections-policy", "Corrections policy", Kind.CORRECTIONS,
     "<p>When we get something wrong we correct it on the story, say what changed and when, "
     'and list it on <a href="/corrections/">our corrections page</a>.</p>'),
]  # fmt: skip


class Command(BaseCommand):
    help = "Create the demo's About, Contact, Ethics and Corrections policy pages (once)."

    def handle(self, *args, **options):
        count = 0
        for slug, title, kind, body in PAGES:
            page, created = Page.objects.get_or_create(
                slug=slug,
                defaults={
                    "title": title,
                    "kind": kind,
                    "body": body,
                    "status": PageStatus.PUBLISHED,
                },
            )
            if created:
                record_revision(page=page, by=None, reason="Created by the demo")
            count += created
        return str(count)
