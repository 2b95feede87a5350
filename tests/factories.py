"""factory_boy factories, with a trait for every article state."""

import io
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage

from ads.models import AdSlot, Creative, Placement, Priority
from articles.media import services as media
from articles.media.models import Image
from articles.models import Article, Author, Byline, Section


def image_file(name="photo.jpg", size=(640, 480), fmt="JPEG", exif=None):
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    PILImage.new("RGB", size, "#336699").save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def library_image(
    *, alt_text="A picture", size=(640, 480), fmt="JPEG", name=None, renditions=False, **fields
):
    """A media-library image, stored as an editor's upload is.

    Its renditions are made by a task after the upload commits, which a `TestCase` never does;
    `renditions=True` makes them now, as the worker would.
    """
    upload = image_file(name or f"photo.{'jpg' if fmt == 'JPEG' else fmt.lower()}", size, fmt)
    image = media.save_image(image=Image(alt_text=alt_text, **fields), upload=upload)
    if renditions:
        media.process_image(image_id=image.pk)
        image.refresh_from_db()
    return image


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author {n}")
    slug = factory.Sequence(lambda n: f"author-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article unless a trait says otherwise."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Sequence(lambda n: f"Headline number {n}")
    slug = factory.Sequence(lambda n: f"headline-number-{n}")
    standfirst = "A short summary."
    body = "<p>First paragraph.</p><p>Second paragraph.</p>"
    section = factory.SubFactory(SectionFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT, published_at=None)
        in_review = factory.Trait(status=Article.Status.IN_REVIEW, published_at=None)
        scheduled = factory.Trait(
            status=Article.Status.SCHEDULED,
            published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1)),
        )
        due = factory.Trait(  # scheduled, and its time has come (no job has flipped it yet)
            status=Article.Status.SCHEDULED,
            published_at=factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5)),
        )
        unpublished = factory.Trait(status=Article.Status.UNPUBLISHED)
        expired = factory.Trait(  # published, but its unpublish time has passed
            published_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=2)),
            unpublish_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)),
        )

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        authors = extracted if extracted is not None else [AuthorFactory()]
        for position, author in enumerate(authors):
            Byline.objects.create(article=self, author=author, position=position)
        self.refresh_from_db(fields=["credit_list"])  # written by the bylines' signal

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if extracted:
            self.tags.set(extracted)
            self.refresh_from_db(fields=["filed_tags"])  # written by taggit's m2m_changed


class AdSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdSlot
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"SLOT{n}")
    name = factory.LazyAttribute(lambda s: f"Slot {s.code}")
    width = 300
    height = 250


class CreativeFactory(factory.django.DjangoModelFactory):
    """A 300x250 house ad unless a trait says otherwise."""

    class Meta:
        model = Creative

    name = factory.Sequence(lambda n: f"Creative {n}")
    kind = Creative.Kind.HOUSE
    width = 300
    height = 250
    html = "<p>Read our newsletter</p>"
    click_url = "https://newsroom.example/newsletter"

    class Params:
        with_image = factory.Trait(
            kind=Creative.Kind.IMAGE,
            html="",
            alt_text="Advertiser banner",
            image=factory.LazyAttribute(
                lambda c: image_file("ad.png", size=(c.width, c.height), fmt="PNG")
            ),
        )
        script = factory.Trait(
            kind=Creative.Kind.SCRIPT,
            html='<script src="https://ads.example/tag.js"></script>',
        )
        gam = factory.Trait(kind=Creative.Kind.GAM, html="", width=None, height=None)
        adsense = factory.Trait(
            kind=Creative.Kind.ADSENSE,
            html="",
            width=None,
            height=None,
            adsense_client_id="ca-pub-1234567890123456",
        )


class PlacementFactory(factory.django.DjangoModelFactory):
    """A live standard placement of a 300x250 house creative in a 300x250 slot."""

    class Meta:
        model = Placement

    slot = factory.SubFactory(AdSlotFactory)
    creative = factory.SubFactory(CreativeFactory)
    priority = Priority.STANDARD
    weight = 10

    class Params:
        sponsorship = factory.Trait(priority=Priority.SPONSORSHIP)
        house = factory.Trait(priority=Priority.HOUSE)
        scheduled = factory.Trait(
            starts_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
        )
        expired = factory.Trait(
            starts_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=2)),
            ends_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)),
        )


class NewsletterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "newsletters.Newsletter"

    name = factory.Sequence(lambda n: f"Newsletter {n}")
    slug = factory.Sequence(lambda n: f"newsletter-{n}")
    description = "The day's news."


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "newsletters.Subscriber"

    email = factory.Sequence(lambda n: f"reader{n}@example.com")


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """An active (confirmed) subscription unless a trait says otherwise."""

    class Meta:
        model = "newsletters.Subscription"

    subscriber = factory.SubFactory(SubscriberFactory)
    newsletter = factory.SubFactory(NewsletterFactory)
    status = "active"
    consent_form = "page"
    consent_wording_version = "test"
    confirmed_at = factory.LazyFunction(timezone.now)

    class Params:
        pending = factory.Trait(status="pending", confirmed_at=None)
        unsubscribed = factory.Trait(status="unsubscribed")


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "newsletters.Issue"

    newsletter = factory.SubFactory(NewsletterFactory)
    subject = factory.Sequence(lambda n: f"Issue {n}")
    introduction = "Good morning.\n\nHere is the news."
