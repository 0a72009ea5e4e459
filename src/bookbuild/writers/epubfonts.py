"""Turn the font families the EPUB's stylesheets name into embedded fonts: subset, obfuscated, with @font-face rules.

A reading system shows an EPUB in its own fonts unless the EPUB brings
them; the book's fonts were chosen for Hungarian ő and ű and for young
readers (Andika), so the EPUB carries them.  For each family that a
stylesheet names first in a ``font-family`` rule that applies to some
element of the book, the regular, bold, italic and bold italic faces the
system has (found through fontconfig, see ``fonts.py``) are embedded.

Licences.  The theme's fonts are Charis SIL and Andika (SIL Open Font
License 1.1, with the Reserved Font Names "Charis", "Andika" and "SIL") and
DejaVu (the Bitstream Vera licence; its reserved words are "Bitstream" and
"Vera", which DejaVu's names do not contain).  The OFL FAQ (1.11, 1.12)
calls a font *embedded* when it is included in a document in a way that
makes extraction difficult or clearly discouraged, often as a subset of the
glyphs the document needs, and allows embedding in full or as a subset
without renaming, since such a font is not meant for use outside the
document.  A whole font file merely placed in an EPUB's zip would instead be
bundled (FAQ 1.15).  So each font here is

- subset to the characters the book's text uses (HarfBuzz), so it serves
  this book only;
- obfuscated with the EPUB font obfuscation algorithm (key: the book's
  identifier), the format's own way of saying "not for extraction";
- kept with its copyright and licence records (name IDs 0, 13, 14), as FAQ
  1.15 asks that an included font never lose its authorship and licence.

A font whose OS/2 ``fsType`` forbids embedding is left out; one that forbids
subsetting is embedded whole.  The subset is the same bytes for the same
book: its 'head' table's modification time is the build time
(SOURCE_DATE_EPOCH) and nothing else in it depends on the clock.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .fonts import font_file

FONT_FOLDER = "fonts"
OBFUSCATION_ALGORITHM = "http://www.idpf.org/2008/embedding"
OBFUSCATED_LENGTH = 1040  # bytes at the start of the file, as the EPUB specification fixes
# (fontconfig styles to ask for, CSS weight, CSS style); the first style fontconfig has wins.
FACES = ((("Regular", "Book"), 400, "normal"), (("Bold",), 700, "normal"),
         (("Italic", "Oblique"), 400, "italic"), (("Bold Italic", "Bold Oblique"), 700, "italic"))
_RESTRICTED_EMBEDDING = 0x0002  # OS/2 fsType: restricted licence embedding
_NO_SUBSETTING = 0x0100
# Graphite tables: reading systems use OpenType
_DROPPED_TABLES = ("Silf", "Silt", "Glat", "Gloc", "Feat", "Sill")


@dataclass(frozen=True)
class EmbeddedFont:
    """One face of a family, ready to go into the EPUB."""

    family: str
    weight: int
    style: str
    href: str  # its path in the EPUB, relative to the package document: fonts/CharisSIL-Regular.ttf
    data: bytes  # subset, not yet obfuscated


def embedded_fonts(xhtml: Iterable[str], stylesheets: Iterable[str],
                   cache: Path | None = None) -> tuple[EmbeddedFont, ...]:
    """The faces to embed for these documents and stylesheets, subset to the characters they use.

    Each subset keeps its font's own timestamps, so it depends only on the font
    file and the characters: the same bytes every build, whatever the clock.
    With a *cache* folder, a subset made before for the same font file and
    characters is taken from it.
    """
    from lxml import etree

    roots = [etree.fromstring(document.encode("utf-8")) for document in xhtml]
    sheets = list(stylesheets)
    characters = used_characters(roots, sheets)
    families = used_families(roots, sheets)
    _ask_fontconfig([(family, name) for family in families for styles, _, _ in FACES for name in styles])
    fonts = []
    for family in families:
        for styles, weight, style in FACES:
            path = _face_file(family, styles, weight, style)
            if path is None:
                continue
            data = _cached_subset(path, characters, cache)
            if data is not None:
                fonts.append(EmbeddedFont(family, weight, style, f"{FONT_FOLDER}/{path.name}", data))
    return tuple(fonts)


def _ask_fontconfig(faces: list[tuple[str, str]]) -> None:
    """Find the files of *faces* (family, style) at once: each is a run of ``fc-match``, which waits mostly on
    starting; ``font_file`` keeps the answers."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda face: font_file(*face), faces))


