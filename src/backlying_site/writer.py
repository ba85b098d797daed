"""Every byte of output goes through here: staged, then swapped in atomically.

A build writes into a hidden staging folder beside the target and, only when
everything is written, exchanges it with the target in one system call
(``renameat2(RENAME_EXCHANGE)`` on Linux). A failed or killed build therefore
leaves the previous site whole; leftovers are cleaned by the next run.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterator

from .errors import Problem, SiteError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class Writer:
    """Collects the output in a staging folder; refuses two writes to one path (Pelican does too)."""

    def __init__(self, staging: Path, previous: Path | None = None) -> None:
        self.staging = staging
        self.previous = previous if previous and previous.is_dir() else None
        self.written: dict[str, str] = {}  # output path -> what made it
        self.unchanged = 0

    def _target(self, rel: str, origin: str) -> Path:
        clean = PurePosixPath(rel)
        if clean.is_absolute() or ".." in clean.parts or not clean.parts:
            raise SiteError([Problem(origin, 0, "", f"refusing to write outside the output folder: {rel}")])
        key = clean.as_posix()
        if key in self.written:
            raise SiteError([Problem(origin, 0, "", f"two pages want the same address /{key} (the other "
                                     f"comes from {self.written[key]}); change a slug or tag so they differ")])
        self.written[key] = origin
        path = self.staging / key
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write_bytes(self, rel: str, data: bytes, origin: str = "") -> None:
        path = self._target(rel, origin)
        if self._link_unchanged(rel, path, data):
            return
        path.write_bytes(data)

    def write_text(self, rel: str, text: str, origin: str = "") -> None:
        self.write_bytes(rel, text.encode("utf-8"), origin)

    def copy_file(self, rel: str, source: Path, origin: str = "") -> None:
        path = self._target(rel, origin)
        try:
            os.link(source, path)  # cached images and static files: no bytes copied
        except OSError:
            shutil.copyfile(source, path)

    def _link_unchanged(self, rel: str, path: Path, data: bytes) -> bool:
        """Reuse the previous output's file when its bytes are the same: nothing rewritten on disk."""
        if self.previous is None:
            return False
        old = self.previous / rel
        try:
            if old.stat().st_size != len(data) or old.read_bytes() != data:
                return False
            os.link(old, path)
        except OSError:
            return False
        self.unchanged += 1
        return True


@contextmanager
def locked(output: Path) -> Iterator[None]:
    """One build at a time per output folder; a second one gets a clear message."""
    output.parent.mkdir(parents=True, exist_ok=True)
    lock_path = output.parent / f".{output.name}.lock"
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SiteError([Problem(str(output), 0, "", "another build is writing this folder right now; "
                                     "wait for it to finish, then run again")]) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def staging_dir(output: Path) -> Path:
    path = output.parent / f".{output.name}.tmp-{os.getpid()}"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def recover_and_clean(output: Path) -> None:
    """Finish what a killed run left: restore a swapped-out site, delete stale staging folders."""
    leftovers = sorted(output.parent.glob(f".{output.name}.tmp-*")) + sorted(
        output.parent.glob(f".{output.name}.old-*"))
    if not output.exists():
        old = sorted(output.parent.glob(f".{output.name}.old-*"))
        if old:
            os.rename(old[-1], output)
            leftovers.remove(old[-1])
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)


def swap_in(staging: Path, output: Path) -> None:
    """Make ``staging`` the output in one step and delete the previous output."""
    if not output.exists():
        os.rename(staging, output)
        return
    if _exchange(staging, output):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous site
        return
    # No atomic exchange here (not Linux, or an old kernel): two renames; a crash between
    # them is repaired by recover_and_clean on the next run.
    old = output.parent / f".{output.name}.old-{os.getpid()}"
    os.rename(output, old)
    os.rename(staging, output)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))
