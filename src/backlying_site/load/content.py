"""Load every post and author, validate them against the content model, and build the Site.

Nothing here writes: the whole site is gathered and checked first, so a bad file
stops the build before a single page is written (MkDocs and Zola do the same).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ..errors import Problem, quoted
from ..model import (AgeRange, Author, Dosage, ImageRef, Lines, Note, Post, Review, Site, SiteConfig, Source, Step,
                     Video, Credit, Guide, posts_by_tag)
from . import schema as s
from .frontmatter import Document, KeyPath, parse_document, parse_yaml, read_text

CONTENT_DIR = "content"
POSTS_DIR = "content/posts"
AUTHORS_FILE = "content/authors.yaml"


def _image(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    return s.relative_file(value, path, ctx)


def _video_file(value: Any, path: KeyPath, ctx: s.Ctx) -> Any:
    checked = s.relative_file(value, path, ctx, what="a video")
    if checked is not s.INVALID and checked.suffix.lower() not in (".mp4", ".webm"):
        return ctx.error(path, f"{quoted(value)} is not a web video; use an .mp4 or .webm file")
    return checked


def _ref(source: Path, alt: str, path: KeyPath, ctx: s.Ctx, written: str) -> ImageRef:
    return ImageRef(source=source, rel=written, alt=alt, origin=ctx.rel, line=ctx.line(path),
                    field=s.format_path(path))


def _raw(path: KeyPath, ctx: s.Ctx) -> str:
    """The image path exactly as the author wrote it (for messages and output names)."""
    value: Any = ctx.doc.data
    for part in path:
        value = value[part]
    return str(value)


def _build_step(path: KeyPath, ctx: s.Ctx, text: str, image: Path | None = None, alt: str = "",
                title: str = "", caption: str = "") -> Any:
    ref = _ref(image, alt, path + ("image",), ctx, _raw(path + ("image",), ctx)) if image else None
    return Step(number=path[-1] + 1, text=text, image=ref, title=title, caption=caption)


def _build_hero(path: KeyPath, ctx: s.Ctx, image: Path, alt: str) -> Any:
    return _ref(image, alt, path + ("image",), ctx, _raw(path + ("image",), ctx))


def _build_video(path: KeyPath, ctx: s.Ctx, title: str, youtube: tuple[str, int] = ("", 0),
                 file: Path | None = None, poster: Path | None = None) -> Any:
    if bool(youtube[0]) == bool(file):
        return ctx.error(path, "give either 'youtube:' (the video's address) or 'file:' (a video in the post's "
                         "folder), not both or neither")
    file_ref = _ref(file, title, path + ("file",), ctx, _raw(path + ("file",), ctx)) if file else None
    poster_ref = (_ref(poster, f"Video: {title}", path + ("poster",), ctx, _raw(path + ("poster",), ctx))
                  if poster else None)
    return Video(title=title, youtube=youtube[0], start=youtube[1], file=file_ref, poster=poster_ref)


def _build_age(path: KeyPath, ctx: s.Ctx, **values: Any) -> Any:
    age = AgeRange(**values)
    if age.from_months is not None and age.to_months is not None and age.from_months > age.to_months:
        return ctx.error(path, f"from_months ({age.from_months}) is after to_months ({age.to_months}); "
                         "swap them")
    if age.from_months is None and age.to_months is None:
        return ctx.error(path, "give from_months, to_months or both")
    return age


def _dataclass(cls: type) -> Any:
    return lambda path, ctx, **values: cls(**values)


# Required whenever an image is given (issue 2): a parent using a screen reader gets the step too.
ALT = s.Field(s.text("a description of the image"), required_with="image",
              hint="describe what the photo shows for a reader who cannot see it")
STEP = s.record({
    "text": s.Field(s.text("what to do in this step"), required=True,
                    hint="add 'text:' saying what the parent does in this step"),
    "image": s.Field(_image),
    "alt": ALT,
    "title": s.Field(s.text("the step's short title")),
    "caption": s.Field(s.text("a caption for the image")),
}, "a step", build=_build_step)

POST_FIELDS: dict[str, s.Field] = {
    "title": s.Field(s.short_text("the exercise's name", s.TITLE_MAX,
                                  "a title may have: it is the page's heading, the link in search results "
                                  "and the words on the share images; keep it to the exercise's name and "
                                  "put the rest in 'summary:'"),
                     required=True, hint="add 'title:' with the exercise's name"),
    "date": s.Field(s.date, required=True, hint="add 'date: YYYY-MM-DD', the day it is published"),
    "summary": s.Field(s.text("a one-sentence summary"), required=True,
                       hint="add 'summary:' with one sentence on what the exercise does"),
    "benefits": s.Field(s.list_of(s.text("a benefit"), "benefits", 1), required=True,
                        hint="add 'benefits:' with one line per benefit, each starting with '- '"),
    "steps": s.Field(s.list_of(STEP, "steps", 1), required=True,
                     hint="add 'steps:' with at least one step (each with text, image and alt)"),
    "slug": s.Field(s.slug),
    "updated": s.Field(s.date),
    "draft": s.Field(s.boolean),
    "author": s.Field(s.text("an author key from content/authors.yaml")),
    "tags": s.Field(s.tags),
    "age": s.Field(s.record({"from_months": s.Field(s.whole_number(0, 216)),
                             "to_months": s.Field(s.whole_number(0, 216)),
                             "corrected": s.Field(s.boolean), "suggested": s.Field(s.boolean)},
                            "an age range", build=_build_age)),
    "dosage": s.Field(s.record({"minutes": s.Field(s.whole_number(1, 1000)),
                                "times_per_day": s.Field(s.whole_number(1, 24)),
                                "days_per_week": s.Field(s.whole_number(1, 7)),
                                "reps": s.Field(s.whole_number(1, 1000)),
                                "hold_seconds": s.Field(s.whole_number(1, 1000)),
                                "suggested": s.Field(s.boolean)},
                               "a dosage", build=_dataclass(Dosage))),
    "equipment": s.Field(s.list_of(s.text("a piece of equipment"), "things needed")),
    "hero": s.Field(s.record({"image": s.Field(_image, required=True,
                                               hint="add 'image:' with the picture's path, such as "
                                                    "images/hero.jpg"),
                              "alt": ALT},
                             "a hero image", build=_build_hero)),
    "helps_with": s.Field(s.list_of(s.text("a skill"), "skills")),
    "play_ideas": s.Field(s.list_of(s.text("a play idea"), "play ideas")),
    "note": s.Field(s.record({"title": s.Field(s.text("a title"), required=True,
                                               hint="add 'title:' with the note's heading"),
                              "body": s.Field(s.text("the note (Markdown)"), required=True,
                                              hint="add 'body:' with the note's text")},
                             "a note", build=_dataclass(Note))),
    "emergency_signs": s.Field(s.list_of(s.text("a sign to call the emergency number for"), "emergency signs")),
    "precautions": s.Field(s.list_of(s.text("a precaution"), "precautions")),
    "video": s.Field(s.record({"title": s.Field(s.text("the video's title"), required=True,
                                                hint="add 'title:' describing the video"),
                               "youtube": s.Field(s.youtube), "file": s.Field(_video_file),
                               "poster": s.Field(_image)}, "a video", build=_build_video)),
    "reviewed_by": s.Field(s.record({"name": s.Field(s.text("the reviewer's name"), required=True,
                                                     hint="add 'name:' with the reviewer's name"),
                                     "credentials": s.Field(s.text("the reviewer's credentials")),
                                     "date": s.Field(s.date)},
                                    "a reviewer", build=_dataclass(Review))),
    "sources": s.Field(s.list_of(s.record({"title": s.Field(s.text("the source's title"), required=True,
                                                            hint="add 'title:' with the source's title"),
                                           "url": s.Field(s.url, required=True,
                                                          hint="add 'url:' with the source's web address")},
                                          "a source", build=_dataclass(Source)), "sources")),
    "disclaimer": s.Field(s.text("the medical disclaimer (Markdown)")),
    "adapted_from": s.Field(s.record({
        "title": s.Field(s.text("the original's title"), required=True, hint="add 'title:' with the original's title"),
        "author": s.Field(s.text("who wrote it"), required=True, hint="add 'author:' with who wrote the original"),
        "site": s.Field(s.text("where it was published")),
        "url": s.Field(s.url)}, "the work this post is adapted from", build=_dataclass(Credit))),
}

AUTHOR_FIELDS: dict[str, s.Field] = {
    "name": s.Field(s.text("the author's name"), required=True, hint="add 'name:' with the author's name"),
    "bio": s.Field(s.text("a short biography (Markdown)")),
    "avatar": s.Field(_image),
    "url": s.Field(s.url),
    "organization": s.Field(s.boolean),
}


def find_post_files(root: Path, made: dict[str, Path] | None = None) -> list[Path]:
    """``posts/slug.md`` and ``posts/slug/index.md``, sorted, so every run sees the same order.

    One scandir of the posts folder and one stat per folder (the preview runs this on every save,
    and passes ``made``, the Path objects of its last run: making and hashing thousands of new
    ones costs more than the scan).
    """
    made = {} if made is None else made
    posts = root / POSTS_DIR
    try:
        entries = list(os.scandir(posts))
    except (FileNotFoundError, NotADirectoryError):
        return []
    found: list[tuple[str, Path]] = []
    for entry in entries:
        if entry.name.startswith((".", "_")):
            continue
        if entry.name.endswith(".md"):  # whatever it is: read_post says so if it is not a plain file
            found.append((entry.name, made.get(entry.path) or made.setdefault(entry.path, Path(entry.path))))
        if entry.is_dir():
            for name in _index_files(entry.path):  # index.md, and its translations (index.es.md)
                index = f"{entry.path}/{name}"
                found.append((f"{entry.name}/{name}", made.get(index) or made.setdefault(index, Path(index))))
    return [path for _, path in sorted(found)]


def _index_files(folder: str) -> list[str]:
    try:
        return sorted(name for name in os.listdir(folder) if name == "index.md" or INDEX_TRANSLATION.fullmatch(name))
    except OSError:
        return []


# A post's translation names its language before .md: index.es.md beside index.md, or slug.es.md.
INDEX_TRANSLATION = re.compile(r"index\.([A-Za-z0-9-]+)\.md")
_TRANSLATION = re.compile(r"(?P<stem>[^.]+)\.(?P<code>[A-Za-z0-9-]+)\.md")


def post_identity(path: Path) -> tuple[str, str, str | None]:
    """A post file's default slug, the name it shares with its translations (its path without the
    language), and the language its file name gives (None for the default language)."""
    bundle = path.name == "index.md" or INDEX_TRANSLATION.fullmatch(path.name) is not None
    found = _TRANSLATION.fullmatch(path.name)
    code = found["code"] if found else None
    slug = path.parent.name if bundle else (found["stem"] if found else path.stem)
    name = str(path.parent) if bundle else str(path.parent / slug)
    return slug, name, code


def load_post(path: Path, root: Path) -> tuple[Post | None, list[Problem]]:
    text, problems = read_post(path, root)
    if text is None:
        return None, problems
    return post_from_text(text, path, root)


def relative(path: Path, root: Path) -> str:
    """``path``, which is under ``root``, as a site-relative POSIX path: by the paths' texts where
    they allow (pathlib's relative_to parses both paths, and this is asked several times a post)."""
    text, base = str(path), str(root)
    if os.sep == "/" and text.startswith(base) and text[len(base):len(base) + 1] == "/" and "//" not in text:
        return text[len(base) + 1:]
    return path.relative_to(root).as_posix()


def read_post(path: Path, root: Path) -> tuple[str | None, list[Problem]]:
    """The post's text, refusing links out of the content folder and anything but a plain file."""
    rel = relative(path, root)
    refused = _outside_problem(path, root, rel) or _not_a_file_problem(path, rel)
    if refused:
        return None, [refused]
    return read_text(path, rel)


def post_from_text(text: str, path: Path, root: Path) -> tuple[Post | None, list[Problem]]:
    post, problems, _ = load_post_text(text, path, root)
    return post, problems


@dataclass(frozen=True)
class Schedule:
    """When a post's front matter says it is published: known, even when the post does not validate,
    from a YAML that parses (a draft with a picture not there yet must not stop the build; issue 22)."""

    draft: bool = False
    date: dt.date | None = None  # None: not written as a date, so not known to be later

    def published(self, today: dt.date, drafts: bool) -> bool:
        return drafts or not (self.draft or (self.date is not None and self.date > today))


def load_post_text(text: str, path: Path, root: Path) -> tuple[Post | None, list[Problem], Schedule | None]:
    """The post, or its problems and its schedule: from its YAML, or, when that cannot be read, from
    its own 'draft:' and 'date:' lines (else None: a post that cannot be known to be a draft is taken
    as published)."""
    rel = relative(path, root)
    doc = parse_document(text, rel)
    if doc.problems and not doc.checkable:
        return None, doc.problems, _schedule_as_written(text)
    ctx = s.Ctx(doc, rel, path.parent, root / CONTENT_DIR)
    values = s.check_fields(doc.data, POST_FIELDS, (), ctx)
    if doc.problems:
        # The YAML problem already names the field; its value then looks missing: say it once.
        said = {p.field for p in doc.problems}
        ctx.problems[:] = doc.problems + [p for p in ctx.problems if p.field not in said]
    default_slug, name, code = post_identity(path)
    if "slug" not in doc.data and not s.SLUG_RE.match(default_slug):
        suggestion = s.make_slug(default_slug) or "tummy-time"
        what = "folder" if path.name == "index.md" or code else "file"
        ctx.problems.append(Problem(rel, 1, "slug", f"the {what} name {quoted(default_slug)} cannot be a web "
                                    f"address; rename the {what} to '{suggestion}' or add "
                                    f"'slug: {suggestion}'"))
    if values is s.INVALID or ctx.problems:
        return None, ctx.problems, _schedule(doc.data)
    values.setdefault("slug", default_slug)
    written = values.pop("tags", ())
    hero = values.pop("hero", None) or _first_step_image(values["steps"])
    post = Post(path=rel, body=doc.body, body_line=doc.body_line, hero=hero, lines=Lines(doc.lines),
                language=code or "", name=relative(Path(name), root), tags=tuple(dict.fromkeys(t for t, _ in written)),
                tag_labels=tuple(label for _, label in written), **values)
    return post, [], Schedule(post.draft, post.date)


def _schedule(data: dict[str, Any]) -> Schedule:
    """What 'draft:' and 'date:' say, each only if it is what the rules accept."""
    checked = s.date(data.get("date"), ("date",), s.Ctx(Document({}, {}, "", 0), "", Path(), Path()))
    return Schedule(data.get("draft") is True, None if checked is s.INVALID else checked)


# A top-level 'draft:' or 'date:' line as YAML would read it ('draft: true # note'), in a front matter
# whose YAML fails elsewhere: a draft with a quote mistake in its title must not stop the build either.
_DRAFT_LINE = re.compile(r"draft:[ \t]+(?:true|True|TRUE|yes|Yes|YES|on|On|ON)[ \t]*(?:#.*)?")
_DATE_LINE = re.compile(r"date:[ \t]+['\"]?(\d{4}-\d{2}-\d{2})['\"]?[ \t]*(?:#.*)?")


def _schedule_as_written(text: str) -> Schedule | None:
    """The schedule the front matter's own lines say, or None when they say neither a draft nor a date."""
    lines = text.split("\n")
    end = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() == "---"), len(lines))
    draft = any(_DRAFT_LINE.fullmatch(line.rstrip()) for line in lines[1:end])
    dates = [found.group(1) for line in lines[1:end] if (found := _DATE_LINE.fullmatch(line.rstrip()))]
    try:
        date = dt.date.fromisoformat(dates[0]) if len(dates) == 1 else None
    except ValueError:
        date = None
    return Schedule(draft, date) if draft or date else None


