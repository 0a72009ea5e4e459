"""Turn user mistakes into located, readable problems.

A user mistake (a bad key in book.toml, an unknown citation key, a missing
image) is a :class:`Problem` with a :class:`SourceLocation`.  A stage collects
every problem it finds and then raises one :class:`BookbuildError` holding all
of them; the command line prints them as ``path:line:col: error: message`` and
exits 1.  Anything else that goes wrong is a bug and keeps its traceback.

Warnings go to a :class:`Report`, which prints each distinct warning once and,
in strict mode, lets the pipeline turn them into errors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A place in a project file: path relative to the project, 1-based line and column."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, where it is, and how to fix it."""

    location: SourceLocation | None
    message: str
    hint: str | None = None
    severity: str = "error"

    def format(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        text = f"{where}{self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class BookbuildError(Exception):
    """One or more user mistakes; the build stops and nothing is written."""

    def __init__(self, problems: Problem | list[Problem]):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(problem.format() for problem in self.problems))

    @classmethod
    def at(cls, location: SourceLocation | None, message: str, hint: str | None = None) -> BookbuildError:
        """A single error at *location*."""
        return cls(Problem(location, message, hint))


@dataclass
class Diagnostics:
    """The problems one stage has found so far."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, location: SourceLocation | None, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(location, message, hint))

    def extend(self, error: BookbuildError) -> None:
        self.problems.extend(error.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise BookbuildError(sorted(self.problems, key=_problem_order))

    def __bool__(self) -> bool:
        return bool(self.problems)


def _problem_order(problem: Problem) -> tuple:
    location = problem.location
    if location is None:
        return ("", 0, 0)
    return (location.path, location.line or 0, location.column or 0)


class Report:
    """Where warnings go: each distinct warning is printed once."""

    def __init__(self, stream: TextIO | None = None, strict: bool = False):
        self.stream = stream
        self.strict = strict
        self.warnings: list[Problem] = []
        self._seen: set[str] = set()
        # Called before a warning is printed: the progress display clears its line.
        self.before_printing: Callable[[], None] | None = None

    def warn(self, location: SourceLocation | None, message: str, hint: str | None = None) -> None:
        problem = Problem(location, message, hint, severity="warning")
        text = problem.format()
        if text in self._seen:
            return
        self._seen.add(text)
        self.warnings.append(problem)
        if self.stream is not None and not self.strict:
            if self.before_printing is not None:
                self.before_printing()
            print(text, file=self.stream)

    def raise_if_strict(self) -> None:
        """In strict mode, stop the build if any warning was given."""
        if self.strict and self.warnings:
            raise BookbuildError(
                [Problem(w.location, w.message, w.hint, severity="error") for w in self.warnings]
            )


def closest(word: str, candidates) -> str | None:
    """The candidate most like *word*, for "did you mean" hints (case is ignored), or None."""
    import difflib

    folded = {str(candidate).lower(): candidate for candidate in candidates}
    if word.lower() in folded and folded[word.lower()] != word:
        return folded[word.lower()]
    match = difflib.get_close_matches(word.lower(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def print_problems(error: BookbuildError, stream: TextIO = sys.stderr) -> None:
    for problem in error.problems:
        print(problem.format(), file=stream)
