"""What a build learned, for the next one: kept in memory by the preview, on disk by `build`.

Every build still means a whole build: each post, picture and page is looked up
by what it is made of. The memo only saves a process from asking the disk and
the build cache again for what it already holds: a post file whose stat did not
change is the post parsed last time, a picture likewise, the last build's page
list is reused when the site's structure is unchanged (pagekeys), and each
output folder is known file by file (``writer.Manifest``) so it is not read back
to be compared. A file changed within RACY_NS of being read could keep its stat
through a second edit (git's "racy clean" files): it is read again and compared
by content. A memo read from disk also checks the published folder's state before
trusting its manifest (anyone may have touched it since), and trusts the hidden spare's
only if no build began writing it since the memo was saved (builder._build). Posts and
pages come back lazily (LazyPost, LazyPage): what every rebuild reads of each is at hand;
the rest (a post's body and steps, from the build cache; a page's context, from its own
bytes in the memo) is read only for the few pages a rebuild renders.
"""

from __future__ import annotations

import dataclasses
import io
import os
import pickle
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Callable

import jinja2
import jinja2.bccache

from .cache import digest as _post_digest
from .model import ImageRef, Post
from .render import Kept, Page
from .unchanged import RACY_NS, State, same_state
from .writer import Manifest, Signature, signature



