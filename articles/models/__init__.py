"""Articles, the people who write them and the sections and tags that file them.

`articles` (Article, its queryset with the one publication rule, bylines; pinned related stories
in `RelatedPin`), `people` (authors), `taxonomy` (sections, tags, old tag addresses), `history`
(revisions, audit log, old slugs), `corrections` (corrections and updates on published
articles), `collaboration` (share previews, edit locks, autosaves), `publication` (the
publication's own settings), `background` (failed tasks), `images` (the media library) and
`markup` (the article page's own markup, kept).
"""

from articles.background.models import RecurringRun, SentMail, WorkerHeartbeat
from articles.models.articles import (
    Article,
    ArticleQuerySet,
    ArticleStatus,
    Byline,
    Credit,
    RelatedPin,
    refresh_credits,
    refresh_tags,
)
from articles.models.background import TaskFailure
from articles.models.collaboration import Autosave, EditLock, PreviewToken
from articles.models.corrections import Correction, CorrectionKind
from articles.models.history import AuditEntry, OldSlug, Revision
from articles.models.images import Image, ImageQuerySet
from articles.models.markup import ArticleMarkup
from articles.models.people import Author
from articles.models.publication import Publication
from articles.models.taxonomy import OldTagSlug, Section, Tag, TaggedArticle

__all__ = [
    "Article",
    "ArticleMarkup",
    "ArticleQuerySet",
    "ArticleStatus",
    "AuditEntry",
    "Autosave",
    "Author",
    "Byline",
    "Correction",
    "Credit",
    "CorrectionKind",
    "EditLock",
    "Image",
    "ImageQuerySet",
    "OldSlug",
    "OldTagSlug",
    "PreviewToken",
    "Publication",
    "RecurringRun",
    "RelatedPin",
    "Revision",
    "Section",
    "SentMail",
    "Tag",
    "TaggedArticle",
    "TaskFailure",
    "WorkerHeartbeat",
    "refresh_credits",
    "refresh_tags",
]
