"""Keyset paging: opaque, signed cursors over (time, id), newest first, no COUNT unless asked."""

from datetime import datetime

from django.core import signing
from django.db.models import Q
from django.http import QueryDict

from articles.api.http import ApiProblem
from articles.publication import absolute_url

SALT = "articles.api.cursor"
LIMIT_DEFAULT, LIMIT_MAX = 20, 100
BAD_CURSOR = "The cursor is not one this API gave out (copy the `next` URL as it is)."


def encode(value, pk) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    return signing.dumps([value, pk], salt=SALT, compress=True)


def decode(cursor: str, *, is_time: bool):
    try:
        value, pk = signing.loads(cursor, salt=SALT)
        if not isinstance(pk, int) or not isinstance(value, str):
            raise ValueError(cursor)
        return (datetime.fromisoformat(value) if is_time else value), pk
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise ApiProblem(400, BAD_CURSOR) from exc


def page(queryset, *, request, field: str, limit: int, cursor: str | None, is_time=True):
    """(rows, next URL or None): up to `limit` rows of `queryset` ordered by `field` then id,
    both descending for times and ascending otherwise, after `cursor`."""
    descending = is_time
    if cursor:
        value, pk = decode(cursor, is_time=is_time)
        beyond, tie = ("lt", "lt") if descending else ("gt", "gt")
        queryset = queryset.filter(
            Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"pk__{tie}": pk})
        )
    order = [f"-{field}", "-pk"] if descending else [field, "pk"]
    rows = list(queryset.order_by(*order)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    query = QueryDict(mutable=True)
    query.update(request.GET)
    query["cursor"] = encode(getattr(last, field), last.pk)
    return rows, absolute_url(f"{request.path}?{query.urlencode()}")
