"""Every page of the site with its key: a hash of everything the page is made from.

A page whose key a generation of the output already holds at its path (by the
memo's manifests) is not rendered again: kept, or hard-linked. In a process that
builds again and again (the preview) the list itself is reused: when the site's
structure is unchanged (the same posts in the same order with the same titles,
dates, tags, ages and authors, the same templates and settings) and only posts'
content changed, the pages and contexts are those of the last build with the
edited posts put in, and only the pages that show an edited post get a new key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

import PIL
from typing import Any, Callable, Iterable, Iterator

from .cache import code_fingerprint, digest
from .memo import Memo
from .model import CONTENT_FIELDS, Post
from .render import Page, Renderer
from .writer import signature

# What render.pages() (and the site's order, tags, bands and sitemap) read of a post: everything
# but the fields only templates and deferred contexts read.
_STRUCTURE = attrgetter(*[f.name for f in dataclasses.fields(Post) if f.name not in CONTENT_FIELDS])


@dataclass
class PageList:
    common: str  # the global fingerprint
    pages: list[Page]
    keys: list[str]
    posts: dict[str, Post]  # slug -> the post object the pages hold
    uses: dict[str, list[int]]  # slug -> indices of the pages whose context holds that post


def pages_and_keys(renderer: Renderer, memo: Memo | None = None) -> tuple[list[Page], Iterable[str]]:
    """The site's pages and their keys: the last build's list, updated, when the structure holds;
    else a new list, whose keys come as they are asked for, in order (a first build, which
    renders every page whatever its key, makes them while its workers render: ~0.15 s at 5,000
    posts). The memo gets the list once its last key is made."""
    common = global_fingerprint(renderer, memo)
    posts = renderer.site.posts
    last: PageList | None = memo.page_list if memo else None
    post_digest = (lambda post: memo.digest_of(post, digest)) if memo else digest
    if last is not None and _same_structure(last, common, posts):
        result = _update(last, renderer, common, post_digest)
        _remember(memo, result, posts)
        return result.pages, result.keys
    pages = renderer.pages()
    if memo is not None:
        memo.page_list = None  # until the last key is made
    return pages, _keys(renderer, common, pages, post_digest, memo)


def _remember(memo: Memo | None, result: PageList, posts: tuple[Post, ...]) -> None:
    if memo is not None:
        memo.keep_digests_of(list(posts))
        memo.page_list = result


def _same_structure(last: PageList, common: str, posts: tuple[Post, ...]) -> bool:
    """The same posts in the same order with the same structure, and the same global fingerprint.
    (Read from the last list's own posts, in the site's order: nothing more to store.)"""
    return last.common == common and len(last.posts) == len(posts) and all(
        before is now or _STRUCTURE(before) == _STRUCTURE(now)  # a post recalled is the same object
        for before, now in zip(last.posts.values(), posts))


def _keys(renderer: Renderer, common: str, pages: list[Page], post_digest: Callable[[Post], str],
          memo: Memo | None) -> Iterator[str]:
    seen: dict[int, str] = {}
    keys: list[str] = []
    uses: dict[str, list[int]] = {}
    for index, page in enumerate(pages):
        found: list[Post] = []
        keys.append(digest(common, page.path, page.template, fingerprint(page.context, seen, post_digest, found)))
        for slug in dict.fromkeys(post.slug for post in found):
            uses.setdefault(slug, []).append(index)
        yield keys[-1]
    posts = renderer.site.posts
    _remember(memo, PageList(common, pages, keys, {post.slug: post for post in posts}, uses), posts)


def _update(last: PageList, renderer: Renderer, common: str, post_digest: Callable[[Post], str]) -> PageList:
    """The last list with the edited posts put in: only the pages that show one change."""
    now = {post.slug: post for post in renderer.site.posts}
    edited = {id(last.posts[slug]): post for slug, post in now.items() if post is not last.posts[slug]}
    affected = sorted({index for slug, post in now.items() if id(last.posts[slug]) in edited
                       for index in last.uses.get(slug, [])})
    pages, keys = list(last.pages), list(last.keys)
    seen: dict[int, str] = {}
    for index in affected:
        page = last.pages[index]
        post = page.context.get("post")
        if isinstance(post, Post) and page.template == "post.html":
            # The post's own page, or one whose "similar exercises" show an edited post: made anew, so
            # its deferred part (Markdown, structured data) is this build's.
            related = [edited.get(id(other), other) for other in page.context["related"]]
            page = renderer.post_page(edited.get(id(post), post), related)
        else:
            page = dataclasses.replace(page, context=_put_in(page.context, edited))
        pages[index] = page
        keys[index] = digest(common, page.path, page.template, fingerprint(page.context, seen, post_digest))
    return PageList(last.common, pages, keys, now, last.uses)


def _put_in(value: Any, edited: dict[int, Post]) -> Any:
    if isinstance(value, Post):
        return edited.get(id(value), value)
    if isinstance(value, dict):
        return {k: _put_in(v, edited) for k, v in value.items()}
    if isinstance(value, (list, tuple)):  # posts inline: a listing of every post holds thousands
        return type(value)(edited.get(id(v), v) if isinstance(v, Post) else _put_in(v, edited) for v in value)
    return value


def global_fingerprint(renderer: Renderer, memo: Memo | None = None) -> str:
    """Everything a page may read besides its own context: code, templates, settings, images, globals."""
    # The templates' bytes as the renderer's loader holds them (read once): keys and pages agree.
    templates = [(path.as_posix(), data) for path, data in renderer.env.loader.files.items()]  # type: ignore[union-attr]
    bands = [(band.from_months, band.to_months) for band in renderer.bands]
    # Pillow's version: share images' names (in post pages) depend on the encoder.
    return digest(code_fingerprint(), PIL.__version__, templates, renderer.site.config, sorted(renderer.plans.items()),
                  sorted(renderer.assets.items()),
                  renderer.site.authors, list(renderer.site.tags), bands, renderer.today, renderer.drafts)


def read_template(path: Path, memo: Memo | None) -> bytes:
    if memo is None:
        return path.read_bytes()
    data = memo.recall(path, "template")
    if data is None:
        found = signature(path)  # before reading: an edit made meanwhile shows next time
        data = path.read_bytes()
        memo.remember(path, "template", data, found)
    return data


def fingerprint(value: object, memo: dict[int, str], post_digest: Callable[[Post], str] = digest,
                found: list[Post] | None = None) -> str:
    """A stable text for a page context; each post is hashed once per build however many pages list it
    (once per process when ``post_digest`` remembers them). ``found`` collects the posts met."""
    if isinstance(value, Post):
        if found is not None:
            found.append(value)
        key = id(value)
        if key not in memo:
            memo[key] = post_digest(value)
        return memo[key]
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{fingerprint(v, memo, post_digest, found)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):  # posts inline: a listing of every post holds thousands
        if found is not None:
            found.extend(v for v in value if isinstance(v, Post))
        return "[" + ",".join(memo.get(id(v)) or fingerprint(v, memo, post_digest, found) for v in value) + "]"
    text = repr(value)
    if " at 0x" in text:  # an object without a stable repr: never let it into a cache key
        raise TypeError(f"cannot fingerprint {type(value).__name__} for the build cache")
    return text
