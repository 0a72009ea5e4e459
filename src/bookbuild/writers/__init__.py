"""Turn rendered documents into output files, each replaced atomically, only inside a real output folder.

An output is produced in memory, written to a file with no name yet in the
output folder (Linux ``O_TMPFILE``), given a temporary name only once its
bytes are on disk, and renamed over the final path.  A failed or interrupted
build — even one killed outright — never leaves a truncated file, never
destroys the previous good output and leaves no temporary file behind.
Where ``O_TMPFILE`` is not available, a named temporary file is used, and
any such file a killed build left is removed by the next build.

A project may be hostile: its ``build/`` (or ``build/handouts``,
``build/.cache/...``) may be a symlink to a folder elsewhere.  Outputs are
written only into real folders under the output folder, which is itself no
symlink; anything else is refused (``check_output_folder``,
``make_real_folders``).  A folder that cannot be written (read-only, a full
disk) is a user error naming it.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from ..errors import BookbuildError, SourceLocation
from ..project import Project, is_real_folder, make_real_folders

TEMP_PREFIX = ".bookbuild-"
TEMP_SUFFIX = ".partial"
# The folders a build writes under the output folder, besides the output folder itself.
OWN_FOLDERS = ("handouts", ".cache", ".cache/layout", ".cache/fonts", ".cache/covers", ".cache/templates",
               ".cache/remote")


def check_output_folder(project: Project) -> None:
    """Refuse an output folder that is, or holds in place of bookbuild's own folders, a symlink or a file."""
    out = project.out_dir
    if os.path.lexists(out) and not is_real_folder(out):
        raise _refused(out, "is a symlink or a file, not a folder")
    folders = [out / name for name in OWN_FOLDERS]
    layout = out / ".cache" / "layout"
    if is_real_folder(layout):
        folders.extend(sorted(layout.iterdir()))
    for folder in folders:
        if os.path.lexists(folder) and not is_real_folder(folder):
            raise _refused(folder, "is a symlink or a file, not a folder")


def _refused(path: Path, why: str) -> BookbuildError:
    return BookbuildError.at(SourceLocation(str(path)), f"output folder {why}",
                             hint="a build writes and deletes only inside real folders of its output folder; "
                             "remove the link or file, or build with --out into another folder")


def write_output(project: Project, path: Path, data: bytes) -> Path:
    """Write *data* to *path* (inside the output folder) atomically; a folder that cannot be written is an error."""
    if project.is_source(path) or project.out_dir not in path.parents:
        raise BookbuildError.at(None, f"refusing to write '{path}': it lies outside the output folder")
    try:
        project.out_dir.mkdir(parents=True, exist_ok=True)
        make_real_folders(path.parent, project.out_dir)
        try:
            _write_unnamed_then_link(path, data)
        except _NoUnnamedFiles:
            _write_named_temporary(path, data)
    except OSError as error:
        raise _cannot_write(error, path) from None
    return path


def _cannot_write(error: OSError, path: Path) -> BookbuildError:
    where = Path(error.filename) if error.filename and error.filename != str(path) else path.parent
    if error.errno == errno.ENOTDIR and error.filename:
        return _refused(Path(error.filename), "is a symlink or a file, not a folder")
    hints = {errno.ENOSPC: "the disk is full; free some space and build again",
             errno.EDQUOT: "the disk quota is used up; free some space and build again",
             errno.EFBIG: "the file is larger than this system allows",
             errno.EROFS: "the folder is on a read-only file system; build with --out into another folder",
             errno.EACCES: "the folder is not writable; build with --out into another folder",
             errno.EPERM: "the folder is not writable; build with --out into another folder"}
    return BookbuildError.at(SourceLocation(str(where)), f"cannot write '{path.name}': {error.strerror or error}",
                             hint=hints.get(error.errno or 0))


class _NoUnnamedFiles(Exception):
    """This file system or kernel cannot make a file with no name (``O_TMPFILE``)."""


def _temporary_name(path: Path) -> Path:
    return path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}{TEMP_SUFFIX}")


def _write_unnamed_then_link(path: Path, data: bytes) -> None:
    try:
        descriptor = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o644)
    except (AttributeError, OSError):
        raise _NoUnnamedFiles() from None  # a named temporary file is tried, and says what is wrong
    try:
        _write_all(descriptor, data)  # a full disk: the file has no name, closing it frees it
        temporary = _temporary_name(path)
        try:
            temporary.unlink()
        except FileNotFoundError:
            pass
        try:
            os.link(f"/proc/self/fd/{descriptor}", temporary)
        except OSError:
            raise _NoUnnamedFiles() from None
    finally:
        os.close(descriptor)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_named_temporary(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=TEMP_PREFIX + path.name + ".", suffix=TEMP_SUFFIX,
                                             dir=path.parent)
    try:
        _write_all(descriptor, data)
        os.close(descriptor)
        descriptor = -1
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if descriptor >= 0:
            os.close(descriptor)
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]
    os.fsync(descriptor)


def remove_owned_file(path: Path) -> None:
    """Delete *path* if it is a regular file (never a folder, never what a symlink points to)."""
    try:
        if stat.S_ISREG(path.lstat().st_mode):
            path.unlink()
    except OSError:
        pass


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files that a killed build left behind (in real folders only, never through a link)."""
    if not is_real_folder(folder):
        return
    for current, _folders, files in os.walk(folder, followlinks=False):
        for name in files:
            if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
                remove_owned_file(Path(current) / name)
