"""Turn a chapter's tokens into HTML for one target, print or EPUB.

The chapter model holds each note once; only here does it take its shape:
a page-bottom footnote (``float: footnote``) in print, an EPUB 3
``noteref``/``aside`` pair in the EPUB.  Citations are printed as the citation
stage rendered them, and their notes join the author's footnotes in one
numbered sequence per chapter.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pygments
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from ..citations.model import CitationResult
from ..images import css_size
from ..labels import label_around
from ..manuscript import Chapter, plain_text
from ..markdown.math import MathRendering, draw_math
from .sanitize import InlineHtmlBalancer, sanitize_block

# Blocks of the main text that are numbered, so that a place in the printed
# layout can be found again in the EPUB (page numbers, footnote placement).
NUMBERED_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "tr", "blockquote", "pre"})

_TRAILING_PUNCTUATION = re.compile(r"^[.,;:!?…]+[”’)\]]*")



class RenderProfile(str):
    """The name of one kind of HTML output ("print", "epub"), with what that output asks of the HTML: how
    notes, formulas, lists, page references and resources are written.  An output names its profile; the
    renderer asks the profile, never the output's name.  It is its name as a string, so that code and
    file names that knew the targets as "print" and "epub" still read it."""

    page_notes: bool  # notes are set at the foot of the page (float: footnote), not noteref/aside pairs
    drawn_formulas: bool  # formulas are SVG images with their TeX as alt text, not MathML
    styled_list_starts: bool  # an ordered list's start is a counter-reset (WeasyPrint does not read start)
    page_references: bool  # ``.pageref`` links carry the words around the printed page number
    epub_semantics: bool  # epub:type attributes
    packaged_resources: bool  # images are files of the package (images/NAME), not file: URLs
    generated_cover: bool  # without a cover in book.toml, one is drawn (images/cover.png)
    stylesheets: tuple[str, ...]  # the theme's stylesheets, in cascade order
    one_document: bool  # the book is one HTML document (for WeasyPrint), not one XHTML file a chapter

    def __new__(cls, name: str, *, page_notes: bool, drawn_formulas: bool, styled_list_starts: bool,
                page_references: bool, epub_semantics: bool, packaged_resources: bool, generated_cover: bool,
                stylesheets: tuple[str, ...], one_document: bool) -> RenderProfile:
        profile = super().__new__(cls, name)
        profile.page_notes, profile.drawn_formulas, profile.styled_list_starts = (page_notes, drawn_formulas,
                                                                                  styled_list_starts)
        profile.page_references, profile.epub_semantics = page_references, epub_semantics
        profile.packaged_resources, profile.generated_cover = packaged_resources, generated_cover
        profile.stylesheets, profile.one_document = stylesheets, one_document
        return profile

    @property
    def name(self) -> str:
        return str(self)

    def __reduce__(self):
        return render_profile, (str(self),)  # a copy (another process's) is the registered profile


PRINT = RenderProfile("print", page_notes=True, drawn_formulas=True, styled_list_starts=True,
                      page_references=True, epub_semantics=False, packaged_resources=False, generated_cover=False,
                      stylesheets=("common.css", "print.css"), one_document=True)
EPUB = RenderProfile("epub", page_notes=False, drawn_formulas=False, styled_list_starts=False,
                     page_references=False, epub_semantics=True, packaged_resources=True, generated_cover=True,
                     stylesheets=("common.css", "epub.css"), one_document=False)
RENDER_PROFILES = {profile.name: profile for profile in (PRINT, EPUB)}


def render_profile(target: RenderProfile | str) -> RenderProfile:
    """*target* as a profile: a profile, or the name of one ("print", "epub")."""
    return target if isinstance(target, RenderProfile) else RENDER_PROFILES[target]

# The env markdown-it hands to every render rule; ours holds the RenderContext under "context".
Env = MutableMapping[str, Any]

LONG_CODE_LINES = 12  # a code block of more lines may break across pages


def _pre_tag(content: str, *classes: str) -> str:
    """The <pre> of a code block: a long listing is marked 'long', to run on to the next page (print.css);
    a short one is kept whole."""
    names = [*classes, "long"] if content.count("\n") > LONG_CODE_LINES else list(classes)
    return f'<pre class="{" ".join(names)}">' if names else "<pre>"

_OPTIONS = OptionsDict({"xhtmlOut": True, "breaks": False, "langPrefix": "language-", "highlight": None,
                        "html": True, "linkify": False, "typographer": True, "quotes": "“”‘’",
                        "maxNesting": 100})


@dataclass(frozen=True)
class Note:
    """A footnote of a chapter: the author's own or a citation's."""

    number: int
    id: str
    ref_id: str
    html: str  # block HTML (paragraphs) for the EPUB
    inline_html: str  # the same as phrasing content, for print footnotes


@dataclass
class RenderContext:
    """What the renderer needs to know while it walks one chapter."""

    target: RenderProfile
    chapter: Chapter
    citations: CitationResult | None
    labels: dict[str, Any]
    resource_url: Callable[[Path], str]
    notes: list[Note] = field(default_factory=list)
    callouts: int = 0
    note_depth: int = 0
    blocks: int = 0  # blocks of the main text so far; print and EPUB count them alike
    front_ids: frozenset[str] = frozenset()  # ids on front-matter pages, numbered in roman

    def next_block(self) -> str:
        """Number the next block of the main text and mark it with its number, in both targets alike.

        In print the mark lets the layout be traced back (footnote placement,
        the page map); in the EPUB the page-break markers are placed by it and
        the mark is removed (``render.pagebreaks``).
        """
        if self.note_depth:
            return ""
        self.blocks += 1
        return f' data-b="{self.chapter.id}:{self.blocks}"'


class BookRenderer(RendererHTML):
    """markdown-it's HTML renderer with the rules a book needs."""

    # -- notes -----------------------------------------------------------

    def _add_note(self, body_tokens: Sequence[Token] | None, inline_html: str | None, env: Env) -> str:
        """Number a note, remember it, and return the markup for its call."""
        context: RenderContext = env["context"]
        number = len(context.notes) + 1
        note_id = f"fn-{context.chapter.id}-{number}"
        ref_id = f"fnref-{context.chapter.id}-{number}"
        context.note_depth += 1
        if body_tokens is not None:
            block = self.render(body_tokens, _OPTIONS, env)
            inline = self._as_phrasing(body_tokens, env)
        else:
            block = f"<p>{inline_html}</p>"
            inline = inline_html or ""
        context.note_depth -= 1
        backlink = (f'<a class="note-backlink" role="doc-backlink" href="#{ref_id}" '
                    f'title="{html.escape(context.labels["back_to_text"])}">{number}.</a> ')
        block = block.replace("<p>", "<p>" + backlink, 1) if block.startswith("<p>") else f"<p>{backlink}</p>" + block
        note = Note(number, note_id, ref_id, block, inline)
        context.notes.append(note)
        if context.target.page_notes:
            return f'<span class="footnote" id="{note_id}">{inline}</span>'
        return (f'<a class="noteref" epub:type="noteref" role="doc-noteref" id="{ref_id}" '
                f'href="#{note_id}">{number}</a>')

    def _as_phrasing(self, tokens: Sequence[Token], env: Env) -> str:
        """Block tokens of a note as phrasing content: each paragraph a block-displayed span."""
        parts = []
        for token in tokens:
            if token.type == "inline":
                parts.append(f'<span class="fn-p">{self.renderInline(token.children or [], _OPTIONS, env)}</span>')
        return "".join(parts)

    def footnote_ref(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        context: RenderContext = env["context"]
        note_id = tokens[idx].meta["id"]
        body = context.chapter.footnotes.get(note_id)
        if body is None:
            return ""
        if tokens[idx].meta.get("subId", 0) > 0:
            # A second call of the same note points at the note already printed.
            number = env.setdefault("note_numbers", {}).get(note_id)
            if number is None:
                return ""
            target = f"fn-{context.chapter.id}-{number}"
            if context.target.page_notes:
                return f'<a class="note-again" href="#{target}">{number}</a>'
            return f'<a class="noteref" epub:type="noteref" role="doc-noteref" href="#{target}">{number}</a>'
        markup = self._add_note(body, None, env)
        env.setdefault("note_numbers", {})[note_id] = len(context.notes)
        return markup

    def citation(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        context: RenderContext = env["context"]
        token = tokens[idx]
        if context.citations is None:
            return html.escape(token.content)
        rendered = context.citations.citations.get(token.meta.get("id", ""))
        if rendered is None:
            return html.escape(token.content)
        out = rendered.text or ""
        if rendered.note is not None:
            if context.note_depth:
                # A citation inside a note becomes part of that note.
                out += rendered.note
            else:
                out += self._add_note(None, rendered.note, env)
        return out

    def _attach_note_calls(self, tokens: Sequence[Token], env: Env) -> Sequence[Token]:
        """Set note calls the way an editor would: against the word, after the punctuation.

        "a book [@gati2006]." is printed "a book.¹", not "a book ¹.".
        """
        context: RenderContext = env["context"]
        if context.citations is None or context.note_depth or not any(t.type == "citation" for t in tokens):
            return tokens
        tokens = [copy.copy(token) for token in tokens]
        for index, token in enumerate(tokens):
            if token.type != "citation":
                continue
            rendered = context.citations.citations.get(token.meta.get("id", ""))
            if rendered is None or rendered.note is None or rendered.text:
                continue
            if index > 0 and tokens[index - 1].type == "softbreak":
                # A citation at the start of a source line: the line break is a space, and goes like one.
                tokens[index - 1] = Token("text", "", 0, content="")
            before = tokens[index - 1] if index > 0 else None
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            if before is not None and before.type == "text":
                before.content = before.content.rstrip()
            if after is not None and after.type == "text":
                match = _TRAILING_PUNCTUATION.match(after.content)
                if match:
                    if before is not None and before.type == "text":
                        before.content += match[0]
                        after.content = after.content[match.end():]
                    else:
                        moved = Token("text", "", 0, content=match[0])
                        tokens[index] = moved
                        tokens.insert(index + 1, token)
                        after.content = after.content[match.end():]
        return tokens

    # -- blocks ------------------------------------------------------------

    def renderToken(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:  # noqa: N802
        token = tokens[idx]
        markup = super().renderToken(tokens, idx, options, env)
        if token.nesting == 1 and token.tag in NUMBERED_BLOCKS and not token.hidden:
            marker = env["context"].next_block()
            if marker:
                markup = markup.replace(f"<{token.tag}", f"<{token.tag}{marker}", 1)
        return markup

    def figure(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        """A figure. Its caption is the image's title when it has one (bookbuild's own form, the alt text then
        describes the image), else the alt text with its Markdown and citations, as in Pandoc (``fig-alt``
        then gives the alt text)."""
        figure_token = tokens[idx]
        image = figure_token.meta["image"]
        title = str(image.attrGet("title") or "")
        figure_id = image.attrGet("id")
        attributes = f' id="{html.escape(str(figure_id))}"' if figure_id else ""
        classes = str(image.attrGet("class") or "")
        if classes:
            attributes += f' class="{html.escape(classes)}"'
        attributes += env["context"].next_block()
        if title:
            caption = html.escape(title)
            img = self._image_tag(image, env, with_id=False)
        else:
            caption = self.renderInline(image.children or [], options, env)
            alt = str(image.attrGet("fig-alt") or "") or _plain_caption(image.children or [], env["context"])
            img = self._image_tag(image, env, with_id=False, alt=alt)
        label = crossref_label(figure_token, env)
        if label:
            caption = f'<span class="figure-label">{html.escape(label)}:</span> {caption}'
        if caption:
            return f"<figure{attributes}>{img}<figcaption>{caption}</figcaption></figure>\n"
        return f"<figure{attributes}>{img}</figure>\n"

    def _image_tag(self, image: Token, env: Env, with_id: bool = True, alt: str | None = None) -> str:
        context: RenderContext = env["context"]
        src = str(image.attrGet("src") or "")
        if not src.startswith("data:"):
            src = context.resource_url((context.chapter.path.parent / src).resolve())
        if alt is None:
            alt = plain_text(image.children or [])
        attributes = {"src": src, "alt": alt}
        sizes = [f"{name}: {css_size(str(image.attrGet(name)))}" for name in ("width", "height")
                 if image.attrGet(name)]
        if sizes:
            attributes["style"] = "; ".join(sizes)
        if with_id and image.attrGet("id"):
            attributes["id"] = str(image.attrGet("id"))
        if with_id and image.attrGet("class"):
            attributes["class"] = str(image.attrGet("class"))
        if "decorative" in str(image.attrGet("class") or "").split():
            attributes["alt"] = ""
            attributes["role"] = "presentation"
        rendered = "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in attributes.items())
        return f"<img{rendered}/>"

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        return self._image_tag(tokens[idx], env)

    def div_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        context: RenderContext = env["context"]
        token = tokens[idx]
        classes = token.meta.get("classes", [])
        callouts = context.labels.get("callouts", {})
        kind = next((name for name in classes if name in callouts), None)
        attributes = {name: str(value) for name, value in token.attrItems() if name not in ("class", "title")}
        css = " ".join(classes)
        if "glossary" in classes:
            attributes["role"] = "doc-glossary"
            if context.target.epub_semantics:
                attributes["epub:type"] = "glossary"
        if kind is None:
            rendered = "".join(f' {n}="{html.escape(v)}"' for n, v in attributes.items())
            out = f'<div class="{html.escape(css)}"{rendered}>\n' if css else f"<div{rendered}>\n"
            return out + self._box_label(tokens, idx, classes, context)
        context.callouts += 1
        label_id = f"callout-{context.chapter.id}-{context.callouts}"
        label = html.escape(callouts[kind])
        rendered = "".join(f' {n}="{html.escape(v)}"' for n, v in attributes.items())
        out = (f'<div class="callout {html.escape(css)}" role="note" aria-labelledby="{label_id}"{rendered}>\n'
               f'<p class="callout-label" id="{label_id}">{label}</p>\n')
        title = token.attrGet("title")
        if title:
            out += f'<p class="callout-title">{html.escape(str(title))}</p>\n'
        return out

    @staticmethod
    def _box_label(tokens: Sequence[Token], idx: int, classes: Sequence[str], context: RenderContext) -> str:
        """The heading label of a box that is not a callout (``::: questions``), unless a heading just said it."""
        boxes = context.labels.get("boxes", {})
        kind = next((name for name in classes if name in boxes), None)
        if kind is None or (idx > 0 and tokens[idx - 1].type == "heading_close"):
            return ""
        return f'<p class="box-label">{html.escape(boxes[kind])}</p>\n'

    def div_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        return "</div>\n"

    def table_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        token = tokens[idx]
        caption = token.meta.get("caption") if token.meta else None
        attributes = "".join(f' {name}="{html.escape(str(token.attrGet(name)))}"' for name in ("id", "class")
                             if token.attrGet(name))
        out = f"<table{attributes}>\n"
        label = crossref_label(token, env)
        if caption is not None or label:
            text = self.renderInline(caption.children or [], options, env) if caption is not None else ""
            if label:
                text = f'<span class="table-label">{html.escape(label)}:</span> {text}'
            out += f"<caption>{text}</caption>\n"
        widths = token.meta.get("widths") if token.meta else None
        if widths:
            # Pandoc's relative widths of grid and multiline tables, scaled to the table's width.
            out += "<colgroup>" + "".join(f'<col style="width: {100 * width:.0f}%"/>' for width in widths) \
                + "</colgroup>\n"
        return out

    # -- code ----------------------------------------------------------------

    def code_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        """An indented code block: as a fenced one without a language."""
        content = tokens[idx].content
        return f"{_pre_tag(content)}<code>{escapeHtml(content)}</code></pre>\n"

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        """A code block; with a language Pygments knows, highlighted (classes styled by the theme's CSS)."""
        token = tokens[idx]
        language = code_language(token.info)
        lexer = _lexer(language) if language else None
        if lexer is None:
            css = f' class="language-{html.escape(language)}"' if language else ""
            return f"{_pre_tag(token.content)}<code{css}>{html.escape(token.content)}</code></pre>\n"
        highlighted = pygments.highlight(token.content, lexer, _FORMATTER)
        return (f'{_pre_tag(token.content, "highlight")}<code class="language-{html.escape(language)}">'
                f"{highlighted}</code></pre>\n")

    # -- math ----------------------------------------------------------------

    def _math(self, token: Token, env: Env, block: bool) -> str:
        """A formula: MathML in the EPUB, an SVG image with the TeX source as its alt text in print."""
        rendering: MathRendering | None = (token.meta or {}).get("math")
        display = token.type != "math_inline"
        kind = "display" if display else "inline"
        element = "div" if block else "span"
        attributes = f' id="{html.escape(str(token.attrGet("id")))}"' if token.attrGet("id") else ""
        number = (token.meta or {}).get("crossref", (None, ""))[1]
        suffix = f'<span class="equation-number">({html.escape(number)})</span>' if number else ""
        drawn = env["context"].target.drawn_formulas
        drawing = draw_math(rendering.mathml) if rendering and rendering.mathml and drawn else None
        if rendering is None or rendering.problem or (drawn and drawing is None):
            # Reported as a warning by the parser (markdown/math.py); printed as the author wrote it.
            source = ("$$" if display else "$") + token.content.strip() + ("$$" if display else "$")
            return (f'<{element} class="math-source {kind}"{attributes}><code>{html.escape(source)}</code>'
                    f'{suffix}</{element}>')
        if drawing is None:
            body = rendering.mathml
        else:
            style = (f"width: {drawing.width_em:.3f}em; height: {drawing.height_em:.3f}em; "
                     f"vertical-align: {-drawing.depth_em:.3f}em")
            body = (f'<img class="math {kind}" src="{drawing.data_url}" '
                    f'alt="{html.escape(rendering.tex)}" style="{style}"/>')
        return f'<{element} class="math {kind}"{attributes}>{body}{suffix}</{element}>' + ("\n" if block else "")

    def math_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        return self._math(tokens[idx], env, block=False)

    def math_inline_double(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        return self._math(tokens[idx], env, block=False)

    def math_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        return self._math(tokens[idx], env, block=True)

    # -- Pandoc text extensions: strikeout, task lists ----------------------

    def s_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        return "<del>"  # Pandoc's strikeout is a deletion

    def s_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        return "</del>"

    def softbreak(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        """A line break of the source is a space, as in Pandoc; in a note it must be one.

        A newline in a page-bottom footnote is printed as a line break, so a
        note written over several source lines would keep the source's lines.
        """
        return " " if env["context"].note_depth else "\n"

    def ordered_list_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        """A list's start (``4.``, ``iv.``, ``(d)``) in print too: WeasyPrint does not read ``start`` itself."""
        markup = self.renderToken(tokens, idx, options, env)
        start = tokens[idx].attrGet("start")
        if env["context"].target.styled_list_starts and start is not None and str(start).lstrip("-").isdigit():
            markup = markup.replace("<ol", f'<ol style="counter-reset: list-item {int(start) - 1}"', 1)
        return markup

    def task_checkbox(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        """A task list's check box, read out with the item's text that the label wraps."""
        checked = ' checked="checked"' if tokens[idx].meta.get("checked") else ""
        return f'<label><input type="checkbox" disabled="disabled"{checked}/>'

    def task_label_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        return "</label>"

    # -- raw HTML ----------------------------------------------------------

    def page_break(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        return '<div class="page-break"></div>\n'

    def html_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        return sanitize_block(tokens[idx].content)

    def html_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        balancer: InlineHtmlBalancer = env.setdefault("balancer", InlineHtmlBalancer())
        return balancer.tag(tokens[idx].content)

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Env) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        classes = str(token.attrGet("class") or "").split()
        attributes = {"href": href}
        if token.attrGet("title"):
            attributes["title"] = str(token.attrGet("title"))
        if token.attrGet("id"):
            attributes["id"] = str(token.attrGet("id"))
        if "pageref" in classes and href[1:] in env["context"].front_ids:
            classes = classes + ["pageref-roman"]
        if "pageref" in classes and env["context"].target.page_references:
            before, after = label_around(env["context"].labels["page_abbreviation"], "page")
            attributes["data-page-before"], attributes["data-page-after"] = before, after
        if classes:
            attributes["class"] = " ".join(classes)
        if not href.startswith("#"):
            attributes["class"] = " ".join(classes + ["external"])
        return "<a" + "".join(f' {n}="{html.escape(v)}"' for n, v in attributes.items()) + ">"

    def renderInline(self, tokens: Sequence[Token], options: OptionsDict, env: Env) -> str:  # noqa: N802
        balancer: InlineHtmlBalancer = env.setdefault("balancer", InlineHtmlBalancer())
        tokens = self._attach_note_calls(tokens, env)
        out = []
        for index, token in enumerate(tokens):
            if balancer.dropping and token.type != "html_inline":
                continue  # the content of a <script> or <style> written inline
            if token.type in self.rules:
                out.append(self.rules[token.type](tokens, index, options, env))
            else:
                out.append(self.renderToken(tokens, index, options, env))
        return "".join(out) + balancer.close_all()


_FORMATTER = HtmlFormatter(nowrap=True)


def crossref_label(token: Token, env: Env) -> str:
    """The label of a target the cross-reference stage numbered ("Figure 3.2"), or an empty string."""
    kind, number = (token.meta or {}).get("crossref", (None, ""))
    if not kind:
        return ""
    from ..labels import fill_label

    return fill_label(str(env["context"].labels.get("crossrefs", {}).get(kind, kind)), number=number)


def code_language(info: str) -> str:
    """The language of a fenced code block: ```python, ``` python, or ```{.python .numberLines}."""
    info = info.strip()
    if info.startswith("{"):
        match = re.search(r"\.([A-Za-z0-9_+#-]+)", info)
        return match[1] if match else ""
    return info.split()[0] if info else ""


@lru_cache(maxsize=256)
def _lexer(language: str):
    try:
        return get_lexer_by_name(language.lower(), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def _plain_caption(children: Sequence[Token], context: RenderContext) -> str:
    """A caption as plain text for an image's alt text: citations as the citation stage printed them."""
    parts = []
    for child in children:
        if child.type == "citation" and context.citations is not None:
            rendered = context.citations.citations.get(child.meta.get("id", ""))
            if rendered is not None and rendered.text:
                parts.append(re.sub(r"<[^>]+>", "", html.unescape(rendered.text)))
        elif child.type in ("text", "code_inline", "math_inline", "math_inline_double"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


_RENDERER = BookRenderer()


def render_tokens(tokens: Sequence[Token], context: RenderContext) -> str:
    """Block tokens as HTML; notes met on the way are added to the context."""
    return _RENDERER.render(tokens, _OPTIONS, {"context": context})


def render_inline(children: Sequence[Token], context: RenderContext) -> str:
    return _RENDERER.renderInline(children, _OPTIONS, {"context": context})
