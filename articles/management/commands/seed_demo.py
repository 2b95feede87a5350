"""Load demo content: the seed article, filler articles, sections, authors, ad slots, users."""

import io
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from ads.models import AdSlot
from articles import demo, roles, services
from articles.models import Article, Author, Correction, Section

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
]
DEMO_USERS = [
    # username, password, role group (None: superuser), linked author slug
    ("admin", "newsroom-admin-demo", None, None),
    ("editor", "newsroom-editor-demo", roles.EDITOR, "sofia-lindqvist"),
    ("writer", "newsroom-writer-demo", roles.WRITER, "amara-okafor"),
    ("admanager", "newsroom-ads-demo", roles.AD_MANAGER, None),
]
FILLER_COUNT = 40
IMAGE_COLOURS = ["#1f4e79", "#7a1f1f", "#2e6b3a", "#5b3f8c", "#8a5a00", "#145a5a"]


def demo_image(text, colour):
    """A generated 1200×800 JPEG lead image."""
    image = Image.new("RGB", (1200, 800), colour)
    draw = ImageDraw.Draw(image)
    for i in range(0, 1200, 60):
        draw.line([(i, 800), (i + 400, 0)], fill="#ffffff", width=1)
    draw.rectangle([(60, 600), (1140, 740)], fill="#000000")
    draw.text((90, 650), text[:90], fill="#ffffff", font_size=36)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return ContentFile(out.getvalue())


