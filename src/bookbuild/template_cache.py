"""Turn a cache folder into a Jinja2 bytecode cache whose files are signed, so that compiled templates a
project shipped in its ``build/`` are never loaded (see ``cache``).  The theme's and the citation styles'
environments keep their compiled templates in one."""

from __future__ import annotations

from pathlib import Path

import jinja2
import jinja2.bccache

from .cache import read_signed, write_signed


def template_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    """Compiled templates kept between builds (checked against each template's source), if there is a folder."""
    return None if folder is None else SignedBytecodeCache(folder)


class SignedBytecodeCache(jinja2.BytecodeCache):
    """Jinja's compiled templates in ``build/.cache/templates/``, each file signed (see ``cache``).

    Compiled templates are Python code objects: one a project shipped in its
    ``build/`` folder would run when loaded.  Only a file whose signature was
    made with this user's key is loaded; any other is ignored and the template
    compiled again.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{bucket.key}.cache"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = read_signed(self._path(bucket))
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        write_signed(self._path(bucket), bucket.bytecode_to_string())
