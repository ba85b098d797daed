"""The Store: what the last build made, and what it was made from.

One pickle per output folder under ``.cache/`` (``build`` keeps its own; ``serve``'s first build, in a
process of its own, saves one that the preview then keeps in memory), headed by the environment
fingerprint: another version of this program, of
Python or of any installed package, and it is not read at all. A store that cannot be read is
dropped with a note: the build is then a clean one, slower, never wrong.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from ..model import Post
from ..output.writer import Generations, Stat, stat_of
from .fingerprint import environment_fingerprint

FORMAT = 1
# A file changed less than this before its stat was taken may change again within the same tick of
# the file system's clock without its stat showing it (git's "racy clean" files): its stat is not
# trusted the next time; it is read again and compared by content.
RACY_NS = 2_000_000_000


def file_stat(path: Path | str) -> Stat | None:
    """A file's lstat as a tuple (None when missing): what a write, a replace or a retarget changes."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return stat_of(info)


def trusted_stat(path: Path | str, taken_at: int | None = None) -> Stat | None:
    """The stat, or None if it is too fresh to stand for the file's bytes next time."""
    found = file_stat(path)
    now = time.time_ns() if taken_at is None else taken_at
    if found is None or now - max(found[2], found[3]) < RACY_NS:
        return None
    return found


@dataclass(frozen=True)
class SavedPost:
    """A post as parsed, with what it was parsed from: the file's stat (None: check its text),
    the key of its text, and the files it names with their stats (validation checked them)."""

    stat: Stat | None
    key: str
    post: Post
    digest: str  # of everything in the post that can shape a page (model.page_digest)
    named: tuple[tuple[str, Stat | None], ...]

    def named_unchanged(self) -> bool:
        return all(file_stat(path) == stat for path, stat in self.named)


@dataclass(frozen=True)
class PageRecord:
    """A page as the last build made it: its key, what its templates read besides (each recorded
    read with the digest it had), and the digest of its bytes."""

    key: str
    reads: tuple[tuple[Any, str], ...]
    digest: str


