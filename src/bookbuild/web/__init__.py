"""Turn one edition's EPUB rendering into a static web edition: build/web/ (other editions: build/web-NAME/).

One HTML page per chapter, the title page with the contents (``index.html``),
the bibliography and a search page; the contents as navigation on every page,
the notes as pop-ups (``popover``, no script needed) with the note list after
each chapter, the printed booklet's page numbers as quiet margin markers, a
print stylesheet and a search that runs from a ``file://`` folder.  Every link
is relative, so the folder works as it is or on any static host.

The chapters come from ``epub_documents`` (so the web edition shows exactly
what the EPUB shows) and are re-wrapped in the theme's ``web/`` templates; a
project can replace any of them in ``styles/templates/web/`` and the site's
stylesheet with ``styles/css/web.css``.  Every file goes through the leak
check before it is written: a teacher's material never reaches the student
site.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import Report
from ..pagemap import PageMap
from ..render.book import EpubDocument, epub_documents
from ..render.html import EPUB
from ..render.templates import make_environment, render_template
from ..stylesheets import THEME_DIR, stylesheet_paths
from ..writers.epubfonts import embedded_fonts, font_face_css
from .pages import first_page, html_body, page_markers
from .search import IndexedPage, search_index_script

WEB_ASSETS = THEME_DIR / "web"  # the site's own stylesheets and script
WEB_STYLESHEETS = ("common.css", "web.css")  # each replaceable by the project's styles/css/
SCRIPT = "search.js"
PRINT_STYLESHEET = "web-print.css"


@dataclass(frozen=True)
class WebPage:
    """One page of the site: its file, its title, its body (HTML) and the printed page it starts on."""

    file_name: str
    title: str
    body: str
    role: str  # "chapter", "bibliography"
    page: str = ""


def site_folder(sources, edition) -> Path:
    """build/web for the default edition, build/web-NAME for another: a teacher's site apart from the students'."""
    name = "web" if edition.is_default else f"web-{edition.name}"
    return sources.project.out_dir / name


def build_web(sources, edition, page_map: PageMap | None, report: Report) -> list[Path]:
    """Write one edition's web edition; return the files written.

    *sources* are the pipeline's ``Sources``; *page_map* is the printed
    booklet's, for the margin markers (None: no markers).
    """
    from ..outputs.context import render, write_checked  # outputs/web.py calls this module; import it late

    project = sources.project
    book = render(sources, edition, EPUB, report)
    documents = epub_documents(book, project, page_map)
    report.raise_if_strict()
    pages = web_pages(documents, book.labels)
    environment = make_environment(project)
    stylesheets = stylesheet_paths(project, WEB_STYLESHEETS)
    # stylesheet_paths looks in the project, then in the theme's css/: web.css lives beside the site's script.
    stylesheets = [path if path.exists() else WEB_ASSETS / path.name for path in stylesheets]
    css_names = ["css/fonts.css", *(f"css/{path.name}" for path in stylesheets)]
    navigation = [page for page in pages if page.role in ("chapter", "bibliography")]
    values = {"book": book, "labels": book.labels, "web": book.labels["web"], "navigation": navigation,
              "stylesheets": css_names, "print_stylesheet": f"css/{PRINT_STYLESHEET}", "script": SCRIPT,
              "has_pages": page_map is not None}
    files: dict[str, bytes] = {}
    files["index.html"] = render_template(environment, "web/index.html.j2", project, current="index.html",
                                          title=book.config.title, **values).encode("utf-8")
    for number, page in enumerate(navigation):
        previous = navigation[number - 1] if number else None
        following = navigation[number + 1] if number + 1 < len(navigation) else None
        files[page.file_name] = render_template(
            environment, "web/page.html.j2", project, current=page.file_name, title=page.title, page=page,
            previous=previous, next=following, **values).encode("utf-8")
    files["search.html"] = render_template(environment, "web/search.html.j2", project, current="search.html",
                                           title=book.labels["web"]["search"], **values).encode("utf-8")
    files["search-index.js"] = search_index_script(
        [IndexedPage(page.file_name, page.title, page.body, page.page) for page in navigation]).encode("utf-8")
    files[SCRIPT] = (WEB_ASSETS / SCRIPT).read_bytes()
    for path in stylesheets:
        files[f"css/{path.name}"] = path.read_bytes()
    print_sheet = stylesheet_paths(project, (PRINT_STYLESHEET,))[0]
    print_sheet = print_sheet if print_sheet.exists() else WEB_ASSETS / PRINT_STYLESHEET
    files[f"css/{PRINT_STYLESHEET}"] = print_sheet.read_bytes()
    fonts = embedded_fonts((_as_xml(content) for name, content in files.items() if name.endswith(".html")),
                           (path.read_text(encoding="utf-8") for path in stylesheets),
                           cache=project.cache_dir / "fonts")
    files["css/fonts.css"] = font_face_css(fonts).encode("utf-8")
    for font in fonts:
        files[font.href] = font.data
    for path, href in book.resources.items():
        files[href] = path.read_bytes()
    folder = site_folder(sources, edition)
    written = [write_checked(sources, edition, folder / name, data, _kind(name))
               for name, data in sorted(files.items())]
    _remove_stale(folder, set(written))
    return written


def web_pages(documents: list[EpubDocument], labels: dict) -> list[WebPage]:
    """The chapters and the bibliography as web pages, each with the printed page it starts on."""
    pages = []
    printed = ""
    for document in documents:
        if document.role not in ("chapter", "bibliography"):
            continue
        body = html_body(document.content, labels)
        start = first_page(body, printed)
        markers = page_markers(body)
        if markers:
            printed = markers[-1].label
        pages.append(WebPage(document.file_name.removesuffix(".xhtml") + ".html", document.title,
                             body, document.role, start))
    return pages


def _as_xml(page: bytes) -> str:
    """A web page as XML, which the font subsetter reads."""
    from lxml import etree
    from lxml import html as lxml_html

    return etree.tostring(lxml_html.document_fromstring(page), encoding="unicode", method="xml")


def _kind(name: str) -> str:
    """How the leak check reads a file of the site."""
    suffix = Path(name).suffix.lower()
    if suffix in (".html", ".svg"):
        return "html"
    if suffix in (".js", ".css", ".txt"):
        return "text"
    return "binary"


def _remove_stale(folder: Path, written: set[Path]) -> None:
    """Remove what an earlier build of this site left that this one did not write (a chapter since removed)."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_symlink() or (path.is_file() and path not in written):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


__all__ = ["build_web", "site_folder", "web_pages"]
