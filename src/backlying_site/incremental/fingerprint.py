"""What every kept result depends on besides the site's files: this program and what it runs on.

A store made by another version of backlying-site, another Python, or beside other installed
packages (an upgraded Python-Markdown renders some pages differently) is never used.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def environment_fingerprint() -> str:
    """This package's files, the Python version, and every distribution installed on sys.path."""
    return hashlib.sha256(repr((code_fingerprint(), sys.version, installed_distributions())).encode()).hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of this package's own files (code, fonts): a new version never reuses old results."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def installed_distributions() -> tuple[str, ...]:
    """Every `name-version.dist-info` on sys.path, sorted: the names pip gives them carry the version,
    so an upgrade of Jinja2, Pillow or pagefind-bin shows (one listing per folder, not a read of
    each package's metadata: ~0.3 ms against ~50)."""
    found: set[str] = set()
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        found.update(name for name in names if name.endswith((".dist-info", ".egg-info")))
    return tuple(sorted(found))
