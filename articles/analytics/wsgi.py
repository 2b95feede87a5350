"""The beacon's fast path, in front of Django's handler (`newsroom/wsgi.py` wraps with it).

A hit needs none of what Django's handler and middleware do for pages (request objects,
signals, URL resolving, page cache, sessions, CSRF, authentication, CSP, gzip, ETags): with
all of it a hit cost about twice the bare-Django floor (scripts/bench_beacon.py). So
`POST /analytics/hit` is answered here, by the same rule as the view (`beacon.answer`), with
the headers Django's security middleware gives a 204. Everything else goes to Django
untouched, and so does any hit Django must judge first: a host that `ALLOWED_HOSTS` does not
allow (Django answers 400), plain HTTP where HTTPS is required (Django redirects), and every
hit when there is no Redis (the in-process store writes to the database, which belongs inside
Django's request cycle).
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.http.request import split_domain_port, validate_host
from django.urls import reverse

from articles.analytics import beacon
from articles.analytics.store import MEMORY, get_store

STATUS = {204: "204 No Content", 400: "400 Bad Request"}


def _secure(environ) -> bool:
    """As `HttpRequest.is_secure()`, from the environ."""
    header = settings.SECURE_PROXY_SSL_HEADER
    if header:
        name, value = header
        forwarded = environ.get(name)
        if forwarded is not None:
            return forwarded.split(",", 1)[0].strip() == value
    return environ.get("wsgi.url_scheme") == "https"


def _for_django(environ, secure: bool) -> bool:
    """A hit Django's own checks must see (host, HTTPS redirect), or one it must store."""
    if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in environ:
        return True
    domain, _port = split_domain_port(environ.get("HTTP_HOST", ""))
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return True
    if settings.SECURE_SSL_REDIRECT and not secure:
        return True
    return get_store() is MEMORY


@cache
def _headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """What `SecurityMiddleware` adds to a bodiless answer, and no-store."""
    headers = [("Cache-Control", "no-store")]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        policy = policy if isinstance(policy, str) else ",".join(policy)
        headers.append(("Referrer-Policy", policy))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    if secure and settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append(("Strict-Transport-Security", hsts))
    return tuple(headers)


def _forget(**kwargs):
    _headers.cache_clear()


setting_changed.connect(_forget)  # the tests' override_settings


def with_beacon(django_application):
    """The WSGI application: beacon hits answered here, everything else by Django."""
    path = None

    def application(environ, start_response):
        nonlocal path
        if environ.get("REQUEST_METHOD") != "POST":
            return django_application(environ, start_response)
        if path is None:
            path = reverse("analytics:hit")
        secure = _secure(environ)
        if environ.get("PATH_INFO") != path or _for_django(environ, secure):
            return django_application(environ, start_response)
        length = beacon.body_length(environ)
        status = (
            400 if length is None else beacon.answer(environ, environ["wsgi.input"].read(length))
        )
        headers = list(_headers(secure))
        if status != 204:
            headers.append(("Content-Length", "0"))
        start_response(STATUS[status], headers)
        return []

    return application
