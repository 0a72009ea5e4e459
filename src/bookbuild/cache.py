"""Turn content hashes into what an earlier build laid out and wrote: the layout cache in ``build/.cache/``.

A chunk of the printed book (see ``layout/``) is laid out from its HTML,
the stylesheets, the fonts and the pages and numbers around it.  The hash of
all of these (with the versions of bookbuild and WeasyPrint) names what the
layout gave: the chunk's page count, its anchors, its PDF, its piece of the
page map.  A build looks each chunk up before laying it out, so a rebuild
after a one-line fix lays out only the chapter that changed, and an EPUB
built after the PDF needs no layout at all.

The EPUB's font subsets are kept too, in ``build/.cache/fonts/``, named by
the font file and the characters (``kept_or_made``), as is the generated
cover.

Entries are small JSON files and PDF files under ``build/.cache/layout/``,
written atomically once the whole book is laid out (a build that fails
leaves the cache as it was); the cache is always safe to delete (the next build is a
cold one, and gives the same bytes).  A build also leaves a plan per
edition (``plan-*.json``): the page numbers it found, which the next build
uses as its first guesses.  After each build, entries that no plan names
any more are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from . import __version__

CACHE_DIR = ".cache"
FORMAT = "1"  # changes when what the cache holds changes


class LayoutCache:
    """Entries keyed by content hash; ``folder`` None makes a cache that holds nothing."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.used: set[str] = set()
        self._waiting: list[tuple[str, dict[str, Any], bytes | None]] | None = None

    def hold(self) -> None:
        """Keep new entries in memory until ``flush``: a build that fails leaves the cache as it was."""
        self._waiting = []

    def flush(self) -> None:
        waiting, self._waiting = self._waiting or [], None
        for key, record, pdf in waiting:
            self.put(key, record, pdf)

    def discard(self) -> None:
        self._waiting = None

    @classmethod
    def in_build(cls, out_dir: Path) -> LayoutCache:
        return cls(out_dir / CACHE_DIR)

    def _path(self, key: str, suffix: str) -> Path:
        assert self.folder is not None
        return self.folder / "layout" / key[:2] / f"{key}{suffix}"

    def get(self, key: str) -> dict[str, Any] | None:
        if self.folder is None:
            return None
        for waiting, record, _ in self._waiting or ():
            if waiting == key:
                return record
        try:
            record = json.loads(self._path(key, ".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        self.used.add(key)
        return record

    def get_pdf(self, key: str) -> bytes | None:
        if self.folder is None:
            return None
        for waiting, _, pdf in self._waiting or ():
            if waiting == key and pdf is not None:
                return pdf
        try:
            data = self._path(key, ".pdf").read_bytes()
        except OSError:
            return None
        self.used.add(key)
        return data

    def put(self, key: str, record: dict[str, Any], pdf: bytes | None = None) -> None:
        if self.folder is None:
            return
        self.used.add(key)
        if self._waiting is not None:
            self._waiting.append((key, record, pdf))
            return
        try:
            if pdf is not None:
                _write_atomically(self._path(key, ".pdf"), pdf)
            _write_atomically(self._path(key, ".json"), json.dumps(record, ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower

    def plan(self, name: str) -> dict[str, Any]:
        """What the last build of *name* (an edition's print layout) found; empty the first time."""
        if self.folder is None:
            return {}
        try:
            return json.loads((self.folder / f"plan-{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def save_plan(self, name: str, plan: dict[str, Any]) -> None:
        if self.folder is None or self._waiting is not None:
            return
        plan = dict(plan, keys=sorted(self.used))
        try:
            _write_atomically(self.folder / f"plan-{name}.json", json.dumps(plan, ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass

    def prune(self) -> None:
        """Remove the entries that no plan names."""
        if self.folder is None or not (self.folder / "layout").is_dir():
            return
        kept: set[str] = set(self.used)
        for plan in self.folder.glob("plan-*.json"):
            try:
                kept.update(json.loads(plan.read_text(encoding="utf-8")).get("keys", ()))
            except (OSError, ValueError):
                continue
        for entry in (self.folder / "layout").glob("*/*"):
            if entry.name.split(".")[0] not in kept:
                try:
                    entry.unlink()
                except OSError:
                    pass


def kept_or_made(path: Path, make: Callable[[], bytes | None]) -> bytes | None:
    """The bytes an earlier build kept at *path*, else what *make* gives, kept there for the next build.

    A cache folder that cannot be written only makes the next build slower.
    """
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = make()
    if data is not None:
        try:
            _write_atomically(path, data)
        except OSError:
            pass
    return data


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def content_key(*parts: object) -> str:
    """The hash naming an entry: of *parts*, the cache's format and the versions of bookbuild and WeasyPrint."""
    digest = hashlib.sha256()
    for part in (FORMAT, __version__, _weasyprint_version(), *parts):
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


_memo: dict[str, str] = {}


def _weasyprint_version() -> str:
    if "weasyprint" not in _memo:
        try:
            _memo["weasyprint"] = metadata.version("weasyprint")
        except metadata.PackageNotFoundError:
            _memo["weasyprint"] = "?"
    return _memo["weasyprint"]


def fonts_fingerprint() -> str:
    """What changes when the system's fonts change: each font file fontconfig knows, with its size and time."""
    if "fonts" not in _memo:
        try:
            listing = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True,
                                     timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            listing = ""
        entries = []
        for name in sorted(set(listing.split("\n")) - {""}):
            try:
                status = os.stat(name)
            except OSError:
                continue
            entries.append(f"{name}:{status.st_size}:{status.st_mtime_ns}")
        _memo["fonts"] = hashlib.sha256("\n".join(entries).encode("utf-8")).hexdigest()
    return _memo["fonts"]


def files_fingerprint(paths) -> str:
    """The size and time of each file (images a chunk shows, stylesheets and fonts of a project)."""
    entries = []
    for path in sorted({str(path) for path in paths}):
        try:
            status = os.stat(path)
            entries.append(f"{path}:{status.st_size}:{status.st_mtime_ns}")
        except OSError:
            entries.append(f"{path}:missing")
    return hashlib.sha256("\n".join(entries).encode("utf-8")).hexdigest()
