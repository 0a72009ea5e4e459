"""What every output is built from: the project's sources, and one edition's build of them.

``Sources`` is everything read from the project, checked; ``OutputContext``
is what an output's ``build`` receives for one edition (or, for an output
made once, for none): the edition's manuscript and citations, its rendered
print HTML and its print layout (each worked out once, when first asked
for), the paths it writes to and the leak check every written file passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..accessibility import report_skipped_heading_levels
from ..answer_key import add_answer_key
from ..bibliography import Bibliography, Reference
from ..citations import CitationStyle, resolve_citations
from ..citations.model import CitationResult
from ..config import BookConfig
from ..crossrefs import resolve_crossrefs, split_crossrefs, with_crossrefs
from ..editions import Edition, edition_config, select_edition, split_material
from ..errors import BookbuildError, Diagnostics, Report
from ..layout.book import BookLayout, LayoutRequest
from ..layout.preflight import report_findings
from ..layout.printed import LayoutSettings, PrintedBook, book_chunks, lay_out, print_request
from ..leaks import HiddenMaterial, check_output, hidden_material
from ..manuscript import Manuscript
from ..pagemap import PageMap, join_page_map
from ..project import Project
from ..render.book import BuildInfo, RenderedBook, documents_of, print_document, render_book
from ..render.html import PRINT, RenderProfile, render_profile
from ..writers import write_output

if TYPE_CHECKING:
    from . import Output


@dataclass(frozen=True)
class Sources:
    """Everything read from the project, checked, before any edition is chosen."""

    project: Project
    config: BookConfig
    manuscript: Manuscript
    bibliography: Bibliography | Mapping[str, Reference]  # {} when the file could not be read
    style: CitationStyle | None  # None when it could not be loaded (then citable is False)
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
    # Each edition rendered in a profile by the check before the build, with its documents (the print HTML,
    # the EPUB's files without page numbers), keyed by (edition, profile): the outputs take them from here
    # instead of rendering the same book again.
    rendered: dict[tuple[str, str], tuple[RenderedBook, list]] = field(default_factory=dict, compare=False,
                                                                        repr=False)


@dataclass(frozen=True)
class BuildOptions:
    """What the command line (or book.toml) asks of a build beyond its outputs and editions."""

    print_shop: bool = False  # --print-shop: the PDF comes with its print-shop copy
    check_print: bool = False  # --preflight: warn about what would print badly
    settings: LayoutSettings = field(default_factory=LayoutSettings)


def collect(problems: Diagnostics, stage, *args):
    """*stage(*args)*, or None with its problems added to *problems*."""
    try:
        return stage(*args)
    except BookbuildError as error:
        problems.extend(error)
        return None


def cite_edition(manuscript: Manuscript, sources: Sources) -> CitationResult:
    """One edition's cross-references (``@fig-map``) and citations, resolved; those of another edition when it
    is the same manuscript (an edition that hides nothing of a book without material for other audiences)."""
    assert sources.style is not None, "cited only when the style could be loaded (sources.citable)"
    for done, citations in sources.editions_done.values():
        if done is manuscript:
            return citations
    references, works = split_crossrefs(manuscript.citations, sources.bibliography)
    rendered_references = resolve_crossrefs(manuscript, references, sources.bibliography, sources.labels)
    return with_crossrefs(resolve_citations(works, sources.bibliography, sources.style,
                                            sources.config.nocite, sources.config.location_of("nocite")),
                          rendered_references)


def edition_manuscript(sources: Sources, edition: Edition, report: Report) -> tuple[Manuscript, CitationResult]:
    """The manuscript of one edition and its resolved citations (worked out once per run)."""
    if edition.name in sources.editions_done:
        return sources.editions_done[edition.name]
    manuscript = select_edition(sources.manuscript, edition, report)
    report_skipped_heading_levels(manuscript, report)
    if edition.adds_answer_key:
        manuscript = add_answer_key(manuscript, sources.labels)
    citations = cite_edition(manuscript, sources)
    sources.editions_done[edition.name] = (manuscript, citations)
    return manuscript, citations


def student_pages_manuscript(sources: Sources, edition: Edition,
                             report: Report) -> tuple[Manuscript, CitationResult]:
    """The manuscript of *edition*'s student pages (interleaved teacher pages): the edition without its teacher
    material, so that its pages are the student edition's (worked out once per run)."""
    key = f"{edition.name} (student pages)"
    if key not in sources.editions_done:
        manuscript = select_edition(sources.manuscript, edition.student_view, report)
        sources.editions_done[key] = (manuscript, cite_edition(manuscript, sources))
    return sources.editions_done[key]


