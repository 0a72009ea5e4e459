"""Turn the manuscript's citations, in reading order, into rendered citations, notes and a bibliography.

For each citation the style decides what stands in the text and what goes
into a footnote (see :class:`~bookbuild.citations.model.RenderedCitation`):

* note styles: the first citation of a work is a full note, later ones a
  short note (per chapter when the style says so; never "ibid."); a
  citation inside the author's own footnote is set in parentheses there;
* in-text styles: "(Gati 2006, 12)", "Gati (2006, 12)", "(2006, 12)";
  works of one author and year get "2006a", "2006b" if the style asks.

Unknown keys, in citations and in ``nocite``, are all reported at once with
the closest known key as a hint.  The bibliography holds exactly the cited
works and those named in ``nocite`` ("*" for all), sorted as the style says.

A biblatex ``@set`` is not a work of its own: citing it cites each of its
members, in the set's order ("Glashow 1961; Weinberg 1967; Salam 1968", the
locator going with the last), and the members are listed in the
bibliography, each once, so that they count once when works are told apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from string import ascii_lowercase

from markupsafe import Markup, escape

from ..bibliography import Bibliography, Name, Reference
from ..errors import Diagnostics, SourceLocation, closest
from ..markdown.citation_syntax import Citation, CitationItem
from .model import BibliographyEntry, CitationResult, RenderedCitation
from .names import collation, name_sort_key, sort_text
from .punctuation import capitalize_first_letter, tidy
from .styles import CitationStyle
from .views import CiteView, EntryView

_ARTICLES = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)


def resolve_citations(
    citations: Sequence[Citation],
    bibliography: Bibliography | Mapping[str, Reference],
    style: CitationStyle,
    nocite: Sequence[str] = (),
    nocite_location: SourceLocation | None = None,
) -> CitationResult:
    """Render every citation in *style* and build the bibliography of the works cited (and *nocite*)."""
    diagnostics = Diagnostics()
    _check_keys(citations, bibliography, nocite, nocite_location, diagnostics)
    diagnostics.raise_if_any()
    citations = [_with_set_members(citation, bibliography) for citation in citations]

    used: dict[str, None] = {}
    for citation in citations:
        for item in citation.items:
            used.setdefault(item.key, None)
    if "*" in nocite:
        for key in bibliography:
            if not _set_members(key, bibliography):
                used.setdefault(key, None)
    for key in nocite:
        if key != "*":
            for member in _set_members(key, bibliography) or (key,):
                used.setdefault(member, None)

    renderer = _Renderer(style, bibliography, list(used))
    rendered = {citation.id: renderer.citation(citation) for citation in citations}
    entries = tuple(
        BibliographyEntry(key=key, anchor=renderer.anchors[key], html=str(html))
        for key, html in renderer.bibliography_entries()
    )
    return CitationResult(
        citations=rendered,
        bibliography=entries,
        bibliography_title=style.bibliography_title,
        note_style=style.note_style,
        style_name=style.name,
    )


def _set_members(key: str, bibliography: Mapping[str, Reference]) -> tuple[str, ...]:
    """The keys of the members of the @set *key* that the bibliography holds; () for any other entry."""
    reference = bibliography.get(key)
    if reference is None or reference.source_type != "set":
        return ()
    return tuple(member for member in reference.entryset if member in bibliography and member != key
                 and bibliography[member].source_type != "set")


def _with_set_members(citation: Citation, bibliography: Mapping[str, Reference]) -> Citation:
    """*citation* with each cited @set replaced by its members; the item's prefix goes with the first member and
    its locator and suffix with the last."""
    if not any(_set_members(item.key, bibliography) for item in citation.items):
        return citation
    items: list[CitationItem] = []
    for item in citation.items:
        members = _set_members(item.key, bibliography)
        if not members:
            items.append(item)
            continue
        for number, member in enumerate(members):
            first, last = number == 0, number == len(members) - 1
            items.append(replace(item, key=member, prefix=item.prefix if first else "",
                                 locator=item.locator if last else "", suffix=item.suffix if last else ""))
    return replace(citation, items=tuple(items))


def _check_keys(citations, bibliography, nocite, nocite_location, diagnostics: Diagnostics) -> None:
    shown_path = getattr(bibliography, "shown_path", "")

    def hint_for(key: str) -> str:
        close = closest(key, bibliography)
        if close:
            return f"did you mean '{close}'?"
        return f"no entry with this key in {shown_path}" if shown_path else "the book has no bibliography file"

    for citation in citations:
        for item in citation.items:
            if item.key not in bibliography:
                diagnostics.error(item.location or citation.location, f"unknown citation key '{item.key}'",
                                  hint=hint_for(item.key) or None)
    for key in nocite:
        if key != "*" and key not in bibliography:
            diagnostics.error(nocite_location, f"unknown key '{key}' in nocite", hint=hint_for(key) or None)


def make_anchors(keys: Sequence[str]) -> dict[str, str]:
    """An element id for each key: "ref-" and the key with unusual characters replaced, unique."""
    anchors: dict[str, str] = {}
    taken: set[str] = set()
    for key in keys:
        base = "ref-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-") or "entry")
        anchor, number = base, 2
        while anchor.lower() in taken:
            anchor = f"{base}-{number}"
            number += 1
        taken.add(anchor.lower())
        anchors[key] = anchor
    return anchors


class _Renderer:
    """The state of one resolution: views of the works, what has been cited, cached renderings."""

    def __init__(self, style: CitationStyle, bibliography: Bibliography | Mapping[str, Reference],
                 used: list[str]):
        self.style = style
        self.bibliography = bibliography
        self.used = used
        self.anchors = make_anchors(list(bibliography))
        self.views = {key: EntryView(bibliography[key], style.locale, self.anchors[key]) for key in used}
        self._cache: dict[tuple, Markup] = {}
        self._seen: set[tuple[str, str]] = set()
        self._ambiguous_authors: set[str] = set()
        self._sort_keys = {key: self._sort_key(bibliography[key]) for key in used}
        self._disambiguate()

    # ---------------------------------------------------------------- setup

    def _plain_author(self, key: str) -> str:
        html = self._author(key, CiteView())
        return re.sub(r"<[^>]*>", "", str(html))

    def _with(self, key: str, **changes) -> None:
        """Replace the view of *key* by one with *changes* (year_suffix, repeats_author, tell_apart)."""
        view = self.views[key]
        values = {"year_suffix": view.year_suffix, "repeats_author": view.repeats_author,
                  "tell_apart": view.tell_apart, "disambiguate": view.disambiguate, **changes}
        self.views[key] = EntryView(view.reference, self.style.locale, view.anchor, **values)
        self._cache.clear()

    def _disambiguate(self) -> None:
        settings = self.style.settings
        if self.style.note_style:
            # Works whose short notes would read the same are told so; their short notes add publisher and
            # year (or version and date), as CSL's disambiguation does.
            by_short_note: dict[str, list[str]] = {}
            for key in self.used:
                html = self.render("short-note", key, CiteView(position="subsequent"))
                by_short_note.setdefault(re.sub(r"<[^>]*>", "", str(html)), []).append(key)
            for same in by_short_note.values():
                if len(same) > 1:
                    for key in same:
                        self._with(key, disambiguate=True)
            return
        if settings.initials_for_shared_surnames:
            # Different people of one surname: the first creator is named with initials (APA 8.20, CSL's
            # given-name disambiguation).
            people: dict[str, set[tuple[str, str]]] = {}
            for key in self.used:
                person = _first_person(self.views[key])
                if person is not None:
                    people.setdefault(person[0], set()).add(person)
            for key in self.used:
                person = _first_person(self.views[key])
                if person is not None and len(people[person[0]]) > 1:
                    self._with(key, tell_apart=True)
        if not (settings.year_suffix or settings.add_title_when_ambiguous):
            return
        by_author: dict[str, list[str]] = {}
        for key in self.used:
            by_author.setdefault(self._plain_author(key), []).append(key)
        if settings.add_title_when_ambiguous:
            self._ambiguous_authors = {key for keys in by_author.values() if len(keys) > 1 for key in keys}
        if settings.year_suffix:
            # Works are ambiguous when their citations read the same ("Kullback 1997"; a reprint cited as
            # "Kullback [1959] 1997" is not); their letters follow the order of the bibliography, as in CSL.
            by_citation: dict[str, list[str]] = {}
            for key in self.used:
                by_citation.setdefault(self._plain_citation(key), []).append(key)
            for same in by_citation.values():
                if len(same) < 2:
                    continue
                for index, key in enumerate(sorted(same, key=lambda k: self._sort_keys[k] + ((k,),))):
                    self._with(key, year_suffix=_suffix(index))

    def _plain_citation(self, key: str) -> str:
        cite = CiteView()
        html = self.render("cite", key, cite, self._author(key, cite))
        return re.sub(r"<[^>]*>", "", str(html))

    # ---------------------------------------------------------------- rendering

    def render(self, form: str, key: str, cite: CiteView | None, author: Markup | str = "") -> Markup:
        cache_key = (form, key, cite, str(author))
        html = self._cache.get(cache_key)
        if html is None:
            html = self.style.render(form, self.views[key], cite, author)
            self._cache[cache_key] = html
        return html

    def _author(self, key: str, cite: CiteView) -> Markup:
        """The work's author as a citation names it; it never depends on the locator, so it is cached per work."""
        return self.render("cite-author", key, CiteView(author_in_text=cite.author_in_text, in_note=cite.in_note,
                                                        add_title=cite.add_title))

    def _position(self, citation: Citation, key: str) -> str:
        scope = citation.chapter if self.style.settings.first_note_per_chapter else ""
        if (scope, key) in self._seen:
            return "subsequent"
        self._seen.add((scope, key))
        return "first"

    def _cite_view(self, citation: Citation, item: CitationItem) -> CiteView:
        return CiteView(
            locator=item.locator,
            label=item.label or "page",
            prefix=item.prefix,
            suffix=item.suffix,
            position=self._position(citation, item.key),
            suppress_author=item.suppress_author,
            author_in_text=citation.mode == "author-in-text",
            in_note=citation.in_note,
            add_title=item.key in self._ambiguous_authors,
        )

    def citation(self, citation: Citation) -> RenderedCitation:
        if self.style.note_style:
            return self._note_citation(citation)
        return self._in_text_citation(citation)

    def _note_citation(self, citation: Citation) -> RenderedCitation:
        settings = self.style.settings
        parts = []
        cites = []
        for item in citation.items:
            cite = self._cite_view(citation, item)
            cites.append(cite)
            form = "note" if cite.first else "short-note"
            parts.append(_with_affixes(self.render(form, item.key, cite), item))
        body = Markup(escape(settings.citation.delimiter)).join(parts)
        if citation.in_note:
            # Inside the author's own footnote the citation is set in parentheses, with no capital and no
            # final period of its own, as CSL processors set it.
            return RenderedCitation(text=str(self._tidy(Markup("(") + body + Markup(")"))), note=None)
        if citation.items and citation.items[0].prefix:
            body = capitalize_first_letter(body)
        note = str(self._tidy(body + Markup(escape(settings.citation.suffix))))
        if citation.mode == "author-in-text" and citation.items:
            first = citation.items[0]
            author = self._author(first.key, cites[0])
            text = Markup('<a class="citation" href="#{}">').format(self.anchors[first.key]) + author + Markup("</a>")
            return RenderedCitation(text=str(text), note=note)
        return RenderedCitation(text=None, note=note)

    def _in_text_citation(self, citation: Citation) -> RenderedCitation:
        settings = self.style.settings
        parts = []
        for item in citation.items:
            cite = self._cite_view(citation, item)
            author = self._author(item.key, cite)
            body = self.render("cite", item.key, cite, author)
            linked = Markup('<a class="citation" href="#{}">').format(self.anchors[item.key]) + body + Markup("</a>")
            parts.append(_with_affixes(linked, item))
        if citation.mode == "author-in-text":
            text = Markup(", ").join(parts)
        else:
            text = (Markup(escape(settings.citation.prefix))
                    + Markup(escape(settings.citation.delimiter)).join(parts)
                    + Markup(escape(settings.citation.suffix)))
        return RenderedCitation(text=str(self._tidy(text)), note=None)

    def _tidy(self, html: Markup) -> Markup:
        locale = self.style.locale
        return tidy(html, locale.close_quote, locale.punctuation_in_quote)

    def bibliography_entry(self, key: str) -> Markup:
        return self.render("bibliography", key, None)

    def bibliography_entries(self) -> list[tuple[str, Markup]]:
        """(key, html) of each entry in the style's order; with ``subsequent-author-substitute``, an entry by the
        same creators as the one before is told so (its template prints "———" for them)."""
        entries = []
        previous = None
        for key in self.sorted_keys():
            view = self.views[key]
            creators = view.creators()
            if self.style.settings.subsequent_author_substitute and creators and creators == previous:
                repeated = EntryView(view.reference, self.style.locale, view.anchor, view.year_suffix,
                                     repeats_author=True, tell_apart=view.tell_apart,
                                     disambiguate=view.disambiguate)
                entries.append((key, self.style.render("bibliography", repeated, None)))
            else:
                entries.append((key, self.bibliography_entry(key)))
            previous = creators
        return entries

    # ---------------------------------------------------------------- sorting

    def sorted_keys(self) -> list[str]:
        return sorted(self.used, key=lambda key: self._sort_keys[key] + ((self.views[key].year_suffix, key),))

    def _sort_key(self, reference: Reference) -> tuple:
        parts = []
        for what in self.style.settings.bibliography_sort:
            if what == "author":
                parts.append(self._author_key(reference))
            elif what == "year":
                date = reference.date
                parts.append((0, date.year or 0) if date and date.year is not None else (1, 0))
            elif what == "title":
                parts.append(self._title_key(reference))
            elif what == "main-title":
                main, volume = reference.text("maintitle"), reference.text("volume")
                prefix = _ARTICLES.sub("", main) + " " + volume.zfill(8) + " " if main and volume else ""
                parts.append(collation(self.style.locale.language)(prefix + self._title_text(reference)))
        return tuple(parts)

    def _author_key(self, reference: Reference) -> tuple:
        # With biblatex's useprefix, a style that does not demote particles sorts "van Gennep" under V.
        prefix_first = not self.style.settings.demote_particle and self.views[reference.key].useprefix
        for role in ("author", "editor", "translator", "bookauthor"):
            names = reference.names.get(role)
            if names:
                collate = collation(self.style.locale.language)
                return tuple(name_sort_key(Name(family=f"{name.particle} {name.family}", given=name.given), collate)
                             if prefix_first and name.particle and not name.literal else name_sort_key(name, collate)
                             for name in names)
        # No author: the title stands in its place.
        return ((self._title_key(reference), collation(self.style.locale.language)("")),)

    def _title_key(self, reference: Reference):
        return collation(self.style.locale.language)(self._title_text(reference))

    @staticmethod
    def _title_text(reference: Reference) -> str:
        # An issue of a periodical with a title of its own is cited, and sorted, by that title.
        title = (reference.text("issuetitle") if reference.type == "periodical" else "") or reference.text("title")
        return _ARTICLES.sub("", title)


def _first_person(view: EntryView) -> tuple[str, str] | None:
    """(surname, given names) of the work's first creator; None for a body or a work without creators."""
    creators = view.creators()
    if not creators or creators.names[0].literal:
        return None
    name = creators.names[0]
    return (sort_text(name.family), sort_text(" ".join(part for part in (name.given, name.particle) if part)))


def _suffix(index: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = ascii_lowercase[remainder] + letters
    return letters


def _with_affixes(html: Markup, item: CitationItem) -> Markup:
    """The item's prefix ("see") and suffix (", emphasis added") around its rendering."""
    result = html
    if item.prefix:
        result = escape(item.prefix) + Markup(" ") + result
    if item.suffix:
        suffix = item.suffix
        joiner = "" if suffix[:1] in ",.;:)" else " "
        result = result + Markup(joiner) + escape(suffix)
    return result