def _first_step_image(steps: tuple[Step, ...]) -> ImageRef | None:
    return next((step.image for step in steps if step.image), None)


def _outside_problem(path: Path, root: Path, rel: str) -> Problem | None:
    if not _linked(path, root / CONTENT_DIR) or path.resolve().is_relative_to((root / CONTENT_DIR).resolve()):
        return None
    return Problem(rel, 0, "", f"is a link to {os.path.realpath(path)}, outside the content folder; "
                   "copy the file into content/ instead of linking it")


def _linked(path: Path, folder: Path) -> bool:
    """Whether ``path`` or a folder between it and ``folder`` is a symbolic link (a few lstat calls,
    where resolving the whole path costs one per component: thousands of posts make it add up).
    On the paths' text, not pathlib's: this runs for every post of every build."""
    current, stop = str(path), str(folder)
    while current != stop:
        parent = os.path.dirname(current)
        if parent == current:
            return True  # the file system's root, and not within ``folder``
        if os.path.islink(current):
            return True
        current = parent
    return False


def _not_a_file_problem(path: Path, rel: str) -> Problem | None:
    if os.path.isfile(path):
        return None
    return Problem(rel, 0, "", "is not a regular file (a folder, a device or a pipe); keep only posts "
                   "ending in .md in content/posts/")


