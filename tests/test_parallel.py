"""parallel.imap_ordered: results in the input's order, whoever computed them.

Run in a child process: a worker is forked only when no other thread runs, which a test
process cannot promise.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Each item is computed as (item, the process that computed it, the forked workers alive then).
SCRIPT = """
import json, os, sys, time
from backlying_site import parallel

def alive():
    parent = os.getppid() if parallel.forked else os.getpid()
    with open(f"/proc/{parent}/task/{parent}/children") as children:
        return len(children.read().split())

def compute(item):
    time.sleep(0.002)  # work to share: this process does no more than its half
    return item, os.getpid(), alive()

renew = json.loads(sys.argv[1])
results = list(parallel.imap_ordered(compute, range(400), workers=2, min_items=1, renew_after=renew))
print(json.dumps({"me": os.getpid(), "results": results}))
"""


def run(renew_after: int | None) -> tuple[int, list[list[int]]]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(renew_after)],
                          capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    return found["me"], found["results"]


def test_the_results_come_in_order_from_this_process_and_one_forked_worker() -> None:
    me, results = run(None)
    assert [item for item, _, _ in results] == list(range(400))
    assert me in {pid for _, pid, _ in results}
    assert len({pid for _, pid, _ in results} - {me}) == 1


def test_a_worker_is_replaced_after_its_share_and_never_beside_the_one_before() -> None:
    """Each forked worker does at most ``renew_after`` items (plus the rest of a chunk), then
    exits, giving back the memory it copied; the next is forked only once it is gone."""
    me, results = run(50)
    assert [item for item, _, _ in results] == list(range(400))
    done_by: dict[int, int] = {}
    for _, pid, _ in results:
        done_by[pid] = done_by.get(pid, 0) + 1
    forked = {pid: count for pid, count in done_by.items() if pid != me}
    assert len(forked) >= 3 and max(forked.values()) <= 50 + 25  # chunks of 400 // 16 items
    assert {count for _, _, count in results} == {0, 1}  # one forked worker alive at most
