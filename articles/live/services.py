"""Every change to live coverage: start, pause, end; post, edit, publish, pin, mark, remove.

Each function checks the user's permission and the transition, saves inside
`transaction.atomic` with an `AuditEntry` on the article, and purges what readers see after
the commit. A change readers can see moves the coverage's `version` (under a row lock, so two
editors posting at once get two versions) and stamps the entry with it (`changed_in`): the
poll endpoint answers "what changed since version N" from that, and its cached copies are
purged by the coverage's key (`live_key`), which the article page carries too.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta

from asgiref.local import Local
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.utils.html import format_html

from articles.delivery import cache
from articles.live.models import CoverageState, EntryStatus, LiveCoverage, LiveEntry
from articles.models import Article, AuditEntry, passed_second_factor
from articles.richtext.sanitizer import clean_html

# Refusal messages (the tests reuse them).
NOT_ALLOWED = "You may not do this on live coverage."
EDITORS_ONLY = "Only editors can do this."
NOT_YOUR_ENTRY = "You can only change your own draft entries."
PUBLISH_REFUSED = "Only editors can publish entries."
ALREADY_LIVE = "This article already has live coverage."
COVERAGE_ENDED = "The coverage has ended: reopen it (set it live) to post or publish."
EMPTY_BODY = "Write something: an entry needs a body."
HEADLINE_TOO_LONG = "Keep the headline to 200 characters."
STALE_EDIT = (
    "Someone else changed this entry after you opened it. Your text is kept: compare it with "
    "theirs, then save again."
)
STATE_TRANSITION = "The coverage cannot go from {source} to {target}."
REMOVED_FINAL = "This entry was removed; it cannot be changed."

# Which coverage states may follow which.
STATE_TRANSITIONS = {
    CoverageState.LIVE: {CoverageState.PAUSED, CoverageState.ENDED},
    CoverageState.PAUSED: {CoverageState.LIVE, CoverageState.ENDED},
    CoverageState.ENDED: {CoverageState.LIVE},
}


def live_key(article_id) -> str:
    """The surrogate key of everything showing an article's live stream: its page, the poll
    endpoint at every version, "load more", entry share pages and the entries' feed."""
    return f"live-{article_id}"


# --- who may --------------------------------------------------------------------------------


def _staff(user) -> bool:
    return bool(user and user.is_active and user.is_staff and passed_second_factor(user))


def can_post(user) -> bool:
    """Writers and editors draft entries."""
    return _staff(user) and user.has_perm("live.add_liveentry")


def can_publish(user) -> bool:
    """Editors publish (and writers too when NEWSROOM_LIVE_WRITERS_PUBLISH is on)."""
    if not can_post(user):
        return False
    if user.has_perm("live.publish_liveentry"):
        return True
    return settings.NEWSROOM_LIVE_WRITERS_PUBLISH


def can_run_coverage(user) -> bool:
    """Editors start, pause, end and reopen coverage."""
    return _staff(user) and user.has_perm("live.change_livecoverage")


def can_change(user, entry: LiveEntry) -> bool:
    """Publishers change any entry; a writer their own drafts."""
    if can_publish(user):
        return True
    return can_post(user) and entry.status == EntryStatus.DRAFT and entry.created_by_id == user.pk


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- helpers ---------------------------------------------------------------------------------


# Set while a service runs: it purges exactly what it changed, once, so the model signals
# (for saves made in the admin's plain forms or a shell) stay quiet.
_in_service = Local()


@contextmanager
def _service():
    """A service's transaction, with the model signals' purges left to the service."""
    _in_service.active = getattr(_in_service, "active", 0) + 1
    try:
        with transaction.atomic():
            yield
    finally:
        _in_service.active -= 1


def _audit(coverage, action, by, from_status="", to_status="", note=""):
    AuditEntry.objects.create(
        article_id=coverage.article_id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note[:500],
        user=by,
    )


def _locked_coverage(coverage_id) -> LiveCoverage:
    return LiveCoverage.objects.select_for_update().get(pk=coverage_id)


def _locked_entry(entry_id) -> LiveEntry:
    return LiveEntry.objects.select_for_update().get(pk=entry_id)


def _clean_fields(headline, body) -> tuple[str, str]:
    headline = (headline or "").strip()
    if len(headline) > 200:
        raise ValidationError({"headline": HEADLINE_TOO_LONG})
    cleaned = clean_html(_paragraphs(body or "")).strip()
    if not cleaned:
        raise ValidationError({"body": EMPTY_BODY})
    return headline, cleaned