def font_face_css(fonts: Iterable[EmbeddedFont], css_folder: str = "css") -> str:
    """The @font-face rules for the embedded fonts, for a stylesheet in *css_folder*."""
    rules = ["/* The fonts this book carries (subset to its characters), written by bookbuild. */\n"]
    up = "../" * len(Path(css_folder).parts)
    for font in fonts:
        rules.append(f'@font-face {{ font-family: "{font.family}"; font-weight: {font.weight}; '
                     f'font-style: {font.style}; src: url("{up}{font.href}"); }}\n')
    return "".join(rules)


def obfuscate(data: bytes, identifier: str) -> bytes:
    """The EPUB font obfuscation: the first 1040 bytes XORed with the SHA-1 of the book's identifier.

    The same function undoes it.
    """
    key = hashlib.sha1("".join(c for c in identifier if c not in " \t\r\n").encode("utf-8")).digest()
    head = bytes(byte ^ key[index % len(key)] for index, byte in enumerate(data[:OBFUSCATED_LENGTH]))
    return head + data[OBFUSCATED_LENGTH:]


def encryption_xml(paths: Iterable[str]) -> bytes:
    """META-INF/encryption.xml naming the obfuscated fonts (*paths* relative to the container's root)."""
    entries = "".join(
        "<enc:EncryptedData>"
        f'<enc:EncryptionMethod Algorithm="{OBFUSCATION_ALGORITHM}"/>'
        f'<enc:CipherData><enc:CipherReference URI="{path}"/></enc:CipherData>'
        "</enc:EncryptedData>\n" for path in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            'xmlns:enc="http://www.w3.org/2001/04/xmlenc#">\n' + entries + "</encryption>\n").encode("utf-8")


# -- which fonts, which characters ---------------------------------------------


def used_characters(roots: list[Any], stylesheets: list[str]) -> str:
    """Every character of the documents' text and of the stylesheets' generated content, in both cases."""
    import tinycss2

    found: set[str] = set()
    for root in roots:
        for text in root.itertext():
            found.update(text)
    for sheet in stylesheets:
        for rule in tinycss2.parse_stylesheet(sheet, skip_comments=True, skip_whitespace=True):
            if rule.type != "qualified-rule":
                continue
            for declaration in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True):
                if getattr(declaration, "lower_name", "") == "content":
                    found.update("".join(token.value for token in declaration.value if token.type == "string"))
    cased = set(found)
    for character in found:
        cased.update(character.upper(), character.lower())  # text-transform may change the case
    cased.update(" \u00a0")
    return "".join(sorted(c for c in cased if c.isprintable() or c == "\u00a0"))


def used_families(roots: list[Any], stylesheets: list[str]) -> list[str]:
    """The first family of every ``font-family`` rule that applies to some element, in stylesheet order."""
    import cssselect2
    import tinycss2

    elements = [element for root in roots for element in cssselect2.ElementWrapper.from_xml_root(root).iter_subtree()]
    families: list[str] = []
    for sheet in stylesheets:
        for rule in tinycss2.parse_stylesheet(sheet, skip_comments=True, skip_whitespace=True):
            if rule.type != "qualified-rule":
                continue
            family = _first_family(rule)
            if family is None or family in families:
                continue
            if _applies(rule.prelude, elements, cssselect2):
                families.append(family)
    return families


def _first_family(rule: Any) -> str | None:
    import tinycss2

    for declaration in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True, skip_comments=True):
        if getattr(declaration, "lower_name", "") != "font-family":
            continue
        words: list[str] = []
        for token in declaration.value:
            if token.type == "string":
                return token.value
            if token.type == "ident":
                words.append(token.value)
            elif token.type == "literal" and token.value == ",":
                break
        family = " ".join(words)
        generic = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "inherit", "initial"}
        return family if family and family.lower() not in generic else None
    return None


