"""Every byte of output goes through here: written into the spare generation, then swapped in.

The site is published as two generations: the output folder (``public/``) and a hidden spare beside
it (``.public.spare``), the generation before. A build makes the spare exactly the new site (keeping
the files that already hold the right bytes, linking from the live folder those it has, writing the
rest, deleting what is no longer part of the site), then exchanges the two folders in one system
call. A failed or killed build leaves the live site whole.

A file is trusted to hold the bytes recorded for it only while its stat (inode, size, modification
and change times) is the one recorded just after this program wrote or linked it: a hand edit, a
killed build's half-done work, anything at all shows. A file the live folder already holds is put
into the spare as a hard link (one file, two names; a copy where links cannot be made). So a file
is never written in place: every write makes a new file, and the other generation's name keeps the
old one. Removing a shared name moves the other name's change time: where the publisher removes it,
the other name's new stat is recorded at once; anywhere else, the other name is simply not trusted
by the next build.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import os
import shutil
import stat
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Iterator, TypeVar

from .. import parallel
from ..errors import Problem, SiteError, UsageError

Stat = tuple[int, int, int, int]  # inode, size, mtime_ns, ctime_ns: any write or replace changes one


def stat_of(info: os.stat_result) -> Stat:
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


# Written into every output a build makes: a folder without it holds someone's files, never replaced.
MARKER = ".backlying-site"
MARKER_TEXT = b"Made by backlying-site. Every build replaces everything in this folder.\n"
SITE_FOLDERS = ("content", "templates", "static", ".cache")


@dataclass(frozen=True)
class Held:
    """What one file of a generation holds (the digest of its bytes) and its stat once written."""

    digest: str
    stat: Stat


Generation = dict[str, Held]  # every file of a folder, by its path relative to the folder


@dataclass
class Generations:
    """The output folder and its spare as the last build left them (kept by the build's store)."""

    live: Generation = field(default_factory=dict)
    spare: Generation = field(default_factory=dict)


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Publisher:
    """Makes the spare the new site, file by file, then swaps it in (``publish``).

    Every path is reserved once: two pages at one address are refused, as Pelican does. ``known``:
    the two folders as the last build left them; each file is checked against its stat now, and
    what does not match is treated as unknown (rewritten, or deleted if no longer wanted)."""

    def __init__(self, output: Path, known: Generations | None = None) -> None:
        self.output = output
        self.spare = spare_path(output)
        recover(output)
        self.spare.mkdir(parents=True, exist_ok=True)
        known = known or Generations()
        # The live folder's files are checked one by one as they are asked for: most of a rebuild's
        # files are kept in the spare, which is walked whole (what it holds that is not wanted goes).
        self.live = Checked(output, known.live)
        self.linked: set[str] = set()  # the spare's files that more than one name leads to
        self.kept, self.present = verified(self.spare, known.spare, self.linked)
        self.new: Generation = {}  # the spare's files as this build leaves them
        self.origins: dict[str, str] = {}  # path -> what made it (for messages)
        self.written = 0  # files this build wrote (or linked)
        self.write(MARKER, MARKER_TEXT, "backlying-site")  # first: a killed build's spare is ours too

    # --- what is already there --------------------------------------------------------------

    def has(self, rel: str, digest: str) -> bool:
        """Whether a file with these bytes is at ``rel`` in either generation (so need not be made)."""
        return _holds(self.kept, rel, digest) or self.live.holds(rel, digest)

    def reuse(self, rel: str, digest: str, origin: str, links: list[Link] | None = None) -> bool:
        """Keep (or link from the live folder) the file at ``rel`` that holds ``digest``; False if
        neither generation has it, and then the caller must make it. ``links``: a link to make is
        added there instead, for the caller to make (in any process) and hand to ``linked_as``."""
        if not self.has(rel, digest):
            return False
        rel = self.reserve(rel, origin)
        if _holds(self.kept, rel, digest):
            self.new[rel] = self.kept[rel]
            return True
        link = Link(rel, f"{self.output}/{rel}", self.target(rel), digest)
        if links is None:
            self.linked_as(link, link.made())
        else:
            links.append(link)
        return True

    def linked_as(self, link: Link, stats: tuple[Stat | None, Stat | None, Stat | None]) -> None:
        """Record a link (or copy) made: the live file's stat before and after, the spare's (``Link.made``)."""
        before, after, made = stats
        if self.live.relinked(link.rel, before, after) and made is not None:
            self.record(link.rel, Held(link.digest, made))
        else:  # changed since its check (a hand edit during the build): unknown, so the next build makes it
            self.record(link.rel, Held("", (0, 0, 0, 0)))

    # --- writing ------------------------------------------------------------------------------

    def write(self, rel: str, data: bytes, origin: str) -> None:
        digest = digest_of(data)
        rel = self.reserve(rel, origin)
        if _holds(self.kept, rel, digest):
            self.new[rel] = self.kept[rel]
        else:
            self.record(rel, write_file(self.target(rel), data, digest))

    def copy(self, rel: str, source: Path | str, identity: str, origin: str) -> None:
        """Publish the file ``source`` at ``rel``; ``identity`` stands for its bytes (a content hash:
        a processed picture's name, a static file's digest), so an unchanged one is not read."""
        if not self.reuse(rel, identity, origin):
            self.record(self.reserve(rel, origin), write_file(self.target(rel), Path(source).read_bytes(), identity))

    def reserve(self, rel: str, origin: str) -> str:
        """Claim an output path; two pages may not share one, nor may one leave the folder."""
        if not _is_clean(rel):  # (a site's thousands of paths are clean: no pathlib for them)
            clean = PurePosixPath(rel)
            if clean.is_absolute() or ".." in clean.parts or not clean.parts or "\\" in rel:
                raise SiteError([Problem(origin, 0, "", f"refusing to write outside the output folder: {rel}")])
            rel = clean.as_posix()
        if rel in self.origins:
            raise SiteError([Problem(origin, 0, "", f"two pages want the same address /{rel} (the other comes "
                                     f"from {self.origins[rel]}); change a slug or tag so they differ")])
        self.origins[rel] = origin
        return rel

    def target(self, rel: str) -> str:
        """The spare's path for a reserved file: any process may write it (``write_file`` makes its
        folder) and hand back what to ``record``."""
        # A shared file at the path, or where one of its folders must be, is removed here, so that its
        # twin's new stat is recorded (with no records, as in a clean build, the writer removes it).
        if self.linked and self.live.recorded:
            for path in (*_parents(rel), rel):
                if path in self.linked:
                    self._unlink(path)
        return f"{self.spare}/{rel}"

    def _unlink(self, rel: str) -> None:
        """Remove the spare's name of a shared file, and record the live name's new stat if it is its twin."""
        twin = f"{self.output}/{rel}"
        before = _stat(twin)
        self.linked.discard(rel)
        try:
            os.unlink(self.spare / rel)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):  # (a folder of the new site now)
            return
        self.live.relinked(rel, before, _stat(twin))

    def record(self, rel: str, held: Held) -> None:
        self.new[rel] = held
        self.written += 1

    # --- publishing ---------------------------------------------------------------------------

    def remove_stale(self, keep_under: str = "") -> None:
        """Delete what the spare holds that is not part of the new site (but what lies under
        ``keep_under``, not written yet), and the folders that leaves empty."""
        stale = [rel for rel in self.present - set(self.new) if not (keep_under and rel.startswith(keep_under))]
        folders: set[str] = set()
        for rel in sorted(stale, reverse=True):
            path = self.spare / rel
            if rel in self.linked:
                self._unlink(rel)
            elif not path.is_dir() or path.is_symlink():  # (a folder there now replaced a file of before)
                try:
                    path.unlink()
                except (FileNotFoundError, NotADirectoryError):  # gone with a folder a file replaced
                    pass
            folders.update(_parents(rel))
        self.present -= set(stale)
        for folder in sorted(folders, key=lambda rel: rel.count("/"), reverse=True):
            try:
                os.rmdir(self.spare / folder)
            except OSError:  # not empty: it holds files of the new site
                pass

    def publish(self) -> Generations:
        """The spare is now exactly the new site: swap it in. The old live folder becomes the spare."""
        unmade = set(self.origins) - set(self.new)
        if unmade:  # a path reserved and never written or kept: a bug of ours, never a site without it
            raise RuntimeError(f"{len(unmade)} files were never made, e.g. {min(unmade)}")
        self.remove_stale()
        swap(self.spare, self.output)
        return Generations(live=self.new, spare=self.live.recorded)  # checked again by the next build


