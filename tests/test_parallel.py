"""parallel.imap_ordered: results in the input's order, whoever computed them.

Run in a child process: a worker is forked only when no other thread runs, which a test
process cannot promise.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Each item is computed as (item, the process that computed it), and who computes what is made
# certain by waiting on events, not on timings (issue 20):
# - a forked worker computes nothing until this process has computed an item of its own (an Event
#   inherited through the fork): the caller's share is sure, not a race it nearly always wins;
# - this process computes an item only once every chunk given to the workers before it is back: a
#   retired worker has always finished when the next chunk comes, so it is always replaced;
# - each forked worker notes, as it starts, how many children its parent has (itself included).
# Each forked worker also takes 50 ms to exit. That waits for nothing: it keeps a worker alive long
# enough for a fork made before it was joined to see it (c48dfcb: without it the old code passed).
# Code that joins before it forks sees one child however long the exit takes.
SCRIPT = """
import concurrent.futures, json, multiprocessing, os, sys, time
from multiprocessing.util import Finalize
from backlying_site import parallel

renew, log = json.loads(sys.argv[1]), sys.argv[2]
DEADLINE = 30.0
given = []  # every chunk given to a forked worker, as its future

class Noted(concurrent.futures.ProcessPoolExecutor):
    def submit(self, *args, **kwargs):
        given.append(super().submit(*args, **kwargs))
        return given[-1]

concurrent.futures.ProcessPoolExecutor = Noted  # imported from there by imap_ordered when it runs
caller_computed = multiprocessing.Event()
start_worker = parallel._start_worker

def noted(parent_pid):
    parent = os.getppid()
    with open(f"/proc/{parent}/task/{parent}/children") as children, open(log, "a") as out:
        out.write(f"{len(children.read().split())}\\n")
    Finalize(None, time.sleep, args=(0.05,), exitpriority=0)  # run as the worker exits
    start_worker(parent_pid)

parallel._start_worker = noted

def compute(item):
    if parallel.forked:
        if not caller_computed.wait(DEADLINE):
            caller_computed.set()  # (the chunks behind this one need not wait in vain too)
            raise RuntimeError(f"the calling process computed nothing in {DEADLINE} s")
    else:
        caller_computed.set()
        if concurrent.futures.wait(given, timeout=DEADLINE).not_done:
            raise RuntimeError(f"the workers did not finish their chunks in {DEADLINE} s")
    return item, os.getpid()

results = list(parallel.imap_ordered(compute, range(1200), workers=2, min_items=1, renew_after=renew))
print(json.dumps({"me": os.getpid(), "results": results}))
"""


def run(renew_after: int | None, log: str) -> tuple[int, list[list[int]], list[int]]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(renew_after), log],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    with open(log, encoding="utf-8") as handle:
        children = [int(line) for line in handle]
    return found["me"], found["results"], children


def items_by_process(results: list[list[int]]) -> dict[int, int]:
    done_by: dict[int, int] = {}
    for _, pid in results:
        done_by[pid] = done_by.get(pid, 0) + 1
    return done_by


def test_the_results_come_in_order_from_this_process_and_one_forked_worker(tmp_path) -> None:
    me, results, children = run(None, str(tmp_path / "log"))
    assert [item for item, _ in results] == list(range(1200))
    assert me in items_by_process(results)
    assert len(items_by_process(results).keys() - {me}) == 1
    assert children == [1]


def test_a_worker_is_replaced_after_its_share_and_never_beside_the_one_before(tmp_path) -> None:
    """Each forked worker does at most ``renew_after`` items (plus the rest of its last chunks), then
    exits, giving back the memory it copied; the next is forked only once it has been joined."""
    me, results, children = run(100, str(tmp_path / "log"))
    assert [item for item, _ in results] == list(range(1200))
    forked = {pid: count for pid, count in items_by_process(results).items() if pid != me}
    assert max(forked.values()) <= 100 + 32  # (chunks of 32 items)
    assert len(forked) >= 3  # replaced, and replaced again
    assert children == [1] * len(forked)  # each worker started when no other was alive
