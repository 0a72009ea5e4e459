"""Run the stages in order: config, manuscript, bibliography, editions, citations, render, write.

This is the only module that knows the order of the stages.  Each stage
takes values and returns a new one; user mistakes stop the pipeline with a
BookbuildError before anything is written.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .accessibility import report_skipped_heading_levels, report_unbacked_claim
from .bibliography import load_bibliography, report_problems
from .citations import load_style, resolve_citations
from .citations.model import CitationResult
from .config import BookConfig, read_config, unlisted_chapters
from .crossrefs import label_tokens, number_targets, resolve_crossrefs, split_crossrefs, with_crossrefs
from .answer_key import add_answer_key
from .editions import (ALL_EDITIONS, EDITIONS, Edition, audiences_of, check_audiences, check_outputs,
                       edition_config, editions_named, find_edition, load_editions, select_edition, split_material)
from .leaks import HiddenMaterial, check_output, hidden_material
from .handouts import HANDOUT_AUDIENCES, extract_handouts
from .known_classes import report_unknown_classes
from .errors import BookbuildError, Diagnostics, Problem, Report, SourceLocation
from .manuscript import Manuscript, parse_manuscript
from .cache import LayoutCache, files_fingerprint
from .layout.book import BookLayout, LayoutRequest, lay_out_book
from .layout.pool import shared_pool
from .layout.sizing import workers_for, workers_to_start
from .layout.worker import Styles
from .pagemap import PageMap, join_page_map, print_edition_name
from .progress import QUIET, Progress
from .project import Project, locate_project
from .render.book import BuildInfo, RenderedBook, epub_documents, print_document, render_book
from .render.handout import handout_document, render_handout
from .render.html import EPUB, PRINT
from .render.templates import load_labels, report_missing_hyphenation
from .preflight import report_findings
from .printless import has_printed_output
from .writers import check_output_folder, remove_stale_temporaries, write_output
from .writers.booklet import BOOKLET_PAPER, booklet_settings, impose_booklet, reading_order
from .writers.epub import epub_bytes
from .writers.handouts import handout_job, handout_settings, write_handouts
from .writers.pdf import PDF_VARIANT, pdf_identifier, print_sheets, resource_roots
from .writers.printshop import (PRINT_SHOP_VARIANT, PRINT_SHOP_WRITE_OPTIONS, add_crop_marks, print_shop_css,
                                print_shop_settings)

ALL_TARGETS = "all"  # `build all`: the targets and editions of book.toml's [outputs]
PRINT_TARGETS = ("pdf", "booklet")  # built from the same laid-out pages


@dataclass(frozen=True)
class Sources:
    """Everything read from the project, checked, before any edition is chosen."""

    project: Project
    config: BookConfig
    manuscript: Manuscript
    bibliography: object  # bookbuild.bibliography.Bibliography
    style: object  # bookbuild.citations.CitationStyle
    build: BuildInfo
    labels: dict = field(default_factory=dict, compare=False)  # the theme's words in the book's language
    # Each edition's manuscript and citations, worked out once per run and shared by its outputs.
    editions_done: dict[str, tuple[Manuscript, CitationResult]] = field(default_factory=dict, compare=False,
                                                                         repr=False)
    # False when the bibliography or the citation style could not be read (their problems are reported):
    # the editions are still checked, without resolving their citations.
    citable: bool = True
    # Each edition's hidden material, for the leak check of its outputs.
    hidden: dict[str, HiddenMaterial] = field(default_factory=dict, compare=False, repr=False)


def build_info() -> BuildInfo:
    """The build time: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise BookbuildError.at(SourceLocation("SOURCE_DATE_EPOCH"),
                                    f"'{epoch}' is not a number of seconds since 1970") from None
    else:
        moment = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
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
    _collect(problems, load_editions, config, project)
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
            _collect(problems, parse_manuscript, project, config, report)
    if manuscript is not None:
        _collect(problems, check_audiences, manuscript, config, project)
        report_unknown_classes(manuscript, config, report)
    bibliography = (_collect(problems, load_bibliography, project.manuscript_dir / config.bibliography, project)
                    if config.bibliography else {})
    if manuscript is not None and bibliography is not None:
        _collect(problems, report_problems, bibliography, cited_keys(manuscript, config), report)
    style = _collect(problems, load_style, config.citation_style, project, config.language,
                     config.location_of("citation-style"))
    labels = _collect(problems, load_labels, config.language, project, report, config.location_of("language"))
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


