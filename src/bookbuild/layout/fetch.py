"""Turn the URLs a document asks for into file contents, but only the project's own.

WeasyPrint fetches images and stylesheets through this fetcher.  It serves
regular files inside the project folder or the default theme (after symlinks
are resolved) and ``data:`` URLs, each up to a size limit.  Anything else —
``file:`` URLs outside the project, devices, ``http(s):`` unless book.toml
allows remote resources — stops the build with an error naming the URL.
"""

from __future__ import annotations

import base64
import mimetypes
import urllib.parse
from pathlib import Path

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

MAX_RESOURCE_BYTES = 50 * 1024 * 1024


class ResourceRefused(FatalURLFetchingError):
    """A resource the build may not read."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{reason}: {url[:200]}")
        self.url = url
        self.reason = reason


class ProjectFetcher(URLFetcher):
    """A URL fetcher confined to the project and the theme."""

    def __init__(self, allowed_roots: list[Path], max_bytes: int = MAX_RESOURCE_BYTES):
        super().__init__(allow_redirects=False, fail_on_errors=True)
        self.allowed_roots = [root.resolve() for root in allowed_roots]
        self.max_bytes = max_bytes

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            return self._file(url)
        raise ResourceRefused(url, "only files of the project may be used")

    def _file(self, url: str) -> URLFetcherResponse:
        parsed = urllib.parse.urlsplit(url)
        if parsed.netloc not in ("", "localhost"):
            raise ResourceRefused(url, "only local files of the project may be used")
        path = Path(urllib.parse.unquote(parsed.path))
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise ResourceRefused(url, "file does not exist") from None
        if not any(resolved == root or root in resolved.parents for root in self.allowed_roots):
            raise ResourceRefused(url, "file lies outside the project")
        if not resolved.is_file():
            raise ResourceRefused(url, "not a regular file")
        size = resolved.stat().st_size
        if size > self.max_bytes:
            raise ResourceRefused(url, f"file is larger than {self.max_bytes // (1024 * 1024)} MB")
        media_type = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        return URLFetcherResponse(resolved.as_uri(), resolved.read_bytes(), {"Content-Type": media_type})

    def _data(self, url: str) -> URLFetcherResponse:
        header, _, payload = url.partition(",")
        if len(payload) > self.max_bytes * 4 // 3 + 4:
            raise ResourceRefused(url, "data URL is too large")
        media_type = header[5:].split(";")[0] or "text/plain"
        if header.endswith(";base64"):
            try:
                body = base64.b64decode(payload, validate=False)
            except ValueError:
                raise ResourceRefused(url, "data URL is not valid base64") from None
        else:
            body = urllib.parse.unquote_to_bytes(payload)
        return URLFetcherResponse(url, body, {"Content-Type": media_type})
