"""Parallel and incremental layout: the same pages as one document laid out in one process."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from bookbuild.errors import BookbuildError, Report
from bookbuild.layout import pool as pool_module
from bookbuild.layout.chunks import BACK, BODY, FRONT, WHOLE, split_book
from bookbuild.pipeline import LayoutSettings, build
from bookbuild.progress import Progress

from .conftest import SAMPLE

EPOCH = "1780000000"
PARALLEL = LayoutSettings(jobs=2)
SINGLE = LayoutSettings(jobs=1)


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def _corpus_module():
    spec = importlib.util.spec_from_file_location("bookbuild_corpus", SAMPLE / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def synthetic(tmp_path):
    """A four-chapter synthetic book (benchmarks/corpus.py): notes, citations, a table, a bibliography."""
    root = tmp_path / "book"
    _corpus_module().write_corpus(4, root)
    return root


# -- what a reader sees ------------------------------------------------------------------------------------------


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def outline_of(pdf: pikepdf.Pdf) -> list[tuple[int, str, int]]:
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    found = []
    with pdf.open_outline() as outline:
        def walk(items, level):
            for item in items:
                found.append((level, item.title, pages.get(item.destination[0].objgen)))
                walk(item.children, level + 1)
        walk(outline.root, 1)
    return found


def destinations_of(pdf: pikepdf.Pdf) -> tuple[dict[str, tuple], list[tuple]]:
    """Named destinations (name -> page, x, y) and every link (page, target name, rectangle)."""
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    names = {}
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        flat = list(pdf.Root.Names.Dests.Names)
        for name, target in zip(flat[::2], flat[1::2]):
            names[str(name)] = (pages[target[0].objgen], round(float(target[2]), 2), round(float(target[3]), 2))
    links = []
    for index, page in enumerate(pdf.pages):
        for annotation in page.obj.get("/Annots", ()):
            target = str(annotation.Dest) if "/Dest" in annotation else str(annotation.A.URI)
            links.append((index, target, tuple(round(float(value), 1) for value in annotation.Rect)))
    return names, links


def structure_of(pdf: pikepdf.Pdf) -> tuple[list[tuple], list[int]]:
    """The structure tree in reading order: (depth, type, page, marked-content ids); the pages' StructParents."""
    root = pdf.Root.StructTreeRoot
    documents = list(root.K) if isinstance(root.K, pikepdf.Array) else [root.K]
    assert len(documents) == 1 and documents[0].S == "/Document"
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    found = []

    def walk(element, depth):
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
        found.append((depth, str(element.S), pages.get(element.Pg.objgen) if "/Pg" in element else None,
                      tuple(int(kid) for kid in kids if isinstance(kid, int))))
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid, depth + 1)

    walk(documents[0], 0)
    return found, [int(page.obj.StructParents) for page in pdf.pages]


def assert_same_book(expected: Path, actual: Path) -> None:
    assert page_texts(actual) == page_texts(expected)
    with pikepdf.open(expected) as one, pikepdf.open(actual) as other:
        assert len(other.pages) == len(one.pages)
        assert outline_of(other) == outline_of(one)
        assert destinations_of(other) == destinations_of(one)
        assert structure_of(other) == structure_of(one)
        assert "/PageLabels" in one.Root
        assert PdfReader(actual).page_labels == PdfReader(expected).page_labels
        for key in ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata"):
            assert key in other.Root, key
        assert dict(other.docinfo) == dict(one.docinfo)


# -- the chunks --------------------------------------------------------------------------------------------------


