"""Administrators' pages: API keys (made for a user, token shown once, revocable, last use
shown) and webhooks (URL, events, secret, deliveries with response codes, redeliver)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from articles.admin.widgets import LabelledAutocompleteMixin
from articles.api import services
from articles.api.models import ApiKey, Webhook, WebhookDelivery, WebhookEvent


class SuperuserOnly:
    """Keys and webhooks reach past the newsroom's roles: administrators only."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(SuperuserOnly, LabelledAutocompleteMixin, admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "can_read_drafts", "can_write", "last_used_at",
                    "revoked_at"]  # fmt: skip
    list_filter = ["can_write", "can_read_drafts"]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # The owner of an existing key never changes (make a new key instead).
        return [*self.readonly_fields, "user"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        key, token = services.create_api_key(
            user=obj.user,
            name=obj.name,
            by=request.user,
            can_read_drafts=obj.can_read_drafts,
            can_write=obj.can_write,
            rate_limit=obj.rate_limit,
        )
        obj.pk, obj.prefix = key.pk, key.prefix
        messages.warning(
            request,
            f"The key's token, shown this once (copy it now; only its hash is kept): {token}",
        )

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for key in queryset:
            services.revoke_api_key(key=key, by=request.user)
        self.message_user(request, f"Revoked {queryset.count()} key(s).")


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["url", "description", "events", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            services.vetted_address(url)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return url


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["created_at", "event", "attempt", "status_code", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-created_at", "-pk"]
    show_change_link = True


@admin.register(Webhook)
class WebhookAdmin(SuperuserOnly, admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "is_active", "consecutive_failures", "disabled_at"]
    readonly_fields = ["secret", "consecutive_failures", "disabled_at", "created_at", "created_by"]
    inlines = [DeliveryInline]

    def save_model(self, request, obj, form, change):
        services.save_webhook(webhook=obj, by=request.user)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["created_at", "webhook", "event", "attempt", "status_code", "succeeded"]
    list_filter = ["event", "status_code"]
    readonly_fields = ["webhook", "event", "delivery_id", "payload", "attempt", "status_code",
                       "error", "duration_ms", "created_at"]  # fmt: skip
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True)
    def succeeded(self, obj):
        return obj.succeeded

    @admin.action(description="Redeliver the selected deliveries")
    def redeliver(self, request, queryset):
        for delivery in queryset:
            services.redeliver(delivery=delivery, by=request.user)
        self.message_user(request, f"Queued {queryset.count()} delivery(ies) again.")
