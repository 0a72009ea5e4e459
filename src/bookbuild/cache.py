"""Turn content hashes into what an earlier build laid out and wrote: the layout cache in ``build/.cache/``.

A chunk of the printed book (see ``layout/``) is laid out from its HTML,
the stylesheets, the fonts and the pages and numbers around it.  The hash of
all of these (with bookbuild's code and WeasyPrint's version) names what the
layout gave: the chunk's page count, its anchors, its PDF, its piece of the
page map.  A build looks each chunk up before laying it out, so a rebuild
after a one-line fix lays out only the chapter that changed, and an EPUB
built after the PDF needs no layout at all.

The EPUB's font subsets are kept too, in ``build/.cache/fonts/``, named by
the font file and the characters (``kept_or_made``), as is the generated
cover.

Every file the cache writes is signed: it begins with an HMAC of its name and
its contents, made with a key that lies outside every project
(``$XDG_CACHE_HOME/bookbuild/key`` or ``~/.cache/bookbuild/key``, readable by
this user only).  A project may ship a ``build/.cache`` of its own, or a
cache may be damaged, truncated or have its entries swapped: an entry whose
signature does not match is ignored and made again, so a build from any cache
state gives the bytes of a clean build, and nothing read back from ``build/``
is ever anything bookbuild did not write itself.

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
import hmac
import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__
from .project import is_real_folder, make_real_folders

CACHE_DIR = ".cache"
FORMAT = "2"  # changes when what the cache holds changes
SIGNATURE = b"bookbuild-cache-2\n"  # then 32 bytes of HMAC-SHA256, then the contents
KEY_BYTES = 32


class LayoutCache:
    """Entries keyed by content hash; ``folder`` None makes a cache that holds nothing."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.used: set[str] = set()
        self._waiting: list[tuple[str, dict[str, Any], bytes | None]] | None = None
        self._first_waiting: dict[str, int] = {}  # key -> where its first entry waits (found at once, not scanned)

    def hold(self) -> None:
        """Keep new entries in memory until ``flush``: a build that fails leaves the cache as it was."""
        self._waiting = []
        self._first_waiting = {}

    def flush(self) -> None:
        waiting, self._waiting = self._waiting or [], None
        self._first_waiting = {}
        for key, record, pdf in waiting:
            self.put(key, record, pdf)

    def discard(self) -> None:
        self._waiting = None
        self._first_waiting = {}

    def _waiting_entry(self, key: str, with_pdf: bool = False) -> tuple[str, dict[str, Any], bytes | None] | None:
        """The first entry of *key* waiting to be written (with a PDF, if *with_pdf*)."""
        if not self._waiting or key not in self._first_waiting:
            return None
        if not with_pdf:
            return self._waiting[self._first_waiting[key]]
        return next((entry for entry in self._waiting[self._first_waiting[key]:]
                     if entry[0] == key and entry[2] is not None), None)

    def _path(self, key: str, suffix: str) -> Path:
        assert self.folder is not None
        return self.folder / "layout" / key[:2] / f"{key}{suffix}"

    def get(self, key: str) -> dict[str, Any] | None:
        if self.folder is None:
            return None
        waiting = self._waiting_entry(key)
        if waiting is not None:
            return waiting[1]
        record = _json_of(read_signed(self._path(key, ".json")))
        if record is None:
            return None
        self.used.add(key)
        return record

    def get_pdf(self, key: str) -> bytes | None:
        if self.folder is None:
            return None
        waiting = self._waiting_entry(key, with_pdf=True)
        if waiting is not None:
            return waiting[2]
        data = read_signed(self._path(key, ".pdf"))
        if data is None:
            return None
        self.used.add(key)
        return data

    def put(self, key: str, record: dict[str, Any], pdf: bytes | None = None) -> None:
        if self.folder is None:
            return
        self.used.add(key)
        if self._waiting is not None:
            self._first_waiting.setdefault(key, len(self._waiting))
            self._waiting.append((key, record, pdf))
            return
        if pdf is not None:
            write_signed(self._path(key, ".pdf"), pdf)
        write_signed(self._path(key, ".json"), json.dumps(record, ensure_ascii=False).encode("utf-8"))

    def plan(self, name: str) -> dict[str, Any]:
        """What the last build of *name* (an edition's print layout) found; empty the first time."""
        if self.folder is None:
            return {}
        return _json_of(read_signed(self.folder / f"plan-{name}.json")) or {}

    def save_plan(self, name: str, plan: dict[str, Any]) -> None:
        if self.folder is None or self._waiting is not None:
            return
        plan = dict(plan, keys=sorted(self.used))
        write_signed(self.folder / f"plan-{name}.json", json.dumps(plan, ensure_ascii=False).encode("utf-8"))

    def prune(self) -> None:
        """Remove the entries that no plan names (regular files only, in real folders only)."""
        if self.folder is None:
            return
        layout = self.folder / "layout"
        if not is_real_folder(self.folder) or not is_real_folder(layout):
            return
        kept: set[str] = set(self.used)
        for plan in self.folder.glob("plan-*.json"):
            record = _json_of(read_signed(plan))
            keys = record.get("keys", ()) if isinstance(record, dict) else ()
            kept.update(key for key in keys if isinstance(key, str))
        for shard in layout.iterdir():
            if not is_real_folder(shard):
                continue
            for entry in shard.iterdir():
                if entry.name.split(".")[0] not in kept and stat.S_ISREG(entry.lstat().st_mode):
                    try:
                        entry.unlink()
                    except OSError:
                        pass


