"""Turn a project being edited into a live preview in the browser (``bookbuild serve``).

``preview.py`` keeps the latest good preview of one edition: the book's print
HTML (for the chapter being edited) and its PDF, laid out again through the
layout cache; ``app.py`` serves them on 127.0.0.1 with Starlette and Uvicorn,
watches the manuscript and styles with watchfiles and pushes every update to
the open page as a server-sent event.
"""

from __future__ import annotations

from .preview import Preview

__all__ = ["Preview"]
