"""Turn a NameList into the names a style prints ("Csaba Békés et al.", "Fuente, M. de la, & King, M., Jr.").

A particle ("von", "de la") is shown with the name but dropped from the
short form and from sorting, as biblatex does by default: "Ludwig von
Mises", "Mises, Ludwig von", "Mises".  With biblatex's ``useprefix`` (a
name's or an entry's option) it belongs to the family name: "von Mises,
Ludwig", "von Mises", sorted under V.  A body's name is always shown whole.

Hungarian names are written family name first ("Nagy Imre"), in running
text, notes and bibliography alike, when the book is in Hungarian and the
work is marked as Hungarian (``langid = {hungarian}``): such a list is a
:class:`FamilyFirstNames`.
"""

from __future__ import annotations

import re
import unicodedata

from ..bibliography import Name, NameList
from .locale import Locale, language_of

ORDERS = ("given-first", "family-first", "first-family-first")
# Languages whose names are written family name first, without a comma, in their own texts.
FAMILY_FIRST_LANGUAGES = frozenset({"hu"})


class FamilyFirstNames(NameList):
    """Names written family name first in the book's language: "Nagy Imre", "Rainer M. János"."""


def family_first(names: NameList, book_language: str, work_language: str) -> NameList:
    """*names* as FamilyFirstNames when the book and the work share a family-first language, else unchanged."""
    language = language_of(work_language)
    if names and language and language == book_language and language in FAMILY_FIRST_LANGUAGES:
        return FamilyFirstNames(names.names, names.others)
    return names
DELIMITER_RULES = ("contextual", "always", "never", "after-inverted-name")


def initials(given: str, initialize_with: str = ". ") -> str:
    """"Johanna C." -> "J. C."; "Jean-Paul" -> "J.-P."; "J.C." -> "J. C."."""
    mark = initialize_with.strip()
    space = " " if initialize_with.endswith(" ") else ""
    words = []
    for word in re.split(r"[\s\u00a0]+|(?<=\.)(?=\w)", given.strip()):
        letters = [piece.lstrip("({[")[:1].upper() for piece in word.split("-") if piece.lstrip("({[")[:1].isalpha()]
        if letters:
            words.append("-".join(letter + mark for letter in letters))
    return space.join(words)


def format_name(name: Name, inverted: bool, short: bool, use_initials: bool,
                sort_separator: str = ", ", initialize_with: str = ". ", family_first: bool = False) -> str:
    if name.literal:
        return name.literal
    if short:
        return f"{name.particle} {name.family}" if name.useprefix and name.particle else name.family
    given = initials(name.given, initialize_with) if use_initials and name.given else name.given
    if family_first:
        # "Nagy Imre", "Rainer M. János": the same whether the style inverts names or not.
        return " ".join(part for part in (name.particle, name.family, given, name.suffix) if part)
    if inverted:
        rest = " ".join(part for part in (given, name.particle) if part)
        text = name.family
        if rest:
            text += sort_separator + rest
        if name.suffix:
            text += sort_separator + name.suffix
        return text
    return " ".join(part for part in (given, name.particle, name.family, name.suffix) if part)


