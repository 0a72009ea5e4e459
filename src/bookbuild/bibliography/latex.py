"""Turn LaTeX field text into :class:`RichText`: accents, quotes, font commands, links and simple user macros.

pylatexenc parses the text and decodes accents and symbols; this module walks
its nodes so that ``{Braced}`` words stay protected from case changes,
``\\emph``, ``\\textit`` and ``\\mkbibitalic`` become italics, ``\\textbf`` bold,
``\\textsc`` small capitals, ``\\mkbibquote``, ``\\enquote`` and TeX's
````…''`` curly quotes, ``\\TeX`` and ``\\LaTeX`` their names, ``\\url`` and
``\\href`` their text.  Straight apostrophes become ’.

User macros defined in ``@preamble`` with ``\\newcommand``, ``\\providecommand``,
``\\renewcommand`` or ``\\def`` are expanded when their body is plain text
(``#1``… arguments allowed); a command known neither to LaTeX nor to the
preamble is reported by :func:`decode_latex` so that the reader can warn.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latex2text import get_default_latex_context_db as _text_context_db
from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexCommentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexSpecialsNode,
    LatexWalker,
    get_default_latex_context_db,
)
from pylatexenc.macrospec import MacroSpec

from .model import RichText, Span

_TO_TEXT = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)
_TEXT_CONTEXT = _text_context_db()
_PLAIN = re.compile(r"[\\{}~$%`'\-]")

# What biblatex's and LaTeX's text commands do to their argument.
_STYLE_MACROS = {
    "emph": "italic", "textit": "italic", "textsl": "italic", "mkbibemph": "italic", "mkbibitalic": "italic",
    "it": "italic", "itshape": "italic", "em": "italic", "sl": "italic", "booktitle": "italic",
    "mkbibbold": "bold", "textbf": "bold", "bf": "bold", "bfseries": "bold",
    "textsc": "smallcaps", "scshape": "smallcaps", "sc": "smallcaps", "mkbibsc": "smallcaps",
    "textup": "", "textrm": "", "textnormal": "", "textsf": "", "texttt": "", "mbox": "", "hbox": "",
    "textmd": "", "upshape": "", "rmfamily": "", "mkbibacro": "", "textsubscript": "", "textsuperscript": "",
    "mkbibsuperscript": "", "mkbibsubscript": "", "mkbibparens": "parens", "mkbibbrackets": "brackets",
    "nocase": "protect", "NoCaseChange": "protect", "MakeUppercase": "upper", "uppercase": "upper",
    "MakeLowercase": "lower", "lowercase": "lower",
    "mkbibquote": "quote", "enquote": "quote", "textquote": "quote", "mkpageprefix": "",
    "url": "verbatim", "path": "verbatim", "nolinkurl": "verbatim", "href": "href",
    "foreignlanguage": "foreign", "hyphenation": "drop", "noopsort": "drop", "sortnoop": "drop", "SortNoop": "drop",
    "index": "drop", "label": "drop", "autocap": "", "acro": "smallcaps", "textsmaller": "", "pkg": "",
    "cs": "", "macro": "", "file": "", "pgm": "", "ssf": "", "nth": "", "mkbibordinal": "", "mkbibmonth": "",
    "RN": "", "Rn": "",
    "textcite": "", "cite": "", "citetitle": "italic",
}
_NAMED = {"TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "XeTeX": "XeTeX", "XeLaTeX": "XeLaTeX",
          "LuaTeX": "LuaTeX", "LuaLaTeX": "LuaLaTeX", "BibTeX": "BibTeX", "BibLaTeX": "BibLaTeX",
          "biblatex": "biblatex", "ConTeXt": "ConTeXt", "AmS": "AMS", "hyphen": "-", "hyphenate": "",
          "slash": "/", "textendash": "–", "textemdash": "—", "dots": "…", "textellipsis": "…", "ldots": "…",
          "mkbibellipsis": "…", "adddot": ".", "addcomma": ",", "addcolon": ":", "addsemicolon": ";",
          "addperiod": ".", "addspace": " ", "addnbspace": "\u00a0", "addthinspace": "\u202f", "bibrangedash": "–",
          "textnumero": "№", "nopp": "", "bibstring": "", "isdot": "", "nbhy": "\u2011", "break": "",
          "newline": " ", "linebreak": " ", "allowbreak": "", "kern": "", "relax": "", "ignorespaces": "",
          "empty": "", "unskip": "", "null": "", "protect": "", "textquotesingle": "'", "textquotedbl": '"',
          # Logos and symbols bibliographies of the TeX world use.
          "emdash": "—", "endash": "–", "Dash": "—", "dash": "—", "pounds": "£", "textsterling": "£", "S": "§",
          "P": "¶", "thinspace": "\u2009", "enspace": "\u2002", "quad": "\u2003", "qquad": "\u2003\u2003",
          "METAFONT": "METAFONT", "MF": "METAFONT", "MP": "MetaPost", "METAPOST": "MetaPost",
          "AmSTeX": "AMS-TeX", "AMSTEX": "AMS-TeX", "AmSLaTeX": "AMS-LaTeX", "SLiTeX": "SLiTeX",
          "pdfTeX": "pdfTeX", "pdfLaTeX": "pdfLaTeX", "PS": "PostScript", "POSTSCRIPT": "PostScript",
          "TUB": "TUGboat", "TUG": "TUG", "CTAN": "CTAN", "PDF": "PDF", "XML": "XML", "HTML": "HTML",
          "AllTeX": "(La)TeX", "TikZ": "TikZ", "eTeX": "ε-TeX", "Omega": "Omega",
          "WEB": "WEB", "CMR": "CMR", "VAX": "VAX",
          # Font size and family switches, spacing and penalties: nothing to print.
          "tt": "", "sf": "", "rm": "", "small": "", "footnotesize": "", "scriptsize": "", "tiny": "",
          "large": "", "Large": "", "LARGE": "", "normalsize": "", "normalfont": "", "ttfamily": "",
          "sffamily": "", "mdseries": "", "par": " ", "penalty": "", "spacefactor": "", "smash": "",
          "nobreak": "", "hfil": "", "hfill": "", "strut": "", "ignorespacesafterend": ""}


def _context():
    db = get_default_latex_context_db()
    specs = [MacroSpec(name, "{") for name, effect in _STYLE_MACROS.items()
             if effect not in ("", "drop") and name not in ("it", "itshape", "em", "sl", "bf", "bfseries",
                                                             "scshape", "sc", "upshape", "rmfamily")]
    specs += [MacroSpec("href", "{{"), MacroSpec("enquote", "*{"), MacroSpec("textquote", "[[{"),
              MacroSpec("foreignlanguage", "[{{"), MacroSpec("mkpageprefix", "[{"), MacroSpec("bibstring", "{"),
              MacroSpec("noopsort", "{"), MacroSpec("sortnoop", "{"), MacroSpec("SortNoop", "{"),
              MacroSpec("hyphenation", "{"), MacroSpec("index", "{"), MacroSpec("label", "{"),
              MacroSpec("mkbibacro", "{"), MacroSpec("textsubscript", "{"), MacroSpec("textsuperscript", "{"),
              MacroSpec("mkbibsuperscript", "{"), MacroSpec("mkbibsubscript", "{"), MacroSpec("mkbibsc", "{"),
              MacroSpec("mkbibitalic", "{"), MacroSpec("booktitle", "{"), MacroSpec("kern", "")]
    specs += [MacroSpec(name, "") for name in _NAMED]
    db.add_context_category("bookbuild-biblatex", macros=specs, prepend=True)
    return db


_CONTEXT = _context()


@dataclass(frozen=True)
class Decoded:
    """A decoded value and the LaTeX commands in it that nothing knows."""

    text: RichText
    unknown: tuple[str, ...] = ()


# --------------------------------------------------------------------------- user macros


_DEFINITION = re.compile(
    r"\\(?:(?:re)?newcommand|providecommand|DeclareRobustCommand)\*?\s*"
    r"(?:\{\s*\\([A-Za-z@]+)\s*\}|\\([A-Za-z@]+))\s*(?:\[(\d)\])?\s*\{"
    r"|\\def\s*\\([A-Za-z@]+)\s*((?:#\d)*)\s*\{")


def preamble_macros(preambles: list[str]) -> dict[str, tuple[int, str]]:
    """{name: (number of arguments, body)} of the simple macros the ``@preamble`` blocks define."""
    macros: dict[str, tuple[int, str]] = {}
    for text in preambles:
        for match in _DEFINITION.finditer(text):
            name = match.group(1) or match.group(2) or match.group(4)
            if match.group(4):
                count = len(match.group(5) or "") // 2
            else:
                count = int(match.group(3) or 0)
            end = matching_brace(text, match.end() - 1)
            if end >= len(text):
                continue
            macros[name] = (count, text[match.end():end])
    return macros


def expand_macros(value: str, macros: Mapping[str, tuple[int, str]]) -> str:
    """*value* with the user macros in it replaced by their bodies (a bounded number of times)."""
    if not macros or "\\" not in value:
        return value
    pattern = re.compile(r"\\(" + "|".join(re.escape(name) for name in sorted(macros, key=len, reverse=True))
                         + r")(?![A-Za-z@])\s*")
    for _ in range(8):
        out: list[str] = []
        pos = 0
        changed = False
        for match in pattern.finditer(value):
            if match.start() < pos:
                continue
            count, body = macros[match.group(1)]
            arguments: list[str] = []
            cursor = match.end()
            for _index in range(count):
                while cursor < len(value) and value[cursor].isspace():
                    cursor += 1
                if cursor < len(value) and value[cursor] == "{":
                    end = matching_brace(value, cursor)
                    arguments.append(value[cursor + 1:end])
                    cursor = end + 1
                elif cursor < len(value):
                    arguments.append(value[cursor])
                    cursor += 1
                else:
                    arguments.append("")
            replacement = _substitute(body, arguments)
            if count == 0 and cursor < len(value) and value[cursor:cursor + 2] == "{}":
                cursor += 2
            out.append(value[pos:match.start()])
            out.append("{" + replacement + "}" if count else replacement)
            pos = cursor
            changed = True
        out.append(value[pos:])
        value = "".join(out)
        if not changed or len(value) > 100_000:
            break
    return value


def _substitute(body: str, arguments: list[str]) -> str:
    """*body* with ``#1``… replaced by *arguments*."""
    def argument(match: re.Match) -> str:
        index = int(match.group(1))
        return arguments[index - 1] if 0 < index <= len(arguments) else ""
    return re.sub(r"#(\d)", argument, body)


