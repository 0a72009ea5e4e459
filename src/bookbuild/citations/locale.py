"""Turn a language tag ("en-GB") into a Locale: the words, months, dates and quotation marks of citations.

The data comes from the Citation Style Language locale files
(``citations/locales/locales-LANG-REGION.xml``, from the CSL project's
``locales`` repository, CC BY-SA 3.0: see ``citations/locales/ATTRIBUTION.md``).
A TOML file of the same tag (``hu-HU.toml``) adds the few words bookbuild's
styles use that CSL has no term for (the headings "Bibliography", "Works Cited",
the kinds of thesis) and any deliberate difference.  A project's
``styles/citations/locales/`` may hold either kind of file; it wins over the
package's.  A language is added by adding files, without touching code.  A
style may override terms and months in its own ``style.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from xml.etree import ElementTree

from ..errors import BookbuildError

PACKAGE_LOCALES = Path(__file__).parent / "locales"
DEFAULT_LOCALE = "en-US"
TERM_FORMS = ("long", "short", "verb", "verb-short", "symbol")
_FALLBACKS = {
    "long": ("long",),
    "short": ("short", "long"),
    "verb": ("verb", "long"),
    "verb-short": ("verb-short", "verb", "long"),
    "symbol": ("symbol", "short", "long"),
}


class TermError(LookupError):
    """A style asked for a term the locale does not have (a mistake in the style)."""


@dataclass(frozen=True)
class Locale:
    tag: str
    terms: Mapping[str, Mapping[str, object]] = field(repr=False)
    months_long: tuple[str, ...] = ()
    months_short: tuple[str, ...] = ()
    ordinals: Mapping[str, str] = field(default_factory=dict, repr=False)
    open_quote: str = "“"
    close_quote: str = "”"
    open_inner_quote: str = "‘"
    close_inner_quote: str = "’"
    punctuation_in_quote: bool = True
    range_delimiter: str = "–"
    # The CSL locale's "text" date: (part, form, prefix, suffix) for year, month and day, in order.
    date_parts: tuple[tuple[str, str, str, str], ...] = ()
    limit_day_ordinals_to_day_1: bool = False  # "1er novembre" but "4 novembre"

    @property
    def language(self) -> str:
        """The primary language subtag: "hu" for hu-HU."""
        return self.tag.split("-")[0].lower()

    def term(self, name: str, form: str = "long", plural: bool = False) -> str:
        """The term *name* in *form*, singular or plural."""
        entry = self.terms.get(name)
        if entry is None:
            raise TermError(f"unknown term '{name}'")
        if form not in _FALLBACKS:
            raise TermError(f"unknown term form '{form}' (use one of {', '.join(TERM_FORMS)})")
        for candidate in _FALLBACKS[form]:
            if candidate in entry:
                value = entry[candidate]
                if isinstance(value, (list, tuple)):
                    return str(value[1] if plural and len(value) > 1 else value[0])
                return str(value)
        raise TermError(f"term '{name}' has no form '{form}'")

    def has_term(self, name: str) -> bool:
        return name in self.terms

    def month(self, number: int, form: str = "long") -> str:
        months = self.months_short if form == "short" else self.months_long
        return months[number - 1]

    def ordinal(self, number: int) -> str:
        """"2" -> "2nd"."""
        text = str(number)
        exact = self.ordinals.get("=" + text)
        if exact is not None:
            return text + exact
        best = ""
        for ending in self.ordinals:
            if ending != "default" and not ending.startswith("=") and text.endswith(ending) and len(ending) > len(best):
                best = ending
        return text + self.ordinals.get(best, self.ordinals.get("default", ""))

    def with_overrides(self, overrides: Mapping[str, object]) -> Locale:
        """This locale with a style's own [terms] and [months] laid over it."""
        if not overrides:
            return self
        data = _locale_data(self)
        _merge_into(data, overrides)
        return _make_locale(self.tag, data)


def available_locales(extra_dirs: tuple[Path, ...] = ()) -> dict[str, Path]:
    """Every locale file, by tag; files in *extra_dirs* win over the package's."""
    found: dict[str, Path] = {}
    for folder in (PACKAGE_LOCALES, *extra_dirs):
        if folder.is_dir():
            for path in sorted(folder.glob("locales-*.xml")) + sorted(folder.glob("*.toml")):
                found[_tag_of(path)] = path
    return found


def _tag_of(path: Path) -> str:
    return path.stem.removeprefix("locales-") if path.suffix == ".xml" else path.stem


def choose_locale_tag(language: str, available: Mapping[str, Path]) -> str:
    """The best locale for *language*: the exact tag, else one of the same language (en-US first), else en-US."""
    by_lower = {tag.lower(): tag for tag in available}
    wanted = (language or "").strip().replace("_", "-").lower()
    if wanted in by_lower:
        return by_lower[wanted]
    primary = wanted.split("-")[0]
    same_language = sorted(tag for tag in available if tag.lower().split("-")[0] == primary)
    if same_language:
        preferred = [tag for tag in same_language if tag == DEFAULT_LOCALE]
        return (preferred or same_language)[0]
    return DEFAULT_LOCALE


