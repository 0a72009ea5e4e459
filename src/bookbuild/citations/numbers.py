"""Turn page ranges, editions and locators into the forms a style prints ("101–10", "2nd ed.", "chap. 2")."""

from __future__ import annotations

import re

from .locale import Locale

_RANGE = re.compile(r"^\s*([A-Za-z]*)(\d+)\s*(?:-+|–|—)\s*([A-Za-z]*)(\d+)\s*$")
_RANGE_SEPARATOR = re.compile(r"\s*(?:-+|–|—)\s*")


def page_range(text: str, range_format: str = "expanded", delimiter: str = "–") -> str:
    """"163--214" -> "163–214"; "101-110" -> "101–10" (chicago, minimal-two) or "101–110" (expanded)."""
    pieces = re.split(r"(\s*[,&]\s*|\s+and\s+)", text.strip())
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:
            separator = piece.strip()
            out.append(", " if separator == "," else f" {separator} ")
        else:
            out.append(_one_range(piece, range_format, delimiter))
    return "".join(out)


def _one_range(text: str, range_format: str, delimiter: str) -> str:
    match = _RANGE.match(text)
    if not match:
        return _RANGE_SEPARATOR.sub(delimiter, text) if re.search(r"\w\s*(?:-+|–|—)\s*\w", text) else text
    first_prefix, first, second_prefix, second = match.groups()
    if first_prefix != second_prefix and second_prefix:
        return f"{first_prefix}{first}{delimiter}{second_prefix}{second}"
    if len(second) < len(first):
        # Already abbreviated in the source ("321-28"): expand it before applying the style's rule; when the
        # expansion would not be a later page ("2016--01", a date or an issue span), keep what was written.
        expanded = first[: len(first) - len(second)] + second
        if int(expanded) <= int(first):
            return f"{first_prefix}{first}{delimiter}{second_prefix}{second}"
        second = expanded
    if int(second) <= int(first) or range_format in ("expanded", "as-written"):
        end = second
    else:
        end = _abbreviate(first, second, range_format)
    return f"{first_prefix}{first}{delimiter}{first_prefix if second_prefix else ''}{end}"


def _abbreviate(first: str, second: str, range_format: str) -> str:
    if len(first) != len(second):
        return second
    if range_format == "minimal":
        return _keep_changed(first, second, 1)
    if range_format == "minimal-two":
        return _keep_changed(first, second, 2)
    # Chicago: under 100, all digits; 100 or multiples of 100, all digits;
    # 101 through 109 (in multiples of 100), only the changed part; 110 through 199,
    # two digits or more as needed; four digits with three changing, all digits.
    number = int(first)
    if number < 100 or number % 100 == 0:
        return second
    if number % 100 < 10:
        return _keep_changed(first, second, 1)
    shortened = _keep_changed(first, second, 2)
    if len(first) == 4 and len(shortened) >= 3:
        return second
    return shortened


def _keep_changed(first: str, second: str, minimum: int) -> str:
    same = 0
    while same < len(first) and first[same] == second[same]:
        same += 1
    keep = max(len(second) - same, minimum)
    return second[-keep:] if keep < len(second) else second


def is_range(text: str) -> bool:
    return bool(re.search(r"\w\s*(?:-+|–|—|,|&)\s*\w", text))


_NUMBER_SEPARATOR = re.compile(r"\s*(?:-+|–|—|,|&)\s*")
_NUMBER_TOKEN = re.compile(r"^[^\W\d_]*\d+[^\W\d_]*$")


def is_numeric(text: str) -> bool:
    """CSL's test for a number variable: only numbers, each with an optional prefix or suffix of letters ("D2",
    "2b"), separated by a hyphen, comma or ampersand ("99-02", "2 & 4"); "RC-6947" and "EU-29702195U" are not."""
    tokens = _NUMBER_SEPARATOR.split(str(text).strip())
    return bool(tokens) and all(_NUMBER_TOKEN.match(token) for token in tokens)


def several_numbers(text: str) -> bool:
    """Whether a number variable holds more than one number, which CSL labels in the plural ("nos. 99-02")."""
    return len([token for token in _NUMBER_SEPARATOR.split(str(text).strip()) if token]) > 1


def edition(text: str, locale: Locale) -> str:
    """"2" -> "2nd ed."; words ("Revised edition") are kept as written."""
    text = text.strip()
    if text.isdigit():
        return f"{locale.ordinal(int(text))} {locale.term('edition', 'short')}"
    return text


def locator(value: str, label: str, locale: Locale, range_format: str = "expanded", page_label: bool = False,
            form: str = "short") -> str:
    """"12" -> "12" (or "p. 12"), "33-35" -> "33–35", chapter "2" -> "chap. 2"."""
    if not value:
        return ""
    text = page_range(value, range_format, locale.range_delimiter) if label == "page" else \
        page_range(value, "expanded", locale.range_delimiter)
    if label == "page" and not page_label:
        return text
    term = label.replace(" ", "-")
    if not locale.has_term(term):
        return text
    return f"{locale.term(term, form, plural=is_range(value))} {text}"
