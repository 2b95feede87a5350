"""Settings come from the environment; production-like settings pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

from django.test import TestCase

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "DJANGO_ALLOWED_HOSTS": "news.example.com",
    "DJANGO_DEBUG": "0",
}


def manage(*args, env):
    # Not the suite's own switches either (tests/conftest.py turns the admin's second factor off).
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k != "NEWSROOM_ADMIN_MFA"
    }
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_prepared_reads_can_be_switched_off_for_a_transaction_pooler():
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    env = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}
    default = manage("shell", "-c", show, env=env)
    off = manage("shell", "-c", show, env={**env, "DATABASE_PREPARE_THRESHOLD": ""})
    assert "'prepare_threshold': 5" in default.stdout, default.stderr
    assert "'prepare_threshold': None" in off.stdout, off.stderr


class SecurityHeaderTests(TestCase):
    def test_pages_carry_the_security_headers(self):
        response = self.client.get("/")
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        csp = response["Content-Security-Policy"]
        for directive in ["default-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]:
            assert directive in csp
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        )
