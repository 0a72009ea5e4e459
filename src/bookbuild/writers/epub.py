"""Turn the EPUB's XHTML documents into an EPUB 3 file with ebooklib.

bookbuild writes every XHTML document itself (from templates), so ebooklib
only packages them: the package document with full metadata, the NCX for old
readers, the manifest and spine, and the zip.  The zip is then rewritten with
fixed timestamps and a fixed order, so that two builds of the same source with
the same SOURCE_DATE_EPOCH give the same bytes.

The package document also says what the book offers readers with
disabilities (EPUB Accessibility 1.1: access modes, features, hazards, a
summary and the conformance claim, from book.toml's ``[accessibility]``
table), and, when the EPUB carries the printed booklet's page numbers, which
print edition they come from (``pageBreakSource``).  The book's fonts go in
subset and obfuscated (see ``epubfonts.py``).
"""

from __future__ import annotations

import io
import mimetypes
import zipfile
from pathlib import Path

from ebooklib import epub

from ..accessibility import accessibility_certifier
from ..pagemap import PageMap
from ..project import Project
from ..render.book import EMBEDDED_FONTS_CSS, EPUB_STYLESHEETS, EpubDocument, RenderedBook
from ..stylesheets import stylesheet_paths
from . import write_output
from .cover import cover_png
from .epubfonts import embedded_fonts, encryption_xml, font_face_css, obfuscate

MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp", ".css": "text/css", ".ttf": "font/ttf",
               ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}


class XhtmlDocument(epub.EpubHtml):
    """An XHTML document whose markup bookbuild wrote; ebooklib stores it unchanged."""

    def __init__(self, document: EpubDocument, uid: str):
        super().__init__(uid=uid, file_name=document.file_name, media_type="application/xhtml+xml",
                         title=document.title)
        self.content = document.content.encode("utf-8")
        self.is_linear = document.linear
        if document.role == "nav":
            self.properties.append("nav")
        if "<svg" in document.content:
            self.properties.append("svg")
        if "<math" in document.content:
            self.properties.append("mathml")

    def get_content(self, default=None) -> bytes:  # noqa: ARG002 - ebooklib's signature
        return self.content


class PackageWriter(epub.EpubWriter):
    """ebooklib's writer, with the book's language on the package element, as accessibility checkers ask."""

    def __init__(self, name, book, options, language: str):
        super().__init__(name, book, options)
        self.language = language

    def _write_opf_file(self, root):
        root.set("{http://www.w3.org/XML/1998/namespace}lang", self.language)
        super()._write_opf_file(root)


def epub_bytes(documents: list[EpubDocument], book: RenderedBook, project: Project,
               page_map: PageMap | None = None) -> bytes:
    """The EPUB file as bytes; with the print edition's *page_map*, it names the edition its page numbers follow."""
    config = book.config
    package = epub.EpubBook()
    package.set_identifier(config.identifier)
    label = "" if book.edition.is_default else book.edition.label
    # A reading app lists books by their first title: another edition says which it is.
    package.set_title(f"{config.title} ({label})" if label else config.title)
    package.set_language(config.language)
    package.set_unique_metadata("OPF", "generator", "", {"name": "generator", "content": book.build.generator})
    for number, author in enumerate(config.authors, start=1):
        package.add_author(author, uid=f"creator{number}")
    if config.subtitle:
        package.add_metadata("DC", "title", config.subtitle, {"id": "subtitle"})
        package.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    if label:
        package.add_metadata("DC", "title", label, {"id": "edition"})
        package.add_metadata(None, "meta", "edition", {"refines": "#edition", "property": "title-type"})
    for name, value in (("publisher", config.publisher), ("rights", config.rights),
                        ("description", config.description)):
        if value:
            package.add_metadata("DC", name, value)
    for subject in config.subjects:
        package.add_metadata("DC", "subject", subject)
    package.add_metadata("DC", "date", config.date or book.build.day)
    for name, value, attributes in accessibility_metadata(book, documents, page_map):
        if name == "link":
            package.add_metadata(None, "link", "", {**attributes, "href": value})
        else:
            package.add_metadata(None, "meta", value, {"property": name, **attributes})

    stylesheets = stylesheet_paths(project, EPUB_STYLESHEETS)
    fonts = embedded_fonts((document.content for document in documents),
                           (path.read_text(encoding="utf-8") for path in stylesheets),
                           cache=project.cache_dir / "fonts")
    package.add_item(epub.EpubItem(uid="css-embedded-fonts", file_name=f"css/{EMBEDDED_FONTS_CSS}",
                                   media_type="text/css", content=font_face_css(fonts).encode("utf-8")))
    for number, font in enumerate(fonts, start=1):
        package.add_item(epub.EpubItem(uid=f"font-{number}", file_name=font.href,
                                       media_type=MEDIA_TYPES[Path(font.href).suffix.lower()],
                                       content=obfuscate(font.data, config.identifier)))
    for path in stylesheets:
        package.add_item(epub.EpubItem(uid=f"css-{path.stem}", file_name=f"css/{path.name}",
                                       media_type="text/css", content=path.read_bytes()))
    for number, (path, href) in enumerate(sorted(book.resources.items(), key=lambda item: item[1]), start=1):
        media_type = MEDIA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        if book.cover == href:
            continue
        package.add_item(epub.EpubImage(uid=f"image-{number}", file_name=href, media_type=media_type,
                                        content=path.read_bytes()))
    if book.cover:
        source = next((path for path, href in book.resources.items() if href == book.cover), None)
        content = source.read_bytes() if source is not None else cover_png(book, project.cache_dir / "covers")
        cover = epub.EpubCover(uid="cover-image", file_name=book.cover)
        cover.media_type = MEDIA_TYPES.get(Path(book.cover).suffix.lower(), "image/png")
        cover.content = content
        package.add_item(cover)
        package.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})

    items = {}
    for number, document in enumerate(documents, start=1):
        item = XhtmlDocument(document, uid=f"doc-{number}-{Path(document.file_name).stem}")
        package.add_item(item)
        items[document.file_name] = item
    package.add_item(epub.EpubNcx())
    package.toc = [
        epub.Link(document.file_name, document.title, f"toc-{number}")
        for number, document in enumerate(documents, start=1)
        if document.role in ("chapter", "bibliography")
    ]
    package.spine = [items[document.file_name] for document in documents]

    buffer = io.BytesIO()
    writer = PackageWriter(buffer, package, {
        "epub3_pages": False,  # the page-list is bookbuild's own (from the print layout)
        "epub2_guide": False,
        "epub3_landmark": False,  # the landmarks are in bookbuild's navigation document
        "mtime": book.build.date,
        "raise_exceptions": True,
    }, config.language)
    writer.process()
    writer.write()
    extra = {}
    if fonts:
        extra[ENCRYPTION_PATH] = encryption_xml(f"{package.FOLDER_NAME}/{font.href}" for font in fonts)
    return normalize_zip(buffer.getvalue(), book.build.date.timetuple()[:6], extra)


