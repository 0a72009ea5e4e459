"""Find the places where Pandoc's Markdown and bookbuild's CommonMark read a chapter differently.

Most of Pandoc's extensions are read as Pandoc reads them (see "Coming from
Pandoc" in the README).  Where the two still differ and the difference can be
seen in the source, the author is told, with the line:

* a heading or a block quote right under a line of text: Pandoc
  (``blank_before_header``, ``blank_before_blockquote``) keeps it in the
  paragraph, CommonMark starts a heading or a quotation;
* a YAML metadata block below the top of a file: Pandoc reads it as
  metadata, bookbuild only reads the one at the top, so it would print.

Each difference is ``(line, message, hint)`` with a 1-based line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it.token import Token

_YAML_KEY_RE = re.compile(r"^[A-Za-z_][\w-]*:(\s|$)")
_FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


def pandoc_differences(source: str, tokens: Sequence[Token]) -> list[tuple[int, str, str]]:
    found: list[tuple[int, str, str]] = []
    lines = source.split("\n")
    for index, token in enumerate(tokens):
        if token.type not in ("heading_open", "blockquote_open") or not token.map or index == 0:
            continue
        if token.type == "heading_open" and not token.markup.startswith("#"):
            continue
        before = tokens[index - 1]
        start = token.map[0]
        if before.type == "paragraph_close" and start > 0 and lines[start - 1].strip() and \
                not lines[start - 1].rstrip().endswith(("\\", "  ")):
            what = "a heading" if token.type == "heading_open" else "a block quote"
            mark = "#" if token.type == "heading_open" else ">"
            message = f"Pandoc reads this line as part of the paragraph above; bookbuild starts {what} here"
            hint = f"put a blank line before it to keep {what}, or write '\\{mark}' to keep it text"
            found.append((start + 1, message, hint))
    fence = None
    for number, line in enumerate(lines):
        opening = _FENCE_RE.match(line)
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        if opening:
            fence = opening[1][0] * 3
            continue
        if number == 0 or line.rstrip() != "---" or lines[number - 1].strip():
            continue
        if number + 1 < len(lines) and _YAML_KEY_RE.match(lines[number + 1]):
            closing = next((n for n in range(number + 2, min(len(lines), number + 200))
                            if lines[n].rstrip() in ("---", "...")), None)
            if closing is not None:
                message = ("a YAML metadata block below the top of the file is printed as text "
                           "(Pandoc reads it as metadata)")
                hint = "move its keys to the block at the top of the first chapter, or to metadata.yaml"
                found.append((number + 1, message, hint))
    return found
