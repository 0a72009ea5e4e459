"""Turn synthetic books into a table of build times and memory: bookbuild against Pandoc's paths to PDF and EPUB.

For each corpus (``standard``: some citations and notes; ``dense``: a cited
footnote in every paragraph), each size and each machine state (``idle``, and
``loaded``: one core kept busy by a spinner process this script starts and
stops), every command runs as its own process tree.  The table shows
whole-process wall time, peak memory (the largest sum of the resident memory
of the process and all its children, sampled every 20 ms), pages, and ratios
measured in the same run:

* Pandoc → HTML → WeasyPrint: Pandoc (pypandoc-binary) ``--citeproc`` to
  standalone HTML, then WeasyPrint to an A5 PDF in the theme's font;
* Pandoc → Typst: Pandoc's typst writer ``--citeproc``, compiled by the
  ``typst`` Python package (what Quarto's typst format does);
* Pandoc → EPUB;
* bookbuild: ``build pdf`` cold (no cache, default workers), ``--jobs 1``
  cold, a second ``build pdf`` with nothing changed, after one chapter is
  edited, ``build epub`` with the print layout cached, ``build epub`` cold,
  an EPUB of the same book declared as not printed (``[outputs] all =
  ["epub"]``), and ``build all`` cold.

    python benchmarks/run.py --chapters 20 60 200 --corpus standard dense --load idle loaded --repeat 1
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CORPORA, write_corpus

BASELINE_CSS = """@page { size: 148mm 210mm; margin: 16mm 14mm 18mm 17mm; }
html { font-family: "Charis SIL", serif; font-size: 10pt; line-height: 1.4; }
body { margin: 0; text-align: justify; hyphens: auto; }
"""
EPOCH = "1767225600"


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_mb: float  # the largest sum of resident memory (RSS) of the command's processes
    peak_pss_mb: float | None = None  # the largest sum of their proportional set size: shared pages split


@dataclass(frozen=True)
class Row:
    corpus: str
    chapters: int
    load: str
    name: str
    value: Measurement
    reference: str = ""  # the row this one is compared with
    pages: int | None = None


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, in kB (see _tree_memory_kb)."""
    return _tree_memory_kb(root)[0]


def _tree_memory_kb(root: int) -> tuple[int, int]:
    """Resident memory (RSS) of a process and all its descendants, in kB; and their proportional set size
    (PSS, from /proc/PID/smaps_rollup: a page shared by k of the processes, such as the libraries' code,
    counts 1/k in each), 0 where it cannot be read.

    A child that is still its parent's copy (forked or vforked to run another
    program, not yet exec'd: the same command line) is not counted: its
    resident pages are its parent's, counted already. Starting ``fc-match`` or
    ``pdftotext`` from a 250 MB build would otherwise count 250 MB twice.
    """
    total, proportional, stack = 0, 0, [(root, None)]
    while stack:
        pid, parent_command = stack.pop()
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                command = cmdline.read()
            if command == parent_command:
                continue
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            try:
                with open(f"/proc/{pid}/smaps_rollup") as rollup:
                    proportional += next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
            except OSError:
                pass
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    stack.extend((int(child), command) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total, proportional


def measure(command: list[str] | str, cwd: Path, env: dict[str, str] | None = None) -> Measurement:
    peak = peak_pss = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, shell=isinstance(command, str), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE,
                               env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})})
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.is_set():
            rss, pss = _tree_memory_kb(process.pid)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"command failed ({process.returncode}): {command}\n{errors.decode(errors='replace')}")
    return Measurement(seconds, peak / 1024, peak_pss / 1024 if peak_pss else None)


def median_of(repeat: int, command, cwd: Path, before=None) -> Measurement:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(measure(command, cwd))
    pss = [r.peak_pss_mb for r in runs if r.peak_pss_mb is not None]
    return Measurement(statistics.median(r.seconds for r in runs), statistics.median(r.peak_mb for r in runs),
                       statistics.median(pss) if pss else None)


