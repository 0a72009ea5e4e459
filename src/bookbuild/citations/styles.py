"""Turn a style name into a CitationStyle: its settings, its locale and its compiled Jinja2 templates.

A style is a folder holding ``style.toml`` and one template per form and
entry kind:

    note/book.j2, note/article.j2, …       the first (full) note of a work
    short-note/default.j2                  later notes of the work
    cite/default.j2                        one work inside an in-text citation ("Gati 2006, 12")
    cite-author/default.j2                 the author as named in the text ("Gati")
    bibliography/book.j2, …                the bibliography entry
    macros.j2                              pieces the style's templates share

Pieces all four shipped styles share (suppressed authors, several publishers,
"ed. and trans.", volumes, series, versions, a volume's place in its main work,
initials for authors who share a surname) live in ``_shared/macros.j2``, which
any template can import as ``{% import "_shared/macros.j2" as s %}``.

For an entry of type T and kind K (see ``views.TYPE_KINDS``) the form's
template is the first of ``FORM/T.j2``, ``FORM/K.j2``, ``FORM/default.j2``.
Folders are searched in order: the project's ``styles/citations/NAME/``,
the shipped style NAME, then the same for the style named in ``based-on``.
Note styles need note, short-note and cite-author templates; in-text styles
need cite and cite-author; both need bibliography.

What a template sees (Jinja2, autoescaped, StrictUndefined):

* ``work``: the entry (see :class:`~.views.EntryView`); ``cite``: the
  citation item (:class:`~.views.CiteView`; None in the bibliography; in
  cite-author it carries no locator); ``author``: in cite templates, the
  rendered cite-author;
* filters: ``names(...)`` (see :func:`~.names.format_names`), ``title_case``,
  ``sentence_case``, ``main_title``, ``italic``, ``quoted``, ``capfirst``,
  ``wrap(before, after)``, ``join_nonempty(delimiter)``, ``sentences``,
  ``date(form, months)``, ``pages``, ``edition``, ``ordinal``, ``link``,
  ``cite_link(work)``, ``initials`` ("Johanna C." -> "J. C.");
* functions: ``term(name, form, plural)``, ``locator(cite, page_label)``;
  and ``style`` (the settings) and ``locale``.

The output is cleaned by :func:`~.punctuation.tidy`, so templates may join
pieces with fixed punctuation and newlines.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import jinja2
import jinja2.bccache
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from ..bibliography import Date, Name, NameList, RichText
from ..config.citation_style import LOCALE_TABLES, StyleSettings
from ..config.explain import key_locations
from ..config.schema import TableReader
from ..errors import BookbuildError, Diagnostics, SourceLocation, closest
from ..project import Project
from ..template_cache import template_cache
from .dates import format_date
from .locale import Locale, TermError, load_locale
from .names import format_names
from .names import initials as given_initials
from .numbers import (
    edition,
    is_numeric,
    locator,
    page_range,
    several_numbers,
)
from .punctuation import capitalize_first_letter, tidy
from .titles import (
    capitalize_first,
    main_title,
    quote_marks,
    sentence_case,
    title_case,
    to_rich,
)
from .views import CiteView, EntryView, in_language_of

SHIPPED_STYLES = Path(__file__).parent / "styles"
DEFAULT_STYLE = "chicago-notes-bibliography"
_NOT_STYLES = {"locales", "_shared"}
# Whether the work being rendered is in English: title_case and sentence_case leave other languages as written.
_RECASE = ContextVar("recase", default=True)
# Whether the work being rendered has biblatex's useprefix option: its names' particles ("van") count as part
# of the surname ("van Gennep").
_USEPREFIX = ContextVar("useprefix", default=False)


class CitationStyle:
    """A loaded style: ``name``, ``note_style``, ``locale``, ``settings``; renders works in its forms."""

    def __init__(self, name: str, settings: StyleSettings, locale: Locale, folders: Sequence[Path],
                 project_folders: Sequence[Path], shown, cache_dir: Path | None = None):
        self.name = name
        self.cache_dir = cache_dir  # compiled templates are kept here between builds
        self.settings = settings
        self.locale = locale
        self.folders = tuple(folders)
        self._project_folders = tuple(folder.resolve() for folder in project_folders)
        self._shown = shown
        self._templates: dict[tuple[str, str], jinja2.Template] = {}
        self.environment = _make_environment(self)

    @property
    def note_style(self) -> bool:
        return self.settings.note_style

    @property
    def bibliography_title(self) -> str:
        title = self.settings.bibliography_title
        return self.locale.term(title) if self.locale.has_term(title) else title

    def __repr__(self) -> str:
        return f"CitationStyle({self.name!r}, note_style={self.note_style})"

    def template(self, form: str, entry_type: str, kind: str) -> jinja2.Template:
        """The compiled template of *form* for an entry type (cached)."""
        cached = self._templates.get((form, entry_type))
        if cached is not None:
            return cached
        names = [f"{form}/{entry_type}.j2", f"{form}/{kind}.j2", f"{form}/default.j2"]
        try:
            template = self.environment.select_template(names)
        except jinja2.TemplatesNotFound:
            raise BookbuildError.at(self._shown(self.folders[0]),
                                    f"citation style '{self.name}' has no template {form}/default.j2",
                                    hint=f"add {form}/default.j2 (or {form}/{kind}.j2) to the style folder") from None
        except jinja2.TemplateSyntaxError as error:
            problem = self._project_problem(error, error.filename, error.lineno)
            if problem is None:
                raise
            raise problem from None
        self._templates[(form, entry_type)] = template
        return template

    def render(self, form: str, work: EntryView, cite: CiteView | None = None, author: Markup | str = "") -> Markup:
        """One work in one form, as clean HTML."""
        template = self.template(form, work.type, work.kind)
        token = _RECASE.set(work.english)
        prefix_token = _USEPREFIX.set(work.useprefix)
        try:
            html = template.render(work=work, cite=cite, author=Markup(author) if author else Markup(""))
        except (jinja2.TemplateError, TermError, ValueError, TypeError, AttributeError) as error:
            filename, line = _template_frame(error)
            problem = self._project_problem(error, filename, line)
            if problem is None:
                raise  # a shipped template failed: a bug
            raise problem from error
        finally:
            _RECASE.reset(token)
            _USEPREFIX.reset(prefix_token)
        return tidy(html, self.locale.close_quote, self.locale.punctuation_in_quote)

    def _project_problem(self, error: Exception, filename: str | None, line: int | None) -> BookbuildError | None:
        """A BookbuildError when a project's template is at fault; None when a shipped one is (a bug)."""
        if filename and any(Path(filename).resolve().is_relative_to(folder) for folder in self._project_folders):
            message = getattr(error, "message", None) or str(error)
            hint = None
            for value, shown_as in ((EntryView, "work"), (CiteView, "cite")):
                long_name = f"'{value.__module__}.{value.__name__} object'"
                if long_name in message:
                    message = message.replace(long_name, shown_as)
                    hint = f"{shown_as} has: " + ", ".join(_attributes(value))
            return BookbuildError.at(self._shown(Path(filename), line), f"error in citation template: {message}",
                                     hint=hint)
        return None


