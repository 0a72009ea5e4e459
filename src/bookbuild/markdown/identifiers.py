"""Turn heading text into identifiers the way Pandoc's ``auto_identifiers`` does.

Pandoc makes an id from the heading's plain text (footnotes left out):

* every character that is not a letter, a number, ``_``, ``-``, ``.`` or
  white space is removed (so ``–`` and combining accents go, ``½`` stays);
* the text is lowercased and runs of white space become one ``-``;
* everything before the first letter is removed;
* an empty result is ``section``.

A second heading with the same id gets ``-1``, a third ``-2`` and so on,
skipping any id already taken in the book.  Pandoc-style internal links
(``[see](#general-options)``) therefore resolve in bookbuild too.
"""

from __future__ import annotations


def _allowed(char: str) -> bool:
    return char.isalnum() or char in "_-." or char.isspace()


def pandoc_identifier(text: str) -> str:
    """The id Pandoc gives a heading whose plain text is *text* (before making it unique)."""
    kept = "".join(char for char in text.lower() if _allowed(char))
    joined = "-".join(kept.split())
    first_letter = next((index for index, char in enumerate(joined) if char.isalpha()), len(joined))
    return joined[first_letter:]


def unique_identifier(base: str, used: set[str] | dict) -> str:
    """*base* or, if taken, the first of ``base-1``, ``base-2``, … that is free."""
    wanted = base or "section"
    if wanted not in used:
        return wanted
    counter = 1
    while f"{wanted}-{counter}" in used:
        counter += 1
    return f"{wanted}-{counter}"
