"""Turn the full manuscript into the manuscript of one edition, by audience.

Material for one audience is marked in Markdown with a class: a fenced div
``::: {.teacher}``, a span ``[answer]{.teacher}``, or a whole file with
``audience: teacher`` in its front matter.  An edition names the audiences it
shows; marked material for any other audience is removed from the token
stream *before* ids, notes and citations are worked out, so nothing of it can
reach the outputs of that edition: not its text, its notes, its citations or
its bibliography entries, its headings or its bookmarks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from markdown_it.token import Token

from .config import BookConfig
from .errors import BookbuildError, Diagnostics, Report
from .manuscript import Manuscript, SourceFile, analyse, copy_tokens

DEFAULT_AUDIENCES = ("student", "teacher")


@dataclass(frozen=True)
class Edition:
    """One printing of the book: which audiences it shows."""

    name: str
    audiences: tuple[str, ...]
    label: str = ""  # printed on the cover and title page, such as "Teacher edition"
    all_audiences: tuple[str, ...] = DEFAULT_AUDIENCES

    @property
    def hidden(self) -> frozenset[str]:
        return frozenset(self.all_audiences) - frozenset(self.audiences)

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_EDITION


DEFAULT_EDITION = "student"
EDITIONS = {
    "student": Edition("student", ("student",)),
    "teacher": Edition("teacher", ("student", "teacher"), label="Teacher edition"),
}


def find_edition(config: BookConfig, name: str | None) -> Edition:
    """The edition called *name* (None: the default edition)."""
    name = name or DEFAULT_EDITION
    if name not in EDITIONS:
        raise BookbuildError.at(None, f"unknown edition '{name}'",
                                hint="editions: " + ", ".join(EDITIONS))
    return EDITIONS[name]


def select_edition(manuscript: Manuscript, edition: Edition, report: Report) -> Manuscript:
    """The manuscript as readers of *edition* see it."""
    hidden = edition.hidden
    if not hidden:
        return manuscript
    files = [
        replace(source, tokens=remove_hidden(source.tokens, hidden))
        for source in manuscript.files
        if source.front_matter.get("audience") not in hidden
    ]
    diagnostics = Diagnostics()
    selected = analyse(files, manuscript.project, diagnostics, report)
    diagnostics.raise_if_any()
    return selected


def _is_hidden(token: Token, hidden: frozenset[str]) -> bool:
    classes = str(token.attrGet("class") or "").split() if token.attrs else []
    return any(name in hidden for name in classes)


def remove_hidden(tokens: Sequence[Token], hidden: frozenset[str]) -> list[Token]:
    """A copy of *tokens* without the blocks and spans marked for a hidden audience."""
    return _without_hidden(copy_tokens(tokens), hidden)


def _without_hidden(tokens: Sequence[Token], hidden: frozenset[str]) -> list[Token]:
    result: list[Token] = []
    skip_depth = 0
    for token in tokens:
        if skip_depth:
            skip_depth += token.nesting
            continue
        if _is_hidden(token, hidden):
            if token.nesting == 1:
                skip_depth = 1
            continue
        if token.children:
            token.children = _without_hidden(token.children, hidden)
        if token.type == "figure" and _is_hidden(token.meta["image"], hidden):
            continue
        result.append(token)
    return result
