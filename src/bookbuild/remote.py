"""Turn the web address of an image into a checked local copy, when book.toml allows it.

Only with ``remote-resources = true``: the image is downloaded once over
http(s) — no redirects, at most ``MAX_DOWNLOAD_BYTES``, within
``TIMEOUT_SECONDS``, and only if the server says it is an image — into
``build/.cache/remote/``, named by a hash of its address.  From then on it is
an image of the project like any other: checked before rendering, embedded
in the PDF and packaged in the EPUB.  The cache is safe to delete.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

MAX_DOWNLOAD_BYTES = 30 * 1024 * 1024
TIMEOUT_SECONDS = 20
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
              "image/svg+xml": ".svg"}


class RemoteImageError(Exception):
    """Why a remote image cannot be used (the message completes "image URL …")."""


def remote_folder(cache_dir: Path) -> Path:
    return cache_dir / "remote"


def fetch_remote_image(url: str, cache_dir: Path) -> Path:
    """The local copy of the image at *url*, downloading it if the cache lacks it."""
    if not url.lower().startswith(("http://", "https://")):
        raise RemoteImageError("is not an http or https address")
    folder = remote_folder(cache_dir)
    stem = hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]
    for extension in EXTENSIONS.values():
        cached = folder / (stem + extension)
        if cached.is_file() and not cached.is_symlink():  # a link the project shipped in build/ is not a download
            return cached
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)  # no redirect handler: a redirect is an error
    request = urllib.request.Request(url, headers={"User-Agent": "bookbuild"})
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            media_type = (response.headers.get_content_type() or "").lower()
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:
            raise RemoteImageError(f"redirects to '{error.headers.get('Location', '?')}'; give the final "
                                   "address") from None
        raise RemoteImageError(f"could not be downloaded: the server answered {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise RemoteImageError(f"could not be downloaded: {reason}") from None
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise RemoteImageError(f"is larger than {MAX_DOWNLOAD_BYTES // (1024 * 1024)} MB")
    if media_type not in EXTENSIONS:
        raise RemoteImageError(f"is not an image (the server says '{media_type or 'nothing'}')")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (stem + EXTENSIONS[media_type])
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, target)
    return target