def load_locale(language: str, extra_dirs: tuple[Path, ...] = (), shown=str) -> Locale:
    """The Locale for a language tag; *shown(path)* makes the location of a bad locale file."""
    available = available_locales(extra_dirs)
    tag = choose_locale_tag(language, available)
    data = _load_data(tag, available, shown, ())
    return _with_language_spacing(_make_locale(tag, data))


@lru_cache(maxsize=32)
def quotation_marks(language: str) -> tuple[str, str, str, str]:
    """Opening and closing double, then single quotation marks of *language*, as the book's body text
    and its citations both use them: ("„", "”", "»", "«") for Hungarian."""
    locale = load_locale(language)
    return (locale.open_quote, locale.close_quote, locale.open_inner_quote, locale.close_inner_quote)


def _with_language_spacing(locale: Locale) -> Locale:
    """French sets a narrow no-break space inside guillemets: « citation »."""
    if locale.language != "fr":
        return locale
    spaced = {}
    for name in ("open_quote", "open_inner_quote"):
        mark = getattr(locale, name)
        if mark in ("«", "‹"):
            spaced[name] = mark + "\u202f"
    for name in ("close_quote", "close_inner_quote"):
        mark = getattr(locale, name)
        if mark in ("»", "›"):
            spaced[name] = "\u202f" + mark
    return replace(locale, **spaced) if spaced else locale


def _load_data(tag: str, available: Mapping[str, Path], shown, seen: tuple[str, ...]) -> dict:
    """The package's CSL data for *tag* with its supplement laid over it, then the project's file, if any."""
    path = available.get(tag)
    if path is None:
        raise BookbuildError.at(None, f"no citation locale '{tag}'",
                                hint="known locales: " + ", ".join(sorted(available)))
    data: dict = {}
    package_xml = PACKAGE_LOCALES / f"locales-{tag}.xml"
    package_toml = PACKAGE_LOCALES / f"{tag}.toml"
    layers = [candidate for candidate in (package_xml, package_toml) if candidate.is_file()]
    if path not in layers:
        layers.append(path)  # the project's own file, laid over the package's
    for layer in layers:
        layer_data = _read_csl_xml(layer, shown) if layer.suffix == ".xml" else _read_toml(layer, shown)
        base = layer_data.pop("based-on", None)
        if base:
            if base in seen or base == tag:
                raise BookbuildError.at(shown(layer, None), f"locale '{tag}' is based on itself through '{base}'")
            data = _load_data(base, available, shown, seen + (tag,))
        _merge_into(data, layer_data)
    return data


def _read_toml(path: Path, shown) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BookbuildError.at(shown(path, getattr(error, "lineno", None)),
                                f"cannot read locale file: {error.args[0] if error.args else error}") from None


_CSL = "{http://purl.org/net/xbiblio/csl}"
MAX_LOCALE_BYTES = 1024 * 1024  # the largest CSL locale file is under 100 KB
_QUOTE_TERMS = ("open-quote", "close-quote", "open-inner-quote", "close-inner-quote")
# Terms bookbuild's styles ask for under another name than CSL gives them.
_TERM_ALIASES = {"no date": "no-date"}


def _read_csl_xml(path: Path, shown) -> dict:
    """A CSL locale file as the data of a TOML locale: terms, months, ordinals, punctuation and the text date."""
    if path.stat().st_size > MAX_LOCALE_BYTES:
        raise BookbuildError.at(shown(path, None), f"locale file is larger than {MAX_LOCALE_BYTES // 1024} KB")
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError) as error:
        raise BookbuildError.at(shown(path, None), f"cannot read locale file: {error}") from None
    terms: dict[str, dict[str, object]] = {}
    months: dict[str, list[str]] = {"long": [""] * 12, "short": [""] * 12}
    ordinals: dict[str, str] = {}
    punctuation: dict[str, object] = {}
    options = root.find(f"{_CSL}style-options")
    if options is not None and options.get("punctuation-in-quote") is not None:
        punctuation["punctuation-in-quote"] = options.get("punctuation-in-quote") == "true"
    limit_day_ordinals = options is not None and options.get("limit-day-ordinals-to-day-1") == "true"
    date_parts: list[list[str]] = []
    for date in root.findall(f"{_CSL}date"):
        if date.get("form") == "text":
            date_parts = [[part.get("name", ""), part.get("form", ""), part.get("prefix", ""), part.get("suffix", "")]
                          for part in date.findall(f"{_CSL}date-part")]
    for element in root.iter(f"{_CSL}term"):
        name, form = element.get("name", ""), element.get("form", "long")
        if element.get("gender-form") == "feminine":
            continue  # bookbuild's ordinals follow the neutral or masculine form
        single, multiple = element.find(f"{_CSL}single"), element.find(f"{_CSL}multiple")
        plural = multiple.text if multiple is not None else None
        value: object = ([single.text or "", plural or single.text or ""] if single is not None
                         else (element.text or "").strip())
        if name.startswith("month-") and name[6:].isdigit() and form in ("long", "short"):
            months[form][int(name[6:]) - 1] = str(value)
        elif name in _QUOTE_TERMS:
            punctuation[name] = str(value)
        elif name == "ordinal" and form == "long":
            ordinals["default"] = str(value)
        elif name.startswith("ordinal-") and name[8:].isdigit():
            number = str(int(name[8:]))
            match = element.get("match") or ("last-digit" if int(name[8:]) < 10 else "last-two-digits")
            ordinals[("=" + number) if match == "whole-number" else number] = str(value)
        else:
            terms.setdefault(_TERM_ALIASES.get(name, name), {}).setdefault(form, value)
    data: dict = {"terms": terms, "ordinals": ordinals, "punctuation": punctuation}
    if all(months["long"]):
        data["months"] = {"long": months["long"], "short": [short or long for short, long in
                                                                zip(months["short"], months["long"])]}
    if date_parts:
        data["date-parts"] = date_parts
        data["limit-day-ordinals-to-day-1"] = limit_day_ordinals
    return data


