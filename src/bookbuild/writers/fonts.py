"""Turn a font family and style into the font file the system has for it (through fontconfig)."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=32)
def font_file(family: str, style: str = "Regular") -> Path | None:
    """The file fontconfig picks for *family* in *style*, if it really is that family."""
    if shutil.which("fc-match") is None:
        return None
    result = subprocess.run(
        ["fc-match", "--format=%{family}\n%{file}", f"{family}:style={style}"],
        capture_output=True, text=True, check=False,
    )
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) < 2:
        return None
    families = [name.strip().lower() for name in lines[0].split(",")]
    if family.lower() not in families:
        return None
    path = Path(lines[1])
    return path if path.is_file() else None
