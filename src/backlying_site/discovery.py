"""How a parent finds an exercise besides the newest-first list: by age band and by author (issue 5).

Pure functions over the content model; render.py turns their answers into pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import AgeRange, Post, Site

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

    @property
    def label(self) -> str:
        return f"{self.from_months}–{self.to_months} months"

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
