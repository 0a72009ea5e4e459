"""A build with nothing changed does nothing: the fingerprint of a build command's inputs, and the no-op build."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bookbuild import freshness
from bookbuild.cache import read_signed, write_signed
from bookbuild.freshness import fingerprint, record_build, up_to_date

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc00000030101001b0d1b9b0000000049454e44ae426082")
FILES = {
    "manuscript/book.toml": 'title = "Fresh"\nlanguage = "en"\nbibliography = "refs.bib"\n'
                            'chapters = ["01.md", "02.md"]\n',
    "manuscript/01.md": "# One\n\nA first chapter [@key].\n\n![A dot](dot.png)\n",
    "manuscript/02.md": "# Two\n\nA second chapter.\n",
    "manuscript/refs.bib": "@book{key, author = {Ann Author}, title = {A Title}, year = {2001}, publisher = {P}}\n",
    "manuscript/dot.png": PNG,
    "styles/book.css": "p { color: black; }\n",
}
COMMAND = {"target": "pdf", "editions": None, "print_shop": False, "preflight": False, "strict": False, "jobs": None}


def later(path: Path, text: str | bytes) -> None:
    """Rewrite *path* (a new status whatever the file system's clock resolution)."""
    time.sleep(0.01)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def book(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    monkeypatch.delenv("BOOKBUILD_JOBS", raising=False)
    return project(FILES)


def inputs(root: Path, command: dict = COMMAND, out: Path | None = None) -> str:
    found = fingerprint(root, out, command)
    assert found is not None
    return found.inputs


@pytest.mark.parametrize("path, text", [
    ("manuscript/01.md", "# One\n\nA first chapter, edited [@key].\n\n![A dot](dot.png)\n"),
    ("manuscript/02.md", "# Two\n\nA second chapter!\n"),
    ("manuscript/book.toml", FILES["manuscript/book.toml"] + 'subtitle = "New"\n'),
    ("manuscript/refs.bib", FILES["manuscript/refs.bib"].replace("2001", "2002")),
    ("manuscript/dot.png", PNG + b"\0"),
    ("styles/book.css", "p { color: navy; }\n"),
    ("styles/templates/copyright.html.j2", "{# new #}\n"),
    ("images/new.png", PNG),
])
def test_every_project_file_is_in_the_fingerprint(book, path, text):
    before = inputs(book)
    assert inputs(book) == before  # stable
    (book / path).parent.mkdir(parents=True, exist_ok=True)
    later(book / path, text)
    assert inputs(book) != before, path


def test_same_size_same_time_rewrite_still_counts(book):
    before = inputs(book)
    chapter = book / "manuscript" / "02.md"
    status = chapter.stat()
    later(chapter, "# Two\n\nA second chapteR.\n")  # same size
    os.utime(chapter, ns=(status.st_atime_ns, status.st_mtime_ns))  # and the old time put back
    assert inputs(book) != before  # its change time still tells


@pytest.mark.parametrize("change", [
    {"target": "epub"}, {"editions": ["teacher"]}, {"print_shop": True}, {"preflight": True}, {"strict": True},
    {"jobs": 1},
])
def test_the_command_is_in_the_fingerprint(book, change):
    assert inputs(book, {**COMMAND, **change}) != inputs(book)
    assert fingerprint(book, None, {**COMMAND, **change}).record != fingerprint(book, None, COMMAND).record


def test_the_environment_and_the_day_are_in_the_fingerprint(book, monkeypatch):
    before = inputs(book)
    monkeypatch.setenv("BOOKBUILD_JOBS", "1")
    assert inputs(book) != before
    monkeypatch.delenv("BOOKBUILD_JOBS")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000001")
    assert inputs(book) != before
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    today = inputs(book)
    assert freshness.build_day() == dt.datetime.now(dt.UTC).date().isoformat()
    monkeypatch.setattr(freshness, "build_day", lambda: "2099-01-02")
    assert inputs(book) != today


def test_bookbuild_its_theme_and_version_are_in_the_fingerprint(book, monkeypatch, tmp_path):
    before = inputs(book)
    monkeypatch.setattr(freshness, "__version__", "99.0")
    assert inputs(book) != before
    monkeypatch.undo()
    package = tmp_path / "package"
    shutil.copytree(freshness.PACKAGE_DIR / "theme", package / "theme")
    monkeypatch.setattr(freshness, "PACKAGE_DIR", package)
    copied = inputs(book)
    later(package / "theme" / "css" / "book.css", "/* changed */\n")
    assert inputs(book) != copied


def test_the_output_folder_and_tool_folders_are_not_inputs(book):
    before = inputs(book)
    (book / "build" / "x").mkdir(parents=True)
    (book / "build" / "x" / "y.pdf").write_bytes(b"%PDF")
    (book / ".git").mkdir()
    (book / ".git" / "index").write_bytes(b"x")
    (book / "node_modules").mkdir()
    assert inputs(book) == before


def test_a_book_that_downloads_images_is_always_built(project):
    root = project({"manuscript/book.toml": 'title = "T"\nremote-resources = true\n', "manuscript/01.md": "# T\n"})
    assert fingerprint(root, None, COMMAND) is None


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_an_odd_book_toml_is_never_read_and_means_a_build(project, kind, tmp_path):
    root = project({"manuscript/01.md": "# T\n"})
    config = root / "manuscript" / "book.toml"
    if kind == "fifo":
        os.mkfifo(config)  # opening it for reading would wait for a writer for ever
    else:
        (tmp_path / "elsewhere.toml").write_text('title = "T"\n')
        config.symlink_to(tmp_path / "elsewhere.toml")
    assert fingerprint(root, None, COMMAND) is None


def test_a_forged_or_foreign_record_is_not_trusted(book, tmp_path):
    out = book / "build"
    out.mkdir()
    pdf = out / "fresh.pdf"
    pdf.write_bytes(b"%PDF-1.7 made by hand")
    found = fingerprint(book, None, COMMAND)
    record_build(found, [pdf], [])
    assert up_to_date(found) is not None
    data = read_signed(found.record)
    # Unsigned: the record as plain JSON, as a hostile project could ship it.
    found.record.write_bytes(data)
    assert up_to_date(found) is None
    # Signed, but for another command: the name is part of what is signed.
    other = fingerprint(book, None, {**COMMAND, "target": "epub"})
    write_signed(other.record, data)
    shutil.copyfile(other.record, found.record)
    assert up_to_date(found) is None
    # The record of another state of the inputs.
    record_build(found, [pdf], [])
    later(book / "manuscript" / "02.md", "# Two\n\nChanged.\n")
    assert up_to_date(fingerprint(book, None, COMMAND)) is None


def test_a_changed_or_missing_output_is_built_again(book):
    out = book / "build"
    out.mkdir()
    pdf = out / "fresh.pdf"
    pdf.write_bytes(b"%PDF-1.7 one")
    found = fingerprint(book, None, COMMAND)
    record_build(found, [pdf], ["manuscript/01.md:1: warning: w"])
    assert up_to_date(found).warnings == ("manuscript/01.md:1: warning: w",)
    later(pdf, b"%PDF-1.7 two")
    assert up_to_date(found) is None
    record_build(found, [pdf], [])
    pdf.unlink()
    assert up_to_date(found) is None
    pdf.symlink_to(book / "manuscript" / "dot.png")
    assert up_to_date(found) is None


# -- the command, end to end ------------------------------------------------------------------------------------

def run_build(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bookbuild", "build", *args, "--project", str(root)],
                          capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1780000000"},
                          timeout=600, check=False)


def outputs_state(out: Path) -> dict[str, tuple[int, int]]:
    return {str(path.relative_to(out)): (path.stat().st_mtime_ns, path.stat().st_ino)
            for path in out.rglob("*") if path.is_file()}


def test_a_second_build_with_nothing_changed_writes_nothing(project):
    root = project({**FILES, "manuscript/03.md": "# Three, not listed: a warning\n"})
    first = run_build(root, "pdf")
    assert first.returncode == 0, first.stderr
    assert "wrote " in first.stdout
    out = root / "build"
    before = outputs_state(out)
    second = run_build(root, "pdf")
    assert second.returncode == 0, second.stderr
    assert outputs_state(out) == before  # nothing written, not even the cache
    assert "wrote" not in second.stdout
    assert second.stdout == "up to date build/fresh.pdf\n" or second.stdout.strip().endswith("build/fresh.pdf")
    assert "nothing changed since the last build: 1 output up to date" in second.stderr
    # The warnings of the recorded build are given again.
    warned = [line for line in first.stderr.splitlines() if ": warning: " in line]
    assert warned and all(line in second.stderr for line in warned)
    # Another target is another command: built.
    assert "wrote " in run_build(root, "epub").stdout
    # An edited chapter, a deleted output: built again.
    later(root / "manuscript" / "02.md", "# Two\n\nA second chapter, edited.\n")
    assert "wrote " in run_build(root, "pdf").stdout
    assert "up to date" in run_build(root, "pdf").stdout
    (out / "fresh.pdf").unlink()
    assert "wrote " in run_build(root, "pdf").stdout
    assert (out / "fresh.pdf").is_file()