def _collect(problems: Diagnostics, stage, *args):
    """*stage(*args)*, or None with its problems added to *problems*."""
    try:
        return stage(*args)
    except BookbuildError as error:
        problems.extend(error)
        return None


def raise_problems(problems: Diagnostics) -> None:
    """Stop with every problem found, each once, sorted by file and line."""
    unique = list({problem.format(): problem for problem in problems.problems}.values())
    Diagnostics(unique).raise_if_any()


def check_editions(sources: Sources, editions: Sequence[Edition], targets: Sequence[str], report: Report,
                   problems: Diagnostics) -> None:
    """Select, resolve the citations of and render *editions* for *targets* (print, epub; none: no rendering),
    and the handouts with "handouts", adding every problem (links into hidden material, citations, templates)
    to *problems*: what a build would otherwise find only after writing other outputs.  An edition whose
    citations cannot be resolved is still rendered, without them, to check its templates."""
    for edition in editions:
        if edition.name in sources.editions_done:
            manuscript, citations = sources.editions_done[edition.name]
        else:
            found = Diagnostics()
            manuscript = select_edition(sources.manuscript, edition, report, found)
            report_skipped_heading_levels(manuscript, report)
            if edition.answer_key:
                manuscript = add_answer_key(manuscript, sources.labels)
            citations = _collect(found, cite_edition, manuscript, sources) if sources.citable else None
            problems.problems.extend(found.problems)
            if not found and sources.citable:
                sources.editions_done[edition.name] = (manuscript, citations)
        for target in targets:
            if target == "handouts":
                continue
            try:
                book = render_book(manuscript, citations, edition_config(sources.config, edition), edition, target,
                                   sources.build, labels=sources.labels)
                if target == PRINT:
                    print_document(book, sources.project)
                else:
                    epub_documents(book, sources.project)
            except BookbuildError as error:
                problems.extend(error)
    if "handouts" in targets:
        _collect(problems, handout_settings, sources.config)
        if sources.citable:
            _collect(problems, handout_documents, sources, report)


def cited_keys(manuscript: Manuscript, config: BookConfig) -> frozenset[str] | None:
    """The keys the book cites or lists with ``nocite``; None when ``nocite`` lists every entry ("*")."""
    if "*" in config.nocite:
        return None
    return frozenset(item.key for citation in manuscript.citations for item in citation.items) | set(config.nocite)


def edition_manuscript(sources: Sources, edition: Edition, report: Report) -> tuple[Manuscript, CitationResult]:
    """The manuscript of one edition and its resolved citations (worked out once per run)."""
    if edition.name in sources.editions_done:
        return sources.editions_done[edition.name]
    manuscript = select_edition(sources.manuscript, edition, report)
    report_skipped_heading_levels(manuscript, report)
    if edition.answer_key:
        manuscript = add_answer_key(manuscript, sources.labels)
    citations = cite_edition(manuscript, sources)
    sources.editions_done[edition.name] = (manuscript, citations)
    return manuscript, citations


def cite_edition(manuscript: Manuscript, sources: Sources) -> CitationResult:
    """One edition's cross-references (``@fig-map``) and citations, resolved."""
    references, works = split_crossrefs(manuscript.citations, sources.bibliography)
    rendered_references = resolve_crossrefs(manuscript, references, sources.bibliography, sources.labels)
    return with_crossrefs(resolve_citations(works, sources.bibliography, sources.style,
                                            sources.config.nocite, sources.config.location_of("nocite")),
                          rendered_references)


def hidden_of(sources: Sources, edition: Edition) -> HiddenMaterial:
    """The material *edition* hides, sentence by sentence, for the leak check (worked out once per run)."""
    if edition.name not in sources.hidden:
        config = sources.config
        settings = (config.title, config.subtitle, config.description, config.publisher, config.rights,
                    config.edition, config.version, edition.label, *config.authors, *config.subjects)
        sources.hidden[edition.name] = hidden_material(split_material(sources.manuscript, edition), edition.name,
                                                       settings)
    return sources.hidden[edition.name]


def write_checked(sources: Sources, edition: Edition, path: Path, data: bytes, kind: str) -> Path:
    """Write one output of *edition*, after confirming that none of the material it hides shows in it."""
    check_output(hidden_of(sources, edition), sources.project.location(path).path, data, kind)
    return write_output(sources.project, path, data)


def render(sources: Sources, edition: Edition, target: str, report: Report) -> RenderedBook:
    manuscript, citations = edition_manuscript(sources, edition, report)
    return render_book(manuscript, citations, edition_config(sources.config, edition), edition, target,
                       sources.build, labels=sources.labels)


