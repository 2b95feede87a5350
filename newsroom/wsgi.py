"""WSGI entry point: `gunicorn newsroom.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")


def _application():
    django_application = get_wsgi_application()  # sets Django up
    from articles.analytics.wsgi import with_beacon

    return with_beacon(django_application)


# The reading-figures beacon is answered in front of Django (articles/analytics/wsgi.py).
application = _application()