def check_editions(sources: Sources, editions: Sequence[Edition], profiles: Sequence[RenderProfile | str],
                   report: Report, problems: Diagnostics) -> None:
    """Select, resolve the citations of and render *editions* in each of *profiles* (none: no rendering), adding
    every problem (links into hidden material, citations, templates) to *problems*: what a build would
    otherwise find only after writing other outputs.  An edition whose citations cannot be resolved is still
    rendered, without them, to check its templates."""
    for edition in editions:
        citations: CitationResult | None
        if edition.name in sources.editions_done:
            manuscript, citations = sources.editions_done[edition.name]
        else:
            found = Diagnostics()
            manuscript = select_edition(sources.manuscript, edition, report, found)
            report_skipped_heading_levels(manuscript, report)
            if edition.adds_answer_key:
                manuscript = add_answer_key(manuscript, sources.labels)
            citations = collect(found, cite_edition, manuscript, sources) if sources.citable else None
            problems.problems.extend(found.problems)
            if not found and citations is not None:
                sources.editions_done[edition.name] = (manuscript, citations)
        for profile in profiles:
            try:
                book = render_book(manuscript, citations, edition_config(sources.config, edition), edition, profile,
                                   sources.build, labels=sources.labels)
                documents = documents_of(book, sources.project)
                if sources.editions_done.get(edition.name, (None,))[0] is manuscript:  # what the outputs render
                    keep_rendered(sources, edition, book, documents)
            except BookbuildError as error:
                problems.extend(error)


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


def render(sources: Sources, edition: Edition, target: RenderProfile | str, report: Report) -> RenderedBook:
    """One edition rendered in the profile *target* (PRINT, EPUB or its name)."""
    manuscript, citations = edition_manuscript(sources, edition, report)
    kept = sources.rendered.get((edition.name, str(render_profile(target))))
    if kept is not None:
        return kept[0]
    return render_book(manuscript, citations, edition_config(sources.config, edition), edition, target,
                       sources.build, labels=sources.labels)


def keep_rendered(sources: Sources, edition: Edition, book: RenderedBook, documents: list) -> None:
    """Keep the check's rendering of *edition* (*book* and its documents) for the outputs of the build: the
    print HTML, which the layout takes first, and the EPUB's files of a book that is not printed. A printed
    book's EPUB gets the page numbers of its layout, so its files are made again then: they are not kept
    through the layout, where the build's memory peaks."""
    if str(book.target) != str(PRINT) and has_printed_output(edition_config(sources.config, edition)):
        return
    sources.rendered[(edition.name, str(book.target))] = (book, documents)


def rendered_documents(sources: Sources, edition: Edition, book: RenderedBook) -> list | None:
    """The documents the check made of *book* (``documents_of``), if *book* is the one it rendered; each is
    handed out once, and let go of then."""
    key = (edition.name, str(book.target))
    kept = sources.rendered.get(key)
    if kept is None or kept[0] is not book:
        return None
    del sources.rendered[key]
    return kept[1]


def output_path(sources: Sources, edition: Edition, extension: str, kind: str = "") -> Path:
    """build/<slug>{-edition}{-kind}.<extension>, such as build/hungary-1956-teacher-booklet.pdf"""
    suffix = "" if edition.is_default else f"-{edition.name}"
    if kind:
        suffix += f"-{kind}"
    return sources.project.out_dir / f"{sources.config.slug}{suffix}.{extension}"


