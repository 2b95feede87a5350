from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from ads import adstxt, reports, services
from ads.models import (
    ERROR_CLICK_URL,
    AdSlot,
    AdsTxtFile,
    AdsTxtRecord,
    AdsTxtVariable,
    Creative,
    PageType,
    Placement,
    Sponsorship,
    SuppressionRule,
)
from articles.admin.widgets import LabelledAutocompleteMixin
from articles.media.admin import NotStoredAdminMixin
from articles.models import Article

EXPIRING_SOON = timedelta(days=7)


class ReportMixin:
    """A 30-day report page for one object or for all of them."""

    report_filter = None  # "placement" or "placement__slot"

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "report/",
                self.admin_site.admin_view(self.report_view),
                name=f"{name}_report_all",
            ),
            path(
                "<int:object_id>/report/",
                self.admin_site.admin_view(self.report_view),
                name=f"{name}_report",
            ),
            *super().get_urls(),
        ]

    def report_view(self, request, object_id=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(self.model, pk=object_id) if object_id else None
        filters = {self.report_filter: obj} if obj else {}
        report = reports.thirty_days(**filters)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Report, last 30 days: {obj}" if obj else "Report, last 30 days",
            "object": obj,
            "report": report,
            "chart": reports.svg_chart(report["days"]),
        }
        return TemplateResponse(request, "admin/ads/report.html", context)

    @admin.display(description="Report")
    def report_link(self, obj):
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_report", args=[obj.pk])
        return format_html('<a href="{}">30 days</a>', url)


class AdSlotForm(forms.ModelForm):
    """Fields with a default may be left out of a submission: the slot keeps its value."""

    OPTIONAL = ["position", "empty_behaviour", "after_paragraph", "min_paragraphs", "after_card"]

    class Meta:
        model = AdSlot
        fields = [
            "code",
            "name",
            "description",
            "position",
            "label",
            "is_active",
            "width",
            "height",
            "extra_sizes",
            "sizes_mobile",
            "sizes_tablet",
            "sizes_desktop",
            "is_lazy",
            "empty_behaviour",
            "after_paragraph",
            "min_paragraphs",
            "after_card",
            "gam_ad_unit_path",
            "adsense_slot_id",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.OPTIONAL:
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.OPTIONAL:
            if cleaned.get(name) in (None, ""):
                cleaned[name] = getattr(self.instance, name)
        return cleaned


@admin.register(AdSlot)
class AdSlotAdmin(ReportMixin, admin.ModelAdmin):
    form = AdSlotForm
    report_filter = "placement__slot"
    list_display = ["code", "name", "position", "size", "status", "is_active", "report_link"]
    list_filter = ["is_active", "position", "empty_behaviour"]
    search_fields = ["code", "name"]
    fieldsets = [
        (None, {"fields": ["code", "name", "description", "position", "label", "is_active"]}),
        (
            "Sizes",
            {
                "fields": [
                    ("width", "height"),
                    "extra_sizes",
                    "sizes_mobile",
                    "sizes_tablet",
                    "sizes_desktop",
                ],
                "description": "IAB standard sizes only, written like 728x90. Each screen's "
                "sizes must fit the column the slot stands in: the article column is 343 px "
                "on phones and 672 px on tablets and desktops; listings and the header are "
                "343, 736 and 992 px.",
            },
        ),
        ("Behaviour", {"fields": ["is_lazy", "empty_behaviour"]}),
        ("Inside the article body", {"fields": ["after_paragraph", "min_paragraphs"]}),
        ("Between cards on listings", {"fields": ["after_card"]}),
        ("Ad networks", {"fields": ["gam_ad_unit_path", "adsense_slot_id"]}),
    ]

    def get_queryset(self, request):
        now = timezone.now()
        placements = Placement.objects.filter(slot=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_live=Exists(placements.live(now)),
                has_scheduled=Exists(placements.scheduled(now)),
                has_expired=Exists(placements.expired(now)),
            )
        )

    @admin.display(description="Size")
    def size(self, obj):
        return ", ".join(f"{w}×{h}" for w, h in obj.sizes)

    @admin.display(description="Status")
    def status(self, obj):
        if obj.has_live:
            return "live"
        if obj.has_scheduled:
            return "scheduled"
        if obj.has_expired:
            return "expired"
        return "placeholder only"


class CreativeForm(forms.ModelForm):
    class Meta:
        model = Creative
        fields = [
            "name",
            "kind",
            "advertiser",
            "is_active",
            "width",
            "height",
            "image",
            "alt_text",
            "html",
            "click_url",
            "adsense_client_id",
        ]
        error_messages = {"click_url": {"invalid": ERROR_CLICK_URL}}


