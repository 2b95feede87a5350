"""The desk's newsletter pages: newsletters, subscribers (consent shown, erasable), issues
(compose from published articles, preview at desktop and phone widths, size meter, test send,
start / pause / resume, progress), deliveries, suppressions and link clicks."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from articles.models import Article
from articles.newsletters import conf, emails, services
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
)

# The email preview sits in an iframe of the preview page and keeps its own <style> block.
_PREVIEW_CSP = {
    "default-src": [CSP.NONE],
    "img-src": ["https:", "http:", "data:"],
    "style-src": [CSP.UNSAFE_INLINE],
    "frame-ancestors": [CSP.SELF],
}


def method_decorator_xframe(func):
    def wrapped(self, request, *args, **kwargs):
        return csp_override(_PREVIEW_CSP)(
            xframe_options_sameorigin(lambda r: func(self, r, *args, **kwargs))
        )(request)

    return wrapped


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "schedule", "is_public", "is_offered_on_articles", "is_breaking",
                    "subscribers"]  # fmt: skip
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["digest_sections", "digest_tags"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_count=Count(
                    "subscriptions", filter=Q(subscriptions__status=SubscriptionStatus.ACTIVE)
                )
            )
        )

    @admin.display(description="Active subscribers", ordering="active_count")
    def subscribers(self, obj):
        return obj.active_count


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = readonly_fields = [
        "newsletter", "status", "consent_at", "consent_form", "consent_wording_version",
        "consent_ip_hash", "confirmed_at", "unsubscribed_at",
    ]  # fmt: skip
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "created_at"]
    search_fields = ["email"]
    readonly_fields = ["created_at"]
    inlines = [SubscriptionInline]
    actions = ["erase"]

    @admin.action(description="Erase the selected subscribers' data (a data request)")
    def erase(self, request, queryset):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        for subscriber in queryset:
            services.erase_subscriber(subscriber=subscriber)
        messages.success(request, "Erased.")


class IssueArticleInline(admin.TabularInline):
    model = IssueArticle
    extra = 3
    fields = ["position", "article"]
    raw_id_fields = ["article"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            # Drafts can never be chosen: the form refuses any id outside published().
            kwargs["queryset"] = Article.objects.published()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _editable(self, obj):
        return obj is None or obj.status == IssueStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


def progress_text(counts: dict) -> str:
    """“1,200 of 5,000 handed to the ESP · 3 failed…”: failures are never counted as sent."""
    handed = counts["sent"] + counts["delivered"] + counts["bounced"] + counts["complained"]
    parts = [f"{handed:,} of {counts['total']:,} handed to the mail service"]
    for status in ["delivered", "bounced", "complained", "failed", "skipped", "queued", "sending"]:
        if counts[status]:
            parts.append(f"{counts[status]:,} {DeliveryStatus(status).label.lower()}")
    return " · ".join(parts)


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
    )


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["subject", "newsletter", "status", "created_at", "progress"]
    list_filter = ["newsletter", "status"]
    search_fields = ["subject"]
    fields = ["newsletter", "subject", "preheader", "introduction", "status", "schedule", "preview",
              "size_meter", "progress", "opens", "send_started_at", "sent_at"]  # fmt: skip
    readonly_fields = ["status", "schedule", "preview", "size_meter", "progress", "opens",
                       "send_started_at", "sent_at"]  # fmt: skip
    inlines = [IssueArticleInline]
    actions = ["fill_digest", "send_test_to_me", "start_sending", "pause_sending",
               "resume_sending"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != IssueStatus.DRAFT:
            return [*self.readonly_fields, "newsletter", "subject", "preheader", "introduction"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_page), name="newsletters_issue_preview"),
            path("<int:pk>/schedule/", view(self.schedule_page), name="newsletters_issue_schedule"),
            path(
                "<int:pk>/preview/email/",
                view(self.preview_email),
                name="newsletters_issue_preview_email",
            ),  # fmt: skip
            *super().get_urls(),
        ]

    @admin.display(description="Preview")
    def preview(self, obj):
        if not obj.pk:
            return "Save the issue to preview it."
        url = reverse("admin:newsletters_issue_preview", args=[obj.pk])
        return format_html('<a href="{}">Preview at desktop and phone widths</a>', url)

    @admin.display(description="Size")
    def size_meter(self, obj):
        if not obj.pk:
            return "—"
        size = emails.render_issue(obj).size
        limit = conf.GMAIL_CLIP_BYTES
        verdict = "over Gmail's limit: it will be clipped" if size > limit else "fits"
        return format_html(
            '<meter min="0" max="{}" high="{}" value="{}"></meter> {} KB of {} KB ({})',
            limit, int(limit * 0.9), size, round(size / 1024, 1), limit // 1024, verdict,
        )  # fmt: skip

    @admin.display(description="Progress")
    def progress(self, obj):
        if obj.status == IssueStatus.DRAFT:
            return "Not sent"
        return progress_text(services.progress(obj))

    @admin.display(description="Opens")
    def opens(self, obj):
        opened = obj.deliveries.exclude(opened_at=None).count()
        return (
            f"{opened:,} opened (as the mail service reports them; mail apps that load images "
            "by themselves, such as Apple Mail, make this higher than what people read)"
        )

    def _issue(self, request, pk):
        issue = get_object_or_404(Issue.objects.select_related("newsletter"), pk=pk)
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        return issue

    def preview_page(self, request, pk):
        issue = self._issue(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "issue": issue,
            "opts": self.opts,
            "title": f"Preview: {issue.subject}",
            "email_url": reverse("admin:newsletters_issue_preview_email", args=[pk]),
            "rendered": emails.render_issue(issue),
            "limit_kb": conf.GMAIL_CLIP_BYTES // 1024,
        }
        return TemplateResponse(request, "admin/newsletters/issue_preview.html", context)

    def schedule_page(self, request, pk):
        issue = self._issue(request, pk)
        form = ScheduleForm(request.POST or None)
        if request.method == "POST":
            if not self.has_change_permission(request, issue):
                raise PermissionDenied
            try:
                if "cancel" in request.POST:
                    services.cancel_schedule(issue=issue, by=request.user)
                    messages.success(request, f"{issue}: schedule cancelled.")
                    return HttpResponseRedirect(
                        reverse("admin:newsletters_issue_change", args=[pk])
                    )
                if form.is_valid():
                    at = form.cleaned_data["send_at"]
                    services.schedule_send(issue=issue, at=at, by=request.user)
                    messages.success(request, f"{issue}: scheduled.")
                    return HttpResponseRedirect(
                        reverse("admin:newsletters_issue_change", args=[pk])
                    )
            except ValidationError as error:
                form.add_error(None, error)
        context = {
            **self.admin_site.each_context(request),
            "issue": issue,
            "opts": self.opts,
            "title": f"Schedule: {issue.subject}",
            "form": form,
            "zone": timezone.get_current_timezone_name(),
        }
        return TemplateResponse(request, "admin/newsletters/issue_schedule.html", context)

    @admin.display(description="Schedule")
    def schedule(self, obj):
        if not obj.pk or obj.status != IssueStatus.DRAFT:
            return "—"
        url = reverse("admin:newsletters_issue_schedule", args=[obj.pk])
        if obj.scheduled_at:
            when = timezone.localtime(obj.scheduled_at).strftime("%-d %b %Y, %H:%M")
            return format_html(
                'Starts sending at {} (<a href="{}">change or cancel</a>)', when, url
            )
        return format_html('<a href="{}">Schedule a time to send it</a>', url)

    @method_decorator_xframe
    def preview_email(self, request, pk):
        issue = self._issue(request, pk)
        return HttpResponse(emails.render_issue(issue).html)

    def _each(self, request, queryset, func, done: str):
        for issue in queryset:
            try:
                func(issue=issue, by=request.user)
            except (ValidationError, PermissionDenied) as error:
                messages.error(
                    request, f"{issue}: {' '.join(getattr(error, 'messages', [str(error)]))}"
                )
            else:
                messages.success(request, f"{issue}: {done}")

    @admin.action(description="Fill with a digest of the stories since the last issue")
    def fill_digest(self, request, queryset):
        def fill(*, issue, by):
            count = services.compose_digest(issue=issue)
            messages.info(request, f"{issue}: {count} stories.")

        self._each(request, queryset, fill, "digest filled.")

    @admin.action(description="Send a test of the selected issues to me")
    def send_test_to_me(self, request, queryset):
        def test(*, issue, by):
            services.send_test(issue=issue, to=by.email, by=by)

        if not request.user.email:
            messages.error(request, "Your account has no email address.")
            return
        self._each(request, queryset, test, f"test sent to {request.user.email}.")

    @admin.action(description="Start sending the selected issues")
    def start_sending(self, request, queryset):
        self._each(request, queryset, services.start_send, "sending started.")

    @admin.action(description="Pause sending")
    def pause_sending(self, request, queryset):
        self._each(request, queryset, services.pause_send, "paused.")

    @admin.action(description="Resume sending")
    def resume_sending(self, request, queryset):
        self._each(request, queryset, services.resume_send, "sending resumed.")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["issue", "email", "status", "sent_at", "message_id"]
    list_filter = ["status", "issue"]
    search_fields = ["email", "message_id"]
    list_select_related = ["issue"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["email", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email"]


@admin.register(LinkClick)
class LinkClickAdmin(admin.ModelAdmin):
    list_display = ["url", "issue", "count"]
    list_filter = ["issue"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
