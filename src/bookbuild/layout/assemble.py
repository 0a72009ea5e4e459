"""Turn the PDFs of a book's chunks into the book's PDF: one file, one outline, one structure tree.

Each chunk was written by WeasyPrint as a PDF of its own, with its pages,
fonts (subset to the chunk's characters), links, named destinations and
structure tree.  Joined in reading order (with pikepdf), they become what
WeasyPrint writes for the whole book:

* the pages, in order, each keeping the resources of its chunk;
* one structure tree: WeasyPrint builds it page by page under a single
  Document element, so the chunks' Document elements are merged into one,
  their children in order; every page's ``/StructParents`` and every link's
  ``/StructParent`` is numbered again through the book, and the
  ``/ParentTree`` is rebuilt to match;
* the named destinations of every id, so that a link to an id in another
  chunk lands on its page (a chunk marks such a link with the id's name;
  the ids a chunk only pointed at are left out);
* one outline, from every chunk's bookmarks, nested by their levels as
  WeasyPrint nests them;
* font subsets told apart: each chunk subsets a font to its own characters
  under the same six-letter tag, and a PDF must give different subsets
  different tags, so a later chunk's subset is tagged again from its bytes;
* the metadata, XMP, language, MarkInfo and viewer preferences of the
  first chunk (all chunks share the book's ``<head>``), and the book's
  identifier as the file identifier.

The chunks are opened one at a time, and each is let go of once its pages,
structure tree and destinations are copied: qpdf holds every object of an
open PDF in memory, so the join holds the book and one chunk, not the book
twice.
"""

from __future__ import annotations

import hashlib
import io
import string
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

CATALOG_KEYS = ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata", "/OutputIntents", "/PageMode")


@dataclass(frozen=True)
class ChunkPdf:
    pdf: bytes
    anchors: frozenset[str] | None  # the ids the chunk holds (it may name others, only pointing at them); None: all


@dataclass(frozen=True)
class Bookmark:
    level: int  # the CSS bookmark-level
    label: str
    page: int  # in the book, from 0
    x: float  # PDF points
    y: float
    state: str  # "open" or "closed"


def assemble_pdf(chunks: Sequence[ChunkPdf], bookmarks: Sequence[Bookmark], identifier: bytes,
                 tagged: bool = True, created: str = "", labels: Sequence[str] = (),
                 order: Sequence[tuple[int, int] | None] | None = None) -> bytes:
    """The book's PDF from its chunks' PDFs, in order, stamped *created* (``YYYY-MM-DDTHH:MM:SSZ``),
    its pages labelled as they are numbered (*labels*, one per page).

    With *order*, the book's pages are those it lists, (chunk, page of that chunk) each, in its order,
    ``None`` for a blank page of the size of the page before it (the interleaved teacher pages).
    """
    import pikepdf

    book = pikepdf.new()
    structure = _Structure(book) if tagged else None
    named: dict[str, object] = {}  # the named destinations, the first chunk holding a name giving it
    versions = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)  # the destinations are joined below
        if order is None:
            # One chunk at a time, let go of once its pages, structure and destinations are copied: qpdf keeps
            # every object of an open PDF in memory (about 1.5 kB each, a hundred a tagged page), so holding
            # every chunk open until the book is written would take as much again as the book itself.
            order = []
            for index, chunk in enumerate(chunks):
                source = pikepdf.open(io.BytesIO(chunk.pdf))
                start = len(book.pages)
                for page in source.pages:
                    book.pages.append(page)
                order.extend((index, page) for page in range(len(source.pages)))
                _take(book, index, source, chunk, [book.pages[start + page] for page in range(len(source.pages))],
                      structure, named)
                versions.append(source.pdf_version)
                source.close()
            interleaved = False
        else:
            sources = [pikepdf.open(io.BytesIO(chunk.pdf)) for chunk in chunks]
            for place in order:
                if place is None:
                    book.pages.append(_blank_page(book, book.pages[-1] if len(book.pages) else sources[0].pages[0]))
                else:
                    book.pages.append(sources[place[0]].pages[place[1]])
            for index, (source, chunk) in enumerate(zip(sources, chunks)):
                placed = [page for page, place in zip(book.pages, order) if place is not None and place[0] == index]
                _take(book, index, source, chunk, placed, structure, named)
                versions.append(source.pdf_version)
            for source in sources:
                source.close()
            interleaved = True
    _distinguish_font_subsets(book)
    if created:
        _stamp(book, created)
    if labels:
        set_page_labels(book, labels)
    if structure is not None:
        structure.finish(list(order))
        if interleaved:
            _in_page_order(book)
    _name_destinations(book, named)
    _add_outline(book, bookmarks)
    book.trailer.ID = pikepdf.Array([pikepdf.String(identifier), pikepdf.String(identifier)])
    output = io.BytesIO()
    book.save(output, deterministic_id=True, min_version=max(versions),
              object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True,
              stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return output.getvalue()


def _take(book, index: int, source, chunk: ChunkPdf, placed: list, structure: _Structure | None,
          named: dict[str, object]) -> None:
    """What the book takes of chunk *index*'s PDF (*source*), its pages already copied (*placed*: the book's
    pages that came from it, in order): the first chunk's catalog entries and document information, the
    chunk's structure tree and its named destinations."""
    if index == 0:
        for key in CATALOG_KEYS:
            if key in source.Root:
                book.Root[key] = _copied(book, source, source.Root[key])
        if "/Info" in source.trailer:
            book.trailer.Info = _copied(book, source, source.trailer.Info)
    if structure is not None:
        structure.add(source, placed)
    _collect_destinations(book, source, chunk, named)


def _blank_page(book, like):
    """An empty page with the boxes (media, trim, bleed) of the page *like*."""
    import pikepdf

    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, Resources=pikepdf.Dictionary(),
                              Contents=book.make_stream(b""))
    for key in ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox"):
        if key in like.obj:
            page[key] = pikepdf.Array([float(value) for value in like.obj[key]])
    return pikepdf.Page(book.make_indirect(page))


