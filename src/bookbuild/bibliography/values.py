"""Turn the text of a .bib file into raw entries: keys, types and field values evaluated but still LaTeX.

bibtexparser splits the file into blocks; this module evaluates each value
(braces, quotes, ``#`` concatenation, ``@string`` and month macros), keeps
the 1-based line of every entry and field, and collects ``@preamble`` text.
Like biber, it refuses nothing whole: a duplicate key or field keeps the
first, an undefined macro is read as empty, and each of these is a
problem of the entry it is in.  Only a block that cannot be parsed at all
loses its entry, and that problem is *fatal* for its key.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    Preamble,
    String,
)

from ..errors import BookbuildError, Problem, SourceLocation, closest
from .dates import MONTH_MACROS
from .latex import matching_brace
from .model import EntryProblem

# bibtexparser logs every block it gives up on; we report those ourselves.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False

MAX_BIBLIOGRAPHY_BYTES = 20 * 1024 * 1024


@dataclass
class RawEntry:
    key: str
    type: str  # lowercase, as written
    line: int | None
    values: dict[str, str]  # evaluated, still LaTeX; field names lowercase, as written
    lines: dict[str, int | None]
    source_type: str = ""  # the type as written, when folding changed it ("phdthesis", "set")


@dataclass
class Problems:
    """The problems found so far, each a warning or, for an entry that could not be read, fatal."""

    where: Callable[..., SourceLocation]  # where(line) -> SourceLocation
    found: list[EntryProblem] = field(default_factory=list)

    def warn(self, line: int | None, message: str, key: str = "", hint: str | None = None) -> None:
        self.found.append(EntryProblem(Problem(self.where(line), message, hint, severity="warning"), key))

    def fatal(self, line: int | None, message: str, key: str = "", hint: str | None = None) -> None:
        self.found.append(EntryProblem(Problem(self.where(line), message, hint), key, fatal=True))


@dataclass
class RawFile:
    entries: dict[str, RawEntry]
    preambles: list[str]


def read_text(path: Path, where, problems: Problems | None = None) -> str:
    """The text of the .bib file; a file that cannot be read at all is an error.

    A file that is not UTF-8 is read as Windows-1252 (Latin-1), as many older
    .bib files are written, with a warning.
    """
    try:
        # Never blocks on a FIFO, never reads a folder or a device: only a regular file is read.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                raise BookbuildError.at(where(), "the bibliography is not a regular file")
            if status.st_size > MAX_BIBLIOGRAPHY_BYTES:
                raise BookbuildError.at(where(), f"the bibliography is larger than "
                                                 f"{MAX_BIBLIOGRAPHY_BYTES // (1024 * 1024)} MB")
            with os.fdopen(os.dup(descriptor), "rb") as file:
                data = file.read(MAX_BIBLIOGRAPHY_BYTES + 1)
        finally:
            os.close(descriptor)
    except FileNotFoundError:
        raise BookbuildError.at(where(), "bibliography file not found") from None
    except OSError as error:
        raise BookbuildError.at(where(), f"cannot read the bibliography: {error.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        if problems is None:
            raise BookbuildError.at(where(line), "the bibliography is not UTF-8 text",
                                    hint="save the file with UTF-8 encoding") from None
        text = data.decode("cp1252", errors="replace")
        problems.warn(line, "the bibliography is not UTF-8 text; it is read as Latin-1 (Windows-1252)",
                      hint="save the file with UTF-8 encoding")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_blocks(text: str, problems: Problems) -> RawFile:
    """Every entry of *text* with its values evaluated, and the @preamble text."""
    library = bibtexparser.parse_string(text, parse_stack=[])
    _LINES.clear()
    _LINES.update(_true_lines(text, library.blocks))
    strings = _evaluate_strings(library, problems)
    entries: dict[str, RawEntry] = {}
    preambles: list[str] = []
    for block in library.blocks:
        if isinstance(block, DuplicateBlockKeyBlock):
            first = block.previous_block
            if isinstance(first, String) or isinstance(block.ignore_error_block, String):
                problems.warn(_line(block), f"duplicate @string '{block.key}'; the first is used",
                              hint=f"first defined at {problems.where(_line(first))}")
            else:
                problems.warn(_line(block), f"duplicate key '{block.key}'; the first entry is used",
                              key=block.key, hint=f"first defined at {problems.where(_line(first))}")
        elif isinstance(block, DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            if isinstance(entry, Entry):
                _add_entry(entry, strings, entries, problems)
        elif isinstance(block, ParsingFailedBlock):
            _report_failed_block(block, problems, strings, entries, text)
        elif isinstance(block, Preamble):
            value, _ = evaluate(str(block.value), strings)
            preambles.append(value)
        elif isinstance(block, Entry):
            _add_entry(block, strings, entries, problems)
    return RawFile(entries, preambles)


# bibtexparser's line numbers drift after a block it could not parse; these are counted from the text itself.
_LINES: dict[int, int] = {}


def _true_lines(text: str, blocks) -> dict[int, int]:
    """{id(block): its 0-based first line}, found by looking for each block's own text in order."""
    lines: dict[int, int] = {}
    cursor = 0
    counted_to, line = 0, 0  # newlines are counted once, from where the last block was found
    for block in blocks:
        raw = getattr(block, "raw", None) or ""
        prefix = raw.strip()[:80]
        if not prefix:
            continue
        found = text.find(prefix, cursor)
        if found < 0:
            continue
        line += text.count("\n", counted_to, found)
        counted_to = found
        lines[id(block)] = line
        cursor = found + len(prefix)
    return lines


