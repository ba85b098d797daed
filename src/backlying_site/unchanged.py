"""Know, before loading anything, that nothing changed since the last build.

A rebuild with nothing changed should cost what it takes to notice that: one
pass over the site's files (text by its bytes, pictures by size, mtime and
inode) and one over the published folder (by stat), compared with what the
last successful build recorded. Any difference, and the full build runs.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from . import theme
from .cache import code_fingerprint
from .frontmatter import MAX_FILE_BYTES

TEXT = (".md", ".markdown", ".yaml", ".yml", ".html", ".xml", ".txt", ".css", ".js", ".svg", ".json")
RECORD = "last-build"


def inputs_digest(root: Path, settings: Any) -> str:
    """Every input of a build: the program, its settings, and each file under the site's folders."""
    import PIL

    digest = hashlib.sha256(repr((code_fingerprint(), PIL.__version__, settings)).encode())
    files = [root / "site.yaml"]
    for folder in [root / "content", *theme.template_dirs(root), *theme.static_dirs(root)]:
        for base, dirs, names in os.walk(folder):
            dirs.sort()
            files += [Path(base) / name for name in sorted(names)]
    for path in files:
        digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
        try:
            info = path.lstat()
        except FileNotFoundError:
            digest.update(b"missing\0")
            continue
        if path.is_symlink():
            digest.update(f"link:{os.readlink(path)}\0".encode("utf-8", "surrogateescape"))
            info = path.stat() if path.exists() else info
        small = info.st_size <= MAX_FILE_BYTES  # a runaway file is refused later; never read it whole here
        if (path.suffix.lower() in TEXT or path.name == "_headers") and small:
            digest.update(path.read_bytes() if path.is_file() else b"")
        else:
            digest.update(f"{info.st_size}:{info.st_mtime_ns}:{info.st_ino}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def output_state(output: Path) -> list[tuple[str, int, int, int]] | None:
    """(path, size, mtime, inode) of every published file: an edit or a deletion there shows."""
    if not output.is_dir():
        return None
    state = []
    for base, dirs, names in os.walk(output):
        dirs.sort()
        for name in sorted(names):
            info = os.lstat(os.path.join(base, name))
            state.append((os.path.relpath(os.path.join(base, name), output), info.st_size, info.st_mtime_ns,
                          info.st_ino))
    return state
