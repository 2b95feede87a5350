"""The newsroom admin. Status changes go through `articles.services`; see docs/editor-guide.md.

`articles` (the story admin), `forms` (its form and inlines), `actions` (workflow list actions),
`logs` (audit log, revisions, failed tasks), `people` (authors, sections), `tags` (rename,
merge, prune), `corrections` (corrections, pinned related stories), `media` (the image
library), `publication` (the publication settings) and `mfa` (the second factor).
"""

from django.contrib import admin
from taggit.models import Tag as TaggitTag

from articles.admin import (  # noqa: F401 (registers the admins)
    articles,
    corrections,
    logs,
    media,
    mfa,
    people,
    publication,
    tags,
)
from articles.admin.forms import BODY_EDITOR_EXTENSIONS, FORGED_FIELD

# We file articles under our own Tag model; taggit's default one is unused.
admin.site.unregister(TaggitTag)

__all__ = ["BODY_EDITOR_EXTENSIONS", "FORGED_FIELD"]
