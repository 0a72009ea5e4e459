"""The options of book.toml, each declared once: its type, default, allowed values and documentation.

:mod:`.loading` reads book.toml against these declarations and :mod:`.reference`
writes the README's tables from them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

from ..errors import Problem, SourceLocation
from .schema import IsoDate, Length, Table, option

PAPER_SIZES = {
    # name: (width, height) in millimetres
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
    "letter": (215.9, 279.4),
    "half-letter": (139.7, 215.9),
}

DEFAULT_CITATION_STYLE = "chicago-notes-bibliography"

# What `bookbuild build all` makes, in this order.
OUTPUT_TARGETS = ("pdf", "epub", "handouts", "booklet")
# What it may make: every output of the registry (src/bookbuild/outputs/; tests/test_outputs.py checks they agree).
# The audiences every book knows, besides those its config adds (editions.py marks material for them).
ALWAYS_AUDIENCES = ("student", "teacher")
OUTPUT_CHOICES = ("pdf", "print-shop", "booklet", "epub", "web", "handouts")

# The conformance claims an EPUB can make (EPUB Accessibility 1.1), and the hazard and feature terms of
# schema.org's accessibility vocabulary that the [accessibility] table accepts.
CONFORMANCE_CLAIMS = tuple(f"EPUB Accessibility 1.1 - WCAG 2.{minor} Level {level}"
                           for minor in (2, 1, 0) for level in ("AA", "AAA", "A")) + ("none",)
ACCESSIBILITY_HAZARDS = ("none", "flashing", "noFlashingHazard", "unknownFlashingHazard", "motionSimulation",
                         "noMotionSimulationHazard", "unknownMotionSimulationHazard", "sound", "noSoundHazard",
                         "unknownSoundHazard", "unknown")
ACCESSIBILITY_FEATURES = ("alternativeText", "annotations", "ARIA", "audioDescription", "bookmarks", "braille",
                          "captions", "ChemML", "describedMath", "displayTransformability", "fullRubyAnnotations",
                          "highContrastAudio", "highContrastDisplay", "index", "largePrint", "latex",
                          "longDescription", "MathML", "MathML-chemistry", "openCaptions", "pageBreakMarkers",
                          "pageNavigation", "printPageNumbers", "readingOrder", "rubyAnnotations", "signLanguage",
                          "structuralNavigation", "synchronizedAudioText", "tableOfContents", "tactileGraphic",
                          "tactileObject", "timingControl", "transcript", "ttsMarkup", "unlocked",
                          "withAdditionalWordSegmentation", "withoutAdditionalWordSegmentation")


def slugify(text: str) -> str:
    """A lowercase ASCII slug: 'Hungary, 1956!' -> 'hungary-1956'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@dataclass(frozen=True)
class PrintOptions(Table):
    """The ``[print]`` table: print production, the copier booklet and the print-shop copy."""

    NAME: ClassVar[str] = "print"

    print_shop: bool = option(False, "Also write `<slug>-print.pdf` for a print shop (bleed, crop marks, PDF/A-2b) "
                              "with every PDF build, as `--print-shop` does.")
    bleed: Length = option(Length(3.0), "How far the print-shop copy's full-bleed backgrounds reach beyond the "
                           "trim, at most `\"10mm\"`.")
    creep: Length = option(Length(0.0), "Creep compensation of the copier booklet: each sheet's pages move this "
                           "much further toward the fold than the sheet around it, such as `\"0.1mm\"`, at most "
                           "`\"1mm\"`.", default_doc='`"0mm"`, none')
    flip: str = option("short-edge", "How the copier turns a booklet sheet over: `short-edge` (the setting to use) "
                       "or `long-edge` (for copiers that only flip on the long edge; the backs are drawn upside "
                       "down).", choices=("short-edge", "long-edge"))


