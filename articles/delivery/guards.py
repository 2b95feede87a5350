"""Request hygiene and database faults: what readers get when input or the database is bad.

`HostileInputMiddleware` answers 400 to a request whose path or query string carries a NUL or
another control character (PostgreSQL refuses NUL in text, so such a value would otherwise
reach the database as a 500). `DatabaseFaultMiddleware` retries an idempotent request once on a
fresh connection when its database connection died under it (a restarted or terminated
backend), and otherwise answers a plain 503 page with `Retry-After`, rendered without the
database.
"""

import logging
import re

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

# C0 controls except tab, plus DEL: never part of a URL a reader or editor typed.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
BAD_REQUEST = "This address contains characters that are not allowed."
RETRY_AFTER_SECONDS = 5
IDEMPOTENT = {"GET", "HEAD", "OPTIONS"}


OUT_OF_RANGE = "A number or date in this address is out of range."


class HostileInputMiddleware:
    """400 for control characters (NUL first of all) in the path or any query parameter, and
    for numbers too large for Python's dates (`?published_at__year=99999999999` in any
    changelist's date drill-down, Django's or a third-party app's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if CONTROL.search(request.path) or any(
            CONTROL.search(key) or any(CONTROL.search(value) for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(BAD_REQUEST, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError):
            return HttpResponseBadRequest(OUT_OF_RANGE, content_type="text/plain; charset=utf-8")
        return None


def _database_errors() -> tuple[type[Exception], ...]:
    """Django's wrapped errors, and the drivers' own: a few code paths (a server-side cursor
    read while a template renders a select's choices) let psycopg's error through unwrapped."""
    errors = [OperationalError, InterfaceError]
    for connection in connections.all(initialized_only=True):
        errors += [connection.Database.OperationalError, connection.Database.InterfaceError]
    return tuple(errors)


def _connection_lost(exc) -> bool:
    """A dead connection (terminated backend, restart), not a bad query."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, _database_errors()):
        return False
    return any(
        connection.connection is None or not connection.is_usable()
        for connection in connections.all(initialized_only=True)
    )


def _close_all():
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None


def kept_form(request) -> dict | None:
    """What an admin POST carried, for the 503 page to send again: every field but passwords
    (never echoed back), the CSRF token it came with, and the names of the files to choose
    again (a browser never lets a page pre-fill a file input)."""
    if request is None or request.method != "POST":
        return None
    try:
        admin = reverse("admin:index")
    except NoReverseMatch:
        return None
    if not request.path.startswith(admin):
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken" and "password" not in name
        for value in values
    ]
    return {
        "action": request.get_full_path(),
        "csrf": request.POST.get("csrfmiddlewaretoken", ""),
        "fields": fields,
        "shown": [(name, value) for name, value in fields if value.strip()],
        "files": sorted(request.FILES),
    }


def unavailable_response(request=None):
    """The 503 page: static HTML, no database, a Retry-After, never cached. For an admin POST
    it carries what was sent, ready to send again: nothing the user typed is lost."""
    context = {"retry_after": RETRY_AFTER_SECONDS, "kept": kept_form(request)}
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseFaultMiddleware:
    """Retry a read once on a fresh connection when the database connection died; else 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, _database_errors()):
            return None
        lost = _connection_lost(exception)
        logger.warning(
            "Database unavailable for %s %s: %s", request.method, request.path, exception
        )
        _close_all()
        if lost and request.method in IDEMPOTENT and not getattr(request, "_db_retried", False):
            request._db_retried = True
            try:
                return self.get_response(request)
            except _database_errors():
                _close_all()
        return unavailable_response(request)


def client_ip(request) -> str:
    """The reader's address for login throttling: REMOTE_ADDR, unless proxies are declared."""
    return client_ip_of(request.META)


def client_ip_of(meta) -> str:
    """The address in a request's META (or a WSGI environ, which has the same keys).

    With DJANGO_TRUSTED_PROXY_COUNT=N (N proxies of ours in front, each appending to
    X-Forwarded-For) the address is the N-th entry from the right: the one our outermost proxy
    saw. Anything further left was written by the client and is never trusted.
    """
    from django.conf import settings

    count = settings.TRUSTED_PROXY_COUNT
    remote = meta.get("REMOTE_ADDR", "")
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    return hops[-count] if len(hops) >= count else remote
