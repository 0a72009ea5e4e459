"""Turn an edition's hidden material and one of its finished outputs into a verdict: does any of it show?

The audience filter (editions.py) removes material for the audiences an
edition does not show before anything is rendered.  This module checks the
result the way a reader would meet it, after layout: the text of every page
of a PDF (``pdftotext -raw``, which follows the order the text was drawn in,
or pypdf where Poppler is not installed) and every string the PDF holds
besides (bookmarks, metadata, XMP, alt text, link targets); the text and
every attribute (alt text, titles, labels) of every document of an EPUB, its
package metadata and its navigation.

What is looked for is every *sentence* of the hidden material that the
edition does not also show elsewhere (a teacher's answer may quote the
student text), compared letters and digits only, case folded, so that
hyphenation, ligatures, typographic quotes, small capitals and line breaks
cannot hide a match.  Sentences shorter than :data:`MIN_SENTENCE` letters
and digits are not looked for: a teacher note "Yes." is no secret.

The check runs on the bytes of an output before they are written, so a
leaking output never replaces the previous good one.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from lxml import etree
from markdown_it.token import Token

from .editions import FileSplit
from .errors import BookbuildError, Problem, SourceLocation

MIN_SENTENCE = 16  # letters and digits: shorter fragments are not looked for
PDFTOTEXT_TIMEOUT = 120  # seconds for one PDF
_SENTENCE_END = re.compile(r"(?<=[.!?;:…])\s+|\s+[–—]\s+")
_TEXT_ENTRIES = (".xhtml", ".html", ".htm", ".opf", ".ncx", ".xml", ".smil", ".svg")


@dataclass(frozen=True)
class HiddenSentence:
    """One sentence of material an edition does not show, and where it was written."""

    text: str
    key: str  # its letters and digits, case folded
    location: SourceLocation


@dataclass(frozen=True)
class HiddenMaterial:
    """Every sentence of one edition's hidden material that the edition does not show elsewhere."""

    edition: str
    sentences: tuple[HiddenSentence, ...]


def letters_of(text: str) -> str:
    """*text* reduced to its letters and digits, compatibility-normalised and case folded."""
    normal = unicodedata.normalize("NFKC", text).casefold()
    return "".join(character for character in normal if character.isalnum())


# ---------------------------------------------------------------------------
# What an edition hides


def hidden_material(splits: Sequence[FileSplit], edition_name: str, also_shown: Iterable[str] = ()) -> HiddenMaterial:
    """The sentences an edition hides (*splits*: each file's shown and hidden tokens), less those it also
    shows elsewhere: in its own text, or in *also_shown* (the title, description and other settings)."""
    if not any(split.removed for split in splits):
        return HiddenMaterial(edition_name, ())  # nothing hidden: no need to read what is shown
    shown = letters_of(" ".join([run for split in splits for run, _ in _text_runs(split.kept)] + list(also_shown)))
    sentences: dict[str, HiddenSentence] = {}
    for split in splits:
        for run, line in _text_runs(split.removed):
            for sentence in _SENTENCE_END.split(run):
                key = letters_of(sentence)
                if len(key) < MIN_SENTENCE or key in sentences or key in shown:
                    continue
                where = split.source.location
                sentences[key] = HiddenSentence(" ".join(sentence.split()), key,
                                                replace(where, line=line) if line else where)
    return HiddenMaterial(edition_name, tuple(sentences.values()))


def _text_runs(tokens: Iterable[Token]) -> Iterator[tuple[str, int | None]]:
    """(text, 1-based line) of every run of running text in *tokens*: a run ends at a block, a citation,
    a note call or anything else that is not text."""
    line: int | None = None
    for token in tokens:
        if token.map:
            line = token.map[0] + 1
        if token.type == "figure":
            yield from _text_runs([token.meta["inline"]] if "inline" in token.meta else [token.meta["image"]])
            continue
        if token.type == "inline" or token.children:
            yield from _inline_runs(token.children or [], line)
        elif token.type in ("text", "code_inline") and token.content.strip():
            yield token.content, line
        elif token.type in ("fence", "code_block") and token.content.strip():
            yield from ((text, line) for text in token.content.split("\n") if text.strip())
        for name in ("title", "alt"):
            value = token.attrGet(name) if token.attrs else None
            if value:
                yield str(value), line


