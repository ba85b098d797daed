"""Know, before loading anything, that nothing changed since the last build.

A rebuild with nothing changed should cost what it takes to notice that: one stat of each of the
site's input files and of each file of the published folder, compared with what the last build
recorded, with the same settings and the same day. Any difference, and the whole build runs. A
file changed moments before its stat was taken could change again without its stat showing it
(git's "racy clean" files): its bytes' digest is recorded too, and compared next time.
"""

from __future__ import annotations

import hashlib
import os
import stat as file_mode
import time
from pathlib import Path

from ..output.writer import Generation, folder_stats
from .store import RACY_NS

Scan = tuple[tuple[str, tuple, "str | None"], ...]  # each input file: path, stat, digest if too fresh


def scan_inputs(files: list[Path], folders: list[Path]) -> Scan:
    """``files`` and every file under ``folders`` (links not followed, their targets' stats taken)."""
    paths = [str(path) for path in files]
    for folder in folders:
        for base, dirs, names in os.walk(folder):
            dirs.sort()
            paths += [os.path.join(base, name) for name in sorted(names)]
    now = time.time_ns()
    found = []
    for path in paths:
        stat = _stat(path)
        fresh = len(stat) > 1 and now - max(stat[2], stat[3]) < RACY_NS
        found.append((path, stat, _content(path) if fresh else None))
    return tuple(found)


def _stat(path: str) -> tuple:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ("missing",)
    link = ""
    if file_mode.S_ISLNK(info.st_mode):
        link = os.readlink(path)
        try:
            info = os.stat(path)
        except OSError:
            pass
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, link)


def same_inputs(recorded: Scan, current: Scan) -> bool:
    """Every file has the stat it had; one that was too fresh to trust also has the same bytes."""
    if len(recorded) != len(current):
        return False
    for (path, stat, content), (now_path, now_stat, now_content) in zip(recorded, current):
        if path != now_path or stat != now_stat:
            return False
        if content is not None and (now_content or _content(path)) != content:
            return False
    return True


def _content(path: str) -> str:
    """The digest of a plain file's bytes (never opens a pipe or a device: reading one could wait forever)."""
    try:
        if not file_mode.S_ISREG(os.stat(path).st_mode):
            return "not a plain file"
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        return f"unreadable: {exc.errno}"


def output_unchanged(output: Path, live: Generation) -> bool:
    """The published folder holds exactly the files the last build left, each with its stat then."""
    now = folder_stats(output)
    return bool(live) and now.keys() == live.keys() and all(now[rel] == held.stat for rel, held in live.items())
