"""Know, before loading anything, that nothing changed since the last build.

A rebuild with nothing changed should cost what it takes to notice that: one
stat of each of the site's files and one pass over the published folder (by
stat), compared with what the last successful build recorded. Any difference,
and the full build runs. A file changed within moments of the scan could keep
its stat through a second edit (git's "racy clean" files): its bytes' digest is
recorded too, and it is compared by content next time.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from . import theme

RECORD = "last-build"
RACY_NS = 2_000_000_000  # as memo.RACY_NS
Scan = list[tuple[str, tuple]]  # (path, stat) of every input file, in a fixed order
Inputs = list[tuple[str, tuple, "str | None"]]  # ... and the bytes' digest of the ones too fresh to trust


def scan_inputs(root: Path) -> Scan:
    """site.yaml and every file under content/ and the templates and static folders (site and theme)."""
    folders = [root / "content", *theme.template_dirs(root), *theme.static_dirs(root)]
    paths = [str(root / "site.yaml")]
    for folder in folders:
        for base, dirs, names in os.walk(folder):
            dirs.sort()
            paths += [os.path.join(base, name) for name in sorted(names)]
    return [(path, _stat(path)) for path in paths]


def _stat(path: str) -> tuple:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ("missing",)
    link = ""
    if os.path.islink(path):
        link = os.readlink(path)
        try:
            info = os.stat(path)
        except OSError:
            pass
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, link)


def record_inputs(scan: Scan, scanned_at: int) -> Inputs:
    """The scan, with the digest of each file changed too shortly before it to trust its stat."""
    return [(path, stat, _content(path) if len(stat) > 1 and scanned_at - max(stat[2], stat[3]) < RACY_NS
             else None) for path, stat in scan]


def same_inputs(recorded: Inputs, scan: Scan) -> bool:
    if len(recorded) != len(scan):
        return False
    for (path, stat, content), (now_path, now_stat) in zip(recorded, scan):
        if path != now_path:
            return False
        if content is None:
            if stat != now_stat:
                return False
        elif len(now_stat) == 1 or _content(path) != content:
            return False
    return True


def _content(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        return f"unreadable: {exc.errno}"


def now() -> int:
    return time.time_ns()


def output_state(output: Path) -> list[tuple[str, int, int, int]] | None:
    """(path, size, mtime, inode) of every file under ``output`` (links included, not followed):
    an edit, an addition or a deletion there shows. One scandir per folder."""
    if not output.is_dir():
        return None
    state: list[tuple[str, int, int, int]] = []

    def visit(folder: str, prefix: str) -> None:
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda entry: entry.name)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                visit(entry.path, f"{prefix}{entry.name}/")
            else:
                info = entry.stat(follow_symlinks=False)
                state.append((prefix + entry.name, info.st_size, info.st_mtime_ns, info.st_ino))

    visit(str(output), "")
    return state
