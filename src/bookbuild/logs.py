"""Turn the log records of the libraries bookbuild uses into silence, or into lines for ``-v``.

fontTools, WeasyPrint, ebooklib and bibtexparser log what they do through
Python's logging; without a handler, Python prints their warnings on standard
error ("FFTM NOT subset; don't know how to subset; dropped"), which reads as a
problem with the author's book when it is not one.  bookbuild reports every
problem of the book itself, located; the libraries' own chatter is captured
and shown only with ``-v``, each line marked with the library it came from.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

VERBOSE_LEVEL = logging.INFO


class _LibraryLines(logging.Handler):
    """Each record as ``[library] message`` on *stream*."""

    def __init__(self, stream: TextIO):
        super().__init__(VERBOSE_LEVEL)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            library = record.name.split(".", 1)[0]
            self.stream.write(f"[{library}] {record.getMessage()}\n")
            self.stream.flush()
        except Exception:  # noqa: BLE001 - a log line must never stop a build
            self.handleError(record)


def capture_library_logs(verbose: bool, stream: TextIO = sys.stderr) -> None:
    """Show the libraries' log records on *stream* with *verbose*; else keep them quiet."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, (_LibraryLines, logging.NullHandler)):
            root.removeHandler(handler)
    if verbose:
        root.addHandler(_LibraryLines(stream))
        root.setLevel(VERBOSE_LEVEL)
    else:
        # A handler on the root keeps Python's last-resort printer of warnings away.
        root.addHandler(logging.NullHandler())
