"""Turn rendered documents into output files, each replaced atomically.

An output is produced in memory, written to a temporary file beside its final
path and renamed over it: a failed or interrupted build never leaves a
truncated file and never destroys the previous good output.  Temporary files
left by a killed build are removed by the next one.
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
    descriptor, temporary = tempfile.mkstemp(prefix=TEMP_PREFIX + path.name + ".", suffix=TEMP_SUFFIX,
                                             dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    return path


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files that a killed build left behind."""
    if not folder.is_dir():
        return
    for leftover in folder.rglob(TEMP_PREFIX + "*" + TEMP_SUFFIX):
        try:
            leftover.unlink()
        except OSError:
            pass
