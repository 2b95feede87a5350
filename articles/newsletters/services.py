"""Every state change of the newsletters: sign-up and confirmation (double opt-in, consent
recorded), preferences, one-click unsubscribe, export and erasure, composing an issue, starting,
pausing and resuming a send, test sends, and the ESP's feedback (suppressions)."""

import hashlib
import hmac
import logging
import re
from datetime import timedelta
from urllib.parse import unquote

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import mailers
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.tasks import task
from django.utils import timezone

from articles.background.retries import retried
from articles.models import Article
from articles.newsletters import conf, emails, sending, tokens
from articles.newsletters.models import (
    Delivery,
    DeliveryStatus,
    Issue,
    IssueArticle,
    IssueStatus,
    LinkClick,
    Newsletter,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
)

logger = logging.getLogger(__name__)

INVALID_EMAIL = "Enter a valid email address."
NO_NEWSLETTER = "Choose at least one newsletter."
TOO_MANY = "Too many sign-ups from here just now. Please try again in an hour."
NOT_PUBLISHED = "Only published articles can go in an issue: {}."
NOT_DRAFT = "This issue has already been sent or is being sent; it can no longer be changed."
CANNOT_SEND = "You may not send newsletters."
NOT_SENDING = "Only an issue that is sending can be paused."
NOT_PAUSED = "Only a paused issue can be resumed."
EMPTY_ISSUE = "Add at least one published article before sending."
SCHEDULE_IN_PAST = "Choose a time in the future to send the issue."
NOT_SCHEDULED = "This issue is not scheduled."
NOT_BREAKING = "This newsletter is not offered on the publish step."
BREAKING_NOT_PUBLISHED = "Only a published story can be sent to a newsletter."
BREAKING_ALREADY = "This story has already been sent to {}."


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(INVALID_EMAIL) from None
    return email


def hash_ip(ip: str) -> str:
    """A keyed hash of an IP address: the consent record never holds the address itself."""
    if not ip:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


def _over_limit(key: str, limit: int) -> bool:
    """Count one more sign-up for `key` this hour; True once it passes `limit`."""
    window = timezone.now().strftime("%Y%m%d%H")
    cache_key = f"newsletters:signup:{key}:{window}"
    cache.add(cache_key, 0, 3600)
    try:
        return cache.incr(cache_key) > limit
    except ValueError:  # expired between add and incr
        return False


# --- subscribers ---------------------------------------------------------------------------


def subscribe(*, email: str, newsletters, form: str, ip: str = "") -> Subscriber | None:
    """Record a sign-up as pending, with its consent, and mail the confirmation link.

    The answer is the same whether the address was known or not (no one learns who reads
    what); an address already subscribed to everything it asked for gets no mail.
    Raises ValidationError for a bad address, no newsletter, or past the rate limits.
    """
    email = normalize_email(email)
    newsletters = list(newsletters)
    if not newsletters:
        raise ValidationError(NO_NEWSLETTER)
    per_address, per_ip = conf.signup_limits()
    ip_hash = hash_ip(ip)
    address_hash = hashlib.sha256(email.encode()).hexdigest()
    if (ip_hash and _over_limit(f"ip:{ip_hash}", per_ip)) or _over_limit(
        f"address:{address_hash}", per_address
    ):
        raise ValidationError(TOO_MANY, code="rate_limited")
    now = timezone.now()
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(email=email)
        pending = []
        for newsletter in newsletters:
            subscription, created = Subscription.objects.select_for_update().get_or_create(
                subscriber=subscriber,
                newsletter=newsletter,
                defaults={
                    "consent_form": form,
                    "consent_wording_version": conf.CONSENT_VERSION,
                    "consent_ip_hash": ip_hash,
                    "consent_at": now,
                },
            )
            if subscription.status == SubscriptionStatus.ACTIVE:
                continue
            if not created:  # asked again: the newest consent is the one on record
                subscription.status = SubscriptionStatus.PENDING
                subscription.consent_form = form
                subscription.consent_wording_version = conf.CONSENT_VERSION
                subscription.consent_ip_hash = ip_hash
                subscription.consent_at = now
                subscription.save()
            pending.append(newsletter)
        if pending:
            kwargs = {"subscriber_id": subscriber.pk, "newsletter_ids": [n.pk for n in pending]}
            transaction.on_commit(lambda: send_confirmation.enqueue(**kwargs))
    return subscriber