class Spinner:
    """One core kept busy by a process of its own, started and stopped by this script (by its PID)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Spinner:  # noqa: PYI034 - a class of its own, never subclassed
        self.process = subprocess.Popen([sys.executable, "-c", "while True:\n    pass\n"])
        time.sleep(1.0)  # running, and seen running
        return self

    def __exit__(self, *exc) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


ROWS = {  # --rows: a short name for each row
    "weasyprint": "Pandoc → HTML → WeasyPrint", "typst": "Pandoc → Typst", "pandoc-epub": "Pandoc → EPUB",
    "pdf-cold": "bookbuild pdf, cold", "pdf-jobs1": "bookbuild pdf, cold, --jobs 1",
    "pdf-unchanged": "bookbuild pdf, nothing changed", "pdf-edited": "bookbuild pdf, one chapter edited",
    "epub-cached": "bookbuild epub, print layout cached", "epub-cold": "bookbuild epub, cold",
    "epub-screen": "bookbuild epub, not printed", "all-cold": "bookbuild all, cold",
}


def rows_for(corpus: str, chapters: int, load: str, repeat: int, work: Path,
             chosen: frozenset[str] = frozenset(ROWS)) -> list[Row]:
    """The rows named in *chosen* (keys of ROWS; default all) for one corpus, size and machine state."""
    root = work / f"{corpus}{chapters}"
    manuscript = write_corpus(chapters, root, corpus)
    screen = work / f"{corpus}{chapters}-screen"  # the same book, declared as not printed
    write_corpus(chapters, screen, corpus, outputs='all = ["epub"]')
    out = root / "build"
    pandoc = shutil.which("pandoc") or str(Path(__import__("pypandoc").get_pandoc_path()))
    python = sys.executable
    files = " ".join(sorted(p.name for p in manuscript.glob("*.md")))
    (root / "a5.css").write_text(BASELINE_CSS, encoding="utf-8")
    common = f"{pandoc} {files} --citeproc --bibliography references.bib --metadata title=Benchmark"
    typst = (f"{common} -t typst -V papersize=a5 -V mainfont='Charis SIL' -s -o ../pandoc.typ && "
             f"{python} -c \"import typst; typst.compile('../pandoc.typ', output='../pandoc-typst.pdf')\"")

    def bookbuild(*args: str, project: Path = root) -> list[str]:
        return [python, "-m", "bookbuild", "build", *args, "--project", str(project), "-q"]

    def clean() -> None:
        shutil.rmtree(out, ignore_errors=True)

    def clean_screen() -> None:
        shutil.rmtree(screen / "build", ignore_errors=True)

    def row(name: str, value: Measurement, reference: str = "", pages: int | None = None) -> Row:
        return Row(corpus, chapters, load, name, value, reference, pages)

    weasy = "Pandoc → HTML → WeasyPrint"
    rows = []
    if "weasyprint" in chosen:
        rows.append(row(weasy, median_of(repeat, f"{common} -s -o ../pandoc.html && {python} -m weasyprint "
                                         f"../pandoc.html ../pandoc.pdf -s ../a5.css", manuscript),
                        pages=_pages(root / "pandoc.pdf")))
    if "typst" in chosen:
        rows.append(row("Pandoc → Typst", median_of(repeat, typst, manuscript), weasy,
                        _pages(root / "pandoc-typst.pdf")))
    if "pandoc-epub" in chosen:
        rows.append(row("Pandoc → EPUB", median_of(repeat, f"{common} -o ../pandoc.epub", manuscript)))
    pdf_name = out / f"benchmark-book-of-{chapters}-chapters.pdf"
    if "pdf-cold" in chosen:
        rows.append(row("bookbuild pdf, cold", median_of(repeat, bookbuild("pdf"), root, clean), weasy,
                        _pages(pdf_name)))
    if "pdf-jobs1" in chosen:
        rows.append(row("bookbuild pdf, cold, --jobs 1",
                        median_of(repeat, bookbuild("pdf", "--jobs", "1"), root, clean), "bookbuild pdf, cold"))
    if not chosen & {"pdf-unchanged", "pdf-edited", "epub-cached", "epub-cold", "epub-screen", "all-cold"}:
        return rows
    measure(bookbuild("pdf"), root)  # the record of a default build
    if "pdf-unchanged" in chosen:
        rows.append(row("bookbuild pdf, nothing changed", median_of(repeat, bookbuild("pdf"), root),
                        "bookbuild pdf, cold"))
    edited = manuscript / "01-chapter.md"
    original = edited.read_text(encoding="utf-8")
    counter = [0]

    def edit() -> None:
        counter[0] += 1
        edited.write_text(original + f"\nOne more sentence, edit number {counter[0]}.\n", encoding="utf-8")

    if "pdf-edited" in chosen:
        rows.append(row("bookbuild pdf, one chapter edited", median_of(repeat, bookbuild("pdf"), root, edit),
                        "bookbuild pdf, cold"))
        edited.write_text(original, encoding="utf-8")
        measure(bookbuild("pdf"), root)
    if "epub-cached" in chosen:
        rows.append(row("bookbuild epub, print layout cached", median_of(repeat, bookbuild("epub"), root),
                        "Pandoc → EPUB"))
    if "epub-cold" in chosen:
        rows.append(row("bookbuild epub, cold", median_of(repeat, bookbuild("epub"), root, clean), "Pandoc → EPUB"))
    if "epub-screen" in chosen:
        rows.append(row("bookbuild epub, not printed", median_of(repeat, bookbuild("epub", project=screen), screen,
                                                                 clean_screen), "Pandoc → EPUB"))
    if "all-cold" in chosen:
        rows.append(row("bookbuild all, cold",
                        median_of(repeat, bookbuild("all", "--edition", "student"), root, clean),
                        "bookbuild pdf, cold"))
    return rows


def _pages(path: Path) -> int | None:
    try:
        from pypdf import PdfReader

        return len(PdfReader(path).pages)
    except Exception:  # noqa: BLE001 - the table is still useful without it
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown processor"


def _memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table, each with its time and memory ratio to the row it is compared with."""
    lines = ["| corpus | chapters | machine | path | wall s | peak MB | pages | time ratio | memory ratio | "
             "peak PSS MB |",
             "|---|---:|---|---|---:|---:|---:|---|---|---:|"]
    for row in rows:
        reference = next((other for other in rows if (other.corpus, other.chapters, other.load, other.name)
                          == (row.corpus, row.chapters, row.load, row.reference)), None)
        time_ratio = memory_ratio = ""
        if reference is not None:
            ratio = row.value.seconds / reference.value.seconds
            time_ratio = f"{ratio:.{3 if ratio < 0.1 else 2}f}× {_short(row.reference)}"
            memory_ratio = f"{row.value.peak_mb / reference.value.peak_mb:.2f}×"
        pages = "" if row.pages is None else str(row.pages)
        pss = "" if row.value.peak_pss_mb is None else f"{row.value.peak_pss_mb:.0f}"
        lines.append(f"| {row.corpus} | {row.chapters} | {row.load} | {row.name} | {row.value.seconds:.2f} | "
                     f"{row.value.peak_mb:.0f} | {pages} | {time_ratio} | {memory_ratio} | {pss} |")
    return "\n".join(lines)


