"""The role × URL matrix, generated from the URL resolver: every route, every role, a GET.

`tests/security/urlmap.py` walks the resolver. Every admin model's standard URLs are checked
against MODEL_ACCESS (the newsroom's roles, restated here on purpose: a change to
`articles/roles.py` must change this table too); every other route needs a row in ROUTES. A
route that has neither fails `test_every_url_has_a_row`: a new URL is never unchecked.
State changes (POST) per role are in tests/articles/test_admin_matrix.py and test_csrf.py.
"""

import uuid
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import TestCase, override_settings
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from ads.models import AdsTxtRecord, AdsTxtVariable, Sponsorship, SuppressionRule
from articles import services
from articles.alerts.models import Alert
from articles.analytics.models import MostReadExclusion
from articles.api.models import Webhook, WebhookDelivery, WebhookEvent
from articles.api.services import create_api_key
from articles.background.models import TaskFailure
from articles.live.models import LiveCoverage, LiveEntry
from articles.models import AuditEntry, Author, RelatedPin, Revision, Tag
from articles.newsletters.models import Delivery, Issue, LinkClick, Newsletter, Suppression
from articles.publication import save_publication
from articles.publication.models import Publication
from articles.push.models import PushSend
from articles.redirects.models import Redirect
from articles.standing.models import Page
from articles.wpimport.models import ImportRun
from tests.articles.test_services import ready_article
from tests.factories import (
    AdSlotFactory,
    CreativeFactory,
    PlacementFactory,
    SubscriptionFactory,
    UserFactory,
    library_image,
)
from tests.security.urlmap import INT_PLACEHOLDER, STR_PLACEHOLDER, url_patterns

ROLES = ["anonymous", "writer", "editor", "ad_manager", "superuser"]
LOGIN = "login"
DENY = "deny"  # 403, or the admin's "does not exist" redirect for rows the user may not see
W, E, A, SU = "writer", "editor", "ad_manager", "superuser"