@task
def send_confirmation(*, subscriber_id: int, newsletter_ids: list[int], attempt: int = 1):
    """Mail the double opt-in link (on the queue: a slow or absent mail server never holds up
    or fails the reader's sign-up; retried with backoff)."""
    with retried(
        send_confirmation,
        attempt=attempt,
        subscriber_id=subscriber_id,
        newsletter_ids=newsletter_ids,
    ):
        subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
        newsletters = list(Newsletter.objects.filter(pk__in=newsletter_ids))
        if subscriber is None or not newsletters:
            return
        token = tokens.confirm_token(subscriber=subscriber, newsletter_ids=newsletter_ids)
        emails.confirmation_message(
            subscriber=subscriber, newsletters=newsletters, token=token
        ).send()


def confirm(*, token: str) -> Subscriber | None:
    """Confirm the sign-up a confirmation link names (POST only); None for a bad link."""
    data = tokens.read_confirm_token(token)
    if data is None:
        return None
    subscriber = Subscriber.objects.filter(pk=data.get("s")).first()
    if subscriber is None:
        return None
    now = timezone.now()
    Subscription.objects.filter(
        subscriber=subscriber,
        newsletter_id__in=data.get("n", []),
        status=SubscriptionStatus.PENDING,
    ).update(status=SubscriptionStatus.ACTIVE, confirmed_at=now, unsubscribed_at=None)
    return subscriber


def subscriber_from_token(token: str) -> tuple[Subscriber, int] | None:
    """The subscriber (and newsletter id, 0 for none) a preferences/unsubscribe link names."""
    parsed = tokens.read_subscriber_token(token)
    if parsed is None:
        return None
    subscriber_id, newsletter_id, secret = parsed
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not hmac.compare_digest(subscriber.secret[:8], secret):
        return None
    return subscriber, newsletter_id


def unsubscribe(*, subscriber: Subscriber, newsletter_ids=None) -> int:
    """Leave the given newsletters (all of them when None), at once; return how many."""
    rows = Subscription.objects.filter(subscriber=subscriber).exclude(
        status=SubscriptionStatus.UNSUBSCRIBED
    )
    if newsletter_ids is not None:
        rows = rows.filter(newsletter_id__in=newsletter_ids)
    return rows.update(status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now())


# The List-Unsubscribe mailto's subject: "unsubscribe <signed token>" (emails.recipient).
MAILTO_SUBJECT = re.compile(r"\bunsubscribe\s+(\S+)", re.IGNORECASE)


def unsubscribe_by_mail(*, subject: str) -> int | None:
    """A mail to the List-Unsubscribe mailto address: leave the newsletter its signed token
    names (all of them for a preferences token). None when the subject carries no valid
    token (forged, or the subscriber erased since): nothing changes."""
    found = MAILTO_SUBJECT.search(subject or "")
    if found is None:
        return None
    parsed = subscriber_from_token(unquote(found.group(1)))
    if parsed is None:
        return None
    subscriber, newsletter_id = parsed
    return unsubscribe(
        subscriber=subscriber, newsletter_ids=[newsletter_id] if newsletter_id else None
    )


def record_inbound_mail(sender, event, esp_name, **kwargs):
    """anymail's inbound signal: a mail the ESP received for the unsubscribe address."""
    message = event.message
    if message is None:
        return
    left = unsubscribe_by_mail(subject=message.subject or "")
    logger.info("Unsubscribe mail through %s: %s", esp_name, "done" if left is not None else
                "no valid token")  # fmt: skip


def set_preferences(*, subscriber: Subscriber, newsletter_ids) -> None:
    """Keep exactly the chosen newsletters (from the signed preferences page)."""
    chosen = set(newsletter_ids)
    now = timezone.now()
    with transaction.atomic():
        unsubscribe(
            subscriber=subscriber,
            newsletter_ids=list(
                subscriber.subscriptions.exclude(newsletter_id__in=chosen).values_list(
                    "newsletter_id", flat=True
                )
            ),
        )
        for newsletter in Newsletter.objects.filter(pk__in=chosen, is_public=True):
            # Coming from a link in their own inbox proves the address: no second opt-in.
            Subscription.objects.update_or_create(
                subscriber=subscriber,
                newsletter=newsletter,
                defaults={
                    "status": SubscriptionStatus.ACTIVE,
                    "confirmed_at": now,
                    "unsubscribed_at": None,
                },
                create_defaults={
                    "status": SubscriptionStatus.ACTIVE,
                    "confirmed_at": now,
                    "consent_at": now,
                    "consent_form": "preferences",
                    "consent_wording_version": conf.CONSENT_VERSION,
                },
            )


