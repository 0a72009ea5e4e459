"""Turn a language tag ("en-GB") into a Locale: the words, months and quotation marks of citations.

Locales are TOML files named after a BCP 47 tag, in the package's
``citations/locales/`` folder or a project's ``styles/citations/locales/``
(which wins).  A language is added by adding a file, without touching code.
A style may override terms and months in its own ``style.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

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
            for path in sorted(folder.glob("*.toml")):
                found[path.stem] = path
    return found


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
    return _make_locale(tag, data)


def _load_data(tag: str, available: Mapping[str, Path], shown, seen: tuple[str, ...]) -> dict:
    path = available.get(tag)
    if path is None:
        raise BookbuildError.at(None, f"no citation locale '{tag}'",
                                hint="known locales: " + ", ".join(sorted(available)))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BookbuildError.at(shown(path, getattr(error, "lineno", None)),
                                f"cannot read locale file: {error.args[0] if error.args else error}") from None
    base = data.pop("based-on", None)
    if base:
        if base in seen or base == tag:
            raise BookbuildError.at(shown(path, None), f"locale '{tag}' is based on itself through '{base}'")
        merged = _load_data(base, available, shown, seen + (tag,))
        _merge_into(merged, data)
        return merged
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
    }
