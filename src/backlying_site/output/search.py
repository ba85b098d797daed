"""Search with Pagefind (issue 5): index the rendered post pages into a bundle of static files.

Pagefind reads the staged site's folder (once its pages are all there and stale ones gone) and writes
the bundle to a private temporary folder; the bundle is read back and written through the Writer like
every other output file.
So it is part of the staged site (swapped in atomically with it), in the writer's manifest, and an
older bundle's files disappear with the rest of what the new site no longer has. Only post pages
are indexed, and within them only the element marked ``data-pagefind-body``.

Pagefind's bundle depends only on the HTML it reads (names are content hashes, no dates): the same
pages give the same bytes, which tests/test_discovery.py pins, so an unchanged site rewrites nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from ..errors import Problem, SiteError
from ..model import SiteConfig

BUNDLE = "pagefind"
POST_TEMPLATE = "post.html"
# Pagefind also writes three ready-made interfaces (about 400 KB). The theme's search page is a small
# script over pagefind.js instead (a plain form, results as a list of links, status read out, the
# site's colours in light and dark), so those files are left out of the site.
UNUSED_PREFIXES = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")
TIMEOUT_SECONDS = 600


def pagefind_executable() -> Path | None:
    """The binary that the ``pagefind-bin`` package ships, or None when it is not installed."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        return None
    try:
        return get_executable()
    except FileNotFoundError:
        return None


def search_bundle(config: SiteConfig, site: Path, reuse_from: Path | None = None,
                  only: list[str] | None = None) -> dict[str, bytes]:
    """Output path -> bytes of the search bundle of the pages in the folder ``site`` (the staged
    site, with at least one post page: Pagefind without a marked page would index every page).

    Pagefind reads the pages where they are: when the post pages carry ``data-pagefind-body`` (the
    theme's do), only they are indexed, and the bundle is byte for byte that of a folder of the post
    pages alone (tests/test_discovery.py); copying them out first cost seconds and thousands of files
    at 5,000 posts. A theme whose post page lacks the mark gives ``only``, the post pages' paths:
    those are copied out and indexed whole. ``reuse_from``: a built site whose bundle to take as it
    is when it has one (the preview does, so a save is not slowed by indexing every post: about a
    second per thousand posts).
    """
    if not config.search:
        return {}
    previous = read_bundle(reuse_from / BUNDLE) if reuse_from is not None else {}
    if f"{BUNDLE}/pagefind-entry.json" in previous:
        return previous
    with tempfile.TemporaryDirectory(prefix="backlying-search-") as tmp:
        bundle = Path(tmp) / "bundle"
        if only is not None:
            copy = Path(tmp) / "site"
            for rel in only:
                (copy / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(site / rel, copy / rel)
            site = copy
        run_pagefind(site, bundle)
        return read_bundle(bundle)


def pagefind_identity() -> tuple[str, int, int] | None:
    """The Pagefind binary's path, size and mtime: a new version makes a new bundle key. (Its
    package's version by importlib.metadata would cost every build ~50 ms of imports.)"""
    executable = pagefind_executable()
    try:
        info = executable.stat() if executable is not None else None
    except OSError:
        return None
    return (str(executable), info.st_size, info.st_mtime_ns) if info is not None else None


def run_pagefind(site: Path, bundle: Path) -> None:
    executable = pagefind_executable()
    if executable is None:
        raise SiteError([Problem("site.yaml", 0, "search", "search is on, but Pagefind is not installed; "
                                 "install the 'pagefind-bin' package (make build does), or set "
                                 "'search: false' to build without search")])
    command = [str(executable), "--site", str(site), "--output-path", str(bundle), "--quiet"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SiteError([Problem("site.yaml", 0, "search", "Pagefind could not index the posts",
                                 reason=str(exc))]) from exc
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip().splitlines()
        raise SiteError([Problem("site.yaml", 0, "search", "Pagefind could not index the posts",
                                 reason=output[-1] if output else f"exit code {result.returncode}")])


def read_bundle(bundle: Path) -> dict[str, bytes]:
    if not bundle.is_dir():
        return {}
    return {f"{BUNDLE}/{path.relative_to(bundle).as_posix()}": path.read_bytes()
            for path in sorted(bundle.rglob("*"))
            if path.is_file() and not path.name.startswith(UNUSED_PREFIXES)}
