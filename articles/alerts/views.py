"""The alerts endpoint: what every page's banner script fetches (docs/alerts-and-push.md)."""

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from articles.alerts import services
from articles.alerts.models import Alert
from articles.delivery import cache


@require_safe
def current(request):
    """The active alerts as JSON, shared by every page and cache; kept until the next start or
    expiry at the latest, and purged (this endpoint alone) when an editor changes an alert."""
    now = timezone.now()
    cache.add_keys(request, services.ALERTS_KEY)
    cache.changes_at(request, Alert.objects.next_change(now))
    return JsonResponse({"alerts": services.current_alerts(now)})
