"""biblatex's data model: entry types and their aliases, field aliases, and inheritance.

* BibTeX names of types and fields are folded into biblatex ones, as biber's
  default source map does (``@phdthesis`` is a ``@thesis`` of type
  ``phdthesis``, ``journal`` is ``journaltitle``, ``address`` is ``location``…);
* ``crossref`` children take their parent's fields through biblatex's default
  inheritance table (a book's ``title`` becomes an in-book's ``booktitle``, a
  multi-volume book's ``title`` becomes a volume's ``maintitle``…), all other
  fields under their own names unless the child has them;
* ``xdata`` entries lend all their fields, under their own names, and a field
  written ``xdata=KEY-FIELD`` takes that one field;
* ``xref`` and ``related`` only name other entries.

Problems (an unknown parent, a loop) are warnings: the entry keeps what it has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .values import Problems, RawEntry

# Every entry type biblatex's standard styles know (regular, non-standard and custom ones).
ENTRY_TYPES = frozenset({
    "article", "book", "mvbook", "inbook", "bookinbook", "suppbook", "booklet", "collection", "mvcollection",
    "incollection", "suppcollection", "dataset", "manual", "misc", "online", "patent", "periodical",
    "suppperiodical", "proceedings", "mvproceedings", "inproceedings", "reference", "mvreference",
    "inreference", "report", "set", "software", "thesis", "unpublished", "xdata",
    "customa", "customb", "customc", "customd", "custome", "customf",
    "artwork", "audio", "bibnote", "commentary", "image", "jurisdiction", "legislation", "legal", "letter",
    "movie", "music", "performance", "review", "standard", "video",
})

# Type aliases (biblatex manual §2.1.2) and the `type` field they imply.
TYPE_ALIASES: dict[str, tuple[str, str]] = {
    "conference": ("inproceedings", ""),
    "electronic": ("online", ""),
    "www": ("online", ""),
    "mastersthesis": ("thesis", "mathesis"),
    "phdthesis": ("thesis", "phdthesis"),
    "techreport": ("report", "techreport"),
}

# Field aliases (biblatex manual §2.2.5, biber's default source map).
FIELD_ALIASES = {
    "journal": "journaltitle",
    "address": "location",
    "school": "institution",
    "annote": "annotation",
    "archiveprefix": "eprinttype",
    "primaryclass": "eprintclass",
    "key": "sortkey",
    "pdf": "file",
    "hyphenation": "langid",
}

# Fields no child takes from any parent (biblatex's \DefaultInheritance exceptions).
NOT_INHERITED = frozenset({
    "ids", "crossref", "xref", "entryset", "entrysubtype", "execute", "label", "options", "presort",
    "related", "relatedoptions", "relatedstring", "relatedtype", "shorthand", "shorthandintro", "sortkey",
    "xdata",
})

_MAIN = (("title", "maintitle"), ("subtitle", "mainsubtitle"), ("titleaddon", "maintitleaddon"))
_BOOK = (("title", "booktitle"), ("subtitle", "booksubtitle"), ("titleaddon", "booktitleaddon"))
_JOURNAL = (("title", "journaltitle"), ("subtitle", "journalsubtitle"), ("titleaddon", "journaltitleaddon"))
_NO_SHORT = ("shorttitle", "sorttitle", "indextitle", "indexsorttitle")
_AUTHOR = (("author", "author"), ("author", "bookauthor"))

# biblatex's default inheritance table (manual, appendix B): (parents, children, mappings, not inherited).
INHERITANCE: tuple[tuple[frozenset, frozenset, tuple, tuple], ...] = (
    (frozenset({"mvbook", "book"}), frozenset({"inbook", "bookinbook", "suppbook"}), _AUTHOR, ()),
    (frozenset({"mvbook"}), frozenset({"book"}), (("author", "author"),), ()),
    (frozenset({"mvbook"}), frozenset({"book", "inbook", "bookinbook", "suppbook"}), _MAIN, _NO_SHORT),
    (frozenset({"mvcollection", "mvreference"}),
     frozenset({"collection", "reference", "incollection", "inreference", "suppcollection"}), _MAIN, _NO_SHORT),
    (frozenset({"mvproceedings"}), frozenset({"proceedings", "inproceedings"}), _MAIN, _NO_SHORT),
    (frozenset({"book"}), frozenset({"inbook", "bookinbook", "suppbook"}), _BOOK, _NO_SHORT),
    (frozenset({"collection", "reference"}), frozenset({"incollection", "inreference", "suppcollection"}),
     _BOOK, _NO_SHORT),
    (frozenset({"proceedings"}), frozenset({"inproceedings"}), _BOOK, _NO_SHORT),
    (frozenset({"periodical"}), frozenset({"article", "suppperiodical"}), _JOURNAL, _NO_SHORT),
)


# Pairs biblatex's table leaves out but people write (an @incollection in a @book): the parent's title is
# still the child's book title, as BibTeX's own styles and Pandoc read it.
_BOOKISH_PARENTS = frozenset({"book", "collection", "proceedings", "reference"})
_PART_CHILDREN = frozenset({"inbook", "incollection", "inproceedings", "inreference", "bookinbook", "suppbook",
                            "suppcollection"})


def canonical_type(entry_type: str) -> tuple[str, str]:
    """(biblatex type, implied `type` field) for a type as written; an unknown type is ("", "")."""
    if entry_type in TYPE_ALIASES:
        return TYPE_ALIASES[entry_type]
    if entry_type in ENTRY_TYPES:
        return entry_type, ""
    return "", ""


def fold_fields(raw: RawEntry, problems: Problems) -> RawEntry:
    """*raw* with BibTeX field names and types folded into biblatex's."""
    values: dict[str, str] = {}
    lines: dict[str, int | None] = {}
    for name, value in raw.values.items():
        target = FIELD_ALIASES.get(name, name)
        if target in values:
            if target in raw.values and name != target:
                # Both "journal" and "journaltitle": biber keeps the biblatex one.
                continue
            problems.warn(raw.lines.get(name), f"field '{name}' of entry '{raw.key}' repeats '{target}'; "
                          "the first is used", key=raw.key)
            continue
        if name != target and target in raw.values:
            continue
        values[target] = value
        lines[target] = raw.lines.get(name)
    entry_type, implied = canonical_type(raw.type)
    if not entry_type:
        problems.warn(raw.line, f"unknown entry type '@{raw.type}' of entry '{raw.key}'; it is shown as @misc",
                      key=raw.key, hint="biblatex's types are listed in its manual, section 2.1")
        entry_type = "misc"
    if implied and "type" not in values:
        values["type"] = implied
        lines["type"] = raw.line
    return RawEntry(raw.key, entry_type, raw.line, values, lines, source_type=raw.type)


