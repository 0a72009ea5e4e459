"""Turn the printed book's HTML into its laid-out pages: chunks laid out in parallel, cached, then joined.

The order of work for one edition:

1. the book's HTML is cut into chunks (``chunks.py``): the front matter,
   each body chapter, the back matter;
2. each chunk is looked up in the cache; the others are laid out in the
   worker processes, the front matter first (it sets the book's title for
   the running heads), then the chapters in order;
3. as soon as the chunks before one are counted, its first page's number
   and side are known: it gets its page numbers and running heads and is
   written (in the worker that holds its layout, which then lets it go);
4. a chunk that printed numbers of other chunks' pages (the contents, page
   references) or that was laid out on a guessed side is checked against
   the real numbers and laid out again if a guess was wrong; the guesses
   come from the previous build's plan, so a rebuild rarely guesses wrong;
5. the workers are stopped (they hold nothing of use any more, and the
   next book starts them again) and the chunks' PDFs are joined
   (``assemble.py``).

The result is the same, page for page, as laying out the whole book in one
document, whatever the number of workers.  ``printed.lay_out`` is the entry.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..cache import LayoutCache, content_key, files_fingerprint, fonts_fingerprint
from ..errors import BookbuildError
from ..pagemap import PageMapPart, infer_labels
from ..progress import QUIET, Progress
from .assemble import Bookmark, ChunkPdf, assemble_pdf
from .chunks import WHOLE, Chunk, split_book
from .pool import Refused, WorkerFailed, WorkerPool
from .preflight import Finding
from .sizing import room_for_another
from .worker import ChunkLayout, ChunkPages, FinishJob, LayoutJob, Styles

MAX_ATTEMPTS = 4  # layouts of one chunk in one build before the book is laid out whole
RIGHT, LEFT = "right", "left"
_USES_PAGES = re.compile(r"counter\(\s*pages\b")


@dataclass(frozen=True)
class BookLayout:
    """One edition's printed book, laid out: what its PDF, booklet and EPUB need."""

    page_count: int
    pdf: bytes | None  # the tagged PDF, when it was asked for
    page_map: tuple[PageMapPart, ...]  # join with pagemap.join_page_map
    findings: tuple  # preflight findings (when asked for), pages counted through the book
    last_page_alone: bool
    chunks: int = 1  # how many pieces it was laid out in
    bookmarks: tuple[Bookmark, ...] = ()  # the outline's entries, pages counted through the book
    anchors: frozenset[str] = frozenset()  # the ids the book holds (its PDF's named destinations)


@dataclass(frozen=True)
class LayoutRequest:
    """What to lay out and what to make of it."""

    html: str
    styles: Styles
    identifier: bytes  # the PDF's file identifier
    plan: str  # the name of this edition's plan in the cache
    want_pdf: bool = True
    check: bool = False  # preflight the pages
    root: str = "/"  # file names in findings are shown relative to it
    tagged: bool = True
    fingerprint: str = ""  # of the files around the HTML: project styles, fonts
    resources: tuple[str, ...] = ()  # files the HTML shows (images), as URIs
    label: str = "book"
    created: str = ""  # the build time, YYYY-MM-DDTHH:MM:SSZ, stamped on the joined PDF
    cache_dir: str = ""  # the project's cache folder (the layout cache lives there)


class _LayOutWhole(Exception):
    """The book cannot be laid out in chunks (or would not settle): lay it out as one."""


@dataclass
class _Known:
    """What the layouts known so far give, worked out once for each set of them: where each chunk starts, the
    page counter and named strings before it. Without it, every question about one chunk would count through
    the chunks before it, and a book of n chapters would cost n³ steps to schedule instead of n²."""

    version: int = 0  # grows whenever a chunk's layout changes
    counted: int = -1  # the version the lists below were worked out for
    starts: list = field(default_factory=list)  # the book's page where each chunk starts (None: not known yet)
    offsets: list = field(default_factory=list)  # the page counter of the book's page before each chunk
    strings: list = field(default_factory=list)  # the named strings in force where each chunk starts