@dataclass
class Memo:
    """One process's memory of its previous builds; create one and pass it to every build."""

    # path -> (kind and stat, what it gave, whether the stat may be trusted)
    # Keyed by the path's text: read back, 5,000 Path keys took ~10 ms of hashing (pathlib's, in Python).
    files: dict[str, tuple[tuple, Any, bool]] = field(default_factory=dict)
    digests: dict[int, tuple[object, str]] = field(default_factory=dict)  # id -> (object kept alive, digest)
    outputs: dict[tuple[int, int], Manifest] = field(default_factory=dict)  # output folder (dev, inode) -> files
    search: tuple[str, dict[str, bytes]] | None = None  # the preview's search bundle, read once
    pruned: frozenset[str] | None = None  # the image cache's wanted names at the last prune
    started: int = 0  # when the current build began (ns)
    page_list: Any = None  # pagekeys.PageList of the last build
    kept: Kept = field(default_factory=Kept)  # the renderer's parts: Markdown instances, share plans
    share_files: set[str] = field(default_factory=set)  # share images in the cache at the last build
    paths: dict[str, Path] = field(default_factory=dict)  # post files' Path objects (hashes computed once)
    # Compiled templates by name and source checksum: a new Jinja environment each build (its
    # imported macros keep the globals they were first made with) that skips compiling (~50 ms
    # for a post page), and an edited template, whose checksum differs, is compiled again.
    templates: "MemoryBytecodeCache" = field(default_factory=lambda: MemoryBytecodeCache())

    # For a memo kept on disk between commands: each output folder's state (unchanged.output_state)
    # when its manifest was made; a manifest is used only while its folder is still in that state.
    states: dict[tuple[int, int], Any] = field(default_factory=dict)
    from_disk: bool = False  # read from a file: output folders are checked before their manifests are used
    spare_untouched: bool = False  # ... and no build wrote the spare since it was saved (builder's marker)
    # In-process: each output folder's ctime after the last swap; a folder changed since (or another
    # folder that took the inode of a deleted one) does not get its old manifest.
    folders: dict[tuple[int, int], int] = field(default_factory=dict)
    # The stats the build command's scan of the inputs took just before (path text -> signature):
    # each file's stat asked again would only be later, and 5,000 stats cost ~20 ms.
    scanned: dict[str, Signature] = field(default_factory=dict)
    # The image formats Pillow can encode, by its version and install (builder._available_formats).
    encoders: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    # The spare a first build copied from the site it published (writer.SpareCopy), by identity:
    # the published folder's manifest holds for it too.
    spare_copy: tuple[int, int] | None = None

    def begin(self) -> None:
        self.started = time.time_ns()

    # --- kept on disk, for the build command ----------------------------------------------------

    def save(self, path: Path, header: Any, spilled: "RowSpill | None" = None) -> None:
        """Write the memo (what a later process can use: not its Markdown instances or object ids).

        Laid out for speed, as plain values as far as possible (pickle spends its time per object
        of a class of ours, not per byte): first the header, then every post once, as a row (what
        every build reads of it, as the bytes it was read back from; its build cache key, where
        the rest of it is), then the rest, where a post is its row's number and each page a row
        of its path, template, origin and context (its own pickled bytes, read back only if the
        page is rendered again). A post without a key (not in the cache) goes in whole.
        ``spilled``: where the workers' rows of the pages went (the build command's RowSpill)."""
        state = {name: value for name, value in self.__dict__.items() if name not in _PROCESS_ONLY}
        page_list = state.pop("page_list")
        posts = list({id(post): post for post in [*(page_list.posts.values() if page_list is not None else ()),
                                                  *(value[1] for sig, value, _ in self.files.values()
                                                    if sig[0] == "post")]}.values())
        buffer = io.BytesIO()
        keys = {id(value[1]): value[0] for sig, value, _ in self.files.values() if sig[0] == "post"}
        pickler = _PostPickler(buffer, self, keys, spilled)
        pickler.dump(header)  # first and apart: a memo of another version is not unpickled at all
        pickler.dump([pickler.row(post) for post in posts])
        pickler.rows = {id(post): number for number, post in enumerate(posts)}
        if page_list is not None:
            state["page_list"] = (page_list.common, [pickler.page_row(page) for page in page_list.pages],
                                  page_list.keys, [pickler.rows[id(post)] for post in page_list.posts.values()],
                                  page_list.uses)
        pickler.dump(state)  # (the same pickler and unpickler: it may name the rows' objects)
        data = buffer.getbuffer()  # a view, not a copy: megabytes at 5,000 posts
        # Written over the last memo in place, not to a new file renamed over it: a replace frees the
        # old file's blocks and allocates new ones (~25 ms of a ~0.5 s rebuild at 5,000 posts, against
        # ~2). A write torn by a crash or a kill leaves a checksum that does not match: that memo is
        # then ignored (the next build is slower, never wrong; and until this build's memo is saved,
        # its writing marker keeps the spare distrusted anyway).
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644), "wb") as handle:
            handle.write(b"%s %08x\n" % (_LAYOUT, zlib.crc32(data)))  # the layout's name, the checksum
            handle.write(data)
            handle.truncate()  # what an older, longer memo left beyond
        data.release()

    @classmethod
    def load(cls, path: Path, header: Any, whole_post: "WholePost | None" = None) -> tuple["Memo", str | None]:
        """The memo saved by the last build with the same header (program, settings), or a new one;
        a memo that cannot be read is ignored with a note, never trusted. ``whole_post`` gives back
        a post the memo names by its build cache key, the first time a page needs all of it."""
        from .pagekeys import PageList  # (pagekeys builds on this module)

        memo = cls()
        try:
            data = path.read_bytes()
        except OSError:
            return memo, None
        try:
            newline = data.index(b"\n")
            layout, _, checksum = data[:newline].partition(b" ")
            if layout != _LAYOUT:  # another version's memo: not damage, just not ours to read
                return memo, None
            body = memoryview(data)[newline + 1:]  # not a copy
            if b"%08x" % zlib.crc32(body) != checksum:
                raise ValueError("checksum mismatch")
            rows: list[Post] = []  # after its rows of posts, the file names a post by its row's number
            unpickler = _PostsUnpickler(io.BytesIO(body), rows.__getitem__)
            if unpickler.load() != header:
                return memo, None
            whole = whole_post or _no_whole_post
            rows.extend(_cached_post(whole, *row) if type(row) is tuple else row for row in unpickler.load())
            state = unpickler.load()
            if not isinstance(state, dict):
                return memo, None
            if state.get("page_list") is not None:
                common, page_rows, keys, numbers, uses = state["page_list"]
                posts = {post.slug: post for post in map(rows.__getitem__, numbers)}
                state["page_list"] = PageList(common, [_lazy_page(posts, *row) for row in page_rows], keys, posts, uses)
        except Exception as exc:  # noqa: BLE001 - any damage: start afresh
            return memo, f"the build memo {path} could not be read ({type(exc).__name__}); starting a new one"
        memo.__dict__.update({k: v for k, v in state.items() if k in memo.__dict__ and k not in _PROCESS_ONLY})
        memo.from_disk = True
        return memo, None

    def recall(self, path: Path, kind: str) -> Any:
        """What ``path`` gave last time, if the file is still the one that gave it (by its stat)."""
        name = str(path)
        known = self.files.get(name)
        if known is None or known[0][0] != kind or not known[2]:
            return None
        found = self.scanned.get(name) or signature(path)
        return known[1] if found is not None and (kind, *found) == known[0] else None

    def last(self, path: Path, kind: str) -> Any:
        """What ``path`` gave last time whatever its stat now: for a caller that checks the content."""
        known = self.files.get(str(path))
        return known[1] if known is not None and known[0][0] == kind else None

    def remember(self, path: Path, kind: str, value: Any, found: Signature | None) -> None:
        """Keep ``value`` for ``path``; one whose stat is too fresh to trust is kept for ``last`` only."""
        if found is None:
            self.files.pop(str(path), None)
            return
        trusted = self.started - max(found[2], found[3]) >= RACY_NS  # mtime, ctime
        self.files[str(path)] = ((kind, *found), value, trusted)  # type: ignore[assignment]

    def forget_missing(self, seen: set[Path], kind: str) -> None:
        names = {str(path) for path in seen}
        for name in [p for p, (sig, *_) in self.files.items() if sig[0] == kind and p not in names]:
            del self.files[name]

    def digest_of(self, value: object, make: Any) -> str:
        """``make(value)``, once per object this process keeps (posts reused from ``recall``); a post
        read back from the memo file brings its digest along."""
        stored = getattr(value, "__dict__", {}).get("_memo_digest")
        if stored is not None:
            return stored
        known = self.digests.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        result = make(value)
        self.digests[id(value)] = (value, result)
        return result

    def keep_digests_of(self, values: list[object]) -> None:
        """Forget the digests of objects no longer in the site (they would keep them alive)."""
        alive = {id(v) for v in values}
        self.digests = {k: v for k, v in self.digests.items() if k in alive}

    def output_manifest(self, folder: Path) -> tuple[Manifest | None, State | None]:
        """The manifest of ``folder`` (the spare) after the last build that wrote it, taken out (a
        build that fails part way must not leave one that no longer matches), and the folder's state
        when known. Read from disk, it is given if the folder is as that build left it: taken on
        trust when no build has written the spare since the memo was saved (``spare_untouched``:
        the spare is this program's hidden folder, and the last build checked it, or forgot it, while
        it was the published one), else compared file by file. In-process, by the folder's ctime."""
        return self._manifest(folder, take=True, on_trust=self.spare_untouched)

    def note_folders(self, *folders: Path) -> None:
        """After a swap: how both generations' folders look, to notice anyone else's change."""
        for folder in folders:
            key, ctime = _identity(folder)
            if key is not None:
                self.folders[key] = ctime

    def trusted_manifest(self, folder: Path) -> tuple[Manifest | None, State | None]:
        """The manifest of ``folder`` (kept: not for writing into) if the folder is as its last build
        left it, and its state: compared file by file for a memo read from disk (anyone may have
        touched the published folder), else by its ctime since the swap (state not needed)."""
        return self._manifest(folder, take=False, on_trust=False)

    def _manifest(self, folder: Path, take: bool, on_trust: bool) -> tuple[Manifest | None, State | None]:
        key, ctime = _identity(folder)
        if key is None:
            return None, None
        manifest = self.outputs.pop(key, None) if take else self.outputs.get(key)
        if manifest is None:
            return None, None
        if not self.from_disk:
            return (manifest if self.folders.get(key) == ctime else None), None
        state = self.states.pop(key, None) if take else self.states.get(key)
        if state is not None and (on_trust or same_state(folder, state)):
            return manifest, state
        return None, None

    def copied_spare(self, folder: Path) -> bool:
        """Whether ``folder``, the spare, is the copy the last build made of the folder it published
        (taken: asked once), and no build has written it since the memo was saved."""
        copy, self.spare_copy = self.spare_copy, None
        return self.from_disk and self.spare_untouched and copy is not None and folder_key(folder) == copy

    def forget_output(self, folder: Path) -> None:
        """``folder`` is not as its last build left it: nothing recorded of it holds any more."""
        key = folder_key(folder)
        self.outputs.pop(key, None)
        self.states.pop(key, None)

    def record_output(self, folder: Path, manifest: Manifest) -> None:
        key = folder_key(folder)
        if key is not None:
            self.outputs[key] = manifest

    def record_state(self, folder: Path, state: Any) -> None:
        """The folder's state when its manifest was made, for a memo saved to disk."""
        key = folder_key(folder)
        if key is not None:
            self.states[key] = state


