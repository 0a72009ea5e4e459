"""Shared by the threat tests: small projects built with the real command line, in a child process."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 3 * 1024 ** 3
EPOCH = "1700000000"


def chapters(count: int = 3, words: int = 150) -> dict[str, str]:
    files = {"manuscript/book.toml": 'title = "Threats"\n'}
    for number in range(1, count + 1):
        files[f"manuscript/0{number}.md"] = (f"# Chapter {number}\n\n" +
                                             f"Text of chapter {number}. " * words + "\n")
    return files


def make_project(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_bookbuild(project: Path, *args: str, home: Path, timeout: int = 120, env: dict | None = None,
                  preexec=None) -> subprocess.CompletedProcess:
    """``bookbuild ARGS --project PROJECT`` with its own key folder (XDG_CACHE_HOME=home)."""
    environment = {**os.environ, "PYTHONWARNINGS": "ignore", "SOURCE_DATE_EPOCH": EPOCH,
                   "XDG_CACHE_HOME": str(home), "PYTHONPATH": str(REPOSITORY / "src")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "bookbuild", *args, "--project", str(project)],
                          capture_output=True, text=True, cwd=project, timeout=timeout,
                          preexec_fn=preexec or _limits, env=environment, check=False)


def tree_state(root: Path) -> dict[str, tuple]:
    """What every entry under *root* is: its kind and contents (symlinks are not followed)."""
    state = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        if path.is_symlink():
            state[relative] = ("link", os.readlink(path))
        elif path.is_file():
            state[relative] = ("file", path.read_bytes())
        elif path.is_dir():
            state[relative] = ("dir",)
        else:
            state[relative] = ("other", path.lstat().st_mode)
    return state
