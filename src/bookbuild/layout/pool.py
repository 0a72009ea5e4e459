"""Turn layout jobs into results in worker processes, each held to a memory and a time limit.

WeasyPrint lays out on one core, so the chunks of a book are laid out in
worker processes, as many as ``sizing.py`` finds free cores for (``--jobs`` or
``BOOKBUILD_JOBS`` choose another number).  The workers are started fresh
("spawn"), never forked from a process that may hold WeasyPrint's fonts and
Pango's threads, and each one imports WeasyPrint once: they serve every
chunk, edition and target of a build (and every build of a process).

A chunk's layout stays in the worker that made it until its page numbers
are known, so a job can be sent to one worker in particular.  Each worker
runs under limits (``resource.setrlimit``): its address space
(``BOOKBUILD_WORKER_MEMORY_MB``, default 4096) and the processor time one
job may take (``BOOKBUILD_WORKER_SECONDS``, default 600).  A layout that
runs away ends the build with a message naming the chunk, not the machine.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from ..errors import BookbuildError, Problem

DEFAULT_MEMORY_MB = 4096
DEFAULT_SECONDS = 600


@dataclass(frozen=True)
class Limits:
    memory_mb: int = DEFAULT_MEMORY_MB
    seconds: int = DEFAULT_SECONDS


def limits_from_environment() -> Limits:
    def number(name: str, default: int) -> int:
        value = os.environ.get(name, "")
        return int(value) if value.isdigit() and int(value) > 0 else default

    return Limits(number("BOOKBUILD_WORKER_MEMORY_MB", DEFAULT_MEMORY_MB),
                  number("BOOKBUILD_WORKER_SECONDS", DEFAULT_SECONDS))


def core_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Refused:
    """A job the worker could not do, for a reason the caller handles: "not-separable", "not-held"."""

    reason: str


class WorkerFailed(Exception):
    """A worker ended or failed on a job; ``problems`` say why, for the user."""

    def __init__(self, problems: list[Problem], bug: str | None = None):
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems
        self.bug = bug


def apply_limits(limits: Limits) -> None:
    """In a worker process: its address space, and no core file when it is stopped."""
    import resource

    memory = limits.memory_mb * 1024 * 1024
    for limit, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CORE, 0)):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides what an interrupt stops


def allow_seconds(seconds: int) -> None:
    """In a worker process: the next job may use *seconds* of processor time (then SIGXCPU stops the worker)."""
    import resource

    used = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (int(used) + seconds, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass


def _serve(connection: Connection, limits: Limits) -> None:
    """A worker's life: limits set, WeasyPrint imported, then jobs until told to stop."""
    apply_limits(limits)
    import weasyprint  # noqa: F401 - once per worker, before the first job

    from . import worker

    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        kind, job = message
        allow_seconds(limits.seconds)
        try:
            reply = ("done", worker.run(kind, job))
        except BookbuildError as error:
            reply = ("problems", error.problems)
        except worker.NotSeparable:
            reply = ("not-separable", None)
        except worker.NotHeld:
            reply = ("not-held", None)
        except MemoryError:
            reply = ("memory", None)
        except Exception:  # noqa: BLE001 - a bug: its traceback goes to the main process
            reply = ("bug", traceback.format_exc())
        try:
            connection.send(reply)
        except MemoryError:
            connection.send(("memory", None))


class _Worker:
    def __init__(self, context, limits: Limits):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, limits), daemon=True)
        self.process.start()
        child.close()
        self.job: tuple[str, Any, str] | None = None  # (kind, job, label) while busy