_AUTHOR_KEY = s.slug_of("author key")


def load_authors(root: Path) -> tuple[dict[str, Author], list[Problem]]:
    path = root / AUTHORS_FILE
    if not path.is_file():
        return {}, []
    outside = _outside_problem(path, root, AUTHORS_FILE)
    if outside:
        return {}, [outside]
    text, problems = read_text(path, AUTHORS_FILE)
    if text is None:
        return {}, problems
    data, lines, problems = parse_yaml(text, AUTHORS_FILE)
    if problems:
        return {}, problems
    if not isinstance(data, dict):
        return {}, [Problem(AUTHORS_FILE, lines.get((), 1), "", "authors.yaml must map each author's key to "
                            "their fields, like 'jane:' followed by an indented line 'name: Jane Doe'")]
    ctx = s.Ctx(Document(data, lines, "", 0), AUTHORS_FILE, path.parent, root / CONTENT_DIR)
    authors: dict[str, Author] = {}
    for key in sorted(data):
        values = s.record(AUTHOR_FIELDS, "an author")(data[key], (key,), ctx)
        if _AUTHOR_KEY(key, (key,), ctx) is s.INVALID or values is s.INVALID:
            continue
        avatar = values.pop("avatar", None)
        ref = (ImageRef(avatar, str(data[key]["avatar"]), values["name"], AUTHORS_FILE,
                        ctx.line((key, "avatar")), f"{key}.avatar") if avatar else None)
        authors[key] = Author(key=key, avatar=ref, **values)
    return authors, ctx.problems