def output_path(sources: Sources, edition: Edition, extension: str, kind: str = "") -> Path:
    """build/<slug>{-edition}{-kind}.<extension>, such as build/hungary-1956-teacher-booklet.pdf"""
    suffix = "" if edition.is_default else f"-{edition.name}"
    if kind:
        suffix += f"-{kind}"
    return sources.project.out_dir / f"{sources.config.slug}{suffix}.{extension}"


@dataclass(frozen=True)
class LayoutSettings:
    """How the printed book is laid out: in how many processes, and what the terminal shows meanwhile."""

    jobs: int = 0  # worker processes (each under the same limits); 0: as many as free cores and the book allow
    progress: Progress = QUIET

    def start_workers(self) -> None:
        """Start the layout workers now, so that they import WeasyPrint while this process reads and renders."""
        # -- sizing hook: the free cores are measured before our workers run (layout/sizing.py)
        shared_pool(workers_to_start(self.jobs)).start()


def jobs_from_environment() -> int:
    """BOOKBUILD_JOBS, when set to a whole number (0: one worker per core)."""
    value = os.environ.get("BOOKBUILD_JOBS", "").strip()
    if not value:
        return 0
    if not value.isdigit():
        raise BookbuildError.at(SourceLocation("BOOKBUILD_JOBS"), f"'{value}' is not a whole number of processes")
    return int(value)


@dataclass(frozen=True)
class PrintedBook:
    """One edition laid out for print: the source of its PDF, booklet, print-shop copy and EPUB page numbers."""

    book: RenderedBook
    html: str
    laid_out: BookLayout


def lay_out_print(sources: Sources, book: RenderedBook, html: str, settings: LayoutSettings, *, want_pdf: bool,
                  check: bool, kind: str = "", extra_css: str = "", variant: str = PDF_VARIANT,
                  write_options: tuple = (), tagged: bool = True) -> BookLayout:
    """Lay out one printed book: in chunks, in worker processes (one or more), through the cache.

    Even with ``--jobs 1`` the layout runs in a worker, under the same memory
    and time limits, and gives the same bytes as any other number of workers.
    """
    project = sources.project
    name = output_path(sources, book.edition, "pdf", kind).name
    styles = Styles(sheets=print_sheets(book, project, extra_css), base_url=project.manuscript_dir.as_uri() + "/",
                    roots=tuple(str(root) for root in resource_roots(project)), variant=variant,
                    write_options=tuple(write_options))
    styles_folder = project.styles_dir
    own_files = sorted(path for path in styles_folder.rglob("*") if path.is_file()) if styles_folder.is_dir() else []
    request = LayoutRequest(
        html=html, styles=styles, identifier=pdf_identifier(book, kind),
        plan=f"{book.edition.name}-{kind or 'pdf'}", want_pdf=want_pdf, check=check, root=str(project.root),
        tagged=tagged, fingerprint=files_fingerprint(own_files),
        resources=tuple(sorted(book.resources.values())), label=name,
        created=book.build.date.strftime("%Y-%m-%dT%H:%M:%SZ"))
    # -- sizing hook: as many workers as the free cores and the book's chunks allow (layout/sizing.py)
    workers = workers_for(settings.jobs, len(book.chapters) + 2)  # the chapters, the title pages, the contents
    return lay_out_book(request, LayoutCache(project.cache_dir), shared_pool(workers), settings.progress)


def print_book(sources: Sources, edition: Edition, report: Report, check_print: bool, want_pdf: bool = True,
               settings: LayoutSettings = LayoutSettings()) -> PrintedBook:
    """Render and lay out one edition's printed book; with *check_print*, preflight it (warnings)."""
    if want_pdf:
        settings.start_workers()  # a cached layout needs none: an EPUB build starts them only when it must
    book = render(sources, edition, PRINT, report)
    html = print_document(book, sources.project)
    report.raise_if_strict()
    laid_out = lay_out_print(sources, book, html, settings, want_pdf=want_pdf, check=check_print)
    settings.progress.clear()
    if check_print:
        location = sources.project.location(output_path(sources, edition, "pdf"))
        report_findings(laid_out.findings, location, report)
    return PrintedBook(book, html, laid_out)


