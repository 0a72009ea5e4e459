"""Turn BibTeX name lists into :class:`NameList` values.

Names are split as BibTeX does ("Given von Family", "von Family, Given",
"von Family, Jr, Given"), a name wholly in braces (``{{United Nations}}``) is
kept whole, and biblatex's extended format is read too
(``family=Mises, given=Ludwig, prefix=von, useprefix=true``).

Nothing here refuses a name: what BibTeX would complain about (an empty name
in the list, too many commas, braces that do not pair up) is returned as a
reason alongside the best reading of the name, for the reader to warn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from .latex import latex_to_plain, matching_brace
from .model import Name, NameList

_EXTENDED_KEYS = frozenset({"family", "given", "prefix", "suffix", "useprefix", "given-i", "family-i",
                            "prefix-i", "suffix-i", "sortingnamekeytemplatename", "uniquenametemplatename",
                            "labelalphanametemplatename", "id", "gender"})


def bibtex_brace_balance(value: str) -> int:
    """Brace depth at the end of *value*, counted as BibTeX counts (a backslash does not escape a brace);
    negative when a brace closes before any opened."""
    depth = 0
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return depth
    return depth


def read_names(value: str, macros: Mapping[str, tuple[int, str]] | None = None,
               useprefix: bool = False) -> tuple[NameList, list[str]]:
    """Split a BibTeX name list ("Gati, Charles and von Mises, Ludwig and others"); and the problems seen."""
    problems: list[str] = []
    if bibtex_brace_balance(value) != 0:
        problems.append("unbalanced braces")
        value = value.replace("\\{", "").replace("\\}", "")
        if bibtex_brace_balance(value) != 0:
            value = value.replace("{", "").replace("}", "")
    names: list[Name] = []
    others = False
    try:
        parts = split_multiple_persons_names(value)
    except InvalidNameError:
        parts = re.split(r"\s+and\s+", value)
    for index, part in enumerate(parts):
        part = part.strip()
        if part == "others" and index == len(parts) - 1 and index > 0:
            others = True
            continue
        while re.match(r"(?i)^and(\s|$)", part):
            problems.append("an empty name")
            part = part[3:].strip()
        if not part or part.strip(", ") == "":
            problems.append("an empty name")
            continue
        name, problem = read_name(part, macros, useprefix)
        if problem:
            problems.append(f"cannot split the name '{part}': {problem}")
        if name is not None:
            names.append(name)
    return NameList(tuple(names), others), problems


def read_name(text: str, macros: Mapping[str, tuple[int, str]] | None = None,
              useprefix: bool = False) -> tuple[Name | None, str]:
    """One name, and what is wrong with it ("" when nothing is)."""
    stripped = text.strip().rstrip(",").strip()
    if stripped.startswith("{") and matching_brace(stripped, 0) == len(stripped) - 1:
        return Name(literal=latex_to_plain(stripped, macros)), ""
    if _is_extended(stripped):
        return _extended_name(stripped, macros, useprefix)
    problem = ""
    try:
        parts = parse_single_name_into_parts(stripped, strict=True)
    except InvalidNameError as error:
        problem = error.reason[:1].lower() + error.reason[1:]
        pieces = [piece.strip() for piece in _top_level_split(stripped, ",")]
        if len(pieces) > 3:
            # BibTeX reads "von Last, Jr, First" from the first three parts.
            stripped = ", ".join([pieces[0], pieces[1], " ".join(pieces[2:])])
        try:
            parts = parse_single_name_into_parts(stripped, strict=False)
        except InvalidNameError:
            return Name(literal=latex_to_plain(stripped, macros)), problem
    family = latex_to_plain(" ".join(parts.last), macros)
    given = latex_to_plain(" ".join(parts.first), macros)
    if not family:
        if not given:
            return None, problem or "no family name"
        family, given = given, ""
        problem = problem or "no family name"
    return Name(family=family, given=given, particle=latex_to_plain(" ".join(parts.von), macros),
                suffix=latex_to_plain(" ".join(parts.jr), macros), useprefix=useprefix), problem


def _is_extended(text: str) -> bool:
    pieces = _top_level_split(text, ",")
    keys = [piece.split("=", 1)[0].strip().lower() for piece in pieces if "=" in piece]
    return len(keys) == len(pieces) and bool(keys) and all(key in _EXTENDED_KEYS for key in keys)


def _extended_name(text: str, macros, useprefix: bool) -> tuple[Name | None, str]:
    parts: dict[str, str] = {}
    for piece in _top_level_split(text, ","):
        key, _, value = piece.partition("=")
        value = value.strip()
        if value.startswith("{") and matching_brace(value, 0) == len(value) - 1:
            value = value[1:-1]
        parts[key.strip().lower()] = value
    use = parts.get("useprefix", "").strip().lower()
    name = Name(family=latex_to_plain(parts.get("family", ""), macros),
                given=latex_to_plain(parts.get("given", ""), macros),
                particle=latex_to_plain(parts.get("prefix", ""), macros),
                suffix=latex_to_plain(parts.get("suffix", ""), macros),
                useprefix=use in ("true", "1", "yes") if use else useprefix)
    if not name.family:
        if name.given:
            return Name(literal=name.given), "no family name"
        return None, "no family name"
    return name, ""


def _top_level_split(text: str, separator: str) -> list[str]:
    pieces: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == separator and depth == 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def parse_names(value: str) -> NameList:
    """A BibTeX name list, read as well as it can be (see :func:`read_names` for the problems)."""
    return read_names(value)[0]


def parse_name(text: str) -> Name:
    """One BibTeX name, read as well as it can be (see :func:`read_name` for the problem)."""
    name, _ = read_name(text)
    return name if name is not None else Name()