class MemoryBytecodeCache(jinja2.BytecodeCache):
    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


# The memo file's layout, on its first line: a file of another layout is set aside without a note.
_LAYOUT = b"memo-rows-2"

# Post fields a rebuild rarely reads but for the pages it renders: not in the memo file (a post read
# back from it reads them from the build cache when first needed).
_LAZY = ("benefits", "steps", "body", "body_line", "dosage", "equipment", "helps_with", "play_ideas", "note",
         "precautions", "reviewed_by", "sources", "disclaimer", "lines")


_EAGER = tuple(f.name for f in dataclasses.fields(Post) if f.name not in _LAZY)


class LazyPost(Post):
    """A post read back from the memo file: what a build reads of every post is at hand (slug, date,
    tags, title, images...); the rest is read the first time it is needed, from the build cache
    (``WholePost``) or, for a post the memo had no key of, from its own pickled bytes."""

    def _load(self) -> None:
        state = self.__dict__
        if "_memo_content" in state:
            state.update(pickle.loads(state.pop("_memo_content")))
        else:
            whole = state["_memo_whole"](state["_memo_key"], self).__dict__
            state.update({name: whole[name] for name in _LAZY})
        state.pop("_memo_images", None)

    def __repr__(self) -> str:  # exactly a Post's: reprs make digests, which must not see the difference
        return Post.__repr__(self).replace("LazyPost(", "Post(", 1)

    @property
    def images(self) -> tuple[ImageRef, ...]:
        known = self.__dict__.get("_memo_images")
        return known if known is not None else Post.images.func(self)  # type: ignore[attr-defined]