def build_pdfs(sources: Sources, edition: Edition, printed: PrintedBook, print_shop: bool,
               report: Report, settings: LayoutSettings = LayoutSettings()) -> list[Path]:
    """Write one edition's PDF and, with *print_shop*, its print-shop copy (laid out again, with bleed)."""
    project = sources.project
    shop = None
    shop_path = output_path(sources, edition, "pdf", "print")
    if print_shop:
        shop_settings = print_shop_settings(printed.book.config)
        laid_out = lay_out_print(sources, printed.book, printed.html, settings, want_pdf=True, check=True,
                                 kind="print", extra_css=print_shop_css(project, shop_settings),
                                 variant=PRINT_SHOP_VARIANT, write_options=PRINT_SHOP_WRITE_OPTIONS, tagged=False)
        settings.progress.clear()
        report_findings(laid_out.findings, project.location(shop_path), report)
        shop = add_crop_marks(laid_out.pdf, shop_settings)
    report.raise_if_strict()
    written = [write_checked(sources, edition, output_path(sources, edition, "pdf"), printed.laid_out.pdf, "pdf")]
    if shop is not None:
        written.append(write_checked(sources, edition, shop_path, shop, "pdf"))
    return written


def build_booklet(sources: Sources, edition: Edition, printed: PrintedBook, report: Report) -> Path:
    """Write one edition's copier booklet, imposed from the pages of its PDF."""
    settings = booklet_settings(printed.book.config)
    order = reading_order(printed.laid_out.page_count, printed.laid_out.last_page_alone)
    report.raise_if_strict()
    data = impose_booklet(printed.laid_out.pdf, order, settings)
    return write_checked(sources, edition, output_path(sources, edition, "pdf", "booklet"), data, "pdf")


def page_map_of(printed: PrintedBook, edition: Edition) -> PageMap:
    """Where each page of one edition's printed booklet begins, and its number."""
    config = printed.book.config
    source = print_edition_name(config.title, edition.label, edition.paper_size or config.paper_size,
                                printed.laid_out.page_count)
    return join_page_map(printed.laid_out.page_map, source)


def build_epub(sources: Sources, edition: Edition, page_map: PageMap | None, report: Report) -> Path:
    """Write one edition's EPUB, with the page numbers of its printed booklet (None: a book not printed)."""
    book = render(sources, edition, EPUB, report)
    report_unbacked_claim(book.config, report)
    documents = epub_documents(book, sources.project, page_map)
    report.raise_if_strict()
    data = epub_bytes(documents, book, sources.project, page_map)
    return write_checked(sources, edition, output_path(sources, edition, "epub"), data, "epub")


def build(project_dir: Path | str, targets: Sequence[str], edition_names: Sequence[str] | None,
          out_dir: Path | str | None, report: Report, *, print_shop: bool = False,
          check_print: bool = False, settings: LayoutSettings | None = None) -> list[Path]:
    """Build *targets* for the named editions (default: the default edition); return the files written.

    *print_shop* (or ``[print] print-shop``) adds the print-shop copy to every
    PDF; *check_print* preflights the PDF and the booklet as well (the
    print-shop copy is always preflighted).  *settings* say how many processes lay
    out the printed book (default: ``BOOKBUILD_JOBS``, else one per free core, fewer for a short book).
    """
    settings = settings or LayoutSettings(jobs=jobs_from_environment())
    if any(target in PRINT_TARGETS + (ALL_TARGETS,) for target in targets):
        settings.start_workers()
    settings.progress.stage("reading the manuscript")
    problems = Diagnostics()
    sources = gather_sources(project_dir, out_dir, report, problems)
    if sources is None:
        raise_problems(problems)
    assert sources is not None
    if ALL_TARGETS in targets:
        targets = tuple(sources.config.outputs["all"])
        edition_names = edition_names or list(sources.config.outputs["editions"])
    editions = _collect(problems, editions_named, sources.config, edition_names) or []
    _collect(problems, check_outputs, editions, targets, edition_names)
    print_shop = print_shop or sources.config.print["print-shop"]
    if "booklet" in targets:
        _collect(problems, booklet_settings, sources.config)
    if print_shop and "pdf" in targets:
        _collect(problems, print_shop_settings, sources.config)
    # Every edition's links, citations and templates before anything is written (the citations are worked
    # out once: the outputs reuse them; rendering to HTML costs a fraction of a second).
    for edition in editions:
        kinds = [PRINT] if any(target in PRINT_TARGETS for target in targets) else []
        if "epub" in targets and edition.epub:
            kinds.append(EPUB)
        check_editions(sources, [edition], kinds, report, problems)
    if "handouts" in targets and not problems:
        # The handouts' editions: their links and citations (the handouts themselves are rendered once, below).
        check_editions(sources, [find_edition(sources.config, name) for name in HANDOUT_AUDIENCES], [], report,
                       problems)
    raise_problems(problems)
    report.raise_if_strict()
    check_output_folder(sources.project)
    remove_stale_temporaries(sources.project.out_dir)
    written = []
    want_pdf = any(target in PRINT_TARGETS for target in targets)
    for edition in editions:
        printed = None
        for target in targets:
            if target == "handouts" or (target == "epub" and not edition.epub):
                continue  # handouts are made once, below; an edition without an EPUB is skipped
            if target == "booklet" and "all" in (edition_names or ()) and \
                    (edition.paper_size or sources.config.paper_size) not in BOOKLET_PAPER:
                continue  # --edition all: only editions whose pages can be imposed two-up get a booklet
            if target in PRINT_TARGETS:
                printed = printed or print_book(sources, edition, report, check_print, want_pdf, settings)
                if target == "pdf":
                    written.extend(build_pdfs(sources, edition, printed, print_shop, report, settings))
                else:
                    settings.progress.stage(f"imposing {output_path(sources, edition, 'pdf', 'booklet').name}")
                    written.append(build_booklet(sources, edition, printed, report))
            elif target == "epub":
                # -- printless hook: a book with no printed output (printless.py) makes its EPUB without pages
                if printed is None and not want_pdf and not has_printed_output(sources.config):
                    settings.progress.stage(f"making {output_path(sources, edition, 'epub').name}")
                    written.append(build_epub(sources, edition, None, report))
                    continue
                # The EPUB carries the printed booklet's page numbers: lay it out, or reuse its layout.
                printed = printed or print_book(sources, edition, report,
                                                check_print and any(t in PRINT_TARGETS for t in targets),
                                                want_pdf, settings)
                settings.progress.stage(f"making {output_path(sources, edition, 'epub').name}")
                written.append(build_epub(sources, edition, page_map_of(printed, edition), report))
            else:
                raise ValueError(f"unknown target {target!r}")
    if "handouts" in targets:
        written.extend(build_handouts(sources, report, settings.progress))
    settings.progress.clear()
    return written


