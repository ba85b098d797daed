"""Validation rules as data: each field names a checker that converts or complains.

A checker takes ``(value, path, ctx)`` and returns the converted value, or
``INVALID`` after recording a Problem on ``ctx``. Records refuse unknown keys
with a "did you mean" (Zola's section front matter does; typos in a health
page's ``precautions`` must not vanish silently).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import Problem
from .frontmatter import Document, KeyPath, format_path

INVALID: Any = object()
Checker = Callable[[Any, KeyPath, "Ctx"], Any]

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


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (yes/no)"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    if isinstance(value, (int, float)):
        return "a number"
    return "text"


def text(what: str = "text") -> Checker:
    def check(value: Any, path: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return ctx.error(path, f"expected {what}, got {describe(value)}; write it on the same line "
                             "after the ':' (quote it if it contains ': ' or starts with a symbol)")
        value = str(value).strip()
        if not value:
            return ctx.error(path, f"is empty; write {what} after the ':'")
        return value
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
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    return ctx.error(path, f"expected a date written as YYYY-MM-DD (for example 2026-03-14), "
                     f"got {describe(value)} '{value}'")


def slug(value: Any, path: KeyPath, ctx: Ctx) -> Any:
    if not isinstance(value, str) or not SLUG_RE.match(value):
        return ctx.error(path, f"'{value}' is not a valid slug; use lowercase letters, digits and single "
                         f"hyphens, for example '{make_slug(str(value)) or 'tummy-time'}'")
    return value


def url(value: Any, path: KeyPath, ctx: Ctx) -> Any:
    checked = text("a web address")(value, path, ctx)
    if checked is INVALID:
        return INVALID
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", checked, re.IGNORECASE):
        return ctx.error(path, f"'{checked}' is not a web address; write it in full, starting with https://")
    return checked


def youtube_id(value: Any, path: KeyPath, ctx: Ctx) -> Any:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{11}", value):
        return ctx.error(path, f"'{value}' is not a YouTube video id; use the 11 characters after "
                         "'watch?v=' in the video's address, for example dQw4w9WgXcQ")
    return value


def list_of(item: Checker, what: str, min_items: int = 0) -> Checker:
    def check(value: Any, path: KeyPath, ctx: Ctx) -> Any:
        if isinstance(value, str) and min_items <= 1:
            value = [value]  # one item written without "- " is what the author meant
        if not isinstance(value, list):
            return ctx.error(path, f"expected a list of {what}, got {describe(value)}; put each item on "
                             "its own line, starting with '- '")
        if len(value) < min_items:
            return ctx.error(path, f"needs at least {min_items} {what}; add them as lines starting with '- '")
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
    for key in sorted(set(value) - set(fields), key=lambda k: ctx.line(path + (k,))):
        ctx.error(path + (key,), unknown_key_message(key, fields))
        ok = False
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in value or value[name] is None:
            if spec.required:
                ctx.error(path + (name,), f"missing; {spec.hint}" if spec.hint else "missing")
                ok = False
            continue
        converted = spec.check(value[name], path + (name,), ctx)
        if converted is INVALID:
            ok = False
        else:
            values[name] = converted
    return values if ok else INVALID


def unknown_key_message(key: str, fields: dict[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
    if close:
        return f"unknown field '{key}'; did you mean '{close[0]}'?"
    return f"unknown field '{key}'; the fields allowed here are: {', '.join(sorted(fields))}"


def relative_file(value: Any, path: KeyPath, ctx: Ctx, what: str = "an image") -> Any:
    """A path relative to the file that names it, which must exist inside the content folder."""
    checked = text(f"the path of {what}")(value, path, ctx)
    if checked is INVALID:
        return INVALID
    if _SCHEME_RE.match(checked) or checked.startswith("//"):
        return ctx.error(path, f"'{checked}' is a web address; {what} must be a file in the post's "
                         "folder (download it and give its path, such as images/step-1.jpg)")
    if checked.startswith("/") or checked.startswith("\\"):
        return ctx.error(path, f"'{checked}' is an absolute path; give the path relative to the post's "
                         "folder, such as images/step-1.jpg")
    source = (ctx.folder / checked).resolve()
    if not source.is_relative_to(ctx.boundary.resolve()):
        return ctx.error(path, f"'{checked}' points outside the content folder; keep {what} in the "
                         "post's folder and give a path such as images/step-1.jpg")
    if not source.is_file():
        return ctx.error(path, f"'{checked}' not found (looked for {_display(source, ctx)}); check the "
                         "spelling and that the file is in the post's folder")
    return source


def _display(source: Path, ctx: Ctx) -> str:
    try:
        return source.relative_to(ctx.boundary.resolve().parent).as_posix()
    except ValueError:
        return source.name


def make_slug(title: str) -> str:
    """'Back-lying position (0–6 m)!' -> 'back-lying-position-0-6-m'."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")
