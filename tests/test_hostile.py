"""Hostile and broken input: every case ends in a clear error or a safe output, within limits.

Each case is a small project built with the real command line in a child
process limited to 2 GB of memory and one minute.  A case passes when the
build exits 0 (safe output) or 1 (a located user error with the expected
message) — never a traceback, a crash or a stall — when no output contains
the secret planted outside the project, and when the project's sources are
unchanged afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import resource
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SECRET = "TOP-SECRET-7f3a9c"
MEMORY_LIMIT = 2 * 1024 ** 3
TIME_LIMIT = 60
CHAPTER = "# A chapter\n\nSome text.\n"


def png(width: int, height: int) -> bytes:
    from PIL import Image

    output = io.BytesIO()
    Image.new("1", (width, height)).save(output, format="PNG", optimize=True)
    return output.getvalue()


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str | bytes]
    expect: str | None = None  # a fragment of the error message; None: the build must succeed
    args: tuple[str, ...] = ("build", "all", "--edition", "student")
    symlinks: dict[str, str] = field(default_factory=dict)  # link -> target ("SECRET" = the secret file)
    output_must_not_contain: tuple[str, ...] = ()


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">' +
          "".join(f'<!ENTITY {chr(98 + i)} "&{chr(97 + i)};&{chr(97 + i)};&{chr(97 + i)};&{chr(97 + i)};">'
                  for i in range(9)) +
          ']><svg xmlns="http://www.w3.org/2000/svg"><text>&j;</text></svg>')

CASES = [
    # --- Markdown -----------------------------------------------------------------------
    Case("deep blockquotes", {"manuscript/01.md": "# Deep\n\n" + "> " * 3000 + "bottom\n"}),
    Case("deep lists", {"manuscript/01.md": "# Deep\n\n" + "".join("  " * i + "- item\n" for i in range(400))}),
    Case("enormous word", {"manuscript/01.md": "# Long\n\n" + "x" * 60_000 + "\n"}),
    Case("many footnotes", {"manuscript/01.md": "# Notes\n\n" + " ".join(f"Word.[^{i}]" for i in range(300)) +
                            "\n\n" + "".join(f"[^{i}]: Note {i}.\n" for i in range(300))}),
    Case("unclosed fenced div", {"manuscript/01.md": "# T\n\n::: note\nnever closed\n"},
         expect="manuscript/01.md:3: error: fenced div is never closed"),
    Case("front matter only", {"manuscript/01.md": "---\ntitle: T\n---\n"},
         expect="manuscript/01.md: error: chapter is empty"),
    Case("invalid utf-8", {"manuscript/01.md": b"# T\n\nna\xefve\n"},
         expect="manuscript/01.md:3: error: file is not valid UTF-8 (byte offset 7: 0xef)"),
    Case("bom and crlf", {"manuscript/01.md": b"\xef\xbb\xbf# T\r\n\r\nText.\r\n"}),
    Case("duplicate ids", {"manuscript/01.md": "# A {#x}\n\n## B {#x}\n"},
         expect="manuscript/01.md:3: error: duplicate id 'x'"),
    Case("broken internal link", {"manuscript/01.md": "# A\n\nSee [there](#nowhere).\n"},
         expect="manuscript/01.md:3:5: error: link to '#nowhere', which is not an id in the book"),
    Case("template syntax in text", {"manuscript/book.toml": 'title = "{{ 7*7 }} {% raw %}"\n',
                                     "manuscript/01.md": "# {{ 7*7 }}\n\n{{ config.__class__ }} {% include 'x' %}\n"}),
    Case("attribute injection", {"manuscript/01.md": "# A\n\n[x]{onclick=\"steal()\" style=\"background:url("
                                                      "file:///SECRETFILE)\" .ok}\n"},
         output_must_not_contain=("steal()", "onclick")),
    # --- raw HTML -----------------------------------------------------------------------
    Case("script tags", {"manuscript/01.md": "# A\n\nInline <script>steal()</script> text.\n\n"
                                             "<script>\nsteal()\n</script>\n"},
         output_must_not_contain=("steal()", "<script")),
    Case("frames objects embeds", {"manuscript/01.md": '# A\n\n<iframe src="file:///SECRETFILE"></iframe>\n\n'
                                                        '<object data="file:///SECRETFILE"></object>\n\n'
                                                        '<embed src="file:///SECRETFILE">\n'},
         output_must_not_contain=("<iframe", "<object", "<embed")),
    Case("raw img of a local file", {"manuscript/01.md": '# A\n\n<img src="file:///SECRETFILE" onerror="x()">\n'},
         output_must_not_contain=("onerror",)),
    Case("raw link and style", {"manuscript/01.md": '# A\n\n<link rel="stylesheet" href="file:///SECRETFILE">\n\n'
                                                     "<style>@import url(file:///SECRETFILE);</style>\n\n"
                                                     '<a href="javascript:steal()">click</a>\n'},
         output_must_not_contain=("javascript:", "<style", "@import")),
    Case("inline svg", {"manuscript/01.md": '# A\n\n<svg><image href="file:///SECRETFILE"/></svg>\n'},
         output_must_not_contain=("<svg",)),
    Case("deep raw html", {"manuscript/01.md": "# A\n\n" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "\n\n" +
                           "Inline " + "<span>" * 5000 + "deep\n"}),
    # --- images -------------------------------------------------------------------------
    Case("image outside the project", {"manuscript/01.md": "# A\n\n![a secret](../../secret.png)\n"},
         expect="manuscript/01.md:3:1: error: image '../../secret.png' lies outside the project"),
    Case("image symlinked outside", {"manuscript/01.md": "# A\n\n![a secret](link.png)\n"},
         symlinks={"manuscript/link.png": "SECRET"},
         expect="manuscript/01.md:3:1: error: image 'link.png' lies outside the project"),
    Case("image from the web", {"manuscript/01.md": "# A\n\n![a web image](https://example.org/x.png)\n"},
         expect="error: image 'https://example.org/x.png' is not a file of the project"),
    Case("device as image", {"manuscript/01.md": "# A\n\n![zeros](zero.png)\n"},
         symlinks={"manuscript/zero.png": "/dev/zero"},
         expect="manuscript/01.md:3:1: error: image 'zero.png' lies outside the project"),
    Case("decompression bomb", {"manuscript/01.md": "# A\n\n![a bomb](bomb.png)\n",
                                "manuscript/bomb.png": png(20000, 20000)},
         expect="error: image 'bomb.png' is 20000 × 20000 pixels; images are limited to 60 megapixels"),
    Case("svg billion laughs", {"manuscript/01.md": "# A\n\n![laughs](laughs.svg)\n",
                                "manuscript/laughs.svg": LAUGHS},
         expect="error: image 'laughs.svg' declares XML entities, which are not allowed in SVG images"),
    Case("svg pointing outside", {"manuscript/01.md": "# A\n\n![peek](peek.svg)\n",
                                  "manuscript/peek.svg": '<svg xmlns="http://www.w3.org/2000/svg" '
                                  'xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="file:///SECRETFILE"'
                                  ' width="10" height="10"/></svg>'},
         expect="error: image 'peek.svg' refers to 'file:///"),
    Case("absurd image size", {"manuscript/01.md": "# A\n\n![wide](w.png){width=9999999}\n",
                               "manuscript/w.png": png(4, 4)},
         expect="error: image 'w.png': width '9999999' is not a size such as 60%, 80mm or 300px"),
    Case("svg data url", {"manuscript/01.md": "# A\n\n![x](data:image/svg+xml;base64," +
                          base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"/>').decode() + ")\n"},
         output_must_not_contain=("<svg",)),
    Case("image without alt text", {"manuscript/01.md": "# A\n\n![](p.png)\n", "manuscript/p.png": png(4, 4)},
         expect="manuscript/01.md:3:1: error: image 'p.png' has no alt text"),
    # --- BibTeX -------------------------------------------------------------------------
    Case("bib unclosed brace", {"manuscript/01.md": "# A\n\nText [@a].\n",
                                "manuscript/refs.bib": "@book{a, title = {Open, year = 2000}\n\n@book{b, title={B}}\n"},
         expect="manuscript/refs.bib:1"),
    Case("bib duplicate keys", {"manuscript/01.md": "# A\n\nText [@a].\n",
                                "manuscript/refs.bib": "@book{a, title={A}}\n@book{a, title={B}}\n"},
         expect="manuscript/refs.bib:2: error: duplicate key 'a'; the first entry is used",
         args=("check", "--strict")),
    Case("bib deep braces", {"manuscript/01.md": "# A\n\nText [@a].\n",
                             "manuscript/refs.bib": "@book{a, author={Deep, A.}, title=" + "{" * 300 + "x" + "}" * 300 +
                             ", publisher={P}, year={2000}}\n"}),
    Case("bib undefined macro", {"manuscript/01.md": "# A\n\nText [@a].\n",
                                 "manuscript/refs.bib": "@book{a, title={A}, publisher=nowhere, year={2000}}\n"},
         expect="manuscript/refs.bib:1: error: undefined macro 'nowhere'", args=("check", "--strict")),
    Case("unknown citation key", {"manuscript/01.md": "# A\n\nText [@gati2007].\n",
                                  "manuscript/refs.bib": "@book{gati2006, author={Gati, Charles}, title={F},"
                                                         " year={2006}}\n"},
         expect="manuscript/01.md:3:6: error: unknown citation key 'gati2007'"),
    # --- book.toml ----------------------------------------------------------------------
    Case("invalid toml", {"manuscript/book.toml": 'title = "unterminated\n', "manuscript/01.md": CHAPTER},
         expect="manuscript/book.toml:1:"),
    Case("chapter outside", {"manuscript/book.toml": 'chapters = ["../../secret.md"]\n'},
         expect="manuscript/book.toml:1:1: error: chapter file '../../secret.md' lies outside the manuscript folder"),
    Case("bibliography is a system file", {"manuscript/book.toml": 'bibliography = "/etc/passwd"\n',
                                           "manuscript/01.md": CHAPTER},
         expect="error: bibliography file '/etc/passwd' lies outside the manuscript folder"),
    Case("cover is a device", {"manuscript/book.toml": 'cover = "zero.png"\n', "manuscript/01.md": CHAPTER},
         symlinks={"manuscript/zero.png": "/dev/zero"},
         expect="error: cover image 'zero.png' lies outside the manuscript folder"),
    Case("unknown nested key", {"manuscript/book.toml": "[print]\nbleeding = true\n", "manuscript/01.md": CHAPTER},
         expect="manuscript/book.toml:2:1: error: unknown key 'bleeding' in [print]"),
    # --- templates and stylesheets --------------------------------------------------------
    Case("template syntax error", {"manuscript/01.md": CHAPTER,
                                   "styles/templates/chapter.html.j2": "{% if %}\n"},
         expect="styles/templates/chapter.html.j2:1: error: template error"),
    Case("template reaching into python", {"manuscript/01.md": CHAPTER,
                                           "styles/templates/chapter.html.j2":
                                           "{{ ''.__class__.__mro__[1].__subclasses__() }}\n"},
         expect="error: template error"),
    Case("template including a system file", {"manuscript/01.md": CHAPTER,
                                              "styles/templates/chapter.html.j2": '{% include "/etc/passwd" %}\n'},
         expect="error: template '/etc/passwd' not found"),
    Case("stylesheet reading outside", {"manuscript/01.md": CHAPTER,
                                        "styles/css/custom.css": "body {}\n@import url(file:///SECRETFILE);\n"
                                                                 "p { background: url(../../secret.png); }\n"},
         expect="styles/css/custom.css:2: error: stylesheet refers to 'file:///"),
    Case("font from a device", {"manuscript/01.md": CHAPTER,
                                "styles/css/custom.css": '@font-face { font-family: X; src: url("/dev/zero"); }\n'},
         expect="styles/css/custom.css:1: error: stylesheet refers to '/dev/zero', which is not a file of the project"),
    # --- paths ----------------------------------------------------------------------------
    Case("output inside the manuscript", {"manuscript/01.md": CHAPTER},
         args=("build", "all", "--out", "manuscript/out"),
         expect="is inside the manuscript folder"),
    Case("output over the styles", {"manuscript/01.md": CHAPTER, "styles/css/custom.css": "p {}\n"},
         args=("build", "all", "--out", "styles"), expect="overlaps the project's styles or sources"),
    Case("chapter symlinked to a secret", {"manuscript/book.toml": 'chapters = ["01.md"]\n'},
         symlinks={"manuscript/01.md": "SECRET"},
         expect="error: chapter file '01.md' lies outside the manuscript folder"),
]


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for folder in ("manuscript", "styles"):
        base = root / folder
        if not base.exists():
            continue
        for path in sorted(base.rglob("*")):
            digest.update(str(path.relative_to(root)).encode())
            if path.is_symlink():
                digest.update(os.readlink(path).encode())
            elif path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _output_texts(out: Path) -> list[str]:
    """Everything written, as text: PDF text and bytes, every file inside the EPUB."""
    texts = []
    for path in out.rglob("*"):
        if not path.is_file() or ".cache" in path.relative_to(out).parts:
            continue
        data = path.read_bytes()
        texts.append(data.decode("latin-1"))
        if path.suffix == ".epub":
            with zipfile.ZipFile(path) as epub:
                texts.extend(epub.read(name).decode("utf-8", "replace") for name in epub.namelist())
        if path.suffix == ".pdf":
            texts.append(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout)
    return texts


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input(case: Case, tmp_path: Path):
    secret = tmp_path / "secret.png"
    secret.write_text(SECRET)
    (tmp_path / "secret.md").write_text(f"# {SECRET}\n")
    root = tmp_path / "project" / "book"
    for name, content in case.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.replace("SECRETFILE", str(secret).lstrip("/")).encode("utf-8")
        path.write_bytes(content)
    (root / "manuscript").mkdir(parents=True, exist_ok=True)
    for link, target in case.symlinks.items():
        (root / link).symlink_to(secret if target == "SECRET" else target)
    before = _tree_hash(root)
    result = subprocess.run([sys.executable, "-m", "bookbuild", *case.args, "--project", str(root)],
                            capture_output=True, text=True, cwd=root, timeout=TIME_LIMIT, preexec_fn=_limits,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert "Traceback" not in result.stderr, result.stderr
    if case.expect is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1, (result.returncode, result.stderr)
        assert case.expect in result.stderr, result.stderr
    assert _tree_hash(root) == before
    out = root / "build"
    texts = _output_texts(out) if out.exists() else []
    if case.expect is not None:
        # Nothing written but the cache (compiled templates and the like, safe to delete).
        assert not [p for p in out.rglob("*.*") if ".cache" not in p.relative_to(out).parts] if out.exists() else True
    for text in texts:
        assert SECRET not in text
        assert str(secret) not in text
        for forbidden in case.output_must_not_contain:
            assert forbidden not in text, forbidden
    assert not list(root.rglob(".bookbuild-*")), "temporary files left behind"
