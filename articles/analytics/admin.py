"""Reading figures in the admin: the overview (today, 7 and 30 days, "now", CSV) and one
article over time. Editors see every article; writers only their own (checked here, on the
server, for every page and the export)."""

import csv
from datetime import UTC

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from articles.analytics import reports, services
from articles.analytics.models import DailyCount, MostReadExclusion


class Echo:
    """A file-like object for `csv.writer` that hands each row back (streamed CSV)."""

    def write(self, value):
        return value


@admin.register(DailyCount)
class ReadingFiguresAdmin(admin.ModelAdmin):
    """The changelist is the overview; rows are never edited by hand."""

    def has_module_permission(self, request):
        return reports.may_see_figures(request.user)

    def has_view_permission(self, request, obj=None):
        return reports.may_see_figures(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("", view(self.overview), name="analytics_dailycount_changelist"),
            path("export.csv", view(self.export), name="analytics_export"),
            path("article/<int:article_id>/", view(self.article_view), name="analytics_article"),
        ]

    def _check(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied

    def overview(self, request):
        self._check(request)
        user = request.user
        periods = []
        for key, label in (("today", "Today"), ("7d", "Last 7 days"), ("30d", "Last 30 days")):
            first, last = services.day_range(reports.PERIOD_DAYS[key])
            periods.append({
                "key": key, "label": label,
                "articles": reports.top_articles(user, first, last),
                "sections": reports.top_sections(user, first, last),
            })  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "title": "Reading figures",
            "periods": periods,
            "now": reports.now_articles(user, services.now_counts()),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "analytics/admin/overview.html", context)

    def export(self, request):
        self._check(request)
        days = reports.PERIOD_DAYS.get(request.GET.get("period", "30d"), 30)
        first, last = services.day_range(days)
        writer = csv.writer(Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in reports.csv_rows(request.user, first, last)),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.now().date().isoformat()
        response["Content-Disposition"] = f'attachment; filename="reading-figures-{stamp}.csv"'
        return response

    def article_view(self, request, article_id):
        self._check(request)
        article = get_object_or_404(reports.visible_articles(request.user), pk=article_id)
        first, last = services.day_range(30)
        series = reports.article_series(article, first, last)
        views = sum(row["views"] for row in series)
        engaged = sum(row["average"] * row["views"] for row in series)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reading figures: {article.headline}",
            "article": article,
            "series": series,
            "chart": reports.svg_chart(series),
            "hours": (hours := reports.article_hours(article, timezone.now().astimezone(UTC))),
            "hours_chart": reports.svg_chart(hours, title_id="hours-chart-title", hourly=True),
            "views": views,
            "visitors": sum(row["visitors"] for row in series),
            "average": reports.average_engaged(engaged, views),
            "referrers": reports.referrers(article, first, last),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "analytics/admin/article.html", context)


@admin.register(MostReadExclusion)
class MostReadExclusionAdmin(admin.ModelAdmin):
    """Editors keep an article out of "Most read"."""

    list_display = ["article", "reason", "excluded_by", "excluded_at"]
    raw_id_fields = ["article"]

    def _editor(self, request):
        return request.user.is_active and request.user.has_perm("articles.publish_article")

    def has_module_permission(self, request):
        return self._editor(request)

    def has_view_permission(self, request, obj=None):
        return self._editor(request)

    def has_add_permission(self, request):
        return self._editor(request)

    def has_change_permission(self, request, obj=None):
        return self._editor(request)

    def has_delete_permission(self, request, obj=None):
        return self._editor(request)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.excluded_by = request.user
        super().save_model(request, obj, form, change)