# --------------------------------------------------------------------------- decoding


MAX_DEPTH = 40


def decode_latex(value: str, macros: Mapping[str, tuple[int, str]] | None = None) -> RichText:
    """LaTeX field text as RichText: accents decoded, ``{Braced}`` words protected, ``\\emph`` italic."""
    return decode(value, macros).text


def decode(value: str, macros: Mapping[str, tuple[int, str]] | None = None) -> Decoded:
    """Like :func:`decode_latex`, and the names of the commands it did not know."""
    if macros:
        value = expand_macros(value, macros)
    if not _PLAIN.search(value):
        return Decoded(RichText.plain(_clean(value)))
    return _decode_text(value)


@lru_cache(maxsize=4096)
def _decode_text(value: str) -> Decoded:
    """The LaTeX of a value whose macros are expanded (large bibliographies repeat many values: a journal, a
    publisher, an acknowledgement, so each is parsed once)."""
    value = _flatten_deep_braces(value)
    # A bare % in a .bib value is a percent sign, not a LaTeX comment; a bare # or & is the character.
    value = re.sub(r"(?<!\\)%", r"\\%", value)
    value = re.sub(r"(?<!\\)([#&_])", r"\\\1", value)
    walker = LatexWalker(value, latex_context=_CONTEXT, tolerant_parsing=True)
    nodes = walker.get_latex_nodes()[0]
    spans: list[Span] = []
    unknown: list[str] = []
    _Walk(spans, unknown).walk(nodes, Span(""), top=True, quotes=0)
    return Decoded(_merge(spans), tuple(dict.fromkeys(unknown)))


