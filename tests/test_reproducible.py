"""Same bytes every build, and nothing lost when a build is killed."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import SAMPLE


def build(project: Path, out: Path, env: dict[str, str], *targets: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bookbuild", "build", *targets, "--project", str(project),
                           "--out", str(out)], capture_output=True, text=True, env={**os.environ, **env})


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_source_date_epoch_gives_identical_bytes_whatever_the_clock_and_zone(tmp_path):
    first = build(SAMPLE, tmp_path / "a", {"SOURCE_DATE_EPOCH": "1780000000", "TZ": "UTC"},
                  "all", "--edition", "student")
    time.sleep(1.1)  # a different clock second
    second = build(SAMPLE, tmp_path / "b", {"SOURCE_DATE_EPOCH": "1780000000", "TZ": "Pacific/Auckland"},
                   "all", "--edition", "student")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    names = sorted(p.name for p in (tmp_path / "a").glob("*.*") if p.is_file())
    assert {"hungary-1956.pdf", "hungary-1956.epub"} <= set(names)
    for name in names:
        assert digest(tmp_path / "a" / name) == digest(tmp_path / "b" / name), name


def test_build_date_comes_from_the_clock_without_source_date_epoch(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    result = subprocess.run([sys.executable, "-m", "bookbuild", "build", "epub", "--project", str(SAMPLE),
                             "--out", str(tmp_path)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    import zipfile

    opf = zipfile.ZipFile(tmp_path / "hungary-1956.epub").read("EPUB/content.opf").decode()
    year = time.gmtime().tm_year
    assert f'<meta property="dcterms:modified">{year}-' in opf


def test_bad_source_date_epoch_is_a_clear_error(tmp_path):
    result = build(SAMPLE, tmp_path, {"SOURCE_DATE_EPOCH": "yesterday"}, "epub")
    assert result.returncode == 1
    assert result.stderr.startswith(f"bookbuild: building {SAMPLE}\n"
                                    "SOURCE_DATE_EPOCH: error: 'yesterday' is not a number of seconds since 1970")


def test_killed_build_keeps_previous_output_and_leaves_no_temporary_files(tmp_path):
    out = tmp_path / "out"
    env = {"SOURCE_DATE_EPOCH": "1780000000"}
    assert build(SAMPLE, out, env, "pdf", ).returncode == 0
    before = {path.name: digest(path) for path in out.glob("*.*") if path.is_file()}
    # Kill builds at different moments: during reading, layout and writing.
    for delay in (0.3, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0):
        process = subprocess.Popen([sys.executable, "-m", "bookbuild", "build", "pdf", "--project", str(SAMPLE),
                                    "--out", str(out)], env={**os.environ, "SOURCE_DATE_EPOCH": "1790000000"},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        files = {path.name for path in out.iterdir() if path.name != ".cache"}  # the layout cache
        assert files == set(before), files
        for name, value in before.items():
            current = digest(out / name)
            # Either untouched, or wholly replaced by the newer build (never half-written).
            if current != value:
                reference = tmp_path / "reference"
                if not reference.exists():
                    assert build(SAMPLE, reference, {"SOURCE_DATE_EPOCH": "1790000000"}, "pdf").returncode == 0
                assert current == digest(reference / name)
                before[name] = current


def test_pdf_dates_are_the_build_time(tmp_path):
    import pikepdf

    result = build(SAMPLE, tmp_path, {"SOURCE_DATE_EPOCH": "1780000000"}, "pdf")
    assert result.returncode == 0, result.stderr
    with pikepdf.open(tmp_path / "hungary-1956.pdf") as pdf:
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(1780000000))
        assert str(pdf.docinfo["/CreationDate"]).startswith(f"D:{stamp}")
        assert str(pdf.docinfo["/ModDate"]).startswith(f"D:{stamp}")
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert f"<xmp:CreateDate>{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(1780000000))}" in xmp