def test_the_sample_is_cut_into_title_contents_chapters_and_back_matter(sample_copy):
    from bookbuild.editions import editions_named
    from bookbuild.pipeline import read_sources, render
    from bookbuild.render.book import print_document

    report = Report(stream=None)
    sources = read_sources(sample_copy, None, report)
    edition = editions_named(sources.config, None)[0]
    html = print_document(render(sources, edition, "print", report), sources.project)
    chunks = split_book(html)
    kinds = [chunk.kind for chunk in chunks]
    assert kinds[0] == FRONT and kinds[-1] == BACK and BODY in kinds
    assert [chunk.label for chunk in chunks if chunk.waits] == ["contents"]
    assert all(chunk.sentinel for chunk in chunks[:-1]) and not chunks[-1].sentinel
    for chunk, following in zip(chunks, chunks[1:]):
        # Each chunk ends with the empty start of the next, without its id.
        assert chunk.html.rstrip().endswith("</body>\n</html>")
        assert chunk.ids.isdisjoint(following.ids)
    for chunk in chunks:
        assert not set(chunk.outside_links) & chunk.ids
    assert all("dcterms.created" not in chunk.html for chunk in chunks)  # the joined PDF is stamped instead


def test_a_document_that_cannot_be_cut_safely_is_one_chunk():
    html = ('<!DOCTYPE html><html><head><title>T</title></head><body>loose text'
            '<section class="chapter"><h1 id="a">A</h1></section>'
            '<section class="chapter"><h1 id="b">B</h1></section></body></html>')
    [chunk] = split_book(html)
    assert chunk.kind == WHOLE and chunk.html == html and chunk.ids == {"a", "b"}


# -- the same pages ----------------------------------------------------------------------------------------------


def test_parallel_build_of_the_sample_matches_a_single_process_build(sample_copy, tmp_path):
    [single] = build(sample_copy, ("pdf",), None, tmp_path / "single", Report(stream=None), settings=SINGLE)
    [parallel] = build(sample_copy, ("pdf",), None, tmp_path / "parallel", Report(stream=None), settings=PARALLEL)
    assert (tmp_path / "parallel" / ".cache" / "layout").is_dir()
    assert (tmp_path / "single" / ".cache" / "layout").is_dir()  # one worker, under the same limits
    assert_same_book(single, parallel)
    assert single.read_bytes() == parallel.read_bytes()  # reproducible whatever the number of cores
    assert_distinct_font_subsets(parallel)


def assert_distinct_font_subsets(path: Path) -> None:
    """Different subsets of a font carry different tags (ISO 32000-1, 9.6.4), and each font names its subset."""
    files: dict[str, set[bytes]] = {}
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor" and "/FontFile2" in obj:
                files.setdefault(str(obj.FontName), set()).add(hashlib.sha256(obj.FontFile2.read_raw_bytes()).digest())
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and "/DescendantFonts" in obj:
                assert obj.BaseFont == obj.DescendantFonts[0].FontDescriptor.FontName
    assert len(files) > 7  # the chunks subset the same fonts
    assert all(len(digests) == 1 for digests in files.values()), files


def test_incremental_build_after_an_edit_matches_a_clean_single_process_build(synthetic, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build(synthetic, ("pdf",), None, out, Report(stream=None), settings=PARALLEL)
    chapter = synthetic / "manuscript" / "02-chapter.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nA new closing paragraph, long enough to matter. "
                       * 40 + "\n", encoding="utf-8")
    laid_out = []
    send = pool_module.WorkerPool.send

    def recording(self, worker, kind, job, label):
        laid_out.append((kind, label))
        return send(self, worker, kind, job, label)

    monkeypatch.setattr(pool_module.WorkerPool, "send", recording)
    [incremental] = build(synthetic, ("pdf",), None, out, Report(stream=None), settings=PARALLEL)
    labels = {label for kind, label in laid_out if kind in ("layout", "both")}
    assert "chapter-2" in labels and "chapter-1" not in labels and "chapter-3" not in labels
    [single] = build(synthetic, ("pdf",), None, tmp_path / "single", Report(stream=None), settings=SINGLE)
    assert_same_book(single, incremental)
    [clean] = build(synthetic, ("pdf",), None, tmp_path / "clean", Report(stream=None), settings=PARALLEL)
    assert clean.read_bytes() == incremental.read_bytes()


