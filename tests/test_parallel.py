"""parallel.imap_ordered: results in the input's order, whoever computed them.

Run in a child process: a worker is forked only when no other thread runs, which a test
process cannot promise.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Each item is computed as (item, the process that computed it). Each forked worker notes, as it
# starts, how many children its parent has (itself included), and takes 50 ms to exit: a worker
# forked before the last one was joined would find it still there.
SCRIPT = """
import json, os, sys, time
from multiprocessing.util import Finalize
from backlying_site import parallel

start_worker = parallel._start_worker

def noted(parent_pid):
    parent = os.getppid()
    with open(f"/proc/{parent}/task/{parent}/children") as children:
        with open(sys.argv[3], "a") as log:
            log.write(f"{len(children.read().split())}\\n")
    Finalize(None, time.sleep, args=(0.05,), exitpriority=0)  # run as the worker exits
    start_worker(parent_pid)

parallel._start_worker = noted

def compute(item):
    time.sleep(float(sys.argv[2]))  # work to share: this process does no more than its half
    return item, os.getpid()

count, renew = 1200, json.loads(sys.argv[1])
results = list(parallel.imap_ordered(compute, range(count), workers=2, min_items=1, renew_after=renew))
print(json.dumps({"me": os.getpid(), "results": results}))
"""


def run(renew_after: int | None, seconds: float, log: str) -> tuple[int, list[list[int]], list[int]]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(renew_after), str(seconds), log],
                          capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    with open(log, encoding="utf-8") as handle:
        children = [int(line) for line in handle]
    return found["me"], found["results"], children


def test_the_results_come_in_order_from_this_process_and_one_forked_worker(tmp_path) -> None:
    me, results, children = run(None, 0.0005, str(tmp_path / "log"))
    assert [item for item, _ in results] == list(range(1200))
    assert me in {pid for _, pid in results}
    assert len({pid for _, pid in results} - {me}) == 1
    assert children == [1]


def test_a_worker_is_replaced_after_its_share_and_never_beside_the_one_before(tmp_path) -> None:
    """Each forked worker does at most ``renew_after`` items (plus the rest of its last chunks), then
    exits, giving back the memory it copied; the next is forked only once it has been joined."""
    me, results, children = run(100, 0.0002, str(tmp_path / "log"))
    assert [item for item, _ in results] == list(range(1200))
    done_by: dict[int, int] = {}
    for _, pid in results:
        done_by[pid] = done_by.get(pid, 0) + 1
    forked = {pid: count for pid, count in done_by.items() if pid != me}
    assert len(forked) >= 3 and max(forked.values()) <= 100 + 32  # (chunks of 32 items)
    assert len(children) >= len(forked) and set(children) == {1}  # each started alone
