"""The framework floor for scripts/bench.py: a bare Django view returning fixed bytes.

`BENCH_FLOOR_BODY` names the file whose bytes every URL answers with (the article page, so
the floor sends what the real page sends); `BENCH_FLOOR_MIDDLEWARE=default` adds the
middleware of a new `startproject`. Serve with `gunicorn --chdir scripts bench_floor:application`.
"""

import os
from pathlib import Path

from bench import DEFAULT_MIDDLEWARE  # gunicorn --chdir scripts
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

BODY = Path(os.environ["BENCH_FLOOR_BODY"]).read_bytes()
WITH_MIDDLEWARE = os.environ.get("BENCH_FLOOR_MIDDLEWARE") == "default"

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-floor-only-0123456789-abcdefghijklmnopqrstuvwxyz",  # noqa: S106
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=DEFAULT_MIDDLEWARE if WITH_MIDDLEWARE else [],
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
        ]
        if WITH_MIDDLEWARE
        else [],
        DATABASES={},
        USE_TZ=True,
    )


def page(request):
    return HttpResponse(BODY, content_type="text/html; charset=utf-8")


urlpatterns = [path("", page), path("<path:rest>", page)]
application = get_wsgi_application()
