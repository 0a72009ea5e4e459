"""Turn Pandoc's implicit header references (``[General options]``) into links to the heading.

Pandoc lets a heading's text be used as a reference link's label:
``[General options]``, ``[General options][]`` and
``[the options][General options]`` link to the heading "General options"
when no link definition of that label exists.  The parser cannot know the
book's headings yet (they may be in a later chapter), so it marks the
brackets with ``implicit_ref_open``/``implicit_ref_close`` tokens (the
opening one's ``meta["implicit_ref"]`` is the label), which print as the
bracketed text they were; :func:`resolve_header_references` then makes them a
link to the heading, or plain text when no heading has that text (as Pandoc
prints it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, normalizeReference
from markdown_it.helpers import parseLinkLabel
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

_TASK_BOX = {" ", "x", "X"}


def heading_key(text: str) -> str:
    """How a heading's text and a label are compared, as written: case and runs of white space do not matter."""
    return " ".join(text.split()).casefold()


def implicit_reference(state: StateInline, silent: bool) -> bool:
    src, start = state.src, state.pos
    if src[start] != "[" or src.startswith("[^", start) or (start > 0 and src[start - 1] in "!\\"):
        return False
    end = parseLinkLabel(state, start, True)
    if end < 0:
        return False
    text = src[start + 1:end]
    following = src[end + 1:end + 2]
    if following in ("(", "{", ":") or text in _TASK_BOX or not text.strip():
        return False
    label, after = text, end + 1
    if following == "[":
        close = src.find("]", end + 2)
        if close < 0:
            return False
        second = src[end + 2:close]
        if "[" in second:
            return False
        label, after = (second or text), close + 1
    references = state.env.get("references", {})
    if normalizeReference(label) in references:
        return False
    if not silent:
        opening = state.push("implicit_ref_open", "", 0)
        opening.content = "["
        opening.meta = {"implicit_ref": label}
        old_max = state.posMax
        state.pos, state.posMax = start + 1, end
        state.md.inline.tokenize(state)
        state.posMax = old_max
        closing = state.push("implicit_ref_close", "", 0)
        closing.content = src[end:after]
    state.pos = after
    return True


def resolve_header_references(inlines: Iterable[Token], headings: Mapping[str, str]) -> None:
    """Make implicit references links to the heading of their label (*headings*: heading_key -> id), or text."""
    for inline in inlines:
        opened: list[bool] = []
        for child in inline.children or []:
            if child.type == "implicit_ref_open":
                target = headings.get(heading_key(child.meta["implicit_ref"]))
                opened.append(target is not None)
                if target is not None:
                    child.type, child.tag, child.nesting, child.attrs = "link_open", "a", 1, {"href": "#" + target}
                else:
                    child.type = "text"
            elif child.type == "implicit_ref_close":
                if opened and opened.pop():
                    child.type, child.tag, child.nesting, child.content = "link_close", "a", -1, ""
                else:
                    child.type = "text"


def _literal(renderer, tokens, idx, options, env) -> str:
    return escapeHtml(tokens[idx].content)


def header_references_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("autolink", "implicit_header_reference", implicit_reference)
    # Unresolved, a reference prints as the bracketed text it was (CommonMark's reading).
    md.add_render_rule("implicit_ref_open", _literal)
    md.add_render_rule("implicit_ref_close", _literal)
