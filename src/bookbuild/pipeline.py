"""Run the stages in order: config, manuscript, bibliography, editions, citations, render, write.

This is the only module that knows the order of the stages.  Each stage
takes values and returns a new one; user mistakes stop the pipeline with a
BookbuildError before anything is written.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .bibliography import load_bibliography, report_problems
from .citations import load_style
from .config import BookConfig, read_config, unlisted_chapters
from .editions import ALL_EDITIONS, EDITIONS, audiences_of, check_audiences, editions_named, load_editions
from .errors import BookbuildError, Diagnostics, Problem, Report, SourceLocation
from .known_classes import report_unknown_classes
from .labels import load_labels, report_missing_hyphenation
from .layout.printed import LayoutSettings, jobs_from_environment
from .manuscript import Manuscript, parse_manuscript
from .outputs import ALL_TARGETS, check_outputs, output_named, registry
from .outputs.context import (
    BuildOptions,
    OutputContext,
    Sources,
    check_editions,
    cite_edition,
    collect,
    edition_manuscript,
    hidden_of,
    output_path,
    render,
    write_checked,
)
from .outputs.handouts import edition_handouts, handout_documents
from .project import locate_project
from .render.book import BuildInfo
from .writers import check_output_folder, remove_stale_temporaries

__all__ = ["ALL_TARGETS", "LayoutSettings", "Sources", "build", "check", "check_built_layouts", "cite_edition",
           "edition_handouts", "edition_manuscript", "handout_documents", "hidden_of", "jobs_from_environment",
           "output_path", "read_sources", "render", "write_checked"]


def build_info() -> BuildInfo:
    """The build time: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise BookbuildError.at(SourceLocation("SOURCE_DATE_EPOCH"),
                                    f"'{epoch}' is not a number of seconds since 1970") from None
    else:
        moment = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return BuildInfo(date=moment)


def read_sources(project_dir: Path | str, out_dir: Path | str | None, report: Report) -> Sources:
    """Read and check the config, the chapters and the bibliography; every problem of every stage at once."""
    problems = Diagnostics()
    sources = gather_sources(project_dir, out_dir, report, problems)
    raise_problems(problems)
    assert sources is not None
    return sources


def gather_sources(project_dir: Path | str, out_dir: Path | str | None, report: Report,
                   problems: Diagnostics) -> Sources | None:
    """Read the config, the chapters and the bibliography as far as they can be read, adding every problem of
    every stage to *problems*: a mistake in book.toml does not hide one in a chapter, the .bib or the style.
    None when the chapters cannot be read at all."""
    project = locate_project(project_dir, out_dir)
    config, config_problems = read_config(project)
    problems.problems.extend(config_problems.problems)
    for warning in config.warnings:
        report.warn(warning.location, warning.message, warning.hint)
    collect(problems, load_editions, config, project)
    for path in unlisted_chapters(config, project):
        report.warn(project.location(path), f"'{path.name}' is not listed in book.toml's chapters: it is left "
                    "out of the book", hint=f"add \"{path.name}\" to chapters = [...] in book.toml, or move the "
                    "file out of the manuscript folder")
    manuscript = None
    if config.chapters:
        before = len(problems.problems)
        try:
            manuscript = parse_manuscript(project, config, report, problems)
        except BookbuildError:
            del problems.problems[before:]  # a file that cannot be read: its problems are raised as well as added
            collect(problems, parse_manuscript, project, config, report)
    if manuscript is not None:
        collect(problems, check_audiences, manuscript, config, project)
        report_unknown_classes(manuscript, config, report)
    bibliography = (collect(problems, load_bibliography, project.manuscript_dir / config.bibliography, project)
                    if config.bibliography else {})
    if manuscript is not None and bibliography is not None:
        collect(problems, report_problems, bibliography, cited_keys(manuscript, config), report)
    style = collect(problems, load_style, config.citation_style, project, config.language,
                     config.location_of("citation-style"))
    labels = collect(problems, load_labels, config.language, project, report, config.location_of("language"))
    report_missing_hyphenation(config.language, report, config.location_of("language"))
    try:
        build = build_info()
    except BookbuildError as error:
        problems.extend(error)
        return None
    if manuscript is None or labels is None:
        return None
    citable = bibliography is not None and style is not None
    return Sources(project, config, manuscript, bibliography if bibliography is not None else {}, style, build,
                   citable=citable, labels=labels)


def raise_problems(problems: Diagnostics) -> None:
    """Stop with every problem found, each once, sorted by file and line."""
    unique = list({problem.format(): problem for problem in problems.problems}.values())
    Diagnostics(unique).raise_if_any()


def cited_keys(manuscript: Manuscript, config: BookConfig) -> frozenset[str] | None:
    """The keys the book cites or lists with ``nocite``; None when ``nocite`` lists every entry ("*")."""
    if "*" in config.nocite:
        return None
    return frozenset(item.key for citation in manuscript.citations for item in citation.items) | set(config.nocite)