@dataclass(frozen=True)
class Link:
    """A file of the live folder to link into the spare, in any process (``made``), then ``linked_as``."""

    rel: str
    source: str
    target: str
    digest: str

    def made(self) -> tuple[Stat | None, Stat | None, Stat | None]:
        """The live file's stat before and after, and the spare's file's."""
        before = _stat(self.source)
        try:
            _made(self.target, lambda path: os.link(self.source, path, follow_symlinks=False))
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
            with open(self.source, "rb") as source:  # a file system without hard links: a copy
                made = write_file(self.target, source.read(), self.digest).stat
            return before, _stat(self.source), made
        after = _stat(self.target)
        return before, after, after


# What os.link raises where a file system has no hard links, or lets no more be made.
_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS}


def _is_clean(rel: str) -> bool:
    """Whether ``rel`` is already as PurePosixPath writes it, relative, and inside the folder."""
    return "\\" not in rel and not any(part in ("", ".", "..") for part in rel.split("/"))


def _holds(generation: Generation, rel: str, digest: str) -> bool:
    held = generation.get(rel)
    return held is not None and held.digest == digest


class Checked:
    """A generation's records, each trusted once its file's stat is found as recorded (on first ask)."""

    def __init__(self, folder: Path, recorded: Generation) -> None:
        self.folder, self.recorded = str(folder), recorded
        self.checked: dict[str, bool] = {}
        self.folders: dict[str, bool] = {"": True}  # whether a subfolder is one folder_stats would walk

    def holds(self, rel: str, digest: str) -> bool:
        held = self.recorded.get(rel)
        if held is None or held.digest != digest:
            return False
        if rel not in self.checked:
            self.checked[rel] = self._walkable(rel.rpartition("/")[0]) and _stat(f"{self.folder}/{rel}") == held.stat
        return self.checked[rel]

    def relinked(self, rel: str, before: Stat | None, after: Stat | None) -> bool:
        """A name was added to or removed from the file at ``rel`` (its change time moved): if it was as
        recorded just before and is the same file now, its stat now is recorded; whether it was."""
        held = self.recorded.get(rel)
        if held is None or before is None or after is None or held.stat != before or after[:3] != before[:3]:
            return False
        self.recorded[rel] = Held(held.digest, after)
        return True

    def _walkable(self, folder: str) -> bool:
        if folder not in self.folders:
            parent = folder.rpartition("/")[0]
            self.folders[folder] = self._walkable(parent) and self._is_folder(folder)
        return self.folders[folder]

    def _is_folder(self, folder: str) -> bool:
        try:
            return stat.S_ISDIR(os.lstat(f"{self.folder}/{folder}").st_mode)  # a link to one is never walked
        except OSError:
            return False


