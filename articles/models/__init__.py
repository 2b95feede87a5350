"""Articles, the people who write them and the sections and tags that file them.

`articles` (Article, its queryset with the one publication rule, bylines; pinned related stories
in `RelatedPin`), `people` (authors), `taxonomy` (sections, tags, old tag addresses), `history`
(revisions, audit log, old slugs), `corrections` (corrections and updates on published
articles) and `collaboration` (share previews, edit locks, autosaves).

The models of the capabilities live in their folders, still in the `articles` app (same tables,
same migrations): `articles.media.models` (the media library), `articles.pages.models` (the
article page's kept markup), `articles.publication.models` (the publication's settings) and
`articles.background.models` (failed tasks). `ArticlesConfig.import_models` loads them.
"""

from articles.models.articles import (
    Article,
    ArticleQuerySet,
    ArticleStatus,
    Byline,
    Credit,
    RelatedPin,
    passed_second_factor,
    refresh_credits,
    refresh_tags,
)
from articles.models.collaboration import Autosave, EditLock, PreviewToken
from articles.models.corrections import Correction, CorrectionKind
from articles.models.history import AuditEntry, OldSlug, Revision
from articles.models.people import Author
from articles.models.taxonomy import OldTagSlug, Section, Tag, TaggedArticle

__all__ = [
    "Article",
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
    "OldSlug",
    "OldTagSlug",
    "PreviewToken",
    "RelatedPin",
    "Revision",
    "Section",
    "SentMail",
    "Tag",
    "TaggedArticle",
    "passed_second_factor",
    "refresh_credits",
    "refresh_tags",
]
