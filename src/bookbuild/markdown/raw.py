"""Turn raw TeX and raw blocks (Pandoc's ``raw_tex`` and ``raw_attribute``) into what a book can print.

* ``\\newpage``, ``\\pagebreak`` and ``\\clearpage`` alone in a paragraph become a
  ``page_break`` block; ``\\newline`` becomes a line break.
* ````` ```{=html} ````` blocks and `` `<b>x</b>`{=html} `` become raw HTML, which the
  renderer passes through its sanitiser like any other HTML.
* Any other raw TeX (``\\begin{…}…\\end{…}``, ``\\cite{…}``, ``\\vspace{…}``) and raw
  blocks for other formats (``{=latex}``, ``{=docx}``) are left out, as Pandoc leaves
  them out of HTML; the file gets ONE warning saying how many were left out and where.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

PAGE_BREAKS = frozenset({"newpage", "pagebreak", "clearpage", "cleardoublepage"})
LINE_BREAKS = frozenset({"newline", "linebreak"})
_COMMAND_RE = re.compile(r"\\([A-Za-z]+)\*?")
_RAW_FORMAT_RE = re.compile(r"^\{=([A-Za-z0-9_-]+)\}")
_BEGIN_RE = re.compile(r"^\\begin\{([A-Za-z*]+)\}")
_SHOWN_LINES = 5


def _groups_end(text: str, position: int) -> int:
    """Where a command's arguments ([…] and {…} groups, braces nested) end."""
    while position < len(text) and text[position] in "[{":
        opening = text[position]
        closing = "]" if opening == "[" else "}"
        depth, index = 0, position
        while index < len(text):
            char = text[index]
            if char == "\\":
                index += 2
                continue
            if char == opening:
                depth += 1
            elif char == closing:
                depth -= 1
                if depth == 0:
                    break
            index += 1
        if depth != 0:
            return position
        position = index + 1
    return position