@admin.register(Creative)
class CreativeAdmin(NotStoredAdminMixin, admin.ModelAdmin):
    form = CreativeForm
    list_display = ["name", "kind", "advertiser", "size", "is_active", "updated_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "advertiser"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "advertiser", "is_active", ("width", "height")]}),
        ("Image", {"fields": ["image", "alt_text"]}),
        ("HTML or script tag", {"fields": ["html"]}),
        ("Link", {"fields": ["click_url"]}),
        ("AdSense", {"fields": ["adsense_client_id"]}),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="Size")
    def size(self, obj):
        return f"{obj.width}×{obj.height}" if obj.size else "slot's sizes"


class PlacementForm(forms.ModelForm):
    page_types = forms.MultipleChoiceField(
        choices=PageType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only on these kinds of page. Leave all unticked for every page.",
    )

    class Meta:
        model = Placement
        fields = [
            "slot",
            "creative",
            "priority",
            "weight",
            "is_active",
            "starts_at",
            "ends_at",
            "sections",
            "tags",
            "page_types",
        ]
        help_texts = {
            "starts_at": f"Newsroom time ({settings.TIME_ZONE}). Leave empty to start now.",
            "ends_at": f"Newsroom time ({settings.TIME_ZONE}). The placement stops at this "
            "moment: it is not shown at the end time itself. Leave empty to run until "
            "switched off.",
        }


@admin.register(Placement)
class PlacementAdmin(LabelledAutocompleteMixin, ReportMixin, admin.ModelAdmin):
    form = PlacementForm
    report_filter = "placement"
    list_display = [
        "__str__",
        "slot",
        "priority",
        "weight",
        "starts_at",
        "ends",
        "is_active",
        "report_link",
    ]
    list_filter = ["is_active", "priority", "slot"]
    list_select_related = ["slot", "creative"]
    search_fields = ["creative__name", "creative__advertiser", "slot__code"]
    autocomplete_fields = ["slot", "creative", "sections", "tags"]
    fieldsets = [
        (None, {"fields": ["slot", "creative", "priority", "weight", "is_active"]}),
        ("When", {"fields": ["starts_at", "ends_at"]}),
        ("Where", {"fields": ["sections", "tags", "page_types"]}),
    ]

    @admin.display(description="ends", ordering="ends_at")
    def ends(self, obj):
        if obj.ends_at is None:
            return "—"
        local = timezone.localtime(obj.ends_at).strftime("%Y-%m-%d %H:%M")
        now = timezone.now()
        if now < obj.ends_at <= now + EXPIRING_SOON:
            return format_html('<strong class="ads-expiring">{} (ends soon)</strong>', local)
        return local


@admin.register(Sponsorship)
class SponsorshipAdmin(LabelledAutocompleteMixin, admin.ModelAdmin):
    list_display = ["article", "sponsor_name", "label"]
    search_fields = ["sponsor_name", "article__headline"]
    autocomplete_fields = ["article"]
    list_select_related = ["article"]

    # The one view rule (docs/security.md): an ad manager sees, lists and attaches sponsorships
    # only on articles they may see (for ad managers: what readers see).
    def get_queryset(self, request):
        visible = Article.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(article__in=visible)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            kwargs["queryset"] = Article.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(SuppressionRule)
class SuppressionRuleAdmin(LabelledAutocompleteMixin, admin.ModelAdmin):
    list_display = ["__str__", "section", "tag", "slot", "note"]
    autocomplete_fields = ["section", "tag", "slot"]
    list_select_related = ["section", "tag", "slot"]


class AdsTxtImportForm(forms.Form):
    file = forms.ChoiceField(choices=AdsTxtFile.choices)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16, "cols": 90}),
        help_text="Paste lines as they appear in an ads.txt file. Nothing is saved unless "
        "every line is valid.",
    )

    def clean_text(self):
        errors = adstxt.validate(self.cleaned_data["text"])
        if errors:
            raise forms.ValidationError(errors)
        return self.cleaned_data["text"]


@admin.register(AdsTxtRecord)
class AdsTxtRecordAdmin(admin.ModelAdmin):
    list_display = ["__str__", "file", "position"]
    list_filter = ["file", "relationship"]
    list_editable = ["position"]
    search_fields = ["domain", "account_id"]

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="ads_adstxtrecord_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AdsTxtImportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            created = services.import_ads_txt(
                file=form.cleaned_data["file"], text=form.cleaned_data["text"]
            )
            messages.success(request, f"Added {created} lines.")
            return redirect("admin:ads_adstxtrecord_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import ads.txt lines",
            "form": form,
        }
        return TemplateResponse(request, "admin/ads/adstxt_import.html", context)


@admin.register(AdsTxtVariable)
class AdsTxtVariableAdmin(admin.ModelAdmin):
    list_display = ["__str__", "file", "position"]
    list_filter = ["file", "name"]
