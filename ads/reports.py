"""The ads report: daily offers, viewable impressions and clicks, and a server-drawn chart."""

from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.html import format_html
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


def nice_top(value: int) -> int:
    """The axis' top: `value` rounded up to 1, 2 or 5 times a power of ten (at least 4)."""
    value = max(value, 4)
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover (the loop always returns)


# Colours with at least 3:1 contrast on white (the bars and line) and 4.5:1 (the text).
BAR, LINE, TEXT, GRID = "#2f6f95", "#ba2121", "#333333", "#d9d9d9"


def svg_chart(days, *, width=640, height=260) -> str:
    """Bars for viewable impressions (left axis) and a line for clicks (right axis), one step
    per day, with both axes, their labels, day labels and a legend, as inline SVG. The same
    figures are in the report's "By day" table, which the chart's description points to."""
    left, right, top, bottom = 64, 56, 36, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    views_top = nice_top(max(d["impressions"] for d in days) if days else 0)
    clicks_top = nice_top(max(d["clicks"] for d in days) if days else 0)
    step = plot_w / max(len(days), 1)
    base = top + plot_h

    def y(value, scale):
        return base - value / scale * plot_h

    parts = []
    for i in range(5):  # gridlines and both axes' tick labels
        fraction = i / 4
        line_y = f"{base - fraction * plot_h:.1f}"
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="end">{}</text>'
                '<text x="{}" y="{}" text-anchor="start">{}</text>',
                left,
                left + plot_w,
                line_y,
                line_y,
                GRID,
                left - 6,
                f"{float(line_y) + 4:.1f}",
                f"{round(views_top * fraction):,}",
                left + plot_w + 6,
                f"{float(line_y) + 4:.1f}",
                f"{round(clicks_top * fraction):,}",
            )  # fmt: skip
        )
    for i, d in enumerate(days):
        bar_h = d["impressions"] / views_top * plot_h
        parts.append(
            format_html(
                '<rect class="ads-chart__bar" x="{}" y="{}" width="{}" height="{}" fill="{}">'
                "<title>{}: {} viewable, {} clicks</title></rect>",
                f"{left + i * step + 1:.1f}",
                f"{base - bar_h:.1f}",
                f"{max(step - 2, 1):.1f}",
                f"{bar_h:.1f}",
                BAR,
                d["date"].isoformat(),
                d["impressions"],
                d["clicks"],
            )  # fmt: skip
        )
        # A day label each week and on the last day (a weekly one too close to it left out).
        if (i % 7 == 0 and i < len(days) - 4) or i == len(days) - 1:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{left + i * step + step / 2:.1f}",
                    base + 16,
                    d["date"].strftime("%b %-d"),
                )
            )
    points = " ".join(
        f"{left + i * step + step / 2:.1f},{y(d['clicks'], clicks_top):.1f}"
        for i, d in enumerate(days)
    )
    first = days[0]["date"].isoformat() if days else ""
    last = days[-1]["date"].isoformat() if days else ""
    return format_html(
        '<figure class="ads-chart-figure">'
        '<svg class="ads-chart" role="img" aria-labelledby="ads-chart-title ads-chart-desc" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="sans-serif" font-size="11" '
        'fill="{text}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="ads-chart-title">Viewable impressions (bars) and clicks (line) per day, '
        "{first} to {last}</title>"
        '<desc id="ads-chart-desc">The same figures are in the table “By day” below.</desc>'
        "{parts}"
        '<line x1="{left}" x2="{left}" y1="{top}" y2="{base}" stroke="{text}"/>'
        '<line x1="{right_x}" x2="{right_x}" y1="{top}" y2="{base}" stroke="{text}"/>'
        '<line x1="{left}" x2="{right_x}" y1="{base}" y2="{base}" stroke="{text}"/>'
        '<polyline points="{points}" fill="none" stroke="{line}" stroke-width="2"/>'
        '<text x="14" y="{mid}" text-anchor="middle" transform="rotate(-90 14 {mid})">'
        "Viewable impressions</text>"
        '<text x="{far}" y="{mid}" text-anchor="middle" transform="rotate(90 {far} {mid})">'
        "Clicks</text>"
        '<text x="{center}" y="{day_y}" text-anchor="middle">Day (UTC)</text>'
        '<g class="ads-chart__legend">'
        '<rect x="{left}" y="8" width="14" height="12" fill="{bar}"/>'
        '<text x="{legend_text}" y="18">Viewable impressions (left axis)</text>'
        '<line x1="{legend_line}" x2="{legend_line_end}" y1="14" y2="14" stroke="{line}" '
        'stroke-width="2"/><text x="{legend_line_text}" y="18">Clicks (right axis)</text>'
        "</g></svg></figure>",
        w=width,
        h=height,
        text=TEXT,
        bar=BAR,
        line=LINE,
        first=first,
        last=last,
        parts=mark_safe("".join(parts)),  # noqa: S308 (each part built by format_html)
        left=left,
        top=top,
        base=f"{base:.1f}",
        right_x=left + plot_w,
        points=mark_safe(points),  # noqa: S308 (numbers only)
        mid=f"{top + plot_h / 2:.1f}",
        far=width - 12,
        center=f"{left + plot_w / 2:.1f}",
        day_y=height - 6,
        legend_text=left + 20,
        legend_line=left + 230,
        legend_line_end=left + 250,
        legend_line_text=left + 256,
    )
