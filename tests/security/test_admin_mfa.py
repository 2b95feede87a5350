"""Check 11: the admin needs a second factor (TOTP, django-otp) once the password is right.

The rest of the suite runs with NEWSROOM_ADMIN_MFA off (tests/conftest.py); these tests switch
it on and sign in through the real login form.
"""

import re
from datetime import timedelta
from html import unescape
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.checks import run_checks
from django.db import OperationalError, connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import services
from articles.mfa.views import AdminMFAMiddleware
from articles.models import Article, Autosave, EditLock, Tag
from tests.articles.test_services import ready_article
from tests.factories import AuthorFactory, UserFactory
from tests.security.urlmap import INT_PLACEHOLDER, STR_PLACEHOLDER, url_patterns
from tests.test_settings import PRODUCTION_ENV, manage

PASSWORD = "correct-horse-battery"
VERIFY = reverse("mfa-verify")
ENROL = reverse("mfa-enrol")
EXEMPT = {reverse("admin:login"), reverse("admin:logout"), VERIFY, ENROL}


def code_for(device, steps_ahead=0):
    return TOTP(device.bin_key, device.step, device.t0, device.digits, steps_ahead).token()


def wrong_code(device):
    right = {f"{code_for(device, d):06d}" for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222") if c not in right)


def sign_in(client, user):
    """The real login form: the password step only."""
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302, response.content
    assert "_auth_user_id" in client.session
    return client


def verified(client, user):
    """Signed in with the password and a code from a new confirmed device."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in(client, user)
    response = client.post(VERIFY, {"code": f"{code_for(device):06d}", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    return client, device


@override_settings(
    NEWSROOM_ADMIN_MFA=True,
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
class AdminMfaTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="editor", role="Editor")
        cls.root = UserFactory(username="root", is_superuser=True)

    def sign_in(self, user, client=None):
        return sign_in(client or self.client, user)

    def device(self, user):
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    def verified(self, user, client=None):
        return verified(client or self.client, user)

    def assert_sent_to_second_step(self, response):
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(VERIFY), response["Location"]

    def test_no_admin_url_answers_before_the_second_step(self):
        self.device(self.editor)
        self.sign_in(self.editor)
        before = (Article.objects.count(), Tag.objects.count())
        checked = 0
        for pattern in url_patterns():
            if not pattern.is_admin:
                continue
            url = pattern.sample.replace(INT_PLACEHOLDER, "1").replace(STR_PLACEHOLDER, "1")
            if url in EXEMPT:
                continue
            with self.subTest(url=url):
                self.assert_sent_to_second_step(self.client.get(url))
                self.assert_sent_to_second_step(self.client.post(url, {"name": "x"}))
                checked += 1
        assert checked > 100  # every model admin URL and every custom one
        # Forged creations through the admin did nothing.
        response = self.client.post(
            reverse("admin:articles_tag_add"), {"name": "smuggled", "slug": "smuggled"}
        )
        self.assert_sent_to_second_step(response)
        assert (Article.objects.count(), Tag.objects.count()) == before
        # Public pages do not ask for a code.
        assert self.client.get("/").status_code == 200

    def test_get_keeps_where_the_user_was_going(self):
        self.device(self.editor)
        self.sign_in(self.editor)
        response = self.client.get("/admin/articles/article/?status=draft")
        assert (
            response["Location"]
            == f"{VERIFY}?next=%2Fadmin%2Farticles%2Farticle%2F%3Fstatus%3Ddraft"
        )

    def test_enrolment_shows_the_secret_and_a_code_confirms_it(self):
        self.sign_in(self.editor)
        response = self.client.get("/admin/")
        self.assert_sent_to_second_step(response)
        response = self.client.get(response["Location"])
        assert response.status_code == 302 and response["Location"].startswith(ENROL)
        page = self.client.get(response["Location"])
        assert page.status_code == 200
        assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
        html = page.content.decode()
        secret = re.search(r'<code id="mfa-secret">([A-Z2-7 ]+)</code>', html).group(1)
        otpauth = unescape(re.search(r'id="mfa-otpauth" href="([^"]+)"', html).group(1))
        device = TOTPDevice.objects.get(user=self.editor)
        assert not device.confirmed
        assert (
            otpauth.startswith("otpauth://totp/") and f"secret={secret.replace(' ', '')}" in otpauth
        )
        # Still no admin while the device is unconfirmed.
        self.assert_sent_to_second_step(self.client.get("/admin/"))

        response = self.client.post(ENROL, {"code": f"{code_for(device):06d}", "next": "/admin/"})
        assert response.status_code == 200
        codes = re.findall(r"<li><code>([0-9a-f]+)</code></li>", response.content.decode())
        assert len(codes) == 10
        device.refresh_from_db()
        assert device.confirmed
        assert StaticDevice.objects.get(user=self.editor).token_set.count() == 10
        assert self.client.get("/admin/").status_code == 200
        assert self.client.get("/admin/articles/article/").status_code == 200

    def test_a_wrong_code_is_refused_clearly_and_then_throttled(self):
        self.sign_in(self.editor)
        self.client.get(ENROL)
        device = TOTPDevice.objects.get(user=self.editor)
        response = self.client.post(ENROL, {"code": wrong_code(device)})
        self.assertContains(response, "That code is not valid")
        # Right away even the right code is refused: the wait doubles with each failure.
        response = self.client.post(ENROL, {"code": f"{code_for(device):06d}"})
        self.assertContains(response, "Too many wrong codes. Wait")
        device.refresh_from_db()
        assert not device.confirmed and device.throttling_failure_count == 1
        self.assert_sent_to_second_step(self.client.get("/admin/"))
        with time_machine.travel(timezone.now() + timedelta(seconds=5)):
            response = self.client.post(ENROL, {"code": f"{code_for(device):06d}"})
            assert response.status_code == 200
            assert self.client.get("/admin/").status_code == 200
        device.refresh_from_db()
        assert device.confirmed and device.throttling_failure_count == 0

    def test_bad_codes_on_the_code_page_and_the_throttle_there(self):
        device = self.device(self.editor)
        self.sign_in(self.editor)
        for code in ("", "12", "x" * 40):
            response = self.client.post(VERIFY, {"code": code})
            assert response.status_code == 200
            assert self.client.get("/admin/").status_code == 302
        response = self.client.post(VERIFY, {"code": wrong_code(device)})
        self.assertContains(response, "That code is not valid")
        with time_machine.travel(timezone.now() + timedelta(seconds=2)):
            self.assertContains(self.client.post(VERIFY, {"code": wrong_code(device)}), "not valid")
            # Two failures: the next try waits two seconds, right code or not.
            response = self.client.post(VERIFY, {"code": f"{code_for(device):06d}"})
            self.assertContains(response, "Too many wrong codes")
        self.assert_sent_to_second_step(self.client.get("/admin/"))

    def test_a_code_is_never_accepted_twice_and_logout_clears_verification(self):
        client, device = self.verified(self.editor)
        used = f"{code_for(device):06d}"
        assert client.get("/admin/").status_code == 200
        client.post(reverse("admin:logout"))
        assert "_auth_user_id" not in client.session
        self.sign_in(self.editor)
        # A new session is not verified: the old session's second step does not carry over.
        self.assert_sent_to_second_step(client.get("/admin/"))
        response = client.post(VERIFY, {"code": used})
        self.assertContains(response, "not valid")
        self.assert_sent_to_second_step(client.get("/admin/"))
        with time_machine.travel(timezone.now() + timedelta(seconds=31)):
            response = client.post(VERIFY, {"code": f"{code_for(device):06d}"})
            assert response.status_code == 302
            assert client.get("/admin/").status_code == 200

    def test_a_backup_code_signs_in_once(self):
        self.device(self.editor)
        backup = StaticDevice.objects.create(user=self.editor, name="Backup", confirmed=True)
        backup.token_set.create(token="abcd1234ef")
        self.sign_in(self.editor)
        assert self.client.post(VERIFY, {"code": "abcd1234ef"}).status_code == 302
        assert self.client.get("/admin/").status_code == 200
        self.client.post(reverse("admin:logout"))
        self.sign_in(self.editor)
        with time_machine.travel(timezone.now() + timedelta(seconds=5)):
            self.assertContains(self.client.post(VERIFY, {"code": "abcd1234ef"}), "not valid")
        assert not backup.token_set.exists()

    def test_someone_with_a_device_cannot_enrol_another_from_a_password(self):
        self.device(self.editor)
        self.sign_in(self.editor)
        response = self.client.get(ENROL)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
        assert TOTPDevice.objects.filter(user=self.editor).count() == 1

    def test_the_next_address_stays_in_the_admin(self):
        device = self.device(self.editor)
        self.sign_in(self.editor)
        targets = ("https://evil.example/", "//evil.example/admin/", "/", "/admin/mfa/")
        for minutes, target in enumerate(targets, start=1):
            self.client.post(reverse("admin:logout"))
            self.sign_in(self.editor)
            with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
                response = self.client.post(
                    VERIFY, {"code": f"{code_for(device):06d}", "next": target}
                )
            assert response.status_code == 302 and response["Location"] == "/admin/", target

    def test_anonymous_and_readers_are_sent_to_the_login(self):
        for url in (VERIFY, ENROL):
            response = self.client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))
        assert not TOTPDevice.objects.exists()

    def test_a_superuser_resets_a_lost_device(self):
        lost = self.device(self.editor)
        root, _ = self.verified(self.root, self.client_class())
        changelist = root.get(reverse("admin:otp_totp_totpdevice_changelist"))
        self.assertContains(changelist, "editor")
        assert lost.key not in changelist.content.decode()  # keys are never shown
        response = root.post(
            reverse("admin:otp_totp_totpdevice_delete", args=[lost.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=self.editor, confirmed=True).exists()
        self.sign_in(self.editor)
        response = self.client.get(VERIFY)
        assert response.status_code == 302 and response["Location"].startswith(ENROL)

    def test_a_lost_database_connection_in_the_check_is_a_retry_then_a_503(self):
        client, _ = self.verified(self.editor)
        lost = OperationalError("terminating connection due to administrator command")
        with mock.patch.object(AdminMFAMiddleware, "unverified", side_effect=[lost, False]):
            assert client.get("/admin/").status_code == 200
        with mock.patch.object(AdminMFAMiddleware, "unverified", side_effect=lost):
            response = client.post(reverse("admin:articles_tag_add"), {"name": "during-outage"})
        assert response.status_code == 503 and response["Retry-After"] == "5"
        assert not Tag.objects.filter(name="during-outage").exists()

    def test_editors_cannot_see_or_delete_devices(self):
        client, device = self.verified(self.editor)
        assert client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 403
        url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
        assert TOTPDevice.objects.filter(pk=device.pk).exists()


@override_settings(
    NEWSROOM_ADMIN_MFA=True,
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
class UnverifiedSessionSeesWhatReadersSeeTests(TestCase):
    """A session with the password but not the code is a reader everywhere, not only in the
    admin: no unpublished article on its public URL, no preview, autosave or presence."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = UserFactory(username="editor", role="Editor")
        cls.writer = UserFactory(username="writer", role="Writer")
        own = AuthorFactory(user=cls.writer)
        cls.draft = ready_article(draft=True, headline="Secret merger story", authors=[own])
        cls.live = ready_article(headline="Live travel story")

    def test_password_alone_shows_no_unpublished_article(self):
        draft_url = self.draft.get_absolute_url()
        for user in (self.editor, self.writer):
            client = self.client_class()
            TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
            sign_in(client, user)
            with self.subTest(user=user.username):
                response = client.get(draft_url)
                assert response.status_code == 404
                assert b"Secret merger story" not in response.content
                assert b"Not published" not in response.content
                assert client.get(self.live.get_absolute_url()).status_code == 200
                pk = self.draft.pk
                for method, url in (
                    ("get", reverse("admin:articles_article_preview", args=[pk])),
                    ("post", reverse("admin:articles_article_autosave", args=[pk])),
                    ("post", reverse("admin:articles_article_presence", args=[pk])),
                ):
                    response = getattr(client, method)(url)
                    assert response.status_code == 302
                    assert response["Location"].startswith(VERIFY)
                assert not EditLock.objects.exists() and not Autosave.objects.exists()

    def test_the_code_then_shows_the_draft_with_its_banner(self):
        client, _ = verified(self.client, self.editor)
        response = client.get(self.draft.get_absolute_url())
        assert response.status_code == 200
        assert b"Not published" in response.content
        assert (
            response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
        )

    def test_the_rule_itself_needs_the_code(self):
        # A user object that never went through django-otp's middleware is not verified.
        assert list(Article.objects.visible_to(self.editor)) == [self.live]
        assert not services.can_view(self.editor, self.draft)
        assert not services.can_work_on(self.editor, self.draft)
        assert not services.can_edit(self.writer, self.draft)
        with override_settings(NEWSROOM_ADMIN_MFA=False):
            assert services.can_view(self.editor, self.draft)
            assert services.can_edit(self.writer, self.draft)


@pytest.mark.django_db  # a check reads the publication's settings
def test_check_deploy_warns_when_the_second_step_is_off():
    with override_settings(NEWSROOM_ADMIN_MFA=False):
        ids = [m.id for m in run_checks(include_deployment_checks=True)]
    assert "newsroom.W010" in ids
    with override_settings(NEWSROOM_ADMIN_MFA=True):
        ids = [m.id for m in run_checks(include_deployment_checks=True)]
    assert "newsroom.W010" not in ids


def test_on_by_default_in_production_off_under_debug():
    show = ["shell", "-c", "from django.conf import settings; print(settings.NEWSROOM_ADMIN_MFA)"]

    def shown(env):
        return manage(*show, env=env).stdout.strip().splitlines()[-1]

    production = PRODUCTION_ENV  # manage() drops the suite's NEWSROOM_ADMIN_MFA=0
    assert shown(production) == "True"
    assert shown({**production, "DJANGO_DEBUG": "1"}) == "False"
    off = {**PRODUCTION_ENV, "NEWSROOM_ADMIN_MFA": "0"}
    assert shown(off) == "False"
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=off)
    assert result.returncode != 0 and "newsroom.W010" in result.stdout + result.stderr
    assert settings.NEWSROOM_ADMIN_MFA is False  # the rest of the suite runs without it


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend")
@override_settings(
    NEWSROOM_ADMIN_MFA=True,
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
)
class TerminatedBackendDuringTheCheckTests(TransactionTestCase):
    """A real backend killed while the second-factor check reads the session: no 500."""

    def setUp(self):
        self.addCleanup(connection.close)
        self.editor = UserFactory(username="editor", role="Editor")

    def test_the_check_retries_on_a_fresh_connection(self):
        verified(self.client, self.editor)
        real = SessionStore.load
        calls = []

        def kill_first(store):
            calls.append(1)
            if len(calls) == 1:
                pid = connection.cursor().connection.info.backend_pid
                with connection._nodb_cursor() as other:
                    other.execute("SELECT pg_terminate_backend(%s)", [pid])
            return real(store)

        with mock.patch.object(SessionStore, "load", kill_first):
            response = self.client.get("/admin/")
        assert len(calls) == 2
        assert response.status_code == 200
