"""Run the command line with ``python -m bookbuild``."""

from .cli import main

raise SystemExit(main())