def _distinguish_font_subsets(book) -> None:
    """Give every distinct font subset its own tag (``ABCDEF+Charis-SIL``), as ISO 32000 asks.

    The first subset to use a tag keeps it; another subset under the same tag
    (a later chunk's, with other glyphs) gets a tag made from its font file.
    """
    import pikepdf

    owners: dict[str, bytes] = {}  # subset name -> the digest of the font file that holds it
    for descriptor, fonts in _font_descriptors(book).values():
        name = str(descriptor.get("/FontName", ""))[1:]
        stream = next((descriptor[key] for key in ("/FontFile2", "/FontFile3", "/FontFile") if key in descriptor),
                      None)
        if len(name) < 8 or name[6] != "+" or stream is None:
            continue
        digest = hashlib.sha256(stream.read_raw_bytes()).digest()
        if owners.setdefault(name, digest) == digest:
            continue
        name = "".join(string.ascii_uppercase[byte % 26] for byte in digest[:6]) + name[6:]
        owners.setdefault(name, digest)
        descriptor.FontName = pikepdf.Name("/" + name)
        for font in fonts:
            font.BaseFont = pikepdf.Name("/" + name)


def _font_descriptors(book) -> dict:
    """{descriptor's object id: (descriptor, [the fonts and CID fonts it describes])} for the fonts the pages use,
    in page order."""
    import pikepdf

    found: dict = {}
    seen: set = set()

    def visit_resources(resources) -> None:
        if not isinstance(resources, pikepdf.Dictionary) or (resources.is_indirect and resources.objgen in seen):
            return
        if resources.is_indirect:
            seen.add(resources.objgen)
        for font in (resources.get("/Font") or {}).values():
            fonts = [font] + list(font.get("/DescendantFonts") or [])
            descriptor = next((f.FontDescriptor for f in fonts if "/FontDescriptor" in f), None)
            if descriptor is not None and descriptor.is_indirect:
                entry = found.setdefault(descriptor.objgen, (descriptor, []))
                entry[1].extend(f for f in fonts if all(f.objgen != g.objgen for g in entry[1]))
            if "/Resources" in font:  # a Type 3 font's glyphs
                visit_resources(font.Resources)
        for xobject in (resources.get("/XObject") or {}).values():
            visit_resources(xobject.get("/Resources"))
        for pattern in (resources.get("/Pattern") or {}).values():
            visit_resources(pattern.get("/Resources"))

    for page in book.pages:
        visit_resources(page.obj.get("/Resources"))
    return found


def set_page_labels(pdf, labels: Sequence[str]) -> None:
    """Let PDF viewers show each page's printed number (iii, 12) rather than its place in the file."""
    import pikepdf

    from ..pagemap import prefixed_label_ranges

    numbers = pikepdf.Array()
    for page, style, start, prefix in prefixed_label_ranges(list(labels)):
        numbers.append(page)
        label = pikepdf.Dictionary(S=pikepdf.Name("/" + style), St=start)
        if prefix:
            label.P = pikepdf.String(prefix)
        numbers.append(label)
    pdf.Root.PageLabels = pikepdf.Dictionary(Nums=numbers)


