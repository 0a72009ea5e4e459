"""Turn a build's stages and counts into one line on the terminal: "laying out hungary-1956.pdf: 7/22 chapters".

Long builds show what they are doing on standard error, rewriting one
line, but only when standard error is a terminal: in a pipe, a log file, CI
or the tests they stay quiet.  The line is cleared before anything else is
printed (warnings, "wrote ...").
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

MIN_INTERVAL = 0.1  # seconds between two redraws


class Progress:
    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self._shown = 0
        self._last = 0.0

    @classmethod
    def on_terminal(cls, stream: TextIO = sys.stderr) -> Progress:
        """A progress line on *stream* if it is a terminal, else one that shows nothing."""
        try:
            interactive = stream.isatty()
        except (AttributeError, ValueError):
            interactive = False
        return cls(stream if interactive else None)

    def stage(self, text: str) -> None:
        self._show(text, force=True)

    def count(self, text: str, done: int, total: int) -> None:
        self._show(f"{text}: {done}/{total}", force=done == total)

    def _show(self, text: str, force: bool) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not force and now - self._last < MIN_INTERVAL:
            return
        self._last = now
        width = 79
        text = text if len(text) <= width else text[:width - 1] + "…"
        self.stream.write("\r" + text.ljust(max(self._shown, len(text))))
        self.stream.flush()
        self._shown = len(text)

    def clear(self) -> None:
        if self.stream is None or not self._shown:
            return
        self.stream.write("\r" + " " * self._shown + "\r")
        self.stream.flush()
        self._shown = 0


QUIET = Progress(None)