def _merge_into(target: dict, overrides: Mapping) -> None:
    for key, value in overrides.items():
        if key == "terms" and isinstance(value, Mapping):
            terms = target.setdefault("terms", {})
            for name, forms in value.items():
                if isinstance(forms, Mapping):
                    terms[name] = {**terms.get(name, {}), **forms}
                else:
                    terms[name] = {"long": forms}
        elif isinstance(value, Mapping) and isinstance(target.get(key), dict):
            target[key] = {**target[key], **value}
        else:
            target[key] = value


def _make_locale(tag: str, data: Mapping) -> Locale:
    punctuation = data.get("punctuation", {})
    months = data.get("months", {})
    terms = {name: dict(forms) if isinstance(forms, Mapping) else {"long": forms}
             for name, forms in data.get("terms", {}).items()}
    long_months = tuple(months.get("long", ()))
    short_months = tuple(months.get("short", long_months))
    return Locale(
        tag=tag,
        terms=MappingProxyType(terms),
        months_long=long_months,
        months_short=short_months,
        ordinals=MappingProxyType(dict(data.get("ordinals", {}))),
        open_quote=punctuation.get("open-quote", "“"),
        close_quote=punctuation.get("close-quote", "”"),
        open_inner_quote=punctuation.get("open-inner-quote", "‘"),
        close_inner_quote=punctuation.get("close-inner-quote", "’"),
        punctuation_in_quote=bool(punctuation.get("punctuation-in-quote", True)),
        range_delimiter=punctuation.get("range-delimiter", "–"),
        date_parts=tuple(tuple(part) for part in data.get("date-parts", ())),
        limit_day_ordinals_to_day_1=bool(data.get("limit-day-ordinals-to-day-1", False)),
    )


def _locale_data(locale: Locale) -> dict:
    return {
        "punctuation": {
            "open-quote": locale.open_quote, "close-quote": locale.close_quote,
            "open-inner-quote": locale.open_inner_quote, "close-inner-quote": locale.close_inner_quote,
            "punctuation-in-quote": locale.punctuation_in_quote, "range-delimiter": locale.range_delimiter,
        },
        "months": {"long": list(locale.months_long), "short": list(locale.months_short)},
        "ordinals": dict(locale.ordinals),
        "terms": {name: dict(forms) for name, forms in locale.terms.items()},
        "date-parts": [list(part) for part in locale.date_parts],
        "limit-day-ordinals-to-day-1": locale.limit_day_ordinals_to_day_1,
    }


# biblatex's language names that are not a language's English name.
_BIBLATEX_LANGUAGES = {"american": "en", "british": "en", "usenglish": "en", "ukenglish": "en", "australian": "en",
                       "canadian": "en", "newzealand": "en", "ngerman": "de", "austrian": "de", "naustrian": "de",
                       "swissgerman": "de", "nswissgerman": "de", "magyar": "hu", "brazil": "pt", "brazilian": "pt",
                       "portuges": "pt", "francais": "fr", "acadian": "fr", "canadien": "fr", "castilian": "es",
                       "mexican": "es", "nynorsk": "nn", "norsk": "nb", "bahasa": "id"}


@lru_cache(maxsize=256)
def language_of(value: str) -> str:
    """The primary language subtag a work's ``langid`` or ``language`` field names: "hungarian" -> "hu",
    "ngerman" -> "de", "en-GB" -> "en"; "" when it names none.  English names of languages come from CLDR."""
    text = value.strip().lower()
    if not text:
        return ""
    if text in _BIBLATEX_LANGUAGES:
        return _BIBLATEX_LANGUAGES[text]
    import babel

    try:
        return babel.Locale.parse(text.replace("-", "_")).language
    except (ValueError, babel.UnknownLocaleError):
        pass
    names = {name.lower(): code for code, name in babel.Locale("en").languages.items() if "_" not in code}
    return names.get(text, "")
