"""factory_boy factories, with a trait for every article state."""

import io
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from ads.models import AdSlot, Creative
from articles.models import Article, Author, Byline, Section


def image_file(name="photo.jpg", size=(640, 480), fmt="JPEG", exif=None):
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, "#336699").save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


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

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if extracted:
            self.tags.set(extracted)


class AdSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdSlot
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"SLOT{n}")
    name = factory.LazyAttribute(lambda s: f"Slot {s.code}")
    width = 300
    height = 250


class CreativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creative

    slot = factory.SubFactory(AdSlotFactory)
    name = "Placeholder creative"
