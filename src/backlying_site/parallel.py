"""Run a function over many items on every core, results in the input's order.

Workers are forked after the parent has loaded the site, so they share it
copy-on-write instead of receiving it pickled; only item indices go out and
results come back, in chunks. The parent takes chunks too, so on n cores n - 1
processes are forked at a time (they may be replaced by fresh forks). Where
forking is unsafe (other threads running, as in the preview server) or not
worth it (few items), it runs in-process: the output is byte-identical either
way.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import threading
from collections import deque
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

if TYPE_CHECKING:
    from concurrent.futures import Future

MIN_ITEMS = 200  # below this, starting workers costs more than it saves
# Chunks given out per forked worker beyond what the caller has taken (with 2, the worker waited
# for work ~30% of the time while posts were loaded).
AHEAD = 4

_job: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
forked = False  # True in a worker: what it returns is pickled to the parent


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    assert _job is not None
    function, items = _job
    try:
        return [function(items[i]) for i in range(*bounds)]
    finally:
        release_free_memory()


def _malloc_trim() -> Callable[[int], int] | None:
    return getattr(_libc(), "malloc_trim", None)  # glibc's; elsewhere nothing to do


def release_free_memory() -> None:
    """Give the pages malloc holds free back to the system (glibc keeps them: a cold build's freed
    texts and pages were ~25 MB per process at 5,000 posts). ~3 ms. Before a fork it also means the
    workers do not inherit them."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _start_worker(parent: int) -> None:
    """In each forked worker: what it inherited is frozen (the collector never walks it, so never
    writes to those pages, which stay shared with the parent), and the collector runs on what the
    worker makes itself."""
    global forked
    forked = True
    die_with_parent(parent)
    gc.freeze()
    gc.enable()


_PR_SET_PDEATHSIG = 1
# Descriptors a worker must not keep open (the output's lock): set by their owner, closed in each worker.
inherited_locks: set[int] = set()


def die_with_parent(parent: int | None) -> None:
    """A worker whose build was killed must not outlive it: it would hold the output's lock (every
    later build refused) and the build's stdout (`build | tee log` would never end). The kernel
    kills it when its parent dies (Linux); it lets go of the lock and of the parent's streams now.
    ``parent``: the pid that forked it, None when a fork server did."""
    libc = _libc()
    if libc is not None and hasattr(libc, "prctl"):
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:  # it died before the line above: the work is unwanted
        os._exit(1)
    for descriptor in list(inherited_locks):
        try:
            os.close(descriptor)
        except OSError:
            pass
    inherited_locks.clear()
    nothing = os.open(os.devnull, os.O_RDWR)
    os.dup2(nothing, 0)
    os.dup2(nothing, 1)
    os.dup2(nothing, 2)
    os.close(nothing)


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - not a glibc system
        return None


def worker_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def map_ordered(function: Callable[[Any], Any], items: Sequence[Any], workers: int | None = None,
                min_items: int | None = None) -> list[Any]:
    """``[function(item) for item in items]``, spread over processes when that pays."""
    return list(imap_ordered(function, items, workers, min_items))


def imap_ordered(function: Callable[[Any], Any], items: Sequence[Any], workers: int | None = None,
                 min_items: int | None = None, renew_after: int | None = None) -> Iterator[Any]:
    """The same as an iterator: results arrive in order while the workers go on.

    The calling process is one of the workers: it forks one process fewer and takes the next chunk
    itself whenever the oldest one given out is not back yet. A forked worker copies every page of
    the parent's memory it touches (reference counts are writes): at 5,000 posts each held ~45 MB
    of such copies by the end of a cold build, and the work done here needs none. At most AHEAD
    chunks per forked worker are given out beyond what the caller has taken, so when the caller is
    the slower side, finished results do not pile up in memory.

    ``renew_after``: items per forked worker after which the workers are replaced by fresh forks.
    Those copies grow with the items a worker has done (each touches other objects) and go back to
    being shared only when it exits: no more work is given to the old workers, the caller does the
    chunks alone until theirs are done, joins them (they have exited), then forks new ones."""
    workers = workers or worker_count()
    min_items = MIN_ITEMS if min_items is None else min_items  # read now: a test may lower it
    if workers <= 1 or len(items) < min_items or threading.active_count() > 1:
        yield from (function(item) for item in items)
        return
    # Imported only when there is work to spread: a small rebuild never needs them (~10 ms).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not Linux
        yield from (function(item) for item in items)
        return
    global _job
    _job = (function, items)
    size = max(1, min(32, len(items) // (workers * 8)))
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    forked = workers - 1
    pool: ProcessPoolExecutor | None = None
    retired: list[ProcessPoolExecutor] = []  # given no more work; joined once their chunks are done
    given = 0  # items given to the current pool
    try:
        pending: deque[Future[list[Any]] | list[Any]] = deque()  # in order: given out, or done here
        for bound in bounds:
            while pending and (isinstance(pending[0], list) or pending[0].done()):
                head = pending.popleft()
                yield from head if isinstance(head, list) else head.result()
            # Chunks the workers have yet to finish (one finished behind a slower one is free).
            busy = sum(1 for chunk in pending if not isinstance(chunk, list) and not chunk.done())
            if pool is None and busy == 0:
                _shut_down(retired)  # idle: they exit at once, and give back their copies
                retired.clear()
                release_free_memory()  # not inherited by the workers
                pool = ProcessPoolExecutor(forked, mp_context=multiprocessing.get_context("fork"),
                                           initializer=_start_worker, initargs=(os.getpid(),))
                given = 0
            if pool is not None and busy < forked * AHEAD:
                pending.append(pool.submit(_run_chunk, bound))
                given += bound[1] - bound[0]
                if renew_after is not None and given >= renew_after * forked:
                    # (Not shut down now: a shutdown without waiting lets go of the processes, and a
                    # later one would then join nothing.)
                    retired.append(pool)
                    pool = None
            else:  # the workers have enough (or are being replaced): this one is done here, while they go on
                pending.append([function(items[i]) for i in range(*bound)])
        while pending:
            head = pending.popleft()
            yield from head if isinstance(head, list) else head.result()
    finally:
        _job = None
        _shut_down([*retired, *([pool] if pool is not None else [])])


def _shut_down(pools: list[Any]) -> None:
    """Each pool's workers joined, work not yet started cancelled (after an error or a generator
    closed early nothing more is wanted), every pool even if one raises (a second Ctrl-C)."""
    error: BaseException | None = None
    for pool in pools:
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        except BaseException as exc:  # noqa: BLE001 - raised once the others are joined
            error = error or exc
    if error is not None:
        raise error