class WorkerPool:
    """Worker processes that lay out chunks; a job may go to any idle worker or to one in particular."""

    grows = True  # a build may add a worker when a core comes free while it lays out (book._Scheduler.grow)

    def __init__(self, size: int, limits: Limits | None = None):
        self.size = max(1, size)
        self.limits = limits or limits_from_environment()
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []

    def start(self) -> None:
        """Start the workers (they import WeasyPrint while the main process goes on)."""
        self._workers = [worker for worker in self._workers if worker.process.is_alive()]
        while len(self._workers) < self.size:
            self._workers.append(_Worker(self._context, self.limits))

    @property
    def idle(self) -> list[int]:
        return [index for index, worker in enumerate(self._workers) if worker.job is None]

    @property
    def busy(self) -> bool:
        return any(worker.job is not None for worker in self._workers)

    def send(self, worker: int, kind: str, job: Any, label: str) -> None:
        self.start()
        target = self._workers[worker]
        target.job = (kind, job, label)
        target.connection.send((kind, job))

    def receive(self) -> tuple[int, str, Any, Any]:
        """Wait for the next finished job: (worker, kind, job, result); failures raise WorkerFailed."""
        connections = {worker.connection: index for index, worker in enumerate(self._workers) if worker.job}
        ready = wait(list(connections))
        index = connections[ready[0]]
        worker = self._workers[index]
        assert worker.job is not None  # only busy workers are waited for
        kind, job, label = worker.job
        worker.job = None
        try:
            status, value = worker.connection.recv()
        except (EOFError, OSError):
            worker.process.join(5)
            self._workers[index] = _Worker(self._context, self.limits)
            raise WorkerFailed([Problem(None, self._ended(label, worker.process.exitcode))]) from None
        if status == "done":
            return index, kind, job, value
        if status == "problems":
            raise WorkerFailed(value)
        if status == "memory":
            raise WorkerFailed([Problem(None, f"{label}: laying out needed more than {self.limits.memory_mb} MB "
                                              "of memory", hint="set BOOKBUILD_WORKER_MEMORY_MB to allow more")])
        if status == "bug":
            raise WorkerFailed([Problem(None, f"{label}: internal error while laying out")], bug=value)
        return index, kind, job, Refused(status)  # "not-separable", "not-held": the caller knows what to do

    def _ended(self, label: str, code: int | None) -> str:
        if code == -signal.SIGXCPU:
            return (f"{label}: laying out took more than {self.limits.seconds} seconds of processor time "
                    "and was stopped (set BOOKBUILD_WORKER_SECONDS to allow more)")
        if code == -signal.SIGKILL:
            return f"{label}: the layout process was killed (out of memory?)"
        return f"{label}: the layout process ended unexpectedly (exit status {code})"

    def forget(self) -> None:
        """Let every worker drop the layouts it holds."""
        for index in range(len(self._workers)):
            self.send(index, "forget", None, "forget")
        while self.busy:
            self.receive()

    def close(self) -> None:
        """Stop the workers: idle ones hold nothing of value, so they are not waited for."""
        self.terminate()

    def terminate(self) -> None:
        """Stop every worker now (after an error or an interrupt): a held layout is of no more use."""
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.kill()
        for worker in self._workers:
            worker.process.join()
        self._workers = []

    def resize(self, size: int) -> None:
        """Serve with *size* workers from now on: idle workers beyond it stop, missing ones start on first use."""
        self.size = max(1, size)
        kept = [worker for index, worker in enumerate(self._workers) if index < self.size or worker.job is not None]
        for worker in self._workers:
            if worker not in kept and worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        self._workers = kept


_shared: list[WorkerPool] = []


def shared_pool(size: int) -> WorkerPool:
    """The process's pool, of *size* workers from now on (the workers it has are kept); started on first use and
    closed when the process ends."""
    if not _shared:
        _shared.append(WorkerPool(size))
        atexit.register(_shared[0].close)
    else:
        _shared[0].resize(size)
    return _shared[0]


def current_shared_pool() -> WorkerPool | None:
    """The process's shared pool, if one was made."""
    return _shared[0] if _shared else None


def install_shared_pool(pool: WorkerPool) -> None:
    """Make *pool* the process's shared pool (the live preview's warm one), stopping the pool it replaces."""
    for other in _shared:
        if other is not pool:
            other.terminate()
    _shared[:] = [pool]


def remove_shared_pool(pool: WorkerPool) -> None:
    """Forget *pool* as the shared pool: the next build makes an ordinary one."""
    if pool in _shared:
        _shared.remove(pool)
