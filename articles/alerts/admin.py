"""The desk's breaking alerts: set, change, end now, delete (through the services, with
their audit rows), and "Send as push" with the sends' delivered and failed counts."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.html import format_html_join

from articles.alerts import services
from articles.alerts.models import Alert, AlertEvent
from articles.push import conf as push_conf
from articles.push import sending as push_sending
from articles.push import services as push
from articles.push.models import PushSend


class AlertForm(forms.ModelForm):
    class Meta:
        model = Alert
        fields = ["text", "url", "level", "starts_at", "expires_at", "section"]

    def clean_url(self):
        return services.validate_link(self.cleaned_data.get("url", ""))

    def clean(self):
        data = super().clean()
        starts, expires = data.get("starts_at"), data.get("expires_at")
        if starts and expires and expires <= starts:
            raise ValidationError(services.EXPIRY_BEFORE_START)
        return data


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    fields = ["at", "action", "by", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    form = AlertForm
    list_display = ["text", "level", "section", "starts_at", "expires_at", "is_live"]
    list_filter = ["level", "section"]
    readonly_fields = ["push_sends"]
    inlines = [AlertEventInline]
    actions = ["end_now", "send_as_push"]

    def get_changeform_initial_data(self, request):
        now = timezone.now().replace(second=0, microsecond=0)
        return {"starts_at": now, "expires_at": now + timedelta(hours=2)}

    @admin.display(boolean=True, description="Showing now")
    def is_live(self, obj):
        return obj.is_active(timezone.now())

    @admin.display(description="Push sends")
    def push_sends(self, obj):
        if not obj.pk:
            return "—"
        sends = PushSend.objects.filter(source=f"alert:{obj.pk}")
        if not sends:
            return "Not sent as push."
        return format_html_join(
            "",
            "<p>{} to {}: {} — {} delivered, {} failed, {} pruned (of {})</p>",
            (
                (
                    s.created_at.strftime("%Y-%m-%d %H:%M"),
                    s.topic,
                    s.get_status_display(),
                    f["delivered"],
                    f["failed"],
                    f["pruned"],
                    s.total,
                )  # fmt: skip
                for s in sends
                for f in [push_sending.progress(s)]
            ),
        )

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in AlertForm.Meta.fields}
        if change:
            saved = services.update_alert(alert=obj, by=request.user, **fields)
        else:
            saved = services.create_alert(by=request.user, **fields)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_alert(alert=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for alert in queryset:
            services.delete_alert(alert=alert, by=request.user)

    @admin.action(description="End now (take the banner down)", permissions=["change"])
    def end_now(self, request, queryset):
        for alert in queryset:
            try:
                services.end_alert(alert=alert, by=request.user)
            except (PermissionDenied, ValidationError) as exc:
                message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{alert}: {message}", messages.ERROR)

    @admin.action(description="Send as push (to readers of breaking news or the section)",
                  permissions=["push"])  # fmt: skip
    def send_as_push(self, request, queryset):
        for alert in queryset:
            topic = f"section:{alert.section.slug}" if alert.section_id else "breaking"
            try:
                send = push.send_notification(
                    topic=topic,
                    title=alert.get_level_display(),
                    body=alert.text,
                    url=alert.url or "/",
                    by=request.user,
                    source=f"alert:{alert.pk}",
                )
            except (PermissionDenied, ValidationError) as exc:
                message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{alert}: {message}", messages.ERROR)
                continue
            services.record_push(alert=alert, by=request.user, send_id=send.pk)
            self.message_user(
                request,
                f"Sending “{alert}” to {topic}: see its delivered and failed counts on the alert.",
                messages.SUCCESS,
            )

    def has_push_permission(self, request):
        return push_conf.enabled() and push.can_send(request.user)
