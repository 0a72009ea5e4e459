"""Images from the web: refused unless book.toml allows them, then downloaded once and checked."""

from __future__ import annotations

import http.server
import io
import threading
import zipfile

import pytest
from PIL import Image

from bookbuild.errors import Report
from bookbuild.pipeline import build

from .conftest import problems_of


def _png() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(output, format="PNG")
    return output.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        status, headers, body = self.routes.get(self.path, (404, {}, b"missing"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    _Handler.routes = {
        "/flag.png": (200, {"Content-Type": "image/png"}, _png()),
        "/moved.png": (302, {"Location": "http://elsewhere.example/flag.png"}, b""),
        "/page.html": (200, {"Content-Type": "text/html"}, b"<html></html>"),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _book(project, base: str, allow: bool, path: str = "/flag.png"):
    return project({
        "manuscript/book.toml": f"remote-resources = {'true' if allow else 'false'}\n",
        "manuscript/01.md": f"# Flags\n\n![A blue flag]({base}{path} \"A flag\")\n",
    })


def test_web_images_are_refused_by_default(project, server, tmp_path):
    root = _book(project, server, allow=False)
    [problem] = problems_of(lambda: build(root, ("pdf",), None, tmp_path / "out", Report(stream=None)))
    assert problem == (f"manuscript/01.md:3:1: error: image '{server}/flag.png' is not a file of the project\n"
                       "  hint: download it into the manuscript folder and link to it by relative path, or allow "
                       "images from the web with remote-resources = true in book.toml")


def test_allowed_web_images_are_downloaded_once_and_embedded(project, server):
    root = _book(project, server, allow=True)
    written = build(root, ("pdf", "epub"), None, None, Report(stream=None))
    cached = list((root / "build" / ".cache" / "remote").glob("*.png"))
    assert len(cached) == 1
    epub = next(path for path in written if path.suffix == ".epub")
    with zipfile.ZipFile(epub) as archive:
        assert any(name.startswith("EPUB/images/") and name.endswith(".png") for name in archive.namelist())
    _Handler.routes.clear()  # the second build needs no network
    assert build(root, ("pdf",), None, None, Report(stream=None))


@pytest.mark.parametrize("path, message", [
    ("/moved.png", "redirects to 'http://elsewhere.example/flag.png'; give the final address"),
    ("/page.html", "is not an image (the server says 'text/html')"),
    ("/missing.png", "could not be downloaded: the server answered 404"),
])
def test_bad_web_images(project, server, path, message):
    root = _book(project, server, allow=True, path=path)
    [problem] = problems_of(lambda: build(root, ("pdf",), None, None, Report(stream=None)))
    assert problem == f"manuscript/01.md:3:1: error: image URL '{server}{path}' {message}"
