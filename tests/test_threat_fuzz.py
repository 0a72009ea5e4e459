"""All classes at once: generated projects mixing symlinks out of the project, odd file kinds (FIFOs, folders
where files are expected, devices) and hostile bytes.  Whatever the mix, the build ends within its bounds with
exit 0 or 1 and no traceback, no output holds anything from outside the project, and nothing outside build/
changes.  Derandomised, with few examples, so that it runs in CI in well under a minute."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .threat_helpers import run_bookbuild, tree_state

SECRET = "FUZZ-SECRET-93b1"
PLACES = ["manuscript/02.md", "manuscript/refs.bib", "manuscript/book.toml", "manuscript/img.png",
          "styles/css/custom.css", "styles/css/print.css", "styles/templates/chapter.html.j2",
          "build", "build/handouts", "build/.cache", "build/.cache/layout", "build/.cache/templates"]
KINDS = ["secret link", "folder link", "fifo", "folder", "device", "hostile bytes", "nothing"]
HOSTILE = [b"\x00\x01\x02", b"\xff\xfe", "[" * 2000, "*" * 5000, "> " * 40 + "deep", "{{ 7*7 }}{% include 'x' %}",
           "@book{a, title={" + "{" * 200, "x = " + "[" * 3000, '---\na: &a [1]\nb: [*a, *a]\n---\n', "\ud800",
           "url(file:///etc/passwd)", "<svg><use href='#a'/></svg>", "\x1b[31m"]


@st.composite
def projects(draw):
    changes = draw(st.lists(st.tuples(st.sampled_from(PLACES), st.sampled_from(KINDS),
                                      st.sampled_from(range(len(HOSTILE)))),
                            min_size=1, max_size=4, unique_by=lambda change: change[0]))
    return changes


def _make(root: Path, outside: Path, changes) -> None:
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "01.md").write_text("# One\n\nText of the first chapter.\n")
    for place, kind, hostile in changes:
        path = root / place
        path.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(path):
            continue
        if kind == "secret link":
            path.symlink_to(outside / "secret.txt")
        elif kind == "folder link":
            path.symlink_to(outside, target_is_directory=True)
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "folder":
            path.mkdir()
        elif kind == "device":
            path.symlink_to("/dev/zero")
        elif kind == "hostile bytes":
            data = HOSTILE[hostile]
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))


@settings(max_examples=6, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=projects())
def test_generated_hostile_projects(tmp_path_factory, changes):
    base = tmp_path_factory.mktemp("fuzz")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"# {SECRET}\n\n{SECRET}\n")
    (outside / "keep.pdf").write_bytes(b"%PDF keep")
    root = base / "book"
    _make(root, outside, changes)
    before_outside = tree_state(outside)
    before_sources = {folder: tree_state(root / folder) for folder in ("manuscript", "styles")
                      if (root / folder).is_dir() and not (root / folder).is_symlink()}
    result = run_bookbuild(root, "build", "pdf", "--jobs", "1", home=base / "home", timeout=150)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert tree_state(outside) == before_outside
    for folder, state in before_sources.items():
        assert tree_state(root / folder) == state
    build = root / "build"
    if build.is_dir() and not build.is_symlink():
        for path in build.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                assert SECRET.encode() not in data, path
                if path.suffix == ".epub":
                    with zipfile.ZipFile(path) as epub:
                        assert not any(SECRET.encode() in epub.read(name) for name in epub.namelist())