def language_of(post: Post, config: SiteConfig) -> str | None:
    """The site language a post is written in (its file name's, else the default), or None if its
    file name names a language the site does not have."""
    if not post.language:
        return config.codes[0]
    return next((code for code in config.codes if code.lower() == post.language.lower()), None)


def cross_check(posts: list[Post], authors: dict[str, Author], config: SiteConfig,
                published: Callable[[Post], bool] = lambda post: True) -> list[Problem]:
    """What no single file can know: languages, slug clashes, author keys and tags written two ways.
    A problem of a post that is not ``published`` (a draft, a later date) is a warning: the build
    leaves that post out (issue 22)."""
    shown = [post for post in posts if published(post)]
    held = [post for post in posts if not published(post)]
    taken: dict[tuple[str, str], Post] = {}  # (language, slug): the published posts' first, then the others'
    problems = _clashes(shown, taken, config) + _authors(shown, authors, config)
    problems += _as_warnings(_clashes(held, taken, config) + _authors(
        held, authors, config, default_said=any(not post.author for post in shown)))
    return problems + _tag_labels(posts, config)


def _clashes(posts: list[Post], taken: dict[tuple[str, str], Post], config: SiteConfig) -> list[Problem]:
    """Posts in a language the site lacks, or at an address (or a language's version) already ``taken``
    (which gains the others)."""
    problems: list[Problem] = []
    by_name = {(post.name, language): post for (language, _), post in taken.items()}
    for post in posts:
        language = language_of(post, config)
        if language is None:
            problems.append(Problem(post.path, 0, "", f"its name says it is in {quoted(post.language)}, which is "
                                    f"not a language of this site ({', '.join(config.codes)}); rename the file, or "
                                    "add the language to 'languages:' in site.yaml"))
        elif (language, post.slug) in taken:
            problems.append(_slug_clash(post, taken[(language, post.slug)]))
        elif (post.name, language) in by_name:
            first = by_name[(post.name, language)]
            problems.append(Problem(post.path, 0, "", f"is the same post in the same language as {first.path}; "
                                    "keep one of the two files"))
        else:
            taken[(language, post.slug)] = by_name[(post.name, language)] = post
    return problems