def export_subscriber(*, subscriber: Subscriber) -> dict:
    """Everything kept about a subscriber, for a data request."""
    return {
        "email": subscriber.email,
        "created_at": subscriber.created_at.isoformat(),
        "subscriptions": [
            {
                "newsletter": s.newsletter.name,
                "status": s.status,
                "consent_at": s.consent_at.isoformat(),
                "consent_form": s.consent_form,
                "consent_wording_version": s.consent_wording_version,
                "consent_ip_hash": s.consent_ip_hash,
                "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
                "unsubscribed_at": s.unsubscribed_at.isoformat() if s.unsubscribed_at else None,
            }
            for s in subscriber.subscriptions.select_related("newsletter")
        ],
        "deliveries": [
            {
                "issue": d.issue.subject,
                "status": d.status,
                "sent_at": d.sent_at and d.sent_at.isoformat(),
            }
            for d in subscriber.deliveries.select_related("issue")
        ],
    }


def erase_subscriber(*, subscriber: Subscriber) -> None:
    """Forget a subscriber: their subscriptions and consent go, delivery rows lose the address
    (the issue's counts stay right). A suppression entry, if any, stays: it exists so that
    the address is never mailed again."""
    with transaction.atomic():
        Delivery.objects.filter(subscriber=subscriber).update(email="", subscriber=None)
        subscriber.delete()


# --- composing and sending -----------------------------------------------------------------


def _can_send(user) -> bool:
    return bool(user and user.is_active and user.has_perm("newsletters.change_issue"))


def set_issue_articles(*, issue: Issue, article_ids, by=None) -> None:
    """Put these articles in the issue, in this order; only published ones (the canary)."""
    if issue.status != IssueStatus.DRAFT:
        raise ValidationError(NOT_DRAFT)
    article_ids = list(dict.fromkeys(article_ids))
    live = set(Article.objects.published().filter(pk__in=article_ids).values_list("pk", flat=True))
    refused = [str(pk) for pk in article_ids if pk not in live]
    if refused:
        raise ValidationError(NOT_PUBLISHED.format(", ".join(refused)))
    with transaction.atomic():
        issue.items.all().delete()
        IssueArticle.objects.bulk_create(
            IssueArticle(issue=issue, article_id=pk, position=n) for n, pk in enumerate(article_ids)
        )


DIGEST_LIMIT = 12


def compose_digest(*, issue: Issue, limit: int = DIGEST_LIMIT) -> int:
    """Fill the issue with the newest published stories since the newsletter's last issue
    went out (a week at most), from its digest sections and tags; return how many."""
    newsletter = issue.newsletter
    last = (
        Issue.objects.filter(newsletter=newsletter, send_started_at__isnull=False)
        .exclude(pk=issue.pk)
        .order_by("-send_started_at")
        .values_list("send_started_at", flat=True)
        .first()
    )
    since = max(last or timezone.now() - timedelta(days=7), timezone.now() - timedelta(days=7))
    stories = Article.objects.published().filter(published_at__gt=since)
    sections = list(newsletter.digest_sections.values_list("pk", flat=True))
    tags = list(newsletter.digest_tags.values_list("pk", flat=True))
    if sections or tags:
        stories = stories.filter(Q(section__in=sections) | Q(tags__in=tags))
    ids = list(
        stories.order_by("-published_at", "-pk").values_list("pk", flat=True).distinct()[:limit]
    )
    set_issue_articles(issue=issue, article_ids=ids)
    return len(ids)


