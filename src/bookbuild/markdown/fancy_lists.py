"""Turn Pandoc's ordered list markers (``fancy_lists``, ``startnum``, ``example_lists``) into typed lists.

CommonMark knows only ``1.`` and ``1)``.  Pandoc also writes::

    #. item            a number given by the list
    a. / A) / (b)      letters
    i. / IV) / (ii)    roman numerals
    (@) / (@label)     examples, numbered through the whole book

Before markdown-it reads the blocks, each such marker at the start of a list
item is rewritten as a decimal marker of the same width (``(c) `` becomes
``03) ``: same number, same indentation of the item's text), and the marker's
style is remembered by line.  After the blocks are read, every ordered list
gets the ``type`` its first marker had (``a``, ``A``, ``i``, ``I``), and its
``start``; example lists get the class ``example``.  A reference ``@label`` to
an example label becomes its number, as in Pandoc.

As in Pandoc, a capital letter with a period needs two spaces after it
(``B. Russell`` starts no list), and a new list (after a blank line and
text) needs a blank line before it, so a hard-wrapped line starting ``v.``
inside a paragraph stays text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_MARKER_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>\((?P<paren>#|\d{1,9}|[a-zA-Z]|[ivxlcdm]+|[IVXLCDM]+|@[\w-]*)\)"
    r"|(?P<plain>#|[a-zA-Z]|[ivxlcdm]+|[IVXLCDM]+|@[\w-]*)(?P<delim>[.)]))(?P<space>[ \t]+|$)")
_DECIMAL_RE = re.compile(r"^(?P<indent>[ \t]*)\d{1,9}(?P<delim>[.)])(?:[ \t]|$)")
_PLAIN_LIST_RE = re.compile(r"^[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_EXAMPLE_REF_RE = re.compile(r"@([\w-]+)")

TYPES = {"lower-alpha": "a", "upper-alpha": "A", "lower-roman": "i", "upper-roman": "I", "decimal": "1",
         "example": "1"}


def roman_value(text: str) -> int | None:
    """The value of a roman numeral such as 'xiv' (either case), or None if it is not one."""
    if not text or any(char not in _ROMAN for char in text.lower()):
        return None
    values = [_ROMAN[char] for char in text.lower()]
    total = 0
    for index, value in enumerate(values):
        following = values[index + 1] if index + 1 < len(values) else 0
        total += -value if value < following else value
    return total if total > 0 else None


def _style_and_number(enumerator: str, previous_style: str | None) -> tuple[str, int | None]:
    if enumerator == "#":
        return "default", None
    if enumerator.isdigit():
        return "decimal", int(enumerator)
    if enumerator.startswith("@"):
        return "example", None
    if len(enumerator) == 1 and previous_style in ("lower-alpha", "upper-alpha"):
        return previous_style, ord(enumerator.lower()) - ord("a") + 1
    value = roman_value(enumerator)
    if value is not None and (len(enumerator) > 1 or enumerator.lower() in "ivxlcdm" and enumerator.lower() == "i"
                              or previous_style in ("lower-roman", "upper-roman")):
        return ("lower-roman" if enumerator.islower() else "upper-roman"), value
    if len(enumerator) == 1:
        return ("lower-alpha" if enumerator.islower() else "upper-alpha"), ord(enumerator.lower()) - ord("a") + 1
    return "", None


def rewrite_markers(state: StateCore) -> None:
    """Rewrite Pandoc's list markers as decimal ones, remembering each list's style by line."""
    lines = state.src.split("\n")
    styles: dict[int, tuple[str, str]] = {}
    examples: dict = state.env.setdefault("examples", {"count": 0, "labels": {}})
    fence: str | None = None
    in_list = False
    previous_blank = True
    last_style: dict[int, tuple[str, str]] = {}  # indentation -> style and delimiter of the list there
    # indentation -> the delimiter written for the list there: a list of another style or delimiter right after
    # it gets the other one, so that markdown-it starts a new list where Pandoc does ("(iv)" then "A)")
    last_written: dict[int, str] = {}

    def delimiter(indent: int, style: str, delim: str) -> str:
        written = ")" if delim == "()" else delim
        previous = last_style.get(indent)
        if previous is not None and indent in last_written:
            if previous == (style, delim):
                written = last_written[indent]
            elif last_written[indent] == written:
                written = "." if written == ")" else ")"
        last_style[indent] = (style, delim)
        last_written[indent] = written
        return written

    for number, line in enumerate(lines):
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        opening = _FENCE_RE.match(line)
        if opening:
            fence = opening[1][0] * 3
            continue
        if not line.strip():
            previous_blank = True
            continue
        match = _MARKER_RE.match(line)
        may_start = previous_blank or in_list
        if match and may_start:
            enumerator = match["paren"] if match["paren"] is not None else match["plain"]
            delim = "()" if match["paren"] is not None else match["delim"]
            indent = len(match["indent"].expandtabs(4))
            previous = last_style.get(indent)
            style, value = _style_and_number(enumerator, previous[0] if previous and previous[1] == delim else None)
            capital_period = (len(enumerator) == 1 and enumerator.isupper() and delim == "."
                              and len(match["space"].expandtabs(4)) < 2)
            if style and not capital_period and not (style == "decimal" and delim != "()"):
                if style == "example":
                    examples["count"] += 1
                    value = examples["count"]
                    if len(enumerator) > 1:
                        examples["labels"][enumerator[1:]] = value
                elif style == "default":
                    value = 1
                replacement = f"{value}{delimiter(indent, style, delim)}"
                marker = match["marker"]
                if len(replacement) < len(marker):
                    replacement = "0" * (len(marker) - len(replacement)) + replacement
                lines[number] = match["indent"] + replacement + line[match.end("marker"):]
                styles[number] = (style, delim)
                in_list = True
                previous_blank = False
                continue
        decimal = _DECIMAL_RE.match(line) if may_start else None
        if decimal:
            written = delimiter(len(decimal["indent"].expandtabs(4)), "decimal", decimal["delim"])
            if written != decimal["delim"]:
                lines[number] = line[:decimal.start("delim")] + written + line[decimal.end("delim"):]
                styles[number] = ("decimal", decimal["delim"])
        if _PLAIN_LIST_RE.match(line):
            in_list = True
        elif previous_blank and not line[:1].isspace():
            in_list = False
            last_style.clear()
            last_written.clear()
        previous_blank = False
    if styles:
        state.src = "\n".join(lines)
    state.env["list_styles"] = styles


def type_lists(state: StateCore) -> None:
    """Give each ordered list the type and start of its first marker."""
    styles: dict[int, tuple[str, str]] = state.env.get("list_styles", {})
    if not styles:
        return
    tokens = state.tokens
    for index, token in enumerate(tokens):
        first_line = tokens[index + 1].map if index + 1 < len(tokens) else None
        if token.type != "ordered_list_open" or not first_line:
            continue
        style, _ = styles.get(first_line[0], ("decimal", "."))
        if style in TYPES and style != "decimal":
            token.attrSet("type", TYPES[style])
        if style == "example":
            token.attrJoin("class", "example")


def example_reference(state: StateInline, silent: bool) -> bool:
    """``@label`` naming an example becomes the example's number."""
    if state.src[state.pos] != "@":
        return False
    labels = state.env.get("examples", {}).get("labels", {})
    match = _EXAMPLE_REF_RE.match(state.src, state.pos)
    if not match or match[1] not in labels:
        return False
    if not silent:
        token = state.push("text", "", 0)
        token.content = str(labels[match[1]])
    state.pos = match.end()
    return True


def fancy_lists_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("normalize", "fancy_list_markers", rewrite_markers)
    md.core.ruler.after("block", "fancy_list_types", type_lists)
    md.inline.ruler.before("citation_in_text", "example_reference", example_reference)
