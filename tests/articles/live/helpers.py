"""People and coverage for the live tests."""

from datetime import timedelta

from django.utils import timezone

from articles.live.models import EntryStatus, LiveCoverage, LiveEntry
from articles.roles import EDITOR, WRITER
from tests.factories import ArticleFactory, AuthorFactory, UserFactory


def editor(**kwargs):
    return UserFactory(role=EDITOR, **kwargs)


def writer(**kwargs):
    user = UserFactory(role=WRITER, **kwargs)
    AuthorFactory(user=user, name=f"Writer {user.username}")
    return user


def coverage(article=None, **kwargs) -> LiveCoverage:
    """Live coverage of a published article (made directly: the services are under test)."""
    return LiveCoverage.objects.create(article=article or ArticleFactory(), **kwargs)


def entry(coverage, *, status=EntryStatus.PUBLISHED, minutes_ago=0, **kwargs) -> LiveEntry:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return LiveEntry.objects.create(
        coverage=coverage,
        status=status,
        published_at=None if status == EntryStatus.DRAFT else at,
        body=kwargs.pop("body", "<p>Something happened.</p>"),
        changed_in=kwargs.pop("changed_in", coverage.version),
        **kwargs,
    )