def start_send(*, issue: Issue, by) -> Issue:
    """Start sending the issue to every active subscriber (a second start does nothing)."""
    if not _can_send(by):
        raise PermissionDenied(CANNOT_SEND)
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if issue.status != IssueStatus.DRAFT:
            return issue
        if not emails.issue_articles(issue) and not issue.introduction.strip():
            raise ValidationError(EMPTY_ISSUE)
        issue.status = IssueStatus.SENDING
        issue.send_started_at = timezone.now()
        issue.save(update_fields=["status", "send_started_at"])
        issue_id = issue.pk
        transaction.on_commit(lambda: sending.prepare_send.enqueue(issue_id=issue_id))
    return issue


def schedule_send(*, issue: Issue, at, by) -> Issue:
    """Have the issue start sending by itself at `at` (the sweep starts it when due)."""
    if not _can_send(by):
        raise PermissionDenied(CANNOT_SEND)
    if at is None or at <= timezone.now():
        raise ValidationError(SCHEDULE_IN_PAST)
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if issue.status != IssueStatus.DRAFT:
            raise ValidationError(NOT_DRAFT)
        if not emails.issue_articles(issue) and not issue.introduction.strip():
            raise ValidationError(EMPTY_ISSUE)
        issue.scheduled_at, issue.scheduled_by = at, by
        issue.save(update_fields=["scheduled_at", "scheduled_by"])
    return issue


def cancel_schedule(*, issue: Issue, by) -> Issue:
    """Stop a scheduled issue from starting; it stays a draft, to send or schedule again."""
    if not _can_send(by):
        raise PermissionDenied(CANNOT_SEND)
    if not Issue.objects.filter(
        pk=issue.pk, status=IssueStatus.DRAFT, scheduled_at__isnull=False
    ).update(scheduled_at=None, scheduled_by=None):
        raise ValidationError(NOT_SCHEDULED)
    issue.refresh_from_db()
    return issue


def start_due(*, now=None) -> list[int]:
    """Start every scheduled issue whose time has come, as the editor who scheduled it
    (one whose editor may no longer send stays scheduled, and is logged)."""
    now = now or timezone.now()
    started = []
    due = Issue.objects.filter(
        status=IssueStatus.DRAFT, scheduled_at__isnull=False, scheduled_at__lte=now
    ).select_related("scheduled_by")
    for issue in due:
        try:
            start_send(issue=issue, by=issue.scheduled_by)
        except (PermissionDenied, ValidationError) as exc:
            logger.warning("Scheduled issue %s was not started: %s", issue.pk, exc)
            continue
        started.append(issue.pk)
    return started


def breaking_newsletters():
    """The newsletters an editor may send a story to as it is published."""
    return Newsletter.objects.filter(is_breaking=True)


def send_breaking(*, article: Article, newsletter: Newsletter, by) -> Issue:
    """Send a published story to a breaking newsletter now: an issue of that story alone,
    at most once per story and newsletter (a second call is refused and changes nothing)."""
    if not _can_send(by):
        raise PermissionDenied(CANNOT_SEND)
    if not newsletter.is_breaking:
        raise ValidationError(NOT_BREAKING)
    if not Article.objects.published().filter(pk=article.pk).exists():
        raise ValidationError(BREAKING_NOT_PUBLISHED)
    try:
        with transaction.atomic():
            issue = Issue.objects.create(
                newsletter=newsletter,
                subject=article.headline,
                preheader=(article.standfirst or "")[:200],
                breaking_article=article,
                created_by=by,
            )
            IssueArticle.objects.create(issue=issue, article=article, position=0)
    except IntegrityError:
        raise ValidationError(BREAKING_ALREADY.format(newsletter.name)) from None
    return start_send(issue=issue, by=by)


def send_breaking_on_publish(*, article: Article, by, values) -> list[str]:
    """The publish step's "send to Breaking" choice (run after the publish commits): send the
    story to each chosen breaking newsletter; return what went wrong, for the editor."""
    problems = []
    ids = {int(v) for v in values if str(v).isdigit()}
    for newsletter in breaking_newsletters().filter(pk__in=ids):
        try:
            send_breaking(article=article, newsletter=newsletter, by=by)
        except (PermissionDenied, ValidationError) as exc:
            problems.extend(getattr(exc, "messages", [str(exc)]))
    return problems