def _stamp(book, created: str) -> None:
    """The creation and modification dates, in the document information and the XMP metadata."""
    import pikepdf

    pdf_date = "D:" + created.replace("-", "").replace("T", "").replace(":", "")
    if "/Info" not in book.trailer:
        book.trailer.Info = book.make_indirect(pikepdf.Dictionary())
    book.trailer.Info.CreationDate = pikepdf.String(pdf_date)
    book.trailer.Info.ModDate = pikepdf.String(pdf_date)
    if "/Metadata" in book.Root:
        xmp = book.Root.Metadata.read_bytes().decode("utf-8")
        dates = (f'<rdf:Description rdf:about=""><xmp:CreateDate>{created}</xmp:CreateDate></rdf:Description>'
                 f'<rdf:Description rdf:about=""><xmp:ModifyDate>{created}</xmp:ModifyDate></rdf:Description>')
        if "xmp:CreateDate" not in xmp and "</rdf:RDF>" in xmp:
            book.Root.Metadata.write(xmp.replace("</rdf:RDF>", dates + "</rdf:RDF>", 1).encode("utf-8"))


def _copied(book, source, value):
    """*value* of *source*, copied into *book* (direct values too)."""
    import pikepdf

    if isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
        if not value.is_indirect:
            value = source.make_indirect(value)
        return book.copy_foreign(value)
    return value


class _Structure:
    """One StructTreeRoot and one Document element for the book, the chunks' structure trees added one by one,
    and the parent tree numbered through the book when every page is placed."""

    def __init__(self, book):
        import pikepdf

        self.book = book
        self.root = book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        self.document = book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem,
                                                              S=pikepdf.Name.Document, P=self.root,
                                                              K=pikepdf.Array()))
        self.role_map = pikepdf.Dictionary()
        self.entries_of: list[dict[int, object]] = []  # per source: its page's parent-tree entry, by page number
        self.annotation_entries: list = []  # (struct element, annotation), in the order of the chunks

    def add(self, source, placed: list) -> None:
        """The structure of the next chunk's PDF, *source*, whose pages the book holds as *placed*."""
        import pikepdf

        entries: dict[int, object] = {}
        self.entries_of.append(entries)
        if "/StructTreeRoot" not in source.Root:
            return
        document = self.document
        tree = self.book.copy_foreign(source.Root.StructTreeRoot)
        old_documents = _kids(tree.get("/K"))
        old = {element.objgen for element in old_documents}
        for old_document in old_documents:
            for kid in _kids(old_document.get("/K")):
                if isinstance(kid, pikepdf.Dictionary):
                    kid.P = document
                document.K.append(kid)
        if "/RoleMap" in tree:
            for name, value in tree.RoleMap.items():
                self.role_map.setdefault(name, value)  # type: ignore[operator]
        numbers = _number_tree(tree.ParentTree)
        count = len(source.pages)
        for number in range(count):
            entry = numbers.get(number, pikepdf.Array())
            for element in _kids(entry):
                if isinstance(element, pikepdf.Dictionary) and element.get("/P") is not None \
                        and element.P.objgen in old:
                    element.P = document  # a page margin's element: mapped, outside the tree
            entries[number] = entry
        local = {number: value for number, value in numbers.items() if number >= count}
        annotations = {}
        for page in placed:
            for annotation in page.obj.get("/Annots", pikepdf.Array()):
                if "/StructParent" in annotation:
                    annotations[int(annotation.StructParent)] = annotation
        for number in sorted(local):
            self.annotation_entries.append((local[number], annotations.get(number)))

    def finish(self, order: list[tuple[int, int] | None]) -> None:
        """The parent tree, numbered through the book (*order*: where each of its pages comes from, as in
        :func:`assemble_pdf`), and the structure tree in the catalog."""
        import pikepdf

        book, root = self.book, self.root
        parent_tree = book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array()))
        root.K = pikepdf.Array([self.document])
        root.ParentTree = parent_tree
        page_entries = [pikepdf.Array() if place is None else self.entries_of[place[0]].get(place[1], pikepdf.Array())
                        for place in order]
        nums = parent_tree.Nums
        for index, (page, entry) in enumerate(zip(book.pages, page_entries)):
            page.obj.StructParents = index
            nums.append(index)
            nums.append(entry)
        for number, (element, annotation) in enumerate(self.annotation_entries, start=len(page_entries)):
            if annotation is not None:
                annotation.StructParent = number
            nums.append(number)
            nums.append(element)
        if len(self.role_map):
            root.RoleMap = self.role_map
        book.Root.StructTreeRoot = root


