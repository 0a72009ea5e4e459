"""Turn Markdown text into markdown-it tokens, with the extensions a book needs.

CommonMark plus: YAML front matter, tables, strikethrough, footnotes,
definition lists, heading attributes (``{#id .class}``), inline attributes and
bracketed spans (``[answer]{.teacher}``), fenced divs (``::: note``), figures,
smart typography and Pandoc citations.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from .blocks import blocks_plugin
from .citation_syntax import citation_plugin
from .fenced_divs import fenced_div_plugin
from .nesting import nesting_plugin

# Opening and closing double, then single quotes, by primary language subtag.
QUOTES = {
    "en": "“”‘’",
    "hu": ["„", "”", "»", "«"],
    "de": "„“‚‘",
    "fr": ["«\u202f", "\u202f»", "‹\u202f", "\u202f›"],
    "es": "«»“”",
    "it": "«»“”",
    "pl": "„”‚’",
    "cs": "„“‚‘",
    "nl": "‘’‚’",
}

# Attributes a writer may set with {...}; anything else (event handlers,
# style, src) is dropped, so attributes cannot inject behaviour or fetch files.
ALLOWED_ATTRIBUTES = ("id", "class", "title", "lang", "width", "height", "role", "start", "alt")


@lru_cache(maxsize=8)
def make_parser(language: str = "en") -> MarkdownIt:
    """A markdown-it parser for chapters written in *language* (a BCP 47 tag)."""
    primary = language.split("-")[0].lower()
    md = MarkdownIt(
        "commonmark",
        {"typographer": True, "quotes": QUOTES.get(primary, QUOTES["en"]), "html": True},
    )
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(front_matter_plugin)
    md.use(footnote_plugin)
    md.use(deflist_plugin)
    md.use(fenced_div_plugin)
    md.use(citation_plugin)
    md.use(attrs_plugin, spans=True, allowed=ALLOWED_ATTRIBUTES)
    md.use(blocks_plugin)
    md.use(nesting_plugin)  # past the nesting limit, text is flattened and reported, never dropped
    return md
