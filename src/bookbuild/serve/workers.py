"""Keep the layout workers of the preview started, with WeasyPrint imported, from one save to the next.

A build lets its layout workers go once the book is laid out (the next book
starts them again).  The preview lays the same book out after every save, so
its pool keeps them: :class:`WarmPool` is the process's shared pool
(``layout.pool.shared_pool`` hands it to the pipeline) whose ``close`` keeps
the idle workers, which have already forgotten the layouts they held.  A
worker keeps the parsed stylesheets of the book it last laid out, named by
their files, so when a file of the project's styles changes the pool is
started afresh (:meth:`WarmPool.restart`).
"""

from __future__ import annotations

import atexit

from ..layout.pool import WorkerPool, current_shared_pool, install_shared_pool, remove_shared_pool


class WarmPool(WorkerPool):
    """A pool of layout workers that outlive each book."""

    grows = False  # sized by the preview: a worker added for one save would be kept warm through every other

    def close(self) -> None:
        """Keep the idle workers: the next save's chunks are laid out in them at once."""

    def restart(self) -> None:
        """New workers: the stylesheets the old ones parsed have changed."""
        self.terminate()
        self.start()


def warm_pool(size: int) -> WarmPool:
    """The process's shared pool of *size* layout workers, made a warm one."""
    current = current_shared_pool()
    if isinstance(current, WarmPool):
        current.resize(size)
        return current
    pool = WarmPool(size)
    install_shared_pool(pool)
    atexit.register(pool.terminate)
    return pool


def release_pool(pool: WarmPool) -> None:
    """Stop the warm pool's workers and give the process back its ordinary shared pool."""
    pool.terminate()
    remove_shared_pool(pool)