def accessibility_metadata(book: RenderedBook, documents: list[EpubDocument],
                           page_map: PageMap | None) -> list[tuple[str, str, dict[str, str]]]:
    """The package's accessibility metadata as (property, value, attributes), from the book and [accessibility].

    What bookbuild knows itself: the access modes (text, and images when there
    are any, each with its alternative text, which the manuscript stage
    requires), the features every bookbuild EPUB has (contents, reading order,
    headings, landmarks, ARIA roles, restyleable text), and the page
    navigation when the printed booklet's numbers are in it.
    """
    settings = book.config.accessibility
    images = any("<img" in document.content for document in documents)
    modes = ["textual"] + (["visual"] if images else [])
    features = ["tableOfContents", "readingOrder", "structuralNavigation", "ARIA", "displayTransformability"]
    if images:
        features.append("alternativeText")
    if any("<math" in document.content for document in documents):
        features.append("MathML")
    if page_map is not None and page_map.pages:
        features += ["pageNavigation", "printPageNumbers"]
    features += [feature for feature in settings.features if feature not in features]
    claim = settings.conforms_to
    certifier = accessibility_certifier(book.config)
    if claim == "none" or not certifier:
        claim = ""
    entries: list[tuple[str, str, dict[str, str]]] = [("schema:accessMode", mode, {}) for mode in modes]
    entries.append(("schema:accessModeSufficient", "textual", {}))
    if images:
        entries.append(("schema:accessModeSufficient", "textual,visual", {}))
    entries += [("schema:accessibilityFeature", feature, {}) for feature in features]
    entries += [("schema:accessibilityHazard", hazard, {}) for hazard in settings.hazards]
    entries.append(("schema:accessibilitySummary", settings.summary or accessibility_summary(
        claim, images, page_map), {}))
    if claim:
        entries.append(("dcterms:conformsTo", claim, {}))
        entries.append(("a11y:certifiedBy", certifier, {"id": "certifier"}))
        if settings.certifier_credential:
            entries.append(("a11y:certifierCredential", settings.certifier_credential, {"refines": "#certifier"}))
        if settings.certifier_report:
            entries.append(("link", settings.certifier_report, {"rel": "a11y:certifierReport",
                                                                    "refines": "#certifier"}))
    if page_map is not None and page_map.pages:
        entries.append(("pageBreakSource", page_map.source, {}))
    return entries


def accessibility_summary(claim: str, images: bool, page_map: PageMap | None) -> str:
    """The summary bookbuild writes when book.toml gives none."""
    sentences = []
    if claim:
        level = claim.split(" - ", 1)[-1]
        sentences.append(f"This publication meets {level} (EPUB Accessibility 1.1).")
    sentences.append("Its contents, headings and landmarks give structural navigation, and the text can be "
                     "enlarged and restyled.")
    if images:
        sentences.append("Every image has a text description.")
    sentences.append("Notes are linked to and from the text.")
    if page_map is not None and page_map.pages:
        sentences.append(f"Page numbers follow the print edition ({page_map.source}) and can be navigated "
                         "from the page list.")
    return " ".join(sentences)


ENCRYPTION_PATH = "META-INF/encryption.xml"


def normalize_zip(data: bytes, date_time: tuple[int, ...], extra: dict[str, bytes] | None = None) -> bytes:
    """The same zip with fixed timestamps and permissions; 'mimetype' first and stored; *extra* files added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    contents = {name: source.read(name) for name in source.namelist()}
    contents.update(extra or {})
    names = list(contents)
    ordered = ["mimetype"] + [name for name in names if name != "mimetype"]
    output = io.BytesIO()
    year, month, day, hour, minute, second = (max(part, 0) for part in date_time[:6])
    stamp = (year, month, day, hour, minute, second)
    if stamp[0] < 1980:
        stamp = (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(output, "w") as target:
        for name in ordered:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                target.writestr(info, contents[name])
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, contents[name], compresslevel=9)
    return output.getvalue()


def write_epub(documents: list[EpubDocument], book: RenderedBook, project: Project, path: Path,
               page_map: PageMap | None = None) -> Path:
    """Package and write the EPUB to *path* atomically."""
    return write_output(project, path, epub_bytes(documents, book, project, page_map))
