"""Print the outputs bookbuild can make (``make help``), or with --readme the README's table of them."""

from __future__ import annotations

import sys

from . import readme_table, registry

if "--readme" in sys.argv[1:]:
    print(readme_table(), end="")
else:
    for output in registry().values():
        print(f"  bookbuild build {output.name:<11} {output.summary}")