@dataclass(frozen=True)
class EditionOptions(Table):
    """An ``[editions.NAME]`` table; a key left out keeps the built-in edition's value (see editions.py), and
    the defaults are those of a new edition."""

    NAME: ClassVar[str] = "editions.NAME"

    audiences: tuple[str, ...] = option((), "The audiences whose material the edition shows, such as "
                                        "`[\"student\", \"teacher\"]`; required for a new edition. Material for "
                                        "any other audience is removed before notes, citations and ids are worked "
                                        "out, so none of it reaches the edition's PDF text, bookmarks, metadata, "
                                        "EPUB, notes or bibliography.", default_doc="none: required")
    label: str = option("", "Printed on the cover, the title page, the copyright page and after the title in the "
                        "running heads, such as `\"Teacher edition\"`.")
    paper_size: str = option("", "Trim size of this edition.", choices=tuple(PAPER_SIZES),
                             default_doc="the book's `paper-size`")
    font_size: float = option(0.0, "Size of the body text in points, 6 to 36; headings, notes and callouts are "
                              "sized relative to it.", default_doc="the theme's, 10")
    answer_key: bool = option(False, "Add the answer key at the end; only with `teacher-pages = \"inline\"`, "
                              "since interleaved teacher pages print each model answer once, after its "
                              "questions' page.",
                              default_doc="`false`; `true` for `teacher`")
    teacher_pages: str = option("interleaved", "Where an edition that shows teacher material prints it: "
                                "`interleaved` keeps the student edition's pages unchanged and puts the teacher "
                                "material on pages inserted after the student page it belongs to, numbered after "
                                "it (`15a`, `15b`); `inline` sets it in the flow of the text (the pages then differ "
                                "from the student edition's). The EPUB always has it in the flow.",
                                choices=("interleaved", "inline"))
    stylesheets: tuple[str, ...] = option((), "Stylesheets added after the theme's for this edition's PDF, each "
                                          "from `styles/css/` or the theme, such as `[\"large-print.css\"]` (the "
                                          "`large-print` edition's); a project may replace `large-print.css` with "
                                          "its own.")
    epub: bool = option(True, "Whether the edition has an EPUB (`--edition all` builds it).",
                        default_doc="`true`; `false` for `large-print`")


@dataclass(frozen=True)
class HandoutOptions(Table):
    """The ``[handouts]`` table: the classroom handouts' paper and text size."""

    NAME: ClassVar[str] = "handouts"

    paper_size: str = option("A4", "Paper of the handouts.", choices=("A4", "letter"))
    font_size: float = option(11, "Size of the handouts' text in points, 8 to 24.")


@dataclass(frozen=True)
class OutputOptions(Table):
    """The ``[outputs]`` table: what ``bookbuild build all`` makes."""

    NAME: ClassVar[str] = "outputs"

    all: tuple[str, ...] = option(OUTPUT_TARGETS, "What `bookbuild build all` (and `make all`) makes: any of "
                                  "`pdf`, `print-shop`, `booklet`, `epub`, `web` and `handouts`.",
                                  choices=OUTPUT_CHOICES,
                                  default_doc="all four")
    editions: tuple[str, ...] = option(("all",), "The editions `build all` makes when no `--edition` is given: "
                                       "`[\"all\"]` is every edition, `[\"student\"]` the default edition alone.")


@dataclass(frozen=True)
class AccessibilityOptions(Table):
    """The ``[accessibility]`` table: what the EPUB declares about its accessibility."""

    NAME: ClassVar[str] = "accessibility"

    summary: str = option("", "The accessibility summary readers see in a catalogue or reading app, in a sentence "
                          "or two.", default_doc="one bookbuild writes from what the book has")
    conforms_to: str = option(CONFORMANCE_CLAIMS[0], "The conformance claim: the same words with WCAG "
                              "`2.0`/`2.1`/`2.2` and level `A`/`AA`/`AAA`, or `none` for no claim.",
                              choices=CONFORMANCE_CLAIMS)
    certified_by: str = option("", "Who checked the EPUB and stands behind the claim; with none of `certified-by`, "
                               "`publisher` and `authors` the EPUB makes no claim, and the build warns.",
                               default_doc="the `publisher`, else the `authors`")
    certifier_credential: str = option("", "The certifier's credential or badge, if any.")
    certifier_report: str = option("", "Web address of the certifier's report, if any.")
    hazards: tuple[str, ...] = option(("none",), "Hazards for some readers: `flashing`, `motionSimulation`, "
                                      "`sound`, `noFlashingHazard`, `noMotionSimulationHazard`, `noSoundHazard`, "
                                      "`unknownFlashingHazard`, `unknownMotionSimulationHazard`, "
                                      "`unknownSoundHazard`, `unknown`, or `none`.", choices=ACCESSIBILITY_HAZARDS)
    features: tuple[str, ...] = option((), "Features to declare besides those bookbuild finds itself, such as "
                                       "`[\"describedMath\"]` (schema.org's `accessibilityFeature` terms).",
                                       choices=ACCESSIBILITY_FEATURES)


