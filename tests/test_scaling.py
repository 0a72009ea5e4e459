"""Big books: the steps around the layout grow with the book, never with its square; the joined PDF is the same.

The scheduler (``layout/book.py``) is driven here by a pool that answers at
once with made-up layouts, so a book of hundreds of chapters is scheduled in
a fraction of a second; what is compared is processor time in this process
(the least of several runs), as a ratio between two sizes, never wall time.
"""

from __future__ import annotations

import io
import re
import time
from collections import deque

import pikepdf

from bookbuild.cache import LayoutCache
from bookbuild.layout.assemble import Bookmark, ChunkPdf, assemble_pdf
from bookbuild.layout.book import LayoutRequest, _Scheduler
from bookbuild.layout.chunks import BACK, BODY, FRONT, Chunk
from bookbuild.layout.worker import ChunkLayout, ChunkPages, Styles
from bookbuild.pagemap import PageMapPart, infer_labels
from bookbuild.progress import QUIET

PAGES = 8  # pages of each made-up chapter


def made_up_book(chapters: int) -> list[Chunk]:
    """The title pages, the contents (printing every chapter's page number), the chapters, the back matter."""
    ids = [f"chapter-{number}" for number in range(1, chapters + 1)]
    chunks = [Chunk(0, FRONT, "front matter", "<p>title</p>", frozenset({"title"}), (), True),
              Chunk(1, FRONT, "contents", "<nav>contents</nav>", frozenset({"toc"}), tuple(ids), True, waits=True)]
    for number, name in enumerate(ids, start=1):
        chunks.append(Chunk(len(chunks), BODY, name, f"<section id='{name}'>{number}</section>",
                            frozenset({name, f"{name}-note"}), ("bibliography",), True))
    chunks.append(Chunk(len(chunks), BACK, "back matter", "<section>back</section>", frozenset({"bibliography"}),
                        (), False))
    return chunks


class InstantPool:
    """Two workers that answer every job at once, as a real one would in kind: a layout, then its pages."""

    def __init__(self) -> None:
        self.jobs: deque = deque()
        self.held: set[str] = set()

    def start(self) -> None:
        pass

    @property
    def idle(self) -> list[int]:
        busy = {worker for worker, *_ in self.jobs}
        return [worker for worker in (0, 1) if worker not in busy]

    @property
    def busy(self) -> bool:
        return bool(self.jobs)

    def send(self, worker: int, kind: str, job, label: str) -> None:
        self.jobs.append((worker, kind, job))

    def receive(self):
        worker, kind, job = self.jobs.popleft()
        if kind == "layout":
            return worker, kind, job, _layout(job)
        if kind == "finish":
            return worker, kind, job, _pages(job.label)
        layout_job, finish_job = job
        return worker, kind, job, (_layout(layout_job), _pages(finish_job.label))

    def forget(self) -> None:
        pass

    def close(self) -> None:
        pass

    def terminate(self) -> None:
        pass


def _layout(job) -> ChunkLayout:
    pages = 2 if job.label in ("front matter", "contents", "back matter") else PAGES
    anchors = tuple((name, 0) for name in re.findall(r"id='([^']+)'", job.html))
    return ChunkLayout(page_count=pages, counters=tuple(range(1, pages + 1)), resets=(False,) * pages,
                       anchors=anchors, used_targets=job.targets if job.label == "contents" else (),
                       strings=(("chapter", job.label),), corrections="")


def _pages(label: str) -> ChunkPages:
    return ChunkPages(pdf=None, page_map=PageMapPart((), (), (), ()), bookmarks=((1, label, 0, 0.0, 0.0, "open"),))