def _authors(posts: list[Post], authors: dict[str, Author], config: SiteConfig,
             default_said: bool = False) -> list[Problem]:
    known = ", ".join(sorted(authors)) or "none yet"
    problems = [Problem(post.path, post.line_of("author"), "author", f"unknown author {quoted(post.author)}; add it "
                        f"to content/authors.yaml (known authors: {known})")
                for post in posts if post.author and post.author not in authors]
    if config.author not in authors and any(not post.author for post in posts) and not default_said:
        # Once, at site.yaml, not once per post. SiteConfig keeps no lines, hence no line number.
        problems.append(Problem("site.yaml", 0, "author", f"the default author {quoted(config.author)} is "
                                f"not in content/authors.yaml (known authors: {known}); add them there or "
                                "change 'author:' in site.yaml"))
    return problems


def _tag_labels(posts: list[Post], config: SiteConfig) -> list[Problem]:
    """A tag written two ways ('Tummy time', 'tummy time') in one language: one topic, shown one way."""
    problems: list[Problem] = []
    first: dict[tuple[str | None, str], tuple[str, Post]] = {}
    for post in posts:
        language = language_of(post, config)
        for number, label in enumerate(post.tag_labels):
            slug = s.make_slug(label)
            seen = first.setdefault((language, slug), (label, post))
            if seen[0] != label:
                where = "above" if seen[1] is post else f"in {seen[1].path}"
                problems.append(Problem(post.path, post.line_of("tags", number), "tags", f"{quoted(label)} and "
                                        f"{quoted(seen[0])} ({where}) are one topic, /tags/{slug}/, shown as "
                                        f"{quoted(seen[0])}; write it the same way everywhere", severity="warning"))
    return problems


