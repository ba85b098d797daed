"""Every byte of output goes through here: written into a spare copy, then swapped in atomically.

The site is published as two generations. ``public/`` is the live one; a hidden
spare beside it (``.public.spare``) holds the one before. A build brings the
spare up to date, writing only the files whose bytes changed and deleting what
is no longer part of the site, then exchanges the two folders in one system
call (``renameat2(RENAME_EXCHANGE)`` on Linux). So a failed or killed build
leaves the live site whole, and a rebuild costs what changed, not a whole tree
of new files and a whole tree of deletions (each is seconds for thousands of
pages on an ordinary disk: rmdir is the slowest call a build makes).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Iterable, Iterator

from . import parallel
from .errors import Problem, SiteError, UsageError
from .linkcopy import link_tree

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100

Signature = tuple[int, int, int, int]  # inode, size, mtime, ctime: any write or replace changes one
Manifest = dict[str, str]  # every output path -> key of what made its bytes ("" unknown: compare them)


class Writer:
    """Makes the spare folder exactly the new site; refuses two writes to one path (Pelican does too).

    ``known``, when given, is the manifest this folder got at the end of its last build (kept by
    memo.Memo, which gives it only while the folder is as that build left it): a file whose key is
    unchanged since is kept without a look at the disk, so a rebuild costs what changed, not a read
    of the whole site. Without it, every file's bytes are compared and the folder is walked.
    ``manifest`` is what the folder holds after this build, for the next one.
    """

    def __init__(self, staging: Path, known: Manifest | None = None, empty: bool = False,
                 mirror: Path | None = None) -> None:
        self.staging = staging
        self.known = known
        # Known to hold nothing yet (a first build): every folder is new, and the process that
        # writes a reserved file makes its folder (a cold build's 7,000 mkdir, ~0.6 s, spread over
        # the workers instead of made one by one here before they start).
        self.empty = empty
        # Where a copy of this folder is being made (SpareCopy; with ``empty`` only): each file
        # written is linked there too, by the process that writes it, its folder made as needed.
        # (A first build deletes no file it wrote: the copy never holds one the output lacks.)
        self.mirror = mirror if empty else None
        self.manifest: Manifest = {}
        self.written: dict[str, str] = {}  # output path -> what made it
        self.changed = 0  # files whose bytes were (re)written
        self.kept = 0  # files already right in the spare
        self.folders: set[Path] = set()  # made this build: one mkdir per folder, not per file
        self.new_folders: set[Path] = set()  # created empty by this build: no file there to compare
        self.touched: set[str] = set()  # paths written, linked or deleted (unchanged.updated_state)
        self.removed: set[str] = set()  # stale paths deleted so far (remove_stale may run twice)

    def _reserve(self, rel: str, origin: str) -> str:
        """Reserve an output path: two pages may not share one (Pelican refuses too)."""
        if rel.startswith("/") or not rel or ".." in rel.split("/") or "//" in rel or "\\" in rel:
            clean = PurePosixPath(rel)
            if clean.is_absolute() or ".." in clean.parts or not clean.parts:
                raise SiteError([Problem(origin, 0, "", f"refusing to write outside the output folder: {rel}")])
            rel = clean.as_posix()
        if rel in self.written:
            raise SiteError([Problem(origin, 0, "", f"two pages want the same address /{rel} (the other "
                                     f"comes from {self.written[rel]}); change a slug or tag so they differ")])
        self.written[rel] = origin
        return rel

    def _room(self, rel: str) -> Path:
        path = self.staging / rel
        if path.parent not in self.folders:
            if _new_folder(path.parent, self.staging):
                self.new_folders.add(path.parent)
            self.folders.add(path.parent)
        return path

    def kept_as_is(self, rel: str, key: str, origin: str) -> bool:
        """The fast path of a rebuild: when the manifest shows ``key`` at ``rel`` (checked when it
        was first written), the file is registered as it is and True returned."""
        if self.known is None or self.known.get(rel) != key or not key or rel in self.written:
            return False
        self.written[rel] = origin
        self.manifest[rel] = key
        self.kept += 1
        return True

    def link_kept(self, rel: str, name: str, origin: str) -> bool:
        """True when the file linked at ``rel`` is already the cache's ``name`` (names are content
        hashes): a caller with thousands of them need not even make the source's path."""
        return self.kept_as_is(rel, f"link:{name}", origin)

    def link_from(self, source: Path, rel: str, key: str, origin: str = "") -> bool:
        """Hard-link ``source`` (the live output's copy of the same page, made from ``key``) at ``rel``:
        True if it could. Safe because no file is ever written in place (see write_if_changed)."""
        if rel in self.written:
            return False
        rel = self._reserve(rel, origin)
        path = self._room(rel)
        if path.parent not in self.new_folders:
            _remove(path)
        try:
            os.link(source, path)
        except OSError:
            del self.written[rel]
            return False
        self.manifest[rel] = key
        self.changed += 1
        self.touched.add(rel)
        return True

    def write_keyed(self, rel: str, key: str, produce: Callable[[], bytes], origin: str = "") -> None:
        """Write what ``produce`` returns, unless the manifest shows the same key there already."""
        if self.kept_as_is(rel, key, origin):
            return
        rel, target = self.reserve(rel, origin)
        self.record(rel, key, write_to(target, produce()))

    def reserve(self, rel: str, origin: str) -> tuple[str, "Target"]:
        """Claim ``rel`` for a file that someone (say a worker process) writes with ``write_to``,
        its folder made (in an empty spare, by ``write_to``); ``record`` it after."""
        rel = self._reserve(rel, origin)
        if self.empty:  # text, not a Path: ~10 us a page of path parsing and hashing (0.08 s at 7,000)
            return rel, (f"{self.staging}/{rel}", True, f"{self.mirror}/{rel}" if self.mirror else None)
        path = self._room(rel)
        return rel, (str(path), path.parent in self.new_folders, None)

    def record(self, rel: str, key: str | None, changed: bool) -> None:
        """A file reserved has been written (``changed``) or found already holding those bytes."""
        if changed:
            self.changed += 1
            self.touched.add(rel)
        else:
            self.kept += 1
        self.manifest[rel] = key or ""  # every file, so the next build knows what to delete

    def copy_file(self, rel: str, source: Path, origin: str = "", link: bool = False) -> None:
        """Copy ``source``; ``link`` hard-links instead, for immutable files this program owns (the image cache)."""
        # A linked file is known by its name (the image cache's names are content hashes); a copied
        # one by its stat.
        found = signature(source) if not link else None
        key = f"link:{source.name}" if link else f"copy:{source}:{found}"
        if (link or found is not None) and self.kept_as_is(rel, key, origin):
            return
        rel = self._reserve(rel, origin)
        path = self._room(rel)
        if link and _same_inode(path, source):
            self.kept += 1
        elif not link:
            if write_if_changed(path, source.read_bytes()):
                self.changed += 1
                self.touched.add(rel)
            else:
                self.kept += 1
        else:
            _remove(path)
            try:
                os.link(source, path)
            except OSError:
                shutil.copyfile(source, path)
            self.changed += 1
            self.touched.add(rel)
        self.manifest[rel] = key if link or found is not None else ""

    def remove_stale(self, keep_under: str = "") -> int:
        """Delete every file and folder of the spare that is not part of the new site (but, for now,
        those under ``keep_under``, a folder whose new files are not written yet)."""
        if self.known is not None:
            return self._remove_known_stale(keep_under)
        wanted_dirs = {""} | _folders_of(self.written)
        removed = 0
        for folder, dirs, files in os.walk(self.staging, topdown=False):
            rel_folder = os.path.relpath(folder, self.staging).replace(os.sep, "/")
            rel_folder = "" if rel_folder == "." else rel_folder
            if keep_under and f"{rel_folder}/".startswith(keep_under):
                continue
            for name in files:
                rel = f"{rel_folder}/{name}" if rel_folder else name
                if rel not in self.written:
                    os.unlink(os.path.join(folder, name))
                    removed += 1
            for name in dirs:
                rel = f"{rel_folder}/{name}" if rel_folder else name
                path = os.path.join(folder, name)
                if os.path.islink(path):
                    os.unlink(path)
                elif rel not in wanted_dirs and not (keep_under and f"{rel}/".startswith(keep_under)):
                    shutil.rmtree(path, ignore_errors=True)
                    removed += 1
        return removed


    def _remove_known_stale(self, keep_under: str = "") -> int:
        """With a manifest, the spare holds exactly its files: no walk of the whole tree needed."""
        removed = 0
        stale = sorted(set(self.known or {}) - set(self.written) - self.removed, reverse=True)
        if keep_under:
            stale = [rel for rel in stale if not rel.startswith(keep_under)]
        self.removed.update(stale)
        folders = _folders_of(self.written) if stale else set()
        self.touched.update(stale)
        for rel in stale:
            if rel in folders:
                continue  # a file of the last build whose path is a folder of this one: it was replaced
            path = self.staging / rel
            try:
                _remove(path)
            except (FileNotFoundError, NotADirectoryError):  # a folder of the last build is now a file
                continue
            removed += 1
            folder = path.parent
            while folder != self.staging:  # a folder left empty goes too (a deleted post's)
                try:
                    folder.rmdir()
                except OSError:
                    break
                folder = folder.parent
        return removed