def format_names(
    names: NameList,
    locale: Locale,
    *,
    order: str = "given-first",
    form: str = "long",
    initials: bool = False,
    initialize_with: str = ". ",
    et_al_min: int = 0,
    et_al_use_first: int = 1,
    et_al_use_last: bool = False,
    conjunction: str = "text",
    delimiter: str = ", ",
    delimiter_before_last: str = "contextual",
    delimiter_before_et_al: str = "contextual",
    sort_separator: str = ", ",
) -> str:
    """The names of *names* joined as one phrase.

    *order*: "given-first" (Charles Gati), "family-first" (Gati, Charles) or
    "first-family-first" (only the first name inverted, as in bibliographies).
    *form*: "long" or "short" (family names only).  With *et_al_min* names or
    more, only *et_al_use_first* are shown, then "et al." (or, with
    *et_al_use_last*, "…" and the last name).  *conjunction*: "text" (and),
    "symbol" (&) or "" (none).
    """
    if order not in ORDERS:
        raise ValueError(f"unknown name order '{order}' (use one of {', '.join(ORDERS)})")
    for rule in (delimiter_before_last, delimiter_before_et_al):
        if rule not in DELIMITER_RULES:
            raise ValueError(f"unknown delimiter rule '{rule}' (use one of {', '.join(DELIMITER_RULES)})")
    people = list(names.names)
    if not people:
        return ""
    short = form == "short"
    shown = people
    truncated = names.others
    use_last = False
    if et_al_min and len(people) >= et_al_min and et_al_use_first < len(people):
        shown = people[:et_al_use_first]
        truncated = True
        use_last = et_al_use_last
    texts = []
    inverted_flags = []
    eastern = isinstance(names, FamilyFirstNames)
    for index, name in enumerate(shown):
        inverted = not short and not eastern and (
            order == "family-first" or (order == "first-family-first" and index == 0))
        inverted_flags.append(inverted and not name.literal)
        texts.append(format_name(name, inverted, short, initials, sort_separator, initialize_with, eastern))
    if truncated and use_last:
        last = format_name(people[-1], order == "family-first" and not short and not eastern, short, initials,
                           sort_separator, initialize_with, eastern)
        return delimiter.join(texts) + delimiter + "… " + last
    if truncated:
        et_al = locale.term("et-al")
        comma = _use_delimiter(delimiter_before_et_al, len(texts), inverted_flags[-1], et_al=True)
        return delimiter.join(texts) + (delimiter if comma else " ") + et_al
    if len(texts) == 1:
        return texts[0]
    word = ""
    if conjunction:
        word = locale.term("and", "symbol" if conjunction == "symbol" else "long")
    # The comma before "and" is English usage (the serial comma, and the comma closing an inverted name);
    # other languages join the last name with the word alone: "Izsák Lajos és Szabó József".
    comma = _use_delimiter(delimiter_before_last, len(texts), inverted_flags[-2]) and \
        (not word or language_of(locale.tag) == "en")
    head = delimiter.join(texts[:-1])
    if not word:
        return head + delimiter + texts[-1]
    return head + (delimiter if comma else " ") + word + " " + texts[-1]


def _use_delimiter(rule: str, count: int, last_inverted: bool, et_al: bool = False) -> bool:
    """Whether the delimiter goes before "and" (or "et al."): "contextual" means with three names or more
    (before "et al.": two or more, or after an inverted name, as in "Gati, Charles, et al.")."""
    if rule == "always":
        return True
    if rule == "never":
        return False
    if rule == "after-inverted-name":
        return last_inverted
    if et_al:
        return count >= 2 or last_inverted
    return count >= 3


# A few letters that Unicode does not decompose but that sort with a base letter.
_SORT_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "æ": "ae",
                               "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "þ": "th", "Þ": "Th", "ı": "i"})


def sort_text(text: str) -> str:
    """*text* folded for alphabetical sorting: accents and case ignored."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SORT_LETTERS))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^\w\s]", "", stripped).casefold().strip()


def name_sort_key(name: Name, collate=None) -> tuple:
    """The sort key of a name; *collate* (from :func:`collation`) orders by a language's alphabet."""
    key = collate or sort_text
    if name.literal:
        return (key(re.sub(r"^(The|A|An)\s+", "", name.literal)), key(""))
    if name.useprefix and name.particle:
        return (key(f"{name.particle} {name.family}"), key(name.given))
    return (key(name.family), key(" ".join(part for part in (name.given, name.particle) if part)))


def collation(language: str):
    """A sort key for text in *language*'s alphabetical order (Hungarian: cs after c, ö after o, zs after z),
    by the Unicode CLDR collation rules through ICU; English keeps :func:`sort_text`."""
    if language == "en":
        return sort_text
    collator = _collator(language)

    def key(text: str) -> bytes:
        return collator.getSortKey(re.sub(r"[^\w\s]", "", text).strip())

    return key


_COLLATORS: dict = {}


def _collator(language: str):
    import icu  # type: ignore[import-untyped]

    if language not in _COLLATORS:
        collator = icu.Collator.createInstance(icu.Locale(language))
        collator.setStrength(icu.Collator.SECONDARY)  # letters and accents count, case does not
        _COLLATORS[language] = collator
    return _COLLATORS[language]
