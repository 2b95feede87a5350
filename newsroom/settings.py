"""Newsroom settings: one file, configured from the environment (see .env.example)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 (debug only)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Full-text search fields and trigram lookups (articles/search/engine.py); harmless on SQLite.
    "django.contrib.postgres",
    "taggit",
    "django_prose_editor",
    "django_tasks_db",
    # Readable names in the admin (articles/apps.py): the apps themselves are unchanged.
    "articles.apps.LoginAttemptsConfig",
    # The admin's second factor (articles/mfa/views.py): TOTP apps, one-time backup codes.
    "django_otp",
    "articles.apps.AuthenticatorAppsConfig",
    "articles.apps.BackupCodesConfig",
    # The content API (articles/api/, docs/api.md); django-ninja serves its docs' assets.
    "ninja",
    "articles",
    "articles.api",
    # Old addresses answering 301 (articles/redirects/), and the WordPress import (docs/
    # migrating-from-wordpress.md) that fills them.
    "articles.redirects",
    # About, Contact, the ethics and corrections policies (articles/standing/).
    "articles.standing",
    "articles.wpimport",
    # Newsletters (articles/newsletters/, docs/newsletters.md): sign-up, issues, sends.
    "anymail",
    "articles.newsletters",
    # Reading figures and "Most read" (articles/analytics/, docs/analytics.md).
    "articles.analytics",
    # Live coverage of breaking stories (articles/live/, docs/live-coverage.md).
    "articles.live",
    # Breaking alerts (articles/alerts/) and web push (articles/push/); docs/alerts-and-push.md.
    "articles.alerts",
    "articles.push",
    "ads",
]

MIDDLEWARE = [
    # First for pages: a cache hit skips everything below yet replays the headers it produced.
    "articles.delivery.middleware.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "articles.delivery.middleware.permissions_policy",
    # The content API's CORS preflight (OPTIONS), answered before sessions and CSRF.
    "articles.api.http.cors_preflight",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A read whose database connection died is retried once, else a 503 with Retry-After.
    "articles.delivery.guards.DatabaseFaultMiddleware",
    # Which database a request reads from: a reader's read from a healthy replica, the rest from
    # the primary (articles/delivery/replicas.py; nothing happens without NEWSROOM_REPLICA_URLS).
    "articles.delivery.replicas.ReplicaMiddleware",
    # Below WhiteNoise (static files come pre-compressed), above everything that writes bodies.
    "articles.delivery.middleware.BreachSafeGZipMiddleware",
    # The ETag of the uncompressed body (the gzip middleware above makes it weak).
    "articles.delivery.middleware.content_etag",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then no admin page for a staff session without its code.
    "django_otp.middleware.OTPMiddleware",
    "articles.mfa.views.AdminMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "articles.delivery.middleware.publication_time_zone",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # NUL and other control characters in the address: 400 before any view reads them (inside
    # the security and CSP middleware, so the 400 carries the same headers as every page).
    "articles.delivery.guards.HostileInputMiddleware",
    # An address nothing answers (404), or a WordPress /?p=123: its redirect, if one is stored.
    "articles.redirects.middleware.redirects",
    # After Django's CSP middleware, so it adjusts the policy before the header is built.
    "ads.csp.AdsCspMiddleware",
    # Last, as django-axes asks: refuses logins while a username or address is locked out.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "articles.publication.site_context",
            ],
        },
    },
]

# SQLite file by default (zero configuration); PostgreSQL when DATABASE_URL is set.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL stops any statement running longer than this (milliseconds; 0 = no limit): a
# runaway query cannot hold a worker and a connection (docs/security.md, check 35).
STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "30000"))
# Parallel workers per query (PostgreSQL's max_parallel_workers_per_gather; 0 = none): the site's
# queries are small, and starting a Gather's workers cost more than the work (related stories
# at 100,000 articles: 7 ms with two workers, 0.8 ms without; docs/operations.md).
PARALLEL_WORKERS = int(os.environ.get("DATABASE_PARALLEL_WORKERS", "0"))
# The reader pages' hand-written queries (articles/pages/reads.py) are prepared once per connection
# after this many runs: PostgreSQL then skips planning them, most of their cost (the article
# page's four: 1.7 ms planning, 1.0 ms running). Empty: never (a transaction-mode PgBouncer
# without max_prepared_statements). Django's own queries are never prepared.
PREPARE_THRESHOLD = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5")
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (
        f"-c statement_timeout={STATEMENT_TIMEOUT_MS} "
        f"-c max_parallel_workers_per_gather={PARALLEL_WORKERS}"
    )
    options["prepare_threshold"] = int(PREPARE_THRESHOLD) if PREPARE_THRESHOLD else None
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # `make run` has the web server, the task worker and the scheduler writing one file: WAL lets
    # readers read while one writes; IMMEDIATE takes the write lock when a transaction starts
    # (a read turning into a write inside a transaction fails at once, busy timeout or not);
    # a writer waits up to `timeout` seconds for another's commit rather than erring with
    # "database is locked" (an upload's save answered 503 while the worker wrote renditions).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": float(os.environ.get("DATABASE_SQLITE_TIMEOUT", "20")),
        }
    )
# Reads on PostgreSQL streaming replicas (articles/delivery/replicas.py, docs/operations.md):
# one or more URLs, comma-separated; each becomes the database alias replica_1, replica_2, ….
# Empty (the default), or SQLite: no replicas, every read from the one database as before.
# A replica lagging more than MAX_LAG seconds is skipped; its health is checked at most every
# CHECK_SECONDS per process, and one that failed is left alone for RETRY_SECONDS. An editor who
# wrote reads from the primary for PIN_SECONDS (a signed cookie), so they see their own change.
NEWSROOM_REPLICA_URLS = env_list("NEWSROOM_REPLICA_URLS")
NEWSROOM_REPLICA_MAX_LAG = float(os.environ.get("NEWSROOM_REPLICA_MAX_LAG", "5"))
NEWSROOM_REPLICA_CHECK_SECONDS = float(os.environ.get("NEWSROOM_REPLICA_CHECK_SECONDS", "2"))
NEWSROOM_REPLICA_RETRY_SECONDS = float(os.environ.get("NEWSROOM_REPLICA_RETRY_SECONDS", "10"))
NEWSROOM_REPLICA_PIN_SECONDS = int(os.environ.get("NEWSROOM_REPLICA_PIN_SECONDS", "15"))
# libpq's connect timeout for a replica (seconds; 2 is its minimum): a replica host that does
# not answer costs one request per process and RETRY_SECONDS at most this long.
NEWSROOM_REPLICA_CONNECT_TIMEOUT = int(os.environ.get("NEWSROOM_REPLICA_CONNECT_TIMEOUT", "2"))
NEWSROOM_REPLICAS = []
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    for number, url in enumerate(NEWSROOM_REPLICA_URLS, start=1):
        replica = dj_database_url.parse(
            url,
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=True,
        )
        if not replica["ENGINE"].endswith("postgresql"):
            # Not the URL itself: it may carry a password.
            raise ImproperlyConfigured(
                f"NEWSROOM_REPLICA_URLS: entry {number} is not a PostgreSQL URL"
            )
        replica["OPTIONS"] = {
            **DATABASES["default"]["OPTIONS"],
            **replica.get("OPTIONS", {}),
            "connect_timeout": NEWSROOM_REPLICA_CONNECT_TIMEOUT,
        }
        # Tests never create a database on a replica: it reads the primary's test database.
        replica["TEST"] = {"MIRROR": "default"}
        DATABASES[f"replica_{number}"] = replica
        NEWSROOM_REPLICAS.append(f"replica_{number}")
if NEWSROOM_REPLICAS:
    DATABASE_ROUTERS = ["articles.delivery.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis cache when REDIS_URL is set; per-process memory otherwise.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "articles.delivery.backend.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # Redis down must not hang pages: fail fast, log, serve uncached.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The page cache (articles/delivery/middleware.py): shared-cache lifetimes in seconds, the
# application cache switch, and the reverse proxies (Varnish, deploy/varnish/) that purges are
# sent to.
# On by default with Redis: a per-process memory cache would not see purges made by the
# scheduler, the task worker or the other gunicorn workers.
NEWSROOM_PAGE_CACHE = env_bool("NEWSROOM_PAGE_CACHE", default=bool(os.environ.get("REDIS_URL")))
# Browsers revalidate every time (ETag → 304): a purge cannot reach a reader's browser.
NEWSROOM_CACHE_MAX_AGE = int(os.environ.get("NEWSROOM_CACHE_MAX_AGE", "0"))
NEWSROOM_CACHE_S_MAXAGE = int(os.environ.get("NEWSROOM_CACHE_S_MAXAGE", "600"))
NEWSROOM_CACHE_STALE_WHILE_REVALIDATE = 60
NEWSROOM_CACHE_STALE_IF_ERROR = 86400
# Purge marks must outlive every page entry they could make stale.
NEWSROOM_PURGE_MEMORY = 2 * NEWSROOM_CACHE_S_MAXAGE + 60
NEWSROOM_PURGE_URLS = env_list("NEWSROOM_PURGE_URLS")
# Seconds the committing request waits for each proxy's answer to its PURGE (connect and read):
# a proxy that is slower or down is left to the queued task's retry.
NEWSROOM_PURGE_TIMEOUT = float(os.environ.get("NEWSROOM_PURGE_TIMEOUT", "0.5"))
# With Redis: page entries each process keeps in its own memory while Redis reports no change
# to them (client-side tracking, articles/delivery/backend.py); 0 turns that off.
NEWSROOM_PAGE_CACHE_LOCAL = int(os.environ.get("NEWSROOM_PAGE_CACHE_LOCAL", "500"))
NEWSROOM_UNCACHED_PREFIXES = (
    "/admin/", "/preview/", "/ads/", "/newsletters/", "/analytics/", "/push/", "/sw.js",
)  # fmt: skip
# Query parameters a shared (page-cached) response may vary by, per path prefix, beyond the
# reader pages' `page`: the content API's read filters (articles/api/views/reads.py).
NEWSROOM_CACHED_QUERY = {
    "/api/v1/": (
        "section", "tag", "author", "published_after", "published_before", "updated_after",
        "updated_before", "q", "limit", "cursor", "count", "path",
    ),
}  # fmt: skip

# Live coverage (articles/live/, docs/live-coverage.md): how often readers' pages ask for new
# entries while the coverage is live (and paused); the poll's shared copies live that long.
# Writers publish their own entries only when NEWSROOM_LIVE_WRITERS_PUBLISH is on.
NEWSROOM_LIVE_POLL_SECONDS = int(os.environ.get("NEWSROOM_LIVE_POLL_SECONDS", "10"))
NEWSROOM_LIVE_PAUSED_POLL_SECONDS = int(os.environ.get("NEWSROOM_LIVE_PAUSED_POLL_SECONDS", "60"))
NEWSROOM_LIVE_WRITERS_PUBLISH = env_bool("NEWSROOM_LIVE_WRITERS_PUBLISH")
NEWSROOM_LIVE_PAGE_SIZE = 20
# Seconds between a live change's commit and its PURGE to Varnish (longer than a poll takes to
# render), so a poll fetched while the change committed is not kept after the purge.
NEWSROOM_LIVE_PROXY_PURGE_DELAY = float(os.environ.get("NEWSROOM_LIVE_PROXY_PURGE_DELAY", "1"))

# Reading figures (articles/analytics/, docs/analytics.md): hits wait in Redis (this URL, under
# this key prefix; REDIS_URL by default) or, without one, in each web process's memory, which
# writes them every N seconds. Do-Not-Track / Global Privacy Control: readers who send either
# are not counted while this is on. "Most read" is worked out every few minutes (the refresh)
# and kept this long in the default cache.
NEWSROOM_ANALYTICS_REDIS_URL = os.environ.get(
    "NEWSROOM_ANALYTICS_REDIS_URL", os.environ.get("REDIS_URL", "")
)
NEWSROOM_ANALYTICS_REDIS_PREFIX = os.environ.get("NEWSROOM_ANALYTICS_REDIS_PREFIX", "analytics:")
NEWSROOM_ANALYTICS_MEMORY_FLUSH_SECONDS = 10
NEWSROOM_ANALYTICS_HONOUR_DNT = env_bool("NEWSROOM_ANALYTICS_HONOUR_DNT", default=True)
NEWSROOM_ANALYTICS_MOST_READ_REFRESH = 300
NEWSROOM_ANALYTICS_MOST_READ_TTL = 900

# Web push (articles/push/, docs/alerts-and-push.md): off unless both keys are set
# (`manage.py generate_vapid_keys` prints a pair). The subject is the contact the push
# services may write to about our sends.
NEWSROOM_VAPID_PUBLIC_KEY = os.environ.get("NEWSROOM_VAPID_PUBLIC_KEY", "")
NEWSROOM_VAPID_PRIVATE_KEY = os.environ.get("NEWSROOM_VAPID_PRIVATE_KEY", "")
NEWSROOM_VAPID_SUBJECT = os.environ.get("NEWSROOM_VAPID_SUBJECT", "")
NEWSROOM_PUSH_BATCH_SIZE = int(os.environ.get("NEWSROOM_PUSH_BATCH_SIZE", "500"))
NEWSROOM_PUSH_PARALLEL_BATCHES = int(os.environ.get("NEWSROOM_PUSH_PARALLEL_BATCHES", "2"))
# Tests and benchmarks only: accept http:// push endpoints on loopback.
NEWSROOM_PUSH_ALLOW_LOOPBACK_HTTP = env_bool("NEWSROOM_PUSH_ALLOW_LOOPBACK_HTTP", default=False)

# Webhooks (articles/api/services.py): a delivery waits this long for an answer; this many
# failed attempts in a row turn a webhook off. Loopback receivers only when allowed (tests,
# a receiver on the same machine); private and reserved addresses never.
NEWSROOM_WEBHOOK_TIMEOUT = float(os.environ.get("NEWSROOM_WEBHOOK_TIMEOUT", "10"))
NEWSROOM_WEBHOOK_MAX_FAILURES = int(os.environ.get("NEWSROOM_WEBHOOK_MAX_FAILURES", "10"))
NEWSROOM_WEBHOOKS_ALLOW_LOOPBACK = env_bool("NEWSROOM_WEBHOOKS_ALLOW_LOOPBACK")

# Sessions live in the database so that a cache flush never logs editors out mid-edit.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Signing in lands on the newsroom admin (also when a forged ?next= pointed elsewhere).
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords a username is locked,
# and separately so is the address they came from, for the cool-off time. A superuser unlocks
# early by deleting the rows under Axes → Access attempts. The client address is REMOTE_ADDR;
# X-Forwarded-For counts only when DJANGO_TRUSTED_PROXY_COUNT says how many proxies set it.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "articles.delivery.guards.client_ip"
# A second factor (TOTP) for every staff account before any admin page (articles/mfa/views.py):
# on by default when DEBUG is off, off under DEBUG so the `make run` demo signs in in one step.
# `check --deploy` warns when it is off in production.
NEWSROOM_ADMIN_MFA = env_bool("NEWSROOM_ADMIN_MFA", default=not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("NEWSROOM_SITE_NAME", "Newsroom")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Large uploads wait here, outside MEDIA_ROOT (never served), until the task worker re-encodes them.
INCOMING_ROOT = Path(os.environ.get("NEWSROOM_INCOMING_ROOT", BASE_DIR / "incoming"))
# The WordPress import's media downloads refuse internal hosts (loopback, private, link-local,
# multicast, reserved). On only for tests or a mirror on this machine: allows loopback.
NEWSROOM_WPIMPORT_ALLOW_LOOPBACK = env_bool("NEWSROOM_WPIMPORT_ALLOW_LOOPBACK")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Media on S3-compatible object storage (django-storages, `pip install newsroom[s3]`) when
# NEWSROOM_S3_BUCKET is set; credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
if os.environ.get("NEWSROOM_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["NEWSROOM_S3_BUCKET"],
            "endpoint_url": os.environ.get("NEWSROOM_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("NEWSROOM_S3_REGION") or None,
            # A CDN or cookieless media host in front of the bucket, e.g. media.example.com
            "custom_domain": os.environ.get("NEWSROOM_MEDIA_DOMAIN") or None,
            "querystring_auth": False,  # media is public; URLs stay cacheable
            "file_overwrite": False,
            "default_acl": None,
        },
    }

# Tests render pages without running collectstatic first.
WHITENOISE_MANIFEST_STRICT = False

# Uploads: Django's limits are the second line behind the web server's body limit
# (`client_max_body_size 12m` in nginx, docs/operations.md). A form body without files may hold
# 5 MB in memory; a file part above 2.5 MB goes to a temporary file on disk, not into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Background work (django.tasks): a queue in the database that `manage.py db_worker` works
# through (django-tasks-db; workers claim with SELECT ... FOR UPDATE SKIP LOCKED, so any number
# may run). NEWSROOM_TASKS=immediate runs every task inline instead (no worker needed; the test
# suite does this).
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if os.environ.get("NEWSROOM_TASKS", "database") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default", "images"],
    }
}

# Tags are case-insensitive: "AI Ethics" and "ai ethics" are one tag.
TAGGIT_CASE_INSENSITIVE = True

# Security headers. HTTPS settings default on whenever DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY") else None
)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy. Public pages are cacheable, so they use no inline script and no
# nonces; ad slots reserve their size through CSS custom properties in a style attribute.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "style-src": [CSP.SELF],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "script-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Email: printed to the console in development; SMTP (configured here) otherwise.
if DEBUG and not os.environ.get("DJANGO_EMAIL_HOST"):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("DJANGO_EMAIL_PORT", "25")),
                "username": os.environ.get("DJANGO_EMAIL_USER", ""),
                "password": os.environ.get("DJANGO_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("DJANGO_EMAIL_USE_TLS"),
                # A mail server that hangs must not hold a task worker forever.
                "timeout": int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "20")),
            },
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "newsroom@localhost")

# Newsletters (docs/newsletters.md) go out through their own mailer: any ESP through
# django-anymail ("anymail.backends.mailgun.EmailBackend", ...; its keys in ANYMAIL below) or
# plain SMTP (the default mailer's settings) when NEWSROOM_NEWSLETTER_EMAIL_BACKEND is unset.
if os.environ.get("NEWSROOM_NEWSLETTER_EMAIL_BACKEND"):
    MAILERS["newsletters"] = {"BACKEND": os.environ["NEWSROOM_NEWSLETTER_EMAIL_BACKEND"]}
else:
    MAILERS["newsletters"] = dict(MAILERS["default"])
ANYMAIL = {
    # Each ESP's own key names, from the environment: NEWSROOM_ANYMAIL_MAILGUN_API_KEY, ...
    key.removeprefix("NEWSROOM_ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("NEWSROOM_ANYMAIL_")
}
# The ESPs whose tracking webhooks are served at /newsletters/esp/<esp>/tracking/ ("mailgun,...").
NEWSROOM_NEWSLETTER_WEBHOOK_ESPS = env_list("NEWSROOM_NEWSLETTER_WEBHOOK_ESPS")
# Recipients per batch task (ESPs differ: Mailgun takes 1,000 per call, SES 50), batch chains
# per send (one per worker that should share it), and the publisher's postal address (footer).
NEWSROOM_NEWSLETTER_BATCH_SIZE = int(os.environ.get("NEWSROOM_NEWSLETTER_BATCH_SIZE", "200"))
NEWSROOM_NEWSLETTER_PARALLEL_BATCHES = int(
    os.environ.get("NEWSROOM_NEWSLETTER_PARALLEL_BATCHES", "2")
)
# Mail connections each batch sends on at once (one thread each; docs/newsletters.md).
NEWSROOM_NEWSLETTER_CONNECTIONS = int(os.environ.get("NEWSROOM_NEWSLETTER_CONNECTIONS", "4"))
NEWSROOM_NEWSLETTER_LEASE_SECONDS = int(os.environ.get("NEWSROOM_NEWSLETTER_LEASE_SECONDS", "600"))
NEWSROOM_POSTAL_ADDRESS = os.environ.get("NEWSROOM_POSTAL_ADDRESS", "")
# The ads app's slot every newsletter issue carries (empty: none; docs/newsletters.md).
NEWSROOM_NEWSLETTER_AD_SLOT = os.environ.get("NEWSROOM_NEWSLETTER_AD_SLOT", "newsletter")

# Publication defaults until an administrator saves "Publication settings" in the admin.
NEWSROOM_SITE_NAME = os.environ.get("NEWSROOM_SITE_NAME", "Newsroom")
# The canonical address; without one, production uses https:// and its first allowed host.
_first_host = next((h for h in ALLOWED_HOSTS if not h.startswith((".", "*"))), "")
NEWSROOM_BASE_URL = os.environ.get("NEWSROOM_BASE_URL") or (
    f"https://{_first_host}" if _first_host and not DEBUG else "http://127.0.0.1:8000"
)
NEWSROOM_LANGUAGE = os.environ.get("NEWSROOM_LANGUAGE", "en")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django_tasks_db": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "articles": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # One line per task run (cache purges on every save) is noise; failures still show.
        "django.tasks": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