def _folders_of(paths: Iterable[str]) -> set[str]:
    folders: set[str] = set()
    for rel in paths:
        parts = rel.split("/")[:-1]
        folders.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return folders


def signature(path: Path) -> Signature | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


# A reserved file's path; whether its folder is new in this build; the same path in the folder that
# copies the output (Writer.mirror), where the file is linked once written.
Target = tuple[str, bool, str | None]


def write_to(target: Target, data: bytes) -> bool:
    """Write a reserved file (in any process); True if its bytes changed. In a folder new in this
    build there is nothing to read, compare or replace (a cold build's case); the folder is made
    here if the writer left that to the writing process (Writer.empty), and the file linked into
    the folder that will copy the output (Writer.mirror), if any."""
    path, new_folder, mirror = target
    if new_folder:
        # The system's calls themselves: Python's open() adds a buffer object, an fstat and an ioctl
        # to each of a cold build's thousands of files.
        try:
            fd = os.open(path, _NEW_FILE, 0o666)
        except FileNotFoundError:
            _make_folder(os.path.dirname(path))
            fd = os.open(path, _NEW_FILE, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        if mirror is not None:
            _link_into_copy(path, mirror)
        return True
    return write_if_changed(Path(path), data)


def _link_into_copy(path: str, mirror: str) -> None:
    """Best effort: the copy's own process links (and makes the folders of) whatever is not there."""
    try:
        try:
            os.link(path, mirror)
        except FileNotFoundError:
            _make_folder(os.path.dirname(mirror))
            os.link(path, mirror)
    except OSError:
        pass


def _make_folder(folder: str) -> None:
    try:
        os.mkdir(folder)  # most pages: a folder of their own, in one that exists
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)  # another worker may make some of it meanwhile
    except FileExistsError:
        pass  # made by another worker just now


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless the file already holds exactly it. True when it wrote.

    Never writes into an existing file: the spare may share it (a hard link) with the live site,
    so a new version goes to a temporary name and replaces the link.
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError:
        _remove(path)
    if path.is_symlink() or path.is_dir():
        _remove(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return True


def _same_inode(path: Path, source: Path) -> bool:
    try:
        return os.path.samefile(path, source)
    except OSError:
        return False


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _new_folder(folder: Path, root: Path) -> bool:
    """mkdir -p; True when ``folder`` itself was made just now, so holds nothing yet."""
    try:
        os.mkdir(folder)
        return True
    except FileNotFoundError:
        if folder != root and folder.parent != folder:
            _new_folder(folder.parent, root)
            try:
                os.mkdir(folder)
                return True
            except OSError:
                pass
    except FileExistsError:
        if folder.is_dir():
            return False
    except NotADirectoryError:  # a file stands where a folder on the way must be
        pass
    _make_dirs(folder, root)
    return False


def _make_dirs(folder: Path, root: Path) -> None:
    """mkdir -p, replacing a file that stands where a folder must now be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        current = folder
        while current != root and current != current.parent:
            if current.exists() and not current.is_dir():
                current.unlink()
            current = current.parent
        folder.mkdir(parents=True, exist_ok=True)


@contextmanager
def locked(output: Path) -> Iterator[None]:
    """One build at a time per output folder; a second one gets a clear message. A lock whose build is
    gone (its pid, written in the file, no longer runs) but is still held, by an orphan of that build
    left by an older version, is taken over: the file is replaced, and the orphan keeps a lock on nothing."""
    output.parent.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        handle = open(lock_path(output), "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            holder = _lock_holder(handle)
            handle.close()
            if attempt == 1 and holder is not None and not _running(holder):
                lock_path(output).unlink(missing_ok=True)
                continue
            raise SiteError([Problem(str(output), 0, "", "another build is writing this folder right now; "
                                     "wait for it to finish, then run again")]) from None
    with handle:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        _held[str(output)] = handle.fileno()
        parallel.inherited_locks.add(handle.fileno())
        try:
            yield
        finally:
            _held.pop(str(output), None)
            parallel.inherited_locks.discard(handle.fileno())
            # Kept locked past this block by a duplicate of the file (SpareCopy's, until it closes
            # it): the lock goes with the last descriptor of the file, not unlocked here.
            if str(output) not in _kept:
                fcntl.flock(handle, fcntl.LOCK_UN)
            _kept.discard(str(output))


def _lock_holder(handle: IO[str]) -> int | None:
    handle.seek(0)
    text = handle.read().strip()
    return int(text) if text.isdigit() else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


_held: dict[str, int] = {}  # output folder -> the descriptor of its lock file, while locked here
_kept: set[str] = set()  # ... whose lock stays held after (see copy_in_background)


# Written into every output a build makes: a folder without it holds someone's files, never replaced.
MARKER = ".backlying-site"
MARKER_TEXT = b"Made by backlying-site. Every build replaces everything in this folder.\n"
SITE_FOLDERS = ("content", "templates", "static", ".cache")


def check_output_folder(root: Path, output: Path, preview: bool = False) -> Path:
    """The output as a real path, or UsageError if a build there could lose anything of the author's:
    a build replaces the whole folder and keeps its previous generation beside it (the spare)."""
    root, output = root.resolve(), output.resolve()
    named = _shown_folder(output)
    if output == root or root.is_relative_to(output):
        raise UsageError(f"{named} holds the site itself; every build replaces its output folder, so "
                         "name a folder of its own, such as public/")
    for folder in SITE_FOLDERS:
        inside = root / folder
        allowed = preview and output.is_relative_to(inside / "preview")
        if output.is_relative_to(inside) and not allowed:
            raise UsageError(f"{named} lies inside {folder}/, which the build reads; name a folder of its "
                             "own, such as public/")
    if output.parent == output:
        raise UsageError(f"{named} is the top of the file system; name a folder of its own, such as public/")
    ours = output.is_relative_to(root / ".cache")  # the preview's, in the cache: never an author's
    for folder in (output, spare_path(output)):
        if os.path.lexists(folder) and not folder.is_dir():
            raise UsageError(f"{_shown_folder(folder)} is a file, not a folder; the build would replace it: "
                             "name another folder, or move the file away first")
        if not ours and folder.is_dir() and not (folder / MARKER).is_file() and any(folder.iterdir()):
            raise UsageError(f"{_shown_folder(folder)} holds files that no build made (it has no {MARKER} "
                             "file); a build replaces everything in its output folder, so name an empty or "
                             "new folder, or move those files away first")
    return output


def _shown_folder(path: Path) -> str:
    try:
        return f"'{os.path.relpath(path)}'"
    except ValueError:
        return f"'{path}'"


def lock_path(output: Path) -> Path:
    return output.parent / f".{output.name}.lock"


def writing_marker(output: Path) -> Path:
    """Beside the output: made by every build before it writes the spare (see builder._build)."""
    return output.parent / f".{output.name}.writing"


def spare_path(output: Path) -> Path:
    return output.parent / f".{output.name}.spare"


def spare_dir(output: Path) -> tuple[Path, bool]:
    """The hidden previous generation beside the output, and whether it was just seeded.

    When there is none yet but a published site is there, it starts as hard links to that site's
    files: linking costs a fraction of writing, and a rebuild then writes only what changed. True
    only when that copy was made whole (else the spare may be empty or partial).
    """
    path = spare_path(output)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    seeded = False
    if not path.exists() and output.is_dir():
        seed = output.parent / f".{output.name}.tmp-{os.getpid()}"
        shutil.rmtree(seed, ignore_errors=True)
        try:
            link_tree(str(output), str(seed))
        except OSError:
            shutil.rmtree(seed, ignore_errors=True)
        else:
            os.rename(seed, path)  # whole or not at all: a killed seeding leaves only a stale .tmp-
            seeded = True
    path.mkdir(parents=True, exist_ok=True)
    return path, seeded


class SpareCopy:
    """The next spare in the making: hard links to the site a first build publishes. The first
    rebuild would otherwise make it before writing its one page (at 5,000 posts, 7,000 folders and
    links: ~0.45 s of a ~0.9 s rebuild). Its folder is made before the pages are written, and each
    process that writes a page links it there too, making its folder (Writer.mirror): a folder
    costs ~30 µs and a link ~9 here, spread so over the workers. Once the site is published,
    ``start`` has a small process of its own (linkcopy.py) link the rest (told every file: one
    already there is skipped) while the build saves its cache and memo. It holds the output's lock
    (a duplicate of the locked file) until ``close``, after the build has put the copy in place and
    saved what it knows of it."""

    def __init__(self, output: Path, folder: Path, spare: Path, lock: int | None) -> None:
        self.output = output
        self.started: subprocess.Popen[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None  # until waited for
        self.folder = folder  # where the copy is made, renamed to ``spare`` once it is whole
        self.spare = spare
        self.lock = lock
        info = os.lstat(folder)
        self.identity = (info.st_dev, info.st_ino)  # kept by the rename: how the memo knows the spare
        self.whole = False

    def start(self, files: Iterable[str]) -> None:
        """The site is published: link its ``files`` (the writer's manifest: what the next build
        takes the copy to hold). ``finish`` says False if no process could start."""
        try:
            self.started = self.process = subprocess.Popen(
                copy_command(self.output, self.folder), stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return
        assert self.process.stdin is not None
        listed = b"".join(os.fsencode(rel) + b"\0" for rel in files)  # ~200 KB at 5,000 posts
        if hasattr(fcntl, "F_SETPIPE_SZ"):
            try:  # one write that never waits (else it waits for the process to start and read it)
                fcntl.fcntl(self.process.stdin.fileno(), fcntl.F_SETPIPE_SZ, min(len(listed) + 4096, 1 << 20))
            except OSError:
                pass
        try:
            self.process.stdin.write(listed)
            self.process.stdin.close()
        except OSError:  # it failed already: finish() finds out
            pass

    def finish(self) -> bool:
        """Wait for the copy; True when it is whole and in place as the spare."""
        process, self.process = self.process, None
        if process is not None:
            try:
                if process.wait() == 0 and not os.path.lexists(self.spare):
                    os.rename(self.folder, self.spare)
                    self.whole = True
            except OSError:
                pass
        if not self.whole:
            shutil.rmtree(self.folder, ignore_errors=True)
        return self.whole

    def close(self) -> None:
        """Done with it, whole or not: the copying process ended, the lock let go."""
        process, self.process = self.process, None
        if process is not None:  # the build failed or was stopped
            process.kill()
            process.wait()
        if not self.whole:
            shutil.rmtree(self.folder, ignore_errors=True)  # (else the next build's recover_and_clean)
        lock, self.lock = self.lock, None
        if lock is not None:
            parallel.inherited_locks.discard(lock)
            os.close(lock)


def copy_command(source: Path, target: Path) -> list[str]:
    """The copying process's command: this Python, isolated, without its site packages."""
    return [sys.executable, "-I", "-S", str(Path(__file__).with_name("linkcopy.py")), str(source), str(target)]


def prepare_copy(output: Path) -> SpareCopy:
    """The folder of the copy that ``output``, once published, will have as its spare (SpareCopy).
    (Meanwhile the spare's place is the folder being written, to be published: the copy takes it
    only if it is free by then.)"""
    folder = output.parent / f".{output.name}.tmp-{os.getpid()}"  # a killed run's: recover_and_clean
    shutil.rmtree(folder, ignore_errors=True)
    os.mkdir(folder)
    held = _held.get(str(output))
    if held is not None:
        _kept.add(str(output))
    lock = os.dup(held) if held is not None else None
    if lock is not None:
        parallel.inherited_locks.add(lock)
    return SpareCopy(output, folder, spare_path(output), lock)


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


def swap_in(spare: Path, output: Path) -> None:
    """Make ``spare`` the output in one step; the previous output becomes the spare."""
    if not output.exists():
        os.rename(spare, output)
        return
    if _exchange(spare, output):
        return
    # No atomic exchange here (not Linux, or an old kernel): three renames; a crash between
    # the first two is repaired by recover_and_clean on the next run.
    old = output.parent / f".{output.name}.old-{os.getpid()}"
    os.rename(output, old)
    os.rename(spare, output)
    os.rename(old, spare)


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)  # find_library runs ldconfig: once


def _exchange(a: Path, b: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))
