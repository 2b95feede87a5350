"""The demo's breaking alert: active for a week, linking to the newest published story."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from articles.alerts.models import Alert, AlertLevel
from articles.models import Article

DEMO_TEXT = "Breaking: the harbour bridge is closed after a ship strike; ferries run all night."


class Command(BaseCommand):
    help = "Create the demo's active breaking alert (once; renewed when it has expired)."

    def handle(self, *args, **options) -> str:
        """The number of alerts made or renewed (0 or 1), as the other seed commands."""
        now = timezone.now()
        story = Article.objects.published().order_by("-published_at").first()
        alert = Alert.objects.filter(text=DEMO_TEXT).first()
        if alert is not None and alert.is_active(now):
            return "0"
        fields = {
            "url": story.get_absolute_url() if story else "/",
            "level": AlertLevel.BREAKING,
            "starts_at": now - timedelta(minutes=5),
            "expires_at": now + timedelta(days=7),
        }
        if alert is None:
            Alert.objects.create(text=DEMO_TEXT, **fields)
        else:
            Alert.objects.filter(pk=alert.pk).update(**fields)
            alert.refresh_from_db()
            alert.save()  # purges the alerts endpoint like any save
        return "1"