def key_list(value: str) -> list[str]:
    return [part.strip() for part in value.replace("{", "").replace("}", "").split(",") if part.strip()]


def resolve_xdata(entries: Mapping[str, RawEntry], problems: Problems) -> dict[str, RawEntry]:
    """Every entry with the fields of the @xdata entries it names (nested ones too) merged in."""
    done: dict[str, RawEntry] = {}

    def merged(raw: RawEntry, seen: tuple[str, ...]) -> RawEntry:
        if raw.key in done:
            return done[raw.key]
        values = dict(raw.values)
        lines = dict(raw.lines)
        for source in key_list(raw.values.get("xdata", "")):
            line = raw.lines.get("xdata")
            if source in seen or source == raw.key:
                problems.warn(line, f"xdata loop: entry '{raw.key}' refers back to itself through '{source}'",
                              key=raw.key)
                continue
            parent = entries.get(source)
            if parent is None:
                problems.warn(line, f"unknown xdata entry '{source}' in entry '{raw.key}'", key=raw.key)
                continue
            if parent.type != "xdata":
                problems.warn(line, f"entry '{source}' named in the xdata field of '{raw.key}' is not an @xdata "
                              "entry; its fields are used all the same", key=raw.key)
            parent = merged(parent, seen + (raw.key,))
            for name, value in parent.values.items():
                if name not in values and name not in ("ids", "xdata", "crossref", "xref"):
                    values[name] = value
                    lines[name] = parent.lines.get(name)
        # Granular xdata references: field = {xdata=KEY-FIELD} (or KEY-FIELD-INDEX for one name).
        for name, value in list(values.items()):
            match = _GRANULAR.match(value.strip())
            if not match:
                continue
            source, source_field = match.group(1), match.group(2).lower()
            parent = entries.get(source)
            if parent is None or source_field not in parent.values:
                problems.warn(lines.get(name), f"cannot find '{value.strip()}' for field '{name}' of entry "
                              f"'{raw.key}'; the field is left out", key=raw.key)
                del values[name]
                continue
            values[name] = merged(parent, seen + (raw.key,)).values[source_field] if source not in seen \
                else parent.values[source_field]
        result = RawEntry(raw.key, raw.type, raw.line, values, lines, raw.source_type)
        done[raw.key] = result
        return result

    return {key: merged(raw, ()) for key, raw in entries.items()}


