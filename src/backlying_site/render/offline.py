"""Offline reading (issue 23): what the service worker, ``templates/sw.js``, is made from.

The worker is one file at the site's base path: a worker's scope is the folder it is served from, so
``/guide/sw.js`` covers every page of a site published under ``/guide/``, every language's. Pages are
fetched network first, so a post's new words reach a reader without a new worker; the worker's
version names what it keeps at install, the offline pages, and changes only with what those are made
of (the theme, the settings). The same content gives the same bytes wherever it is built: nothing
here depends on the folder the site lives in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from enum import Enum
from pathlib import Path
from typing import Any

from ..load.theme import Theme
from ..model import Guide, ImageRef, SiteConfig

WORKER = "sw.js"  # at the site's root: its scope is the whole site
OFFLINE_PAGE = "offline/index.html"  # in every language: what a page never opened shows offline
# What the offline page loads, kept when the worker installs.
PRECACHED_ASSETS = ("css/site.css", "js/site.js", "favicon.svg")
# Files named by their content (templates/_headers makes them immutable too): cache first.
HASHED_FOLDERS = ("static/", "images/", "pagefind/fragment/", "pagefind/index/")


def offline_reading(config: SiteConfig) -> bool:
    """site.yaml's ``offline`` (on unless ``offline: false``)."""
    return config.offline


def worker_version(guide: Guide, theme: Theme) -> str:
    """12 hex digits of a digest of what the offline pages are made from: the templates, static files
    and catalogs, and every language's settings and authors. Posts are left out: pages are fetched
    network first, and digesting 5,000 posts took 1.5 s of every rebuild."""
    templates = sorted((path.relative_to(folder).as_posix(), hashlib.sha256(data).hexdigest())
                       for folder in theme.template_folders for path, data in theme.templates.items()
                       if path.is_relative_to(folder))
    parts: list[Any] = [templates, sorted((name, identity) for name, (_, identity) in theme.assets.items()),
                        sorted(theme.catalogs.items())]
    for site in guide.sites:
        parts.append(plain(site.config))
        parts.append(sorted((key, plain(author)) for key, author in site.authors.items()))
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:12]


def plain(value: Any) -> Any:
    """``value`` as nested tuples of plain values, with no path of this machine in it."""
    if isinstance(value, ImageRef):
        return ("image", value.rel, value.alt)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple((f.name, plain(getattr(value, f.name))) for f in dataclasses.fields(value) if f.compare)
    if isinstance(value, (list, tuple)):
        return tuple(plain(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((repr(key), plain(item)) for key, item in value.items()))
    if isinstance(value, Path):
        return value.name
    if isinstance(value, (str, int, float, bool, dt.date, Enum)) or value is None:
        return value
    return repr(value)
