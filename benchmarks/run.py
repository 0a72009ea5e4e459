"""Turn a synthetic book into a table of build times and memory: bookbuild against Pandoc.

For each corpus size, every command runs as its own process tree; the table
shows whole-process wall time, peak memory (the largest sum of the resident
memory of the process and all its children, sampled every 20 ms) and the
ratio of bookbuild to the baseline measured in the same run:

* baseline EPUB: Pandoc (from pypandoc-binary) with --citeproc to EPUB;
* baseline PDF: Pandoc with --citeproc to standalone HTML, then WeasyPrint
  to PDF with an A5 page and the theme's fonts, so the page count is close;
* bookbuild PDF (cold: no cache), PDF after editing one chapter, EPUB with
  the print layout of the preceding PDF build cached, and a cold EPUB.

    python benchmarks/run.py --chapters 20 60 --repeat 3
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
from corpus import write_corpus  # noqa: E402

BASELINE_CSS = """@page { size: 148mm 210mm; margin: 16mm 14mm 18mm 17mm; }
html { font-family: "Charis SIL", serif; font-size: 10pt; line-height: 1.4; }
body { margin: 0; text-align: justify; hyphens: auto; }
"""


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_mb: float


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, in kB."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def measure(command: list[str] | str, cwd: Path) -> Measurement:
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, shell=isinstance(command, str), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"})
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"command failed ({process.returncode}): {command}\n{errors.decode(errors='replace')}")
    return Measurement(seconds, peak / 1024)


def best_of(repeat: int, command, cwd: Path, before=None) -> Measurement:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(measure(command, cwd))
    return Measurement(statistics.median(r.seconds for r in runs), statistics.median(r.peak_mb for r in runs))


def run(chapters: int, repeat: int, work: Path) -> list[tuple[str, Measurement, Measurement | None]]:
    root = work / f"book{chapters}"
    manuscript = write_corpus(chapters, root)
    out, cache = root / "build", root / "build" / ".cache"
    pandoc = shutil.which("pandoc") or str(Path(__import__("pypandoc").get_pandoc_path()))
    python = sys.executable
    bookbuild = [python, "-m", "bookbuild"]
    files = " ".join(sorted(p.name for p in manuscript.glob("*.md")))
    (root / "a5.css").write_text(BASELINE_CSS, encoding="utf-8")
    common = f"{pandoc} {files} --citeproc --bibliography references.bib --metadata title=Benchmark"

    def clear_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    baseline_epub = best_of(repeat, f"{common} -o ../pandoc.epub", manuscript)
    baseline_pdf = best_of(repeat, f"{common} -s -o ../pandoc.html && {python} -m weasyprint "
                                   f"../pandoc.html ../pandoc.pdf -s ../a5.css", manuscript)
    pdf = best_of(repeat, bookbuild + ["build", "pdf", "--project", str(root)], root, clear_cache)
    edited = manuscript / "01-chapter.md"
    original = edited.read_text(encoding="utf-8")
    counter = [0]

    def edit() -> None:
        counter[0] += 1
        edited.write_text(original + f"\nOne more sentence, edit number {counter[0]}.\n", encoding="utf-8")

    measure(bookbuild + ["build", "pdf", "--project", str(root)], root)  # warm the cache
    incremental = best_of(repeat, bookbuild + ["build", "pdf", "--project", str(root)], root, edit)
    edited.write_text(original, encoding="utf-8")
    measure(bookbuild + ["build", "pdf", "--project", str(root)], root)
    epub_warm = best_of(repeat, bookbuild + ["build", "epub", "--project", str(root)], root)
    epub_cold = best_of(repeat, bookbuild + ["build", "epub", "--project", str(root)], root, clear_cache)
    pages = _pages(out / f"benchmark-book-of-{chapters}-chapters.pdf")
    baseline_pages = _pages(root / "pandoc.pdf")
    print(f"\n{chapters} chapters: bookbuild PDF {pages} pages, baseline PDF {baseline_pages} pages")
    return [
        ("baseline PDF (Pandoc + WeasyPrint)", baseline_pdf, None),
        ("bookbuild PDF, cold", pdf, baseline_pdf),
        ("bookbuild PDF, one chapter edited", incremental, pdf),
        ("baseline EPUB (Pandoc)", baseline_epub, None),
        ("bookbuild EPUB, print layout cached", epub_warm, baseline_epub),
        ("bookbuild EPUB, cold", epub_cold, baseline_epub),
    ]


def _pages(path: Path) -> int:
    try:
        from pypdf import PdfReader

        return len(PdfReader(path).pages)
    except Exception:  # noqa: BLE001 - the table is still useful without it
        return -1


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chapters", type=int, nargs="+", default=[20, 60])
    parser.add_argument("--repeat", type=int, default=1, help="runs per command; the median is shown")
    parser.add_argument("--work", type=Path, help="where to write the corpora (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bookbuild-bench-"))
    print(f"machine: {_cpu_model()}, {os.cpu_count()} cores, {_memory_gb():.0f} GB; Python {sys.version.split()[0]}; "
          f"corpora in {work}")
    rows = []
    for chapters in args.chapters:
        for name, value, reference in run(chapters, args.repeat, work):
            rows.append((chapters, name, value, reference))
    print(f"\n{'chapters':>8}  {'command':<38} {'wall s':>7} {'peak MB':>8} {'time ratio':>10} {'mem ratio':>9}")
    for chapters, name, value, reference in rows:
        ratio = f"{value.seconds / reference.seconds:10.2f}" if reference else f"{'':>10}"
        memory = f"{value.peak_mb / reference.peak_mb:9.2f}" if reference else f"{'':>9}"
        print(f"{chapters:>8}  {name:<38} {value.seconds:7.2f} {value.peak_mb:8.0f} {ratio} {memory}")
    print("\nratios: bookbuild / the baseline above it (an edited build is compared with a cold build)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
