"""Redirects: saving them (always local paths) and finding the one for a request."""

from urllib.parse import quote, unquote, urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction

from articles.redirects.models import OLD_PATH_INVALID, TARGET_INVALID, Redirect, is_local_path

# Query parameters that name a WordPress object (`/?p=123`): kept in the old address.
KEPT_QUERY = ("p", "page_id", "attachment_id", "cat", "tag", "author")


def normalise(path: str) -> str:
    """An old address as stored and looked up: decoded (`%C3%A9` → `é`), query dropped unless it
    names a WordPress object (`/?p=123`)."""
    parts = urlsplit(path)
    clean = unquote(parts.path or "/")
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name in KEPT_QUERY and value.isdigit():
            return f"{clean}?{name}={int(value)}"
    return clean


def save_redirect(*, old_path: str, new_path: str, origin: str = "", is_permanent=True):
    """Send `old_path` to `new_path` (both paths on this site), replacing an earlier redirect of
    the same old address. Returns the redirect, or None when both are the same address."""
    if not is_local_path(old_path) or not is_local_path(old_path := normalise(old_path)):
        raise ValidationError(OLD_PATH_INVALID)
    if not is_local_path(new_path):
        raise ValidationError(TARGET_INVALID)
    if old_path == new_path:
        return None
    with transaction.atomic():
        redirect, _ = Redirect.objects.update_or_create(
            old_path=old_path,
            defaults={"new_path": new_path, "origin": origin, "is_permanent": is_permanent},
        )
    return redirect


def find_redirect(path: str, query: dict | None = None) -> Redirect | None:
    """The redirect for a request's path (decoded, as `request.path`) and query, if any."""
    query = query or {}
    candidates = []
    for name in KEPT_QUERY:
        value = query.get(name, "")
        if value.isdigit():
            candidates.append(f"{path}?{name}={int(value)}")
    candidates.append(path)
    candidates.append(path[:-1] if path.endswith("/") and len(path) > 1 else f"{path}/")
    found = {r.old_path: r for r in Redirect.objects.filter(old_path__in=candidates)}
    for candidate in candidates:
        if candidate in found and is_local_path(found[candidate].new_path):
            return found[candidate]
    return None


def _quote_nginx(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nginx_map(variable: str = "$newsroom_redirect") -> str:
    """Every redirect as an nginx `map` of `$request_uri` (old address → new), for serving
    them before the application (docs/migrating-from-wordpress.md shows the server block)."""
    lines = [f"map $request_uri {variable} {{", '    default "";']
    for old, new in Redirect.objects.order_by("old_path").values_list("old_path", "new_path"):
        if is_local_path(old) and is_local_path(new):
            lines.append(f"    {_quote_nginx(_encode(old))} {_quote_nginx(new)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _encode(path: str) -> str:
    """nginx compares the raw (percent-encoded) request line."""
    return quote(path, safe="/?=&-_.~")