def test_the_cache_is_safe_to_delete(synthetic, tmp_path):
    out = tmp_path / "out"
    [first] = build(synthetic, ("pdf",), None, out, Report(stream=None), settings=PARALLEL)
    before = first.read_bytes()
    [again] = build(synthetic, ("pdf",), None, out, Report(stream=None), settings=PARALLEL)  # all from the cache
    assert again.read_bytes() == before
    shutil.rmtree(out / ".cache")
    [cold] = build(synthetic, ("pdf",), None, out, Report(stream=None), settings=PARALLEL)
    assert hashlib.sha256(cold.read_bytes()).digest() == hashlib.sha256(before).digest()


def test_an_epub_after_the_pdf_lays_out_nothing(synthetic, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build(synthetic, ("pdf",), None, out, Report(stream=None), settings=PARALLEL)
    sent = []
    monkeypatch.setattr(pool_module.WorkerPool, "send", lambda self, *args: sent.append(args))
    [epub] = build(synthetic, ("epub",), None, out, Report(stream=None), settings=PARALLEL)
    assert sent == []
    monkeypatch.undo()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    [cold] = build(synthetic, ("epub",), None, tmp_path / "cold", Report(stream=None), settings=PARALLEL)
    assert cold.read_bytes() == epub.read_bytes()


def test_jobs_from_the_environment(monkeypatch, synthetic):
    from bookbuild.pipeline import jobs_from_environment

    monkeypatch.setenv("BOOKBUILD_JOBS", "1")
    assert jobs_from_environment() == 1
    monkeypatch.setenv("BOOKBUILD_JOBS", "many")
    with pytest.raises(BookbuildError) as caught:
        build(synthetic, ("pdf",), None, None, Report(stream=None))
    assert caught.value.problems[0].format() == "BOOKBUILD_JOBS: error: 'many' is not a whole number of processes"


# -- workers -----------------------------------------------------------------------------------------------------


def test_a_worker_over_its_time_limit_ends_the_build_with_a_clear_message(synthetic):
    from bookbuild.layout.worker import LayoutJob, Styles

    pool = pool_module.WorkerPool(1, pool_module.Limits(memory_mb=4096, seconds=600))
    try:
        html = (synthetic / "manuscript" / "01-chapter.md").read_text(encoding="utf-8")
        job = LayoutJob("k", "chapter-1", f"<html><body><p>{html}</p></body></html>",
                        Styles((), "file:///", ("/",), "pdf/ua-1"), "right", (), False)
        pool.send(0, "layout", job, "chapter-1")
        time.sleep(0.5)
        os.kill(pool._workers[0].process.pid, signal.SIGXCPU)  # as the kernel does when the limit is reached
        with pytest.raises(pool_module.WorkerFailed) as caught:
            pool.receive()
        message = caught.value.problems[0].message
        assert message.startswith("chapter-1: laying out took more than 600 seconds of processor time")
        assert "BOOKBUILD_WORKER_SECONDS" in message
    finally:
        pool.terminate()


# -- progress ----------------------------------------------------------------------------------------------------


def test_progress_is_quiet_when_not_on_a_terminal():
    stream = io.StringIO()
    progress = Progress.on_terminal(stream)
    progress.count("laying out book.pdf", 3, 20)
    progress.clear()
    assert stream.getvalue() == ""


def test_progress_on_a_terminal_rewrites_one_line_and_clears_it():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = Progress.on_terminal(stream)
    progress.count("laying out book.pdf", 20, 20)
    assert stream.getvalue() == "\rlaying out book.pdf: 20/20"
    progress.clear()
    assert stream.getvalue().endswith("\r" + " " * len("laying out book.pdf: 20/20") + "\r")


def test_the_command_line_takes_jobs(synthetic, tmp_path):
    import subprocess

    result = subprocess.run([sys.executable, "-m", "bookbuild", "build", "pdf", "--jobs", "1", "--project",
                             str(synthetic), "--out", str(tmp_path / "out")], capture_output=True, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"bookbuild: building {synthetic.resolve()}\n"  # not a terminal: no progress line
    assert (tmp_path / "out" / ".cache" / "layout").is_dir()  # --jobs 1 lays out in a worker, like any other
