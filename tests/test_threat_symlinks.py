"""Class 2: every file read on the project's behalf resolves inside the project (or the theme), or is an
error naming it; a symlink, FIFO, device or folder where a file is expected never brings anything in."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from .threat_helpers import make_project, run_bookbuild

SECRET = "SECRET-c41f0e"
CHAPTER = "# One\n\nText.\n"
TEMPLATE = '{% include "partials/extra.html.j2" %}\n'


def _secret(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir(exist_ok=True)
    for name in ("secret.md", "secret.css", "secret.j2", "secret.bib", "secret.txt"):
        (folder / name).write_text({"secret.md": f"# {SECRET}\n\n{SECRET}\n",
                                    "secret.css": f'body::before {{ content: "{SECRET}"; }}\n',
                                    "secret.bib": f"@book{{s, title={{{SECRET}}}, year={{2000}}}}\n"}.get(
                                        name, f"<p>{SECRET}</p>\n"))
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "templates" / "chapter.html.j2").write_text(f"<p>{SECRET}</p>\n")
    return folder


# (name, files, symlinks {link: target in the outside folder or an absolute path}, expected error)
CASES = [
    ("bare folder discovery", {"01.md": CHAPTER}, {"02.md": "secret.md"},
     "02.md: error: chapter file '02.md' lies outside the manuscript folder"),
    ("manuscript discovery", {"manuscript/01.md": CHAPTER}, {"manuscript/02.md": "secret.md"},
     "manuscript/02.md: error: chapter file '02.md' lies outside the manuscript folder"),
    ("discovered chapter is /proc/self/environ", {"manuscript/01.md": CHAPTER},
     {"manuscript/env.md": "/proc/self/environ"}, "error: chapter file 'env.md' lies outside the manuscript folder"),
    ("discovered bibliography", {"manuscript/01.md": "# One\n\nText [@s].\n"}, {"manuscript/refs.bib": "secret.bib"},
     "manuscript/refs.bib: error: bibliography file 'refs.bib' lies outside the manuscript folder"),
    ("custom stylesheet", {"manuscript/01.md": CHAPTER}, {"styles/css/custom.css": "secret.css"},
     "styles/css/custom.css: error: file lies outside the project"),
    ("theme stylesheet override", {"manuscript/01.md": CHAPTER}, {"styles/css/print.css": "secret.css"},
     "styles/css/print.css: error: file lies outside the project"),
    ("stylesheet folder", {"manuscript/01.md": CHAPTER}, {"styles": "."},
     "styles: error: folder lies outside the project"),
    ("template", {"manuscript/01.md": CHAPTER}, {"styles/templates/chapter.html.j2": "secret.j2"},
     "styles/templates/chapter.html.j2: error: file lies outside the project"),
    ("included template", {"manuscript/01.md": CHAPTER, "styles/templates/chapter.html.j2": TEMPLATE},
     {"styles/templates/partials/extra.html.j2": "secret.j2"},
     "styles/templates/partials/extra.html.j2: error: file lies outside the project"),
    ("theme partial override", {"manuscript/01.md": CHAPTER},
     {"styles/templates/partials/titlepage.html.j2": "secret.j2"},
     "styles/templates/partials/titlepage.html.j2: error: file lies outside the project"),
    ("template folder", {"manuscript/01.md": CHAPTER}, {"styles/templates": "templates"},
     "styles/templates/chapter.html.j2: error: file lies outside the project"),
    ("manuscript folder", {}, {"manuscript": "."}, "manuscript: error: folder lies outside the project"),
    ("stylesheet font", {"manuscript/01.md": CHAPTER,
                         "styles/css/custom.css": '@font-face { font-family: X; src: url("f.woff"); }\n'},
     {"styles/css/f.woff": "secret.txt"},
     "styles/css/custom.css:1: error: stylesheet refers to 'f.woff', which lies outside the project"),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_symlink_out_of_the_project(case, tmp_path):
    name, files, links, expected = case
    outside = _secret(tmp_path)
    if "styles" in links:  # the whole styles folder elsewhere, holding a custom.css
        (outside / "css").mkdir()
        (outside / "css" / "custom.css").write_text(f'body::before {{ content: "{SECRET}"; }}\n')
        files = dict(files)
    project = make_project(tmp_path / "book", files)
    for link, target in links.items():
        path = project / link
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        path.symlink_to(target if target.startswith("/") else outside / target)
    result = run_bookbuild(project, "build", "all", "--jobs", "1", home=tmp_path / "home")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr
    _assert_no_secret(project)


def _assert_no_secret(project: Path) -> None:
    out = project / "build"
    for path in out.rglob("*") if out.exists() else ():
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data, path
            if path.suffix == ".epub":
                with zipfile.ZipFile(path) as epub:
                    assert not any(SECRET.encode() in epub.read(item) for item in epub.namelist())


ODD_KINDS = [("fifo chapter", "manuscript/02.md", "fifo", "manuscript/02.md: error: chapter file '02.md' is not a "
              "regular file"),
             ("folder chapter", "manuscript/02.md", "dir", "error: chapter file '02.md' is not a regular file"),
             ("fifo stylesheet", "styles/css/custom.css", "fifo",
              "styles/css/custom.css: error: is not a regular file"),
             ("fifo template", "styles/templates/chapter.html.j2", "fifo",
              "styles/templates/chapter.html.j2: error: is not a regular file"),
             ("fifo bibliography", "manuscript/refs.bib", "fifo",
              "error: bibliography file 'refs.bib' is not a regular file"),
             ("fifo book.toml", "manuscript/book.toml", "fifo", "manuscript/book.toml"),
             ("device stylesheet", "styles/css/custom.css", "/dev/zero", "styles/css/custom.css: error: file lies "
              "outside the project")]


@pytest.mark.parametrize("case", ODD_KINDS, ids=[case[0] for case in ODD_KINDS])
def test_odd_file_kinds_where_files_are_expected(case, tmp_path):
    name, where, kind, expected = case
    project = make_project(tmp_path / "book", {"manuscript/01.md": CHAPTER})
    path = project / where
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dir":
        path.mkdir()
    else:
        path.symlink_to(kind)
    result = run_bookbuild(project, "build", "pdf", "--jobs", "1", home=tmp_path / "home", timeout=90)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr


def test_links_inside_the_project_are_followed(tmp_path):
    """A symlink that stays inside the project is an ordinary file of it."""
    project = make_project(tmp_path / "book", {"manuscript/chapters/one.md": CHAPTER,
                                               "manuscript/book.toml": 'chapters = ["01.md"]\n',
                                               "shared/custom.css": "p { color: #222; }\n"})
    (project / "manuscript" / "01.md").symlink_to(project / "manuscript" / "chapters" / "one.md")
    (project / "styles" / "css").mkdir(parents=True)
    (project / "styles" / "css" / "custom.css").symlink_to(project / "shared" / "custom.css")
    result = run_bookbuild(project, "build", "pdf", "--jobs", "1", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