def _stat(path: str) -> Stat | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return stat_of(info) if stat.S_ISREG(info.st_mode) else None


def verified(folder: Path, recorded: Generation, linked: set[str] | None = None) -> tuple[Generation, set[str]]:
    """The recorded files that are still exactly as recorded, and every file the folder has. What is
    neither a plain file nor a folder (a symbolic link, a pipe) is removed: nothing is made through it."""
    now = folder_stats(folder, linked)
    for rel in [rel for rel, found in now.items() if found is None]:
        _replace_with_nothing(f"{folder}/{rel}")
        del now[rel]
    return {rel: held for rel, held in recorded.items() if now.get(rel) == held.stat}, set(now)


def folder_stats(folder: Path, linked: set[str] | None = None) -> dict[str, Stat | None]:
    """Every file under ``folder`` with its stat (None for anything but a plain file: never trusted);
    ``linked`` gets the plain files that more than one name leads to."""
    found: dict[str, Stat | None] = {}

    def visit(path: str, prefix: str) -> None:
        try:
            entries = os.scandir(path)
        except (FileNotFoundError, NotADirectoryError):
            return
        with entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    visit(entry.path, rel + "/")
                    continue
                info = entry.stat(follow_symlinks=False)
                plain = entry.is_file(follow_symlinks=False)
                found[rel] = stat_of(info) if plain else None
                if plain and linked is not None and info.st_nlink > 1:
                    linked.add(rel)
    visit(str(folder), "")
    return found


_WRITE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)


def write_file(path: str, data: bytes, digest: str | None = None) -> Held:
    """Write ``data`` at ``path`` in the spare (in any process), and what it now holds. Always a new
    file: the one there before may be the live folder's too (a link), so it is never written into."""
    descriptor = _made(path, lambda path: os.open(path, _WRITE, 0o644))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
        info = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    return Held(digest or digest_of(data), stat_of(info))


T = TypeVar("T")


def _made(path: str, make: Callable[[str], T]) -> T:
    """``make(path)`` (a new file in the spare), after making room for it: its folder made, a file of
    the last site standing where that folder must be, or anything at the path itself, removed."""
    try:
        return make(path)
    except FileNotFoundError:  # its folder is new in this site
        _make_parent(os.path.dirname(path))
    except NotADirectoryError:  # a file of the last site stands where its folder must be
        _make_folder(Path(path).parent)
    except (IsADirectoryError, OSError) as exc:  # a file, folder or link of the last site stands there
        if not os.path.lexists(path) or isinstance(exc, PermissionError):
            raise
        _replace_with_nothing(path)
    return make(path)


