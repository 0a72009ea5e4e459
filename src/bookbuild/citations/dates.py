"""Turn a Date into words ("November 4, 1956", "25 Feb. 1956", "1956–57", "Winter 1928", "ca. 1850", "1860s")."""

from __future__ import annotations

from ..bibliography import Date
from .locale import Locale

# Named shapes a template may ask for; a part the date lacks is left out.
DATE_FORMS = ("year", "month-year", "month-day-year", "month-day", "day-month-year", "month", "iso")
_SEASON_TERMS = {"spring": "season-01", "summer": "season-02", "autumn": "season-03", "winter": "season-04"}


def format_date(date: Date | None, locale: Locale, form: str = "year", months: str = "long",
                circa: bool = True) -> str:
    """*date* in the *form* asked for; a range is joined by the locale's range delimiter, an open end left open.

    EDTF's marks are shown as biblatex shows them: an approximate date after
    "ca." (with *circa*), an uncertain one followed by "?", unspecified digits
    as a decade ("1860s") or a century ("20th century").
    """
    if not date:
        return ""
    if date.literal and date.year is None and not date.open_start:
        return date.literal
    if form not in DATE_FORMS:
        raise ValueError(f"unknown date form '{form}' (use one of {', '.join(DATE_FORMS)})")
    text = "" if date.open_start else _one(date, locale, form, months)
    if date.end is not None:
        if date.end.year is None:
            text += locale.range_delimiter
        else:
            text += locale.range_delimiter + _one(date.end, locale, form, months)
    if date.approximate and circa and locale.has_term("circa"):
        text = f"{locale.term('circa', 'short')} {text}"
    return text


def season_name(season: str, locale: Locale) -> str:
    """"Winter": the locale's term for the season, or its English name."""
    term = _SEASON_TERMS.get(season, "")
    if term and locale.has_term(term):
        return locale.term(term)
    return season.capitalize()


def _year(date: Date, locale: Locale) -> str:
    if date.year is None:
        return ""
    if date.unspecified == "year":
        return f"{date.year}s"
    if date.unspecified == "decade":
        century = date.year // 100 + 1
        return f"{locale.ordinal(century)} century"
    return str(date.year) + ("?" if date.uncertain else "")


# The written-out forms that follow the locale's own order outside English ("2006. november 4.").
_LOCALE_ORDERED = ("month-day-year", "day-month-year", "month-year")


def _one(date: Date, locale: Locale, form: str, months: str) -> str:
    year = _year(date, locale)
    month = locale.month(date.month, months) if date.month else ""
    if not month and date.season:
        month = season_name(date.season, locale)
    day = str(date.day) if date.day and date.month else ""
    if form in _LOCALE_ORDERED and locale.date_parts and locale.language != "en" and year:
        return _in_locale_order(locale, {"year": year, "month": month, "day": day if form != "month-year" else ""},
                                date.day)
    if form == "year":
        return year
    if form == "iso":
        return "-".join(part for part in (str(date.year) if date.year is not None else "",
                                           f"{date.month:02d}" if date.month else "",
                                           f"{date.day:02d}" if day else "") if part)
    if form == "month":
        return month
    if form == "month-year":
        return " ".join(part for part in (month, year) if part)
    if form == "month-day":
        return " ".join(part for part in (month, day) if part)
    if form == "day-month-year":
        return " ".join(part for part in (day, month, year) if part)
    # month-day-year
    if month and day:
        return f"{month} {day}, {year}" if year else f"{month} {day}"
    return " ".join(part for part in (month, year) if part)


def _in_locale_order(locale: Locale, values: dict[str, str], day_number: int | None) -> str:
    """The parts in the order and with the punctuation of the CSL locale's text date."""
    out: list[str] = []
    for name, form, prefix, suffix in locale.date_parts:
        value = values.get(name, "")
        if not value:
            continue
        if name == "day" and form == "ordinal" and day_number and (
                day_number == 1 or not locale.limit_day_ordinals_to_day_1):
            value = locale.ordinal(day_number)
        out.append((prefix if out else "") + value + suffix)
    return "".join(out).strip().rstrip(",").strip()