def raw_tex_inline(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "\\":
        return False
    match = _COMMAND_RE.match(state.src, state.pos)
    if not match:
        return False
    end = _groups_end(state.src, match.end())
    if end == match.end():  # no arguments: the spaces after the command belong to it, as in TeX
        while end < state.posMax and state.src[end] == " ":
            end += 1
    if not silent:
        token = state.push("raw_tex", "", 0)
        token.content = state.src[state.pos:end].strip()
        token.meta = {"command": match[1], "offset": state.pos}
    state.pos = end
    return True


def _inside_display_math(state: StateBlock, line: int) -> bool:
    """Whether the paragraph above *line* (up to a blank line) has opened a $$ it has not closed."""
    count = 0
    number = line - 1
    while number >= 0 and not state.isEmpty(number):
        count += state.src[state.bMarks[number]:state.eMarks[number]].count("$$")
        number -= 1
    return count % 2 == 1


def raw_tex_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A TeX environment, ``\\begin{name}`` … ``\\end{name}``, as one raw block."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = state.src[state.bMarks[start] + state.tShift[start]:state.eMarks[start]]
    match = _BEGIN_RE.match(first)
    if not match:
        return False
    closing = f"\\end{{{match[1]}}}"
    number = start
    while number < end:
        if closing in state.src[state.bMarks[number]:state.eMarks[number]]:
            break
        number += 1
    else:
        return False
    if silent:
        # Interrupting a paragraph: not inside its open $$ … $$ (an aligned environment is mathematics there).
        return not _inside_display_math(state, start)
    token = state.push("raw_block", "", 0)
    token.content = state.getLines(start, number + 1, state.sCount[start], False)
    token.info = "tex"
    token.map = [start, number + 1]
    state.line = number + 1
    return True


def _skip(state: StateCore, token: Token, what: str) -> None:
    state.env.setdefault("bookbuild_raw_skipped", []).append((token, what))


def settle_raw(state: StateCore) -> None:
    """Page and line breaks, raw HTML passed on, everything else left out and counted."""
    result: list[Token] = []
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        raw_format = _RAW_FORMAT_RE.match(token.info.strip()) if token.type == "fence" else None
        if raw_format:
            fmt = raw_format[1].lower()
            if fmt == "html":
                token.type = "html_block"
            else:
                _skip(state, token, fmt)
                index += 1
                continue
        elif token.type == "raw_block":
            _skip(state, token, "tex")
            index += 1
            continue
        elif (token.type == "paragraph_open" and index + 2 < len(tokens) and tokens[index + 1].type == "inline"
              and _only_page_break(tokens[index + 1])):
            page_break = Token("page_break", "div", 0)
            page_break.block = True
            page_break.map = token.map
            result.append(page_break)
            index += 3
            continue
        elif token.type == "inline" and token.children:
            token.children = _settle_inline(state, token, token.children)
        result.append(token)
        index += 1
    state.tokens = result
    _summarise(state)


def _only_page_break(inline: Token) -> bool:
    children = [child for child in inline.children or []
                if not (child.type in ("softbreak", "hardbreak")
                        or (child.type == "text" and not child.content.strip()))]
    return len(children) == 1 and children[0].type == "raw_tex" and children[0].meta["command"] in PAGE_BREAKS


def _settle_inline(state: StateCore, block: Token, children: list[Token]) -> list[Token]:
    result: list[Token] = []
    for index, child in enumerate(children):
        if child.type == "image" and child.children:
            # An image's alt text is a figure's caption: the same rules apply inside it.
            child.children = _settle_inline(state, block, child.children)
        if child.type == "raw_tex":
            if child.meta["command"] in LINE_BREAKS:
                result.append(Token("hardbreak", "br", 0))
                continue
            _skip(state, block, "tex")
            continue
        if child.type == "text" and index > 0 and children[index - 1].type == "code_inline":
            match = _RAW_FORMAT_RE.match(child.content)
            if match:
                code = result.pop()
                child.content = child.content[match.end():]
                if match[1].lower() == "html":
                    # One token per tag, as markdown-it gives inline HTML, so the sanitiser sees each tag.
                    for part in re.split(r"(<[^<>]*>)", code.content):
                        if part:
                            kind = "html_inline" if part.startswith("<") else "text"
                            result.append(Token(kind, "", 0, content=part))
                else:
                    _skip(state, block, match[1].lower())
                if not child.content:
                    continue
        result.append(child)
    return result


def _summarise(state: StateCore) -> None:
    """One warning for the file: how much raw material was left out, and on which lines."""
    skipped = state.env.get("bookbuild_raw_skipped")
    if not skipped:
        return
    state.env["bookbuild_raw_skipped"] = []
    lines = sorted({token.map[0] + 1 for token, _ in skipped if token.map})
    formats = sorted({"TeX" if fmt in ("tex", "latex") else fmt for _, fmt in skipped})
    shown = ", ".join(str(line) for line in lines[:_SHOWN_LINES])
    if len(lines) > _SHOWN_LINES:
        shown += f" and {len(lines) - _SHOWN_LINES} more"
    kinds = " and ".join(f"raw {fmt}" for fmt in formats)
    count = len(skipped)
    pieces = "piece" if count == 1 else "pieces"
    message = (f"{count} {pieces} of {kinds} left out, which bookbuild cannot print "
               f"(line{'s' if len(lines) != 1 else ''} {shown})")
    first = min((token for token, _ in skipped if token.map), key=lambda token: token.map[0], default=skipped[0][0])
    state.env.setdefault("bookbuild_warnings", []).append((_block_of(first), 0, message))


def _block_of(token: Token) -> Token:
    """The warning points at the start of the block (its line), not into its text."""
    marker = Token("raw_block", "", 0)
    marker.map = token.map
    return marker


def raw_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("escape", "raw_tex", raw_tex_inline)
    md.block.ruler.before("paragraph", "raw_tex_block", raw_tex_block, {"alt": ["paragraph"]})
    md.core.ruler.after("inline", "settle_raw", settle_raw)