class GrowingPool(InstantPool):
    """An instant pool that starts with one worker and takes more when the scheduler asks (``resize``)."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 1
        self.workers_used: set[int] = set()

    @property
    def idle(self) -> list[int]:
        busy = {worker for worker, *_ in self.jobs}
        return [worker for worker in range(self.size) if worker not in busy]

    def send(self, worker: int, kind: str, job, label: str) -> None:
        self.workers_used.add(worker)
        super().send(worker, kind, job, label)

    def resize(self, size: int) -> None:
        self.size = size


def test_a_core_that_comes_free_gets_a_worker_and_the_book_is_the_same(monkeypatch):
    # The first count of free cores is a moment's: a passing process would keep the build to one worker. While
    # many chunks wait, a core seen free at two looks in a row gets a worker; the layout is the same.
    from bookbuild.layout import book

    request = LayoutRequest(html="", styles=Styles(sheets=(), base_url="", roots=(), variant=""),
                            identifier=b"0" * 32, plan="pdf", want_pdf=False)
    fixed = _Scheduler(request, made_up_book(12), LayoutCache(None), GrowingPool(), QUIET).run()
    monkeypatch.setattr(book, "GROWTH_CHECK_SECONDS", 0.0)
    looks = []
    monkeypatch.setattr(book, "room_for_another", lambda workers, busy, waiting: looks.append(
        (workers, busy, waiting)) or workers < 3)
    pool = GrowingPool()
    grown = _Scheduler(request, made_up_book(12), LayoutCache(None), pool, QUIET, grow=True).run()
    assert pool.size == 3 and pool.workers_used == {0, 1, 2}
    assert looks[0] == (1, 1, 14)  # one worker laying out the title pages, the other 14 chunks waiting
    assert all(busy == workers for workers, busy, _ in looks)  # only asked with every worker laying out
    assert grown.page_count == fixed.page_count and grown.page_map == fixed.page_map
    # Without grow (--jobs given), the pool is left as it is.
    pool = GrowingPool()
    _Scheduler(request, made_up_book(12), LayoutCache(None), pool, QUIET).run()
    assert pool.size == 1


def schedule(chapters: int):
    request = LayoutRequest(html="", styles=Styles(sheets=(), base_url="", roots=(), variant=""),
                            identifier=b"0" * 32, plan="pdf", want_pdf=False)
    scheduler = _Scheduler(request, made_up_book(chapters), LayoutCache(None), InstantPool(), QUIET)
    return scheduler, scheduler.run()


def least_processor_time(work, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def test_a_made_up_book_is_scheduled_with_the_contents_laid_out_again_with_real_numbers():
    scheduler, laid_out = schedule(5)
    assert laid_out.page_count == 2 + 2 + 5 * PAGES + 2
    assert scheduler.target("chapter-1") == 5  # after the title pages and the contents: the book's fifth page
    assert scheduler.target("chapter-3") == 5 + 2 * PAGES
    contents = scheduler.states[1]
    assert contents.attempts == 2  # guessed (1), then the real numbers
    assert dict(contents.laid_out.used_targets) == {f"chapter-{n}": 5 + (n - 1) * PAGES for n in range(1, 6)}
    assert scheduler.strings_before(3) == (("chapter", "chapter-1"),)


def test_scheduling_grows_with_the_book_not_with_its_cube():
    # Each received result asks, of every chunk, where it starts, what page counter and named strings it
    # follows, and what its finish job's key is. Counted through the chunks before it and hashed again each
    # time, a book of n chapters took about n³ steps (60 chapters: 7 s of the build process's time under a
    # profiler). Worked out once per set of known layouts, it is n² small steps: eight times the chapters,
    # about sixty-four times the time (measured: 45); the cube would give five hundred.
    schedule(20)  # imports and first calls out of the way
    small = least_processor_time(lambda: schedule(40))
    large = least_processor_time(lambda: schedule(320))
    assert large / max(small, 1e-3) < 100, (small, large)


def test_page_labels_of_a_long_unnumbered_run_take_linear_time():
    # A book printing no page numbers: each page's label used to be found by looking along the whole book.
    small = least_processor_time(lambda: infer_labels([None] * 2_000))
    large = least_processor_time(lambda: infer_labels([None] * 8_000))
    assert large / max(small, 1e-3) < 8, (small, large)
    assert infer_labels([None, None, "iii", None, "5", None]) == ["i", "ii", "iii", "4", "5", "6"]
    assert infer_labels([None, None]) == ["1", "2"]


# -- the joined PDF -----------------------------------------------------------------------------------------------


def tagged_chunk(text: str, pages: int, anchor: str, link: bool = False) -> bytes:
    """A small tagged PDF as WeasyPrint writes a chunk: its pages, structure tree, a named destination and,
    if asked, a link (an annotation in the structure tree)."""
    from weasyprint import HTML

    body = "".join(f"<p style='break-before: page'>{text} page {n}</p>" for n in range(pages))
    link = f"<p><a href='#{anchor}'>see there</a></p>" if link else ""
    html = f"<html lang='en'><body><h1 id='{anchor}'>{text}</h1>{link}{body}</body></html>"
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)


def normalised(data: bytes) -> bytes:
    """The PDF as qpdf's QDF form, without the comments naming each object's number before it was written:
    the same objects, in the same order, with the same contents, give the same bytes."""
    output = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(output, qdf=True, static_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                 stream_decode_level=pikepdf.StreamDecodeLevel.generalized)
    return re.sub(rb"%% Original object ID: \d+ \d+\n", b"", output.getvalue())


def test_chunks_joined_one_at_a_time_give_the_book_joined_with_every_chunk_open():
    # The chunks are joined one by one, each let go of once its pages, structure tree and destinations are
    # copied (qpdf keeps every object of an open PDF in memory). The book is the one the joining with every
    # chunk open gives (the path interleaved teacher pages take): same objects, same order, same contents.
    chunks = [ChunkPdf(tagged_chunk("One", 2, "one", link=True), frozenset({"one"})),
              ChunkPdf(tagged_chunk("Two", 3, "two"), frozenset({"two"})),
              ChunkPdf(tagged_chunk("Three", 1, "three", link=True), frozenset({"three"}))]
    counts = [len(pikepdf.open(io.BytesIO(chunk.pdf)).pages) for chunk in chunks]
    order = [(index, page) for index, count in enumerate(counts) for page in range(count)]
    marks = [Bookmark(1, "One", 0, 10.0, 20.0, "open"), Bookmark(1, "Two", counts[0], 10.0, 20.0, "open")]
    labels = [str(n) for n in range(1, len(order) + 1)]
    one_by_one = assemble_pdf(chunks, marks, b"a" * 32, created="2026-01-01T00:00:00Z", labels=labels)
    all_open = assemble_pdf(chunks, marks, b"a" * 32, created="2026-01-01T00:00:00Z", labels=labels, order=order)
    assert normalised(one_by_one) == normalised(all_open)
    assert assemble_pdf(chunks, marks, b"a" * 32, created="2026-01-01T00:00:00Z", labels=labels) == one_by_one
    with pikepdf.open(io.BytesIO(one_by_one)) as book:
        assert len(book.pages) == sum(counts)
        names = list(book.Root.Names.Dests.Names)[::2]
        assert [str(name) for name in names] == ["one", "three", "two"]
        tree = book.Root.StructTreeRoot
        assert [int(n) for n in list(tree.ParentTree.Nums)[::2]][:len(order)] == list(range(len(order)))
        annotations = [annotation for page in book.pages for annotation in page.obj.get("/Annots", [])]
        assert len(annotations) == 2
        assert sorted(int(a.StructParent) for a in annotations) == [len(order), len(order) + 1]