def _flatten_deep_braces(value: str) -> str:
    """Braces nested deeper than MAX_DEPTH are dropped (their text kept), so that parsing never recurses too far."""
    if value.count("{") <= MAX_DEPTH:
        return value
    out: list[str] = []
    depth = 0
    escaped = False
    for char in value:
        if escaped:
            escaped = False
            out.append(char)
            continue
        if char == "\\":
            escaped = True
            out.append(char)
        elif char == "{":
            depth += 1
            if depth <= MAX_DEPTH:
                out.append(char)
        elif char == "}":
            if depth <= MAX_DEPTH:
                out.append(char)
            depth -= 1
        else:
            out.append(char)
    return "".join(out)


class _Walk:
    def __init__(self, out: list[Span], unknown: list[str]):
        self.out = out
        self.unknown = unknown

    def walk(self, nodes, style: Span, top: bool, quotes: int) -> None:
        nodes = list(nodes or ())
        for node in nodes:
            if isinstance(node, LatexCommentNode):
                continue
            if isinstance(node, LatexGroupNode):
                children = node.nodelist or []
                first = next((child for child in children if not _is_blank(child)), None)
                inner = style
                if top and not isinstance(first, LatexMacroNode):
                    inner = _restyle(style, protected=True)
                self.walk(children, inner, top=False, quotes=quotes)
            elif isinstance(node, LatexMacroNode):
                self.macro(node, style, quotes)
            elif isinstance(node, LatexCharsNode):
                self.out.append(_styled(_typeset(node.chars), style))
            elif isinstance(node, LatexMathNode):
                self.out.append(_styled(_TO_TEXT.nodelist_to_text(node.nodelist or []), style))
            elif isinstance(node, LatexSpecialsNode):
                self.out.append(_styled(_TO_TEXT.nodelist_to_text([node]), style))
            else:
                self.out.append(_styled(_TO_TEXT.nodelist_to_text([node]), style))

    def macro(self, node: LatexMacroNode, style: Span, quotes: int) -> None:
        name = node.macroname
        arguments = [arg for arg in (node.nodeargd.argnlist if node.nodeargd else []) if arg is not None]
        mandatory = [arg for arg in arguments if isinstance(arg, LatexGroupNode) and arg.delimiters == ("{", "}")]
        if name in _NAMED:
            self.out.append(_styled(_NAMED[name], style))
            return
        if name not in _STYLE_MACROS:
            if name[:1].isalpha() and _TEXT_CONTEXT.get_macro_spec(name) is None:
                self.unknown.append(name)
            self.out.append(_styled(_TO_TEXT.nodelist_to_text([node]), style))
            return
        effect = _STYLE_MACROS[name]
        if effect == "drop":
            return
        if effect in ("italic", "bold", "smallcaps"):
            if effect == "italic" and style.italic and name in ("emph", "mkbibemph"):
                inner = _restyle(style, italic=False)  # emphasis inside italics is upright
            else:
                inner = _restyle(style, italic=style.italic or effect == "italic", bold=style.bold or effect == "bold",
                                 smallcaps=style.smallcaps or effect == "smallcaps")
        elif effect == "protect":
            inner = _restyle(style, protected=True)
        else:
            inner = style
        if effect == "verbatim":
            text = "".join(_verbatim_text(arg) for arg in mandatory)
            self.out.append(_styled(text, _restyle(style, protected=True)))
            return
        if effect == "href":
            # \href{url}{text}: the text is what is read.
            shown = mandatory[1:] or mandatory[:1]
            for argument in shown:
                self.walk(argument.nodelist, inner, top=False, quotes=quotes)
            return
        if effect in ("upper", "lower"):
            start = len(self.out)
            for argument in mandatory:
                self.walk(argument.nodelist, inner, top=False, quotes=quotes)
            for index in range(start, len(self.out)):
                span = self.out[index]
                text = span.text.upper() if effect == "upper" else span.text.lower()
                self.out[index] = Span(text, True, span.italic, span.bold, span.smallcaps)
            return
        if effect == "foreign":
            mandatory = mandatory[1:]
        opening, closing = {"quote": ("“‘"[quotes % 2], "”’"[quotes % 2]), "parens": ("(", ")"),
                            "brackets": ("[", "]")}.get(effect, ("", ""))
        if opening:
            self.out.append(_styled(opening, style))
        for argument in (mandatory if name in ("textquote", "foreignlanguage", "mkpageprefix", "enquote")
                         else arguments):
            nodes = argument.nodelist if isinstance(argument, LatexGroupNode) else [argument]
            self.walk(nodes, inner, top=False, quotes=quotes + (1 if effect == "quote" else 0))
        if closing:
            self.out.append(_styled(closing, style))