def _as_warnings(problems: list[Problem]) -> list[Problem]:
    return [replace(problem, severity="warning") for problem in problems]


def _slug_clash(post: Post, first: Post) -> Problem:
    if ("slug",) in post.lines:
        origin = ""
    else:
        origin = " (made from the folder name)" if post.path.endswith("/index.md") else " (made from the file name)"
    return Problem(post.path, post.line_of("slug"), "slug", f"'{post.slug}'{origin} is already used by "
                   f"{first.path}; two posts cannot share an address: give one of them another 'slug:'")


def is_published(post: Post, today: dt.date, drafts: bool) -> bool:
    return drafts or (not post.draft and post.date <= today)


def assemble(root: Path, config: SiteConfig, posts: list[Post], authors: dict[str, Author],
             today: dt.date, drafts: bool) -> Site:
    """The site in ``config``'s language: its published posts, newest first."""
    shown = [p for p in posts if is_published(p, today, drafts) and language_of(p, config) == config.language]
    labels = tag_labels(shown)  # in the posts' order (their files'), before the newest come first
    shown.sort(key=lambda p: (p.date, p.slug), reverse=True)
    return Site(root=root, config=config, posts=tuple(shown), authors=authors, tags=posts_by_tag(tuple(shown)),
                tag_labels=labels)


def tag_labels(posts: list[Post]) -> dict[str, str]:
    """Each tag's slug -> the words it is shown with: the first post's that writes it."""
    labels: dict[str, str] = {}
    for post in posts:
        for label in post.tag_labels:
            labels.setdefault(s.make_slug(label), label)
    return dict(sorted(labels.items()))


def assemble_guide(root: Path, config: SiteConfig, posts: list[Post], authors: dict[str, Author],
                   today: dt.date, drafts: bool) -> Guide:
    """One site per language, each with its own words (site.yaml's 'languages:') and posts."""
    return Guide(tuple(assemble(root, config.for_language(code), posts, authors, today, drafts)
                       for code in config.codes))


def named_files(post: Post, root: Path) -> list[Path]:
    """What a post's validation looked at besides its text: the files it names, as written (a link
    retargeted shows in its own stat) and where they lead, and its bundle's folder (made a link, it
    shows too). A post parsed before is taken again only while these are as they were."""
    refs = list(post.images) + ([post.video.file] if post.video and post.video.file else [])
    source = root / post.path
    folder = source.parent
    bundle = [folder] if source.name == "index.md" else []
    return [ref.source for ref in refs] + [folder / ref.rel for ref in refs] + bundle