@dataclass
class _State:
    chunk: Chunk
    base: str  # the key of the chunk's content
    known: _Known = field(default_factory=_Known, repr=False)  # shared by the book's chunks
    side: str = RIGHT  # the side its current layout started on
    targets: dict[str, int] = field(default_factory=dict)  # the numbers its current layout was given
    _layout: ChunkLayout | None = None
    anchor_pages: dict[str, int] = field(default_factory=dict, repr=False)  # its layout's anchors, by id
    first_reset: int | None = None  # the first page of its layout that sets the page counter itself
    layout_key: str | None = None  # names the layout in the cache: content, side and the numbers it printed
    worker_key: str | None = None  # names the layout in the worker that made it
    holder: int | None = None  # the worker holding its layout
    busy: bool = False
    stale: bool = False  # its layout was made on a wrong guess: its page count stands until it is laid out again
    attempts: int = 0
    pages: ChunkPages | None = None
    finished_as: str | None = None  # the finish key its pages were made for
    finish_memo: tuple | None = field(default=None, repr=False)  # (what it was made from, its finish job)
    index_keys: dict[str, str] = field(default_factory=dict, repr=False)  # side -> key of its printed targets

    @property
    def layout(self) -> ChunkLayout | None:
        return self._layout

    @layout.setter
    def layout(self, layout: ChunkLayout | None) -> None:
        if layout is not self._layout:
            self.known.version += 1
        self._layout = layout
        self.anchor_pages = dict(layout.anchors) if layout is not None else {}
        self.first_reset = next((page for page, reset in enumerate(layout.resets) if reset), None) \
            if layout is not None else None

    @property
    def laid_out(self) -> ChunkLayout:
        """Its layout, where the scheduler only asks for one that has been made."""
        assert self.layout is not None
        return self.layout

    @property
    def made_pages(self) -> ChunkPages:
        """Its pages, where the scheduler only asks for pages that have been made."""
        assert self.pages is not None
        return self.pages


def lay_out_book(request: LayoutRequest, cache: LayoutCache, pool: WorkerPool,
                 progress: Progress = QUIET, grow: bool = False) -> BookLayout:
    """Lay out (or find in the cache) every chunk of the book and join them; with *grow* (no ``--jobs`` given),
    the pool gains a worker when a core comes free while many chunks wait (``sizing.room_for_another``)."""
    chunks = split_book(request.html)
    try:
        return _Scheduler(request, chunks, cache, pool, progress, grow).run()
    except _LayOutWhole:
        if len(chunks) == 1:
            raise RuntimeError("the book could not be laid out") from None
        whole = Chunk(0, WHOLE, "book", request.html, frozenset().union(*(chunk.ids for chunk in chunks)), (), False)
        return _Scheduler(request, (whole,), cache, pool, progress, grow).run()


GROWTH_CHECK_SECONDS = 1.0  # at most one look at the free cores per second while laying out


