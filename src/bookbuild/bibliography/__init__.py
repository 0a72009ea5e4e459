"""Turn a BibTeX or biblatex file into references: ``{key: Reference}``, read as biber reads it.

The package's parts, in the order data flows through them:

* :mod:`.values` splits the file into blocks and evaluates the values
  (braces, quotes, ``#``, ``@string`` and month macros);
* :mod:`.datamodel` folds BibTeX types and fields into biblatex's and merges
  xdata and crossref parents by biblatex's inheritance table;
* :mod:`.latex` decodes LaTeX into :class:`RichText`; :mod:`.names` splits
  names; :mod:`.dates` reads biblatex's dates; :mod:`.links` makes DOIs
  and URLs valid links;
* :mod:`.reader` puts them together into a :class:`Bibliography`, whose
  problems :func:`report_problems` turns into warnings and errors;
* :mod:`.model` holds the values handed on.
"""

from .datamodel import FIELD_ALIASES, TYPE_ALIASES
from .dates import MONTH_MACROS, parse_date, parse_month
from .latex import decode_latex, latex_to_plain
from .model import (
    Bibliography,
    Date,
    EntryProblem,
    Name,
    NameList,
    Reference,
    RichText,
    Span,
)
from .names import parse_name, parse_names
from .reader import NAME_FIELDS, load_bibliography, parse_bibliography, report_problems
from .values import MAX_BIBLIOGRAPHY_BYTES

__all__ = [
    "FIELD_ALIASES", "MAX_BIBLIOGRAPHY_BYTES", "MONTH_MACROS", "NAME_FIELDS", "TYPE_ALIASES",
    "Bibliography", "Date", "EntryProblem", "Name", "NameList", "Reference", "RichText", "Span",
    "decode_latex", "latex_to_plain", "load_bibliography", "parse_bibliography", "parse_date", "parse_month",
    "parse_name", "parse_names", "report_problems",
]
