"""Validation rules as data: each field names a checker that converts or complains.

A checker takes ``(value, path, ctx)`` and returns the converted value, or
``INVALID`` after recording a Problem on ``ctx``. Records refuse unknown keys
with a "did you mean" (Zola's section front matter does; typos in a health
page's ``precautions`` must not vanish silently).
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from ..errors import Problem, quoted
from .frontmatter import Document, KeyPath, format_path

INVALID: Any = object()
Checker = Callable[[Any, KeyPath, "Ctx"], Any]

# Far above any real title, far below what slows the share images down (issue 18: a 2,000-letter
# title took 16 s to fit on them): a title is a name, the rest of what it would say is the summary.
TITLE_MAX = 200

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass
class Ctx:
    """Where we are: the document (for lines), its folder (for images), the problems so far."""

    doc: Document
    rel: str
    folder: Path  # the folder image paths are relative to
    boundary: Path  # images must resolve inside this folder (the site's content/)
    problems: list[Problem] = field(default_factory=list)

    def error(self, path: KeyPath, message: str, reason: str = "") -> Any:
        self.problems.append(Problem(self.rel, self.doc.line_of(path), format_path(path), message,
                                     reason=reason))
        return INVALID

    def line(self, path: KeyPath) -> int:
        return self.doc.line_of(path)


@dataclass(frozen=True)
class Field:
    check: Checker
    required: bool = False
    hint: str = ""  # how to add it, for the "missing" message
    required_with: str = ""  # required whenever this sibling key is given (alt with image)


def describe(value: Any) -> str:
    """What the author wrote, in words: "a list", "text 'two'", "the number 2.5"."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a yes/no value (YAML reads yes, no, true, false, on and off that way)"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"text {quoted(value, 40)}"
    return "a value of another kind"


def text(what: str = "text") -> Checker:
    def check(value: Any, path: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, bool):
            return ctx.error(path, f"expected {what}, got {describe(value)}; if you meant the word, "
                             "put it in double quotes")
        if not isinstance(value, (str, int, float)):
            after = "'- '" if path and isinstance(path[-1], int) else "':'"
            return ctx.error(path, f"expected {what}, got {describe(value)}; write it on the same line "
                             f"after the {after} (quote it if it contains ': ' or starts with a symbol)")
        value = str(value).strip()
        if not value:
            return ctx.error(path, f"is empty; write {what} after the ':'")
        return value
    return check


def short_text(what: str, most: int, why: str) -> Checker:
    """Text of at most ``most`` characters; ``why`` says what the value is for and how to shorten it."""
    check_text = text(what)

    def check(value: Any, path: KeyPath, ctx: Ctx) -> Any:
        checked = check_text(value, path, ctx)
        if checked is not INVALID and len(checked) > most:
            return ctx.error(path, f"is {len(checked):,} characters long, more than the {most} {why}")
        return checked
    return check