class _Scheduler:
    def __init__(self, request: LayoutRequest, chunks: Sequence[Chunk], cache: LayoutCache, pool: WorkerPool,
                 progress: Progress, grow: bool = False):
        self.request = request
        self.cache = cache
        self.pool = pool
        self.progress = progress
        self.may_grow = grow
        self.next_growth_check = time.monotonic() + GROWTH_CHECK_SECONDS
        self.free_seen = 0  # growth checks in a row that found a core free
        self.plan = cache.plan(request.plan)
        self.uses_pages = any(_USES_PAGES.search(text) for text in _style_texts(request.styles))
        base = content_key("book", request.fingerprint, fonts_fingerprint(), repr(request.styles),
                           *_style_texts(request.styles))
        self.states = []
        self.known = _Known()
        planned_sides = self.plan.get("sides", [])
        for chunk in chunks:
            shown = [uri for uri in request.resources if uri in chunk.html]
            state = _State(chunk, content_key(base, chunk.html, chunk.sentinel, files_fingerprint(
                _uri_path(uri) for uri in shown)), self.known)
            if len(planned_sides) == len(chunks):
                state.side = planned_sides[chunk.index]
            self.states.append(state)
        self.owner: dict[str, int] = {}  # id -> the chunk holding it
        for state in self.states:
            for name in sorted(state.chunk.ids):
                self.owner.setdefault(name, state.chunk.index)

    # -- what is known ------------------------------------------------------------------------------------

    def count(self) -> _Known:
        """The start page, page counter and named strings before every chunk, for the layouts known now."""
        known = self.known
        if known.counted == known.version:
            return known
        starts: list = []
        offsets: list = []
        strings_before: list = []
        start: int | None = 0
        offset: int | None = 0
        strings: dict[str, str] | None = {}
        planned = self.plan.get("strings", [])
        for state in self.states:
            starts.append(start)
            offsets.append(offset)
            strings_before.append(None if strings is None else tuple(sorted(strings.items())))
            layout = state.layout
            if layout is None:
                start = offset = None
                if strings is not None and state.chunk.waits:  # the contents, not laid out yet: guessed
                    strings.update(planned[state.chunk.index] if len(planned) == len(self.states) else {})
                else:
                    strings = None
                continue
            start = None if start is None else start + layout.page_count
            if layout.counters:
                # Counted back to a chunk that resets the page counter, whose last counter stands alone.
                offset = layout.counters[-1] if any(layout.resets) else \
                    None if offset is None else offset + layout.counters[-1]
            if strings is not None:
                strings.update(layout.strings)
        known.starts, known.offsets, known.strings = starts + [start], offsets, strings_before
        known.counted = known.version
        return known

    def start_page(self, index: int) -> int | None:
        return self.count().starts[index]

    def real_side(self, index: int) -> str | None:
        start = self.start_page(index)
        return None if start is None else (RIGHT if start % 2 == 0 else LEFT)

    def offset(self, index: int) -> int | None:
        """The page counter of the book's page before chunk *index*: counted back to a chunk that resets it."""
        return self.count().offsets[index]

    def page_counter(self, index: int, page: int) -> int | None:
        state = self.states[index]
        layout = state.layout
        if layout is None:
            return None
        if state.first_reset is not None and state.first_reset <= page:
            return layout.counters[page]
        offset = self.offset(index)
        return None if offset is None else layout.counters[page] + offset

    def target(self, name: str) -> int | None:
        index = self.owner.get(name)
        if index is None:
            return None
        page = self.states[index].anchor_pages.get(name)
        return None if page is None else self.page_counter(index, page)

    def strings_before(self, index: int) -> tuple[tuple[str, str], ...] | None:
        """The named strings in force where chunk *index* starts (the contents, not laid out yet, are guessed)."""
        return self.count().strings[index]

    def total(self) -> int | None:
        if not self.uses_pages:
            return None
        return self.start_page(len(self.states))

    def guessed_targets(self, state: _State) -> dict[str, int]:
        planned = self.plan.get("targets", {})
        guesses = {}
        for name in state.chunk.outside_links:
            if name not in self.owner:
                continue
            value = self.target(name)
            guesses[name] = value if value is not None else int(planned.get(name, 1))
        return guesses

    def settled(self, state: _State) -> bool | None:
        """Whether the chunk's layout was made with the right side and numbers (None: not known yet)."""
        if state.stale:
            return False
        side = self.real_side(state.chunk.index)
        if side is None:
            return None
        values = [(self.target(name), used) for name, used in state.laid_out.used_targets]
        if any(value is None for value, _ in values):
            return None  # wait for every number: a guess half corrected is still a guess
        return side == state.side and all(value == used for value, used in values)

    def finish_job(self, state: _State) -> FinishJob | None:
        """The job that gives the chunk's layout its pages, once the numbers and strings before it are known
        (its key, a hash, is worked out again only when what it is made from changed)."""
        index = state.chunk.index
        starts_afresh = bool(state.laid_out.resets) and state.laid_out.resets[0]  # its first page resets the counter
        offset = 0 if starts_afresh else self.offset(index)
        strings, total = self.strings_before(index), self.total()
        if offset is None or strings is None or (self.uses_pages and total is None):
            return None
        made_from = (state.layout_key, state.worker_key, offset, total, strings)
        if state.finish_memo is None or state.finish_memo[0] != made_from:
            state.finish_memo = (made_from, self._finish_job(state, offset, total, strings))
        return state.finish_memo[1]

    def _finish_job(self, state: _State, offset: int, total: int | None,
                    strings: tuple[tuple[str, str], ...]) -> FinishJob:
        key = content_key(state.layout_key, offset, total, strings, self.request.check, self.request.root)
        return FinishJob(key=state.worker_key or "", label=state.chunk.label, offset=offset, total=total,
                         strings=strings, write=self.request.want_pdf, identifier=key, check=self.request.check,
                         root=self.request.root)

    # -- the cache -----------------------------------------------------------------------------------------

    def _layout_keys(self, state: _State, side: str,
                     targets: dict[str, int] | None) -> tuple[str, str | None, dict[str, int]]:
        """The key of the chunk's list of printed targets, and of its layout if that list is known; and the
        numbers the chunk is given (*targets*, else the guesses, worked out only when the cache has the list)."""
        index_key = state.index_keys.get(side) or state.index_keys.setdefault(side, content_key(state.base, side))
        index = self.cache.get(index_key)
        if index is None:
            return index_key, None, targets or {}
        if targets is None:
            targets = self.guessed_targets(state)
        names = index.get("targets", [])
        if any(name not in targets for name in names):
            return index_key, None, targets
        return index_key, content_key(index_key, [(name, targets[name]) for name in names]), targets

    def from_cache(self, state: _State, side: str, targets: dict[str, int] | None = None) -> bool:
        """Take the chunk's layout from the cache if it has one for *side* and *targets* (default: the guesses)."""
        _, key, targets = self._layout_keys(state, side, targets)
        record = self.cache.get(key) if key else None
        if record is None:
            return False
        state.layout = _layout_from(record["layout"])
        state.layout_key, state.side, state.targets = key, side, targets
        state.worker_key = state.holder = None
        state.stale = False
        return True

    def remember_layout(self, state: _State) -> None:
        """Keep a new layout in the cache, under the numbers it printed (not all it was given)."""
        index_key = content_key(state.base, state.side)
        names = [name for name, _ in state.laid_out.used_targets]
        self.cache.put(index_key, {"targets": names})
        state.layout_key = content_key(index_key, [(name, state.targets[name]) for name in names])
        self.cache.put(state.layout_key, {"layout": _record_of(state.laid_out)})

    def finished_from_cache(self, state: _State, job: FinishJob) -> bool:
        record = self.cache.get(job.identifier)
        if record is None:
            return False
        data = None
        if self.request.want_pdf:
            data = self.cache.get_pdf(job.identifier)
            if data is None:
                return False
        state.pages = _pages_from(record["pages"], data)
        state.finished_as = job.identifier
        return True

    # -- the work ------------------------------------------------------------------------------------------

    def run(self) -> BookLayout:
        total = len(self.states)
        label = f"laying out {self.request.label}"
        self.progress.count(label, 0, total)
        self.cache.hold()
        try:
            while True:
                self.settle()
                done = sum(state.pages is not None for state in self.states)
                self.progress.count(label, done, total)
                if done == total:
                    break
                if not self.dispatch() and not self.pool.busy:
                    raise _LayOutWhole()  # nothing can move: never expected, but never a hang
                if self.grow():
                    self.dispatch()
                if self.pool.busy:
                    self.receive()
        except BaseException:
            self.pool.terminate()
            self.cache.discard()
            raise
        self.forget()
        self.pool.close()  # idle workers hold only memory, which joining the chunks needs; the next book restarts them
        result = self.result()
        self.cache.flush()
        self.cache.save_plan(self.request.plan, {
            "sides": [state.side for state in self.states],
            "strings": [dict(state.laid_out.strings) for state in self.states],
            "targets": {name: value for state in self.states for name in state.chunk.outside_links
                        if (value := self.target(name)) is not None},
        })
        self.cache.prune()
        return result

    def settle(self) -> None:
        """Take what the cache knows; drop layouts made on a wrong guess and pages made for wrong numbers."""
        for state in self.states:  # first every layout the cache knows: they give the numbers
            if state.layout is None and not state.busy:
                self.from_cache(state, self.real_side(state.chunk.index) or state.side)
        for state in self.states:
            if state.busy or state.layout is None:
                continue
            settled = self.settled(state)
            if settled is False and not state.stale:
                side = self.real_side(state.chunk.index)  # known: the layout was found on the wrong side
                if side is not None and self.from_cache(state, side):
                    settled = self.settled(state)
                else:
                    state.stale = True
                    state.pages = state.finished_as = None
            if settled is False:
                continue
            if settled is None:
                continue
            job = self.finish_job(state)
            if job is None:
                continue
            if state.pages is not None and state.finished_as != job.identifier:
                state.pages = state.finished_as = None  # made for numbers that changed
            if state.pages is None:
                self.finished_from_cache(state, job)

    def grow(self) -> bool:
        """Start one more worker when every worker is laying out, enough chunks wait, and a core has been seen
        free at two looks in a row (a second apart, so that a process passing by does not count); whether one
        was started."""
        if not self.may_grow or self.pool.idle or time.monotonic() < self.next_growth_check:
            return False
        self.next_growth_check = time.monotonic() + GROWTH_CHECK_SECONDS
        waiting = sum(1 for state in self.states if state.layout is None and not state.busy)
        workers = self.pool.size
        if not room_for_another(workers, sum(state.busy for state in self.states), waiting):
            self.free_seen = 0
            return False
        self.free_seen += 1
        if self.free_seen < 2:
            return False
        self.free_seen = 0
        self.pool.resize(workers + 1)
        return True

    def dispatch(self) -> bool:
        """Give every idle worker a job; whether any job was given."""
        given = False
        self.pool.start()
        for worker in self.pool.idle:
            job = self.next_job(worker)
            if job is None:
                continue  # another idle worker may hold a layout that is ready
            kind, payload, state = job
            state.busy = True
            self.pool.send(worker, kind, payload, state.chunk.label)
            given = True
        return given

    def next_job(self, worker: int) -> tuple[str, Any, _State] | None:
        waiting = [state for state in self.states if not state.busy and state.pages is None]
        # Pages for a layout this worker holds: they free its memory.
        for state in waiting:
            if state.layout is not None and state.holder == worker and self.settled(state):
                job = self.finish_job(state)
                if job is not None:
                    return "finish", job, state
        # A layout the cache knew, or one another worker lost: lay out and finish at once.
        for state in waiting:
            if state.layout is not None and state.holder is None and self.settled(state):
                finish = self.finish_job(state)
                if finish is not None:
                    layout = self.layout_job(state, state.side, state.targets, state.layout.corrections)
                    return "both", (layout, replace(finish, key=layout.key)), state
        # A chunk not laid out yet, or laid out on a wrong guess, in reading order.  The contents too, with
        # guessed numbers (the last build's, else 1), and again once the real ones are known: the chapters
        # after them are finished as soon as the contents' page count is known, so that each worker lets go
        # of its layouts as it goes rather than holding them all until the end.
        for state in waiting:
            if state.layout is None or state.stale:
                side = self.real_side(state.chunk.index) or state.side
                return "layout", self.layout_job(state, side, self.guessed_targets(state)), state
        return None

    def layout_job(self, state: _State, side: str, targets: dict[str, int], corrections: str | None = None):
        state.attempts += 1
        if state.attempts > MAX_ATTEMPTS:
            raise _LayOutWhole()
        state.side, state.targets = side, dict(targets)
        state.worker_key = content_key(state.base, side, sorted(targets.items()), corrections is not None)
        return LayoutJob(key=state.worker_key, label=state.chunk.label, html=state.chunk.html,
                         styles=self.request.styles, start_side=side, targets=tuple(sorted(targets.items())),
                         sentinel=state.chunk.sentinel, corrections=corrections)

    def receive(self) -> None:
        try:
            worker, kind, job, result = self.pool.receive()
        except WorkerFailed as failure:
            if failure.bug is not None:
                raise RuntimeError(f"a layout worker failed:\n{failure.bug}") from None
            raise BookbuildError(failure.problems) from None
        state = self.state_of(kind, job)
        state.busy = False
        if isinstance(result, Refused):
            if result.reason == "not-separable":
                raise _LayOutWhole()
            state.holder = None  # the worker no longer holds the layout: it is made again with its pages
            return
        state.stale = False
        if kind == "layout":
            state.layout, state.holder = result, worker
            self.remember_layout(state)
        elif kind == "both":
            layout, pages = result
            state.layout, state.holder = layout, None
            self.remember_layout(state)
            self.keep_pages(state, job[1], pages)
        else:
            state.holder = None
            self.keep_pages(state, job, result)

    def state_of(self, kind: str, job) -> _State:
        key = job[0].key if kind == "both" else job.key
        return next(state for state in self.states if state.worker_key == key and state.busy)

    def keep_pages(self, state: _State, job: FinishJob, pages: ChunkPages) -> None:
        current = self.finish_job(state) if self.settled(state) else None
        if current is None or current.identifier != job.identifier:
            return  # made for numbers that have changed since: it will be made again
        state.pages, state.finished_as = pages, job.identifier
        self.cache.put(job.identifier, {"pages": _record_of_pages(pages)}, pages.pdf)

    def forget(self) -> None:
        """Let every worker drop the layouts it still holds (those that were laid out again elsewhere)."""
        if any(state.attempts > 1 for state in self.states):
            self.pool.forget()

    def result(self) -> BookLayout:
        starts: list[int] = []
        bookmarks: list[Bookmark] = []
        findings: list = []
        parts: list = []
        pdfs: list[ChunkPdf] = []
        page = 0
        for state in self.states:
            pages = state.made_pages
            starts.append(page)
            bookmarks.extend(Bookmark(level, label, page + index, x, y, open_state)
                             for level, label, index, x, y, open_state in pages.bookmarks)
            findings.extend(replace(finding, page=finding.page + page) for finding in pages.findings)
            parts.append(pages.page_map)
            if pages.pdf is not None:
                pdfs.append(ChunkPdf(pages.pdf, state.chunk.ids))
            page += state.laid_out.page_count
        pdf = None
        if self.request.want_pdf:
            pdf = assemble_pdf(pdfs, bookmarks, self.request.identifier, tagged=self.request.tagged,
                               created=self.request.created,
                               labels=infer_labels([folio for part in parts for folio in part.folios]))
        return BookLayout(page_count=page, pdf=pdf, page_map=tuple(parts), findings=tuple(findings),
                          last_page_alone=self.states[-1].made_pages.last_page_alone, chunks=len(self.states),
                          bookmarks=tuple(bookmarks),
                          anchors=frozenset().union(*(state.chunk.ids for state in self.states)))


