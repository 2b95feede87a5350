"""Where an attachment's file comes from: a copied `wp-content/uploads` folder, or the old
site's uploads address over HTTP (with retries). Only paths under the given folder or address
are ever read: an export cannot point the importer at another file or host."""

import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

MAX_BYTES = 30 * 1024 * 1024  # the media library's upload limit (articles/media/validation.py)
RETRIES = 3
TIMEOUT = 20
BACKOFF = 0.5
_SIZED = re.compile(r"-(?:\d+x\d+|scaled)(?=\.[A-Za-z0-9]+$)")
UPLOADS = "/wp-content/uploads/"


class SourceError(Exception):
    """The file could not be had; the message is the report's reason."""


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
        for attempt in range(self.retries):
            try:
                # The address is built from the media address the administrator gave.
                with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
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