# Model → {role: actions} with v(iew) a(dd) c(hange) d(elete); superusers hold everything.
MODEL_ACCESS = {
    "articles.article": {W: "vac", E: "vacd", A: "v"},
    "articles.auditentry": {E: "v"},
    "articles.revision": {W: "v", E: "v"},
    "articles.author": {W: "v", E: "vacd"},
    "articles.section": {W: "v", E: "vacd", A: "v"},
    "articles.tag": {W: "va", E: "vacd", A: "v"},
    **{
        f"ads.{model}": {A: "vacd"}
        for model in (
            "adslot",
            "creative",
            "placement",
            "sponsorship",
            "suppressionrule",
            "adstxtrecord",
            "adstxtvariable",
        )
    },
    "articles.correction": {W: "v", E: "va"},  # notes on live articles; public anyway
    "articles.relatedpin": {E: "vacd"},
    "articles.image": {W: "vac", E: "vacd"},
    "articles.publication": {},
    "articles.taskfailure": {E: "v"},
    "django_tasks_database.dbtaskresult": {},
    "auth.group": {},
    "auth.user": {},
    "axes.accessattempt": {},
    "axes.accesslog": {},
    "axes.accessfailurelog": {},
    # Second-factor devices: superusers list and delete them (a reset); nobody else.
    "otp_totp.totpdevice": {},
    "otp_static.staticdevice": {},
    # The content API's keys and webhooks: administrators only (articles/api/admin.py).
    "api.apikey": {},
    "api.webhook": {},
    "api.webhookdelivery": {},
    # Newsletters (articles/newsletters/admin.py): editors compose and send; readers' data
    # and the send records are theirs to read, not to write.
    "newsletters.newsletter": {E: "vacd"},
    "newsletters.issue": {E: "vacd"},
    "newsletters.subscriber": {E: "v"},
    "newsletters.delivery": {E: "v"},
    "newsletters.suppression": {E: "va"},
    "newsletters.linkclick": {E: "v"},
    # Reading figures (articles/analytics/admin.py): writers and editors read them (writers
    # their own stories); editors keep articles out of "Most read".
    "analytics.dailycount": {W: "v", E: "v"},
    "analytics.mostreadexclusion": {E: "vacd"},
    # Live coverage (articles/live/admin.py): editors start and run it; writers open it to
    # draft entries in the composer (the composer's own endpoints check each action).
    "live.livecoverage": {W: "v", E: "vac"},
    # Breaking alerts and push sends (docs/alerts-and-push.md): editors set alerts and send
    # them as push; sends are a record, made by the service, never by hand.
    "alerts.alert": {E: "vacd"},
    "push.pushsend": {E: "v"},
    # Redirects, standing pages and WordPress imports: administrators.
    "redirects.redirect": {},
    "standing.page": {},
    "wpimport.importrun": {},
}
# What the admin refuses whatever the permissions: logs are never added by hand, the audit
# log is never deleted, and the sample article was published (never deleted).
NEVER = {
    ("articles.auditentry", "a"),
    ("articles.auditentry", "d"),
    ("articles.revision", "a"),
    ("articles.article", "d"),
    ("axes.accessattempt", "a"),
    ("articles.correction", "c"),  # notes are append-only
    ("articles.correction", "d"),
    ("articles.publication", "a"),  # one row, which exists here
    ("articles.publication", "d"),
    ("articles.taskfailure", "a"),  # a log, as the audit log
    ("articles.taskfailure", "c"),
    ("django_tasks_database.dbtaskresult", "a"),  # the queue fills it, never a person
    ("django_tasks_database.dbtaskresult", "d"),
    ("axes.accesslog", "a"),
    ("axes.accessfailurelog", "a"),
    ("otp_totp.totpdevice", "a"),  # people enrol themselves (articles/mfa/views.py)
    ("otp_static.staticdevice", "a"),
    ("api.apikey", "d"),  # keys are revoked (kept for the audit log), never deleted
    ("api.webhook", "d"),  # webhooks are turned off, their delivery log kept
    ("api.webhookdelivery", "a"),  # a log, filled by the sender
    ("api.webhookdelivery", "d"),
    ("newsletters.delivery", "a"),  # one row per recipient, made by the send
    ("newsletters.linkclick", "a"),  # counted by the redirect
    ("analytics.dailycount", "a"),  # counted by the beacon, never by hand
    ("analytics.dailycount", "c"),
    ("analytics.dailycount", "d"),
    ("wpimport.importrun", "c"),  # a run is confirmed or deleted, never edited
    ("live.livecoverage", "d"),  # coverage ends; its entries stay on the record
    ("push.pushsend", "a"),  # made by "Send as push" (the service), never by hand
    ("push.pushsend", "c"),
    ("push.pushsend", "d"),
}
STANDARD = {"changelist": "v", "add": "a", "history": "v", "change": "v", "delete": "d"}
STAFF = (200, 200, 200)  # writer, editor, ad manager
# Every other route: the response per role (ROLES order). Sample addresses are filled from
# `sample_values`; "login" is a redirect to the admin login page.
ROUTES = {
    "admin:index": (LOGIN, *STAFF, 200),
    "admin:login": (200, 302, 302, 302, 302),
    "admin:logout": (302, 405, 405, 405, 405),  # a POST; anonymous go to the index
    "admin:password_change": (LOGIN, *STAFF, 200),
    "admin:password_change_done": (LOGIN, *STAFF, 200),
    "admin:autocomplete": (LOGIN, 403, 403, 403, 403),  # no field given
    "admin:jsi18n": (LOGIN, *STAFF, 200),
    "admin:view_on_site": (LOGIN, 404, 404, 404, 404),  # no such content type
    "admin:auth_user_password_change": (LOGIN, 403, 403, 403, 200),
    "admin:app_list": (LOGIN, *STAFF, 200),
    # The second step (NEWSROOM_ADMIN_MFA is off here; tests/security/test_admin_mfa.py has it
    # on): the code page sends someone without a device to the enrolment page, and the
    # enrolment page someone with one (the editor here) to the code page.
    "mfa-verify": (LOGIN, 302, 200, 302, 302),
    "mfa-enrol": (LOGIN, 200, 302, 200, 200),
    "django.contrib.admin.sites.AdminSite.catch_all_view": (LOGIN, 404, 404, 404, 404),
    "django.views.generic.base.RedirectView": (LOGIN, 302, 302, 302, 302),
    "admin:articles_article_dashboard": (LOGIN, 200, 200, 403, 200),
    "admin:articles_article_transition": (LOGIN, 405, 405, 405, 405),
    # The sample article is public: ad managers see it, but not its history (never public).
    "admin:articles_article_revisions": (LOGIN, 200, 200, 403, 200),
    "admin:articles_article_diff": (LOGIN, 200, 200, 403, 200),
    "admin:articles_article_restore": (LOGIN, 405, 405, 405, 405),
    "admin:articles_article_preview": (LOGIN, 200, 200, 403, 200),
    "admin:articles_article_share_preview": (LOGIN, 405, 405, 405, 405),
    "admin:articles_article_revoke_preview": (LOGIN, 405, 405, 405, 405),
    "admin:articles_article_take_over": (LOGIN, 405, 405, 405, 405),
    "admin:ads_adslot_report_all": (LOGIN, 403, 403, 200, 200),
    "admin:ads_adslot_report": (LOGIN, 403, 403, 200, 200),
    "admin:ads_placement_report_all": (LOGIN, 403, 403, 200, 200),
    "admin:ads_placement_report": (LOGIN, 403, 403, 200, 200),
    "admin:ads_adstxtrecord_import": (LOGIN, 403, 403, 200, 200),
    "ads:click": (302, 302, 302, 302, 302),
    "ads:creative-frame": (200, 200, 200, 200, 200),
    "ads:beacon": (405, 405, 405, 405, 405),
    "ads-txt": (200, 200, 200, 200, 200),
    "app-ads-txt": (200, 200, 200, 200, 200),
    "articles:home": (200, 200, 200, 200, 200),
    "articles:detail": (200, 200, 200, 200, 200),
    "articles:shared-preview": (200, 200, 200, 200, 200),
    "articles:tag": (200, 200, 200, 200, 200),
    "articles:author": (200, 200, 200, 200, 200),
    "articles:section": (200, 200, 200, 200, 200),
    # The desk's endpoints take POSTs only (tests/articles/test_admin_matrix.py posts to them).
    "admin:articles_article_autosave": (LOGIN, 405, 405, 405, 405),
    "admin:articles_article_autosave_new": (LOGIN, 405, 405, 405, 405),
    "admin:articles_article_presence": (LOGIN, 405, 405, 405, 405),
    "admin:articles_article_tag_suggestions": (LOGIN, 200, 200, 403, 200),
    # Reader surfaces: public to everyone.
    "articles:corrections": (200, 200, 200, 200, 200),
    "articles:corrections-feed": (200, 200, 200, 200, 200),
    "articles:corrections-atom": (200, 200, 200, 200, 200),
    "articles:feed": (200, 200, 200, 200, 200),
    "articles:feed-atom": (200, 200, 200, 200, 200),
    "articles:section-feed": (200, 200, 200, 200, 200),
    "articles:section-feed-atom": (200, 200, 200, 200, 200),
    "articles:tag-feed": (200, 200, 200, 200, 200),
    "articles:tag-feed-atom": (200, 200, 200, 200, 200),
    "articles:author-feed": (200, 200, 200, 200, 200),
    "articles:author-feed-atom": (200, 200, 200, 200, 200),
    "articles:search": (200, 200, 200, 200, 200),
    "favicon": (302, 302, 302, 302, 302),
    "robots-txt": (200, 200, 200, 200, 200),
    "healthz": (200, 200, 200, 200, 200),  # public JSON, never cached
    "sitemap-index": (200, 200, 200, 200, 200),
    "sitemap-news": (200, 200, 200, 200, 200),
    "sitemap": (200, 200, 200, 200, 200),
    # The content API (docs/api.md): it ignores the session cookie, so every role is a reader.
    "api-v1:api-root": (404, 404, 404, 404, 404),  # no index: /api/v1/docs is the entry
    "api-v1:create_article": (200, 200, 200, 200, 200),
    "api-v1:edit_article": (200, 200, 200, 200, 200),
    "api-v1:get_article": (200, 200, 200, 200, 200),
    "api-v1:get_article_by_path": (400, 400, 400, 400, 400),  # ?path= missing: problem+json
    "api-v1:list_articles": (200, 200, 200, 200, 200),
    "api-v1:list_authors": (200, 200, 200, 200, 200),
    "api-v1:list_corrections": (200, 200, 200, 200, 200),
    "api-v1:list_sections": (200, 200, 200, 200, 200),
    "api-v1:list_tags": (200, 200, 200, 200, 200),
    "api-v1:openapi-json": (200, 200, 200, 200, 200),
    "api-v1:openapi-view": (200, 200, 200, 200, 200),
    "api-v1:preview": (404, 404, 404, 404, 404),  # not a valid share token
    "api-v1:publish": (405, 405, 405, 405, 405),
    "api-v1:schedule": (405, 405, 405, 405, 405),
    "api-v1:submit": (405, 405, 405, 405, 405),
    "api-v1:unpublish": (405, 405, 405, 405, 405),
    "api-v1:upload_image": (405, 405, 405, 405, 405),
    # Newsletters: public pages; signed links that match nothing here; webhooks not turned on.
    "newsletters:index": (200, 200, 200, 200, 200),
    "newsletters:subscribe": (405, 405, 405, 405, 405),  # the article box POSTs
    "newsletters:confirm": (400, 400, 400, 400, 400),
    "newsletters:preferences": (404, 404, 404, 404, 404),
    "newsletters:unsubscribe": (404, 404, 404, 404, 404),
    "newsletters:click": (404, 404, 404, 404, 404),
    "newsletters:esp-tracking": (404, 404, 404, 404, 404),
    "newsletters:esp-inbound": (404, 404, 404, 404, 404),  # the List-Unsubscribe mailto
    "admin:newsletters_issue_preview": (LOGIN, 403, 200, 403, 200),
    "admin:newsletters_issue_schedule": (LOGIN, 403, 200, 403, 200),
    # The content API's other workflow steps and corrections take POSTs only.
    "api-v1:withdraw": (405, 405, 405, 405, 405),
    "api-v1:send_back": (405, 405, 405, 405, 405),
    "api-v1:cancel_schedule": (405, 405, 405, 405, 405),
    "api-v1:add_correction": (405, 405, 405, 405, 405),
    # Reading figures: the beacon takes POSTs only; the figures are for writers and editors.
    "analytics:hit": (405, 405, 405, 405, 405),
    "admin:analytics_dailycount_changelist": (LOGIN, 200, 200, 403, 200),
    "admin:analytics_export": (LOGIN, 200, 200, 403, 200),
    "admin:analytics_article": (LOGIN, 200, 200, 403, 200),
    # WordPress imports: administrators only.
    "admin:wpimport_importrun_run": (LOGIN, 403, 403, 403, 200),
    "admin:wpimport_importrun_progress": (LOGIN, 403, 403, 403, 200),
    # A standing page (About, Ethics …): public once published.
    "standing:page": (200, 200, 200, 200, 200),
    "admin:newsletters_issue_preview_email": (LOGIN, 403, 200, 403, 200),
    # Live coverage: the reader endpoints are public (the matrix article is live coverage);
    # the composer reads for writers and editors, and its changes take POSTs only.
    "live:poll": (200, 200, 200, 200, 200),
    "live:older": (200, 200, 200, 200, 200),
    "live:entry": (200, 200, 200, 200, 200),
    "live:feed": (200, 200, 200, 200, 200),
    "admin:live_composer_stream": (LOGIN, 200, 200, 403, 200),
    "admin:live_composer_post": (LOGIN, 405, 405, 405, 405),
    "admin:live_composer_state": (LOGIN, 405, 405, 405, 405),
    "admin:live_send_push": (LOGIN, 405, 405, 405, 405),  # POST only ("Notify followers")
    "admin:live_composer_change": (LOGIN, 405, 405, 405, 405),
    # Breaking alerts' shared endpoint; web push (off here: no VAPID keys in the tests).
    "alerts:current": (200, 200, 200, 200, 200),
    "push:subscribe": (405, 405, 405, 405, 405),  # POST only
    "push:unsubscribe": (405, 405, 405, 405, 405),
    "push-worker": (404, 404, 404, 404, 404),  # no service worker while push is off
}