def _inline_runs(children: Sequence[Token], line: int | None) -> Iterator[tuple[str, int | None]]:
    run: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            run.append(child.content)
            continue
        if child.type in ("softbreak", "hardbreak"):
            run.append(" ")
            continue
        if child.type in ("em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close",
                          "span_open", "span_close", "link_open", "link_close"):
            continue  # formatting within a sentence
        if run:
            yield "".join(run), line
            run = []
        if child.children:
            yield from _inline_runs(child.children, line)  # an image's alt text
        for name in ("title", "alt"):
            value = child.attrGet(name) if child.attrs else None
            if value:
                yield str(value), line
    if run:
        yield "".join(run), line


# ---------------------------------------------------------------------------
# What an output shows


def pdf_text(data: bytes) -> str:
    """Every text a reader or a program can get from a PDF: its pages, bookmarks, metadata, alt text."""
    return page_text(data) + "\n" + "\n".join(pdf_strings(data))


def page_text(data: bytes) -> str:
    """The text of a PDF's pages, in the order it was drawn."""
    program = shutil.which("pdftotext")
    if program:
        done = subprocess.run([program, "-raw", "-enc", "UTF-8", "-q", "-", "-"], input=data, capture_output=True,
                              timeout=PDFTOTEXT_TIMEOUT, check=False)
        if done.returncode == 0:
            return done.stdout.decode("utf-8", "replace")
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdf_strings(data: bytes) -> list[str]:
    """Every string object of a PDF (outline, document information, structure tree, alt text, links) and
    its XMP metadata; page content streams are read by :func:`page_text`."""
    import pikepdf

    found: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                if obj.get("/Type") == "/Metadata":
                    found.append(obj.read_bytes().decode("utf-8", "replace"))
                obj = obj.stream_dict
            stack = [obj]
            while stack:
                item = stack.pop()
                if isinstance(item, pikepdf.String):
                    found.append(str(item))
                elif isinstance(item, pikepdf.Dictionary | pikepdf.Array):
                    values = item.values() if isinstance(item, pikepdf.Dictionary) else list(item)
                    # Indirect objects are met in pdf.objects themselves.
                    stack.extend(value for value in values
                                 if isinstance(value, pikepdf.Object) and not value.is_indirect)
    return found


def epub_text(data: bytes) -> str:
    """The text and every attribute value of every document, the package and the navigation of an EPUB."""
    parts: list[str] = []
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in archive.infolist():
            if not entry.filename.lower().endswith(_TEXT_ENTRIES):
                continue
            content = archive.read(entry)
            root = etree.fromstring(content, parser) if content.strip() else None
            if root is None:
                parts.append(content.decode("utf-8", "replace"))
                continue
            for element in root.iter():
                if element.text:
                    parts.append(element.text)
                if element.tail:
                    parts.append(element.tail)
                parts.extend(str(value) for value in element.attrib.values())
            parts.append("\n")
    return " ".join(parts)


def html_text(data: bytes) -> str:
    """The text and every attribute value of one web page (or SVG image)."""
    from lxml import html as lxml_html

    if not data.strip():
        return ""
    root = lxml_html.document_fromstring(data)
    parts: list[str] = []
    for element in root.iter():
        parts.extend((element.text or "", element.tail or ""))  # comments' text too
        if isinstance(element.tag, str):
            parts.extend(str(value) for value in element.attrib.values())
    return " ".join(parts)


# ---------------------------------------------------------------------------
# The verdict


def leaked(material: HiddenMaterial, text: str) -> list[HiddenSentence]:
    """The hidden sentences found in an output's *text*."""
    if not material.sentences:
        return []
    haystack = letters_of(text)
    return [sentence for sentence in material.sentences if sentence.key in haystack]


def check_output(material: HiddenMaterial | None, shown_path: str, data: bytes, kind: str) -> None:
    """Stop the build if the output about to be written to *shown_path* shows hidden material.

    *kind* is ``pdf``, ``epub``, ``html`` (a web page, or an SVG), ``text`` (a script, a stylesheet) or
    ``binary`` (an image, a font: nothing to read).  Nothing is written when it does: the previous output stays.
    """
    if material is None or not material.sentences or kind == "binary":
        return
    readers = {"pdf": pdf_text, "epub": epub_text, "html": html_text,
               "text": lambda data: data.decode("utf-8", "replace")}
    text = readers[kind](data)
    found = leaked(material, text)
    if not found:
        return
    problems = [Problem(sentence.location,
                        f"material hidden from the {material.edition} edition appears in {shown_path}: "
                        f"'{_shortened(sentence.text)}'",
                        hint="bookbuild did not write it and kept the previous output; a template or stylesheet "
                        "of the project may print this text (look for it there), else this is a bug in bookbuild")
                for sentence in found[:20]]
    raise BookbuildError(problems)


def _shortened(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