def _verbatim_text(group: LatexGroupNode) -> str:
    return re.sub(r"\\([_%&#$~])", r"\1", group.latex_verbatim()[1:-1])


def _typeset(chars: str) -> str:
    """TeX's ligatures of plain characters: ``--``, ``---``, ````…''``, ``~``, and straight apostrophes as ’."""
    text = chars.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
    text = text.replace("`", "‘").replace("'", "’").replace("~", "\u00a0")
    text = text.replace("<<", "«").replace(">>", "»") if "<<" in text else text
    return text


def _is_blank(node) -> bool:
    return isinstance(node, LatexCharsNode) and not node.chars.strip()


def _restyle(style: Span, **changes) -> Span:
    values = {"protected": style.protected, "italic": style.italic, "bold": style.bold,
              "smallcaps": style.smallcaps}
    values.update(changes)
    return Span("", **values)


def _styled(text: str, style: Span) -> Span:
    return Span(text, protected=style.protected, italic=style.italic, bold=style.bold, smallcaps=style.smallcaps)


def _merge(spans: list[Span]) -> RichText:
    merged: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        if merged and _same_style(merged[-1], span):
            merged[-1] = _styled(merged[-1].text + span.text, span)
        else:
            merged.append(span)
    cleaned: list[Span] = []
    for index, span in enumerate(merged):
        text = _clean(span.text, strip_start=index == 0, strip_end=index == len(merged) - 1)
        if text:
            cleaned.append(_styled(text, span))
    return RichText(tuple(cleaned))


def _same_style(a: Span, b: Span) -> bool:
    return (a.protected, a.italic, a.bold, a.smallcaps) == (b.protected, b.italic, b.bold, b.smallcaps)


def _clean(text: str, strip_start: bool = True, strip_end: bool = True) -> str:
    text = unicodedata.normalize("NFC", text.replace("ı\u0301", "í"))
    text = re.sub(r"[ \t\n\r]+", " ", text)
    if strip_start:
        text = text.lstrip(" ")
    if strip_end:
        text = text.rstrip(" ")
    return text


def latex_to_plain(value: str, macros: Mapping[str, tuple[int, str]] | None = None) -> str:
    return str(decode_latex(value, macros))


def matching_brace(text: str, start: int) -> int:
    """The index of the brace closing the one at *start* (``len(text)`` when it is never closed)."""
    depth = 0
    pos = start
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    return len(text)
