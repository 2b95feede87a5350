"""The newsroom's reading figures: top articles and sections, one article over time, its
referrers, the CSV export and the SVG chart (the admin shows them)."""

from datetime import date, timedelta

from django.db.models import Sum
from django.utils.html import format_html, format_html_join

from articles.analytics.models import DailyCount, HourlyCount, ReferrerCount
from articles.models import Article, Section

PERIOD_DAYS = {"today": 1, "7d": 7, "30d": 30}


def visible_articles(user):
    """The articles whose figures `user` may see: editors all, writers their own, else none."""
    if user.is_active and user.has_perm("articles.publish_article"):
        return Article.objects.all()
    if user.is_active and user.has_perm("articles.change_article"):
        return Article.objects.owned_by(user)
    return Article.objects.none()


def may_see_figures(user) -> bool:
    return user.is_active and (
        user.has_perm("articles.publish_article") or user.has_perm("articles.change_article")
    )


def _rows(user, first: date, last: date):
    return DailyCount.objects.filter(
        day__gte=first, day__lte=last, article__in=visible_articles(user).values("pk")
    )


def top_articles(user, first: date, last: date, limit=20) -> list[dict]:
    """Articles by views between two days (inclusive): views, visitors, engaged seconds."""
    rows = (
        _rows(user, first, last)
        .values("article", "article__headline", "article__section__name")
        .annotate(views=Sum("views"), visitors=Sum("visitors"), engaged=Sum("engaged_seconds"))
        .order_by("-views", "article")[:limit]
    )
    return [dict(row, average=average_engaged(row["engaged"], row["views"])) for row in rows]


def top_sections(user, first: date, last: date) -> list[dict]:
    return list(
        _rows(user, first, last)
        .values("article__section", "article__section__name")
        .annotate(views=Sum("views"), visitors=Sum("visitors"))
        .order_by("-views", "article__section")
    )


def now_articles(user, counts) -> list[dict]:
    """Articles read in the last five minutes (live ones and any other the user may see)."""
    articles = visible_articles(user).filter(pk__in=list(counts)).values("pk", "headline")
    rows = [
        {"article": a["pk"], "headline": a["headline"], "views": counts[a["pk"]]} for a in articles
    ]
    return sorted(rows, key=lambda row: (-row["views"], row["article"]))[:20]


def average_engaged(seconds, views) -> int:
    return round(seconds / views) if views else 0


def article_series(article, first: date, last: date) -> list[dict]:
    """One row per day (zeros where nobody read it)."""
    found = {
        row.day: row
        for row in DailyCount.objects.filter(article=article, day__gte=first, day__lte=last)
    }
    series = []
    day = first
    while day <= last:
        row = found.get(day)
        views, visitors, engaged = (
            (row.views, row.visitors, row.engaged_seconds) if row else (0, 0, 0)
        )
        series.append(
            {"day": day, "at": day, "views": views, "visitors": visitors,
             "average": average_engaged(engaged, views)}
        )  # fmt: skip
        day += timedelta(days=1)
    return series


def article_hours(article, now) -> list[dict]:
    """One row per hour of the last 48 (zeros where nobody read it)."""
    last = now.replace(minute=0, second=0, microsecond=0)
    first = last - timedelta(hours=47)
    found = {row.hour: row for row in HourlyCount.objects.filter(article=article, hour__gte=first)}
    rows = []
    for index in range(48):
        hour = first + timedelta(hours=index)
        row = found.get(hour)
        rows.append({"at": hour, "views": row.views if row else 0,
                     "visitors": row.visitors if row else 0})  # fmt: skip
    return rows


def referrers(article, first: date, last: date, limit=20) -> list[dict]:
    return list(
        ReferrerCount.objects.filter(article=article, day__gte=first, day__lte=last)
        .values("host")
        .annotate(views=Sum("views"))
        .order_by("-views", "host")[:limit]
    )


def csv_rows(user, first: date, last: date):
    """Day, article, headline, section, views, visitors, engaged seconds."""
    yield ["day", "article_id", "headline", "section", "views", "visitors", "engaged_seconds"]
    rows = _rows(user, first, last).select_related("article__section").order_by("day", "article_id")
    for row in rows.iterator():
        yield [
            row.day.isoformat(), row.article_id, row.article.headline,
            row.article.section.name, row.views, row.visitors, row.engaged_seconds,
        ]  # fmt: skip


def section_names() -> dict:
    return dict(Section.objects.values_list("pk", "name"))


WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


def nice_top(value: int) -> int:
    """The first of 1, 2, 5, 10, 20, 50, … at or above `value` (the y axis's top)."""
    top = 1
    while True:
        for factor in (1, 2, 5):
            if top * factor >= value:
                return top * factor
        top *= 10


def svg_chart(series, *, title_id="chart-title", hourly=False) -> str:
    """Views and visitors per day (or per hour): a line chart with axes, tick labels, a legend
    and a title (the table beside it carries the same figures)."""
    unit, axis, tick, stamp = (
        ("hour", "Hour (UTC)", "%H:00", "%Y-%m-%d %H:00") if hourly
        else ("day", "Day (UTC)", "%b %-d", "%Y-%m-%d")
    )  # fmt: skip
    top = nice_top(max((row["views"] for row in series), default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(series) - 1, 1)

    def x(index):
        return round(LEFT + index * step, 1)

    def y(value):
        return round(TOP + inner_h - value / top * inner_h, 1)

    def points(field):
        return " ".join(f"{x(i)},{y(row[field])}" for i, row in enumerate(series))

    ticks = sorted({top * i // 4 for i in range(5)})
    y_axis = format_html_join(
        "",
        '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="#ddd"/>'
        '<text x="{3}" y="{4}" text-anchor="end" font-size="11">{5}</text>',
        ((LEFT, WIDTH - RIGHT, y(t), LEFT - 6, y(t) + 4, t) for t in ticks),
    )
    every = max(1, len(series) // 6)
    x_axis = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>',
        (
            (x(i), HEIGHT - BOTTOM + 16, row["at"].strftime(tick))
            for i, row in enumerate(series)
            if i % every == 0 or i == len(series) - 1
        ),
    )
    return format_html(
        '<svg class="analytics-chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{tid}">'
        '<title id="{tid}">Views and visitors per {unit}, {first} to {last}</title>'
        '{y_axis}'
        '<line x1="{l}" x2="{l}" y1="{t}" y2="{b}" stroke="#333"/>'
        '<line x1="{l}" x2="{r}" y1="{b}" y2="{b}" stroke="#333"/>'
        '{x_axis}'
        '<text x="{l}" y="{h}" font-size="11" dy="-4">{axis}</text>'
        '<polyline fill="none" stroke="#205493" stroke-width="2" points="{views}"/>'
        '<polyline fill="none" stroke="#c05600" stroke-width="2" stroke-dasharray="5 3" '
        'points="{visitors}"/>'
        '<text x="{r}" y="{t}" text-anchor="end" font-size="11" fill="#205493">— views</text>'
        '<text x="{r}" y="{t2}" text-anchor="end" font-size="11" fill="#c05600">- - visitors</text>'
        "</svg>",
        w=WIDTH, h=HEIGHT, tid=title_id,
        first=series[0]["at"].strftime(stamp) if series else "",
        last=series[-1]["at"].strftime(stamp) if series else "",
        unit=unit, axis=axis,
        y_axis=y_axis, x_axis=x_axis, l=LEFT, r=WIDTH - RIGHT, t=TOP, t2=TOP + 14,
        b=HEIGHT - BOTTOM, views=points("views"), visitors=points("visitors"),
    )  # fmt: skip