def model_url(name):
    """("articles.article", "change") for "admin:articles_article_change", else None."""
    for label in MODEL_ACCESS:
        app, model = label.split(".")
        prefix = f"admin:{app}_{model}_"
        if name.startswith(prefix) and name.removeprefix(prefix) in STANDARD:
            return label, name.removeprefix(prefix)
    return None


# The queue's own admin pages read their task's backend: give them the production one.
@override_settings(
    TASKS={
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "images"],
        }
    }
)
class UrlMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.users = {
            W: UserFactory(username="writer", role="Writer"),
            E: UserFactory(username="editor", role="Editor"),
            A: UserFactory(username="admanager", role="Ad manager"),
            SU: UserFactory(username="root", is_superuser=True),
        }
        writer = cls.users[W]
        author = Author.objects.create(name="Matrix Writer", slug="matrix-writer", user=writer)
        cls.article = ready_article(authors=[author], tags=["matrix"])
        services.record_revision(article=cls.article, by=writer, reason="Created")
        services.record_revision(article=cls.article, by=writer, reason="Edited")
        draft = ready_article(draft=True, authors=[author])
        services.submit_for_review(article=draft, by=writer)
        cls.token = services.create_preview_token(article=draft, by=writer)
        slot = AdSlotFactory(code="MATRIX")
        cls.placement = PlacementFactory(slot=slot, creative=CreativeFactory(script=True))
        Sponsorship.objects.create(article=cls.article, sponsor_name="Acme")
        SuppressionRule.objects.create(slot=slot, section=cls.article.section)
        AdsTxtRecord.objects.create(
            domain="google.com", account_id="pub-1", relationship="DIRECT", position=1
        )
        AdsTxtVariable.objects.create(name="CONTACT", value="ads@example.com")
        correction = services.add_correction(
            article=cls.article, kind="correction", text="A date was wrong.", by=cls.users[E]
        )
        other = ready_article(tags=["matrix"])
        pin = RelatedPin.objects.create(article=cls.article, related=other)
        image = library_image(alt_text="Matrix picture")
        publication = save_publication(publication=Publication(name="Matrix Times"))
        failure = TaskFailure.objects.create(task_name="send_notification", error="boom")
        now = timezone.now()
        task = DBTaskResult.objects.create(
            enqueued_at=now,
            run_after=now,
            args_kwargs={"args": [], "kwargs": {}},
            task_path="articles.delivery.cache.purge_keys",
            backend_name="default",
            exception_class_path="",
            traceback="",
        )
        attempt = {"username": "x", "ip_address": "192.0.2.1", "user_agent": "t", "path_info": "/"}
        AccessAttempt.objects.create(**attempt, failures_since_start=1)
        AccessLog.objects.create(**attempt)
        AccessFailureLog.objects.create(**attempt)
        totp = TOTPDevice.objects.create(user=cls.users[E], name="phone")
        backup = StaticDevice.objects.create(user=cls.users[E], name="backup")
        api_key, _token = create_api_key(user=writer, name="matrix", by=cls.users[SU])
        webhook = Webhook.objects.create(url="https://partner.example/hook", events=[])
        delivery = WebhookDelivery.objects.create(
            webhook=webhook, event=WebhookEvent.values[0], payload={}, delivery_id=uuid.uuid4()
        )
        newsletter = Newsletter.objects.create(name="Matrix briefing", slug="matrix")
        subscription = SubscriptionFactory(newsletter=newsletter)
        cls.issue = Issue.objects.create(newsletter=newsletter, subject="Matrix issue")
        cls.import_run = run = ImportRun.objects.create(file="matrix.xml", created_by=cls.users[SU])
        cls.page = Page.objects.create(
            title="About us", slug="about-us", body="<p>Who we are.</p>", status="published"
        )
        cls.live = LiveCoverage.objects.create(article=cls.article)
        cls.live_entry = LiveEntry.objects.create(
            coverage=cls.live, body="<p>Matrix entry</p>", status="published", published_at=now
        )
        cls.objects = {
            "live.livecoverage": cls.live.pk,
            "alerts.alert": Alert.objects.create(
                text="Matrix alert", starts_at=now, expires_at=now + timedelta(hours=1)
            ).pk,
            "push.pushsend": PushSend.objects.create(
                topic="breaking", title="Matrix push", url="/", ttl=60
            ).pk,
            "wpimport.importrun": run.pk,
            "standing.page": cls.page.pk,
            "redirects.redirect": Redirect.objects.create(old_path="/old/", new_path="/").pk,
            "analytics.mostreadexclusion": MostReadExclusion.objects.create(article=cls.article).pk,
            "newsletters.newsletter": newsletter.pk,
            "newsletters.issue": cls.issue.pk,
            "newsletters.subscriber": subscription.subscriber_id,
            "newsletters.delivery": Delivery.objects.create(
                issue=cls.issue, subscriber=subscription.subscriber, email="m@example.com"
            ).pk,
            "newsletters.suppression": Suppression.objects.create(
                email="gone@example.com", reason="bounced"
            ).pk,
            "newsletters.linkclick": LinkClick.objects.create(
                issue=cls.issue, url="https://example.com/"
            ).pk,
            "articles.article": cls.article.pk,
            "articles.auditentry": AuditEntry.objects.first().pk,
            "articles.revision": Revision.objects.first().pk,
            "articles.author": author.pk,
            "articles.section": cls.article.section_id,
            "articles.tag": Tag.objects.get(name="matrix").pk,
            "ads.adslot": slot.pk,
            "ads.creative": cls.placement.creative_id,
            "ads.placement": cls.placement.pk,
            "ads.sponsorship": Sponsorship.objects.get().pk,
            "ads.suppressionrule": SuppressionRule.objects.get().pk,
            "ads.adstxtrecord": AdsTxtRecord.objects.get().pk,
            "ads.adstxtvariable": AdsTxtVariable.objects.get().pk,
            "auth.group": Group.objects.first().pk,
            "auth.user": writer.pk,
            "articles.correction": correction.pk,
            "articles.relatedpin": pin.pk,
            "articles.image": image.pk,
            "articles.publication": publication.pk,
            "articles.taskfailure": failure.pk,
            "django_tasks_database.dbtaskresult": task.pk,
            "axes.accessattempt": AccessAttempt.objects.get().pk,
            "axes.accesslog": AccessLog.objects.get().pk,
            "axes.accessfailurelog": AccessFailureLog.objects.get().pk,
            "otp_totp.totpdevice": totp.pk,
            "otp_static.staticdevice": backup.pk,
            "api.apikey": api_key.pk,
            "api.webhook": webhook.pk,
            "api.webhookdelivery": delivery.pk,
        }

    def address(self, pattern):
        """The sample address filled with real objects (or values that match nothing)."""
        url = pattern.sample
        label = (model_url(pattern.name) or (None,))[0]
        special = {
            "articles:detail": self.article.get_absolute_url(),
            "articles:shared-preview": f"/preview/{self.token}/",
            "articles:tag": "/tags/matrix/",
            "articles:author": "/authors/matrix-writer/",
            "articles:section": f"/sections/{self.article.section.slug}/",
            "articles:section-feed": f"/sections/{self.article.section.slug}/feed/",
            "articles:section-feed-atom": f"/sections/{self.article.section.slug}/feed/atom/",
            "articles:tag-feed": "/tags/matrix/feed/",
            "articles:tag-feed-atom": "/tags/matrix/feed/atom/",
            "articles:author-feed": "/authors/matrix-writer/feed/",
            "articles:author-feed-atom": "/authors/matrix-writer/feed/atom/",
            "articles:search": "/search/?q=matrix",
            "sitemap": "/sitemap-articles.xml",
            "admin:articles_article_diff": (
                f"/admin/articles/article/{self.article.pk}/revisions/diff/?a=1&b=2"
            ),
            "admin:auth_user_password_change": f"/admin/auth/user/{self.users[W].pk}/password/",
            "admin:view_on_site": "/admin/r/999999/1/",
            "ads:click": f"/ads/click/{self.placement.pk}/",
            "ads:creative-frame": f"/ads/creative/{self.placement.pk}/",
            "admin:ads_adslot_report": f"/admin/ads/adslot/{self.placement.slot_id}/report/",
            "admin:ads_placement_report": f"/admin/ads/placement/{self.placement.pk}/report/",
            "admin:newsletters_issue_preview": f"/admin/newsletters/issue/{self.issue.pk}/preview/",
            "admin:newsletters_issue_schedule": (
                f"/admin/newsletters/issue/{self.issue.pk}/schedule/"
            ),
            "standing:page": f"/{self.page.slug}/",
            "admin:wpimport_importrun_run": f"/admin/wpimport/importrun/{self.import_run.pk}/run/",
            "admin:wpimport_importrun_progress": (
                f"/admin/wpimport/importrun/{self.import_run.pk}/progress/"
            ),
            "admin:analytics_article": f"/admin/analytics/dailycount/article/{self.article.pk}/",
            "admin:newsletters_issue_preview_email": (
                f"/admin/newsletters/issue/{self.issue.pk}/preview/email/"
            ),
            "live:poll": f"/live/{self.article.pk}/v/0/",
            "live:older": f"/live/{self.article.pk}/before/99999999999999999-1/",
            "live:entry": f"/live/{self.article.pk}/entry/{self.live_entry.pk}/",
            "live:feed": f"/live/{self.article.pk}/feed/",
            "admin:live_composer_stream": f"/admin/live/livecoverage/{self.live.pk}/composer/",
            "admin:live_composer_post": f"/admin/live/livecoverage/{self.live.pk}/composer/post/",
            "admin:live_composer_state": (
                f"/admin/live/livecoverage/{self.live.pk}/composer/state/"
            ),
            "admin:live_send_push": f"/admin/live/livecoverage/{self.live.pk}/push/",
            "admin:live_composer_change": (
                f"/admin/live/livecoverage/{self.live.pk}/composer/entries/"
                f"{self.live_entry.pk}/pin/"
            ),
        }
        if pattern.name in special:
            return special[pattern.name]
        pk = str(self.objects.get(label, self.article.pk))
        if pattern.name == "django.views.generic.base.RedirectView":
            pk = str(self.article.pk)
            return f"/admin/articles/article/{pk}/"
        if pattern.name == "admin:articles_article_transition":
            return url.replace(INT_PLACEHOLDER, pk).replace(STR_PLACEHOLDER, "submit")
        return url.replace(INT_PLACEHOLDER, pk).replace(STR_PLACEHOLDER, pk)

    def expected(self, pattern):
        found = model_url(pattern.name)
        if found is None:
            return ROUTES[pattern.name]
        label, action = found
        need = STANDARD[action]
        codes = []
        for role in ROLES:
            if role == "anonymous":
                codes.append(LOGIN)
                continue
            held = "vacd" if role == SU else MODEL_ACCESS[label].get(role, "")
            allowed = (need in held or (need == "v" and "c" in held)) and (label, need) not in NEVER
            codes.append(200 if allowed else DENY)
        return tuple(codes)

    def test_every_url_has_a_row(self):
        unknown = {
            p.name for p in url_patterns() if model_url(p.name) is None and p.name not in ROUTES
        }
        assert not unknown, f"URLs without a row in ROUTES: {sorted(unknown)}"
        registered = {m._meta.label_lower for m in admin.site._registry}
        assert registered == set(MODEL_ACCESS), registered ^ set(MODEL_ACCESS)

    def test_every_role_gets_what_the_matrix_says_on_every_url(self):
        failures = []
        rows, seen = [], set()
        for pattern in url_patterns():
            url = self.address(pattern)
            if url not in seen:
                seen.add(url)
                rows.append((pattern, url, self.expected(pattern)))
        for index, role in enumerate(ROLES):
            self.client.logout()
            if role != "anonymous":
                self.client.force_login(self.users[role])
            for pattern, url, codes in rows:
                code = codes[index]
                response = self.client.get(url)
                got = response.status_code
                if code == LOGIN:
                    ok = got == 302 and response["Location"].startswith("/admin/login/")
                elif code == DENY:
                    ok = got == 403 or (got == 302 and response["Location"] == "/admin/")
                else:
                    ok = got == code
                if not ok:
                    failures.append((pattern.name, url, role, code, got))
        assert failures == [], "\n".join(map(str, failures))