def _applies(prelude: list, elements: list, cssselect2: Any) -> bool:
    try:
        selectors = cssselect2.compile_selector_list(prelude)
    except cssselect2.SelectorError:
        return True  # a selector bookbuild cannot test: keep the family
    return any(selector.pseudo_element is not None or selector.test(element)
               for selector in selectors for element in elements)


# -- one face -------------------------------------------------------------------


def _face_file(family: str, styles: tuple[str, ...], weight: int, style: str) -> Path | None:
    """The system's file of one face of *family*, if it really is that face (not a fallback)."""
    for name in styles:
        path = font_file(family, name)
        if path is None or path.suffix.lower() not in (".ttf", ".otf"):
            continue
        os2 = _os2(path)
        if os2 is None:
            continue
        bold = os2.weight_class >= 600
        italic = bool(os2.selection & 0x0201)  # ITALIC or OBLIQUE
        if bold == (weight >= 600) and italic == (style == "italic"):
            return path
    return None


@dataclass(frozen=True)
class _OS2:
    weight_class: int  # usWeightClass
    embedding: int  # fsType: what the licence allows
    selection: int  # fsSelection


@lru_cache(maxsize=64)
def _os2(path: Path) -> _OS2 | None:
    """The fields of *path*'s OS/2 table that say which face it is and whether it may be embedded (read through
    HarfBuzz: fixed offsets of the table, the same in every version of it); None without the table."""
    import uharfbuzz as hb

    table = hb.Face(hb.Blob.from_file_path(str(path))).reference_table("OS/2").data
    if len(table) < 64:
        return None
    (weight_class,) = struct.unpack_from(">H", table, 4)
    (embedding,) = struct.unpack_from(">H", table, 8)
    (selection,) = struct.unpack_from(">H", table, 62)
    return _OS2(weight_class, embedding, selection)


def _cached_subset(path: Path, characters: str, cache: Path | None) -> bytes | None:
    """``subset_font``, through the cache folder (``build/.cache/fonts/``) when there is one."""
    if cache is None:
        return subset_font(path, characters)
    from ..cache import content_key, files_fingerprint, kept_or_made

    stored = cache / f"{content_key('font subset (hb-subset)', path, files_fingerprint([path]), characters)}.bin"
    return kept_or_made(stored, lambda: subset_font(path, characters))


def subset_font(path: Path, characters: str) -> bytes | None:
    """*path* subset to *characters*, with its names and licence kept; None if its licence forbids embedding.

    HarfBuzz's subsetter (``hb-subset``, through uharfbuzz) does the work: it
    follows every OpenType layout feature from the kept characters (ligatures,
    small capitals, alternates, kerning), so the subset sets the text as the
    whole font does.  It is two orders of magnitude faster than fontTools'
    subsetter on these fonts, which first decompiles their whole layout tables.
    """
    import uharfbuzz as hb

    os2 = _os2(path)
    fs_type = os2.embedding if os2 is not None else 0
    if fs_type & 0x000F == _RESTRICTED_EMBEDDING:
        return None
    if fs_type & _NO_SUBSETTING:
        return path.read_bytes()
    face = hb.Face(hb.Blob.from_file_path(str(path)))
    wanted = hb.SubsetInput()
    wanted.unicode_set.update(ord(character) for character in characters)
    for kept in (wanted.layout_feature_tag_set, wanted.name_id_set, wanted.name_lang_id_set):
        kept.clear()  # an empty set inverted is every member: all features (ligatures, kerning, small caps),
        kept.invert()  # all names (the copyright (0), licence (13) and licence address (14) stay), all languages
    for tag in _DROPPED_TABLES:
        wanted.drop_table_tag_set.add(int.from_bytes(tag.encode("ascii"), "big"))
    wanted.flags = hb.SubsetFlags.NAME_LEGACY | hb.SubsetFlags.NOTDEF_OUTLINE
    subset = hb.subset(face, wanted)
    if subset is None:
        raise RuntimeError(f"HarfBuzz could not subset {path}")
    return bytes(subset.blob.data)
