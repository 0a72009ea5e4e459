"""Turn a build's stages and counts into what the author sees while it runs.

One display for every output (reading, each edition's layout, the EPUB, the
handouts, the booklet), in one of three forms:

* on a terminal, one line on standard error, rewritten in place ("laying out
  hungary-1956.pdf: 7/22 chapters") and cleared before anything else is
  printed (warnings, "wrote ...");
* in a pipe, a log file or CI, plain lines on standard output, each stage once
  and each count at its quarters, so a log shows where a long build is
  without a line per chapter;
* with ``-q``, nothing.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

MIN_INTERVAL = 0.1  # seconds between two redraws of the terminal line


class Progress:
    """The progress display; ``stream=None`` shows nothing."""

    def __init__(self, stream: TextIO | None = None, rewrite: bool = True):
        self.stream = stream
        self.rewrite = rewrite  # True: one line rewritten in place (a terminal); False: plain lines (a log)
        self._shown = 0
        self._last = 0.0
        self._last_line = ""
        self._quarter: dict[str, int] = {}

    @classmethod
    def on_terminal(cls, stream: TextIO = sys.stderr) -> Progress:
        """A progress line on *stream* if it is a terminal, else one that shows nothing."""
        return cls(stream if _is_terminal(stream) else None)

    @classmethod
    def for_command(cls, quiet: bool, terminal: TextIO = sys.stderr, log: TextIO = sys.stdout) -> Progress:
        """What a command shows: nothing with -q; a line on a terminal; else plain lines in the log."""
        if quiet:
            return cls(None)
        if _is_terminal(terminal):
            return cls(terminal)
        return cls(log, rewrite=False)

    def stage(self, text: str) -> None:
        self._show(text, force=True)

    def count(self, text: str, done: int, total: int) -> None:
        if self.stream is not None and not self.rewrite:
            # A log gets the start, each quarter and the end: enough to see a build move.
            quarter = 4 * done // total if total else 4
            if done and quarter == self._quarter.get(text, -1):
                return
            self._quarter[text] = quarter
        self._show(f"{text}: {done}/{total}", force=done == total or not self.rewrite)

    def _show(self, text: str, force: bool) -> None:
        if self.stream is None:
            return
        if not self.rewrite:
            if text != self._last_line:
                self.stream.write(text + "\n")
                self.stream.flush()
                self._last_line = text
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
        if self.stream is None or not self.rewrite or not self._shown:
            return
        self.stream.write("\r" + " " * self._shown + "\r")
        self.stream.flush()
        self._shown = 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


QUIET = Progress(None)
