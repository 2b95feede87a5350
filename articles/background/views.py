"""`/healthz`: 200 when the site can work, 503 when it cannot, with a short JSON body."""

import logging

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from articles.background import health

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """For load balancers and monitors: never cached, no login, no details beyond names."""
    healthy, body = health.checks()
    if not healthy:
        logger.warning("Health check failed: %s", body)
    return JsonResponse(body, status=200 if healthy else 503)
