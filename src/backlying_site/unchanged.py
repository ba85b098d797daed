"""Know, before loading anything, that nothing changed since the last build.

A rebuild with nothing changed should cost what it takes to notice that: one
stat of each of the site's files and of each file and folder of the published
one, compared with what the last successful build recorded. Any difference,
and the full build runs. A file changed within moments of the scan could keep
its stat through a second edit (git's "racy clean" files): its bytes' digest is
recorded too, and it is compared by content next time.
"""

from __future__ import annotations

import hashlib
import os
import stat as file_mode
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from . import theme

RECORD = "last-build"
# A file changed less than this before it was scanned or read may still change within the same
# tick of the file system's clock without its stat showing it (git's "racy clean" files).
RACY_NS = 2_000_000_000
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
    if file_mode.S_ISLNK(info.st_mode):
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


def same_inputs(recorded: Inputs, current: Inputs) -> bool:
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


# Every file under a folder -> (size, mtime, inode); every folder, its own included, as its path
# and "/" ("/" alone for the folder itself) -> (-1, mtime, inode).
State = dict[str, tuple[int, int, int]]
FOLDER = -1  # the size recorded for a folder


def output_state(output: Path) -> State | None:
    """(size, mtime, inode) of every file and folder under ``output`` (links included, not
    followed), by path: an edit, an addition or a deletion there shows. One scandir per folder."""
    if not output.is_dir():
        return None
    state: State = {}

    def visit(folder: str, prefix: str) -> None:
        info = os.lstat(folder)
        state[prefix or "/"] = (FOLDER, info.st_mtime_ns, info.st_ino)
        with os.scandir(folder) as found:
            for entry in found:
                if entry.is_dir(follow_symlinks=False):
                    visit(entry.path, f"{prefix}{entry.name}/")
                else:
                    info = entry.stat(follow_symlinks=False)
                    state[prefix + entry.name] = (info.st_size, info.st_mtime_ns, info.st_ino)

    visit(str(output), "")
    return state


@contextmanager
def _lstat_in(folder: str) -> Iterator[Callable[[str], os.stat_result]]:
    """lstat of a path relative to ``folder`` ("." for itself). Through a descriptor of the folder
    where the system allows: each call then walks the path from there, not the folder's own path
    again (a fifth of a check of 14,000 entries)."""
    # (os.supports_dir_fd lists os.stat, not os.lstat, which is os.stat not following links.)
    if os.stat not in os.supports_dir_fd:  # pragma: no cover - Windows
        yield lambda rel: os.lstat(os.path.join(folder, rel))
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        yield partial(os.lstat, dir_fd=fd)
    finally:
        os.close(fd)


def _folder_rel(key: str) -> str:
    """The folder a state's key names ("a/b/", or "/" for the folder itself), relative to it."""
    return key[:-1] if key != "/" else "."


def same_state(output: Path, state: State | None) -> bool:
    """Whether ``output`` is still as ``state`` (output_state's) says, by one lstat per entry and no
    folder read: a file changed or replaced shows in its own stat, one added, deleted or renamed in
    its folder's mtime. About half the cost of a walk (~50 ms for 12,000 entries). Like the walk,
    it trusts mtimes: a change made by another program within the same tick of the clock as this
    program's last write there (a few ms) could go unseen."""
    if state is None or "/" not in state:
        return state is None and not output.is_dir()
    is_dir = file_mode.S_ISDIR
    try:
        with _lstat_in(str(output)) as lstat:
            for rel, (size, mtime, ino) in state.items():
                if size == FOLDER:
                    info = lstat(_folder_rel(rel))
                    if not is_dir(info.st_mode) or info.st_mtime_ns != mtime or info.st_ino != ino:
                        return False
                else:
                    info = lstat(rel)
                    if is_dir(info.st_mode) or (info.st_size, info.st_mtime_ns, info.st_ino) != (size, mtime, ino):
                        return False
    except OSError:
        return False
    return True


def updated_state(before: State, folder: Path, changed: set[str]) -> State:
    """``before`` with each path in ``changed`` stat-ed again (gone if it is not a file any more),
    and every folder above one (made, emptied, or with an entry added or removed): the state of a
    folder a build changed only there, without a walk. (Wrong only if something else changed the
    folder meanwhile; then a later comparison finds a difference and trusts nothing: slower, never
    wrong.)"""
    state = dict(before)
    folders: set[str] = set()
    with _lstat_in(str(folder)) as lstat:
        for rel in changed:
            parent = rel.rpartition("/")[0]
            while parent not in folders:
                folders.add(parent)
                if not parent:
                    break
                parent = parent.rpartition("/")[0]
            try:
                info = lstat(rel)
            except OSError:
                info = None
            if info is None or file_mode.S_ISDIR(info.st_mode):
                state.pop(rel, None)  # a folder's own entry, if it is above a changed path, comes next
            else:
                state[rel] = (info.st_size, info.st_mtime_ns, info.st_ino)
                state.pop(f"{rel}/", None)
        for rel in folders:
            key = f"{rel}/" if rel else "/"
            try:
                info = lstat(rel or ".")
            except OSError:
                info = None
            if info is None or not file_mode.S_ISDIR(info.st_mode):
                state.pop(key, None)
            else:
                state[key] = (FOLDER, info.st_mtime_ns, info.st_ino)
                state.pop(rel, None)  # a file of before where a folder now stands (the writer replaced it)
    return state


def seeded_state(state: State, copy: Path) -> State:
    """The state of ``copy``, a copy of the folder in ``state`` made of hard links: the same files
    (inodes and all), in folders of its own."""
    fresh = {rel: value for rel, value in state.items() if value[0] != FOLDER}
    with _lstat_in(str(copy)) as lstat:
        for rel, value in state.items():
            if value[0] == FOLDER:
                info = lstat(_folder_rel(rel))
                fresh[rel] = (FOLDER, info.st_mtime_ns, info.st_ino)
    return fresh
