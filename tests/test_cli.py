"""The command line: exit codes, messages, help, and the commands that write nothing."""

from __future__ import annotations

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


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["new"], ["refs"]])
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
    assert result.stderr == f"error: '{tmp_path / 'taken'}' already exists and is not empty\n  hint: choose a new folder name\n"


def test_new_project_checks_and_builds(tmp_path):
    target = tmp_path / "fresh"
    assert run("new", str(target)).returncode == 0
    assert (target / "manuscript" / "book.toml").is_file()
    result = run("check", "--project", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 1 chapters, 1 citations, 1 sources")
    result = run("build", "all", "--project", str(target))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (target / "build").glob("*.*") if p.is_file()) == ["my-study-booklet.epub", "my-study-booklet.pdf"]


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
    result = run("build", "all", "--project", str(folder))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (folder / "build").glob("*.*") if p.is_file()) == ["the-first-chapter.epub",
                                                                       "the-first-chapter.pdf"]
