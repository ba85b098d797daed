"""What a long-running process (the preview) remembers between its builds.

Every build still means a whole build: each post, picture and page is looked up
by what it is made of. The memo only saves a process from asking the disk and
the build cache again for what it already holds: a post file whose stat did not
change is the post parsed last time, a picture likewise, and the spare folder
is known file by file (``writer.Manifest``) so it is not read back to be
compared. A file changed within the same clock tick as it was last read could
keep its stat, so such a file is never trusted and is read again (git's "racy
clean" rule).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from .render import Kept
from .writer import Manifest, Signature, signature

# A file changed less than this before it was read is read again next time: its stat may not
# show a second edit made within the same tick of the file system's clock.
RACY_NS = 2_000_000_000


@dataclass
class Memo:
    """One process's memory of its previous builds; create one and pass it to every build."""

    files: dict[Path, tuple[Signature, Any]] = field(default_factory=dict)  # path -> (stat, what it gave)
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

    def begin(self) -> None:
        self.started = time.time_ns()

    def recall(self, path: Path, kind: str) -> Any:
        """What ``path`` gave last time, if the file is still the one that gave it."""
        known = self.files.get(path)
        if known is None or known[0][0] != kind:
            return None
        found = signature(path)
        return known[1] if found is not None and (kind, *found) == known[0] else None

    def remember(self, path: Path, kind: str, value: Any, found: Signature | None) -> None:
        """Keep ``value`` for ``path`` unless its stat is unknown or too fresh to trust."""
        if found is None or self.started - max(found[2], found[3]) < RACY_NS:  # mtime, ctime
            self.files.pop(path, None)
            return
        self.files[path] = ((kind, *found), value)  # type: ignore[assignment]

    def forget_missing(self, seen: set[Path], kind: str) -> None:
        for path in [p for p, (sig, _) in self.files.items() if sig[0] == kind and p not in seen]:
            del self.files[path]

    def digest_of(self, value: object, make: Any) -> str:
        """``make(value)``, once per object this process keeps (posts reused from ``recall``)."""
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

    def output_manifest(self, folder: Path) -> Manifest | None:
        """The manifest of ``folder`` after the last build that wrote it, taken out: a build that
        fails part way must not leave a manifest that no longer matches the folder."""
        key = folder_key(folder)
        return self.outputs.pop(key, None) if key is not None else None

    def record_output(self, folder: Path, manifest: Manifest) -> None:
        key = folder_key(folder)
        if key is not None:
            self.outputs[key] = manifest


class MemoryBytecodeCache(jinja2.BytecodeCache):
    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def folder_key(folder: Path) -> tuple[int, int] | None:
    """A folder's identity survives the rename that swaps the generations."""
    try:
        info = os.stat(folder)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)
