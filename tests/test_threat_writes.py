"""Class 3 (and the folder errors of class 5): a build creates, replaces and deletes only regular files it
owns under a real output folder; a folder it cannot write is a user error naming it, with no file left."""

from __future__ import annotations

import errno
import os
import resource
from pathlib import Path

import pytest

from bookbuild.errors import BookbuildError
from bookbuild.project import locate_project
from bookbuild.writers import write_output

from .threat_helpers import chapters, make_project, run_bookbuild, tree_state

OUTSIDE_FILES = {"keep-student.pdf": b"%PDF-1.4 not yours", "keep-teacher.pdf": b"%PDF teacher",
                 "notes.txt": b"notes", "12345678.json": b"{}", ".bookbuild-x.1.partial": b"partial"}


@pytest.fixture
def setting(tmp_path):
    project = make_project(tmp_path / "book", chapters(1, 20))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for name, data in OUTSIDE_FILES.items():
        (outside / name).write_bytes(data)
    return project, outside


def _build(project: Path, tmp_path: Path, *args: str):
    return run_bookbuild(project, *(args or ("build", "pdf")), home=tmp_path / "home")


@pytest.mark.parametrize("link", ["build", "build/handouts", "build/.cache", "build/.cache/layout",
                                  "build/.cache/layout/ab", "build/.cache/templates", "build/.cache/fonts"])
@pytest.mark.parametrize("target", ["outside", "manuscript"])
def test_symlinked_output_folders_are_refused(setting, tmp_path, link, target):
    project, outside = setting
    destination = outside if target == "outside" else project / "manuscript"
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(destination, target_is_directory=True)
    before_outside, before_manuscript = tree_state(outside), tree_state(project / "manuscript")
    result = _build(project, tmp_path, "build", "all")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{project / link}: error: output folder is a symlink or a file, not a folder" in result.stderr
    assert tree_state(outside) == before_outside
    assert tree_state(project / "manuscript") == before_manuscript


def test_a_file_in_place_of_an_own_folder_is_refused(setting, tmp_path):
    project, _ = setting
    (project / "build").mkdir()
    (project / "build" / "handouts").write_text("a file")
    result = _build(project, tmp_path, "build", "handouts")
    assert result.returncode == 1, result.stderr
    assert "handouts: error: output folder is a symlink or a file, not a folder" in result.stderr


def test_links_inside_the_output_folder_are_not_followed(setting, tmp_path):
    """A link the project ships in build/ (to a folder or a file) is replaced or left, never written through."""
    project, outside = setting
    build = project / "build"
    build.mkdir()
    (build / "elsewhere").symlink_to(outside, target_is_directory=True)  # the clean-up must not walk in
    (build / "threats.pdf").symlink_to(outside / "notes.txt")  # the output replaces the link, not its target
    before = tree_state(outside)
    result = _build(project, tmp_path)
    assert result.returncode == 0, result.stderr
    assert tree_state(outside) == before
    assert not (build / "threats.pdf").is_symlink()
    assert (build / "threats.pdf").read_bytes().startswith(b"%PDF")


def test_output_path_taken_by_a_folder(setting, tmp_path):
    project, _ = setting
    (project / "build" / "threats.pdf").mkdir(parents=True)
    result = _build(project, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "error: cannot write 'threats.pdf'" in result.stderr
    assert not list((project / "build").rglob(".bookbuild-*"))


@pytest.mark.parametrize("out, message", [("/dev/null", "error: output folder '/dev/null' is not a folder"),
                                          ("FILE", "is not a folder")])
def test_out_that_is_not_a_folder(setting, tmp_path, out, message):
    project, _ = setting
    if out == "FILE":
        out = str(tmp_path / "a-file")
        Path(out).write_text("mine")
    result = _build(project, tmp_path, "build", "pdf", "--out", out)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr
    if out != "/dev/null":
        assert Path(out).read_text() == "mine"


def _small_files() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))  # Python ignores SIGXFSZ: writes fail with EFBIG


def test_a_full_disk_is_an_error_naming_the_folder(setting, tmp_path):
    project, _ = setting
    result = run_bookbuild(project, "build", "pdf", home=tmp_path / "home", preexec=_small_files)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{project / 'build'}: error: cannot write 'threats.pdf': File too large" in result.stderr
    leftovers = [path for path in (project / "build").rglob("*") if path.name.startswith(".")
                 and path.is_file()]
    assert leftovers == []


@pytest.mark.parametrize("code, hint", [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "read-only file system"),
                                        (errno.EACCES, "not writable"), (errno.EDQUOT, "quota")])
def test_write_errors_name_the_folder_and_leave_nothing(tmp_path, monkeypatch, code, hint):
    project = locate_project(make_project(tmp_path / "book", chapters(1, 5)))
    real_write = os.write

    def failing(descriptor, data):
        if descriptor > 2:
            raise OSError(code, os.strerror(code))
        return real_write(descriptor, data)

    monkeypatch.setattr(os, "write", failing)
    with pytest.raises(BookbuildError) as caught:
        write_output(project, project.out_dir / "book.pdf", b"%PDF" * 1000)
    text = caught.value.problems[0].format()
    assert text.startswith(f"{project.out_dir}: error: cannot write 'book.pdf': {os.strerror(code)}")
    assert hint in text
    assert list(project.out_dir.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not stop root")
def test_read_only_output_folder(setting, tmp_path):
    project, _ = setting
    (project / "build").mkdir()
    os.chmod(project / "build", 0o555)
    try:
        result = _build(project, tmp_path)
    finally:
        os.chmod(project / "build", 0o755)
    assert result.returncode == 1, result.stderr
    assert "error: cannot write 'threats.pdf': Permission denied" in result.stderr


def test_writing_outside_the_output_folder_is_refused(tmp_path):
    project = locate_project(make_project(tmp_path / "book", chapters(1, 5)))
    for path in (tmp_path / "elsewhere.pdf", project.manuscript_dir / "x.pdf"):
        with pytest.raises(BookbuildError):
            write_output(project, path, b"x")
        assert not path.exists()
