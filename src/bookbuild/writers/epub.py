"""Turn the EPUB's XHTML documents into an EPUB 3 file with ebooklib.

bookbuild writes every XHTML document itself (from templates), so ebooklib
only packages them: the package document with full metadata, the NCX for old
readers, the manifest and spine, and the zip.  The zip is then rewritten with
fixed timestamps and a fixed order, so that two builds of the same source with
the same SOURCE_DATE_EPOCH give the same bytes.
"""

from __future__ import annotations

import io
import mimetypes
import zipfile
from pathlib import Path

from ebooklib import epub

from ..project import Project
from ..render.book import EPUB_STYLESHEETS, EpubDocument, RenderedBook
from ..render.templates import stylesheet_paths
from . import write_output
from .cover import cover_png

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

    def get_content(self, default=None) -> bytes:  # noqa: ARG002 - ebooklib's signature
        return self.content


def epub_bytes(documents: list[EpubDocument], book: RenderedBook, project: Project) -> bytes:
    """The EPUB file as bytes."""
    config = book.config
    package = epub.EpubBook()
    package.set_identifier(config.identifier)
    package.set_title(config.title)
    package.set_language(config.language)
    package.set_unique_metadata("OPF", "generator", "", {"name": "generator", "content": book.build.generator})
    for number, author in enumerate(config.authors, start=1):
        package.add_author(author, uid=f"creator{number}")
    if config.subtitle:
        package.add_metadata("DC", "title", config.subtitle, {"id": "subtitle"})
        package.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    for name, value in (("publisher", config.publisher), ("rights", config.rights),
                        ("description", config.description)):
        if value:
            package.add_metadata("DC", name, value)
    for subject in config.subjects:
        package.add_metadata("DC", "subject", subject)
    package.add_metadata("DC", "date", config.date or book.build.day)

    for path in stylesheet_paths(project, EPUB_STYLESHEETS):
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
        content = source.read_bytes() if source is not None else cover_png(book)
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
    epub.write_epub(buffer, package, {
        "epub3_pages": False,  # the page-list is bookbuild's own (from the print layout)
        "epub2_guide": False,
        "epub3_landmark": False,  # the landmarks are in bookbuild's navigation document
        "mtime": book.build.date,
        "raise_exceptions": True,
    })
    return normalize_zip(buffer.getvalue(), book.build.date.timetuple()[:6])


def normalize_zip(data: bytes, date_time: tuple[int, ...]) -> bytes:
    """The same zip with fixed timestamps and permissions; 'mimetype' first and stored."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    ordered = ["mimetype"] + [name for name in names if name != "mimetype"]
    output = io.BytesIO()
    stamp = tuple(max(part, 0) for part in date_time)
    if stamp[0] < 1980:
        stamp = (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(output, "w") as target:
        for name in ordered:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                target.writestr(info, source.read(name))
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, source.read(name), compresslevel=9)
    return output.getvalue()


def write_epub(documents: list[EpubDocument], book: RenderedBook, project: Project, path: Path) -> Path:
    """Package and write the EPUB to *path* atomically."""
    return write_output(project, path, epub_bytes(documents, book, project))