def pause_send(*, issue: Issue, by) -> Issue:
    """Stop sending after the batches now running; nothing is lost or sent twice."""
    if not _can_send(by):
        raise PermissionDenied(CANNOT_SEND)
    if not Issue.objects.filter(pk=issue.pk, status=IssueStatus.SENDING).update(
        status=IssueStatus.PAUSED
    ):
        raise ValidationError(NOT_SENDING)
    issue.refresh_from_db()
    return issue


def resume_send(*, issue: Issue, by) -> Issue:
    """Carry on a paused send where it stopped."""
    if not _can_send(by):
        raise PermissionDenied(CANNOT_SEND)
    with transaction.atomic():
        if not Issue.objects.filter(pk=issue.pk, status=IssueStatus.PAUSED).update(
            status=IssueStatus.SENDING
        ):
            raise ValidationError(NOT_PAUSED)
        issue_id = issue.pk
        transaction.on_commit(lambda: sending.prepare_send.enqueue(issue_id=issue_id))
    issue.refresh_from_db()
    return issue


def send_test(*, issue: Issue, to: str, by) -> None:
    """Send the issue as readers will get it to one address (the editor's own), now."""
    if not _can_send(by):
        raise PermissionDenied(CANNOT_SEND)
    to = normalize_email(to)
    rendered = emails.render_issue(issue)
    message = emails.issue_message(
        rendered, subscriber=Subscriber(pk=0, email=to), email=to, test=True
    )
    mailers[conf.mailer()].send_messages([message])


def progress(issue: Issue) -> dict[str, int]:
    """How many of the issue's deliveries are in each state."""
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    for row in issue.deliveries.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in DeliveryStatus.values)
    return counts


# --- feedback ------------------------------------------------------------------------------

# Anymail's normalised event types, and what each does to the delivery row.
EVENT_STATUS = {
    "delivered": DeliveryStatus.DELIVERED,
    "bounced": DeliveryStatus.BOUNCED,
    "rejected": DeliveryStatus.BOUNCED,
    "complained": DeliveryStatus.COMPLAINED,
    "failed": DeliveryStatus.FAILED,
}
SUPPRESS = {
    "bounced": SuppressionReason.BOUNCED,
    "rejected": SuppressionReason.BOUNCED,
    "complained": SuppressionReason.COMPLAINED,
    "unsubscribed": SuppressionReason.UNSUBSCRIBED,
}


def suppress(*, email: str, reason: str, detail: str = "") -> Suppression:
    """Never send to `email` again (idempotent); their subscriptions end too."""
    email = email.strip().lower()
    try:
        with transaction.atomic():
            suppression, _ = Suppression.objects.get_or_create(
                email=email, defaults={"reason": reason, "detail": detail[:2000]}
            )
    except IntegrityError:  # a concurrent webhook got there first
        suppression = Suppression.objects.get(email=email)
    Subscription.objects.filter(subscriber__email=email).exclude(
        status=SubscriptionStatus.UNSUBSCRIBED
    ).update(status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    return suppression


def record_tracking_event(sender, event, esp_name, **kwargs):
    """Anymail's `tracking` signal (its webhook view has checked the signature)."""
    recipient = (event.recipient or "").strip().lower()
    rows = Delivery.objects.none()
    if event.message_id:
        rows = Delivery.objects.filter(message_id=event.message_id)
    if recipient and event.event_type in SUPPRESS:
        # A bounce counts only when permanent (anymail reports soft ones as "deferred").
        suppress(
            email=recipient,
            reason=SUPPRESS[event.event_type],
            detail=f"{esp_name}: {event.description or event.reject_reason or ''}",
        )
    status = EVENT_STATUS.get(event.event_type)
    if status:
        rows.update(
            status=status, updated_at=timezone.now(), error=(event.description or "")[:2000]
        )
    elif event.event_type == "opened":
        rows.filter(opened_at=None).update(opened_at=event.timestamp or timezone.now())


def record_click(*, token: str) -> str | None:
    """Count one click on a link of an issue; return where to send the reader (None: forged)."""
    parsed = tokens.read_click_token(token)
    if parsed is None:
        return None
    issue_id, url = parsed
    if not Issue.objects.filter(pk=issue_id).exists():
        return None
    with transaction.atomic():
        click, _ = LinkClick.objects.get_or_create(issue_id=issue_id, url=url)
        LinkClick.objects.filter(pk=click.pk).update(count=F("count") + 1)
    return url
