"""The second install path: a wheel and an sdist that install into a fresh virtual environment and build.

These tests build the distributions with `python -m build` (setuptools in its own isolated
environment, at the floor pyproject.toml names), install the wheel into a new venv with pip
and build the sample's PDF with the installed `bookbuild` command, far from the source tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import REPOSITORY

PACKAGE_DATA = ("bookbuild/theme/templates/book.html.j2", "bookbuild/theme/css/print.css",
                "bookbuild/theme/templates/web/page.html.j2", "bookbuild/theme/web/search.js",
                "bookbuild/theme/labels/en.toml", "bookbuild/scaffold/booklet/manuscript/book.toml",
                "bookbuild/scaffold/gitignore",
                "bookbuild/citations/styles/apa/style.toml", "bookbuild/serve/static/preview.js")


@pytest.fixture(scope="module")
def distributions(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source") / "bookbuild"
    # Build from a copy holding only what git tracks, as a fresh clone would.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPOSITORY, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        origin = REPOSITORY / name
        if origin.is_file():
            target = source / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(origin.read_bytes())
    result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


def test_wheel_and_sdist_carry_the_theme_styles_and_licence(distributions):
    wheel_names = set(zipfile.ZipFile(distributions["wheel"]).namelist())
    for name in PACKAGE_DATA:
        assert name in wheel_names
    assert any(name.endswith("licenses/LICENSE") for name in wheel_names)
    with tarfile.open(distributions["sdist"]) as sdist:
        sdist_names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for name in PACKAGE_DATA:
        assert f"src/{name}" in sdist_names
    assert {"LICENSE", "README.md", "pyproject.toml"} <= sdist_names


def test_metadata_is_complete(distributions):
    with zipfile.ZipFile(distributions["wheel"]) as wheel:
        metadata = next(wheel.read(name).decode() for name in wheel.namelist()
                        if name.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT" in metadata
    assert "Classifier: Topic :: Education" in metadata
    assert "Requires-Python: >=3.11" in metadata
    assert "Requires-Dist: weasyprint" in metadata


def _outside_the_source_tree() -> dict[str, str]:
    """The environment without the variables that would put the source tree on the path."""
    return {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "PYTHONHOME")}


def _installed(distribution: Path, tmp_path: Path, env: dict[str, str]) -> Path:
    """A fresh venv in *tmp_path* with *distribution* installed by pip; its folder."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(distribution)],
                             capture_output=True, text=True, env=env)
    assert install.returncode == 0, install.stderr[-3000:]
    return venv


def test_the_installed_wheel_builds_the_sample(distributions, tmp_path):
    env = _outside_the_source_tree()
    venv = _installed(distributions["wheel"], tmp_path, env)
    out = tmp_path / "out"
    result = subprocess.run([str(venv / "bin" / "bookbuild"), "build", "pdf", "--project", str(REPOSITORY),
                             "--out", str(out), "--jobs", "2"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    pdf = out / "hungary-1956.pdf"
    assert len(PdfReader(pdf).pages) > 30
    # The installed copy ran, not the source tree.
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import bookbuild; print(bookbuild.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env, check=True).stdout
    assert str(venv) in where


def test_the_sdist_installs_and_runs(distributions, tmp_path):
    """The sdist builds its own wheel (setuptools in an isolated environment) and the result runs."""
    env = _outside_the_source_tree()
    venv = _installed(distributions["sdist"], tmp_path, env)
    new = subprocess.run([str(venv / "bin" / "bookbuild"), "new", "fresh", "--template", "book", "-q"],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert new.returncode == 0, new.stderr
    check = subprocess.run([str(venv / "bin" / "bookbuild"), "check", "-q"], capture_output=True, text=True,
                           cwd=tmp_path / "fresh", env=env)
    assert check.returncode == 0, check.stderr
