"""Turn the handouts' HTML documents into PDFs in ``build/handouts/``.

Each handout becomes a ``HandoutJob`` (its HTML, stylesheets, page and text
size), laid out by ``layout/handouts.py``, several at once; the main process
writes every file, atomically, once all of them have been made.  Handouts in
the folder that the manuscript no longer makes are removed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import BookConfig
from ..errors import BookbuildError
from ..layout.handouts import HandoutJob, lay_out_handouts
from ..project import Project
from ..remote import remote_folder
from ..stylesheets import THEME_DIR, stylesheet_paths
from . import remove_owned_file, write_output

HANDOUTS_DIR = "handouts"
HANDOUT_STYLESHEETS = ("common.css", "handout.css")
HANDOUT_SUFFIXES = ("-student.pdf", "-teacher.pdf")
FONT_SIZE_RANGE = (8.0, 24.0)  # points


@dataclass(frozen=True)
class HandoutSettings:
    paper_size: str  # "A4" or "letter", a CSS page size
    font_size: float  # points


def handout_settings(config: BookConfig) -> HandoutSettings:
    """The ``[handouts]`` table of book.toml, checked."""
    size = config.handouts.font_size
    if not FONT_SIZE_RANGE[0] <= size <= FONT_SIZE_RANGE[1]:
        raise BookbuildError.at(config.location_of("handouts.font-size"),
                                f"handouts font-size {size:g} is not between {FONT_SIZE_RANGE[0]:g} and "
                                f"{FONT_SIZE_RANGE[1]:g} points")
    return HandoutSettings(config.handouts.paper_size, size)


def handout_job(name: str, html: str, config: BookConfig, project: Project, settings: HandoutSettings) -> HandoutJob:
    identifier = hashlib.sha256(f"{config.identifier}:handout:{name}".encode()).hexdigest()[:32]
    return HandoutJob(
        name=name, html=html,
        stylesheets=tuple(str(path) for path in stylesheet_paths(project, HANDOUT_STYLESHEETS)),
        css=f"@page {{ size: {settings.paper_size}; }}\nhtml {{ font-size: {settings.font_size:g}pt; }}\n",
        base_url=project.manuscript_dir.as_uri() + "/",
        roots=(str(project.root), str(THEME_DIR), str(remote_folder(project.cache_dir))),
        identifier=identifier,
    )


def handouts_folder(project: Project) -> Path:
    return project.out_dir / HANDOUTS_DIR


def write_handouts(jobs: Sequence[HandoutJob], project: Project,
                   check: Callable[[str, Path, bytes], None] | None = None,
                   done: Callable[[int], None] = lambda count: None) -> list[Path]:
    """Lay out and write every handout to build/handouts/NAME.pdf; remove handouts no longer made.

    *check* (name, path, bytes) sees every handout before any is written, and may stop the build;
    *done* is told how many are laid out, as they finish.
    """
    folder = handouts_folder(project)
    laid_out = list(zip(jobs, lay_out_handouts(jobs, done), strict=True))
    if check is not None:
        for job, data in laid_out:
            check(job.name, folder / f"{job.name}.pdf", data)
    written = [write_output(project, folder / f"{job.name}.pdf", data) for job, data in laid_out]
    for stale in sorted(folder.glob("*.pdf")):  # a real folder: write_output made sure of it
        if stale not in written and stale.name.endswith(HANDOUT_SUFFIXES):
            remove_owned_file(stale)
    return written
