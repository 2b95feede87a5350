"""The ads report: daily offers, viewable impressions and clicks, and a server-drawn chart."""

from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from ads.models import PlacementStat

DAYS = 30


def ctr(clicks, impressions) -> str:
    """Click-through rate on viewable impressions, as a percentage."""
    return f"{100 * clicks / impressions:.2f}%" if impressions else "—"


def thirty_days(*, today=None, **filters) -> dict:
    """Per-day and per-placement totals for the last 30 days (UTC) matching `filters`."""
    today = today or timezone.now().date()
    start = today - timedelta(days=DAYS - 1)
    stats = PlacementStat.objects.filter(date__gte=start, date__lte=today, **filters)
    sums = {"offers": Sum("offers"), "impressions": Sum("impressions"), "clicks": Sum("clicks")}
    by_day = {row["date"]: row for row in stats.values("date").annotate(**sums)}
    days = []
    for offset in range(DAYS):
        day = start + timedelta(days=offset)
        row = by_day.get(day, {})
        offers, views, clicks = (row.get(k) or 0 for k in ("offers", "impressions", "clicks"))
        days.append({"date": day, "offers": offers, "impressions": views, "clicks": clicks})
    placements = [
        {**row, "ctr": ctr(row["clicks"], row["impressions"])}
        for row in stats.values("placement", "placement__creative__name", "placement__slot__code")
        .annotate(**sums)
        .order_by("-impressions", "placement")
    ]
    totals = {k: sum(d[k] for d in days) for k in ("offers", "impressions", "clicks")}
    totals["ctr"] = ctr(totals["clicks"], totals["impressions"])
    for day in days:
        day["ctr"] = ctr(day["clicks"], day["impressions"])
    return {"days": days, "placements": placements, "totals": totals}


def svg_chart(days, *, width=600, height=160) -> str:
    """Bars for viewable impressions and a line for clicks, one step per day, as inline SVG."""
    top = max([d["impressions"] for d in days] + [d["offers"] for d in days] + [1])
    top_clicks = max([d["clicks"] for d in days] + [1])
    step = width / len(days)
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#79aec8">'
        "<title>{}: {} viewable, {} clicks</title></rect>",
        (
            (
                f"{i * step + 1:.1f}",
                f"{height - d['impressions'] / top * height:.1f}",
                f"{step - 2:.1f}",
                f"{d['impressions'] / top * height:.1f}",
                d["date"].isoformat(),
                d["impressions"],
                d["clicks"],
            )
            for i, d in enumerate(days)
        ),
    )
    points = " ".join(
        f"{i * step + step / 2:.1f},{height - d['clicks'] / top_clicks * height:.1f}"
        for i, d in enumerate(days)
    )
    return format_html(
        '<svg class="ads-chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'xmlns="http://www.w3.org/2000/svg"><title>Viewable impressions (bars) and clicks '
        '(line) per day</title>{bars}<polyline points="{points}" fill="none" stroke="#ba2121" '
        'stroke-width="2"/></svg>',
        w=width,
        h=height,
        bars=bars,
        points=mark_safe(points),  # noqa: S308 (numbers only)
    )