def _attributes(kind: type) -> list[str]:
    names = set(getattr(kind, "__dataclass_fields__", {}))
    names.update(name for name, value in vars(kind).items() if not name.startswith("_")
                 and (isinstance(value, property) or callable(value)))
    names.update(("key", "type", "kind", "anchor", "year_suffix", "reference") if kind is EntryView else ())
    return sorted(names)


def _template_frame(error: BaseException) -> tuple[str | None, int | None]:
    """The template file and line where *error* arose (Jinja2 rewrites tracebacks to point at templates)."""
    filename, line = getattr(error, "filename", None), getattr(error, "lineno", None)
    traceback = error.__traceback__
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_filename.endswith(".j2"):
            filename, line = code.co_filename, traceback.tb_lineno
        traceback = traceback.tb_next
    return filename, line


# --------------------------------------------------------------------------- loading


def known_styles(project: Project | None = None) -> list[str]:
    """The names of the shipped styles and of the project's own."""
    names = {path.parent.name for path in SHIPPED_STYLES.glob("*/style.toml")}
    folder = _project_styles_dir(project)
    if folder is not None and folder.is_dir():
        names.update(path.name for path in folder.iterdir()
                     if path.is_dir() and path.name not in _NOT_STYLES and not path.name.startswith("."))
    return sorted(names)


