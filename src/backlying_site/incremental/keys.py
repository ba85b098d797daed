"""Page keys: a hash of everything a page is made from but what its templates read besides.

A page is its path, its template, its context and its deferred part's arguments (render.Page), the
site's key (templates, static files, settings, authors, avatars, the day), and what its templates
read of the globals that hold posts (recorded while it renders: render.environment). A post in a
context stands for its page digest (model.page_digest) and the plans of its pictures, so a page
that shows a post changes with any edit to it or to one of its pictures; one of the site's authors
stands for its key in site.authors, which the site key holds whole.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Callable, Iterable, Mapping

from ..model import Author, Post


def digest(*parts: Any) -> str:
    """A stable hash of values made of str, bytes, numbers, paths, dates and dataclasses (whose
    reprs are deterministic)."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def post_keys(posts: Iterable[Post], digests: Mapping[str, str], plan_keys: Callable[[Post], list[str]]
              ) -> dict[int, str]:
    """Each post's key (by id): its page digest and the keys of its pictures' plans."""
    return {id(post): digest(digests[post.path], plan_keys(post)) for post in posts}


def author_keys(authors: Mapping[str, Author]) -> dict[int, str]:
    """Each of the site's authors (by id) as its key in site.authors: the site key holds them whole."""
    return {id(author): f"author {key!r}" for key, author in authors.items()}


def page_key(site_key: str, path: str, template: str, context: Mapping[str, Any],
             deferred: Any, keys: Mapping[int, str]) -> str:
    return digest(site_key, path, template, fingerprint(context, keys).encode("utf-8", "surrogatepass"),
                  fingerprint(deferred, keys).encode("utf-8", "surrogatepass"))


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")  # Python's repr of an object that has no repr of its own
_PLAIN = frozenset({str, int, float, bool, type(None)})  # (their repr is their value: most of a context)


def fingerprint(value: Any, keys: Mapping[int, str]) -> str:
    """A stable text for a page's context: a post is its key (made once per build, however many
    pages list it), one of the site's authors its key in site.authors; containers are walked;
    anything else is its repr."""
    if type(value) in _PLAIN:
        return repr(value)
    if isinstance(value, Post):
        return keys[id(value)]
    if isinstance(value, Author) and id(value) in keys:  # (a post page holds its author twice)
        return keys[id(value)]
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{fingerprint(v, keys)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(fingerprint(v, keys) for v in value) + "]"
    text = repr(value)
    if not isinstance(value, str) and _ADDRESS.search(text):  # every key new, or worse, equal
        raise TypeError(f"cannot key a page on a {type(value).__name__}: give it a stable repr")
    return text