def handout_documents(sources: Sources, report: Report) -> list[tuple[str, str]]:
    """(name, HTML) of every handout: each chapter's worksheets and the files declared as handouts."""
    return [(name, html) for name, html, _ in edition_handouts(sources, report)]


def edition_handouts(sources: Sources, report: Report) -> list[tuple[str, str, Edition]]:
    """(name, HTML, the edition it is made from) of every handout."""
    editions = []
    for name in HANDOUT_AUDIENCES:
        edition = find_edition(sources.config, name)
        editions.append((edition, select_edition(sources.manuscript, edition, report)))
    documents = []
    targets = number_targets(sources.manuscript)
    for handout in extract_handouts(editions, sources.manuscript.files):
        label_tokens([*handout.chapter.tokens,
                      *(token for section in handout.sections for token in section.tokens),
                      *(token for section in handout.sections for question in section.questions
                        for token in (*question.tokens, *question.answer))], targets)
        references, works = split_crossrefs(handout.citations, sources.bibliography)
        citations = with_crossrefs(resolve_citations(works, sources.bibliography, sources.style),
                                   resolve_crossrefs(sources.manuscript, references, sources.bibliography,
                                                     sources.labels))
        rendered = render_handout(handout, citations, sources.config, sources.build, sources.labels)
        documents.append((handout.name, handout_document(rendered, sources.project), handout.edition))
    return documents


def build_handouts(sources: Sources, report: Report, progress: Progress = QUIET) -> list[Path]:
    """Write the handouts to build/handouts/, laid out in parallel."""
    settings = handout_settings(sources.config)
    progress.stage("rendering the handouts")
    documents = edition_handouts(sources, report)
    report.raise_if_strict()
    jobs = [handout_job(name, html, sources.config, sources.project, settings) for name, html, _ in documents]
    editions = {name: edition for name, _, edition in documents}

    def check(name: str, path: Path, data: bytes) -> None:
        check_output(hidden_of(sources, editions[name]), sources.project.location(path).path, data, "pdf")

    return write_handouts(jobs, sources.project, check,
                          lambda done: jobs and progress.count("laying out handouts", done, len(jobs)))


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
        editions = (_collect(Diagnostics(), editions_named, sources.config, [ALL_EDITIONS])
                    or [replace(EDITIONS[name], all_audiences=audiences_of(sources.config)) for name in EDITIONS])
        for edition in editions:
            check_editions(sources, [edition], (PRINT, EPUB) if edition.epub else (PRINT,), report, problems)
        check_editions(sources, [], ("handouts",), report, problems)
    raise_problems(problems)
    report.raise_if_strict()
    assert sources is not None
    return sources
