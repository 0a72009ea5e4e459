"""The command line: exit codes, messages, help, and the commands that write nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bookbuild import __version__
from bookbuild.cli import main


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bookbuild", *args], capture_output=True, text=True,
                          cwd=cwd, check=False)


def test_version():
    result = run("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"bookbuild {__version__}")


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["new"], ["refs"], ["serve"]])
def test_every_command_has_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "usage: bookbuild" in result.stdout


def test_usage_mistake_exits_1():
    result = run("build", "pdfx")
    assert result.returncode == 1
    assert "invalid choice: 'pdfx'" in result.stderr


def test_user_error_is_one_line_per_problem_and_exit_1(project):
    root = project({"manuscript/book.toml": 'title = "T"\ncolour = "red"\n', "manuscript/01.md": "# T\n"})
    result = run("check", "--project", str(root))
    assert result.returncode == 1
    assert result.stderr == (f"bookbuild: checking {root.resolve()}\n"
                             "manuscript/book.toml:2:1: error: unknown key 'colour' in book.toml\n"
                             "  hint: see the README for the keys of book.toml\n")
    assert "Traceback" not in result.stderr


def test_bug_shows_traceback_and_exits_2(monkeypatch, capsys, project):
    root = project({"manuscript/01.md": "# T\n\nText.\n"})

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("bookbuild.pipeline.gather_sources", broken)
    assert main(["check", "--project", str(root)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: boom" in err


def test_missing_project_folder(tmp_path):
    result = run("check", "--project", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert result.stderr.startswith("error: project folder ")


def test_output_folder_inside_manuscript_is_refused(project):
    root = project({"manuscript/01.md": "# T\n\nText.\n"})
    result = run("build", "pdf", "--project", str(root), "--out", str(root / "manuscript" / "out"))
    assert result.returncode == 1
    assert "is inside the manuscript folder" in result.stderr
    assert not (root / "manuscript" / "out").exists()


def test_new_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    result = run("new", str(tmp_path / "taken"))
    assert result.returncode == 1
    assert result.stderr == (f"error: '{tmp_path / 'taken'}' already exists and is not empty\n"
                             "  hint: choose a new folder name\n")


def test_new_project_checks_and_builds(tmp_path):
    target = tmp_path / "fresh"
    assert run("new", str(target)).returncode == 0
    assert (target / "manuscript" / "book.toml").is_file()
    result = run("check", "--project", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 1 chapters, 1 citations, 1 sources")
    result = run("build", "all", "--project", str(target))
    assert result.returncode == 0, result.stderr
    # build all: every edition's PDF and EPUB (large print has none), the handouts and the copier booklets
    assert sorted(p.name for p in (target / "build").glob("*.*") if p.is_file()) == [
        "my-study-booklet-booklet.pdf", "my-study-booklet-large-print.pdf", "my-study-booklet-teacher-booklet.pdf",
        "my-study-booklet-teacher.epub", "my-study-booklet-teacher.pdf", "my-study-booklet.epub",
        "my-study-booklet.pdf"]
    assert sorted(p.name for p in (target / "build" / "handouts").glob("*.pdf")) == [
        "01-introduction-student.pdf", "01-introduction-teacher.pdf"]


def test_outputs_table_chooses_what_build_all_makes(project):
    root = project({"manuscript/book.toml": 'title = "Chosen"\n\n[outputs]\nall = ["pdf", "booklet"]\n'
                    'editions = ["teacher"]\n', "manuscript/01.md": "# One\n\nText.\n"})
    result = run("build", "all", "--project", str(root), cwd=root)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("wrote")] == [
        "wrote build/chosen-teacher.pdf", "wrote build/chosen-teacher-booklet.pdf"]


def test_outputs_table_is_checked(project):
    root = project({"manuscript/book.toml": '[outputs]\nall = ["pdf", "poster"]\n', "manuscript/01.md": "# One\n"})
    result = run("check", "--project", str(root))
    assert result.returncode == 1
    assert "manuscript/book.toml:2" in result.stderr and "poster" in result.stderr


def test_strict_turns_warnings_into_errors(project):
    root = project({"manuscript/01.md": "Untitled text with [^x].\n"})
    relaxed = run("check", "--project", str(root))
    assert relaxed.returncode == 0
    assert "warning: chapter has no title" in relaxed.stderr
    strict = run("check", "--strict", "--project", str(root))
    assert strict.returncode == 1
    assert "manuscript/01.md: error: chapter has no title" in strict.stderr


def test_bare_folder_of_chapters_builds(tmp_path):
    folder = tmp_path / "chapters"
    folder.mkdir()
    (folder / "01-first.md").write_text("# The First Chapter\n\nText [@gati2006, 4].\n", encoding="utf-8")
    (folder / "02-second.md").write_text("# Second\n\nMore text.\n", encoding="utf-8")
    (folder / "sources.bib").write_text("@book{gati2006, author = {Gati, Charles}, title = {Failed Illusions},"
                                        " publisher = {Stanford University Press}, year = {2006}}\n",
                                        encoding="utf-8")
    result = run("build", "pdf", "--project", str(folder))
    assert result.returncode == 0, result.stderr
    result = run("build", "epub", "--project", str(folder))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (folder / "build").glob("*.*") if p.is_file()) == ["the-first-chapter.epub",
                                                                       "the-first-chapter.pdf"]


@pytest.mark.parametrize("template, target, outputs", [
    ("booklet", "pdf", ["my-study-booklet.pdf"]),
    ("book", "epub", ["my-book.epub"]),
    ("handouts-only", "handouts", ["handouts/01-first-lesson-student.pdf", "handouts/01-first-lesson-teacher.pdf",
                                   "handouts/02-second-lesson-student.pdf", "handouts/02-second-lesson-teacher.pdf"]),
])
def test_each_template_is_ready_for_version_control_and_builds(tmp_path, template, target, outputs):
    target_dir = tmp_path / "fresh"
    created = run("new", str(target_dir), "--template", template)
    assert created.returncode == 0, created.stderr
    assert f"({template})" in created.stdout
    readme = (target_dir / "README.md").read_text(encoding="utf-8")
    assert f"bookbuild build {target}" in readme and "{" not in readme.split("```")[0]
    # git ignores what a build writes, and sees everything else.
    subprocess.run(["git", "init", "-q", str(target_dir)], check=True)
    result = run("build", target, "--project", str(target_dir))
    assert result.returncode == 0, result.stderr
    for name in outputs:
        assert (target_dir / "build" / name).is_file(), name
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=target_dir,
                            capture_output=True, text=True, check=True).stdout
    assert "build/" not in status
    assert "?? .gitignore" in status and "?? manuscript/book.toml" in status


def test_new_book_template_puts_the_preface_in_the_front_matter(tmp_path):
    from pypdf import PdfReader

    target_dir = tmp_path / "fresh"
    assert run("new", str(target_dir), "--template", "book").returncode == 0
    result = run("build", "pdf", "--project", str(target_dir))
    assert result.returncode == 0, result.stderr
    reader = PdfReader(target_dir / "build" / "my-book.pdf")
    labels = reader.page_labels
    preface = next(number for number, page in enumerate(reader.pages) if "Preface" in (page.extract_text() or "")
                   and "A preface sits" in (page.extract_text() or ""))
    assert labels[preface] in ("i", "ii", "iii", "iv", "v", "vi", "vii")


CODE_BOOK = {"manuscript/book.toml": 'title = "Code"\npublisher = "A School"\n',
             "manuscript/01.md": "# One\n\nText.\n\n```python\nprint('hello')\n```\n",
             "manuscript/02.md": "# Two\n\nMore text.\n"}


def test_a_log_gets_plain_progress_lines_for_every_output(project):
    root = project(CODE_BOOK)
    result = run("build", "all", "--edition", "student", "--project", str(root), cwd=root)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "reading the manuscript"
    counts = [line.rsplit(" ", 1)[1] for line in lines if line.startswith("laying out code.pdf: ")]
    total = counts[-1].split("/")[1]
    assert counts[0] == f"0/{total}" and counts[-1] == f"{total}/{total}" and len(counts) <= 5
    assert "making code.epub" in lines and "imposing code-booklet.pdf" in lines
    assert "rendering the handouts" in lines  # none to lay out: no chapter has questions
    assert [line for line in lines if line.startswith("wrote")] == [
        "wrote build/code.pdf", "wrote build/code.epub", "wrote build/code-booklet.pdf"]
    assert "\r" not in result.stdout
    # Standard error names the project, then problems alone; the libraries' chatter (the PDF
    # library's log lines) is not there.
    assert result.stderr == f"bookbuild: building {root.resolve()}\n"


def test_quiet_prints_only_problems_and_verbose_shows_the_libraries(project):
    root = project(CODE_BOOK)
    quiet = run("build", "epub", "-q", "--project", str(root))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    shutil.rmtree(root / "build")
    # The EPUB's fonts are subset by HarfBuzz, which logs nothing; the PDF's post-processing library does.
    verbose = run("build", "pdf", "--verbose", "--project", str(root))
    assert verbose.returncode == 0, verbose.stderr
    assert re.search(r"^\[pikepdf\] ", verbose.stderr, re.MULTILINE), verbose.stderr
    shutil.rmtree(root / "build")
    quiet = run("build", "pdf", "-q", "--project", str(root))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


@pytest.mark.parametrize("command", [["check"], ["refs", "x.bib"], ["new", "x"], ["build", "pdf"], ["serve"]])
def test_every_command_takes_quiet_and_verbose(command):
    result = run(*command, "--help")
    assert "--quiet" in result.stdout and "--verbose" in result.stdout