def kept_or_made(path: Path, make: Callable[[], bytes | None]) -> bytes | None:
    """The bytes an earlier build kept at *path*, else what *make* gives, kept there for the next build.

    A cache folder that cannot be written only makes the next build slower.
    """
    kept = read_signed(path)
    if kept is not None:
        return kept
    data = make()
    if data is not None:
        write_signed(path, data)
    return data


# -- signed files ------------------------------------------------------------------------------------------------

def read_signed(path: Path) -> bytes | None:
    """The contents of the cache file at *path*, if bookbuild wrote it (under that name); else None.

    Only a regular file is read (never through a symlink, never a FIFO or a
    device); a missing, foreign, damaged or renamed entry is None.
    """
    raw = _read_regular(path)
    if raw is None or not raw.startswith(SIGNATURE):
        return None
    tag, data = raw[len(SIGNATURE):len(SIGNATURE) + 32], raw[len(SIGNATURE) + 32:]
    if not hmac.compare_digest(tag, _tag(path.name, data)):
        return None
    return data


def write_signed(path: Path, data: bytes) -> None:
    """Keep *data* at *path*, signed; a cache that cannot be written only makes the next build slower."""
    try:
        _write_atomically(path, SIGNATURE + _tag(path.name, data) + data)
    except OSError:
        pass


def _tag(name: str, data: bytes) -> bytes:
    return hmac.new(cache_key(), name.encode("utf-8") + b"\0" + data, hashlib.sha256).digest()


def _read_regular(path: Path) -> bytes | None:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            return None
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            return file.read()
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _output_folder_of(path: Path) -> Path:
    """The output folder holding the cache file *path* (``build/`` for ``build/.cache/...``)."""
    for folder in path.parents:
        if folder.name == CACHE_DIR:
            return folder.parent
    return path.parent


def _write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, removed again if anything fails (a full disk)."""
    top = _output_folder_of(path)
    top.mkdir(parents=True, exist_ok=True)
    make_real_folders(path.parent, top)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view):]
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def content_key(*parts: object) -> str:
    """The hash naming an entry: of *parts*, the cache's format, bookbuild's code and WeasyPrint's version."""
    digest = hashlib.sha256()
    for part in (FORMAT, __version__, _code_fingerprint(), _weasyprint_version(), *parts):
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


_memo: dict[str, str] = {}
_keys: dict[str, bytes] = {}


def cache_key() -> bytes:
    """This user's key for signing cache files, kept outside every project (made the first time, mode 0600).

    Where no key can be kept (no writable home), a key for this process only is
    used: entries from earlier builds are then ignored, never trusted.
    """
    if "key" not in _keys:
        _keys["key"] = _stored_key() or os.urandom(KEY_BYTES)
    return _keys["key"]


def key_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    folder = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return folder / "bookbuild" / "key"


def _stored_key() -> bytes | None:
    try:
        path = key_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except (OSError, RuntimeError):
        return None
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        pass
    except OSError:
        return None
    else:
        try:
            os.write(descriptor, os.urandom(KEY_BYTES))
        except OSError:
            os.close(descriptor)
            os.unlink(path)
            return None
        os.close(descriptor)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o077:
            return None  # a key others could read or write would sign nothing
        key = os.read(descriptor, KEY_BYTES + 1)
    finally:
        os.close(descriptor)
    return key if len(key) == KEY_BYTES else None


def _code_fingerprint() -> str:
    """The hash of bookbuild's code (see ``code_fingerprint``), once per process."""
    if "code" not in _memo:
        _memo["code"] = code_fingerprint(Path(__file__).resolve().parent)
    return _memo["code"]


def code_fingerprint(package: Path) -> str:
    """The hash of the Python files of *package*: their names and contents.

    The version alone would let a cache made by other code of the same version (an edited checkout, a
    development build) serve layouts that code would not make.  The theme's stylesheets and the templates
    are in each entry's key already, through the HTML and CSS laid out.
    """
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if path.is_file():
            data = path.read_bytes()
            digest.update(str(path.relative_to(package)).encode("utf-8", "surrogateescape") + b"\0")
            digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _weasyprint_version() -> str:
    if "weasyprint" not in _memo:
        from importlib import metadata  # imported when needed: a build with nothing to do never asks

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


def _json_of(data: bytes | None):
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError:
        return None


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
