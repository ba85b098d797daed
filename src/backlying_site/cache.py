"""The persistent build cache: parsed posts (and the search index), keyed by what made them.

One SQLite file under ``.cache/build/`` (beside the image cache). A key is a
hash of every input of the value (the post file's bytes and this program's own
code, or all the post pages for the search index), so a hit is exactly what a
clean build would make, and an edit misses without any bookkeeping. A cache
that cannot be read (corrupt, or written by another version) is discarded with
a note, never trusted.

Rendered pages are not stored here: each page is keyed the same way (pagekeys),
and the published folders, with their manifests (memo), are the store of its
bytes. Storing them twice cost a cold build of 5,000 pages ~1.5 s and 180 MB.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

DATABASE = "build.sqlite"  # the file's name in the build cache folder
SCHEMA = 4  # 4: pages no longer stored (the published folders hold them); values not compressed


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of this package's own source: a new version of the program never reuses old results.
    Once per process: the code running is the code imported at its start."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def digest(*parts: Any) -> str:
    """A stable hash of values made of str/bytes/numbers/dataclasses (their repr is deterministic)."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def encode(value: Any) -> bytes:
    """A value as stored: pickled, not compressed (zlib would take 0.11 ms of a post's 0.67 ms of
    parsing to save 4 KB of disk)."""
    return b"P" + pickle.dumps(value, protocol=5)


def decode(value: bytes) -> Any:
    if value[:1] == b"P":
        return pickle.loads(value[1:])
    raise pickle.UnpicklingError("unknown entry in the build cache")


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    # A cache, not a record: no fsync. After a power cut it may come back damaged, which shows
    # (the file or a value fails to read) and it is rebuilt; a value under its key is only ever
    # that key's (keys are hashes of content). Syncing a cold build's 40 MB cost it 0.1-0.2 s.
    db.execute("PRAGMA synchronous=OFF")
    return db


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# What a damaged file or value raises when read: such a cache is set aside, never trusted.
_UNREADABLE = (sqlite3.DatabaseError, pickle.UnpicklingError, EOFError, AttributeError, UnicodeDecodeError,
               ImportError, TypeError)

_readers: dict[tuple[int, int, str], sqlite3.Connection] = {}


def read_value(path: Path, table: str, key: str) -> Any:
    """One value from the cache file at ``path`` outside a build's own connection (a post the memo
    names, read back when a page needs it), or None if it is not there or cannot be read. The
    connection is kept for the next call, one per process and thread (SQLite's own rule: never
    share one across a fork, nor by default across threads)."""
    ident = (os.getpid(), threading.get_ident(), str(path))
    try:
        db = _readers.get(ident)
        if db is None:
            if not path.is_file():
                return None
            db = _readers[ident] = sqlite3.connect(path, timeout=30, isolation_level=None)
        row = db.execute(f"SELECT value FROM {table} WHERE key = ?", (key,)).fetchone()
        return decode(row[0]) if row else None
    except (sqlite3.Error, *_UNREADABLE):
        return None


SPILL_BYTES = 4 * 2**20  # pending values beyond this go into the (uncommitted) transaction


