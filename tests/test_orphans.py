"""A build killed by a signal to its main process only never locks out the next build (issue 18).

The OOM killer, `kill PID`, a closed SSH session or a CI runner cancelling one PID signal the main
process alone. Its forked render workers must die with it, let go of the output's lock and of the
build's stdout and stderr (else `build | tee log` never ends), and the next build must succeed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from test_atomic import BUSY, TIMEOUT, command, environment, make_site, tree

KILLS = 21
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGHUP)


def children_of(pid: int) -> set[int]:
    try:
        return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def wait_for(condition, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def test_killing_only_the_main_process_while_it_renders_never_locks_out_the_next_build(tmp_path: Path) -> None:
    source = make_site(tmp_path / "site", "Guide", posts=150)
    output = tmp_path / "public"
    chance = random.Random(18)
    landed = attempts = 0
    while landed < KILLS:
        attempts += 1
        assert attempts <= 3 * KILLS, f"only {landed} of {attempts} kills landed while the build rendered"
        # --clean: every attempt renders every page (an attempt the kill missed would otherwise leave
        # a store that makes every later build "nothing changed", with no worker to kill).
        build = subprocess.Popen([*command(), "build", "--clean", "--source", str(source), "--output", str(output)],
                                 env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Rendering has begun once a forked worker is there (the image pool's are gone by then).
        wait_for(lambda: not alive(build.pid) or children_of(build.pid), "a render worker")
        time.sleep(chance.uniform(0, 0.05))  # a random moment of the render
        # Frozen first, so whether it was still rendering is known, not guessed from timings (issue 20).
        os.kill(build.pid, signal.SIGSTOP)  # (a build that has ended is a zombie until communicate())
        workers = {pid for pid in children_of(build.pid) if alive(pid)}
        if workers:
            os.kill(build.pid, chance.choice(SIGNALS))
            landed += 1
        os.kill(build.pid, signal.SIGCONT)  # a frozen process takes SIGTERM and SIGHUP once thawed
        # The pipes close, so nobody holds the build's stdout: `build | tee log` ends.
        _, stderr = build.communicate(timeout=TIMEOUT)
        assert BUSY not in stderr and "Traceback" not in stderr, stderr
        wait_for(lambda: not any(alive(pid) for pid in workers), "the workers to die with their build", 10)
    done = subprocess.run([*command(), "build", "--source", str(source), "--output", str(output)],
                          env=environment(), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    reference = tmp_path / "reference"
    subprocess.run([*command(), "build", "--source", str(source), "--output", str(reference)],
                   env=environment(), capture_output=True, text=True, timeout=TIMEOUT, check=True)
    assert tree(output) == tree(reference)
