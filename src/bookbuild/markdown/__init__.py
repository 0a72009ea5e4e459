"""Turn Markdown text into markdown-it tokens, with the extensions a book needs.

CommonMark plus: tables, strikethrough, footnotes,
definition lists, heading attributes (``{#id .class}``), inline attributes and
bracketed spans (``[answer]{.teacher}``), fenced divs (``::: note``), figures,
smart typography and Pandoc citations; Pandoc's superscript, subscript
and task lists (``pandoc_inline``); fancy and example lists (``fancy_lists``);
implicit header references (``header_references``).  A chapter's YAML block is read,
and blanked, before parsing (``metadata.yaml_block``).
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from ..citations.locale import quotation_marks
from .attribute_values import attribute_values_plugin
from .blocks import blocks_plugin
from .citation_syntax import citation_plugin
from .fancy_lists import fancy_lists_plugin
from .fenced_divs import fenced_div_plugin
from .header_references import header_references_plugin
from .line_blocks import line_block_plugin
from .math import math_plugin
from .nesting import nesting_plugin
from .pandoc_inline import pandoc_inline_plugin
from .pandoc_tables import pandoc_tables_plugin
from .raw import raw_plugin
from .typography import typography_plugin

# Attributes a writer may set with {...}; anything else (event handlers,
# style, src) is dropped, so attributes cannot inject behaviour or fetch files.
ALLOWED_ATTRIBUTES = ("id", "class", "title", "lang", "width", "height", "role", "start", "alt",
                      "fig-alt")


@lru_cache(maxsize=8)
def make_parser(language: str = "en") -> MarkdownIt:
    """A markdown-it parser for chapters written in *language* (a BCP 47 tag)."""
    # The same quotation marks as the book's citations and notes: the CSL locale of the language.
    md = MarkdownIt(
        "commonmark",
        {"typographer": True, "quotes": list(quotation_marks(language)), "html": True},
    )
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin)
    md.use(deflist_plugin)
    md.use(fenced_div_plugin)
    md.use(pandoc_tables_plugin)
    md.use(line_block_plugin)
    md.use(math_plugin)
    md.use(raw_plugin)
    md.use(citation_plugin)
    md.use(attribute_values_plugin)
    md.use(attrs_plugin, spans=True, allowed=ALLOWED_ATTRIBUTES)
    md.use(blocks_plugin)
    md.use(typography_plugin)
    md.use(pandoc_inline_plugin)
    md.use(fancy_lists_plugin)
    md.use(header_references_plugin)
    md.use(nesting_plugin)  # past the nesting limit, text is flattened and reported, never dropped
    return md