def _project_styles_dir(project: Project | None) -> Path | None:
    return project.styles_dir / "citations" if project is not None else None


def load_style(name: str, project: Project | None = None, language: str = "en",
               location: SourceLocation | None = None) -> CitationStyle:
    """The style *name* (shipped, or the project's ``styles/citations/NAME/``) in the locale of *language*."""

    def shown(path: Path, line: int | None = None) -> SourceLocation:
        if project is not None:
            return project.location(path, line)
        return SourceLocation(str(path), line)

    known = known_styles(project)
    if name not in known:
        close = closest(name, known)
        hint = (f"did you mean '{close}'? " if close else "") + "known styles: " + ", ".join(known)
        raise BookbuildError.at(location, f"unknown citation style '{name}'", hint=hint)
    folders, project_folders, data = _style_chain(name, project, shown, ())
    diagnostics = Diagnostics()
    settings = _settings_from(data, name, folders, shown, diagnostics)
    extra_locales: tuple[Path, ...] = ()
    styles_dir = _project_styles_dir(project)
    if styles_dir is not None:
        extra_locales = (styles_dir / "locales",)
    locale = load_locale(language, extra_locales, shown)
    overrides = {key: data[key] for key in ("terms", "months", "punctuation") if key in data}
    locale = locale.with_overrides(overrides)
    style = CitationStyle(name, settings, locale, folders, project_folders, shown,
                          cache_dir=project.cache_dir / "templates" if project is not None else None)
    _check_project_templates(style, project_folders, shown, diagnostics)
    diagnostics.raise_if_any()
    return style


def _style_chain(name: str, project: Project | None, shown, seen: tuple[str, ...]):
    """(template folders in lookup order, the project's among them, merged settings) for *name*."""
    folders: list[Path] = []
    project_folders: list[Path] = []
    styles_dir = _project_styles_dir(project)
    own = styles_dir / name if styles_dir is not None else None
    if own is not None and own.is_dir():
        folders.append(own)
        project_folders.append(own)
    shipped = SHIPPED_STYLES / name
    if shipped.is_dir():
        folders.append(shipped)
    if not folders:
        raise BookbuildError.at(None, f"unknown citation style '{name}'",
                                hint="known styles: " + ", ".join(known_styles(project)))
    data: dict = {}
    for folder in reversed(folders):  # the shipped settings first, the project's laid over them
        path = folder / "style.toml"
        if path.is_file():
            _merge_settings(data, _read_toml(path, shown))
    base = data.get("based-on", "")
    if base:
        if base == name or base in seen:
            raise BookbuildError.at(shown(folders[0] / "style.toml"), f"style '{name}' is based on itself "
                                    f"through '{base}'")
        if base not in known_styles(project):
            raise BookbuildError.at(shown(folders[0] / "style.toml", _line_of(folders[0] / "style.toml", "based-on")),
                                    f"style '{name}' is based on unknown style '{base}'",
                                    hint="known styles: " + ", ".join(known_styles(project)))
        base_folders, base_project_folders, base_data = _style_chain(base, project, shown, seen + (name,))
        merged = dict(base_data)
        merged.pop("based-on", None)
        _merge_settings(merged, data)
        data = merged
        folders.extend(folder for folder in base_folders if folder not in folders)
        project_folders.extend(folder for folder in base_project_folders if folder not in project_folders)
    return folders, project_folders, data


