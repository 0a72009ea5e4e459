"""Turn ``$…$`` and ``$$…$$`` (Pandoc's ``tex_math_dollars``) into math tokens with their renderings.

Pandoc's rules: the opening ``$`` has a non-space right after it, the closing
``$`` a non-space right before it and no digit right after it ("$5 and $6" is
text).  ``$$…$$`` is display math, in a paragraph or on lines of its own;
``$$…$$ {#eq-id}`` gives it an id for cross-references.

Each formula is converted here to MathML (latex2mathml), for the EPUB; the
print renderer draws that MathML as SVG (ziamath, ``draw_math``), with the TeX
source as the image's alternative text.  A formula that cannot be converted
keeps its source, is printed as code, and is reported as a warning at its place.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

MATH_TOKENS = ("math_inline", "math_inline_double", "math_block")
_EQUATION_ID_RE = re.compile(r"^\s*\{#((?:eq)[-:][^\s{}]+)\}")
_MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
_ARITY = {"mfrac": 2, "msup": 2, "msub": 2, "mroot": 2, "msubsup": 3, "munderover": 3, "mover": 2, "munder": 2}
MATH_SIZE = 10.0  # ziamath's font size in px; the SVG is then sized in em
MAX_FORMULA = 5000  # characters: a formula longer than this is a mistake, and would take long to draw


@dataclass(frozen=True)
class MathRendering:
    """One formula converted to MathML, or the reason it could not be."""

    tex: str
    display: bool
    mathml: str = ""
    problem: str = ""


@dataclass(frozen=True)
class MathDrawing:
    """A formula drawn as SVG for print, sized in em so that it follows the text's size."""

    data_url: str
    width_em: float
    height_em: float
    depth_em: float  # how far it reaches below the baseline


def _check_mathml(mathml: str) -> str:
    """What is wrong with latex2mathml's output (it passes unknown commands through as text), or ''."""
    root = ET.fromstring(mathml)
    for element in root.iter():
        name = element.tag.replace(_MATHML_NS, "")
        text = (element.text or "").strip()
        if name in ("mi", "mo", "mtext") and re.match(r"^\\[A-Za-z]+", text):
            return f"unknown command '{text}'"
        if name in _ARITY and len(element) < _ARITY[name]:
            return f"'{name[1:]}' is missing a part"
    return ""


# amsmath's alignment environments, which latex2mathml does not know: set as an array whose columns
# alternate right and left, as amsmath aligns them ('gather' centres its one column).
_ALIGNMENT_RE = re.compile(r"\\begin\{(aligned|align\*?|split|gathered|gather\*?)\}(.*?)\\end\{\1\}", re.DOTALL)
# Operators of amsmath that latex2mathml passes through as text.
_OPERATORS_RE = re.compile(r"\\(arg)(?![A-Za-z])")


