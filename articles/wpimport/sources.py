"""Where an attachment's file comes from: a copied `wp-content/uploads` folder, or the old
site's uploads address over HTTP (with retries). Only paths under the given folder or address
are ever read: an export cannot point the importer at another file or host."""

import http.client
import ipaddress
import re
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings

MAX_BYTES = 30 * 1024 * 1024  # the media library's upload limit (articles/media/validation.py)
RETRIES = 3
TIMEOUT = 20
BACKOFF = 0.5
_SIZED = re.compile(r"-(?:\d+x\d+|scaled)(?=\.[A-Za-z0-9]+$)")
UPLOADS = "/wp-content/uploads/"


class SourceError(Exception):
    """The file could not be had; the message is the report's reason."""


REFUSED = "refused: {host} is an internal address ({address})"
REFUSED_SCHEME = "refused: a redirect to a {scheme}: address"


def _allowed(address) -> bool:
    """Whether the importer may connect to this address: a public one only (never loopback,
    private, link-local, multicast, reserved or unspecified), or loopback when the setting
    `NEWSROOM_WPIMPORT_ALLOW_LOOPBACK` says so (tests, a local mirror)."""
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return bool(getattr(settings, "NEWSROOM_WPIMPORT_ALLOW_LOOPBACK", False))
    return address.is_global and not (
        address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def vetted_address(host: str, port: int) -> tuple:
    """Resolve `host` once and refuse it if any address it gives is internal; the caller
    connects to the address returned, so a second lookup (DNS rebinding) cannot change it."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise urllib.error.URLError(error) from error
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not _allowed(address):
            raise SourceError(REFUSED.format(host=host, address=address))
    family, _, _, _, sockaddr = found[0]
    return family, sockaddr


def _connect(connection) -> socket.socket:
    family, sockaddr = vetted_address(connection.host, connection.port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(connection.timeout if connection.timeout is not None else TIMEOUT)
    try:
        sock.connect(sockaddr)
    except OSError:
        sock.close()
        raise
    return sock


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = _connect(self)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        self.sock = self._context.wrap_socket(_connect(self), server_hostname=self.host)


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_GuardedHTTPSConnection, req)


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed to http(s) addresses only, each through the same guard."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        scheme = urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https", ""):
            raise SourceError(REFUSED_SCHEME.format(scheme=scheme))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def guarded_opener() -> urllib.request.OpenerDirector:
    """An opener that never uses a proxy from the environment, connects only to vetted
    addresses, and follows redirects only to http(s) addresses that pass the same check."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _GuardedHTTPHandler,
        _GuardedHTTPSHandler,
        _GuardedRedirects,
    )


def relative_upload(url_or_path: str) -> str:
    """`2026/03/photo.jpg` from an uploads URL, a `_wp_attached_file` value or a path."""
    value = unquote(urlsplit(url_or_path).path if "://" in url_or_path else url_or_path)
    if UPLOADS in value:
        value = value.split(UPLOADS, 1)[1]
    return value.lstrip("/")


def original_of(relative: str) -> str:
    """The original's path for a sized variant (`photo-300x200.jpg` → `photo.jpg`)."""
    return _SIZED.sub("", relative)


def _safe_relative(relative: str) -> str:
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if not parts or ".." in parts or "\\" in relative or "\x00" in relative:
        raise SourceError("unsafe file path in the export")
    return "/".join(parts)


class FolderSource:
    """A copied uploads folder."""

    def __init__(self, root):
        self.root = Path(root).resolve()

    def exists(self, relative: str) -> bool:
        try:
            return self._path(relative).is_file()
        except SourceError:
            return False

    def _path(self, relative):
        path = (self.root / _safe_relative(relative)).resolve()
        if not path.is_relative_to(self.root):
            raise SourceError("unsafe file path in the export")
        return path

    def read(self, relative: str) -> bytes:
        path = self._path(relative)
        if not path.is_file():
            raise SourceError("file not found in the uploads folder")
        if path.stat().st_size > MAX_BYTES:
            raise SourceError("file larger than 30 MB")
        return path.read_bytes()


class HttpSource:
    """The old site's uploads address; 5xx and timeouts are retried with backoff."""

    def __init__(self, base: str):
        if urlsplit(base).scheme not in ("http", "https"):
            raise ValueError("The media address must start with http:// or https://.")
        self.base = base.rstrip("/") + "/"
        self.retries, self.timeout, self.backoff = RETRIES, TIMEOUT, BACKOFF

    def exists(self, relative: str) -> bool:
        return True  # a dry run does not download

    def read(self, relative: str) -> bytes:
        url = self.base + quote(_safe_relative(relative))
        last = "download failed"
        opener = guarded_opener()
        for attempt in range(self.retries):
            try:
                # The address is built from the media address the administrator gave; the
                # opener refuses internal hosts (and redirects to them).
                with opener.open(url, timeout=self.timeout) as response:
                    length = response.headers.get("Content-Length")
                    if length and length.isdigit() and int(length) > MAX_BYTES:
                        raise SourceError("file larger than 30 MB")
                    data = response.read(MAX_BYTES + 1)
                    if len(data) > MAX_BYTES:
                        raise SourceError("file larger than 30 MB")
                    return data
            except urllib.error.HTTPError as error:
                last = f"download failed (HTTP {error.code})"
                if error.code < 500:
                    raise SourceError(last) from error
            except (urllib.error.URLError, TimeoutError, OSError) as error:
                last = "download failed (timeout or connection error)"
                if attempt == self.retries - 1:
                    raise SourceError(last) from error
            time.sleep(self.backoff * (2**attempt))
        raise SourceError(last)


def source_for(media_from: str):
    """The source for `--media-from` (a folder or an address), or None."""
    if not media_from:
        return None
    if media_from.startswith(("http://", "https://")):
        return HttpSource(media_from)
    if not Path(media_from).is_dir():
        raise ValueError(f"The media folder {media_from} does not exist.")
    return FolderSource(media_from)