@dataclass
class Store:
    environment: str = field(default_factory=environment_fingerprint)  # what it was made with
    posts: dict[str, SavedPost] = field(default_factory=dict)  # by the post file's path
    plans: dict[str, tuple[Stat | None, str, Any]] = field(default_factory=dict)  # path -> stat, settings, plan
    pages: dict[str, PageRecord] = field(default_factory=dict)  # by output path
    search: tuple[str, dict[str, str]] | None = None  # the index's key, its files' digests
    generations: Generations = field(default_factory=Generations)
    inputs: tuple[str, Any] | None = None  # settings key and input scan of the last build (unchanged.py)
    # The compiled templates the last build used, as Jinja writes them: by the template's key (name and
    # file) and its source's checksum (render/environment.py, CompiledOnce).
    templates: dict[tuple[str, str], bytes] = field(default_factory=dict)
    # The templates each template source names, by the source's digest (render/environment.py, NamedTemplates).
    named: dict[bytes, tuple[str | None, ...]] = field(default_factory=dict)
    # Each published post's link problems, by its file's path, with the key of what the check read (build.link_pages).
    links: dict[str, tuple[str, list[Any]]] = field(default_factory=dict)
    # Values made by a pure function, each with the digest of everything it read: by name, (key, value).
    made: dict[str, tuple[str, Any]] = field(default_factory=dict)
    counts: tuple[int, int] = (0, 0)  # the last build's pages and pictures
    notes: list[str] = field(default_factory=list)  # said once, by the build that finds them
    # The last build's warnings and the posts it left out for their problems (BuildResult's), said again
    # by a build that finds nothing changed.
    warnings: tuple[tuple[Any, ...], tuple[str, ...]] = ((), ())
    # Each post's pickle as the store was read or a worker sent it, with the post it stands for: saving
    # the store writes these back instead of pickling every post again (most of a rebuild's save).
    pickled: dict[str, tuple[SavedPost, bytes]] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        unread = self.__dict__.get("_unread")  # (never asked for: written back as they were read)
        posts = unread if unread is not None else {path: self._pickle_of(path, saved)
                                                   for path, saved in self.posts.items()}
        return {item.name: posts if item.name == "posts" else getattr(self, item.name)
                for item in fields(self) if item.name != "pickled"}  # (one order, however the posts were read)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # The posts stay pickled until asked for: a build that finds nothing changed never asks.
        self.__dict__.update({name: value for name, value in state.items() if name != "posts"},
                             pickled={}, _unread=state["posts"])

    def __getattr__(self, name: str) -> Any:
        if name != "posts" or "_unread" not in self.__dict__:
            raise AttributeError(name)
        unread = self.__dict__.pop("_unread")
        # Frozen as what was read with them, if it was (load_store(frozen=True): a process that builds once).
        with collector_paused(freeze=gc.get_freeze_count() > 0):
            try:
                self.posts = {path: pickle.loads(data) for path, data in unread.items()}
            except Exception as exc:  # noqa: BLE001 - a damaged post: every post is read again, never wrong
                self.posts, self.pickled = {}, {}
                self.notes.append(f"the build store's posts could not be read ({type(exc).__name__}); this "
                                  "build reads every post again")
                return self.posts
        self.pickled = {path: (self.posts[path], data) for path, data in unread.items()}
        return self.posts

    def _pickle_of(self, path: str, saved: SavedPost) -> bytes:
        known = self.pickled.get(path)
        if known is not None and known[0] is saved:
            return known[1]
        return pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL)

    def current(self) -> Store:
        """This store, emptied if it was made by another program or beside other packages than those
        running now (the preview keeps one in memory for as long as it runs)."""
        if self.environment != environment_fingerprint():
            self.__dict__.pop("_unread", None)
            self.__init__()  # type: ignore[misc]
        return self

    def take_notes(self) -> list[str]:
        """What the store has to say, said once (by the build that found it)."""
        notes, self.notes = self.notes, []
        return notes

    def forget_inputs(self) -> None:
        """The next build runs every step, even if nothing changed (it keeps every page it can)."""
        self.inputs = None

    # --- posts ---------------------------------------------------------------------------------

    def post(self, path: str, read_text: Callable[[], str | None], key_of: Callable[[str], str]) -> SavedPost | None:
        """The post parsed from ``path`` when neither it nor a file it names has changed: known by its
        stat, or, when that was too fresh to trust (or the file was rewritten with the same bytes), by
        the key of its text (read by ``read_text``); then with the stat taken before that read, once it
        is old enough to trust, so that a post built right after a clone is not read on every build."""
        saved = self.posts.get(path)
        if saved is None:
            return None
        if saved.stat is None or file_stat(path) != saved.stat:
            stat = trusted_stat(path)  # before reading: an edit made meanwhile shows next time
            text = read_text()
            if text is None or key_of(text) != saved.key:
                return None
            if stat is not None:
                saved = replace(saved, stat=stat)
        return saved if saved.named_unchanged() else None

    def keep_posts(self, saved: dict[str, SavedPost]) -> None:
        self.__dict__.pop("_unread", None)
        self.posts = saved  # the posts of this build only: a deleted post's entry goes
        self.pickled = {path: known for path, known in self.pickled.items() if saved.get(path) is known[0]}

    def keep_pickle(self, path: str, saved: SavedPost, data: bytes) -> None:
        """``data`` is ``saved`` pickled (by the worker that parsed it): written back as it is."""
        self.posts  # noqa: B018 - read first: reading them sets ``pickled`` anew
        self.pickled[path] = (saved, data)

    # --- values made from inputs their key holds whole ----------------------------------------------

    def made_from(self, name: str, key: str, make: Callable[[], Any]) -> Any:
        """The last build's ``name`` if it was made from inputs with this key; else made now, and kept."""
        known = self.made.get(name)
        if known is None or known[0] != key:
            known = self.made[name] = (key, make())
        return known[1]

    # --- image plans ---------------------------------------------------------------------------

    def plan(self, path: str, settings: str) -> Any:
        saved = self.plans.get(path)
        if saved is None or saved[0] is None or saved[1] != settings or file_stat(path) != saved[0]:
            return None
        return saved[2]

    def keep_plans(self, plans: dict[str, tuple[Stat | None, str, Any]]) -> None:
        self.plans = plans

    # --- pages ---------------------------------------------------------------------------------

    def page(self, rel: str, key: str, digest_of_read: Callable[[Any], str]) -> str | None:
        """The digest of the page at ``rel`` if its key is ``key`` and everything its templates read
        besides still has the digest it had; else None (the page is rendered)."""
        record = self.pages.get(rel)
        if record is None or record.key != key:
            return None
        if any(digest_of_read(read) != digest for read, digest in record.reads):
            return None
        return record.digest

    def keep_pages(self, pages: dict[str, PageRecord]) -> None:
        self.pages = pages


def store_path(cache: Path, output: Path) -> Path:
    """One store per output folder: the preview's pages (drafts, another address) are not the site's."""
    name = hashlib.sha256(str(output).encode()).hexdigest()[:12]
    return cache / f"store-{name}.pickle"


def load_store(path: Path, frozen: bool = False) -> Store:
    """The store saved at ``path``, or a new one (with a note saying why, if one was there).
    ``frozen``: what was read is left out of the collector's walks for good (gc.freeze): for a process
    that builds once, never for the preview, which replaces its store."""
    try:
        with open(path, "rb") as handle:
            header = pickle.load(handle)
            if header != (FORMAT, environment_fingerprint()):
                return Store()  # made by another version, or beside other packages: start again
            with collector_paused(frozen):
                store = pickle.load(handle)
    except FileNotFoundError:
        return Store()
    except Exception as exc:  # noqa: BLE001 - any damage means the same: start from nothing
        return Store(notes=[f"the build store {path.name} could not be read ({type(exc).__name__}); "
                            "this build makes everything again"])
    return store.current() if isinstance(store, Store) else Store()


@contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """Unpickling makes millions of objects and no garbage: the collector would walk them over and over
    (and once more at its next run, unless they are frozen before it is back on). A build, too, makes
    far more objects than garbage."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        if was_on:
            gc.enable()


def save_store(store: Store, path: Path) -> None:
    """Written to a temporary file and renamed: a killed save leaves the last store, or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    store.notes = []
    with open(temporary, "wb") as handle:
        pickle.dump((FORMAT, store.environment), handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(store, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)
