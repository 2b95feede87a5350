"""Share-preview links: signed, expiring, revocable."""

import secrets
from datetime import timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from articles.models import (
    Article,
    PreviewToken,
)
from articles.services.permissions import NOT_YOUR_ARTICLE, is_editor, is_owner

PREVIEW_SALT = "articles.share-preview"
PREVIEW_LIFETIME = timedelta(hours=48)


def create_preview_token(*, article: Article, by, lifetime=PREVIEW_LIFETIME) -> str:
    """A signed share-preview token for the article, valid for `lifetime` unless revoked."""
    may_share = is_editor(by) or (by.has_perm("articles.change_article") and is_owner(by, article))
    if not may_share:
        raise PermissionDenied(NOT_YOUR_ARTICLE)
    now = timezone.now()
    token = PreviewToken.objects.create(
        article=article,
        key=secrets.token_urlsafe(24),
        created_by=by,
        created_at=now,
        expires_at=now + lifetime,
    )
    return signing.dumps(token.key, salt=PREVIEW_SALT)


def revoke_preview_token(*, token: PreviewToken, by) -> None:
    """Make a share-preview link stop working now."""
    if not is_editor(by) and token.created_by_id != by.pk:
        raise PermissionDenied(NOT_YOUR_ARTICLE)
    PreviewToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def article_for_preview_token(signed: str) -> Article | None:
    """The article a share-preview token opens, or None if it is forged, expired or revoked."""
    try:
        key = signing.loads(signed, salt=PREVIEW_SALT)
    except signing.BadSignature:
        return None
    token = PreviewToken.objects.filter(key=key).first()
    if token is None or not token.is_active:
        return None
    return Article.objects.for_detail().get(pk=token.article_id)
