from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from articles.standing.models import Page


def page_detail(request, slug):
    """A standing page; a draft only for those who may edit it (never cached for them)."""
    page = Page.objects.filter(slug=slug).first()
    is_editor = request.user.is_active and request.user.has_perm("standing.change_page")
    if page is None or (page.status != "published" and not is_editor):
        raise Http404("No such page.")
    response = render(request, "standing/page.html", {"page": page})
    if page.status != "published":
        add_never_cache_headers(response)
    else:
        patch_cache_control(response, public=True, max_age=300)
    return response
