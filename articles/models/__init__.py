"""Articles, the people who write them and the sections and tags that file them.

`articles` (Article, its queryset with the one publication rule, bylines), `people` (authors),
`taxonomy` (sections, tags), `history` (revisions, audit log, old slugs) and `collaboration`
(share previews, edit locks), `background` (failed tasks), `images` (the media library).
"""

from articles.models.articles import Article, ArticleQuerySet, ArticleStatus, Byline
from articles.models.background import TaskFailure
from articles.models.collaboration import EditLock, PreviewToken
from articles.models.history import AuditEntry, OldSlug, Revision
from articles.models.images import Image, ImageQuerySet
from articles.models.people import Author
from articles.models.taxonomy import Section, Tag, TaggedArticle

__all__ = [
    "Article",
    "ArticleQuerySet",
    "ArticleStatus",
    "AuditEntry",
    "Author",
    "Byline",
    "EditLock",
    "Image",
    "ImageQuerySet",
    "OldSlug",
    "PreviewToken",
    "Revision",
    "Section",
    "Tag",
    "TaggedArticle",
    "TaskFailure",
]
