"""The web edition in a real browser: headless Chromium through Selenium, opened from file://.

Click a note, a citation and the contents; search; the layout at phone width (a screenshot is left in
build/test-artifacts/); axe-core finds no accessibility violation on any page; the Nu Html Checker (vnu.jar)
finds no error.  ``make test`` installs Chromium, chromedriver (apt) and axe-core and vnu-jar (npm, pinned in
tools/web-checks/) first.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bookbuild.errors import Report
from bookbuild.pipeline import build

from .conftest import REPOSITORY, SAMPLE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WEB_CHECKS = REPOSITORY / "tools" / "web-checks" / "node_modules"
AXE = WEB_CHECKS / "axe-core" / "axe.min.js"
VNU = WEB_CHECKS / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = REPOSITORY / "build" / "test-artifacts"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

webdriver = pytest.importorskip("selenium.webdriver")
pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()),
                                reason="Chromium and chromedriver are not installed (make test installs them)")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("web-browser")
    build(SAMPLE, ("web",), None, out, Report(stream=None))
    return out / "web"


def _browser(scripts: bool = True):
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-extensions", "--allow-file-access-from-files", "--lang=en-US"):
        options.add_argument(argument)
    if not scripts:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(120)
    return driver


@pytest.fixture(scope="module")
def browser():
    driver = _browser()
    driver.set_window_size(1280, 900)
    yield driver
    driver.quit()


def _open(driver, site: Path, page: str) -> None:
    driver.get(site.joinpath(page).as_uri() if "?" not in page else site.as_uri() + "/" + page)


def _popover_open(driver, element) -> bool:
    return driver.execute_script("return arguments[0].matches(':popover-open')", element)


def test_a_note_opens_as_a_popup_and_its_citation_leads_to_the_bibliography(browser, site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, site, "october.html")
    button = browser.find_element(By.CSS_SELECTOR, "button.noteref-button")
    assert button.is_displayed()
    assert not browser.find_element(By.CSS_SELECTOR, "a.noteref-link").is_displayed()  # the fallback
    popover = browser.find_element(By.ID, button.get_attribute("popovertarget"))
    assert not popover.is_displayed()
    button.click()
    assert _popover_open(browser, popover) and popover.is_displayed()
    assert "Litván" in popover.text
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()  # Escape closes it
    assert not _popover_open(browser, popover)
    button.click()
    citation = popover.find_element(By.CSS_SELECTOR, "a.citation")
    citation.click()
    assert browser.current_url.endswith("bibliography.html#ref-litvan1996")
    target = browser.find_element(By.CSS_SELECTOR, ":target")
    assert target.get_attribute("id") == "ref-litvan1996" and "Litván" in target.text


def test_notes_pop_up_without_scripts(site):
    from selenium.webdriver.common.by import By

    driver = _browser(scripts=False)
    try:
        driver.set_window_size(1280, 900)
        _open(driver, site, "search.html")
        # Scripts are off: the search page says that it needs them, and shows no results.
        assert driver.find_element(By.CSS_SELECTOR, ".search-needs-script").is_displayed()
        _open(driver, site, "thaw.html")
        button = driver.find_element(By.CSS_SELECTOR, "button.noteref-button")
        button.click()
        popover = driver.find_element(By.ID, button.get_attribute("popovertarget"))
        assert popover.is_displayed() and popover.text.strip()
    finally:
        driver.quit()


def test_the_contents_lead_to_every_chapter_and_back(browser, site):
    from selenium.webdriver.common.by import By

    _open(browser, site, "index.html")
    links = browser.find_elements(By.CSS_SELECTOR, "nav#site-contents li a")
    names = [link.get_attribute("href").rsplit("/", 1)[1] for link in links]
    assert names[-1] == "search.html" and "october.html" in names
    browser.find_element(By.CSS_SELECTOR, 'nav#site-contents a[href="october.html"]').click()
    assert browser.current_url.endswith("/october.html")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("23 October")
    current = browser.find_element(By.CSS_SELECTOR, 'nav#site-contents a[aria-current="page"]')
    assert current.get_attribute("href").endswith("october.html")
    browser.find_element(By.CSS_SELECTOR, "a.pager-next").click()
    assert browser.current_url.endswith("/freedom.html")
    browser.find_element(By.CSS_SELECTOR, ".site-title a").click()
    assert browser.current_url.endswith("/index.html")


def test_the_skip_link_is_the_first_stop_and_moves_the_focus_to_the_text(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, site, "october.html")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.get_attribute("class") == "skip-link" and skip.is_displayed()
    assert skip.location["y"] >= 0
    skip.send_keys(Keys.ENTER)
    assert browser.execute_script("return document.activeElement.id") == "main"


def test_the_search_finds_a_word_offline_from_a_folder(browser, site):
    from selenium.webdriver.common.by import By

    _open(browser, site, "index.html")
    field = browser.find_element(By.ID, "site-search-words")
    field.send_keys("Szeged")
    field.submit()
    assert "search.html?q=Szeged" in browser.current_url
    results = browser.find_elements(By.CSS_SELECTOR, "#search-results li")
    assert results
    assert "october.html" in results[0].find_element(By.TAG_NAME, "a").get_attribute("href")
    assert results[0].find_element(By.TAG_NAME, "mark").text == "Szeged"
    assert "Found in" in browser.find_element(By.ID, "search-status").text
    # Accents and case do not matter; every word must appear; nothing found says so.
    field = browser.find_element(By.ID, "search-words")
    field.clear()
    field.send_keys("rakosi GERO")
    browser.find_element(By.CSS_SELECTOR, ".search-page-form button").click()
    texts = [result.text for result in browser.find_elements(By.CSS_SELECTOR, "#search-results li")]
    assert texts and all("Rákosi" in text or "Gerő" in text for text in texts)
    field.clear()
    field.send_keys("quimbywalrus")
    browser.find_element(By.CSS_SELECTOR, ".search-page-form button").click()
    assert not browser.find_elements(By.CSS_SELECTOR, "#search-results li")
    assert browser.find_element(By.ID, "search-status").text == "No page contains all of these words."
    _open(browser, site, "search.html?q=Szeged")
    browser.find_element(By.CSS_SELECTOR, "#search-results li a").click()
    assert "/october.html#" in browser.current_url or browser.current_url.endswith("/october.html")


def test_page_markers_stand_in_the_right_margin_on_a_wide_screen(browser, site):
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 900)
    _open(browser, site, "october.html")
    marker = browser.find_elements(By.CSS_SELECTOR, "main .page-marker")[1]
    paragraph = browser.find_element(By.CSS_SELECTOR, "main section.chapter > p")
    assert marker.is_displayed() and marker.text == f"p. {marker.get_attribute('data-page')}"
    assert marker.rect["x"] >= paragraph.rect["x"] + paragraph.rect["width"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "web-desktop.png"))


def test_the_layout_fits_a_phone(browser, site):
    from selenium.webdriver.common.by import By

    browser.set_window_size(375, 812)
    try:
        for page in ("october.html", "index.html", "chronology.html", "bibliography.html", "search.html?q=radio"):
            _open(browser, site, page)
            width = browser.execute_script("return document.documentElement.clientWidth")
            assert width <= 375
            wide = browser.execute_script(
                "return [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > "
                "document.documentElement.clientWidth + 1 && !e.closest('[popover]'))"
                ".map(e => e.outerHTML.slice(0, 80))")
            assert wide == [], page
            assert browser.execute_script("return document.documentElement.scrollWidth") <= width, page
        _open(browser, site, "october.html")
        main = browser.find_element(By.TAG_NAME, "main")
        contents = browser.find_element(By.ID, "site-contents")
        assert contents.rect["y"] >= main.rect["y"] + main.rect["height"]  # the contents below the text
        assert browser.find_element(By.CSS_SELECTOR, ".contents-link").is_displayed()
        marker = browser.find_element(By.CSS_SELECTOR, "main .page-marker")
        assert marker.is_displayed() and marker.rect["x"] + marker.rect["width"] <= width
        size = browser.execute_script(
            "return parseFloat(getComputedStyle(document.querySelector('main section.chapter > p')).fontSize)")
        assert size >= 16
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "web-phone.png"))
        button = browser.find_element(By.CSS_SELECTOR, "button.noteref-button")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        popover = browser.find_element(By.ID, button.get_attribute("popovertarget"))
        assert popover.rect["x"] >= 0 and popover.rect["x"] + popover.rect["width"] <= width
        browser.save_screenshot(str(ARTIFACTS / "web-phone-note.png"))
    finally:
        browser.set_window_size(1280, 900)


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed in tools/web-checks (make test installs it)")
@pytest.mark.parametrize("width", [1280, 375])
def test_axe_finds_no_accessibility_violation(browser, site, width):
    from selenium.webdriver.common.by import By

    axe = AXE.read_text(encoding="utf-8")
    browser.set_window_size(width, 900)
    found = {}
    try:
        pages = sorted(path.name for path in site.glob("*.html")) + ["search.html?q=Nagy", "october.html#popover"]
        for page in pages:
            _open(browser, site, page.replace("#popover", ""))
            if page.endswith("#popover"):
                browser.find_element(By.CSS_SELECTOR, "button.noteref-button").click()
            browser.execute_script(axe)
            result = browser.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
                ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                " nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 160))}))))"
                ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]))", AXE_TAGS)
            if result:
                found[page] = result
    finally:
        browser.set_window_size(1280, 900)
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


@pytest.mark.skipif(not VNU.is_file() or shutil.which("java") is None,
                    reason="vnu-jar is not installed in tools/web-checks, or Java is missing (make test installs them)")
def test_the_nu_html_checker_finds_no_error(site):
    files = sorted(str(path) for path in site.glob("*.html")) + sorted(str(path) for path in site.glob("css/*.css"))
    done = subprocess.run(["java", "-Xss8m", "-jar", str(VNU), "--errors-only", "--also-check-css", "--format", "json",
                           *files], check=False, capture_output=True, text=True, timeout=600)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    assert messages == [], json.dumps(messages[:10], indent=1, ensure_ascii=False)
    assert done.returncode == 0


def test_the_print_stylesheet_prints_the_text_and_its_note_list(browser, site):
    from selenium.webdriver.common.by import By

    _open(browser, site, "october.html")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        for selector in ("#site-contents", ".site-header", "button.noteref-button", ".pager"):
            assert not browser.find_element(By.CSS_SELECTOR, selector).is_displayed(), selector
        assert browser.find_element(By.CSS_SELECTOR, "a.noteref-link").is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, "section.footnotes").is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, "main .page-marker").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert browser.find_element(By.CSS_SELECTOR, "#site-contents").is_displayed()
