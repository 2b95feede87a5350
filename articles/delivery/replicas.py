"""Reads on PostgreSQL streaming replicas (`NEWSROOM_REPLICA_URLS`, docs/operations.md).

`ReplicaMiddleware` decides, once per request, where its reads go: a reader's GET or HEAD of a
reader page, feed, sitemap, search or an anonymous API read goes to a healthy replica; the
admin, previews, the ad, newsletter and analytics endpoints, every other method, keyed API
reads and an editor who has just written stay on the primary. `ReplicaRouter` then sends the
reads of that request there (models of the sign-in, sessions, API keys and the task queue
always read the primary) and every write to the primary. Outside a request (tasks, the
scheduler, commands) nothing is set, so everything reads the primary.

Read your own writes: a request by a signed-in user that wrote (any non-read method, or an ORM
write) answers with a short-lived signed cookie; while it is valid, that user's reads go to
the primary. It is set only on a write's own response (never stored by a shared cache: the
admin and non-GET answers are never cached, and Varnish passes every signed-in request).

A replica is used only while it answers and lags at most `NEWSROOM_REPLICA_MAX_LAG` seconds:
checked with one cheap query per replica and process, kept `NEWSROOM_REPLICA_CHECK_SECONDS`;
one that fails (refused, timed out after `connect_timeout`, an error mid-request) is skipped
for `NEWSROOM_REPLICA_RETRY_SECONDS`, so at most one request per process and interval waits.
"""

import itertools
import logging
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

PIN_COOKIE = "newsroom_primary"
PIN_SALT = "articles.delivery.replicas.pin"
READ_METHODS = {"GET", "HEAD"}
# Apps whose rows decide who someone is or what runs next: always read from the primary.
PRIMARY_ONLY_APPS = {
    "admin",
    "auth",
    "sessions",
    "axes",
    "otp_static",
    "otp_totp",
    "django_otp",
    "django_tasks_db",
    "api",
}
# Seconds of replay behind the primary (0 when everything received is replayed; NULL when
# the server is not a standby at all, and then it is not used).
LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)

# The replica this request reads from (None: the primary), and whether it wrote.
_reading: ContextVar[str | None] = ContextVar("newsroom_replica", default=None)
_wrote: ContextVar[bool] = ContextVar("newsroom_replica_wrote", default=False)
# alias -> (monotonic time the verdict expires, usable?)
_health: dict[str, tuple[float, bool]] = {}
_turn = itertools.count()


def replica_aliases() -> list[str]:
    """The configured replicas' database aliases (empty: there are none)."""
    return list(getattr(settings, "NEWSROOM_REPLICAS", ()))


def lag_seconds(alias: str) -> float | None:
    """How far the replica's replay is behind, in seconds; None when it is not a standby."""
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_SQL)
        lag = cursor.fetchone()[0]
    return None if lag is None else float(lag)


def mark_down(alias: str) -> None:
    """Skip this replica for the retry interval (it failed under a request)."""
    _health[alias] = (time.monotonic() + settings.NEWSROOM_REPLICA_RETRY_SECONDS, False)
    try:
        connections[alias].close()
    except DatabaseError:
        connections[alias].connection = None


def is_usable(alias: str) -> bool:
    """Up and close enough behind the primary; the verdict is kept a second or two."""
    now = time.monotonic()
    expires, usable = _health.get(alias, (0.0, False))
    if now < expires:
        return usable
    try:
        lag = lag_seconds(alias)
    except DatabaseError as exc:
        logger.warning("Replica %s unavailable, reading from the primary: %s", alias, exc)
        mark_down(alias)
        return False
    usable = lag is not None and lag <= settings.NEWSROOM_REPLICA_MAX_LAG
    if not usable:
        logger.warning("Replica %s skipped: lag %s s", alias, lag)
    _health[alias] = (now + settings.NEWSROOM_REPLICA_CHECK_SECONDS, usable)
    return usable


def forget_health() -> None:
    """Drop every kept verdict (tests; a changed configuration)."""
    _health.clear()


def pick_replica() -> str | None:
    """A usable replica, taking turns between them; None when none is usable."""
    aliases = replica_aliases()
    if not aliases:
        return None
    start = next(_turn)
    for i in range(len(aliases)):
        alias = aliases[(start + i) % len(aliases)]
        if is_usable(alias):
            return alias
    return None


def is_pinned(request) -> bool:
    """This browser wrote a moment ago: it reads from the primary until the pin expires."""
    value = request.get_signed_cookie(
        PIN_COOKIE,
        default=None,
        salt=PIN_SALT,
        max_age=settings.NEWSROOM_REPLICA_PIN_SECONDS,
    )
    return value is not None


def reads_from_replica(request) -> bool:
    """A reader's read of a public surface (not the admin, not a write, not a keyed read)."""
    if request.method not in READ_METHODS:
        return False
    if request.path.startswith(settings.NEWSROOM_UNCACHED_PREFIXES):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    return not is_pinned(request)


class ReplicaMiddleware:
    """Choose the request's read database; pin a signed-in writer to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        alias = pick_replica() if reads_from_replica(request) else None
        reading, wrote = _reading.set(alias), _wrote.set(False)
        try:
            response = self.get_response(request)
            if _wrote.get() or request.method not in READ_METHODS:
                self.pin(request, response)
            return response
        finally:
            _reading.reset(reading)
            _wrote.reset(wrote)

    def process_exception(self, request, exception):
        """A replica that fails mid-request is skipped from now on; the database-fault
        middleware above retries the read, which then goes to the primary."""
        alias = _reading.get()
        if alias is not None and isinstance(
            exception, (DatabaseError, connections[alias].Database.Error)
        ):
            mark_down(alias)
            _reading.set(None)
        return None

    @staticmethod
    def pin(request, response):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or response.status_code >= 500:
            return
        response.set_signed_cookie(
            PIN_COOKIE,
            "1",
            salt=PIN_SALT,
            max_age=settings.NEWSROOM_REPLICA_PIN_SECONDS,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


class ReplicaRouter:
    """Reads of a replica-reading request go to its replica; everything else, the primary."""

    def db_for_read(self, model, **hints):
        alias = _reading.get()
        if alias is None or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        # Inside a transaction on the primary, read what that transaction sees.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        if model._meta.app_label != "sessions":
            _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS
