"""bookbuild serve: the preview's updates (without a browser), what it may serve, and a real browser watching it."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pypdf import PdfReader

from bookbuild.cli import main
from bookbuild.errors import BookbuildError
from bookbuild.pipeline import LayoutSettings
from bookbuild.serve.app import listening_socket
from bookbuild.serve.preview import Preview, served_file

REPOSITORY = Path(__file__).resolve().parent.parent
CHAPTER = "manuscript/01-introduction.md"


@pytest.fixture
def booklet(tmp_path) -> Path:
    """A fresh copy of the booklet `bookbuild new` makes, with one figure."""
    root = tmp_path / "booklet"
    assert main(["new", str(root), "-q"]) == 0
    (root / "manuscript" / "images").mkdir()
    shutil.copyfile(REPOSITORY / "manuscript" / "images" / "timeline-1956.svg",
                    root / "manuscript" / "images" / "timeline.svg")
    chapter = root / CHAPTER
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n![A timeline of the year](images/timeline.svg)\n",
                       encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def closed_previews(monkeypatch):
    """Every Preview a test makes is closed after it: its warm layout workers stopped."""
    made = []
    original = Preview.__init__

    def remembered(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(Preview, "__init__", remembered)
    yield
    for preview in made:
        preview.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if text in line)


# -- the update logic ----------------------------------------------------------------------------------------

def test_a_saved_chapter_gives_a_new_html_view_at_the_edited_section(booklet):
    preview = Preview(booklet)
    assert preview.refresh_html()
    first = preview.html
    assert first.chapter == CHAPTER and first.target == "introduction"
    assert "Zanzibar" not in first.document
    chapter = booklet / CHAPTER
    edit(chapter, "What would you have wanted to change", "What would Zanzibar have wanted to change")
    assert preview.refresh_html([chapter])
    view = preview.html
    assert view.version > first.version
    assert "What would Zanzibar have wanted to change" in view.document
    assert view.target == "callouts"  # the section of the edited line: the view scrolls there
    assert preview.problems == () and preview.pdf_wanted
    # The print theme's stylesheets, linked from the theme and the project; the images served, never file: URLs.
    assert re.search(r'<link rel="stylesheet" href="/view/theme/css/print.css\?v=\d+">', view.document)
    custom = re.search(r'<link rel="stylesheet" href="/view/styles/css/custom.css\?v=(\d+)">', view.document)
    assert custom
    assert "file:" not in view.document
    assert '"/view/file/0/timeline.svg"' in view.document


def test_an_error_in_a_chapter_is_shown_located_and_the_last_good_view_stays(booklet):
    preview = Preview(booklet)
    assert preview.refresh_html()
    good = preview.html
    chapter = booklet / CHAPTER
    edit(chapter, "Cite a source like this", "Cite [@gati2007] a source like this")
    assert not preview.refresh_html([chapter])
    line = line_of(chapter, "[@gati2007]")
    assert [problem.format() for problem in preview.problems] == [
        (f"{CHAPTER}:{line}:6: error: unknown citation key 'gati2007'\n"
         "  hint: no entry with this key in manuscript/references.bib")]
    assert preview.html is good
    state = preview.state()
    assert state["html"]["version"] == good.version
    assert state["problems"] == [{"where": f"{CHAPTER}:{line}:6", "severity": "error",
                                  "message": "unknown citation key 'gati2007'",
                                  "hint": "no entry with this key in manuscript/references.bib"}]
    edit(chapter, " [@gati2007]", "")
    assert preview.refresh_html([chapter])
    assert preview.problems == () and preview.state()["problems"] == []
    assert preview.html.version > good.version


def test_warnings_are_shown_with_their_place(booklet):
    preview = Preview(booklet)
    chapter = booklet / CHAPTER
    edit(chapter, "## Callouts", "#### Callouts")
    assert preview.refresh_html([chapter])
    assert any(item["where"].startswith(f"{CHAPTER}:") and "heading" in item["message"]
               for item in preview.state()["warnings"])


def test_a_broken_book_toml_keeps_the_last_good_view(booklet):
    preview = Preview(booklet)
    assert preview.refresh_html()
    good = preview.html
    config = booklet / "manuscript" / "book.toml"
    edit(config, 'paper-size = "A5"', 'paper-size = "A55"')
    assert not preview.refresh_html([config])
    assert preview.html is good
    assert [problem.location.path for problem in preview.problems] == ["manuscript/book.toml"]


def test_the_pdf_is_laid_out_again_with_the_edit_and_shows_the_edited_chapter(booklet):
    preview = Preview(booklet, settings=LayoutSettings(jobs=1))
    assert preview.refresh_html()
    assert preview.refresh_pdf()
    first = preview.pdf
    assert not preview.refresh_pdf()  # nothing new to lay out
    reader = PdfReader(io.BytesIO(first.data))
    assert len(reader.pages) == first.page_count
    assert "Introduction" in reader.pages[first.page - 1].extract_text()
    chapter = booklet / CHAPTER
    edit(chapter, "What would you have wanted to change", "What would Zanzibar have wanted to change")
    assert preview.refresh_html([chapter])
    assert preview.refresh_pdf()
    assert preview.pdf.version > first.version
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(preview.pdf.data)).pages)
    assert "Zanzibar" in text
    workers = [worker.process.pid for worker in preview._pool._workers]
    assert workers and all(worker.process.is_alive() for worker in preview._pool._workers)
    edit(chapter, "Zanzibar", "Zanzibar Zulu")
    assert preview.refresh_html([chapter]) and preview.refresh_pdf()
    assert [worker.process.pid for worker in preview._pool._workers] == workers  # kept warm between saves
    # A changed stylesheet: laid out with it (the warm workers' parsed sheets are not used again).
    css = booklet / "styles" / "css" / "custom.css"
    css.write_text(css.read_text(encoding="utf-8") + '\nh1.chapter-title::after { content: " Kumquat"; }\n',
                   encoding="utf-8")
    assert preview.refresh_html([css]) and preview.refresh_pdf()
    assert "Kumquat" in " ".join(page.extract_text() for page in PdfReader(io.BytesIO(preview.pdf.data)).pages)
    # A save with an error lays nothing out: the last good PDF stays.
    edit(chapter, "Cite a source like this", "Cite [@gati2007] a source like this")
    assert not preview.refresh_html([chapter])
    assert not preview.refresh_pdf()
    assert "Zanzibar" in " ".join(page.extract_text() for page in PdfReader(io.BytesIO(preview.pdf.data)).pages)


def test_the_edition_must_be_one(booklet):
    preview = Preview(booklet, "all")
    assert not preview.refresh_html()
    assert [problem.format() for problem in preview.problems] == [
        ("error: serve previews one edition, not 'all'\n"
         "  hint: name one: --edition student | --edition teacher | --edition large-print")]


# -- what may be served --------------------------------------------------------------------------------------

def test_only_the_views_files_are_served(booklet, tmp_path):
    preview = Preview(booklet)
    assert preview.refresh_html()
    view, project = preview.html, preview.project
    assert served_file(view, project, "file/0/timeline.svg") == (booklet / "manuscript/images/timeline.svg").resolve()
    assert served_file(view, project, "styles/css/custom.css") == (booklet / "styles/css/custom.css").resolve()
    assert served_file(view, project, "theme/css/print.css").name == "print.css"
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the browser", encoding="utf-8")
    (booklet / "styles" / "leak.css").symlink_to(secret)
    for path in ("styles/leak.css", "styles/../manuscript/book.toml", "styles/../../secret.txt",
                 "theme/../../../../etc/passwd", "file/1/timeline.svg", "file/0/other.svg", "manuscript/book.toml",
                 "styles/", "styles/css"):
        assert served_file(view, project, path) is None, path
    assert served_file(None, project, "theme/css/print.css") is None


def test_a_port_in_use_is_a_user_mistake():
    taken = listening_socket(0)
    try:
        port = taken.getsockname()[1]
        with pytest.raises(BookbuildError) as caught:
            listening_socket(port)
        assert [problem.format() for problem in caught.value.problems] == [
            f"--port: error: port {port} is already in use\n  hint: choose another with --port N (0: any free port)"]
    finally:
        taken.close()


def test_the_port_option_is_checked(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--port", "70000"])
    assert stopped.value.code == 1
    assert "argument --port: '70000' is not a port number (0 to 65535)" in capsys.readouterr().err


# -- the server, in a real browser ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(project: Path, port: int, log: Path) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY / "src"), "BOOKBUILD_JOBS": "1"}
    with log.open("w") as output:
        return subprocess.Popen([sys.executable, "-m", "bookbuild", "serve", "--project", str(project),
                                 "--port", str(port)], stdout=output, stderr=subprocess.STDOUT, env=environment)


def fetch(url: str, host: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def stop_server(server: subprocess.Popen) -> int:
    if server.poll() is None:
        os.kill(server.pid, signal.SIGINT)  # as Ctrl-C
        try:
            return server.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
            raise
    return server.returncode


def chromium():
    chromedriver = shutil.which("chromedriver")
    browser = shutil.which("chromium")
    if chromedriver is None or browser is None:
        pytest.skip("the browser test needs Chromium and its driver (make setup installs them: apt-get install "
                    "chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,900"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(chromedriver), options=options)


def test_the_open_page_follows_each_save_without_a_reload(booklet, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    server = start_server(booklet, port, log)
    url = f"http://127.0.0.1:{port}/"
    driver = None
    try:
        wait_for(lambda: server.poll() is not None or "previewing at" in log.read_text(), 60, "the server")
        assert server.poll() is None, log.read_text()
        driver = chromium()
        driver.get(url)
        html_version = wait_for(lambda: driver.execute_script("return document.body.dataset.htmlVersion"), 60,
                                "the HTML view")
        pdf_version = wait_for(lambda: driver.execute_script("return document.body.dataset.pdfVersion"), 180,
                               "the PDF")
        driver.execute_script("window.notReloaded = true")

        def view_text() -> str:
            return driver.execute_script("return document.getElementById('html-view').contentDocument.body"
                                         ".textContent")

        assert "What would you have wanted to change" in view_text()
        chapter = booklet / CHAPTER
        edit(chapter, "What would you have wanted to change", "What would Zanzibar have wanted to change")
        wait_for(lambda: "What would Zanzibar have wanted to change" in view_text(), 30, "the edit in the view")
        assert driver.execute_script("return window.notReloaded") is True
        assert driver.execute_script("return document.body.dataset.htmlVersion") != html_version
        wait_for(lambda: driver.execute_script("return document.body.dataset.pdfVersion") != pdf_version, 120,
                 "the PDF laid out again")
        state = json.loads(fetch(url + "state")[1])
        assert driver.execute_script("return document.getElementById('pdf-view').getAttribute('src')") == \
            f"/preview.pdf?v={state['pdf']['version']}#page={state['pdf']['page']}"
        status, data = fetch(url + "preview.pdf")
        assert status == 200
        assert "Zanzibar" in " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)

        # A stylesheet changed: the view takes it, still without a reload.
        def title_colour() -> str:
            return driver.execute_script("const doc = document.getElementById('html-view').contentDocument; "
                                         "return getComputedStyle(doc.querySelector('h1.chapter-title')).color")

        assert title_colour() != "rgb(1, 2, 3)"
        pdf_version = driver.execute_script("return document.body.dataset.pdfVersion")
        css = booklet / "styles" / "css" / "custom.css"
        css.write_text(css.read_text(encoding="utf-8") + "\nh1.chapter-title { color: rgb(1, 2, 3); }\n",
                       encoding="utf-8")
        wait_for(lambda: title_colour() == "rgb(1, 2, 3)", 30, "the new stylesheet in the view")
        assert driver.execute_script("return window.notReloaded") is True
        wait_for(lambda: driver.execute_script("return document.body.dataset.pdfVersion") != pdf_version, 180,
                 "the PDF laid out with the new stylesheet")

        # A mistake: shown with its file and line, the last good view kept.
        edit(chapter, "Cite a source like this", "Cite [@gati2007] a source like this")
        line = line_of(chapter, "[@gati2007]")
        problems = wait_for(lambda: driver.execute_script(
            "const s = document.getElementById('problems'); return s.hidden ? '' : s.textContent"), 30,
            "the problem in the page")
        assert f"{CHAPTER}:{line}:6: error: unknown citation key 'gati2007'" in problems
        assert "What would Zanzibar have wanted to change" in view_text()
        assert driver.execute_script("return window.notReloaded") is True

        # Only 127.0.0.1 by name, and only the preview's files.
        assert fetch(url + "state", host="attacker.example")[0] == 400
        assert fetch(url + "view/styles/../manuscript/book.toml")[0] == 404
        assert fetch(url + "view/theme/css/print.css")[0] == 200
        with urllib.request.urlopen(url + "view", timeout=10) as response:  # the book's view runs no script
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
            assert "script-src" not in response.headers["Content-Security-Policy"]
    finally:
        if driver is not None:
            driver.quit()
        code = stop_server(server)
    assert code == 0, log.read_text()
    assert log.read_text().rstrip().endswith("bookbuild: stopped")


def test_the_teacher_preview_has_the_student_pages_and_the_teacher_pages_after_them(booklet):
    """The preview's PDF of the teacher edition is the one a build makes: student pages unchanged, the model
    answers on a teacher page numbered after the student page they belong to."""
    student = Preview(booklet, "student", settings=LayoutSettings(jobs=1))
    assert student.refresh_html() and student.refresh_pdf()
    teacher = Preview(booklet, "teacher", settings=LayoutSettings(jobs=1))
    assert teacher.refresh_html() and teacher.refresh_pdf()
    student_reader = PdfReader(io.BytesIO(student.pdf.data))
    student_labels = list(student_reader.page_labels)
    reader = PdfReader(io.BytesIO(teacher.pdf.data))
    labels = list(reader.page_labels)
    added = [label for label in labels if label not in student_labels]
    assert added and all(re.fullmatch(r"[0-9ivx]+[a-z]", label) for label in added), labels
    assert [label for label in labels if label in student_labels] == student_labels
    kept = [page.extract_text() for page, label in zip(reader.pages, labels) if label in student_labels]
    first_lines = [page.extract_text().strip().split("\n")[0] for page in student_reader.pages]
    assert sum(text.strip().split("\n")[0] == line for text, line in zip(kept, first_lines)) >= len(kept) - 2
    answers = [text for page, text in zip(labels, (page.extract_text() for page in reader.pages)) if page in added]
    assert any("teacher notes" in text.lower() for text in answers)