@dataclass(frozen=True)
class BookConfig:
    """Everything book.toml says, with defaults filled in: the top level of book.toml."""

    NAME: ClassVar[str] = "book.toml"

    title: str = option("Untitled", "The book's title, on the cover, title page, running heads and metadata.",
                        default_doc="the metadata's title, else the first chapter's first heading, else the "
                                    "project folder's name")
    subtitle: str = option("", "Subtitle shown under the title.")
    authors: tuple[str, ...] = option((), "Authors, in order, as they should be printed (one author may be "
                                      "written as a string).", one_or_list=True)
    language: str = option("en", "BCP 47 language tag of the text (`en`, `en-GB`, `hu`); sets hyphenation and "
                           "quotes.")
    identifier: str = option("", "Unique identifier (ISBN or `urn:uuid:…`).",
                             default_doc="a UUID derived from the title")
    date: IsoDate = option(IsoDate(""), "Publication date, `YYYY-MM-DD`.", default_doc="the build date")
    publisher: str = option("", "Publisher or school, printed on the copyright page.")
    rights: str = option("", "Copyright or licence statement.")
    description: str = option("", "One-paragraph description for catalogues and the PDF subject; the printed "
                              "book also sets it on its back cover, as the blurb (no description, no back cover).")
    subjects: tuple[str, ...] = option((), "Subject keywords (PDF keywords, EPUB `dc:subject`).")
    chapters: tuple[str, ...] = option((), "Chapter files in reading order, relative to the manuscript folder.",
                                       default_doc="every `*.md` file in name order, front matter first")
    bibliography: str = option("", "The file of sources: BibTeX/biblatex (`.bib`), or CSL JSON (`.json`) or CSL "
                               "YAML (`.yaml`) as Zotero and Pandoc export them.",
                               default_doc="the folder's only `.bib` file")
    citation_style: str = option(DEFAULT_CITATION_STYLE, "Citation style: `chicago-notes-bibliography`, "
                                 "`chicago-author-date`, `apa`, `modern-language-association`, or a style of "
                                 "the project's own in `styles/citations/NAME/`.")
    nocite: tuple[str, ...] = option((), "Bibliography keys to list in the bibliography without citing them "
                                     "(`[\"*\"]` lists every entry).")
    paper_size: str = option("A5", "Trim size of the printed booklet.", choices=tuple(PAPER_SIZES))
    cover: str = option("", "Cover image (PNG, JPEG or SVG), relative to the manuscript folder.",
                        default_doc="none: bookbuild sets a typographic cover")
    edition: str = option("", "Edition statement for the copyright page, such as `First edition`.")
    version: str = option("", "Version of the text, printed on the copyright page with the build date.")
    remote_resources: bool = option(False, "Allow images from http(s) addresses: each is downloaded once (no "
                                    "redirects, at most 30 MB) into `build/.cache/remote/` and checked like a "
                                    "file of the project.", default_doc="`false`: a web address is an error")
    print: PrintOptions = option(PrintOptions(), "Print production: the copier booklet and the print-shop copy "
                                 "(keys below).")
    accessibility: AccessibilityOptions = option(AccessibilityOptions(), "What the EPUB declares about its "
                                                 "accessibility (keys below).")
    audiences: tuple[str, ...] = option((), "Audiences material can be marked for besides `student` and `teacher` "
                                        "(always known), such as `[\"student\", \"teacher\", \"parent\"]`; see "
                                        "[Editions](#editions).")
    boxes: tuple[str, ...] = option((), "Box names (`::: name`) of the project's own besides the theme's, such as "
                                    "`[\"pullquote\"]`; a class the project's `styles/css/` styles counts as "
                                    "declared too. An undeclared name spelt like a known one is an error, any "
                                    "other a warning (see [Editions](#editions)).")
    teacher_boxes: tuple[str, ...] = option((), "Box names that are teacher material besides `answers`, "
                                            "`teaching-notes` and `answer-key`, such as `[\"exam-tips\"]`: hidden "
                                            "from every edition without teacher material, whatever classes the box "
                                            "carries.")
    editions: Mapping[str, EditionOptions] = option(
        None, "`[editions.NAME]` tables: change a built-in edition or declare a new one (keys in "
        "[Editions](#editions)); `student`, `teacher` and `large-print` are built in.",
        default_factory=lambda: MappingProxyType({}))
    handouts: HandoutOptions = option(HandoutOptions(), "`[handouts]`: the handouts' paper and text size (keys in "
                                      "[Handouts](#handouts)).")
    outputs: OutputOptions = option(OutputOptions(), "`[outputs]`: what `bookbuild build all` makes (keys below).")
    # Where each key was written, for error messages of later stages.
    locations: dict[str, SourceLocation] = field(default_factory=dict, compare=False, repr=False)
    # What could not be used of the book's Pandoc metadata, for the pipeline to report.
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)
    source: SourceLocation | None = field(default=None, compare=False, repr=False)

    def location_of(self, key: str) -> SourceLocation | None:
        """The book.toml line that set *key* (TOML spelling), or the file itself."""
        return self.locations.get(key, self.source)

    @property
    def paper_mm(self) -> tuple[float, float]:
        return PAPER_SIZES[self.paper_size]

    @property
    def slug(self) -> str:
        """The file name stem of the outputs, made from the title."""
        return slugify(self.title) or "book"


# Every table of book.toml, in the order the README documents them.
TABLES: tuple[type, ...] = (BookConfig, PrintOptions, AccessibilityOptions, OutputOptions, EditionOptions,
                            HandoutOptions)