def _line0(block) -> int | None:
    if block is None:
        return None
    if id(block) in _LINES:
        return _LINES[id(block)]
    return block.start_line


def _line(block) -> int | None:
    line = _line0(block)
    return line + 1 if line is not None else None


def _field_line(fld, entry) -> int | None:
    """The 1-based line of a field, moved by as much as its entry's line was."""
    if fld.start_line is None or entry.start_line is None or _line0(entry) is None:
        return _line(entry)
    return fld.start_line + (_line0(entry) - entry.start_line) + 1


def _add_entry(entry: Entry, strings: dict[str, str], entries: dict[str, RawEntry], problems: Problems) -> None:
    line = _line(entry)
    key = entry.key.strip()
    if not key:
        problems.warn(line, f"@{entry.entry_type} entry without a key; it is left out",
                      hint="write a key after the opening brace: @book{gati2006, …}")
        return
    if key in entries:
        return  # a duplicate key bibtexparser did not catch (differing case); reported by it or harmless
    values: dict[str, str] = {}
    lines: dict[str, int | None] = {}
    for fld in entry.fields:
        name = fld.key.strip().lower()
        field_line = _field_line(fld, entry)
        if name in values:
            problems.warn(field_line, f"duplicate field '{name}' in entry '{key}'; the first is used", key=key,
                          hint=f"first given at {problems.where(lines[name])}")
            continue
        value, undefined = evaluate(str(fld.value), strings)
        for macro in undefined:
            close = closest(macro, list(strings) + list(MONTH_MACROS))
            problems.warn(field_line, f"undefined macro '{macro}' in field '{name}' of entry '{key}'; "
                          "it is read as empty", key=key,
                          hint=f"did you mean '{close}'?" if close else
                          "define it with @string or write the value in braces")
        values[name] = value
        lines[name] = field_line
    entries[key] = RawEntry(key, entry.entry_type.strip().lower(), line, values, lines)


_ENTRY_HEAD = re.compile(r"\s*@\s*(\w+)\s*([{(])\s*([^\s,{}()=]*)\s*,?")
_FIELD_START = re.compile(r"^\s*([\w:.+-]+)\s*=")
_NEW_ENTRY = re.compile(r"\n\s*@\s*\w+\s*[{(]")


_split: list = [None, []]  # the text last split into lines, and its lines