class Command(BaseCommand):
    help = "Load demo content (idempotent: a second run adds nothing twice)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-users",
            action="store_true",
            help="Also create one account per role with a known password (DEBUG only).",
        )

    def handle(self, *args, with_users=False, **options):
        if with_users and not settings.DEBUG:
            raise CommandError(
                "--with-users creates accounts with published passwords; it is refused "
                "when DEBUG is off."
            )
        self.created = []
        with transaction.atomic():
            sections = self.sections()
            authors = self.authors()
            self.seed_article(sections, authors)
            self.filler(sections, authors)
            self.corrections()
            self.ad_slots()
            if with_users:
                self.users(authors)
        if self.created:
            self.stdout.write(self.style.SUCCESS("Created: " + "; ".join(self.created)))
        else:
            self.stdout.write("Demo content already present: nothing created.")
        if with_users:
            self.print_accounts()

    def note(self, count, what):
        if count:
            self.created.append(f"{count} {what}")

    def sections(self):
        sections, count = {}, 0
        for position, (name, slug, description) in enumerate(demo.SECTIONS):
            sections[slug], created = Section.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "description": description, "position": position},
            )
            count += created
        self.note(count, "sections")
        return sections

    def authors(self):
        authors, count = {}, 0
        for name, slug, bio in demo.AUTHORS:
            authors[slug], created = Author.objects.get_or_create(
                slug=slug, defaults={"name": name, "bio": bio}
            )
            count += created
        self.note(count, "authors")
        return authors

    def seed_article(self, sections, authors):
        seed = demo.SEED_ARTICLE
        if Article.objects.filter(slug=seed["slug"]).exists():
            return
        article = Article(
            headline=seed["headline"],
            slug=seed["slug"],
            body="".join(f"<p>{p}</p>" for p in seed["paragraphs"]),
            section=sections[seed["section"]],
            lead_image_alt=seed["image_alt"],
            lead_image_caption=seed["headline"],
            lead_image_credit="Newsroom illustration",
            seo_description=seed["seo_description"],
        )
        article.lead_image.save(
            "seed-article.jpg", demo_image("WAIC · Shanghai", "#1f3b57"), save=False
        )
        # Demo content arrives already published: the documented data-loading path.
        services.import_article(
            article=article,
            status=Article.Status.PUBLISHED,
            published_at=datetime.fromisoformat(seed["published_at"]),
            authors=[authors[seed["author"]]],
            tags=seed["tags"],
        )
        self.note(1, "seed article")

    def filler(self, sections, authors):
        rng = random.Random(2025)  # the same articles on every machine
        latest = datetime.fromisoformat(demo.SEED_ARTICLE["published_at"])
        author_list = [a for slug, a in authors.items() if slug != "newsroom-staff"]
        count = 0
        for i in range(FILLER_COUNT):
            section_slug = demo.SECTIONS[i % len(demo.SECTIONS)][1]
            headline = (
                f"{rng.choice(demo.SUBJECTS[section_slug])} {rng.choice(demo.VERBS)} "
                f"{rng.choice(demo.OBJECTS)}"
            )
            slug = f"{slugify(headline)}-{i + 1}"
            # Draw every random choice before skipping, so each run draws the same sequence.
            paragraphs = rng.sample(demo.FILLER_PARAGRAPHS, 3)
            byline_authors = rng.sample(author_list, 1 + (i % 5 == 0))
            tags = rng.sample(demo.FILLER_TAGS, 3)
            if Article.objects.filter(slug=slug).exists():
                continue
            article = Article(
                headline=headline,
                slug=slug,
                standfirst=paragraphs[0],
                body="".join(f"<p>{p}</p>" for p in paragraphs),
                section=sections[section_slug],
            )
            if i % 4 == 0:
                article.lead_image_alt = f"Illustration for “{headline}”"
                article.lead_image.save(
                    f"demo-{i + 1}.jpg",
                    demo_image(headline, IMAGE_COLOURS[i % len(IMAGE_COLOURS)]),
                    save=False,
                )
            services.import_article(
                article=article,
                status=Article.Status.PUBLISHED,
                published_at=latest - timedelta(hours=7 * (i + 1)),
                authors=byline_authors,
                tags=tags,
            )
            count += 1
        self.note(count, "generated articles")
        self.work_in_progress(sections, authors)

    def work_in_progress(self, sections, authors):
        """A few articles that readers must not see: a draft, one in review, one scheduled."""
        now = timezone.now()
        states = [
            ("Draft: inside the chip smuggling trade", Article.Status.DRAFT, None),
            ("In review: what the new AI rules mean for you", Article.Status.IN_REVIEW, None),
            (
                "Scheduled: the week ahead in Brussels",
                Article.Status.SCHEDULED,
                now + timedelta(days=3),
            ),
        ]
        count = 0
        for headline, status, published_at in states:
            slug = slugify(headline)
            if Article.objects.filter(slug=slug).exists():
                continue
            services.import_article(
                article=Article(
                    headline=headline,
                    slug=slug,
                    standfirst="Not public yet: only the newsroom can see this.",
                    body="<p>Work in progress.</p>",
                    section=sections["technology"],
                ),
                status=status,
                published_at=published_at,
                authors=[authors["amara-okafor"]],
                tags=["artificial intelligence"],
            )
            count += 1
        self.note(count, "unpublished articles")

    def corrections(self):
        """One update on a filler story, so /corrections/ and its feed show what they do."""
        if Correction.objects.exists():
            return
        article = (
            Article.objects.recently_published().exclude(slug=demo.SEED_ARTICLE["slug"]).first()
        )
        if article is None:
            return
        at = article.published_at + timedelta(hours=3)
        Correction.objects.create(
            article=article,
            kind=Correction.Kind.CORRECTION,
            text="An earlier version of this article misstated when the talks began.",
            created_at=at,
        )
        # As services.add_correction does: the note is the article's latest change.
        Article.objects.filter(pk=article.pk).update(updated_at=at)
        self.note(1, "correction")

    def ad_slots(self):
        count = 0
        for fields in AD_SLOTS:
            code, defaults = fields["code"], {k: v for k, v in fields.items() if k != "code"}
            _, created = AdSlot.objects.get_or_create(code=code, defaults=defaults)
            count += created
        self.note(count, "ad slots")

    def users(self, authors):
        User = get_user_model()
        count = 0
        for username, password, group_name, author_slug in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = User(
                username=username,
                email=f"{username}@newsroom.localhost",
                is_staff=True,
                is_superuser=group_name is None,
            )
            user.set_password(password)
            user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            if author_slug:
                Author.objects.filter(slug=author_slug, user__isnull=True).update(user=user)
            count += 1
        self.note(count, "demo accounts")

    def print_accounts(self):
        self.stdout.write("\nDemo accounts (log in at http://127.0.0.1:8000/admin/):")
        for username, password, group_name, _ in DEMO_USERS:
            role = group_name or "Administrator (superuser)"
            self.stdout.write(f"  {role:<28} {username:<10} password: {password}")
        self.stdout.write("  (Passwords are set when an account is first created.)\n")
