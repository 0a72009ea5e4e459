"""How many layout workers a build starts: --jobs as given, else the free cores and the book's size."""

from __future__ import annotations

import pytest

from bookbuild.layout import pool, sizing
from bookbuild.layout.pool import shared_pool


@pytest.fixture
def machine(monkeypatch, tmp_path):
    """A machine of *cores* cores whose /proc/loadavg says *text*."""

    def make(cores: int, text: str) -> None:
        loadavg = tmp_path / "loadavg"
        loadavg.write_text(text)
        monkeypatch.setattr(sizing, "LOADAVG", str(loadavg))
        monkeypatch.setattr(sizing, "core_count", lambda: cores)
        monkeypatch.setattr(sizing, "SAMPLE_INTERVAL", 0)
        sizing.forget_measurement()

    yield make
    sizing.forget_measurement()


def test_jobs_given_are_obeyed(machine):
    machine(2, "9.00 9.00 9.00 12/300 1234\n")
    assert sizing.workers_for(3, 1) == 3
    assert sizing.workers_to_start(3) == 3


def test_an_idle_machine_gets_a_worker_per_core(machine):
    machine(2, "0.10 0.20 0.30 1/300 1234\n")  # only this process runs
    assert sizing.busy_elsewhere() == 0
    assert sizing.workers_to_start(0) == 2  # both import WeasyPrint while the book is read
    assert sizing.workers_for(0, 40) == 2


def test_a_core_kept_busy_elsewhere_leaves_one_worker(machine):
    machine(2, "1.05 1.00 0.90 2/300 1234\n")  # a spinner and this process
    assert sizing.busy_elsewhere() == 1
    assert sizing.workers_to_start(0) == 1
    assert sizing.workers_for(0, 40) == 1


def test_a_passing_process_or_a_quiet_past_does_not_count(machine):
    machine(4, "0.00 0.00 0.00 3/300 1234\n")  # two processes started this instant, none running a minute
    assert sizing.busy_elsewhere() == 0
    machine(4, "2.50 2.00 1.00 3/300 1234\n")
    assert sizing.busy_elsewhere() == 2


def test_a_short_book_gets_fewer_workers(machine):
    machine(8, "0.00 0.00 0.00 1/300 1234\n")
    assert sizing.workers_for(0, 3) == 1
    assert sizing.workers_for(0, 9) == 3
    assert sizing.workers_for(0, 200) == 8


def test_an_unreadable_load_counts_nothing_busy(machine):
    machine(2, "garbage")
    assert sizing.busy_elsewhere() == 0


def test_the_shared_pool_is_resized_not_replaced(monkeypatch):
    started = []
    monkeypatch.setattr(pool, "_shared", [])
    monkeypatch.setattr(pool.WorkerPool, "start", lambda self: started.append(self.size))
    first = shared_pool(1)
    assert shared_pool(3) is first and first.size == 3
    assert shared_pool(2) is first and first.size == 2


@pytest.mark.parametrize("cores", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("running", [1, 2, 3, 5, 9])
def test_the_default_never_starts_more_workers_than_free_cores(machine, cores, running):
    machine(cores, f"{running - 1}.00 1.00 1.00 {running}/300 1234\n")  # this process and running - 1 others
    free = max(1, cores - (running - 1))
    assert sizing.free_cores() == free
    assert 1 <= sizing.workers_to_start(0) <= free
    for chunks in (1, 4, 5, 23, 200):
        assert 1 <= sizing.workers_for(0, chunks) <= free


def test_another_worker_only_for_a_core_nothing_keeps_busy(machine):
    # One worker laying out, nothing else running: the second core is free.
    machine(2, "1.00 0.50 0.20 2/300 1234\n")  # this process and the worker
    assert sizing.room_for_another(workers=1, busy=1, waiting=10)
    # A spinner besides: no core is free.
    machine(2, "2.00 1.50 1.00 3/300 1234\n")
    assert not sizing.room_for_another(workers=1, busy=1, waiting=10)
    # A worker per core already, or too few chunks left to be worth a new worker's start-up.
    machine(2, "0.00 0.00 0.00 1/300 1234\n")
    assert not sizing.room_for_another(workers=2, busy=2, waiting=10)
    assert not sizing.room_for_another(workers=1, busy=1, waiting=sizing.CHUNKS_PER_WORKER - 1)
    assert sizing.room_for_another(workers=1, busy=1, waiting=sizing.CHUNKS_PER_WORKER)
    # The load average counts the build's own workers of the last minute: it is not what decides.
    machine(4, "3.90 3.00 2.00 3/300 1234\n")  # this process and two workers, after a minute of work
    assert sizing.room_for_another(workers=2, busy=2, waiting=10)


def test_the_previews_warm_pool_does_not_grow():
    # The live preview sizes its warm pool itself; a worker added while one save is laid out would stay.
    from bookbuild.layout.pool import WorkerPool
    from bookbuild.serve.workers import WarmPool

    assert WorkerPool.grows and not WarmPool.grows