def _make_parent(folder: str) -> None:
    try:
        os.mkdir(folder)  # (its parent is there, most often: one call, not makedirs' stats)
    except FileExistsError:  # another process made it first
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def _replace_with_nothing(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _make_folder(folder: Path) -> None:
    """mkdir -p, replacing a file of the last site that stands where a folder must now be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        for parent in [*reversed(folder.parents), folder]:
            if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
                parent.unlink(missing_ok=True)  # (another process, writing beside it, may have been first)
        folder.mkdir(parents=True, exist_ok=True)


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]


# --- the folders beside the output ---------------------------------------------------------------


def spare_path(output: Path) -> Path:
    return output.parent / f".{output.name}.spare"


def lock_path(output: Path) -> Path:
    return output.parent / f".{output.name}.lock"


def _half_swapped(output: Path) -> Path:
    return output.parent / f".{output.name}.old"


def recover(output: Path) -> None:
    """Finish a swap a killed build left half done (only where renameat2 is missing): the old
    site, moved aside, comes back."""
    old = _half_swapped(output)
    if old.is_dir() and (old / MARKER).is_file():
        if not output.exists():
            os.rename(old, output)
        else:
            shutil.rmtree(old)


def swap(new: Path, output: Path) -> None:
    """Make ``new`` the output in one step; the previous output takes ``new``'s place."""
    if not output.exists():
        os.rename(new, output)
        new.mkdir()
        return
    if _exchange(new, output):
        return
    # No atomic exchange here (not Linux, or an old kernel): three renames; a crash between the
    # first two is mended by recover() on the next run.
    old = _half_swapped(output)
    os.rename(output, old)
    os.rename(new, output)
    os.rename(old, new)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def _exchange(a: Path, b: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(number, os.strerror(number), str(b))


# --- whose folder it is, and one build at a time -------------------------------------------------


def check_output_folder(root: Path, output: Path, preview: bool = False) -> Path:
    """The output as a real path, or UsageError if a build there could lose anything of the author's:
    a build replaces the whole folder and keeps its previous generation beside it (the spare)."""
    root, output = root.resolve(), output.resolve()
    named = _shown(output)
    if output == root or root.is_relative_to(output):
        raise UsageError(f"{named} holds the site itself; every build replaces its output folder, so "
                         "name a folder of its own, such as public/")
    for folder in SITE_FOLDERS:
        inside = root / folder
        if output.is_relative_to(inside) and not (preview and output.is_relative_to(inside / "preview")):
            raise UsageError(f"{named} lies inside {folder}/, which the build reads; name a folder of its "
                             "own, such as public/")
    if output.parent == output:
        raise UsageError(f"{named} is the top of the file system; name a folder of its own, such as public/")
    ours = output.is_relative_to(root / ".cache")  # the preview's, in the cache: never an author's
    for folder in (output, spare_path(output)):
        if os.path.lexists(folder) and not folder.is_dir():
            raise UsageError(f"{_shown(folder)} is a file, not a folder; the build would replace it: "
                             "name another folder, or move the file away first")
        if not ours and folder.is_dir() and not (folder / MARKER).is_file() and any(folder.iterdir()):
            raise UsageError(f"{_shown(folder)} holds files that no build made (it has no {MARKER} "
                             "file); a build replaces everything in its output folder, so name an empty or "
                             "new folder, or move those files away first")
    return output


def _shown(path: Path) -> str:
    try:
        return f"'{os.path.relpath(path)}'"
    except ValueError:
        return f"'{path}'"


@contextmanager
def locked(output: Path) -> Iterator[None]:
    """One build at a time per output folder; a second one gets a clear message. A lock whose build is
    gone (its pid, written in the file, no longer runs) but is still held, by an orphan of that build
    left by an older version, is taken over: the file is replaced, and the orphan keeps a lock on nothing."""
    output.parent.mkdir(parents=True, exist_ok=True)
    handle = _take_lock(lock_path(output))
    if handle is None:
        raise SiteError([Problem(str(output), 0, "", "another build is writing this folder right now; "
                                 "wait for it to finish, then run again")])
    with handle:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        parallel.inherited_locks.add(handle.fileno())
        try:
            yield
        finally:
            parallel.inherited_locks.discard(handle.fileno())
            fcntl.flock(handle, fcntl.LOCK_UN)


def _take_lock(path: Path) -> IO[str] | None:
    for attempt in (1, 2):
        handle = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            if attempt == 1 and holder.isdigit() and not _running(int(holder)):
                path.unlink(missing_ok=True)
    return None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True
