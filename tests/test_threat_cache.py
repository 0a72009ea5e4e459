"""Class 1: nothing read back from build/ runs, and a build from any cache state equals a clean build."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from .threat_helpers import chapters, make_project, run_bookbuild

ARGS = ("build", "pdf", "--jobs", "2")


class _Payload:
    """Unpickling this runs a shell command that leaves a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """A small project built once from nothing: its PDF and its cache."""
    base = tmp_path_factory.mktemp("cache")
    project = make_project(base / "book", chapters(3, 400))
    result = run_bookbuild(project, *ARGS, home=base / "home")
    assert result.returncode == 0, result.stderr
    return {"base": base, "project": project, "pdf": (project / "build" / "threats.pdf").read_bytes(),
            "cache": project / "build" / ".cache"}


def _rebuild_with(clean, tmp_path: Path, change) -> bytes:
    project = tmp_path / "book"
    shutil.copytree(clean["project"], project, symlinks=True)
    (project / "build" / "threats.pdf").unlink()
    change(project / "build" / ".cache")
    result = run_bookbuild(project, *ARGS, home=clean["base"] / "home")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return (project / "build" / "threats.pdf").read_bytes()


def _entries(cache: Path, suffix: str) -> list[Path]:
    return sorted(path for path in cache.rglob(f"*{suffix}") if path.is_file())


def _garble(cache: Path) -> None:
    for path in _entries(cache, ".pdf") + _entries(cache, ".json"):
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x55
        path.write_bytes(bytes(data))


def _truncate(cache: Path) -> None:
    for path in _entries(cache, ".pdf") + _entries(cache, ".json"):
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _swap(cache: Path) -> None:
    for suffix in (".pdf", ".json"):
        entries = _entries(cache, suffix)
        contents = [path.read_bytes() for path in entries]
        for path, data in zip(entries, contents[1:] + contents[:1]):
            path.write_bytes(data)


def _unsigned(cache: Path) -> None:
    """Entries as an earlier bookbuild wrote them: the bare JSON and PDF, no signature."""
    for path in _entries(cache, ".pdf") + _entries(cache, ".json"):
        data = path.read_bytes()
        path.write_bytes(data[data.index(b"\n") + 1 + 32:])


def _odd_kinds(cache: Path) -> None:
    """Each entry replaced by a FIFO, a symlink to another entry, or a folder."""
    entries = _entries(cache, ".pdf") + _entries(cache, ".json")
    for number, path in enumerate(entries):
        path.unlink()
        if number % 3 == 0:
            os.mkfifo(path)
        elif number % 3 == 1:
            path.symlink_to(entries[0])
        else:
            path.mkdir()


def _other_users_key(cache: Path) -> None:
    """Every file signed with a key that is not this user's: as if shipped with the project."""
    from bookbuild import cache as module

    saved = dict(module._keys)
    module._keys["key"] = b"k" * 32
    try:
        for path in _entries(cache, ".pdf") + _entries(cache, ".json"):
            data = module.read_signed(path)
            assert data is None  # the real key signed it, not this one
            raw = path.read_bytes()
            module.write_signed(path, raw[len(module.SIGNATURE) + 32:])
    finally:
        module._keys.clear()
        module._keys.update(saved)


@pytest.mark.parametrize("change", [_garble, _truncate, _swap, _unsigned, _odd_kinds, _other_users_key],
                         ids=lambda change: change.__name__.strip("_"))
def test_damaged_cache_gives_clean_bytes(clean, tmp_path, change):
    assert _rebuild_with(clean, tmp_path, change) == clean["pdf"]


def test_shipped_compiled_templates_are_not_run(clean, tmp_path):
    marker = tmp_path / "ran"
    payload = b"j2" + pickle.dumps(_Payload(marker))

    def plant(cache: Path) -> None:
        templates = cache / "templates"
        names = [path.name for path in templates.iterdir()]
        assert names  # the first build kept its compiled templates
        for name in names:
            (templates / name).write_bytes(payload)
        import hashlib  # and under the names Jinja's own file cache would use
        for template in ("book.html.j2", "chapter.html.j2", "base.html.j2", "toc.html.j2"):
            key = hashlib.sha1(template.encode()).hexdigest()
            (templates / f"__jinja2_{key}.cache").write_bytes(payload)

    assert _rebuild_with(clean, tmp_path, plant) == clean["pdf"]
    assert not marker.exists()


def test_kept_files_are_signed_with_a_private_key(clean):
    key = clean["base"] / "home" / "bookbuild" / "key"
    assert key.stat().st_mode & 0o777 == 0o600
    from bookbuild.cache import SIGNATURE

    for path in clean["cache"].rglob("*"):
        if path.is_file():
            assert path.read_bytes().startswith(SIGNATURE), path


def test_signed_file_round_trip_and_rejections(tmp_path, monkeypatch):
    from bookbuild import cache as module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(module, "_keys", {})
    path = tmp_path / "c" / "entry.json"
    module.write_signed(path, b"data")
    assert module.read_signed(path) == b"data"
    renamed = path.with_name("other.json")
    shutil.copy(path, renamed)
    assert module.read_signed(renamed) is None  # signed for another name
    (tmp_path / "link.json").symlink_to(path)
    assert module.read_signed(tmp_path / "link.json") is None
    key = tmp_path / "home" / "bookbuild" / "key"
    assert key.stat().st_mode & 0o777 == 0o600
    os.chmod(key, 0o644)  # a key others can read is not trusted: a process key is used instead
    monkeypatch.setattr(module, "_keys", {})
    assert module.read_signed(path) is None
    assert module.cache_key() != key.read_bytes()


def test_cache_write_on_a_full_disk_leaves_no_temporary(tmp_path, monkeypatch):
    import errno

    from bookbuild import cache as module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    real_write = os.write

    def full(descriptor, data):
        if descriptor > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(descriptor, data)

    module.cache_key()
    monkeypatch.setattr(module.os, "write", full)
    module.write_signed(tmp_path / "c" / "entry.json", b"x" * 1000)
    assert [path.name for path in (tmp_path / "c").iterdir()] == []


def test_layout_keys_follow_bookbuild_code_not_only_its_version(tmp_path):
    """A cache made by other code of the same version (an edited checkout) is not served: the code is in the key."""
    import bookbuild
    from bookbuild.cache import _code_fingerprint, code_fingerprint

    package = tmp_path / "bookbuild"
    shutil.copytree(Path(bookbuild.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    assert code_fingerprint(package) == _code_fingerprint()
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"bytecode")
    assert code_fingerprint(package) == _code_fingerprint()  # bytecode is not code that was written
    module = package / "layout" / "makeup.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")
    assert code_fingerprint(package) != _code_fingerprint()
