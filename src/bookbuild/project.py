"""Turn a folder given on the command line into a Project: where the sources are and where outputs go.

Two layouts are understood:

* the standard one, ``DIR/manuscript/`` (book.toml, chapters, .bib),
  ``DIR/styles/`` (optional overrides) and ``DIR/build/`` (outputs);
* a plain folder of Markdown chapters (and perhaps a .bib and a book.toml),
  whose outputs go to ``DIR/build/`` and whose overrides, if any, live in
  ``DIR/styles/``.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import BookbuildError, SourceLocation


@dataclass(frozen=True)
class Project:
    """The folders of one book project, all absolute and resolved."""

    root: Path
    manuscript_dir: Path
    styles_dir: Path
    out_dir: Path

    @property
    def config_path(self) -> Path:
        return self.manuscript_dir / "book.toml"

    @property
    def cache_dir(self) -> Path:
        return self.out_dir / ".cache"

    def location(self, path: Path, line: int | None = None, column: int | None = None) -> SourceLocation:
        """A SourceLocation for *path*, shown relative to the project root."""
        try:
            shown = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            try:  # a symlink leading out of the project: named by where it lies
                shown = path.absolute().relative_to(self.root).as_posix()
            except ValueError:
                shown = str(path)
        return SourceLocation(shown, line, column)

    def read_text(self, path: Path, max_bytes: int, hint_when_large: str) -> str:
        """The text of a source file: UTF-8 checked, BOM removed, line endings made LF.

        The file must be a regular file inside the project (symlinks resolved):
        a link to a file elsewhere, a FIFO or a device is an error naming it.
        """
        raw = self.read_bytes(path, max_bytes, hint_when_large)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise BookbuildError.at(
                self.location(path, line),
                f"file is not valid UTF-8 (byte offset {error.start}: 0x{raw[error.start]:02x})",
                hint="save the file with UTF-8 encoding",
            ) from None
        return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")

    def read_bytes(self, path: Path, max_bytes: int, hint_when_large: str = "", inside: Path | None = None) -> bytes:
        """The bytes of a regular file inside the project (or inside *inside*, such as the theme); else an error."""
        resolved = path.resolve()
        if not _is_within(resolved, inside or self.root):
            raise BookbuildError.at(self.location(path), "file lies outside the project (it is a symlink to "
                                    f"'{resolved}')", hint="a book only reads files inside its project folder")
        try:
            descriptor = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as error:
            raise BookbuildError.at(self.location(path), f"file cannot be read: {error.strerror}") from None
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):  # a folder, a FIFO or a device where a file is expected
            os.close(descriptor)
            raise BookbuildError.at(self.location(path), "is not a regular file")
        with os.fdopen(descriptor, "rb") as file:
            if status.st_size > max_bytes:
                raise BookbuildError.at(self.location(path),
                                        f"file is larger than {max(1, max_bytes // (1024 * 1024))} MB",
                                        hint=hint_when_large or None)
            return file.read(max_bytes + 1)

    def is_source(self, path: Path) -> bool:
        """Whether *path* lies in the manuscript or styles folder (never written by a build).

        The output folder is never a source, even when it sits inside a bare
        folder of chapters (DIR/build in a project whose manuscript is DIR).
        """
        resolved = path.resolve()
        if _is_within(resolved, self.out_dir):
            return False
        return any(_is_within(resolved, folder) for folder in (self.manuscript_dir, self.styles_dir))


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def is_real_folder(path: Path) -> bool:
    """Whether *path* is a folder itself, not a symlink to one (nor a file)."""
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


def make_real_folders(folder: Path, top: Path) -> None:
    """Make *folder* and the folders between it and *top*, checking that each one, and *top*, is a real folder.

    A symlink (or a file) on the way is refused with an OSError (ENOTDIR)
    naming it, so that nothing is ever written or deleted through a link.
    """
    if not is_real_folder(top):
        raise OSError(errno.ENOTDIR, "is a symlink or a file, not a folder", str(top))
    current = top
    for part in folder.relative_to(top).parts:
        current = current / part
        try:
            os.mkdir(current)
        except FileExistsError:
            pass
        if not is_real_folder(current):
            raise OSError(errno.ENOTDIR, "is a symlink or a file, not a folder", str(current))


def find_project_root(directory: Path | str = ".") -> Path:
    """The root of the project *directory* lies in, found the way git finds a repository's.

    From *directory* up to the top of the file system, the first folder that
    holds a ``manuscript/`` folder or a ``book.toml`` is the root (the
    ``manuscript/`` folder holding a book.toml is not: the folder above it is).
    If none does, *directory* itself is the root when it holds Markdown
    chapters (a bare folder of chapters).  So ``bookbuild`` run in
    ``manuscript/`` or ``manuscript/images/`` builds the project they belong
    to, into its ``build/`` and with its ``styles/``.
    """
    start = Path(directory).resolve()
    if not start.is_dir():
        raise BookbuildError.at(None, f"project folder '{directory}' does not exist")
    for folder in (start, *start.parents):
        if (folder / "manuscript").is_dir():
            return folder
        if (folder / "book.toml").is_file():
            parent = folder.parent
            return parent if folder.name == "manuscript" and parent != folder else folder
    return start


def locate_project(directory: Path | str = ".", out_dir: Path | str | None = None) -> Project:
    """Find the manuscript, styles and output folders of the project *directory* lies in."""
    root = find_project_root(directory)
    if (root / "manuscript").is_dir():
        manuscript_dir = root / "manuscript"
    elif (root / "book.toml").is_file() or any(root.glob("*.md")):
        manuscript_dir = root
    else:
        raise BookbuildError.at(
            None,
            f"no manuscript found in '{directory}'",
            hint="a project holds a manuscript/ folder with book.toml and chapters, "
            "or Markdown chapters (*.md) directly; 'bookbuild new DIR' makes one",
        )
    for folder in (manuscript_dir, root / "styles"):
        if os.path.lexists(folder) and not _is_within(folder.resolve(), root):
            raise BookbuildError.at(SourceLocation(folder.name), "folder lies outside the project (it is a symlink "
                                    f"to '{folder.resolve()}')",
                                    hint="a book only reads files inside its project folder")
    given = Path(out_dir).absolute() if out_dir is not None else root / "build"
    if given.is_symlink():
        raise BookbuildError.at(SourceLocation(str(given)), "output folder is a symlink or a file, not a folder",
                                hint="a build writes only into a real folder; remove the link "
                                "(a project may not point its build/ folder elsewhere)")
    out = given.resolve()
    if out.exists() and not out.is_dir():
        raise BookbuildError.at(None, f"output folder '{out}' is not a folder",
                                hint="--out names the folder the outputs are written to")
    styles_dir = root / "styles"
    if _is_within(out, styles_dir) or _is_within(styles_dir, out) or _is_within(root, out):
        raise BookbuildError.at(None, f"output folder '{out}' overlaps the project's styles or sources",
                                hint="choose an output folder outside manuscript/ and styles/, such as build/")
    if manuscript_dir != root and (_is_within(out, manuscript_dir) or _is_within(manuscript_dir, out)):
        raise BookbuildError.at(None, f"output folder '{out}' is inside the manuscript folder",
                                hint="a build never writes into manuscript/; choose a folder such as build/")
    if manuscript_dir == root and out == root:
        raise BookbuildError.at(None, "output folder is the manuscript folder itself",
                                hint="choose a folder such as build/")
    return Project(root=root, manuscript_dir=manuscript_dir, styles_dir=styles_dir, out_dir=out)
