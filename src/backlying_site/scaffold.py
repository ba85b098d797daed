"""`backlying-site new`: a post file with every field of the content model, explained."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

from .load.content import POST_FIELDS, POSTS_DIR
from .errors import Problem, SiteError, UsageError
from .load.frontmatter import Document
from .load.schema import SLUG_RE, Ctx, make_slug

# What str.splitlines() breaks on: YAML folds some of them into spaces, and a '---' after one
# would end the front matter (issue 18).
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

TEMPLATE = '''\
---
# Every field is explained on its own line. Lines starting with '#' are comments.
# Required: title, date, summary, benefits, steps. Delete what you do not use.
title: "{title}"
date: {date}                  # the day it is published (YYYY-MM-DD); later dates stay hidden
summary: One sentence on what the exercise does and for whom.
draft: true                       # remove this line (or write false) to publish
# slug: {slug}                # the web address: /{slug}/ (default: the folder name)
# updated: {date}             # when you last changed the advice
# author: team                    # a key from content/authors.yaml (default: site.yaml's author)
tags: [legs]                      # topics, shown as written ("Tummy time" gets /tags/tummy-time/)
age:
  from_months: 3
  to_months: 12
  corrected: true                 # true if the ages are corrected for prematurity
dosage:                           # whole numbers; shown as "3 minutes, twice a day, every day"
  minutes: 3
  times_per_day: 2
  days_per_week: 7
  # reps: 5
  # hold_seconds: 10
equipment:
  - A firm surface (the floor or a bed)
benefits:
  - What the parent will see improve, one per line
helps_with:
  - Crawling
steps:                            # at least one; shown numbered, in this order
  - title: Get comfortable        # optional short heading
    text: What to do, in one or two short sentences. **Bold** and *italics* work.
    # Put the picture in images/ (at least 1600 px wide), then remove the '# ' of the next two lines:
    # image: images/step-1.jpg
    # alt: Describe what the picture shows, for a reader who cannot see it.
    # caption: An optional line shown under the picture.
play_ideas:
  - A song, a game or a toy that makes the exercise fun.
note:                             # an optional callout
  title: Why this matters
  body: |
    A short explanation in Markdown.
precautions:                      # when to stop and call the therapist
  - Your baby cries, seems in pain, or fights the position.
# hero:                           # the big picture at the top (default: the first step's image)
#   image: images/hero.jpg
#   alt: Describe the picture.
# video:                          # either youtube (the video's address, or its id) or file
#   youtube: https://www.youtube.com/watch?v=dQw4w9WgXcQ
#   # file: video.mp4
#   title: The exercise in one minute
#   poster: images/poster.jpg
# reviewed_by:
#   name: Sam Rivera
#   credentials: PT, DPT
#   date: {date}
# sources:
#   - title: Where the advice comes from
#     url: https://example.org/article
# disclaimer: Only if this post needs a different disclaimer from site.yaml's.
---
The introduction: what the exercise is and why it helps, in plain words.

## Why it matters

A few short paragraphs. Headings start with '##'.
'''


def new_post(root: Path, title: str, slug: str | None = None, today: dt.date | None = None) -> Path:
    """Write ``content/posts/<slug>/index.md`` and ``images/``; never overwrite."""
    title = title.strip()
    slug = slug or make_slug(title)
    problem = title_problem(title)
    if problem:
        raise UsageError(f"title: {problem}")
    if not SLUG_RE.match(slug):
        raise UsageError(f"slug: '{slug}' is not usable as an address; pass --slug with lowercase letters, "
                         "digits and hyphens")
    folder = root / POSTS_DIR / slug
    for existing in (folder, root / POSTS_DIR / f"{slug}.md"):
        if existing.exists():
            raise SiteError([Problem(existing.relative_to(root).as_posix(), 0, "",
                                     "already exists; choose another title or pass --slug")])
    date = (today or dt.date.today()).isoformat()
    (folder / "images").mkdir(parents=True)
    path = folder / "index.md"
    escaped = title.replace("\\", "\\\\").replace('"', '\\"')  # inside YAML's double quotes
    path.write_text(TEMPLATE.format(title=escaped, date=date, slug=slug), encoding="utf-8", newline="\n")
    return path


def title_problem(title: str) -> str | None:
    """Why ``title`` (stripped) cannot be written as a post's title, or None: every title accepted
    here reads back the same through the loader."""
    if not title:
        return "is empty; give the exercise's title in quotes"
    if LINE_BREAKS.intersection(title):
        return "has a line break in it; give the title on one line, in quotes (the summary says the rest)"
    for char in title:
        if unicodedata.category(char) == "Cs":  # a byte the terminal sent that is not UTF-8
            return "is not UTF-8 text; set your terminal to UTF-8 and type the title again"
        if unicodedata.category(char) == "Cc" or char in "\ufffe\uffff":  # YAML refuses the last two
            return f"has an invisible character (U+{ord(char):04X}) in it; type the title again without it"
    ctx = Ctx(Document({}, {}, "", 0), "new", Path(), Path())
    POST_FIELDS["title"].check(title, ("title",), ctx)  # the loader's own rule (its length)
    return ctx.problems[0].message if ctx.problems else None