def _style_texts(styles: Styles) -> list[str]:
    texts = []
    for kind, value in styles.sheets:
        if kind == "css":
            texts.append(value)
            continue
        try:
            texts.append(Path(value).read_text(encoding="utf-8"))
        except OSError:
            texts.append("")
    return texts


def _uri_path(uri: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(uri).path)


# -- cache records: plain JSON ---------------------------------------------------------------------------------


def _record_of(layout: ChunkLayout) -> dict:
    return {"page_count": layout.page_count, "counters": list(layout.counters), "resets": list(layout.resets),
            "anchors": [list(item) for item in layout.anchors],
            "used_targets": [list(item) for item in layout.used_targets],
            "strings": [list(item) for item in layout.strings], "corrections": layout.corrections}


def _layout_from(record: dict) -> ChunkLayout:
    return ChunkLayout(page_count=record["page_count"], counters=tuple(record["counters"]),
                       resets=tuple(record["resets"]), anchors=tuple(tuple(item) for item in record["anchors"]),
                       used_targets=tuple(tuple(item) for item in record["used_targets"]),
                       strings=tuple(tuple(item) for item in record["strings"]), corrections=record["corrections"])


def _record_of_pages(pages: ChunkPages) -> dict:
    part = pages.page_map
    return {"page_map": {"starts": [list(start) for start in part.starts], "folios": list(part.folios),
                         "first_page": [list(item) for item in part.first_page],
                         "references": list(part.references)},
            "bookmarks": [list(mark) for mark in pages.bookmarks],
            "findings": [[f.page, f.label, f.element, f.message] for f in pages.findings],
            "last_page_alone": pages.last_page_alone, "labels": list(pages.labels)}


def _pages_from(record: dict, pdf: bytes | None) -> ChunkPages:
    part = record["page_map"]
    page_map = PageMapPart(tuple(tuple(start) for start in part["starts"]), tuple(part["folios"]),
                           tuple(tuple(item) for item in part["first_page"]), tuple(part["references"]))
    return ChunkPages(pdf=pdf, page_map=page_map, bookmarks=tuple(tuple(mark) for mark in record["bookmarks"]),
                      findings=tuple(Finding(*finding) for finding in record["findings"]),
                      last_page_alone=record["last_page_alone"], labels=tuple(record["labels"]))
