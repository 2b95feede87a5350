"""The demo's breaking alert: made once, active, linking to a published story."""

from django.core.management import call_command
from django.test import TestCase

from articles.alerts.management.commands.seed_alerts import DEMO_TEXT
from articles.alerts.models import Alert
from tests.factories import ArticleFactory


class SeedAlertsTests(TestCase):
    def test_seed_makes_one_active_alert_once(self):
        story = ArticleFactory()
        call_command("seed_alerts")
        call_command("seed_alerts")
        alert = Alert.objects.get()
        assert alert.url == story.get_absolute_url()
        body = self.client.get("/alerts/current.json").json()
        assert [a["text"] for a in body["alerts"]] == [DEMO_TEXT]