def _read_toml(path: Path, shown) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = getattr(error, "lineno", None)
        if line is None and "(at line " in message:
            try:
                line = int(message.rsplit("(at line ", 1)[1].split(",")[0])
            except ValueError:
                line = None
        message = message.split(" (at line ")[0]
        raise BookbuildError.at(shown(path, line), f"cannot read style settings: {message}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BookbuildError.at(shown(path), f"cannot read style settings: {error}") from None


def _merge_settings(target: dict, overrides: Mapping) -> None:
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            inner = dict(target[key])
            _merge_settings(inner, value)
            target[key] = inner
        else:
            target[key] = value


def _line_of(path: Path, key: str) -> int | None:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.split("=")[0].strip().strip('"') == key:
                return number
    except OSError:
        return None
    return None


def _settings_from(data: Mapping, name: str, folders: Sequence[Path], shown, diagnostics: Diagnostics) -> StyleSettings:
    """The merged settings *data* read against :class:`StyleSettings`, each problem at its line of the
    style's first ``style.toml``."""
    settings_path = next((folder / "style.toml" for folder in folders if (folder / "style.toml").is_file()),
                         folders[0] / "style.toml")
    try:
        text = settings_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    source = shown(settings_path)
    locations = {key: replace(location, path=source.path) for key, location in key_locations(text, "").items()}
    reader = TableReader(locations, source, diagnostics)
    settings = reader.table({key: value for key, value in data.items() if key not in LOCALE_TABLES}, StyleSettings)
    if "class" not in data:
        diagnostics.error(source, f"citation style '{name}' does not say its class",
                          hint='add class = "note" or class = "in-text" to style.toml')
    return settings


def _check_project_templates(style: CitationStyle, project_folders: Sequence[Path], shown,
                             diagnostics: Diagnostics) -> None:
    """Compile every template of the project's style folders now, so that all syntax errors show at once."""
    for folder in project_folders:
        for path in sorted(folder.rglob("*.j2")):
            name = path.relative_to(folder).as_posix()
            try:
                style.environment.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                diagnostics.error(shown(path, error.lineno), f"error in citation template: {error.message}")


# --------------------------------------------------------------------------- the template language


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the life of the process (checked against each template's source), for
    styles loaded without a project (``bookbuild refs``, tools, several loads of one style): they read only the shipped
    templates, which need compiling once."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_SHIPPED_TEMPLATES_CACHE = _MemoryBytecodeCache()


class _StyleSandbox(SandboxedEnvironment):
    """The sandbox, told that the public attributes of the values bookbuild hands to templates are safe (the
    general check, run on every attribute a template reads, is the larger part of rendering time)."""

    _OWN_VALUES = (EntryView, CiteView, RichText, NameList, Name, Date, StyleSettings)

    def is_safe_attribute(self, obj, attr, value) -> bool:
        if isinstance(obj, self._OWN_VALUES):
            return not attr.startswith("_")
        return super().is_safe_attribute(obj, attr, value)


def _make_environment(style: CitationStyle) -> Environment:
    # Sandboxed: a project's style templates can format values, not reach into Python.
    environment = _StyleSandbox(
        bytecode_cache=template_cache(style.cache_dir) if style.cache_dir is not None else _SHIPPED_TEMPLATES_CACHE,
        # Style folders first; then the shipped styles' folder, so that "_shared/macros.j2" is found.
        loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in style.folders]
                            + [FileSystemLoader(str(SHIPPED_STYLES))]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=-1,
    )
    locale = style.locale
    settings = style.settings

    def names(value: NameList, **options) -> Markup:
        if not isinstance(value, NameList):
            raise TypeError(f"the names filter needs a list of names, not {type(value).__name__}")
        if options.get("form") == "short" or not settings.demote_particle:
            # With useprefix, for the whole entry or for one name (biblatex's extended name format).
            value = _particle_in_surname(value, every_name=_USEPREFIX.get())
        return escape(format_names(value, locale, **options))

    def italic(value) -> Markup:
        if not _present(value):
            return Markup("")
        # A title inside an italic title is set upright.
        html = value.html(flip_italic=True) if isinstance(value, RichText) else str(escape(value))
        lang = getattr(value, "lang", "")
        return Markup(f'<i lang="{escape(lang)}">{html}</i>') if lang else Markup(f"<i>{html}</i>")

    def quoted(value) -> Markup:
        if not _present(value):
            return Markup("")
        text = escape(value)
        lang = getattr(value, "lang", "")
        if lang:  # the marks are the book's; the words inside them are the work's
            text = Markup(f'<span lang="{escape(lang)}">') + text + Markup("</span>")
        return quote_marks(text, locale.open_quote, locale.close_quote, locale.open_inner_quote,
                           locale.close_inner_quote)

    def wrap(value, before: str = "", after: str = "") -> Markup:
        if not _present(value):
            return Markup("")
        return escape(before) + escape(value) + escape(after)

    def join_nonempty(values, delimiter: str = ", ") -> Markup:
        return escape(delimiter).join(escape(value) for value in values if _present(value))

    def sentences(values) -> Markup:
        """Parts joined as sentences: "Gati, Charles. Title. Publisher, 2006." """
        joined = join_nonempty(values, ". ")
        return joined + Markup(".") if joined else joined

    def capfirst(value) -> Markup:
        if isinstance(value, RichText):
            return Markup(capitalize_first(value).html())
        return capitalize_first_letter(escape(value))

    def date(value, form: str = "year", months: str = "long") -> str:
        return format_date(value, locale, form, months)

    def pages(value) -> str:
        return page_range(str(value), settings.page_range_format, locale.range_delimiter)

    def link(value) -> Markup:
        """A DOI or URL as a link; given a work, its DOI (preferred), URL or eprint."""
        if isinstance(value, EntryView):
            url = value.link_url
        else:
            url = str(value).strip()
        if not url:
            return Markup("")
        # A DOI is a name, printed as it is ("…19:4<377::AID-JCC1>…"); only the link's target is percent-encoded.
        shown = "https://doi.org/" + unquote(url[16:]) if url.startswith("https://doi.org/") else url
        return Markup(f'<a href="{escape(url)}">{escape(shown)}</a>')

    def cite_link(value, work: EntryView) -> Markup:
        if not _present(value):
            return Markup("")
        return Markup(f'<a class="citation" href="#{escape(work.anchor)}">') + escape(value) + Markup("</a>")

    def term(name: str, form: str = "long", plural: bool = False) -> str:
        return locale.term(name, form, plural)

    def numbered(value, name: str = "issue", form: str = "short") -> str:
        """A number variable with its label when it is numeric, as CSL labels it: "no. 42", "nos. 99-02" (CSL
        counts a hyphenated number as several), "RC-6947" (not numeric: no label)."""
        text = str(value).strip() if _present(value) else ""
        if not text or not is_numeric(text):
            return text
        return f"{locale.term(name, form, plural=several_numbers(text))} {text}"

    def format_locator(cite: CiteView, page_label: bool = False, form: str = "short") -> str:
        if cite is None:
            return ""
        return locator(cite.locator, cite.label, locale, settings.page_range_format, page_label, form)

    environment.filters.update(
        names=names,
        italic=italic,
        quoted=quoted,
        wrap=wrap,
        join_nonempty=join_nonempty,
        sentences=sentences,
        capfirst=capfirst,
        # Title and sentence case are English rules (as in CSL): only an English work (its langid) in a book in
        # English is recased; others keep their titles as written, and a title keeps its language's mark.
        title_case=_keeping_language(lambda value: title_case(value) if _RECASE.get() and locale.language == "en"
                                     else to_rich(value)),
        sentence_case=_keeping_language(lambda value: sentence_case(value)
                                        if _RECASE.get() and locale.language == "en" else to_rich(value)),
        main_title=_keeping_language(main_title),
        initials=lambda value: given_initials(str(value)),
        date=date,
        pages=pages,
        edition=lambda value: edition(str(value), locale),
        ordinal=lambda value: locale.ordinal(int(str(value))),
        link=link,
        cite_link=cite_link,
        numbered=numbered,
    )
    environment.globals.update(term=term, locator=format_locator, style=settings, locale=locale,
                               several_numbers=several_numbers)
    return environment


def _particle_in_surname(names: NameList, every_name: bool = True) -> NameList:
    """The names with each particle made part of the surname ("van" + "Gennep" -> "van Gennep"): every name's,
    or only those of the names that have useprefix themselves."""
    if not every_name and not any(name.useprefix and name.particle for name in names.names):
        return names
    return NameList(tuple(Name(family=f"{name.particle} {name.family}", given=name.given, suffix=name.suffix)
                          if name.particle and not name.literal and (every_name or name.useprefix) else name
                          for name in names.names), names.others)


def _keeping_language(function):
    """A title filter whose result keeps the language of its input (see views.TitleInLanguage)."""
    def filtered(value, *args, **options):
        return in_language_of(value, function(value, *args, **options))

    return filtered


def _present(value) -> bool:
    if value is None:
        return False
    if isinstance(value, (RichText, NameList)):
        return bool(value)
    return bool(str(value).strip())
