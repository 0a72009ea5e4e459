"""Turn the cores that are free now and a book's size into how many layout workers to start.

``--jobs N`` (or ``BOOKBUILD_JOBS``) is obeyed as given.  Otherwise (the
default, 0) a build never starts more workers than

* the cores this process may run on (``os.sched_getaffinity``) that nothing
  else keeps busy: ``/proc/loadavg`` counts the processes running at this
  instant; the fewest seen over a few samples (a passing process does not
  count) is what keeps cores busy, and the 1-minute load average caps it from
  above when the machine has been quiet;
* one per ``CHUNKS_PER_WORKER`` chunks of the book: a short book is laid out
  before a second worker would have imported WeasyPrint.

That count is taken once, as the build starts. While it lays out, the
scheduler asks ``room_for_another`` once a second whether a core has come free
since (none of the build's own busy workers counted), and starts one more
worker when it has, at two looks in a row.

A worker that has a core of its own makes the build faster; one that shares
a core with another busy process only takes time from the others (the main
process joining chunks, the worker it competes with).  So on a machine with one
core kept busy by something else, the default is one worker, as ``--jobs 1``.
"""

from __future__ import annotations

import math
import time

from .pool import core_count

CHUNKS_PER_WORKER = 4
SAMPLES = 6
SAMPLE_INTERVAL = 0.005  # seconds between two looks at /proc/loadavg
LOADAVG = "/proc/loadavg"

_measured: dict[str, int] = {}


def busy_elsewhere() -> int:
    """How many processes other than this one keep a core busy now (0 where that cannot be told)."""
    running, load = _running()
    if running is None:
        return 0
    return max(0, min(running, math.ceil(load)))


def _running() -> tuple[int | None, float]:
    """The fewest processes other than this one seen running over a few samples of ``/proc/loadavg``, and the
    1-minute load average; (None, 0.0) where that cannot be told."""
    running = []
    load = 0.0
    for sample in range(SAMPLES):
        try:
            with open(LOADAVG, encoding="ascii") as file:
                fields = file.read().split()
        except OSError:
            return None, 0.0
        if len(fields) < 4 or "/" not in fields[3]:
            return None, 0.0
        load = float(fields[0])
        running.append(int(fields[3].split("/")[0]) - 1)  # this process is running: it reads the file
        if sample + 1 < SAMPLES:
            time.sleep(SAMPLE_INTERVAL)
    return min(running), load


def free_cores() -> int:
    """The cores this process may use that nothing else keeps busy (at least one), measured once per process
    run before bookbuild's own workers start (they would count themselves)."""
    if "free" not in _measured:
        _measured["free"] = max(1, core_count() - busy_elsewhere())
    return _measured["free"]


def forget_measurement() -> None:
    """Measure again at the next build (a long-running process building several books)."""
    _measured.clear()


def workers_to_start(jobs: int) -> int:
    """The workers to start before the book's size is known: *jobs* when given, else one per free core.

    They import WeasyPrint while this process reads and renders the book, on
    cores nothing else uses; a worker the book turns out too short for is
    stopped unused (``workers_for``, ``WorkerPool.resize``).
    """
    if jobs > 0:
        return jobs
    return free_cores()  # measured now, before any worker of ours runs


def workers_for(jobs: int, chunks: int) -> int:
    """The workers to lay out a book of *chunks* chunks: *jobs* when given, else what the free cores and the
    book's size allow."""
    if jobs > 0:
        return jobs
    return max(1, min(free_cores(), math.ceil(chunks / CHUNKS_PER_WORKER)))


def room_for_another(workers: int, busy: int, waiting: int) -> bool:
    """Whether a build laying out with *workers* workers (no ``--jobs`` given), *busy* of them laying out now,
    would gain by starting one more: not with a worker per core already, nor for fewer than
    ``CHUNKS_PER_WORKER`` chunks still *waiting* to be laid out (a new worker first imports WeasyPrint);
    otherwise when a core is free now that nothing else, and none of the build's own busy workers, keeps busy.

    The build's first count of free cores is a moment's: a process that happened to run then (a file
    indexer, a compiler finishing) would keep the whole build to fewer workers than the machine has free.
    The 1-minute load average is not used here: it counts the build's own workers of the last minute.
    """
    if workers >= core_count() or waiting < CHUNKS_PER_WORKER:
        return False
    running, _ = _running()
    if running is None:
        return False
    elsewhere = max(0, running - busy)
    return elsewhere + workers < core_count()