class LazyPage(Page):
    """A page read back from the memo file: its path, template and origin at hand (a rebuild reads
    them for every page), its context and deferred part unpickled only if it is rendered or re-keyed.
    The posts in them are the last build's, by slug; the bytes stay, to be saved again as they are."""

    def _load(self) -> None:
        posts = self.__dict__["_memo_posts"]
        context, deferred = _PostsUnpickler(io.BytesIO(self.__dict__["_memo_page"]), posts.__getitem__).load()
        self.__dict__.update(context=context, deferred=deferred)


class _Lazy:
    """A LazyPost's or LazyPage's field until its content is read (it hides the class-level default)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: LazyPost | LazyPage | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        if self.name not in obj.__dict__:
            obj._load()
        return obj.__dict__[self.name]


for _name in _LAZY:
    setattr(LazyPost, _name, _Lazy(_name))
for _name in ("context", "deferred"):
    setattr(LazyPage, _name, _Lazy(_name))


def _lazy_page(posts: dict[str, Post], path: str, template: str, origin: str, content: bytes) -> LazyPage:
    page = object.__new__(LazyPage)
    page.__dict__.update(path=path, template=template, origin=origin, _memo_page=content, _memo_posts=posts)
    return page


class _PagePickler(pickle.Pickler):
    """Pages' contexts, each its own bytes, with the posts in them by slug (they are in the memo
    once, as the page list's). One pickler for all the pages of a save (making one costs ~16 µs,
    a tenth of a cold save), and posts found by ``reducer_override``, which pickle calls only for
    objects of non-builtin types, where ``persistent_id`` was called for every string (~0.1 s)."""

    def __init__(self, posts: dict[str, Post]) -> None:
        self.buffer = io.BytesIO()
        super().__init__(self.buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self.posts = posts

    def bytes_of(self, value: Any) -> bytes:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.clear_memo()
        self.dump(value)
        return self.buffer.getvalue()

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Post) and self.posts.get(obj.slug) is obj:
            return _post_ref, (obj.slug,)
        return NotImplemented


_page_pickler: _PagePickler | None = None  # one per process (a worker makes the rows of its pages)


def page_content(posts: dict[str, Post], page: Page) -> bytes:
    """A page's context and deferred part as its memo row holds them, the posts in them by slug."""
    global _page_pickler
    if _page_pickler is None or _page_pickler.posts is not posts:
        _page_pickler = _PagePickler(posts)
    return _page_pickler.bytes_of((page.context, page.deferred))


