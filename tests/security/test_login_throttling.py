"""Issue 12, hole 1: login throttling (django-axes) by username and by address."""

from datetime import timedelta

import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

LOGIN = reverse("admin:login")
PASSWORD = "correct-horse-battery"
LOCKED = "Signing in is locked"


def attempt(client, username, password, ip="203.0.113.7", **headers):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
        **headers,
    )


# A fast hasher: these tests sign in dozens of times (PBKDF2 would take a minute).
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class LoginThrottlingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="editor", role="Editor")
        cls.limit = settings.AXES_FAILURE_LIMIT

    def fail(self, times, username="editor", ip="203.0.113.7", **headers):
        for _ in range(times):
            attempt(self.client, username, "wrong-password", ip=ip, **headers)

    def test_the_right_password_is_refused_after_too_many_wrong_ones(self):
        self.fail(self.limit - 1)
        assert attempt(self.client, "editor", PASSWORD).status_code == 302  # still allowed
        self.client.logout()
        self.fail(self.limit)
        response = attempt(self.client, "editor", PASSWORD)
        assert response.status_code == 429
        self.assertContains(response, LOCKED, status_code=429)
        self.assertContains(response, "Try again in 15 minutes", status_code=429)
        assert "_auth_user_id" not in self.client.session

    def test_a_locked_username_is_locked_from_every_address(self):
        self.fail(self.limit, ip="203.0.113.7")
        response = attempt(self.client, "editor", PASSWORD, ip="198.51.100.9")
        assert response.status_code == 429

    def test_an_address_guessing_many_usernames_is_locked(self):
        for n in range(self.limit):
            attempt(self.client, f"guess{n}", "wrong-password", ip="203.0.113.50")
        assert attempt(self.client, "editor", PASSWORD, ip="203.0.113.50").status_code == 429
        # The same account from another address still signs in: only the address is locked.
        assert attempt(self.client, "editor", PASSWORD, ip="198.51.100.9").status_code == 302

    def test_the_lock_lifts_after_the_cool_off(self):
        self.fail(self.limit)
        with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(1)):
            assert attempt(self.client, "editor", PASSWORD).status_code == 302

    def test_an_administrator_unlocks_from_the_admin(self):
        self.fail(self.limit)
        admin = UserFactory(username="root", is_superuser=True)
        self.client.force_login(admin)
        changelist = reverse("admin:axes_accessattempt_changelist")
        self.assertContains(self.client.get(changelist), "editor")
        ids = list(AccessAttempt.objects.values_list("pk", flat=True))
        response = self.client.post(
            changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
        )
        assert response.status_code == 302
        assert not AccessAttempt.objects.exists()
        self.client.logout()
        assert attempt(self.client, "editor", PASSWORD).status_code == 302

    def test_roles_cannot_reach_the_unlock_page(self):
        self.client.force_login(self.editor)
        response = self.client.get(reverse("admin:axes_accessattempt_changelist"))
        assert response.status_code == 403

    def test_x_forwarded_for_is_not_trusted_by_default(self):
        # Spoofing a fresh address per attempt must not dodge the address lock.
        for n in range(self.limit):
            attempt(self.client, f"guess{n}", "x", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert attempt(self.client, "editor", PASSWORD).status_code == 429
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_with_a_declared_proxy_the_address_it_saw_counts(self):
        # The client wrote the left-most entry; our proxy appended the address it saw.
        attempt(self.client, "x", "x", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.4")
        assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.4"]
