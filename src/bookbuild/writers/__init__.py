"""Turn rendered documents into output files, each replaced atomically.

An output is produced in memory, written to a file with no name yet in the
output folder (Linux ``O_TMPFILE``), given a temporary name only once its
bytes are on disk, and renamed over the final path.  A failed or interrupted
build — even one killed outright — never leaves a truncated file, never
destroys the previous good output and leaves no temporary file behind.
Where ``O_TMPFILE`` is not available, a named temporary file is used, and
any such file a killed build left is removed by the next build.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import BookbuildError
from ..project import Project

TEMP_PREFIX = ".bookbuild-"
TEMP_SUFFIX = ".partial"


def write_output(project: Project, path: Path, data: bytes) -> Path:
    """Write *data* to *path* (inside the output folder) atomically."""
    if project.is_source(path):
        raise BookbuildError.at(None, f"refusing to write '{path}': it lies in the manuscript or styles folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _write_unnamed_then_link(path, data)
    except (OSError, AttributeError):
        _write_named_temporary(path, data)
    return path


def _temporary_name(path: Path) -> Path:
    return path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}{TEMP_SUFFIX}")


def _write_unnamed_then_link(path: Path, data: bytes) -> None:
    descriptor = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o644)
    try:
        _write_all(descriptor, data)
        temporary = _temporary_name(path)
        try:
            temporary.unlink()
        except FileNotFoundError:
            pass
        os.link(f"/proc/self/fd/{descriptor}", temporary)
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


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files that a killed build left behind."""
    if not folder.is_dir():
        return
    for leftover in folder.rglob(TEMP_PREFIX + "*" + TEMP_SUFFIX):
        try:
            leftover.unlink()
        except OSError:
            pass