def _in_page_order(book) -> None:
    """The Document element's children in the order of the pages they start on (stable), so that the reading
    order follows pages taken from several documents and interleaved (teacher pages after their student page)."""
    import pikepdf

    document = book.Root.StructTreeRoot.K[0]
    numbers = {page.objgen: index for index, page in enumerate(book.pages)}

    def first_page(element, depth: int = 0) -> int | None:
        if not isinstance(element, pikepdf.Dictionary) or depth > 64:
            return None
        if "/Pg" in element and element.Pg.objgen in numbers:
            return numbers[element.Pg.objgen]
        for kid in _kids(element.get("/K")):
            found = first_page(kid, depth + 1)
            if found is not None:
                return found
        return None

    kids = _kids(document.get("/K"))
    keyed = []
    page = 0
    for position, kid in enumerate(kids):
        found = first_page(kid)
        page = page if found is None else found
        keyed.append((page, position, kid))
    document.K = pikepdf.Array([kid for _, _, kid in sorted(keyed, key=lambda item: item[:2])])


def _kids(value) -> list:
    import pikepdf

    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return list(value)
    return [value]


def _number_tree(node) -> dict[int, object]:
    """The entries of a PDF number tree, flat."""
    found: dict[int, object] = {}
    if "/Nums" in node:
        items = list(node.Nums)
        for number, value in zip(items[::2], items[1::2]):
            found[int(number)] = value
    for kid in node.get("/Kids", ()):
        found.update(_number_tree(kid))
    return found


def _collect_destinations(book, source, chunk: ChunkPdf, named: dict[str, object]) -> None:
    """The named destinations of the ids *chunk* holds, copied into *book* (a name already taken keeps its
    first destination)."""
    names = source.Root.get("/Names")
    dests = names.get("/Dests") if names is not None else None
    if dests is None:
        return
    for name, destination in _name_tree(dests):
        if (chunk.anchors is None or name in chunk.anchors) and name not in named:
            named[name] = _copied(book, source, destination)


def _name_destinations(book, named: dict[str, object]) -> None:
    """The book's named destinations, sorted, as one name tree."""
    import pikepdf

    if not named:
        return
    flat = pikepdf.Array()
    for name in sorted(named):
        flat.append(pikepdf.String(name))
        flat.append(named[name])
    book.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=flat))


def _name_tree(node) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    if "/Names" in node:
        items = list(node.Names)
        found.extend((str(name), value) for name, value in zip(items[::2], items[1::2]))
    for kid in node.get("/Kids", ()):
        found.extend(_name_tree(kid))
    return found


def _add_outline(book, bookmarks: Sequence[Bookmark]) -> None:
    """The outline: each bookmark under the last one before it with a lower level (levels may skip)."""
    import pikepdf

    if not bookmarks:
        return
    top: list = []
    open_items: list[tuple[int, list]] = []  # (level, children) of the items a later one may nest under
    entries = []
    for mark in bookmarks:
        while open_items and open_items[-1][0] >= mark.level:
            open_items.pop()
        children: list = []
        entry = (mark, children)
        (open_items[-1][1] if open_items else top).append(entry)
        open_items.append((mark.level, children))
        entries.append(entry)
    outlines = book.make_indirect(pikepdf.Dictionary())
    items, count = _outline_items(book, top, outlines)
    outlines.Count = count
    outlines.First = items[0]
    outlines.Last = items[-1]
    book.Root.Outlines = outlines


def _outline_items(book, entries: list, parent) -> tuple[list, int]:
    """The outline items of *entries* under *parent*, and how many items an open parent shows."""
    import pikepdf

    items: list = []
    shown = len(entries)
    for mark, children in entries:
        page = book.pages[mark.page].obj
        item = book.make_indirect(pikepdf.Dictionary(
            Title=pikepdf.String(mark.label), Parent=parent,
            Dest=pikepdf.Array([page, pikepdf.Name.XYZ, mark.x, mark.y, 0])))
        below, below_count = _outline_items(book, children, item) if children else ([], 0)
        item.Count = -below_count if mark.state == "closed" else below_count
        if mark.state != "closed":
            shown += below_count
        if below:
            item.First = below[0]
            item.Last = below[-1]
        if items:
            item.Prev = items[-1]
            items[-1].Next = item
        items.append(item)
    return items, shown
