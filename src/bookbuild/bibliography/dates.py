"""Turn biblatex date fields into :class:`Date` values.

biblatex reads ``date``, ``origdate``, ``eventdate``, ``urldate`` (and any
``…date``) as ISO 8601-2 (EDTF level 1): ``1988``, ``1988-05``,
``1988-05-04``, ranges ``1988/1992``, open ranges ``1988/`` and ``/1992``
(also ``../1992``), uncertain ``1850?``, approximate ``1850~``, both
``1850%``, unspecified digits ``186X`` and ``19XX``, seasons ``1928-21`` to
``1928-24``, and date-times ``2015-04-22T11:10:00`` (with a zone).  Without
``date``, the ``year`` and ``month`` fields are read: the month as a number, a
name, an abbreviation or a season.
"""

from __future__ import annotations

import re

from .model import Date

MONTH_MACROS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May", "jun": "June",
    "jul": "July", "aug": "August", "sep": "September", "oct": "October", "nov": "November", "dec": "December",
}
_MONTH_NAMES = {name.lower(): number for number, name in enumerate(MONTH_MACROS.values(), start=1)}
_MONTH_NAMES.update({abbr: number for number, abbr in enumerate(MONTH_MACROS, start=1)})
_MONTH_NAMES.update({"sept": 9, "febr": 2, "aug.": 8})
_SEASON_NAMES = {"spring": "spring", "summer": "summer", "autumn": "autumn", "fall": "autumn", "winter": "winter"}
# EDTF level 1 seasons (21–24); level 2's hemisphere seasons (25–32) and quarters are read as the same season.
_SEASON_CODES = {21: "spring", 22: "summer", 23: "autumn", 24: "winter", 25: "spring", 26: "summer",
                 27: "autumn", 28: "winter", 29: "spring", 30: "summer", 31: "autumn", 32: "winter"}

_EDTF = re.compile(
    r"^(?P<year>[+-]?\d{4}|\d{1,3}|[+-]?\d{2}XX|[+-]?\d{3}X|XXXX)"
    r"(?:-(?P<month>\d{2}|XX|\d)(?:-(?P<day>\d{2}|XX|\d))?)?"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?))?"
    r"(?P<flag>[~?%]?)$")


def parse_date(text: str) -> Date | None:
    """An ISO 8601 / EDTF date ("1956-11-04", "1956/1957", "1850~", "186X", "1928-24"), or None."""
    text = text.strip()
    if "/" in text:
        start_text, _, end_text = text.partition("/")
        start_text, end_text = start_text.strip(), end_text.strip()
        start_open = start_text in ("", "..")
        end_open = end_text in ("", "..")
        if start_open and end_open:
            return None
        start = None if start_open else _one(start_text)
        end = Date(literal="open") if end_open else _one(end_text)
        if (not start_open and start is None) or end is None:
            return None
        if start is None:
            return Date(end=end, open_start=True)
        return Date(start.year, start.month, start.day, end=end, approximate=start.approximate,
                    uncertain=start.uncertain, unspecified=start.unspecified, season=start.season, time=start.time)
    return _one(text)


def _one(text: str) -> Date | None:
    match = _EDTF.match(text.strip())
    if not match:
        return None
    year_text = match.group("year")
    month_text = match.group("month")
    day_text = match.group("day")
    unspecified = ""
    if "X" in year_text:
        if year_text == "XXXX":
            return None
        unspecified = "decade" if year_text.endswith("XX") else "year"
        year = int(year_text.replace("X", "0"))
        month_text = day_text = None
    else:
        year = int(year_text)
    month = day = None
    season = ""
    if month_text == "XX":
        unspecified = unspecified or "month"
        day_text = None
    elif month_text is not None:
        number = int(month_text)
        if number in _SEASON_CODES:
            if day_text is not None:
                return None
            season = _SEASON_CODES[number]
        elif 1 <= number <= 12:
            month = number
        else:
            return None
    if day_text == "XX":
        unspecified = unspecified or "day"
    elif day_text is not None:
        day = int(day_text)
        if not 1 <= day <= _days_in(year, month or 1):
            return None
    flag = match.group("flag")
    return Date(year, month, day, approximate=flag in ("~", "%"), uncertain=flag in ("?", "%"),
                unspecified=unspecified, season=season, time=match.group("time") or "")


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_month(text: str) -> int | None:
    """The month of a ``month`` field ("3", "March", "mar", "Mar."), or None."""
    text = text.strip().rstrip(".").lower()
    if text.isdigit():
        number = int(text)
        return number if 1 <= number <= 12 else None
    return _MONTH_NAMES.get(text)


def parse_season(text: str) -> str:
    """The season a ``month`` field names ("Winter", "fall", "22"), or ""."""
    text = text.strip().rstrip(".").lower()
    if text.isdigit():
        return _SEASON_CODES.get(int(text), "")
    return _SEASON_NAMES.get(text, "")


def is_placeholder(text: str) -> bool:
    """Whether a value only holds the marks people write for "unknown" ("??", "????", "--", "n.d.")."""
    return bool(re.fullmatch(r"[?\-–—_.x ]*|n\.?\s*d\.?|unknown", text.strip().lower()))

