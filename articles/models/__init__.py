"""Articles, the people who write them and the sections and tags that file them.

`articles` (Article, its queryset with the one publication rule, bylines), `people` (authors),
`taxonomy` (sections, tags), `history` (revisions, audit log, old slugs) and `collaboration`
(share previews, edit locks, autosaves), `publication` (the publication's own settings).
"""

from articles.models.articles import Article, ArticleQuerySet, ArticleStatus, Byline
from articles.models.collaboration import Autosave, EditLock, PreviewToken
from articles.models.history import AuditEntry, OldSlug, Revision
from articles.models.people import Author
from articles.models.publication import Publication
from articles.models.taxonomy import Section, Tag, TaggedArticle

__all__ = [
    "Article",
    "ArticleQuerySet",
    "ArticleStatus",
    "AuditEntry",
    "Autosave",
    "Author",
    "Byline",
    "EditLock",
    "OldSlug",
    "PreviewToken",
    "Publication",
    "Revision",
    "Section",
    "Tag",
    "TaggedArticle",
]
