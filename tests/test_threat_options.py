"""Class 7: the same limits and the same bytes whatever the options (--jobs 1, --jobs 2, the environment)."""

from __future__ import annotations

import pytest

from .threat_helpers import chapters, make_project, run_bookbuild


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    base = tmp_path_factory.mktemp("options")
    return base, make_project(base / "book", chapters(3, 300))


def test_jobs_1_and_jobs_2_give_the_same_bytes(book):
    base, project = book
    outputs = {}
    for jobs in ("1", "2"):
        out = base / f"out-{jobs}"
        result = run_bookbuild(project, "build", "pdf", "--jobs", jobs, "--out", str(out), home=base / "home")
        assert result.returncode == 0, result.stderr
        outputs[jobs] = (out / "threats.pdf").read_bytes()
        assert (out / ".cache" / "layout").is_dir()  # one worker or two: the same path, the same cache
    assert outputs["1"] == outputs["2"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_worker_memory_limit_holds_for_any_number_of_jobs(book, jobs):
    """A limit too small to lay anything out stops the build with the same message, one worker or two."""
    base, project = book
    result = run_bookbuild(project, "build", "pdf", "--jobs", jobs, "--out", str(base / f"small-{jobs}"),
                           home=base / "home", env={"BOOKBUILD_WORKER_MEMORY_MB": "100"})
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    assert "the layout process" in result.stderr or "more than 100 MB" in result.stderr


def test_handouts_are_laid_out_under_the_limits(book):
    base, project = book
    handout = project / "manuscript" / "04.md"
    handout.write_text("---\nhandout: true\ntitle: Sheet\n---\n# Sheet\n\nWork.\n")
    try:
        result = run_bookbuild(project, "build", "handouts", "--out", str(base / "handouts-small"),
                               home=base / "home", env={"BOOKBUILD_WORKER_MEMORY_MB": "40"})
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == 1, result.stderr
        assert "error: handouts: laying out was stopped" in result.stderr and "40 MB" in result.stderr
        result = run_bookbuild(project, "build", "handouts", "--out", str(base / "handouts"), home=base / "home")
        assert result.returncode == 0, result.stderr
    finally:
        handout.unlink()


def test_limits_from_the_environment_are_the_workers_limits(monkeypatch):
    from bookbuild.layout import pool

    monkeypatch.setenv("BOOKBUILD_WORKER_SECONDS", "7")
    monkeypatch.setenv("BOOKBUILD_WORKER_MEMORY_MB", "999")
    assert pool.limits_from_environment() == pool.Limits(memory_mb=999, seconds=7)
    monkeypatch.setenv("BOOKBUILD_WORKER_SECONDS", "-1")
    assert pool.limits_from_environment().seconds == pool.DEFAULT_SECONDS