_GRANULAR = re.compile(r"^xdata\s*=\s*([^\s-]+(?:-[^\s-]+)*?)-([A-Za-z]+)(?:-\d+)?$")


def inherit(raw: RawEntry, entries: Mapping[str, RawEntry], problems: Problems,
            seen: tuple[str, ...] = ()) -> RawEntry:
    """*raw* with the fields it takes from its crossref parent (and the parent's parent)."""
    parent_key = raw.values.get("crossref", "").strip()
    if not parent_key:
        return raw
    line = raw.lines.get("crossref")
    if parent_key in seen or parent_key == raw.key:
        problems.warn(line, f"crossref loop: entry '{raw.key}' refers back to itself through '{parent_key}'",
                      key=raw.key)
        return raw
    if parent_key not in entries:
        from ..errors import closest
        close = closest(parent_key, entries)
        problems.warn(line, f"unknown crossref '{parent_key}' in entry '{raw.key}'; it inherits nothing",
                      key=raw.key, hint=f"did you mean '{close}'?" if close else None)
        return raw
    parent = inherit(entries[parent_key], entries, problems, seen + (raw.key,))
    values = dict(raw.values)
    lines = dict(raw.lines)
    handled: set[str] = set()

    def lend(mappings, blocked) -> None:
        """The parent's fields under their names in the child, unless the child has its own."""
        for source, target in mappings:
            handled.add(source)
            if source in parent.values and target not in values:
                values[target] = parent.values[source]
                lines[target] = parent.lines.get(source)
        handled.update(blocked)

    for parents, children, mappings, blocked in INHERITANCE:
        if parent.type in parents and raw.type in children:
            lend(mappings, blocked)
    if not handled and parent.type in _BOOKISH_PARENTS and raw.type in _PART_CHILDREN:
        lend(_BOOK, _NO_SHORT)
    for name, value in parent.values.items():
        if name in NOT_INHERITED or name in handled or name in values:
            continue
        values[name] = value
        lines[name] = parent.lines.get(name)
    return RawEntry(raw.key, raw.type, raw.line, values, lines, raw.source_type)


def set_from_members(raw: RawEntry, entries: Mapping[str, RawEntry], problems: Problems) -> RawEntry:
    """A @set entry with the type and fields of its first member (biber sorts and labels a set by it)."""
    members = key_list(raw.values.get("entryset", ""))
    first = next((entries[key] for key in members if key in entries), None)
    if first is None:
        problems.warn(raw.line, f"the @set entry '{raw.key}' has no member in this file", key=raw.key)
        return raw
    first = inherit(first, entries, problems)
    values = dict(raw.values)
    lines = dict(raw.lines)
    for name, value in first.values.items():
        if name not in values and name not in NOT_INHERITED:
            values[name] = value
            lines[name] = first.lines.get(name)
    return RawEntry(raw.key, first.type, raw.line, values, lines, source_type="set")
