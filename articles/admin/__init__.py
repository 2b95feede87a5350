"""The newsroom admin. Status changes go through `articles.services`; see docs/editor-guide.md.

`articles` (the story admin), `forms` (its form and inlines), `actions` (workflow list actions),
`logs` (audit log, revisions, failed tasks), `people` (authors, sections), `tags` (rename,
merge, prune) and `corrections` (corrections, pinned related stories). The capabilities with
admin pages of their own keep them in their folder and are registered here: the media library
(`articles.media.admin`), the publication settings (`articles.publication.admin`) and the second
factor (`articles.mfa.views`).
"""

from django.contrib import admin
from taggit.models import Tag as TaggitTag

from articles.admin import (  # noqa: F401 (registers the admins)
    articles,
    corrections,
    logs,
    people,
    tags,
)
from articles.admin.forms import BODY_EDITOR_EXTENSIONS, FORGED_FIELD
from articles.media import admin as media_admin  # noqa: F401
from articles.mfa import views as mfa_views  # noqa: F401
from articles.publication import admin as publication_admin  # noqa: F401

# We file articles under our own Tag model; taggit's default one is unused.
admin.site.unregister(TaggitTag)

__all__ = ["BODY_EDITOR_EXTENSIONS", "FORGED_FIELD"]
