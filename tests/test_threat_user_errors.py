"""Class 5: input that used to end in a traceback is a located user error (exit 1), with nothing written."""

from __future__ import annotations

import pytest

from .threat_helpers import make_project, run_bookbuild

CHAPTER = "# T\n\nText.\n"
ALIAS_BOMB = "---\na: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [" + ",".join([f"*{chr(97 + n)}"] * 9) + "]\n" for n in range(8)) + \
    "title: *i\n---\n# T\n\nText.\n"

CASES = [
    ("nul in a chapter", {"manuscript/01.md": "# T\n\nText\x00 more.\n"},
     "manuscript/01.md:3:5: error: the chapter holds the control character U+0000, which no book can show"),
    ("bell in a chapter", {"manuscript/01.md": "# T\n\nA \x07 bell.\n"},
     "manuscript/01.md:3:3: error: the chapter holds the control character U+0007"),
    ("escape in a heading", {"manuscript/01.md": "# T\x1b[31m\n\nText.\n"},
     "manuscript/01.md:1:4: error: the chapter holds the control character U+001B"),
    ("vertical tab", {"manuscript/01.md": "# T\n\n\x0b\n"}, "manuscript/01.md:3:1: error: the chapter holds the "
     "control character U+000B"),
    ("non-character", {"manuscript/01.md": "# T\n\nText \ufffe.\n"},
     "manuscript/01.md:3:6: error: the chapter holds the control character U+FFFE"),
    ("lone surrogate in front matter", {"manuscript/01.md": '---\ntitle: "A \\ud800 B"\n---\n# T\n\nText.\n'},
     "manuscript/01.md:2: error: invalid YAML front matter: it holds a lone surrogate"),
    ("surrogate in a nested value", {"manuscript/01.md": '---\naudience: ["\\udc00"]\n---\n# T\n\nText.\n'},
     "manuscript/01.md:2: error: invalid YAML front matter: it holds a lone surrogate"),
    ("yaml alias bomb", {"manuscript/01.md": ALIAS_BOMB},
     "manuscript/01.md:3: error: invalid YAML front matter: aliases (*name) are not allowed in front matter"),
    ("deeply nested yaml", {"manuscript/01.md": "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\n# T\n\nText.\n"},
     "manuscript/01.md:2: error: invalid YAML front matter"),
    ("deeply nested toml array", {"manuscript/book.toml": "x = " + "[" * 50000 + "]" * 50000 + "\n",
                                  "manuscript/01.md": CHAPTER},
     "manuscript/book.toml: error: invalid TOML: values are nested too deeply"),
    ("deeply nested toml table", {"manuscript/book.toml": "x = " + "{a = " * 20000 + "1" + "}" * 20000 + "\n",
                                  "manuscript/01.md": CHAPTER},
     "manuscript/book.toml: error: invalid TOML: values are nested too deeply"),
    ("invalid utf-8 in a stylesheet", {"manuscript/01.md": CHAPTER,
                                       "styles/css/custom.css": b"p { color: red; }\n/* caf\xe9 */\n"},
     "styles/css/custom.css:2: error: file is not valid UTF-8 (byte offset 24: 0xe9)"),
    ("invalid utf-8 in a template", {"manuscript/01.md": CHAPTER,
                                     "styles/templates/chapter.html.j2": b"<p>\n\xff</p>\n"},
     "styles/templates/chapter.html.j2:2: error: template is not valid UTF-8"),
    ("endless template loop", {"manuscript/01.md": CHAPTER, "styles/templates/chapter.html.j2":
                               "{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}"
                               "{% endfor %}\n"},
     "error: template 'book.html.j2' took more than 2 seconds of processor time to render and was stopped"),
    ("template string bomb", {"manuscript/01.md": CHAPTER, "styles/templates/chapter.html.j2":
                              '{{ "x" * 100000000000 }}\n'},
     "styles/templates/chapter.html.j2:1: error: template error: repeating a value 100000000000 times"),
    ("template power bomb", {"manuscript/01.md": CHAPTER, "styles/templates/chapter.html.j2":
                             "{% set n = 10 %}{{ n ** 100000000 }}\n"},
     "error: template error: the exponent 100000000 is too large"),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_located_user_error(case, tmp_path):
    name, files, expected = case
    project = make_project(tmp_path / "book", files)
    result = run_bookbuild(project, "build", "pdf", "--jobs", "1", home=tmp_path / "home", timeout=120,
                           env={"BOOKBUILD_TEMPLATE_SECONDS": "2"})
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr
    assert not (project / "build" / "book.pdf").exists()
    assert not list(project.rglob(".bookbuild-*"))