def _post_ref(ref: Any) -> Post:  # pragma: no cover - only ever found through _PostsUnpickler
    raise pickle.UnpicklingError("a post named by reference read without its posts")


class _PostsUnpickler(pickle.Unpickler):
    """Pickles that name posts by a reference (a page's context: by slug; the memo file: by row):
    ``lookup`` gives the post a reference names."""

    def __init__(self, file: io.BytesIO, lookup: Callable[[Any], Post]) -> None:
        super().__init__(file)
        self.lookup = lookup

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_post_ref":
            return self.lookup
        return super().find_class(module, name)


def _lazy_post(eager: dict[str, Any], content: bytes, images: tuple[ImageRef, ...], digest: str) -> LazyPost:
    post = object.__new__(LazyPost)
    post.__dict__.update(eager, _memo_content=content, _memo_images=images, _memo_digest=digest)
    return post


# (build cache key, the post read back) -> the whole post, as parsed from the same bytes.
WholePost = Callable[[str, Post], Post]


def _cached_post(whole: WholePost, eager: bytes, key: str, images: tuple[ImageRef, ...], digest: str) -> LazyPost:
    post = object.__new__(LazyPost)
    post.__dict__.update(pickle.loads(eager), _memo_eager=eager, _memo_key=key, _memo_whole=whole,
                         _memo_images=images, _memo_digest=digest)
    return post


def _no_whole_post(key: str, post: Post) -> Post:
    raise RuntimeError(f"the memo was read without a way to read its posts back ({post.path})")


# A memo holds thousands of paths, and unpickling one parses it again (PurePath.__reduce__ gives its
# parts): over half of loading the memo at 5,000 posts. Python 3.11's pathlib can make a path from
# parts already parsed; later versions changed those internals, so there paths go the default way.
_FAST_PATHS = sys.version_info[:2] == (3, 11) and hasattr(PurePath, "_from_parsed_parts")


def _parsed_path(cls: type, drv: str, root: str, parts: tuple[str, ...]) -> PurePath:
    return cls._from_parsed_parts(drv, root, list(parts))  # type: ignore[attr-defined]


