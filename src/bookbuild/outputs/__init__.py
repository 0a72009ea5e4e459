"""The outputs bookbuild can make, one module each: the registry the pipeline, the CLI and the docs read.

Each module of this package declares ``OUTPUT``, an ``Output``: its name
(the target of ``bookbuild build NAME``), a one-line summary (the CLI's help,
``make help`` and the README's table of outputs), whether it needs the
edition's print layout (its page map, or its PDF too), whether it is made
for each edition or once, and ``build(context) -> list[Path]``, which
renders, lays out through ``context`` and writes.  Nothing else in
bookbuild branches on an output's name: adding an output is adding a
module here (and its templates).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BookbuildError, Diagnostics, Report

if TYPE_CHECKING:
    from ..editions import Edition
    from .context import OutputContext, Sources

ALL_TARGETS = "all"  # `build all`: the targets and editions of book.toml's [outputs]


def _always(context: OutputContext) -> bool:
    return True


@dataclass(frozen=True)
class Output:
    """One kind of output."""

    name: str  # the command-line target
    summary: str  # one line, for the CLI's help, `make help` and the README
    build: Callable[[OutputContext], list[Path]]  # render, lay out and write; return the files written
    noun: str = ""  # what one is called in a message: "PDF", "EPUB"
    per_edition: bool = True  # False: made once for the whole book (the handouts)
    needs_layout: bool = False  # needs the edition's print layout (at least its page map)
    needs_pdf: bool = False  # needs the laid-out PDF itself (implies needs_layout)
    render: str | None = None  # the render profile (by name) it renders: checked before anything is written
    # Checks of its settings and sources before anything is written (adding to the problems); *building* is
    # False under `bookbuild check`.
    check: Callable[[Sources, Report, Diagnostics, bool], None] | None = None
    # Whether it is made for the context's edition (an edition without an EPUB, a page size a copier cannot
    # impose under --edition all); the edition's own list (Edition.lacks) is asked first.
    applies: Callable[[OutputContext], bool] = _always
    missing_hint: str = ""  # when an edition named on the command line does not have it
    # Built with another output, when enabled (the print-shop copy with the PDF, by --print-shop).
    companion_of: str | None = None
    # For a companion: lay out and check now, and return what writes it (called once its companion is written).
    prepare: Callable[[OutputContext], Callable[[], list[Path]]] | None = None
    enabled: Callable[[OutputContext], bool] = _always
    order: int = 100  # its place in listings
    lays_out: bool = False  # lays out pages of its own: start the layout workers early

    def has(self, edition: Edition) -> bool:
        """Whether *edition* lists this output among those it has."""
        return self.name not in edition.lacks

    def made_for(self, context: OutputContext) -> bool:
        return context.edition is not None and self.has(context.edition) and self.applies(context)


_HELPERS = {"context", "__main__"}  # modules of this package that declare no output
_REGISTRY: dict[str, Output] = {}
_DISCOVERED = False


def registry() -> dict[str, Output]:
    """Every output, by name, in listing order: each module of this package that declares ``OUTPUT``, and
    any registered with ``register``."""
    global _DISCOVERED
    if not _DISCOVERED:
        for module in pkgutil.iter_modules(__path__):
            if module.name in _HELPERS:
                continue
            declared = getattr(importlib.import_module(f"{__name__}.{module.name}"), "OUTPUT", None)
            if isinstance(declared, Output):
                _REGISTRY.setdefault(declared.name, declared)
        _DISCOVERED = True
    return dict(sorted(_REGISTRY.items(), key=lambda item: (item[1].order, item[0])))


def register(output: Output) -> None:
    """Add *output* to the registry (an output declared outside this package, such as a test's)."""
    registry()
    if output.name in _REGISTRY or output.name == ALL_TARGETS:
        raise ValueError(f"an output named {output.name!r} is already registered")
    _REGISTRY[output.name] = output


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def output_named(name: str) -> Output:
    outputs = registry()
    if name not in outputs:
        raise ValueError(f"unknown target {name!r}")
    return outputs[name]


def target_names() -> tuple[str, ...]:
    """What `bookbuild build` accepts: every output's name, then "all"."""
    return (*registry(), ALL_TARGETS)


def targets_help() -> str:
    return "; ".join(f"{output.name}: {output.summary}" for output in registry().values()) + \
        f"; {ALL_TARGETS}: what book.toml's [outputs] lists (default: every edition's PDF and EPUB, the handouts " \
        "and the copier booklet)"


def check_outputs(editions: list[Edition], outputs: list[Output], every_edition: bool) -> None:
    """An edition named on the command line must have one of the outputs asked for (an EPUB, say); under
    --edition all, each edition gets those it has."""
    if every_edition:
        return
    wanted = [output for output in outputs if output.per_edition]
    if not wanted:
        return
    for edition in editions:
        if not any(output.has(edition) for output in wanted):
            missing = wanted[0]
            raise BookbuildError.at(None, f"edition '{edition.name}' has no {missing.noun or missing.name}",
                                    hint=missing.missing_hint.format(edition=edition.name))


def readme_table() -> str:
    """The README's table of outputs, made from the registry (a test keeps the README's copy equal)."""
    rows = ["| target | what it makes | made | needs the print layout |", "| --- | --- | --- | --- |"]
    for output in registry().values():
        made = "per edition" if output.per_edition else "once"
        layout = ("its PDF" if output.needs_pdf else "its page map" if output.needs_layout
                  else "a layout of its own" if output.lays_out else "no")
        if output.companion_of:
            made += f", also with `{output.companion_of}` when enabled"
        rows.append(f"| `{output.name}` | {output.summary} | {made} | {layout} |")
    return "\n".join(rows) + "\n"