def _as_array(match: re.Match) -> str:
    name, body = match[1], match[2]
    if name.startswith("gather"):
        return "\\begin{array}{c}" + body + "\\end{array}"
    columns = max((row.count("&") for row in re.split(r"\\\\", body)), default=0) + 1
    # '{}' opens each aligned cell, so that '&= b' sets '=' as a relation between two sides, as TeX does.
    return "\\begin{array}{" + "rl" * ((columns + 1) // 2) + "}" + body.replace("&", "&{}") + "\\end{array}"


def latex2mathml_tex(tex: str) -> str:
    """The formula in the TeX latex2mathml reads: amsmath's alignments and operators it lacks rewritten."""
    tex = _OPERATORS_RE.sub(r"\\operatorname{\1}", tex)
    return _ALIGNMENT_RE.sub(_as_array, tex)


@lru_cache(maxsize=4096)
def render_math(tex: str, display: bool) -> MathRendering:
    """Convert one formula to MathML (the result is kept for the other outputs of the same build)."""
    import latex2mathml.converter

    if len(tex) > MAX_FORMULA:
        return MathRendering(tex, display, problem=f"is longer than {MAX_FORMULA} characters")
    try:
        mathml = latex2mathml.converter.convert(latex2mathml_tex(tex), display="block" if display else "inline")
        problem = _check_mathml(mathml)
    except Exception as error:  # noqa: BLE001 - latex2mathml raises many kinds of errors for malformed TeX
        return MathRendering(tex, display, problem=f"cannot be read ({type(error).__name__})")
    if problem:
        return MathRendering(tex, display, problem=problem)
    root = ET.fromstring(mathml)
    root.set("alttext", tex)
    ET.register_namespace("", _MATHML_NS[1:-1])
    return MathRendering(tex, display, mathml=ET.tostring(root, encoding="unicode"))


@lru_cache(maxsize=4096)
def draw_math(mathml: str) -> MathDrawing | None:
    """The formula drawn as SVG (ziamath), for print; None when ziamath cannot lay it out.

    Drawing takes far longer than converting, so it is done only when a
    printed output is rendered, not while the chapters are parsed.
    """
    import ziamath

    try:
        svg = ziamath.Math(mathml, size=MATH_SIZE).svg()
    except Exception:  # noqa: BLE001 - ziamath cannot lay out every construct
        return None
    match = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"', svg)
    if not match:
        return None
    top, width, height = float(match[2]), float(match[3]), float(match[4])
    data = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return MathDrawing(data, width / MATH_SIZE, height / MATH_SIZE, (height + top) / MATH_SIZE)


def _warn(state: StateCore, inline: Token | None, block: Token, offset: int, message: str) -> None:
    state.env.setdefault("bookbuild_warnings", []).append((inline or block, offset, message))


def convert_math(state: StateCore) -> None:
    """Convert every formula, take ``{#eq-id}`` after display math, and note what cannot be converted."""
    tokens = state.tokens
    for index, block in enumerate(tokens):
        if block.type == "math_block":
            # $$ on lines of their own, then {#eq-id} on the next line
            if (index + 3 < len(tokens) and tokens[index + 1].type == "paragraph_open"
                    and tokens[index + 2].type == "inline"
                    and (match := _EQUATION_ID_RE.match(tokens[index + 2].content))
                    and not tokens[index + 2].content[match.end():].strip()):
                block.attrSet("id", match[1])
                for token in tokens[index + 1:index + 4]:
                    token.hidden = True
                tokens[index + 2].children = []
            _convert(state, block, None, block, 0)
            continue
        if block.type != "inline" or not block.children:
            continue
        _convert_children(state, block, block.children)


def _convert_children(state: StateCore, block: Token, children: list[Token]) -> None:
    """Convert the formulas among an inline token's children, and inside images' alt text (figure captions)."""
    for index, child in enumerate(children):
        if child.type == "image" and child.children:
            _convert_children(state, block, child.children)
        if child.type not in MATH_TOKENS:
            continue
        if child.type == "math_inline_double" and index + 1 < len(children) and children[index + 1].type == "text":
            following = children[index + 1]
            match = _EQUATION_ID_RE.match(following.content)
            if match:
                child.attrSet("id", match[1])
                following.content = following.content[match.end():]
        offset = block.content.find((child.markup or "") + child.content)
        _convert(state, child, block, block, max(offset, 0))


def _convert(state: StateCore, token: Token, inline: Token | None, block: Token, offset: int) -> None:
    display = token.type != "math_inline"
    rendering = render_math(token.content.strip(), display)
    token.meta = {**(token.meta or {}), "math": rendering}
    if rendering.problem:
        shown = token.content.strip()
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        _warn(state, inline, block, offset, f"formula '{shown}' {rendering.problem}; it is printed as its TeX source")


def math_plugin(md: MarkdownIt) -> None:
    dollarmath_plugin(md, allow_labels=False, allow_space=False, allow_digits=False, allow_blank_lines=False,
                      double_inline=True)
    md.core.ruler.after("inline", "convert_math", convert_math)
