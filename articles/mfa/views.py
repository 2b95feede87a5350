"""A second factor for the admin: TOTP (django-otp) for every staff account.

With `NEWSROOM_ADMIN_MFA` on (the default when DEBUG is off), a signed-in staff user reaches
no admin page, for any method, until this session was verified with a code from their
authenticator app (or a one-time backup code). Someone without a device is sent, after the
password, to the enrolment page: it shows the secret and its otpauth:// address, and a code
from the app confirms it. Wrong codes are throttled by django-otp (each failure doubles the
wait), and a code is never accepted twice. A superuser resets a lost device by deleting it
under *OTP_TOTP › TOTP devices*; the user enrols again at their next sign-in.
See docs/security.md and docs/operations.md.
"""

import secrets

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core import checks
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.delivery.guards import unavailable_response

BACKUP_CODES = 10
DEVICE_NAME = "Authenticator app"


def mfa_required() -> bool:
    return bool(getattr(settings, "NEWSROOM_ADMIN_MFA", False))


def _admin_root() -> str:
    return reverse("admin:index")


def _exempt_paths() -> set[str]:
    """What an unverified staff user may still open: signing in and out, and these pages."""
    return {
        reverse("admin:login"),
        reverse("admin:logout"),
        reverse("mfa-verify"),
        reverse("mfa-enrol"),
    }


class AdminMFAMiddleware:
    """Sends an unverified staff session from any admin URL (GET or POST) to the code page.

    Nothing behind it runs: a forged POST to an admin URL changes nothing. Goes after
    django-otp's OTPMiddleware, which gives `request.user.is_verified()`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (mfa_required() and request.path.startswith(_admin_root())):
            return self.get_response(request)
        try:
            blocked = self.unverified(request)
        except (OperationalError, InterfaceError):
            # The session or user lookup lost its database connection. Nothing has run yet, so
            # one more try on a fresh connection is safe for any method; then the 503 page
            # (as articles.delivery.guards.DatabaseFaultMiddleware gives a view), never a 500.
            close_old_connections_now()
            try:
                blocked = self.unverified(request)
            except (OperationalError, InterfaceError):
                close_old_connections_now()
                return unavailable_response(request)
        if blocked:
            target = reverse("mfa-verify")
            if request.method in ("GET", "HEAD"):
                target += "?" + _next_query(request.get_full_path())
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def unverified(request) -> bool:
        user = getattr(request, "user", None)
        return (
            user is not None
            and user.is_authenticated
            and request.path not in _exempt_paths()
            and not user.is_verified()
        )


def close_old_connections_now():
    """Drop the connections that died, so the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and connection.is_usable():
            continue
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None


def _next_query(path: str) -> str:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query["next"] = path
    return query.urlencode()


def _next_url(request) -> str:
    """Where to go once verified: an admin address on this site, else the admin index."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith(_admin_root())
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and target not in _exempt_paths()
    ):
        return target
    return _admin_root()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        min_length=6,
        max_length=16,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="The six digits your authenticator app shows now (or a backup code).",
    )


def _wait(devices) -> int | None:
    """Seconds until the devices take a code again after wrong ones, or None if they do now."""
    waits = []
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
            locked_until = info.get("locked_until") or timezone.now()
            waits.append(max(1, int((locked_until - timezone.now()).total_seconds()) + 1))
    return min(waits) if waits else None


def _refusal(wait_before: int | None) -> str:
    """The error for a refused code: throttled (with the wait) or simply wrong."""
    if wait_before is not None:
        return (
            f"Too many wrong codes. Wait {wait_before} seconds before the next try "
            "(each wrong code doubles the wait)."
        )
    return "That code is not valid (wrong, expired or already used). Try the next one."


def _staff_or_login(request):
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect(f"{reverse('admin:login')}?{_next_query(_admin_root())}")
    return None


def _page(request, template, title, **context):
    return TemplateResponse(
        request,
        template,
        {**admin.site.each_context(request), "title": title, "next": _next_url(request), **context},
    )


@never_cache
def verify(request):
    """The code page for a staff user who has a confirmed device."""
    if (refused := _staff_or_login(request)) is not None:
        return refused
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        target = reverse("mfa-enrol")
        return redirect(f"{target}?{_next_query(_next_url(request))}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = _wait(devices)
        device = match_token(user, form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _refusal(wait))
    return _page(request, "admin/mfa/verify.html", "Second step: your code", form=form)


@never_cache
def enrol(request):
    """First sign-in without a device: show the secret, confirm it with a code."""
    if (refused := _staff_or_login(request)) is not None:
        return refused
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if any(devices_for_user(user, confirmed=True)):
        # Someone with a device proves it; a second device is not added from a password alone.
        return redirect(f"{reverse('mfa-verify')}?{_next_query(_next_url(request))}")
    # One pending device per user, kept across visits, so its throttle cannot be reset.
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].replace(" ", "")
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            wait = _wait([device])
            accepted = device.verify_token(code)
            if accepted:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_backup_codes(user)
        if accepted:
            otp_login(request, device)
            return _page(request, "admin/mfa/backup_codes.html", "Backup codes", codes=codes)
        form.add_error("code", _refusal(wait))
    return _page(
        request,
        "admin/mfa/enrol.html",
        "Set up your second step",
        form=form,
        secret=_base32(device),
        otpauth=device.config_url,
    )


def _base32(device) -> str:
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode()
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _new_backup_codes(user) -> list[str]:
    """Ten one-time codes for when the phone is lost (replacing any earlier ones)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# Recovery: superusers (no role group holds these permissions) list and delete devices; a
# deleted device means the user enrols again at their next sign-in. Keys are never shown.
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, DeviceAdmin)


@checks.register(checks.Tags.security, deploy=True)
def check_admin_mfa(app_configs, **kwargs):
    if mfa_required():
        return []
    return [
        checks.Warning(
            "NEWSROOM_ADMIN_MFA is off: a stolen password is enough to reach the admin.",
            hint="Unset NEWSROOM_ADMIN_MFA (on by default when DEBUG is off) or set it to 1.",
            id="newsroom.W010",
        )
    ]


# Mounted in newsroom/urls.py ahead of the admin's own routes.
urlpatterns = [
    path("", verify, name="mfa-verify"),
    path("enrol/", enrol, name="mfa-enrol"),
]
