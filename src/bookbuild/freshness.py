"""Turn a build command and everything it reads into a fingerprint, so that a build with nothing changed does nothing.

After a successful ``bookbuild build``, the command line's fingerprint of
its inputs and the files it wrote (size, modification time, inode) are kept
in ``build/.cache/fresh-<command>.json``, signed like every cache file
(``cache.write_signed``).  The next run of the same command computes the
fingerprint again, before importing the pipeline; when it matches and every
recorded output is still there as written, the build writes nothing, repeats
the warnings the recorded build gave, and says the outputs are up to date.

The fingerprint covers, cheaply (file status only, never contents):

* every file of the project folder (``manuscript/``, ``styles/``, images
  and the .bib wherever they lie in it), by path, size, modification and
  change time and inode; a symlink by its target too.  The output folder,
  the project's ``build/`` and tool folders no build reads (``.git``,
  ``node_modules``, ``__pycache__``, Python virtual environments and the
  like, see ``PRUNED``) are left out;
* bookbuild's own package (code, default theme, labels, citation styles),
  the installed Python packages (their names and versions) and the
  interpreter;
* the folders of the system's fonts;
* the command: target, editions, output folder, ``--print-shop``,
  ``--preflight``, ``--strict``, ``--jobs``;
* the environment a build reads: ``SOURCE_DATE_EPOCH`` (or, without it, the
  build day, which is all the book shows of the build time), ``BOOKBUILD_JOBS``
  and the worker limits.

It is only an optimisation, never trusted further than that: a record that is
missing, unsigned, forged or from another command, any doubt about a file
(more than ``MAX_FILES`` files, an unreadable folder), and a book that
downloads images (``remote-resources``: what a server sends is not a file
whose status can be compared) all mean an ordinary build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import BookbuildError

RECORD_PREFIX = "fresh-"
MAX_FILES = 20_000  # a project folder larger than this is not fingerprinted: the build runs
# Folders no build reads from, left out of the project's fingerprint.
PRUNED = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache",
                    ".ruff_cache", ".tox", ".nox", ".venv", "venv", ".idea", ".vscode"})
ENVIRONMENT = ("SOURCE_DATE_EPOCH", "BOOKBUILD_JOBS", "BOOKBUILD_WORKER_MEMORY_MB", "BOOKBUILD_WORKER_SECONDS")
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "/etc/fonts", "~/.fonts", "~/.local/share/fonts")
PACKAGE_DIR = Path(__file__).resolve().parent


class _TooMany(Exception):
    pass


@dataclass(frozen=True)
class Fingerprint:
    """What one build command reads, hashed, and where its record is kept."""

    inputs: str
    record: Path  # build/.cache/fresh-<hash of the command>.json


@dataclass(frozen=True)
class UpToDate:
    """A recorded build that nothing has changed since: its outputs, and the warnings it gave."""

    outputs: tuple[Path, ...]
    warnings: tuple[str, ...]


def fingerprint(project_dir: Path | str, out_dir: Path | str | None, command: dict) -> Fingerprint | None:
    """The fingerprint of the build *command* (JSON-able options) of the project at *project_dir*; None when a
    build of this project cannot be skipped (it downloads images, it is too large to fingerprint, or it is not a
    project at all: the build itself then says why)."""
    from .project import locate_project

    try:
        project = locate_project(project_dir, out_dir)
    except (BookbuildError, OSError):
        return None
    if _downloads(project.config_path):
        return None
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            data = str(part).encode("utf-8", "surrogateescape")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)

    command_text = json.dumps(command, sort_keys=True)
    add("bookbuild", __version__, sys.version, sys.executable, command_text)
    for name in ENVIRONMENT:
        add(name, os.environ.get(name, "\0unset"))
    if not os.environ.get("SOURCE_DATE_EPOCH"):
        add("day", build_day())
    try:
        _add_tree(add, project.root, skip={project.out_dir, project.root / "build"})
        _add_tree(add, PACKAGE_DIR, skip=set())
    except (_TooMany, OSError):
        return None
    _add_packages(add)
    _add_fonts(add)
    name = RECORD_PREFIX + hashlib.sha256(f"{project.root}\0{command_text}".encode()).hexdigest()[:24] + ".json"
    return Fingerprint(digest.hexdigest(), project.cache_dir / name)


def build_day() -> str:
    """Today in UTC, the day a build without SOURCE_DATE_EPOCH stamps on the book (see pipeline.build_info)."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def up_to_date(print_: Fingerprint) -> UpToDate | None:
    """The recorded build, if its inputs are those of *print_* and its outputs are still as it wrote them."""
    from .cache import read_signed

    data = read_signed(print_.record)
    try:
        record = json.loads(data.decode("utf-8")) if data is not None else None
        if not isinstance(record, dict) or record.get("inputs") != print_.inputs:
            return None
        outputs = []
        for path, size, mtime, inode in record["outputs"]:
            status = os.lstat(path)
            if not stat.S_ISREG(status.st_mode) or (status.st_size, status.st_mtime_ns, status.st_ino) != \
                    (size, mtime, inode):
                return None
            outputs.append(Path(path))
        return UpToDate(tuple(outputs), tuple(str(text) for text in record["warnings"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def record_build(print_: Fingerprint, written: list[Path], warnings: list[str]) -> None:
    """Keep what a successful build wrote, under its inputs' fingerprint (taken before it began)."""
    from .cache import write_signed

    outputs = []
    for path in written:
        try:
            status = os.lstat(path)
        except OSError:
            return  # an output already gone: nothing to vouch for
        outputs.append([str(Path(path).absolute()), status.st_size, status.st_mtime_ns, status.st_ino])
    record = {"inputs": print_.inputs, "outputs": outputs, "warnings": list(warnings)}
    write_signed(print_.record, json.dumps(record, ensure_ascii=False).encode("utf-8"))


def _downloads(config_path: Path) -> bool:
    """Whether the book may fetch images from the web (book.toml names remote-resources at all: read
    conservatively, without parsing).  A book.toml that is not a regular file (a FIFO, a device, a symlink) is
    a doubt too: the build itself says what is wrong with it."""
    try:
        descriptor = os.open(config_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return False  # no book.toml: the defaults download nothing
    except OSError:
        return True
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return True
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            return b"remote-resources" in file.read(4 * 1024 * 1024)
    except OSError:
        return True
    finally:
        os.close(descriptor)


def _add_tree(add, top: Path, skip: set[Path]) -> None:
    """Every file under *top* by status (folders in *skip*, ``PRUNED`` and virtual environments left out)."""
    count = 0
    skipped = {str(path) for path in skip}
    stack = [str(top)]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
        add("folder", folder)
        for entry in listed:
            count += 1
            if count > MAX_FILES:
                raise _TooMany
            status = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(status.st_mode):
                shown: tuple[object, ...] = (os.readlink(entry.path),)
                try:
                    target = os.stat(entry.path)
                    shown += (target.st_mode, target.st_size, target.st_mtime_ns, target.st_ctime_ns, target.st_ino)
                except OSError:
                    shown += ("broken",)
                add("link", entry.name, *shown)
            elif stat.S_ISDIR(status.st_mode):
                if entry.name in PRUNED or entry.path in skipped or os.path.exists(os.path.join(entry.path,
                                                                                               "pyvenv.cfg")):
                    continue
                stack.append(entry.path)
            else:
                add("file", entry.name, status.st_mode, status.st_size, status.st_mtime_ns, status.st_ctime_ns,
                    status.st_ino)


def _add_packages(add) -> None:
    """The installed distributions (name and version) on the import path."""
    for folder in sys.path:
        try:
            names = sorted(name for name in os.listdir(folder or ".") if name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        if names:
            add("site", folder, *names)


def _add_fonts(add) -> None:
    """The system's font folders: a font added or removed changes its folder's time."""
    for top in FONT_FOLDERS:
        for folder, subfolders, _ in os.walk(os.path.expanduser(top)):
            subfolders.sort()
            try:
                status = os.stat(folder)
            except OSError:
                continue
            add("fonts", folder, status.st_mtime_ns, status.st_ctime_ns)
