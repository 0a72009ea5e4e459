"""Shared fixtures: throwaway projects, and the sample booklet built once per test session."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from bookbuild.errors import BookbuildError, Report

REPOSITORY = Path(__file__).resolve().parent.parent
SAMPLE = REPOSITORY  # the repository is itself the sample project (manuscript/, styles/)


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the expected HTML of the golden tests from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


def write_project(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create a project under *root* from {relative path: text}; text is dedented."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path):
    """A factory: project({"manuscript/01.md": "# Title"}) -> the project folder."""
    def make(files: dict[str, str | bytes]) -> Path:
        return write_project(tmp_path / "book", files)
    return make


def problems_of(call) -> list[str]:
    """The formatted problems of the BookbuildError *call()* raises."""
    with pytest.raises(BookbuildError) as caught:
        call()
    return [problem.format() for problem in caught.value.problems]


@pytest.fixture
def report() -> Report:
    return Report(stream=None)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """The sample booklet's PDF and EPUB, built once into a temporary folder."""
    from bookbuild.pipeline import build

    out = tmp_path_factory.mktemp("sample-build")
    paths = build(SAMPLE, ("pdf", "epub"), None, out, Report(stream=None))
    return {path.suffix[1:]: path for path in paths}


@pytest.fixture(scope="session")
def sample_copy(tmp_path_factory):
    """A private copy of the sample project, for tests that change it."""
    target = tmp_path_factory.mktemp("sample-copy") / "project"
    shutil.copytree(SAMPLE / "manuscript", target / "manuscript")
    if (SAMPLE / "styles").is_dir():
        shutil.copytree(SAMPLE / "styles", target / "styles")
    return target