@dataclass
class OutputContext:
    """What an output's ``build`` gets: the sources, the edition (None for an output made once), the outputs
    of this build, and the edition's print HTML and print layout, each made once when first asked for."""

    sources: Sources
    edition: Edition | None
    report: Report
    options: BuildOptions
    outputs: tuple[Output, ...]  # what this build makes, in order
    every_edition: bool = False  # --edition all (or [outputs] editions = ["all"])
    _print_html: tuple[RenderedBook, str] | None = field(default=None, repr=False)
    _printed: PrintedBook | None = field(default=None, repr=False)

    @property
    def settings(self) -> LayoutSettings:
        return self.options.settings

    @property
    def config(self) -> BookConfig:
        """book.toml's settings as this edition prints them (its paper size, its identifier)."""
        assert self.edition is not None
        return edition_config(self.sources.config, self.edition)

    def path(self, extension: str, kind: str = "") -> Path:
        """build/<slug>{-edition}{-kind}.<extension>"""
        assert self.edition is not None
        return output_path(self.sources, self.edition, extension, kind)

    def write(self, path: Path, data: bytes, kind: str) -> Path:
        """Write *data* to *path* after the leak check of the edition's hidden material."""
        assert self.edition is not None
        return write_checked(self.sources, self.edition, path, data, kind)

    def render(self, profile: RenderProfile) -> RenderedBook:
        assert self.edition is not None
        return render(self.sources, self.edition, profile, self.report)

    @property
    def wants_pdf(self) -> bool:
        """Whether an output of this build needs the printed book's PDF (not only its page map)."""
        return any(output.needs_pdf for output in self.outputs)

    def epub_documents(self, book: RenderedBook, page_map: PageMap | None) -> list:
        """The EPUB's documents of *book* (rendered in the EPUB profile), with the printed book's page numbers
        when there is a *page_map* (without them, as the check made them before the build)."""
        from ..render.book import epub_documents

        assert self.edition is not None
        documents = rendered_documents(self.sources, self.edition, book)
        if page_map is None and documents is not None:
            return documents
        return epub_documents(book, self.sources.project, page_map)

    def print_html(self) -> tuple[RenderedBook, str]:
        """The edition rendered for print, and its whole HTML document (made once): with interleaved teacher
        pages, its student pages (the edition's label and settings, without the teacher material)."""
        if self._print_html is None:
            assert self.edition is not None
            if self.edition.interleaves_teacher_pages:
                manuscript, citations = student_pages_manuscript(self.sources, self.edition, self.report)
                book = render_book(manuscript, citations, self.config, self.edition, PRINT, self.sources.build,
                                   labels=self.sources.labels)
                self._print_html = (book, print_document(book, self.sources.project))
            else:
                book = self.render(PRINT)
                documents = rendered_documents(self.sources, self.edition, book)
                self._print_html = (book, documents[0] if documents else print_document(book, self.sources.project))
        return self._print_html

    def lay_out(self, request: LayoutRequest, book: RenderedBook) -> BookLayout:
        """Lay out *request* (the edition's print HTML, *book*); with interleaved teacher pages, the teacher
        material is laid out on pages of its own, inserted after the student page each piece belongs to."""
        assert self.edition is not None
        laid_out = lay_out(request, self.settings, book_chunks(book))
        if not self.edition.interleaves_teacher_pages:
            return laid_out
        from ..layout.teacher_pages import (
            group_material,
            group_pages,
            interleave,
            overrunning_groups,
            read_teacher_material,
            teacher_request,
        )

        edition_book = self.render(PRINT)
        documents = rendered_documents(self.sources, self.edition, edition_book)
        edition_html = documents[0] if documents else print_document(edition_book, self.sources.project)
        pages = join_page_map(laid_out.page_map, "").pages
        teacher_classes = self.edition.student_view.hidden_classes - self.edition.hidden_classes
        material = read_teacher_material(edition_html, frozenset(teacher_classes),
                                         frozenset(page.part for page in pages if page.part))
        groups = group_material(material, pages)
        if not groups:
            return laid_out
        labels = self.sources.labels
        teacher = lay_out(teacher_request(request, edition_html, groups, labels), self.settings, 1)
        # A group that runs over on to an odd page (a blank page after it) is set closer where that saves
        # the sheet; the others are left as they were.
        over = overrunning_groups(teacher, len(groups))
        if over:
            closer = lay_out(teacher_request(request, edition_html, groups, labels, over), self.settings, 1)
            before, after = group_pages(teacher, len(groups)), group_pages(closer, len(groups))
            fitted = frozenset(number for number in over if after.get(number, 0) < before[number])
            if fitted == over:
                teacher = closer
            elif fitted:
                teacher = lay_out(teacher_request(request, edition_html, groups, labels, fitted), self.settings, 1)
        return interleave(laid_out, teacher, groups, material, request)

    def printed(self) -> PrintedBook:
        """The edition's printed book, laid out (once per edition, for every output that needs it); with
        --preflight, and when its PDF is made, preflighted (warnings)."""
        if self._printed is None:
            want_pdf = self.wants_pdf
            check = self.options.check_print and want_pdf
            if want_pdf:
                self.settings.start_workers()  # a cached layout needs none: an EPUB build starts them only when it must
            book, html = self.print_html()
            self.report.raise_if_strict()
            pdf_path = self.path("pdf")
            laid_out = self.lay_out(print_request(book, html, self.sources.project, pdf_path.name,
                                                  want_pdf=want_pdf, check=check), book)
            self.settings.progress.clear()
            if check:
                report_findings(laid_out.findings, self.sources.project.location(pdf_path), self.report)
            self._printed = PrintedBook(book, html, laid_out)
        return self._printed

    def page_map(self) -> PageMap:
        """Where each page of the edition's printed booklet begins, and its number (laid out if need be)."""
        assert self.edition is not None
        return self.printed().page_map(self.edition.label)

    def printed_page_map(self) -> PageMap | None:
        """The page map of the edition's printed book, or None for a book that is not printed (has_printed_output):
        its EPUB and web edition are made without laying out pages, and carry no page numbers."""
        if self._printed is None and not self.wants_pdf and not has_printed_output(self.config):
            return None
        return self.page_map()

    def companions(self, output: Output) -> list[Output]:
        """The outputs built with *output* in this build (the print-shop copy with the PDF), unless asked for
        themselves."""
        return [other for other in all_outputs() if other.companion_of == output.name and other not in self.outputs
                and other.enabled(self)]

    def with_companions(self) -> list[Output]:
        """The outputs of this build and their companions that are enabled, in listing order."""
        return [output for output in all_outputs()
                if output in self.outputs or any(output in self.companions(chosen) for chosen in self.outputs)]


def all_outputs() -> list[Output]:
    from . import registry

    return list(registry().values())


def has_printed_output(config: BookConfig) -> bool:
    """Whether the book is printed: ``[outputs] all`` (what ``bookbuild build all`` makes) names an output that
    lays out pages (pdf, print-shop, booklet).  A book that is not printed is made to be read on screen: its
    EPUB and web edition are made without laying out print pages (no layout workers, no WeasyPrint) and carry
    no page list, since no printed edition gives them page numbers."""
    printed = {output.name for output in all_outputs() if output.needs_pdf or output.lays_out}
    return any(name in printed for name in config.outputs.all)
