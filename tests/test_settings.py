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


def test_replica_urls_become_read_aliases_on_postgresql_only():
    show = (
        "from django.conf import settings; d = settings.DATABASES; "
        "print(sorted(d), settings.NEWSROOM_REPLICAS, settings.DATABASE_ROUTERS); "
        "print({a: (d[a]['HOST'], d[a]['PORT'], d[a]['OPTIONS'].get('connect_timeout'), "
        "d[a]['TEST'].get('MIRROR')) for a in settings.NEWSROOM_REPLICAS})"
    )
    urls = "postgres://reader@10.0.0.2:5432/newsroom,postgres://reader@10.0.0.3/newsroom"
    pg = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}
    two = manage("shell", "-c", show, env={**pg, "NEWSROOM_REPLICA_URLS": urls})
    assert "['default', 'replica_1', 'replica_2'] ['replica_1', 'replica_2']" in two.stdout, (
        two.stderr
    )
    assert "['articles.delivery.replicas.ReplicaRouter']" in two.stdout
    assert "'replica_1': ('10.0.0.2', 5432, 2, 'default')" in two.stdout
    assert "'replica_2': ('10.0.0.3', '', 2, 'default')" in two.stdout
    # None configured: one database, no router, exactly as before.
    none = manage("shell", "-c", show, env=pg)
    assert "['default'] [] []" in none.stdout, none.stderr
    # SQLite has no streaming replicas: the setting changes nothing.
    sqlite_env = {**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///:memory:"}
    sqlite = manage("shell", "-c", show, env={**sqlite_env, "NEWSROOM_REPLICA_URLS": urls})
    assert "['default'] [] []" in sqlite.stdout, sqlite.stderr
    wrong = manage("check", env={**pg, "NEWSROOM_REPLICA_URLS": "mysql://x@h/db"})
    assert wrong.returncode != 0
    assert "is not a PostgreSQL URL" in wrong.stderr


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