def _lines_of(text: str) -> list[str]:
    """The lines of *text*, split once however many failed blocks look into it (linear, not quadratic)."""
    if _split[0] is not text:
        _split[0], _split[1] = text, text.split("\n")
    return _split[1]


def _report_failed_block(block: ParsingFailedBlock, problems: Problems, strings: dict[str, str],
                         entries: dict[str, RawEntry], text: str) -> None:
    raw = block.raw or ""
    head = _ENTRY_HEAD.match(raw)
    key = head.group(3) if head else ""
    kind = head.group(1).lower() if head else ""
    first_line = _line0(block)
    if head and key and kind not in ("comment", "preamble", "string") and key not in entries \
            and first_line is not None:
        source = "\n".join(_lines_of(text)[first_line:first_line + 2000])
        source_head = _ENTRY_HEAD.match(source)
        fields = _lenient_fields(source, source_head) if source_head else None
        if fields is not None:
            _add_lenient_entry(kind, key, _line(block), fields, strings, entries, problems)
            return
    if kind in ("comment", "preamble", "string") and not key:
        problems.warn(_line(block), f"cannot read an @{kind} block; it is left out")
        return
    line = _line(block)
    what = f"entry '{key}'" if key else (f"@{kind} block" if kind else "block")
    reason = getattr(block.error, "abort_reason", None) or str(block.error)
    ran_on = "end of file" in reason or "Unexpected block start" in reason
    unclosed = _find_unclosed_field(raw, head) if head and head.group(0).endswith(",") and ran_on else None
    if unclosed is not None:
        offset, name = unclosed
        if name:
            problems.fatal(line + offset if line is not None else None,
                           f"unclosed brace in field '{name.lower()}' of {what}", key=key,
                           hint="add the missing '}'; this entry was not read")
        else:
            problems.fatal(line, f"unclosed brace in {what}", key=key,
                           hint="a '{' in this entry has no matching '}'; this entry was not read")
        return
    reason = reason.strip().rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    problems.fatal(line, f"cannot read {what}: {reason}", key=key, hint="this entry was not read")


def _lenient_fields(raw: str, head: re.Match) -> list[tuple[str, str, int]] | None:
    """The fields of an entry bibtexparser gave up on, read as BibTeX reads them, or None if it is malformed.

    BibTeX allows what bibtexparser does not, such as a double quote inside
    braces inside a quoted value ("A {"quoted"} word").  Returns
    [(name, value expression, line offset)]; None unless every value is closed
    and the entry ends with its closing delimiter.
    """
    closing = "}" if head.group(2) == "{" else ")"
    if not head.group(0).rstrip().endswith(","):
        return None
    text = raw
    pos = head.end()
    fields: list[tuple[str, str, int]] = []
    while True:
        while pos < len(text) and (text[pos].isspace() or text[pos] == ","):
            pos += 1
        if pos >= len(text):
            return None
        if text[pos] == closing:
            return fields
        match = re.compile(r"([^\s=,{}\"#%()]+)\s*=\s*").match(text, pos)
        if not match:
            return None
        name = match.group(1)
        start = match.end()
        end = _value_end(text, start, closing)
        if end is None or _NEW_ENTRY.search(text, start, end):
            return None  # never closed, or it ran into the next entry
        fields.append((name, text[start:end].strip(), text[:pos].count("\n")))
        pos = end


def _value_end(text: str, pos: int, closing: str) -> int | None:
    """Where the value expression starting at *pos* ends (at a top-level ',' or the closing delimiter)."""
    depth = 0
    in_quotes = False
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return pos if closing == "}" and not in_quotes else None
            depth -= 1
        elif char == '"' and depth == 0:
            in_quotes = not in_quotes
        elif depth == 0 and not in_quotes and (char == "," or char == closing):
            return pos
        pos += 1
    return None


