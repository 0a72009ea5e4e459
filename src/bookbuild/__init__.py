"""bookbuild: one manuscript (Markdown and BibTeX) to a print-ready PDF, an EPUB 3 and classroom handouts."""

__version__ = "0.1.0"
