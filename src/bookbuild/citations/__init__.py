"""Turn BibTeX references and the manuscript's citations into notes, in-text citations and a bibliography.

The stage's parts, in the order data flows through them:

* :mod:`.styles` loads a style (settings, locale, Jinja2 templates);
* :mod:`.views` shows a Reference and a citation item to the templates;
* :mod:`.names`, :mod:`.titles`, :mod:`.dates`, :mod:`.numbers` are the
  filters templates use; :mod:`.punctuation` cleans what they produce;
* :mod:`.resolve` renders the citations in reading order and the bibliography;
* :mod:`.preview` shows how every entry of a .bib file renders (``bookbuild refs``).
"""

from .model import BibliographyEntry, CitationResult, RenderedCitation
from .resolve import resolve_citations
from .styles import DEFAULT_STYLE, CitationStyle, known_styles, load_style

__all__ = [
    "BibliographyEntry",
    "CitationResult",
    "CitationStyle",
    "DEFAULT_STYLE",
    "RenderedCitation",
    "known_styles",
    "load_style",
    "resolve_citations",
]