class BuildCache:
    """Key -> value tables; reads are cheap, writes go into one transaction, committed at the end.

    A cold build of thousands of posts makes tens of megabytes of parsed posts: pending rows past
    SPILL_BYTES are written into the open transaction (readable by this build, invisible to others,
    rolled back if the build fails) instead of being held in memory.
    """

    def __init__(self, folder: Path | None) -> None:
        self.notes: list[str] = []
        self.pending: dict[str, dict[str, bytes]] = {"posts": {}, "pages": {}}
        self.pending_bytes = 0
        self.created = False  # this build made the file: a build that fails leaves none
        self.keep: dict[str, tuple[list[str], list[str] | None]] = {}
        self.path = folder / DATABASE if folder is not None else None
        self.db: sqlite3.Connection | None = None
        self.broken = False
        # Whether a file this build creates may go without a journal (see _spill): only when nothing
        # else reads it meanwhile (posts read back from a memo do, through read_value).
        self.unjournaled = False
        # Opened only if it exists: a refused build writes nothing at all, not even a cache.
        if self.path is not None and self.path.is_file():
            self.db = self._open(self.path)

    def _open(self, path: Path) -> sqlite3.Connection | None:
        path.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(2):
            try:
                db = _connect(path)
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, SCHEMA):  # another version's file: a new one, not its free space
                    db.close()
                    _remove_database(path)
                    db, version = _connect(path), 0
                if version != SCHEMA:
                    db.execute("CREATE TABLE posts (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                    db.execute("CREATE TABLE pages (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                    db.execute(f"PRAGMA user_version={SCHEMA}")
                db.execute("SELECT count(*) FROM pages LIMIT 1").fetchone()
                return db
            except sqlite3.DatabaseError as exc:
                self.notes.append(f"the build cache {path} could not be read ({exc}); starting a new one")
                _remove_database(path)
        return None

    def get_many(self, table: str, keys: Iterable[str]) -> dict[str, Any]:
        return self._select(table, keys)

    def _select(self, table: str, keys: Iterable[str]) -> dict[str, Any]:
        pending = self.pending[table]
        found: dict[str, Any] = {}
        wanted = []
        for key in dict.fromkeys(keys):
            if key in pending:
                found[key] = decode(pending[key])
            else:
                wanted.append(key)
        if self.db is None:
            return found
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows = self.db.execute(f"SELECT key, value FROM {table} WHERE key IN "
                                       f"({','.join('?' * len(chunk))})", chunk).fetchall()
                for key, value in rows:
                    found[key] = decode(value)
        except _UNREADABLE as exc:
            self.notes.append(f"the build cache was damaged ({exc}); rebuilding without it")
            self.db.close()
            _remove_database(self.path)
            self.db = None
            return found  # what was read before: each value decoded whole
        return found

    def put(self, table: str, key: str, value: Any) -> None:
        if self.path is not None:
            self.put_encoded(table, key, encode(value))

    def put_encoded(self, table: str, key: str, data: bytes) -> None:
        """``put`` of a value already ``encode``d (say by a worker process)."""
        if self.path is not None:
            self.pending[table][key] = data
            self.pending_bytes += len(data)
            if self.pending_bytes > SPILL_BYTES:
                self._spill()

    def flush(self) -> None:
        """Pending rows into the open transaction now (a first build's last few megabytes of posts,
        else held through the rendering, when the build's memory peaks)."""
        if self.pending_bytes:
            self._spill()

    def _spill(self) -> None:
        """Pending rows into the open transaction (begun here), out of memory."""
        if self.db is None and self.path is not None:
            self.created = not self.path.exists()
            self.db = self._open(self.path)
            if self.created and self.unjournaled and self.db is not None:
                # A file this build made is removed if the build does not commit (close), so it
                # needs no journal to roll back: its rows go straight into it, where the
                # write-ahead log held all of a cold build's 40 MB and copied them into the file
                # at the commit (~0.08 s at 5,000 posts). The next build opens it in WAL mode. (A
                # reader would wait for its lock: without the log, a writer holds the file.)
                self.db.execute("PRAGMA journal_mode=OFF")
        if self.db is None:
            return  # cannot be opened (noted): keep them in memory
        try:
            if not self.db.in_transaction:
                self.db.execute("BEGIN")
            for table, rows in self.pending.items():
                self.db.executemany(f"INSERT OR REPLACE INTO {table} (key, value) VALUES (?, ?)", rows.items())
        except sqlite3.DatabaseError as exc:
            self.notes.append(f"the build cache could not be written ({exc}); going on without it")
            self.db.close()
            self.db, self.path = None, None
        self.pending = {table: {} for table in self.pending}
        self.pending_bytes = 0

    def prune(self, table: str, keep: Iterable[str], known: Iterable[str] | None = None) -> None:
        """At commit, forget every entry this build did not use, so the file does not grow without end.

        ``known``: the keys the table is thought to hold (the last build's). Those not kept are
        deleted by key; the whole table is compared with ``keep`` only if it still holds more rows
        than that (a build that died before its prune, another process's rows)."""
        self.keep[table] = (list(keep), list(known) if known is not None else None)

    def keep_also(self, table: str, key: str) -> None:
        """Keep one more entry through the next prune (set after ``prune`` was called)."""
        if table in self.keep:
            self.keep[table][0].append(key)

    def commit(self) -> None:
        """Write what this build made; called only once the build has passed every check."""
        if self.path is None:
            return
        self._spill()
        if self.db is None:
            return
        try:
            if not self.db.in_transaction:
                self.db.execute("BEGIN")
            for table, (keep, known) in self.keep.items():
                wanted = set(keep)
                if known is not None:
                    self.db.executemany(f"DELETE FROM {table} WHERE key = ?", ((k,) for k in known if k not in wanted))
                    if self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] <= len(wanted):
                        continue  # no more rows than kept keys: nothing (or as much as is missing) is stale
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (key TEXT PRIMARY KEY)")
                self.db.execute("DELETE FROM keep")
                self.db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((k,) for k in keep))
                self.db.execute(f"DELETE FROM {table} WHERE key NOT IN (SELECT key FROM keep)")
            self.db.execute("COMMIT")
            self.created = False
        except sqlite3.DatabaseError as exc:
            self.notes.append(f"the build cache could not be saved ({exc})")
        self.keep = {}

    def close(self) -> None:
        """Without a commit, what this build wrote is rolled back (and a file it made, deleted)."""
        if self.db is not None:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            self.db.close()
            self.db = None
        if self.created and self.path is not None:
            _remove_database(self.path)