def _add_lenient_entry(kind: str, key: str, line: int | None, fields: list[tuple[str, str, int]],
                       strings: dict[str, str], entries: dict[str, RawEntry], problems: Problems) -> None:
    values: dict[str, str] = {}
    lines: dict[str, int | None] = {}
    for name, expression, offset in fields:
        name = name.strip().lower()
        field_line = line + offset if line is not None else None
        if name in values:
            problems.warn(field_line, f"duplicate field '{name}' in entry '{key}'; the first is used", key=key,
                          hint=f"first given at {problems.where(lines[name])}")
            continue
        value, undefined = evaluate(expression, strings)
        for macro in undefined:
            problems.warn(field_line, f"undefined macro '{macro}' in field '{name}' of entry '{key}'; "
                          "it is read as empty", key=key, hint="define it with @string or write the value in braces")
        values[name] = value
        lines[name] = field_line
    entries[key] = RawEntry(key, kind, line, values, lines)


def _find_unclosed_field(raw: str, head: re.Match) -> tuple[int, str] | None:
    """Where a brace is left open: (line offset in *raw*, field name), or None.

    A value is still open when a line starting a new field ("year =") is reached
    inside it, or when the block ends inside it; when only the entry's own
    brace is left open, the field name is "".
    """
    base = 1 if head.group(2) == "{" else 0
    depth = base
    current: tuple[int, str] = (0, "")
    body = raw[head.end():]
    first_offset = raw[:head.end()].count("\n")
    for index, text_line in enumerate(body.split("\n")):
        offset = first_offset + index
        start = _FIELD_START.match(text_line)
        if start:
            if depth > base:
                return current
            current = (offset, start.group(1))
        escaped = False
        for char in text_line:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
    if depth > base:
        return current
    return (0, "") if depth > 0 else None


def _evaluate_strings(library, problems: Problems) -> dict[str, str]:
    strings: dict[str, str] = {}
    for string in library.strings:
        value, undefined = evaluate(str(string.value), strings)
        for macro in undefined:
            problems.warn(_line(string), f"undefined macro '{macro}' in @string '{string.key}'; it is read as empty",
                          hint="define it with @string before this one")
        name = string.key.strip().lower()
        if name not in strings:
            strings[name] = value
    return strings


def evaluate(raw: str, strings: Mapping[str, str]) -> tuple[str, list[str]]:
    """The value of a field expression (``{…}``, ``"…"``, numbers and macros joined by ``#``)."""
    parts: list[str] = []
    undefined: list[str] = []
    pos, length = 0, len(raw)
    while pos < length:
        char = raw[pos]
        if char.isspace() or char == "#":
            pos += 1
        elif char == "{":
            end = matching_brace(raw, pos)
            parts.append(raw[pos + 1:end])
            pos = end + 1
        elif char == '"':
            end = _closing_quote(raw, pos)
            parts.append(raw[pos + 1:end])
            pos = end + 1
        else:
            end = pos
            while end < length and raw[end] != "#" and not raw[end].isspace():
                end += 1
            word = raw[pos:end]
            pos = end
            if word.isdigit():
                parts.append(word)
            elif word.lower() in strings:
                parts.append(strings[word.lower()])
            elif word.lower() in MONTH_MACROS:
                parts.append(MONTH_MACROS[word.lower()])
            else:
                undefined.append(word)
    return "".join(parts), undefined


def _closing_quote(text: str, start: int) -> int:
    depth = 0
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            return pos
        pos += 1
    last = text.rfind('"')
    return last if last > start else len(text)


def brace_balance(value: str) -> int:
    """0 when the braces of *value* pair up; > 0 when some are left open; < 0 when one closes too early."""
    depth = 0
    for match in re.finditer(r"(?<!\\)[{}]", value):
        depth += 1 if match.group() == "{" else -1
        if depth < 0:
            return depth
    return depth


def where_in(path: Path, project) -> Callable[..., SourceLocation]:
    def where(line: int | None = None) -> SourceLocation:
        if project is not None:
            return project.location(path, line)
        return SourceLocation(str(path), line)
    return where
