"""How a parent finds an exercise besides the newest-first list: by age band and by author (issue 5).

Pure functions over the content model; render.py turns their answers into pages.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from ..model import AgeRange, Post, Site

NO_UPPER_LIMIT = 10_000  # months; "from 4 months" reaches every later band


@dataclass(frozen=True)
class AgeBand:
    """A half-open range of months, [from_months, to_months), with the posts whose age overlaps it."""

    from_months: int
    to_months: int
    posts: tuple[Post, ...] = ()

    @property
    def slug(self) -> str:
        return f"{self.from_months}-{self.to_months}-months"

    def holds(self, age: AgeRange | None) -> bool:
        """Overlap of [from, to) ranges; a post of a single month (3–3) counts as that month."""
        if age is None:
            return False
        low, high = _span(age)
        return low < self.to_months and self.from_months < high


def age_bands(site: Site) -> list[AgeBand]:
    """The configured bands that have at least one post, youngest first; posts newest first.

    A post without an age range is in no band: the filter promises an age, and only the author knows it.
    """
    # Each post's months as [low, high) once, then plain comparisons per band (the preview runs this
    # on every save).
    spans = [(post, *_span(post.age)) for post in site.posts if post.age is not None]
    bands = []
    for low, high in site.config.age_bands:
        posts = tuple(post for post, first, end in spans if first < high and low < end)
        if posts:
            bands.append(AgeBand(low, high, posts))
    return bands


def _span(age: AgeRange) -> tuple[int, int]:
    low = age.from_months or 0
    return low, NO_UPPER_LIMIT if age.to_months is None else max(age.to_months, low + 1)


def posts_by_author(site: Site) -> dict[str, tuple[Post, ...]]:
    """Author key -> their posts (newest first), for the authors who have any, sorted by key.

    A post without ``author:`` is the site's default author's, as on the post page itself.
    """
    found: dict[str, list[Post]] = {}
    for post in site.posts:
        key = post.author or site.config.author
        if key in site.authors:
            found.setdefault(key, []).append(post)
    return {key: tuple(found[key]) for key in sorted(found)}


def similar_posts(post: Post, posts: tuple[Post, ...], limit: int) -> list[Post]:
    """Most shared tags first, then newest (the order of ``posts``): the same answer on every run."""
    return [posts[rank] for rank in SimilarIndex(posts).ranks(post, limit)]


def similar_exercises(posts: tuple[Post, ...], limit: int) -> tuple[tuple[int, ...], ...]:
    """Each post's similar exercises, as positions in ``posts``, in the order of ``posts``."""
    index = SimilarIndex(posts)
    return tuple(index.ranks(post, limit) for post in posts)


def similar_inputs(posts: tuple[Post, ...], limit: int) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], int]:
    """Everything similar_exercises reads: equal inputs, equal answers (a rebuild keeps them by it)."""
    return tuple((post.slug, post.tags) for post in posts), limit


class SimilarIndex:
    """Tag -> positions in the newest-first list, so "similar" costs a few set operations, not all pairs."""

    def __init__(self, posts: tuple[Post, ...]) -> None:
        self.posts = posts
        self.by_tag: dict[str, list[int]] = {}
        for rank, post in enumerate(posts):
            for tag in dict.fromkeys(post.tags):
                self.by_tag.setdefault(tag, []).append(rank)
        self.sets = {tag: set(ranks) for tag, ranks in self.by_tag.items()}
        self.shared: dict[tuple[str, ...], set[int]] = {}  # tags (sorted) -> the posts that have them all

    def ranks(self, post: Post, limit: int) -> tuple[int, ...]:
        if limit <= 0:
            return ()
        tags = [tag for tag in dict.fromkeys(post.tags) if tag in self.by_tag]
        chosen: list[int] = []
        taken: set[int] = set()

        def take(ranks: Iterable[int]) -> None:
            for rank in ranks:
                if len(chosen) == limit:
                    return
                if rank not in taken and self.posts[rank].slug != post.slug:
                    chosen.append(rank)
                    taken.add(rank)

        if len(tags) <= 6:
            # Posts sharing k or more tags, for k from all down to 2: set operations, each level in rank order.
            for k in range(len(tags), 1, -1):
                if len(chosen) == limit:
                    break
                level = set().union(*(self._sharing(combo) for combo in itertools.combinations(sorted(tags), k)))
                take(sorted(level - taken))
        else:
            counts = Counter(itertools.chain.from_iterable(self.by_tag[tag] for tag in tags))
            take(rank for rank, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n > 1)
        if len(chosen) < limit:  # (most posts have their similar ones by now: no merge to set up)
            take(heapq.merge(*(self.by_tag[tag] for tag in tags)))  # one shared tag, newest first
            take(range(len(self.posts)))  # then the newest of all
        return tuple(chosen)

    def _sharing(self, tags: tuple[str, ...]) -> set[int]:
        """The posts that have all of ``tags``: each set made once (many posts share two tags)."""
        found = self.shared.get(tags)
        if found is None:
            if len(tags) > 2:  # those of all but the last tag, a few by now, that have it too: not two big sets
                last = self.sets[tags[-1]]
                found = {rank for rank in self._sharing(tags[:-1]) if rank in last}
            else:
                found = set.intersection(*(self.sets[tag] for tag in tags))
            self.shared[tags] = found
        return found
