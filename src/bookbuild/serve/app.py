"""Serve the preview of a project on 127.0.0.1 and push every update to the open page.

Starlette answers the requests and Uvicorn runs it, on a socket bound to
127.0.0.1 only; a request naming another host is refused (no DNS rebinding).
What can be served is fixed: the preview page and its script and styles, the
stream of updates (server-sent events), the book's HTML view with the
stylesheets and images it loads (the theme's files, the project's styles
folder and the images the book shows; symlinks resolved, nothing outside
them) and the PDF, from memory.

watchfiles watches the manuscript and styles folders.  A save renders the HTML
view again at once, in the main thread (where a template's time bound
applies, as in a build), then the PDF is laid out in a background thread, one
layout at a time, always of the latest good save; the layout workers stay
started between saves.  Uvicorn serves from a thread of its own.  Ctrl-C
stops the server and the workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..errors import BookbuildError, SourceLocation
from ..project import locate_project
from .preview import STATIC_DIR, Preview, served_file

HOST = "127.0.0.1"
STATIC_FILES = {"preview.js": "text/javascript", "preview.css": "text/css", "screen.css": "text/css"}
# The book's HTML view runs no script and loads only what this server serves.
VIEW_POLICY = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
PAGE_POLICY = ("default-src 'self'; object-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
               "form-action 'none'")
KEEP_ALIVE_SECONDS = 15


class PreviewServer:
    """The web side of a :class:`Preview`: routes, the update stream, the file watcher and the PDF thread."""

    def __init__(self, preview: Preview, log: Callable[[str, bool], None] | None = None):
        self.preview = preview
        self.log = log or (lambda message, problem: None)  # (message, whether it is a problem)
        self.should_exit: Callable[[], bool] = lambda: False
        self._clients: set[asyncio.Queue] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pdf_wanted = threading.Event()
        self._closing = threading.Event()
        self._pdf_busy = False
        self._pdf_thread: threading.Thread | None = None

    # -- the application ---------------------------------------------------------------------------------

    def app(self) -> Starlette:
        routes = [
            Route("/", self.page),
            Route("/static/{name}", self.static),
            Route("/events", self.events),
            Route("/state", self.state),
            Route("/view", self.view),
            Route("/view/{path:path}", self.view_file),
            Route("/preview.pdf", self.pdf),
        ]
        return Starlette(routes=routes, lifespan=self.lifespan,
                         middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=[HOST, "localhost"])])

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette):
        self._loop = asyncio.get_running_loop()
        self.publish()
        yield

    # -- updates -----------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the thread that lays out the PDFs."""
        self._pdf_thread = threading.Thread(target=self._lay_out_pdfs, name="bookbuild-preview-pdf", daemon=True)
        self._pdf_thread.start()

    def stop(self) -> None:
        """Stop laying out: the layout under way is finished (or its workers stopped by the process's end)."""
        self._closing.set()
        self.preview.keep_warm = False
        self._pdf_wanted.set()
        if self._pdf_thread is not None:
            self._pdf_thread.join(30)
        self.preview.close()

    def refresh(self, changed=()) -> None:
        """Render the HTML view again after *changed* files were saved (in the main thread, where the templates'
        time bound applies), tell the pages, and ask for the PDF."""
        changed_view = self.preview.refresh_html(changed)
        html = self.preview.html
        if changed_view and html is not None:
            self.log(f"updated {html.chapter or 'the book'} ({html.seconds:.2f} s)", False)
            self._pdf_wanted.set()
        for problem in self.preview.problems:
            self.log(problem.format(), True)
        self.publish()

    def watch(self) -> None:
        """Refresh the preview whenever a file of the manuscript, its book.toml or a style is saved, until Ctrl-C."""
        from watchfiles import DefaultFilter, watch

        project = locate_project(self.preview.project_dir)
        folders = [folder for folder in (project.manuscript_dir, project.styles_dir) if folder.is_dir()]
        editors_files = DefaultFilter()  # editors' swap and backup files, version control folders

        def wanted(change, path: str) -> bool:
            return editors_files(change, path) and project.is_source(Path(path))

        for changes in watch(*folders, watch_filter=wanted, step=50, debounce=400, stop_event=self._closing):
            self.refresh({Path(path) for _, path in changes})

    def _lay_out_pdfs(self) -> None:
        """In a thread: lay out the PDF of each good save, the latest one when saves come faster."""
        while True:
            self._pdf_wanted.wait()
            self._pdf_wanted.clear()
            if self._closing.is_set():
                return
            if not self.preview.pdf_wanted:
                continue
            self._pdf_busy = True
            self.publish()
            try:
                if self.preview.refresh_pdf() and self.preview.pdf is not None:
                    pdf = self.preview.pdf
                    self.log(f"laid out the PDF: {pdf.page_count} pages ({pdf.seconds:.2f} s)", False)
                for problem in self.preview.pdf_problems:
                    self.log(problem.format(), True)
            finally:
                self._pdf_busy = False
                self.publish()

    def publish(self) -> None:
        """Send the preview's state to every open page (from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        data = json.dumps(self.preview.state(self._pdf_busy))
        with contextlib.suppress(RuntimeError):  # the loop has just closed
            loop.call_soon_threadsafe(self._send, data)

    def _send(self, data: str) -> None:
        for queue in list(self._clients):
            queue.put_nowait(data)

    # -- routes ------------------------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        return FileResponse(STATIC_DIR / "preview.html", media_type="text/html",
                            headers={"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-cache"})

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            return Response("not found", 404)
        return FileResponse(STATIC_DIR / name, media_type=STATIC_FILES[name], headers={"Cache-Control": "no-cache"})

    async def state(self, request: Request) -> Response:
        return JSONResponse(self.preview.state(self._pdf_busy), headers={"Cache-Control": "no-store"})

    async def events(self, request: Request) -> Response:
        queue: asyncio.Queue = asyncio.Queue()
        self._clients.add(queue)
        queue.put_nowait(json.dumps(self.preview.state(self._pdf_busy)))

        async def stream():
            quiet = 0.0
            try:
                while not self.should_exit() and not self._closing.is_set():
                    try:
                        data = await asyncio.wait_for(queue.get(), 0.5)
                    except TimeoutError:
                        quiet += 0.5
                        if quiet >= KEEP_ALIVE_SECONDS:
                            quiet = 0.0
                            yield ": still here\n\n"
                        continue
                    quiet = 0.0
                    yield f"event: state\ndata: {data}\n\n"
            finally:
                self._clients.discard(queue)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def view(self, request: Request) -> Response:
        html = self.preview.html
        headers = {"Content-Security-Policy": VIEW_POLICY, "Cache-Control": "no-store"}
        if html is None:
            return HTMLResponse("<!DOCTYPE html><title>Preview</title><p>The preview is being prepared.</p>",
                                headers=headers)
        return HTMLResponse(html.document, headers=headers)

    async def view_file(self, request: Request) -> Response:
        path = served_file(self.preview.html, self.preview.project, request.path_params["path"])
        if path is None:
            return Response("not found", 404)
        return FileResponse(path, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    async def pdf(self, request: Request) -> Response:
        pdf = self.preview.pdf
        if pdf is None:
            return Response("the PDF is being laid out", 404)
        return Response(pdf.data, media_type="application/pdf",
                        headers={"Cache-Control": "no-store", "Content-Disposition": "inline"})


def listening_socket(port: int) -> socket.socket:
    """A socket bound to 127.0.0.1:*port* (0: any free port); a port in use is a user mistake."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise BookbuildError.at(SourceLocation("--port"), f"port {port} is already in use",
                                    hint="choose another with --port N (0: any free port)") from None
        raise BookbuildError.at(SourceLocation("--port"), f"cannot listen on {HOST}:{port}: {error.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(project_dir: Path | str, edition: str | None, port: int, *, open_browser: bool = False,
          jobs: int = 0, quiet: bool = False) -> int:
    """Run the preview server until Ctrl-C; 0 when it stopped cleanly.

    The main thread renders and watches; Uvicorn serves from a thread of its
    own, and the PDF is laid out in another.
    """
    import uvicorn

    from ..layout.printed import LayoutSettings

    def log(message: str, problem: bool = False) -> None:
        if problem:
            print(message, file=sys.stderr, flush=True)
        elif not quiet:
            print(f"bookbuild: {message}", file=sys.stderr, flush=True)

    locate_project(project_dir)  # a folder that is no project: an error before anything starts
    settings = LayoutSettings(jobs=jobs)
    preview = Preview(project_dir, edition, settings)
    server = PreviewServer(preview, log=log)
    sock = listening_socket(port)
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    config = uvicorn.Config(server.app(), log_level="warning", lifespan="on", timeout_graceful_shutdown=2,
                            access_log=False)
    runner = uvicorn.Server(config)
    server.should_exit = lambda: runner.should_exit
    http = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, name="bookbuild-preview-http",
                            daemon=True)
    preview.warm_up()
    http.start()
    server.start()
    log(f"previewing at {url} (Ctrl-C to stop)")
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        server.refresh()
        server.watch()
    except KeyboardInterrupt:
        pass
    finally:
        runner.should_exit = True
        server.stop()
        http.join(10)
        sock.close()
    log("stopped")
    return 0