def _paragraphs(text: str) -> str:
    """Plain text typed in the composer becomes paragraphs; HTML is left to the sanitiser."""
    if "<" in text:
        return text
    blocks = [" ".join(b.split()) for b in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(format_html("<p>{}</p>", b) for b in blocks if b)


def _is_public(coverage) -> bool:
    return Article.objects.published().filter(pk=coverage.article_id).exists()


def _readers_see_change(coverage: LiveCoverage, *entries: LiveEntry, now=None) -> None:
    """Move the coverage's version (it is row-locked by the caller), stamp the entries with
    it, bump the article's updated time (its lastmod in the sitemaps) and purge after commit."""
    now = now or timezone.now()
    coverage.version = F("version") + 1
    fields = ["version"]
    if any(e.status == EntryStatus.PUBLISHED for e in entries):
        coverage.last_entry_at = now
        fields.append("last_entry_at")
    coverage.save(update_fields=fields)
    coverage.refresh_from_db(fields=["version"])
    for entry in entries:
        LiveEntry.objects.filter(pk=entry.pk).update(changed_in=coverage.version)
        entry.changed_in = coverage.version
    # Not save(): the article's own edit purges and revisions are not wanted for an entry.
    Article.objects.filter(pk=coverage.article_id).update(updated_at=now)
    purge_coverage(coverage)


def purge_coverage(coverage: LiveCoverage) -> None:
    """After the commit: the stream everywhere (page, polls, feed) and the sitemaps.

    The page cache is told at once (it compares each copy's render start with the purge, so a
    render that began before the commit is never kept). Varnish is told a moment later
    (`NEWSROOM_LIVE_PROXY_PURGE_DELAY`): a poll it was fetching when the change committed
    would otherwise land after the purge and be served, without the entry, for a whole
    interval (scripts/bench_live.py showed it: one entry in six reached readers 5 s late).
    """
    keys = sorted({live_key(coverage.article_id), cache.SITEMAPS, cache.FEEDS})

    def after_commit():
        cache.mark_purged(keys)
        delay = settings.NEWSROOM_LIVE_PROXY_PURGE_DELAY
        if not delay or not settings.NEWSROOM_PURGE_URLS:
            purge_proxies.enqueue(keys)
        elif purge_proxies.get_backend().supports_defer:
            later = timezone.now() + timedelta(seconds=delay)
            purge_proxies.using(run_after=later).enqueue(keys)
        else:  # tasks run inline (NEWSROOM_TASKS=immediate): a timer stands in for the queue
            timer = threading.Timer(delay, purge_proxies.call, [keys])
            timer.daemon = True
            timer.start()

    transaction.on_commit(after_commit, robust=True)


@task
def purge_proxies(keys: list[str]) -> None:
    """Send the proxies (Varnish) their PURGE for a live change."""
    for url in settings.NEWSROOM_PURGE_URLS:
        cache.send_purge(url, keys)


# --- coverage --------------------------------------------------------------------------------


def start_coverage(*, article: Article, by, auto_end_hours=None, ads_every=None) -> LiveCoverage:
    """Make an article live coverage (editors)."""
    _require(can_run_coverage(by), EDITORS_ONLY)
    with _service():
        Article.objects.select_for_update().get(pk=article.pk)
        if LiveCoverage.objects.filter(article=article).exists():
            raise ValidationError(ALREADY_LIVE)
        coverage = LiveCoverage(article=article)
        if auto_end_hours is not None:
            coverage.auto_end_hours = auto_end_hours
        if ads_every is not None:
            coverage.ads_every = ads_every
        coverage.save()
        _audit(coverage, "live_start", by, to_status=CoverageState.LIVE)
        _readers_see_change(coverage)
    return coverage


def set_state(*, coverage: LiveCoverage, state: str, by=None, note="") -> LiveCoverage:
    """Pause, end or reopen the coverage (editors; `by=None` is the clock ending it)."""
    if by is not None:
        _require(can_run_coverage(by), EDITORS_ONLY)
    with _service():
        current = _locked_coverage(coverage.pk)
        if state not in STATE_TRANSITIONS.get(current.state, set()):
            raise ValidationError(
                STATE_TRANSITION.format(source=current.state, target=state or "nothing")
            )
        source = current.state
        current.state = state
        current.ended_at = timezone.now() if state == CoverageState.ENDED else None
        current.save(update_fields=["state", "ended_at"])
        _audit(current, f"live_{state}", by, source, state, note)
        _readers_see_change(current)
    coverage.state, coverage.ended_at, coverage.version = (
        current.state,
        current.ended_at,
        current.version,
    )
    return current


def end_stale_coverage(*, now=None) -> int:
    """End every live or paused coverage whose last entry (or start) is older than its
    `auto_end_hours`; returns how many ended (the recurring job)."""
    now = now or timezone.now()
    ended = 0
    candidates = LiveCoverage.objects.exclude(state=CoverageState.ENDED).exclude(auto_end_hours=0)
    for coverage in candidates:
        last = coverage.last_entry_at or coverage.started_at
        if (now - last).total_seconds() >= coverage.auto_end_hours * 3600:
            hours = coverage.auto_end_hours
            note = f"Ended by the clock: no entry for {hours} hours."
            set_state(coverage=coverage, state=CoverageState.ENDED, note=note)
            ended += 1
    return ended


# --- entries ---------------------------------------------------------------------------------


def post_entry(
    *,
    coverage: LiveCoverage,
    by,
    body: str,
    headline: str = "",
    publish: bool = False,
    is_pinned: bool = False,
    is_key_event: bool = False,
    authors=(),
) -> LiveEntry:
    """Write a new entry: a draft, or published at once by someone who may publish."""
    _require(can_post(by), NOT_ALLOWED)
    if publish:
        _require(can_publish(by), PUBLISH_REFUSED)
    headline, body = _clean_fields(headline, body)
    with _service():
        current = _locked_coverage(coverage.pk)
        if publish and current.is_ended:
            raise ValidationError(COVERAGE_ENDED)
        now = timezone.now()
        entry = LiveEntry.objects.create(
            coverage=current,
            headline=headline,
            body=body,
            status=EntryStatus.PUBLISHED if publish else EntryStatus.DRAFT,
            is_pinned=is_pinned,
            is_key_event=is_key_event,
            published_at=now if publish else None,
            created_by=by,
        )
        entry.authors.set(authors or _authors_of(by))
        status = entry.status
        _audit(current, "live_entry_post", by, to_status=status, note=_describe(entry))
        if publish:
            _readers_see_change(current, entry, now=now)
    return entry


def _authors_of(user):
    from articles.models import Author

    return list(Author.objects.filter(user=user, is_active=True)[:1])


def _describe(entry: LiveEntry) -> str:
    return f"Entry {entry.pk}: {entry.headline or entry.body[:80]}"


def edit_entry(*, entry: LiveEntry, by, version: int, body: str, headline: str = "") -> LiveEntry:
    """Change an entry's words. `version` is the one the editor opened: if someone saved
    since, the edit is refused (`STALE_EDIT`) and nothing is lost."""
    _require(can_change(by, entry), NOT_YOUR_ENTRY)
    headline, body = _clean_fields(headline, body)
    with _service():
        current = _locked_coverage(entry.coverage_id)
        fresh = _locked_entry(entry.pk)
        _require(can_change(by, fresh), NOT_YOUR_ENTRY)
        if fresh.status == EntryStatus.REMOVED:
            raise ValidationError(REMOVED_FINAL)
        if fresh.version != version:
            raise ValidationError(STALE_EDIT, code="stale")
        fresh.headline, fresh.body = headline, body
        fresh.edited_at = timezone.now()
        fresh.version += 1
        fresh.save(update_fields=["headline", "body", "edited_at", "version"])
        _audit(current, "live_entry_edit", by, fresh.status, fresh.status, _describe(fresh))
        if fresh.status == EntryStatus.PUBLISHED:
            _readers_see_change(current, fresh)
    return fresh


def publish_entry(*, entry: LiveEntry, by) -> LiveEntry:
    """Put a draft entry before readers."""
    _require(can_publish(by), PUBLISH_REFUSED)
    with _service():
        current = _locked_coverage(entry.coverage_id)
        fresh = _locked_entry(entry.pk)
        if fresh.status != EntryStatus.DRAFT:
            raise ValidationError(f"Only a draft can be published; this entry is {fresh.status}.")
        if current.is_ended:
            raise ValidationError(COVERAGE_ENDED)
        now = timezone.now()
        fresh.status, fresh.published_at = EntryStatus.PUBLISHED, now
        fresh.version += 1
        fresh.save(update_fields=["status", "published_at", "version"])
        _audit(current, "live_entry_publish", by, EntryStatus.DRAFT, fresh.status, _describe(fresh))
        _readers_see_change(current, fresh, now=now)
    return fresh


def _set_flag(entry, by, field, value, action) -> LiveEntry:
    _require(can_publish(by) or can_change(by, entry), NOT_YOUR_ENTRY)
    with _service():
        current = _locked_coverage(entry.coverage_id)
        fresh = _locked_entry(entry.pk)
        _require(can_change(by, fresh), NOT_YOUR_ENTRY)
        if fresh.status == EntryStatus.REMOVED:
            raise ValidationError(REMOVED_FINAL)
        if getattr(fresh, field) == bool(value):
            return fresh
        setattr(fresh, field, bool(value))
        fresh.version += 1
        fresh.save(update_fields=[field, "version"])
        note = f"{_describe(fresh)} ({'on' if value else 'off'})"
        _audit(current, action, by, fresh.status, fresh.status, note)
        if fresh.status == EntryStatus.PUBLISHED:
            _readers_see_change(current, fresh)
    return fresh


def set_pinned(*, entry: LiveEntry, by, value: bool) -> LiveEntry:
    """Pin an entry above the others (or unpin it)."""
    return _set_flag(entry, by, "is_pinned", value, "live_entry_pin")


def set_key_event(*, entry: LiveEntry, by, value: bool) -> LiveEntry:
    """List an entry among the key events (or take it off)."""
    return _set_flag(entry, by, "is_key_event", value, "live_entry_key")


def remove_entry(*, entry: LiveEntry, by, note: str = "") -> LiveEntry:
    """Take an entry away from readers (it stays in the newsroom's records)."""
    _require(can_change(by, entry), NOT_YOUR_ENTRY)
    with _service():
        current = _locked_coverage(entry.coverage_id)
        fresh = _locked_entry(entry.pk)
        _require(can_change(by, fresh), NOT_YOUR_ENTRY)
        if fresh.status == EntryStatus.REMOVED:
            raise ValidationError(REMOVED_FINAL)
        was = fresh.status
        fresh.status = EntryStatus.REMOVED
        fresh.published_at = fresh.published_at or timezone.now()
        fresh.version += 1
        fresh.save(update_fields=["status", "published_at", "version"])
        _audit(current, "live_entry_remove", by, was, fresh.status, note or _describe(fresh))
        if was == EntryStatus.PUBLISHED:
            _readers_see_change(current, fresh)
    return fresh


# --- purges from elsewhere -------------------------------------------------------------------


def _coverage_saved(sender, instance, **kwargs):
    if getattr(_in_service, "active", 0):
        return
    cache.purge_on_commit({live_key(instance.article_id), cache.SITEMAPS, cache.FEEDS})


def _entry_saved(sender, instance, **kwargs):
    if getattr(_in_service, "active", 0):
        return
    # The services purge themselves; an admin or shell save purges the same keys.
    article_id = LiveCoverage.objects.filter(pk=instance.coverage_id).values_list(
        "article_id", flat=True
    )
    for pk in article_id:
        cache.purge_on_commit({live_key(pk), cache.FEEDS})


def connect() -> None:
    """Purge the stream on any save or delete of coverage or entries (admin, shell)."""
    cache._connect_rule(LiveCoverage, _coverage_saved, _coverage_saved)
    cache._connect_rule(LiveEntry, _entry_saved, _entry_saved)


NOTHING_TO_PUSH = "Publish an update first: the notification carries the newest one."


def send_push(*, coverage: LiveCoverage, by):
    """Notify the readers who follow this story (web push, topic `live:<article id>`) of its
    newest published update; the send's delivered and failed counts show on the composer."""
    from articles.live.reads import summary
    from articles.push import services as push

    latest = (
        LiveEntry.objects.published().filter(coverage=coverage).order_by("-published_at").first()
    )
    if latest is None:
        raise ValidationError(NOTHING_TO_PUSH)
    article = coverage.article
    with transaction.atomic():
        send = push.send_notification(
            topic=f"live:{article.pk}",
            title=article.headline,
            body=latest.headline or summary(latest, 200),
            url=f"{article.get_absolute_url()}#entry-{latest.pk}",
            by=by,
            source=f"live:{article.pk}",
        )
        _audit(coverage, "live_push", by, note=f"Push sent for {_describe(latest)}")
    return send
