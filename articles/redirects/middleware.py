"""Redirects served before a 404: an address nothing else answers, or a WordPress `/?p=123`."""

from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect

from articles.redirects.services import KEPT_QUERY, find_redirect


def _respond(redirect):
    cls = HttpResponsePermanentRedirect if redirect.is_permanent else HttpResponseRedirect
    response = cls(redirect.new_path)
    response["Cache-Control"] = "public, max-age=3600"
    return response


def redirects(get_response):
    """Answer a 404 (or the home page asked for a WordPress object id) with its redirect."""

    def middleware(request):
        if (
            request.method in ("GET", "HEAD")
            and request.path == "/"
            and any(request.GET.get(name, "").isdigit() for name in KEPT_QUERY)
        ):
            found = find_redirect(request.path, request.GET)
            if found is not None:
                return _respond(found)
        response = get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            found = find_redirect(request.path, request.GET)
            if found is not None:
                return _respond(found)
        return response

    return middleware