def build(project_dir: Path | str, targets: Sequence[str], edition_names: Sequence[str] | None,
          out_dir: Path | str | None, report: Report, *, print_shop: bool = False,
          check_print: bool = False, settings: LayoutSettings | None = None) -> list[Path]:
    """Build *targets* (outputs by name, or "all") for the named editions (default: the default edition);
    return the files written.

    *print_shop* (or ``[print] print-shop``) adds the print-shop copy to every
    PDF; *check_print* preflights the PDF and the booklet as well (the
    print-shop copy is always preflighted).  *settings* say how many processes lay
    out the printed book (default: ``BOOKBUILD_JOBS``, else one per core).
    """
    settings = settings or LayoutSettings(jobs=jobs_from_environment())
    outputs = registry()
    if any(target == ALL_TARGETS or (target in outputs and (outputs[target].needs_pdf or outputs[target].lays_out))
           for target in targets):
        settings.start_workers()
    settings.progress.stage("reading the manuscript")
    problems = Diagnostics()
    sources = gather_sources(project_dir, out_dir, report, problems)
    if sources is None:
        raise_problems(problems)
    assert sources is not None
    if ALL_TARGETS in targets:
        targets = tuple(sources.config.outputs.all)
        edition_names = edition_names or list(sources.config.outputs.editions)
    chosen = tuple(output_named(target) for target in targets)
    every_edition = ALL_EDITIONS in (edition_names or ())
    options = BuildOptions(print_shop=print_shop, check_print=check_print, settings=settings)
    editions = collect(problems, editions_named, sources.config, edition_names) or []
    collect(problems, check_outputs, editions, list(chosen), every_edition)
    contexts = [OutputContext(sources, edition, report, options, chosen, every_edition) for edition in editions]
    # Every edition's links, citations and templates before anything is written (the citations are worked
    # out once: the outputs reuse them; rendering to HTML costs a fraction of a second).
    for edition, context in zip(editions, contexts):
        profiles = dict.fromkeys(output.render for output in context.with_companions()
                                 if output.render is not None and (output.companion_of or output.made_for(context)))
        check_editions(sources, [edition], list(profiles), report, problems)
    whole = OutputContext(sources, None, report, options, chosen, every_edition)
    for output in whole.with_companions():
        if output.check is not None:
            output.check(sources, report, problems, True)
    raise_problems(problems)
    report.raise_if_strict()
    check_output_folder(sources.project)
    remove_stale_temporaries(sources.project.out_dir)
    written = []
    for context in contexts:
        for output in chosen:
            if output.per_edition and output.made_for(context):
                written.extend(output.build(context))
    for output in chosen:
        if not output.per_edition:
            written.extend(output.build(whole))
    settings.progress.clear()
    return written


def check_built_layouts(project_dir: Path | str, edition_names: Sequence[str] | None, out_dir: Path | str | None,
                        report: Report) -> list[Path]:
    """Check the laid-out pages of each named edition's built PDF (``check --layout``); faults are warnings."""
    from .layout_check import check_layout

    project = locate_project(project_dir, out_dir)
    config, problems = read_config(project)
    problems.raise_if_any()
    editions = editions_named(config, edition_names)
    checked = []
    missing = []
    for edition in editions:
        suffix = "" if edition.is_default else f"-{edition.name}"
        path = project.out_dir / f"{config.slug}{suffix}.pdf"
        if not path.is_file():
            missing.append(path)
            continue
        for fault in check_layout(path):
            report.warn(project.location(path), fault.message())
        checked.append(path)
    if missing:
        names = " ".join(f"--edition {edition.name}" for edition in editions if not edition.is_default)
        raise BookbuildError([Problem(project.location(path), "not built yet: nothing to check",
                                      hint=f"build it first: bookbuild build pdf {names}".rstrip())
                              for path in missing])
    report.raise_if_strict()
    return checked


def check(project_dir: Path | str, report: Report) -> Sources:
    """Read, check and render every edition to HTML, without laying out or writing anything.

    Every problem of every stage is reported at once: book.toml, the chapters, images, the bibliography and
    the citation style, then each edition's citations and templates, and the handouts.
    """
    problems = Diagnostics()
    sources = gather_sources(project_dir, None, report, problems)
    if sources is not None:
        # With mistakes in book.toml's editions, the built-in editions are still checked.
        editions = (collect(Diagnostics(), editions_named, sources.config, [ALL_EDITIONS])
                    or [replace(EDITIONS[name], all_audiences=audiences_of(sources.config)) for name in EDITIONS])
        outputs = registry().values()
        for edition in editions:
            profiles = dict.fromkeys(output.render for output in outputs
                                     if output.per_edition and output.render is not None and output.has(edition))
            check_editions(sources, [edition], list(profiles), report, problems)
        for output in outputs:
            if output.check is not None:
                output.check(sources, report, problems, False)
    raise_problems(problems)
    report.raise_if_strict()
    assert sources is not None
    return sources
