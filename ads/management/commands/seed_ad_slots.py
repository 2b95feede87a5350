"""The demo's ad slots (`manage.py seed_demo` runs this): the seed page's YYYYYYYYYY and
ZZZZZZZZZZ, XXXXXXXXXX between listing cards, the slot between live entries, and `newsletter`,
the slot every newsletter issue carries (NEWSROOM_NEWSLETTER_AD_SLOT). Running it again adds
nothing twice."""

from django.core.management.base import BaseCommand

from ads.models import AdSlot

# Each slot's sizes fit the column it stands in at every breakpoint (see ads/sizes.py): the
# article column is 343 px on a phone and 672 px beyond, so a 728x90 leaderboard only runs
# between listing cards, where the column is 736 px on tablets and 992 px on desktops.
AD_SLOTS = [
    {
        "code": "YYYYYYYYYY",
        "name": "After article body",
        "description": "Below the last paragraph of every article.",
        "position": "after_body",
        "width": 468,
        "height": 60,
        "extra_sizes": "320x50, 320x100",
        "sizes_mobile": "320x50, 320x100",
        "sizes_tablet": "468x60",
        "sizes_desktop": "468x60",
    },
    {
        "code": "ZZZZZZZZZZ",
        "name": "Article bottom",
        "description": "At the very end of every article, after the tags.",
        "position": "bottom",
        "width": 300,
        "height": 250,
    },
    {
        "code": "XXXXXXXXXX",
        "name": "Between listing cards",
        "description": "After the sixth card on the front page and section, tag and author pages.",
        "position": "listing",
        "after_card": 6,
        "width": 728,
        "height": 90,
        "extra_sizes": "320x50, 320x100",
        "sizes_mobile": "320x50, 320x100",
        "sizes_tablet": "728x90",
        "sizes_desktop": "728x90",
        "is_lazy": True,
    },
    {
        "code": "live-between-entries",
        "name": "Between live entries",
        "description": "In a live story's stream, after every few entries (the coverage says "
        "how many; articles/live/).",
        "position": "after_body",
        "width": 300,
        "height": 250,
        "is_lazy": True,
    },
    {
        "code": "newsletter",
        "name": "Newsletter issues",
        "description": "In every newsletter issue, after the stories (no page names it).",
        "position": "bottom",
        "width": 300,
        "height": 250,
    },
]


class Command(BaseCommand):
    help = "Create the demo's ad slots (those missing); prints how many it created."

    def handle(self, *args, **options):
        count = 0
        for fields in AD_SLOTS:
            code, defaults = fields["code"], {k: v for k, v in fields.items() if k != "code"}
            _, created = AdSlot.objects.get_or_create(code=code, defaults=defaults)
            count += created
        return str(count)
