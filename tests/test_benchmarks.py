"""The benchmark's corpora and its table (the timings themselves live in benchmarks/, never in tests)."""

from __future__ import annotations

import importlib.util
import re
import sys

from .conftest import SAMPLE


def _module(name: str):
    sys.path.insert(0, str(SAMPLE / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(f"bookbuild_bench_{name}", SAMPLE / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SAMPLE / "benchmarks"))


def paragraphs(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if block and block[0].isalpha()]


def test_the_dense_corpus_cites_a_source_and_a_note_in_every_paragraph(tmp_path):
    corpus = _module("corpus")
    manuscript = corpus.write_corpus(3, tmp_path / "dense", "dense")
    for number in (1, 2, 3):
        text = (manuscript / f"{number:02d}-chapter.md").read_text(encoding="utf-8")
        found = paragraphs(text)
        assert len(found) == 18
        assert all(re.search(r"\[@author\d\d, \d+\]\.\[\^c\d+n\d+\]$", block) for block in found)
    words = sum(len((manuscript / f"{n:02d}-chapter.md").read_text().split()) for n in (1, 2, 3))
    assert 1_400 * 3 <= words <= 2_000 * 3  # about 1,700 a chapter, as the standard corpus
    # Deterministic, and the standard corpus is as it was: fewer notes.
    again = corpus.write_corpus(3, tmp_path / "again", "dense")
    assert (again / "01-chapter.md").read_bytes() == (manuscript / "01-chapter.md").read_bytes()
    standard = corpus.write_corpus(3, tmp_path / "standard")
    text = (standard / "01-chapter.md").read_text(encoding="utf-8")
    assert text.count("[^") < 2 * 18


def test_the_corpus_can_be_declared_not_printed(tmp_path):
    corpus = _module("corpus")
    manuscript = corpus.write_corpus(1, tmp_path / "screen", "dense", outputs='all = ["epub"]')
    assert '[outputs]\nall = ["epub"]' in (manuscript / "book.toml").read_text(encoding="utf-8")


def test_the_table_gives_ratios_against_the_named_row():
    run = _module("run")
    rows = [run.Row("dense", 20, "idle", "Pandoc → HTML → WeasyPrint", run.Measurement(10.0, 200.0), pages=190),
            run.Row("dense", 20, "idle", "bookbuild pdf, cold", run.Measurement(6.0, 300.0),
                    "Pandoc → HTML → WeasyPrint", 169),
            run.Row("dense", 60, "idle", "bookbuild pdf, cold", run.Measurement(18.0, 330.0),
                    "Pandoc → HTML → WeasyPrint"),
            run.Row("dense", 20, "idle", "bookbuild pdf, nothing changed", run.Measurement(0.12, 20.0),
                    "bookbuild pdf, cold")]
    table = run.table(rows)
    assert "| dense | 20 | idle | bookbuild pdf, cold | 6.00 | 300 | 169 | 0.60× WeasyPrint path | 1.50× |" in table
    assert "| dense | 60 | idle | bookbuild pdf, cold | 18.00 | 330 |  |  |  |" in table  # no baseline measured
    assert "| 0.12 | 20 |  | 0.020× cold pdf | 0.07× |" in table
    assert run.scaling(rows) == ["dense, idle: 60 chapters against 20: time 3.00× (at most 3.15×: met), "
                                 "peak memory 1.10× (at most 2×: met)"]
    rows.append(run.Row("dense", 200, "idle", "bookbuild pdf, cold", run.Measurement(66.0, 650.0)))
    assert run.scaling(rows)[-1] == ("dense, idle: 200 chapters against 20: time 11.00× (at most 10.50×: not met), "
                                     "peak memory 2.17× (at most 2×: not met)")


def test_memory_counts_children_once_and_a_forked_copy_not_at_all():
    import os
    import subprocess
    import sys
    import time

    run = _module("run")
    # A parent holding 200 MB, with an exec'd child (its own program, counted) and a forked copy of itself
    # that has not exec'd (its pages are the parent's: not counted again).
    script = ("import os, subprocess, sys, time\n"
              "ballast = bytearray(200 * 1024 * 1024)\n"
              "ballast[::4096] = b'x' * len(ballast[::4096])\n"
              "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
              "if os.fork() == 0:\n"
              "    time.sleep(30)\n"
              "    os._exit(0)\n"
              "print('ready', flush=True)\n"
              "time.sleep(30)\n")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        time.sleep(0.5)
        with open(f"/proc/{process.pid}/status") as status:
            own = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        total = run._tree_rss_kb(process.pid)
        assert own > 200 * 1024
        assert own < total < own + 100 * 1024  # the sleeping interpreter, not the forked copy's 200 MB
    finally:
        for child in open(f"/proc/{process.pid}/task/{process.pid}/children").read().split():
            os.kill(int(child), 9)
        process.kill()
        process.wait()


def test_the_table_shows_pss_beside_rss_and_rows_can_be_chosen():
    import os

    run = _module("run")
    rows = [run.Row("dense", 20, "idle", "bookbuild pdf, cold", run.Measurement(6.0, 300.0, 280.4)),
            run.Row("dense", 20, "idle", "bookbuild pdf, cold, --jobs 1", run.Measurement(9.0, 200.0),
                    "bookbuild pdf, cold")]
    table = run.table(rows)
    assert "| peak MB | pages | time ratio | memory ratio | peak PSS MB |" in table
    assert "| bookbuild pdf, cold | 6.00 | 300 |  |  |  | 280 |" in table
    assert table.endswith("| 1.50× cold pdf | 0.67× |  |")  # no PSS measured: left empty, never made up
    rss, pss = run._tree_memory_kb(os.getpid())
    assert rss > 0 and 0 < pss <= rss * 1.05
    assert set(run.ROWS.values()) >= {"Pandoc → HTML → WeasyPrint", "bookbuild pdf, cold"}