class RowSpill:
    """The rows the workers made of their pages (page_content), kept in an unlinked file of the
    build cache's folder until the memo is saved, not in the building process: ~4.4 MB at 5,000
    posts, held through the rendering, when the build's memory peaks. For a build that saves its
    memo and ends (the build command); the preview keeps its rows on its pages."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file: Any = None  # opened by the first row: a rebuild, whose workers send none, makes no file
        self.size = 0
        self.data: bytes | None = None

    def put(self, page: Page, row: bytes) -> None:
        if self.file is None:
            self.file = tempfile.TemporaryFile(dir=self.folder)
        self.file.write(row)
        page.__dict__["_memo_page_at"] = (self.size, len(row))  # (Page is frozen)
        self.size += len(row)

    def read(self, at: tuple[int, int]) -> bytes:
        if self.data is None:  # at the save, once: the rendering and its processes are over
            self.file.flush()
            self.file.seek(0)
            self.data = self.file.read()
        start, length = at
        return self.data[start:start + length]

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        self.data = None


class _PostPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, memo: "Memo", keys: dict[int, str], spilled: "RowSpill | None") -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.memo_of_builds = memo
        self.keys = keys  # id(post) -> its build cache key
        self.spilled = spilled  # the pages' rows the workers made, if they were spilled
        self.rows: dict[int, int] = {}  # id(post) -> its row, once the rows are written

    def row(self, post: Post) -> Any:
        """A post's row: (eager fields' bytes, key, images, digest); a post the build cache does not
        hold (no key) is the post itself, pickled whole by ``reducer_override``."""
        state = post.__dict__
        key = state.get("_memo_key") or self.keys.get(id(post))
        if key is None:
            return post
        # What every build reads of it, as its own bytes: a post read back is saved again as the
        # same bytes (a fifth of the time its dozen values took).
        eager = state.get("_memo_eager") or pickle.dumps({name: state[name] for name in _EAGER},
                                                         protocol=pickle.HIGHEST_PROTOCOL)
        return eager, key, post.images, self.memo_of_builds.digest_of(post, _post_digest)

    def page_row(self, page: Page) -> tuple[str, str, str, bytes]:
        # A page read back and not replaced: as it was; one a worker rendered: as it made it.
        content = page.__dict__.get("_memo_page")
        if content is None and self.spilled is not None and "_memo_page_at" in page.__dict__:
            content = self.spilled.read(page.__dict__["_memo_page_at"])
        if content is None:
            page_list = self.memo_of_builds.page_list
            content = page_content(page_list.posts if page_list is not None else {}, page)
        return page.path, page.template, page.origin, content

    def reducer_override(self, obj: Any) -> Any:
        if _FAST_PATHS and isinstance(obj, PurePath):
            return _parsed_path, (type(obj), obj._drv, obj._root, tuple(obj._parts))  # type: ignore[attr-defined]
        if not isinstance(obj, Post):
            return NotImplemented
        number = self.rows.get(id(obj))
        if number is not None:
            return _post_ref, (number,)
        state = obj.__dict__  # a post without a key, in its row: whole
        eager = {name: state[name] for name in _EAGER}
        content = state.get("_memo_content")  # a LazyPost never read: its bytes as they were
        if content is None:
            content = pickle.dumps({name: getattr(obj, name) for name in _LAZY}, protocol=pickle.HIGHEST_PROTOCOL)
        return _lazy_post, (eager, content, obj.images, self.memo_of_builds.digest_of(obj, _post_digest))


# Meaningful only inside one process: object ids, Markdown instances, the preview's search bundle,
# share images seen in the cache (a later command checks the cache again), the last prune.
_PROCESS_ONLY = frozenset({"digests", "kept", "search", "share_files", "pruned", "started", "from_disk", "folders",
                           "spare_untouched", "scanned"})


def _identity(folder: Path) -> tuple[tuple[int, int] | None, int | None]:
    """(device, inode), which survive the rename that swaps the generations, and the ctime."""
    try:
        info = os.stat(folder)
    except OSError:
        return None, None
    return (info.st_dev, info.st_ino), info.st_ctime_ns


def folder_key(folder: Path) -> tuple[int, int] | None:
    return _identity(folder)[0]