def whole_number(minimum: int = 0, maximum: int = 10_000) -> Checker:
    def check(value: Any, path: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return ctx.error(path, f"expected a whole number such as 3, got {describe(value)}")
        if not minimum <= value <= maximum:
            return ctx.error(path, f"{value} is out of range; use a whole number from {minimum} to {maximum}")
        return value
    return check


def boolean(value: Any, path: KeyPath, ctx: Ctx) -> Any:
    if not isinstance(value, bool):
        return ctx.error(path, f"expected true or false, got {describe(value)}")
    return value


def date(value: Any, path: KeyPath, ctx: Ctx) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return ctx.error(path, f"{quoted(value.strip())} is not a real date; write it as YYYY-MM-DD, "
                             "for example 2026-03-14")
    return ctx.error(path, f"expected a date written as YYYY-MM-DD (for example 2026-03-14), "
                     f"got {describe(value)}")


def slug_of(what: str) -> Checker:
    """A name that becomes part of a web address: lowercase letters, digits, single hyphens."""
    def check(value: Any, path: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            value = str(value)  # 'slug: 2024' is a fine address
        if not isinstance(value, str):
            return ctx.error(path, f"expected {what}, got {describe(value)}; use lowercase letters, digits "
                             "and single hyphens, for example 'tummy-time'")
        if not SLUG_RE.match(value):
            example = make_slug(value) or "tummy-time"
            return ctx.error(path, f"{quoted(value)} is not a valid {what}; use lowercase letters, digits "
                             f"and single hyphens (no spaces, '/' or '.'), for example '{example}'")
        return value
    return check


slug = slug_of("slug")


def url(value: Any, path: KeyPath, ctx: Ctx) -> Any:
    checked = text("a web address")(value, path, ctx)
    if checked is INVALID:
        return INVALID
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", checked, re.IGNORECASE):
        return ctx.error(path, f"{quoted(checked)} is not a web address; write it in full, starting with "
                         "https://")
    return checked


# A video's id (11 characters), and every address YouTube gives one: the browser's (watch?v=), the
# Share button's (youtu.be/), Shorts, embedded players (embed/, youtube-nocookie.com), the phone site
# (m.) and YouTube Music (music.), with a start time in any of the forms YouTube writes (issue 22).
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_HOSTS = frozenset({"youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com", "youtu.be"})
_YOUTUBE_PATH = re.compile(r"/(?:embed|shorts|live|v|e)/([A-Za-z0-9_-]{11})/?")
_START = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?")
_IFRAME_SRC = re.compile(r"""\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
NOT_YOUTUBE = ("is not a YouTube video; give its address as YouTube shows it (https://www.youtube.com/watch?v="
               "dQw4w9WgXcQ, https://youtu.be/dQw4w9WgXcQ from Share, https://www.youtube.com/shorts/dQw4w9WgXcQ) or "
               "its 11-character id (dQw4w9WgXcQ); a start time such as &t=30s is kept")


def youtube_video(written: str) -> tuple[str, int] | str:
    """(the video's id, its start in seconds) from an id or any YouTube address, or why it is none."""
    text = written.strip()
    if YOUTUBE_ID.fullmatch(text):
        return text, 0
    if text.startswith("<"):  # the embed code YouTube's Share > Embed gives: its player's address
        found = _IFRAME_SRC.search(text)
        text = html.unescape(found[1]) if found else text
    try:
        parts = urlsplit(text if "//" in text else "https://" + text)
        host = (parts.hostname or "").lower().removeprefix("www.") if parts.scheme in ("http", "https", "") else ""
    except ValueError:  # '[' without its ']' (an IPv6 address): no YouTube address either
        return NOT_YOUTUBE
    if host not in _YOUTUBE_HOSTS:
        return NOT_YOUTUBE
    query = parse_qs(parts.query)
    if host == "youtu.be":
        found = re.fullmatch(r"/([A-Za-z0-9_-]{11})/?", parts.path)
    elif parts.path.rstrip("/") == "/watch":
        found = re.fullmatch(r"([A-Za-z0-9_-]{11})", query.get("v", [""])[0])
    else:
        found = _YOUTUBE_PATH.fullmatch(parts.path)
    if not found:
        return ("is a YouTube address without a video's 11-character id (a playlist, a channel, or cut short?); "
                "open the video and copy its address, such as https://youtu.be/dQw4w9WgXcQ")
    written_start = (query.get("t") or query.get("start") or parse_qs(parts.fragment).get("t") or ["0"])[0]
    start = _START.fullmatch(written_start)
    if not written_start or not start:
        return (f"has a start time YouTube cannot read ('{written_start}'); write it in seconds, or minutes and "
                "seconds, such as t=65 or t=1m5s")
    hours, minutes, seconds = (int(part or 0) for part in start.groups())
    return found[1], hours * 3600 + minutes * 60 + seconds


def youtube(value: Any, path: KeyPath, ctx: Ctx) -> Any:
    """A YouTube video: (its id, where it starts in seconds)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ctx.error(path, f"expected a YouTube video's address, got {describe(value)}; write it on the same "
                         "line after 'youtube:', such as youtube: https://youtu.be/dQw4w9WgXcQ")
    found = youtube_video(str(value))
    return ctx.error(path, f"{quoted(value, 80)} {found}") if isinstance(found, str) else found


def tag_label(written: str) -> str:
    """The words a tag is shown with: as written ("Tummy time"), or a slug's words ("tummy-time")."""
    words = " ".join(written.split())
    return words.replace("-", " ") if SLUG_RE.match(words) else words


def tags(value: Any, path: KeyPath, ctx: Ctx) -> Any:
    """Topics as the author writes them: a list, or words separated by commas ('play, rolling'); each
    becomes (its slug, its label): 'Parálisis cerebral' -> ('paralisis-cerebral', 'Parálisis cerebral')."""
    if isinstance(value, str):
        items: list[tuple[Any, KeyPath]] = [(part, path) for part in value.split(",") if part.strip()]
    elif isinstance(value, list):
        items = [(item, path + (i,)) for i, item in enumerate(value)]
    else:
        return ctx.error(path, f"expected a list of tags, got {describe(value)}; write them as tags: [Tummy time, "
                         "Play], or one per line starting with '- '")
    found = [_tag(item, where, ctx) for item, where in items]
    return INVALID if any(tag is INVALID for tag in found) else tuple(found)


def _tag(value: Any, path: KeyPath, ctx: Ctx) -> Any:
    label = text("a tag")(value, path, ctx)
    if label is INVALID:
        return INVALID
    slug = make_slug(label)
    if not slug:
        return ctx.error(path, f"{quoted(label)} has no letter or digit a web address can use; write the tag with "
                         "letters a to z or digits, for example 'Tummy time'")
    return slug, tag_label(label)


def list_of(item: Checker, what: str, min_items: int = 0) -> Checker:
    def check(value: Any, path: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, str) and min_items <= 1:
            value = [value]  # one item written without "- " is what the author meant
        if not isinstance(value, list):
            return ctx.error(path, f"expected a list of {what}, got {describe(value)}; put each item on "
                             "its own line, starting with '- '")
        if len(value) < min_items:
            return ctx.error(path, f"is empty; add {what} below it, each on its own line starting with '- '"
                             if not value else f"needs at least {min_items} {what}; add them as lines "
                             "starting with '- '")
        items = [item(v, path + (i,), ctx) for i, v in enumerate(value)]
        return INVALID if any(v is INVALID for v in items) else tuple(items)
    return check


def record(fields: dict[str, Field], what: str, build: Callable[..., Any] | None = None) -> Checker:
    """A group of fields; unknown keys and missing required ones are problems."""
    def check(value: Any, path: KeyPath, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            return ctx.error(path, f"expected {what} (indented 'key: value' lines below it), "
                             f"got {describe(value)}")
        values = check_fields(value, fields, path, ctx)
        if values is INVALID:
            return INVALID
        return build(path=path, ctx=ctx, **values) if build else values
    return check


def check_fields(value: dict[str, Any], fields: dict[str, Field], path: KeyPath, ctx: Ctx) -> Any:
    ok = True
    meant: set[str] = set()  # 'benifits' already says "did you mean 'benefits'?": no "missing" too
    for key in sorted(set(value) - set(fields), key=lambda k: ctx.line(path + (k,))):
        ctx.error(path + (key,), unknown_key_message(key, fields))
        meant.update(difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6))
        ok = False
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in value or value[name] is None:
            if spec.required or (spec.required_with and value.get(spec.required_with) is not None):
                if name not in meant:
                    _missing(value, name, spec, path, ctx)
                ok = False
            continue
        converted = spec.check(value[name], path + (name,), ctx)
        if converted is INVALID:
            ok = False
        else:
            values[name] = converted
    return values if ok else INVALID


def _missing(value: dict[str, Any], name: str, spec: Field, path: KeyPath, ctx: Ctx) -> None:
    """'missing' at the key that needs it (alt at its image); 'is empty' when the key is there."""
    state = "is empty" if name in value else "missing"
    message = f"{state}; {spec.hint}" if spec.hint else state
    if name not in value and spec.required_with:
        line = ctx.line(path + (spec.required_with,))
        ctx.problems.append(Problem(ctx.rel, line, format_path(path + (name,)), message))
    else:
        ctx.error(path + (name,), message)


def unknown_key_message(key: str, fields: dict[str, Any]) -> str:
    close = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
    if close:
        return f"unknown field {quoted(key)}; did you mean '{close[0]}'?"
    return f"unknown field {quoted(key)}; the fields allowed here are: {', '.join(sorted(fields))}"


def relative_file(value: Any, path: KeyPath, ctx: Ctx, what: str = "an image") -> Any:
    """A path relative to the file that names it, which must exist inside the content folder."""
    checked = text(f"the path of {what}")(value, path, ctx)
    if checked is INVALID:
        return INVALID
    if _SCHEME_RE.match(checked) or checked.startswith("//"):
        return ctx.error(path, f"{quoted(checked)} is a web address; {what} must be a file in the post's "
                         "folder (download it and give its path, such as images/step-1.jpg)")
    if checked.startswith("/") or checked.startswith("\\"):
        return ctx.error(path, f"{quoted(checked)} is an absolute path; give the path relative to the post's "
                         "folder, such as images/step-1.jpg")
    try:
        source = (ctx.folder / checked).resolve()
        inside = source.is_relative_to(ctx.boundary.resolve())
        kind = "file" if source.is_file() else "folder" if source.is_dir() else ""
    except (OSError, ValueError) as exc:  # a NUL byte, a name longer than the system allows
        return ctx.error(path, f"{quoted(checked)} cannot be a file name; give a path such as "
                         "images/step-1.jpg", reason=str(exc))
    if not inside and _lexically_inside(ctx.folder / checked, ctx.boundary):
        return ctx.error(path, f"{quoted(checked)} is a link to {source}, outside the content folder; copy "
                         "the file into the post's folder instead of linking it")
    if not inside:
        return ctx.error(path, f"{quoted(checked)} points outside the content folder; keep {what} in the "
                         "post's folder and give a path such as images/step-1.jpg")
    if kind == "folder":
        return ctx.error(path, f"{quoted(checked)} is a folder; give the path of the file inside it, "
                         "such as images/step-1.jpg")
    if not kind:
        return ctx.error(path, f"{quoted(checked)} not found (looked for {_display(source, ctx)}); check the "
                         "spelling (capital letters count) and that the file is there")
    return source


def _lexically_inside(path: Path, boundary: Path) -> bool:
    """Inside ``boundary`` by its written path, before links are followed."""
    return Path(os.path.normpath(path.absolute())).is_relative_to(os.path.normpath(boundary.absolute()))


def _display(source: Path, ctx: Ctx) -> str:
    try:
        return source.relative_to(ctx.boundary.resolve().parent).as_posix()
    except ValueError:
        return source.name


@lru_cache(maxsize=4096)  # a site's thousands of tags are a few dozen labels, slugged on every build
def make_slug(title: str) -> str:
    """'Back-lying position (0–6 m)!' -> 'back-lying-position-0-6-m'."""
    import unicodedata

    # Accents go ('è' -> 'e'); any other character separates words, as the dash in '0–6' does.
    plain = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:80].strip("-")