LINEAR_SLACK = 1.05  # time may grow 5 % faster than the book: 200 chapters in at most 10.5× the time of 20
MEMORY_GROWTH = 2.0  # and in at most twice the peak memory


def scaling(rows: list[Row]) -> list[str]:
    """How a bookbuild cold PDF grows from the smallest book to each larger one (time and peak memory), against
    the targets: time linear in the chapters (with 5 % slack), peak memory at most twice the smallest book's."""
    lines = []
    for corpus in dict.fromkeys(row.corpus for row in rows):
        for load in dict.fromkeys(row.load for row in rows):
            cold = sorted((row.chapters, row.value) for row in rows if (row.corpus, row.load, row.name)
                          == (corpus, load, "bookbuild pdf, cold"))
            for chapters, value in cold[1:]:
                smallest, base = cold[0]
                time_ratio, memory_ratio = value.seconds / base.seconds, value.peak_mb / base.peak_mb
                time_limit = LINEAR_SLACK * chapters / smallest
                memory = _verdict(memory_ratio, MEMORY_GROWTH)
                lines.append(f"{corpus}, {load}: {chapters} chapters against {smallest}: time {time_ratio:.2f}× "
                             f"(at most {time_limit:.2f}×: {_verdict(time_ratio, time_limit)}), peak memory "
                             f"{memory_ratio:.2f}× (at most {MEMORY_GROWTH:.0f}×: {memory})")
    return lines


def _verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "not met"


def _short(name: str) -> str:
    return {"Pandoc → HTML → WeasyPrint": "WeasyPrint path", "bookbuild pdf, cold": "cold pdf",
            "Pandoc → EPUB": "Pandoc EPUB"}.get(name, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chapters", type=int, nargs="+", default=[20, 60, 200])
    parser.add_argument("--corpus", nargs="+", choices=CORPORA, default=list(CORPORA))
    parser.add_argument("--load", nargs="+", choices=("idle", "loaded"), default=["idle", "loaded"],
                        help="idle: as the machine is; loaded: with one core kept busy by a spinner")
    parser.add_argument("--repeat", type=int, default=1, help="runs per command; the median is shown")
    parser.add_argument("--rows", nargs="+", choices=tuple(ROWS), default=list(ROWS),
                        help="the rows to measure (default: all), such as --rows weasyprint pdf-cold")
    parser.add_argument("--work", type=Path, help="where to write the corpora (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bookbuild-bench-"))
    print(f"machine: {_cpu_model()}, {os.cpu_count()} cores, {_memory_gb():.0f} GB; Python {sys.version.split()[0]}; "
          f"load average at start {os.getloadavg()[0]:.2f}; corpora in {work}", flush=True)
    rows: list[Row] = []
    for chapters in args.chapters:
        for corpus in args.corpus:
            for load in args.load:
                started = os.getloadavg()[0]
                if load == "loaded":
                    with Spinner():
                        found = rows_for(corpus, chapters, load, args.repeat, work, frozenset(args.rows))
                else:
                    found = rows_for(corpus, chapters, load, args.repeat, work, frozenset(args.rows))
                rows.extend(found)
                print(f"\n{corpus}, {chapters} chapters, {load} (load average {started:.2f} before, "
                      f"{os.getloadavg()[0]:.2f} after):\n{table(found)}", flush=True)
    print("\nAll rows:\n" + table(rows))
    for line in scaling(rows):
        print(line)
    print("\nratios: against the row named (a bookbuild PDF against the WeasyPrint path, an EPUB against Pandoc's, "
          "a rebuild against a cold build); memory: sum of every process of the command's resident memory (RSS; "
          "the ratios use it), and beside it the sum of their proportional set sizes (PSS: pages shared between "
          "the processes, such as libraries, counted once)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
