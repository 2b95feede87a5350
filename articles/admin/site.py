"""The admin as a newsroom: named after the publication, with a 403 page that explains itself."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import lazy
from django.views.defaults import permission_denied as default_permission_denied

from articles.publication import get_publication

REFUSED_TITLE = "Not allowed"


def publication_name() -> str:
    """The publication's name, from its settings (administrators change it in the admin)."""
    return get_publication().name


def name_admin_site(site=admin.site) -> None:
    """Header and browser title read "<publication> desk" / "<publication>".

    Lazy, so each page reads the current publication settings (cached) and nothing touches the
    database when the URLconf is imported.
    """
    site.site_header = lazy(lambda: f"{publication_name()} desk", str)()
    site.site_title = lazy(publication_name, str)()
    site.index_title = "Articles, people and ads"


def permission_denied(request, exception=None):
    """403 handler: inside the admin, an admin page that says what was refused and why."""
    admin_root = reverse("admin:index")
    user = getattr(request, "user", None)
    if not request.path.startswith(admin_root) or not (user and user.is_active and user.is_staff):
        return default_permission_denied(request, exception)
    reason = str(exception) if exception and str(exception) else ""
    context = {
        **admin.site.each_context(request),
        "title": REFUSED_TITLE,
        "refused_path": request.path,
        "refused_method": request.method,
        "reason": reason,
    }
    response = TemplateResponse(request, "admin/403.html", context, status=403)
    return response.render()
