"""Read a post file and split it into YAML front matter and a Markdown body.

The YAML is parsed to nodes first (``yaml.compose``) so every value keeps the
line it came from; lines are made relative to the whole file, not to the YAML
block, so messages point where the author's editor does.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, quoted

try:  # libyaml is ten times faster; fall back quietly where it is missing.
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Base = yaml.SafeLoader


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader, with each plain scalar's tag remembered by its text: libyaml calls back into
    Python to resolve every scalar, and posts repeat their keys ('image:', 'alt:', 'text:') and
    values ('true', ages) thousands of times. The safe loader resolves by the text alone: it has no
    path resolvers (which would make the tag depend on where the scalar is)."""

    _tags: dict[tuple[str, bool, bool], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode or len(value) > 64:
            return super().resolve(kind, value, implicit)
        key = (value, *implicit)
        tag = self._tags.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(self._tags) < 10_000:  # bounded: a site's distinct short values are far fewer
                self._tags[key] = tag
        return tag


assert not _Loader.yaml_path_resolvers  # see _Loader
_STR = "tag:yaml.org,2002:str"

# A post is a page of text and a list of steps; 1 MB is far beyond any real
# post and keeps a runaway file (issue 8: a 50 MB file) from filling memory.
MAX_FILE_BYTES = 1_000_000
# Real front matter is four levels deep at most; a deeper one is a mistake or an attack, and
# walking it would run out of Python's recursion limit long before libyaml's own (1000).
MAX_DEPTH = 20

KeyPath = tuple[str | int, ...]
_FENCE = re.compile(r"^---[ \t]*$")
_END = re.compile(r"^(---|\.\.\.)[ \t]*$")
# Control characters other than tab and line ends: invisible in an editor, and a NUL reached the
# pages (issue 18). Found on the bytes (C0 controls are never inside a UTF-8 sequence): deleting
# every other byte leaves only them, one pass in C, ~5 us a post where a regex took ~20.
_NOT_CONTROL = bytes(b for b in range(256) if b >= 0x20 or b in b"\t\n\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_NAMES = {0x00: "NUL", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed", 0x1B: "escape"}
# JSON writes a character beyond U+FFFF as two \u escapes (a surrogate pair); YAML refuses them.
_SURROGATE_ESCAPE = re.compile(r"\\u(d[89a-f][0-9a-f]{2})(?:\\u(d[c-f][0-9a-f]{2}))?", re.IGNORECASE)
_SURROGATE = re.compile("[\ud800-\udfff]+")
_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")


@dataclass
class Document:
    """Front matter as plain data plus, for every key path, its line in the file."""

    data: dict[str, Any]
    lines: dict[KeyPath, int]
    body: str
    body_line: int
    problems: list[Problem] = field(default_factory=list)
    # True when every problem is about one value (a date that does not exist, a key given twice):
    # the other fields can still be checked, so the author sees all their mistakes in one run.
    checkable: bool = False

    def line_of(self, path: KeyPath) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def read_text(path: Path, rel: str, limit: int = MAX_FILE_BYTES) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 file (a byte-order mark is accepted), refusing huge or mis-encoded ones."""
    try:
        with path.open("rb") as fh:
            # Asked for the file's size (plus one, to notice a file that grew), not the limit: a
            # read of limit + 1 bytes allocated a megabyte for every five-kilobyte post.
            size = min(os.fstat(fh.fileno()).st_size, limit)
            raw = fh.read(size + 1)
            if len(raw) > size:  # it grew since: the rest, as far as the limit
                raw += fh.read(limit - size)
    except OSError as exc:
        return None, [Problem(rel, 0, "", "cannot be read; check that the file exists and is readable",
                              reason=exc.strerror or str(exc))]
    if len(raw) > limit:
        size = path.stat().st_size
        return None, [Problem(rel, 0, "", f"the file is {size / 1e6:.1f} MB, more than the "
                              f"{limit / 1e6:g} MB a text file here may have; split it into shorter posts, "
                              "and keep pictures and videos as separate files")]
    return decode_utf8(raw, rel)


def decode_utf8(raw: bytes, rel: str) -> tuple[str | None, list[Problem]]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
        return None, [Problem(rel, line, "", f"the file is not UTF-8 (byte 0x{byte:02X} here); "
                              "save it as UTF-8 in your editor (\"Save with encoding\" > UTF-8)")]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if raw.translate(None, _NOT_CONTROL):
        return None, [_control_problem(text, rel)]
    return text, []


def _control_problem(text: str, rel: str) -> Problem:
    """The first control character's line and place, named: the author cannot see it."""
    found = list(_CONTROL.finditer(text))
    start = found[0].start()
    code = ord(text[start])
    line_start = text.rfind("\n", 0, start) + 1
    more = f" (and {len(found) - 1:,} more in the file)" if len(found) > 1 else ""
    name = f", {_CONTROL_NAMES[code]}" if code in _CONTROL_NAMES else ""
    return Problem(rel, text.count("\n", 0, start) + 1, "", f"an invisible control character (0x{code:02X}{name}) "
                   f"is at character {start - line_start + 1} of this line{more}; delete it (it usually comes with "
                   "text pasted from a PDF or another program: retype the words around it)")


def split_front_matter(text: str, rel: str) -> tuple[str, str, int] | Problem:
    """Return (yaml_text, body, body_line) or the problem that stops it."""
    if not text.strip():
        return Problem(rel, 1, "", "the file is empty; a post starts with its fields between two '---' "
                       "lines (run `backlying-site new \"Title\"` for a filled-in example)")
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        return Problem(rel, 1, "", "the file must start with a line of three dashes '---', then the "
                       "post's fields (title, date, steps...), then another '---' line")
    for index in range(1, len(lines)):
        if _END.match(lines[index]):
            body = "\n".join(lines[index + 1:])
            return "\n".join(lines[1:index]), body, index + 2
    return Problem(rel, 1, "", "the front matter opened with '---' on line 1 is never closed; add a "
                   "line of three dashes '---' after the last field")


def parse_document(text: str, rel: str) -> Document:
    """Split and parse a post file; problems are collected on the Document."""
    split = split_front_matter(text, rel)
    if isinstance(split, Problem):
        return Document({}, {}, "", 1, [split])
    yaml_text, body, body_line = split
    data, lines, problems, checkable = _parse_yaml(yaml_text, rel, first_line=2)
    if not problems and not isinstance(data, dict):
        problems.append(Problem(rel, lines.get((), 2), "", "the fields must be 'key: value' lines (like "
                                "'title: Tummy time'), not a list or a single value"))
        checkable = False
    return Document(data if isinstance(data, dict) else {}, lines, body, body_line, problems, checkable)


def parse_yaml(text: str, rel: str, first_line: int = 1) -> tuple[Any, dict[KeyPath, int], list[Problem]]:
    """Parse YAML keeping each key's line; ``first_line`` is the file line of the text's first line.

    The data may be any YAML value (the caller decides whether a list or a single value is wrong
    and says so in its own words); an empty text is an empty mapping.
    """
    data, lines, problems, _ = _parse_yaml(text, rel, first_line)
    return data, lines, problems


def _parse_yaml(text: str, rel: str, first_line: int) -> tuple[Any, dict[KeyPath, int], list[Problem], bool]:
    """parse_yaml, and whether the problems leave the rest of the data worth checking."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return None, {}, [_yaml_problem(exc, text, rel, first_line)], False
    except yaml.YAMLError as exc:
        problem = Problem(rel, first_line, "", "the fields are not valid YAML", reason=str(exc))
        return None, {}, [problem], False
    except RecursionError:  # only the pure-Python parser recurses; libyaml stops at 1000 levels
        return None, {}, [Problem(rel, first_line, "", f"the fields are nested more than {MAX_DEPTH} "
                                  "levels deep; check the indentation")], False
    finally:
        loader.dispose()
    if node is None:
        return {}, {(): first_line}, [], True
    walker = _Walker(loader, rel, first_line)
    data = walker.convert(node, (), node.start_mark.line + first_line)
    return data, walker.lines, walker.problems, not walker.structural


class _Walker:
    """Turn a node tree into Python values, recording lines and refusing YAML's traps."""

    def __init__(self, loader: Any, rel: str, first_line: int) -> None:
        self.loader, self.rel, self.first_line = loader, rel, first_line
        self.lines: dict[KeyPath, int] = {}
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.alias_reported = False
        self.structural = False  # a problem that makes the data as a whole untrustworthy

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + self.first_line

    def problem(self, line: int, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.rel, line, format_path(path), message))

    def convert(self, node: yaml.Node, path: KeyPath, line: int) -> Any:
        self.lines[path] = line
        if id(node) in self.seen:
            # An alias: refusing it also defuses "billion laughs" bombs. One line is enough: a bomb
            # repeats its aliases thousands of times (issue 8: "one clear line").
            if not self.alias_reported:
                self.alias_reported = self.structural = True
                self.problem(line, path, "anchors and aliases ('&name', '*name') are not allowed; "
                             "write the value out in full")
            return None
        self.seen.add(id(node))
        if len(path) > MAX_DEPTH:
            self.structural = True
            self.problem(line, path[:1], f"nested more than {MAX_DEPTH} levels deep; no field of a post "
                         "needs that many levels, check the indentation")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            # An alias item's own mark is its anchor's; the list's line is the nearest honest one.
            return [self.convert(item, path + (i,), line if id(item) in self.seen else self.line(item))
                    for i, item in enumerate(node.value)]
        return self.scalar(node, path, line)

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = self.line(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.structural = True
                self.problem(line, path, "a key must be a plain word followed by ':'")
                continue
            key = str(key_node.value)
            if key in result:
                self.problem(line, path + (key,), f"{quoted(key)} is given twice; keep one of them")
                continue
            result[key] = self.convert(value_node, path + (key,), line)
        return result

    def scalar(self, node: yaml.Node, path: KeyPath, line: int) -> Any:
        if node.tag == _STR:  # most values: the text itself (what SafeConstructor would return)
            if node.value.isascii() or not _SURROGATE.search(node.value):
                return node.value
            # Only PyYAML's pure-Python parser lets a surrogate escape through (libyaml refuses it).
            written = "".join(f"\\u{ord(half):04x}" for half in _SURROGATE.search(node.value)[0][:2])
            self.problem(line, path, surrogate_message(_SURROGATE_ESCAPE.match(written)))
            return None
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            if node.tag.endswith(":timestamp"):
                self.problem(line, path, f"{quoted(node.value)} is not a real date; write it as YYYY-MM-DD, "
                             "for example 2026-03-14")
            else:
                self.problems.append(Problem(self.rel, line, format_path(path),
                                             f"{quoted(node.value)} cannot be read", reason=str(exc)))
            return None


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, rel: str, first_line: int) -> Problem:
    """PyYAML's error as the author's mistake, at its line, with the line written right. Quote marks
    come first: an apostrophe ("baby's") in a quoted value is the commonest mistake in posts about
    babies, and PyYAML reports it as a missing key, lines later when a quote is never closed (issue 22)."""
    mark = exc.problem_mark or exc.context_mark
    row, column = (mark.line, mark.column) if mark else (0, 0)
    lines = text.split("\n")
    source = lines[row] if row < len(lines) else ""
    problem, context = exc.problem or "", exc.context or ""
    reason = f"{context + ', ' if context else ''}{problem}"
    quote = quote_mistake(lines, row)
    if quote is not None:  # (PyYAML's words, "did not find expected key", would only mislead here)
        return Problem(rel, quote[0] + first_line, "", quote[1])
    if "\t" in source[:len(source) - len(source.lstrip())] or "tab" in problem:
        message = ("a tab character is used for indentation here; YAML needs spaces: write the line as "
                   f"{_shown_line(_without_tabs(lines, row))}")
    elif "invalid Unicode" in problem:
        message = _escape_message(source, column)
    elif "quoted scalar" in context and exc.context_mark is not None:
        row = exc.context_mark.line
        message = ("the quote mark that starts this value is never closed; end the value with the same "
                   "quote mark (\" or ')")
    elif "mapping values are not allowed" in problem and ":" not in source[:column]:
        message = ("this line is read as a new field but is indented differently from the field above; "
                   "line it up with the fields around it, or, if it continues the text above, put that "
                   "whole text in double quotes")
    elif "mapping values are not allowed" in problem:
        message = _colon_message(source)
    elif "expected <block end>" in problem or "did not find expected" in problem:
        message = "the indentation is off here; line up this field with the ones around it, using spaces"
    else:  # only here is PyYAML's own wording any help: a second line says it
        return Problem(rel, row + first_line, "", "the fields are not valid YAML here; check the indentation and "
                       "quotes on this line", reason=reason)
    return Problem(rel, row + first_line, "", message)


# A line of front matter: its indentation, list dashes and key ("  - text: "), then its value.
_LINE = re.compile(r"^(?P<head> *(?:- +)*(?:[^\s:#'\"\[\]{},][^:#]*?: +)?)(?P<value>.*)$")
_COMMENT = re.compile(r"\s+#[^'\"]*$")
_BLOCK = re.compile(r"^[|>][-+0-9]*\s*(?:#.*)?$")
_ITEM_END = re.compile(r"[,\]]")
_FIELD_START = re.compile(r"^\s*(?:- |[^\s:#'\"][^:#]*:(?: |$))")


def quote_mistake(lines: list[str], last: int) -> tuple[int, str] | None:
    """The first line up to ``last`` whose quoted value (or flow list item) is never closed, or goes
    on after its closing quote mark: (its index, what to do, with the line written right)."""
    block = -1  # the indentation of the field whose value is a block ('|' or '>'), while in it
    for row, line in enumerate(lines[:last + 1]):
        indent = len(line) - len(line.lstrip(" "))
        if block >= 0 and (indent > block or not line.strip()):
            continue  # a line of text in a block: anything goes
        head, value = _LINE.match(line).group("head", "value")  # type: ignore[union-attr]
        block = indent if _BLOCK.match(value) else -1
        items = _flow_items(value) if value.startswith("[") else [(0, value)] if value.startswith(("'", '"')) else []
        for start, item in items:
            found = _quote_problem(item, _continues(lines, row))
            if found is not None:
                fixed = f"{head}{value[:start]}{found[1]}{value[start + len(item):]}"
                return row, f"{found[0]}: write the line as {_shown_line(fixed)}"
    return None


def _quote_problem(item: str, continued: bool) -> tuple[str, str] | None:
    """What is wrong with a value that starts with a quote mark, and the value written right; None
    when it is right, or may be continued on the next line (a long text in quotes)."""
    mark, comment = item[0], ""
    end = _closing_quote(item)
    if end is None:
        if continued:
            return None
        return (f"the quote mark ({mark}) that starts this value is never closed; end the value with the same "
                "quote mark", item.rstrip() + mark)
    rest = item[end + 1:]
    found = _COMMENT.search(rest)
    if found:
        rest, comment = rest[:found.start()], found.group()
    if not rest.strip():
        return None
    whole = (item[:end + 1] + rest).rstrip()
    if mark == "'" and rest[:1].isalnum():  # "baby's": the apostrophe closes the quote mark
        before = item[1:end].split()
        word = (before[-1] if before else "") + "'" + re.match(r"\w*", rest)[0]  # type: ignore[index]
        inner = whole[1:-1] if whole.endswith("'") else whole[1:]
        fix = "inside single quote marks, write each apostrophe twice ('')" if '"' in inner else \
            "put the value in double quote marks instead"
        return (f"the apostrophe in {word} closes the quote mark (') the value starts with; {fix}",
                _requoted(f'"{inner}"') + comment)
    return (f"the value goes on after the quoted {item[:end + 1]}; to keep those quote marks in the text, put "
            "the whole value in the other kind", _requoted(whole) + comment)


def _closing_quote(item: str) -> int | None:
    """Where the quoted text that ``item`` starts ends (YAML's rules: '' in single quotes, \\" in double)."""
    mark, at = item[0], 1
    while at < len(item):
        if mark == '"' and item[at] == "\\":
            at += 2
            continue
        if item[at] == mark:
            if mark == "'" and item[at + 1:at + 2] == "'":
                at += 2
                continue
            return at
        at += 1
    return None


def _requoted(whole: str) -> str:
    """``whole`` (a value as written, quote marks and all) in the quote marks that keep its text."""
    mark = whole[0]
    inner = whole[1:-1] if mark in "'\"" and len(whole) > 1 and whole[-1] == mark else whole
    if mark == "'" and inner is not whole:
        inner = inner.replace("''", "'")
    if '"' not in inner and "\\" not in inner:
        return f'"{inner}"'
    return "'" + inner.replace("'", "''") + "'"


def _flow_items(value: str) -> list[tuple[int, str]]:
    """The items of a list written on one line ('[a, 'b c', d]') that start with a quote mark: each
    with where it starts, as far as the next ',' or ']' after its closing quote."""
    items, at = [], 1
    while at < len(value):
        while at < len(value) and value[at] == " ":
            at += 1
        if at < len(value) and value[at] in "'\"":
            end = _closing_quote(value[at:])
            stop = len(value) if end is None else at + end + 1
            while stop < len(value) and value[stop] not in ",]":
                stop += 1
            items.append((at, value[at:stop].rstrip() if end is not None else value[at:].rstrip().rstrip("]")))
            at = stop + 1
        else:
            found = _ITEM_END.search(value, at)
            at = found.end() if found else len(value)
    return items


def _continues(lines: list[str], row: int) -> bool:
    """Whether the line after ``row`` may continue a quoted text begun there: it is not a new field."""
    following = next((line for line in lines[row + 1:] if line.strip()), None)
    return following is not None and not _FIELD_START.match(following)


def _colon_message(source: str) -> str:
    """A ': ' in a plain value, with the line written right."""
    head, value = _LINE.match(source).group("head", "value")  # type: ignore[union-attr]
    found = _COMMENT.search(value)
    comment = found.group() if found else ""
    value = value[:found.start()] if found else value
    fixed = head + _requoted(value.rstrip()) + comment
    return ("a ': ' inside a value not in quote marks starts a new field; put the whole value in quote marks: "
            f"write the line as {_shown_line(fixed)}")


def _without_tabs(lines: list[str], row: int) -> str:
    """The line with its indentation in spaces: two more than the field it is under, else the same."""
    line = lines[row]
    above = next((before for before in reversed(lines[:row]) if before.strip()), "")
    indent = len(above) - len(above.lstrip(" \t"))
    if above.rstrip().endswith(":"):
        indent += 2
    return " " * indent + line.lstrip(" \t")


def _shown_line(line: str) -> str:
    """A line of YAML inside a message, between backticks (its indentation shows inside them)."""
    return f"`{line}`"


def _escape_message(source: str, column: int) -> str:
    """What is wrong with the character escape libyaml refused; ``column`` is just after its '\\u'."""
    surrogate = _SURROGATE_ESCAPE.match(source, max(0, column - 2))
    if surrogate:
        return surrogate_message(surrogate)
    escape = _ESCAPE.match(source, max(0, column - 2))
    written = f"'{escape[0]}' is" if escape else "this '\\' escape is"
    return f"{written} not a character (the last one is \\U0010FFFF); write the character itself"


def surrogate_message(escape: re.Match[str]) -> str:
    """What a JSON-style surrogate escape (one match of _SURROGATE_ESCAPE) is, and how YAML writes it."""
    high, low = int(escape[1], 16), int(escape[2], 16) if escape[2] else None
    if low is not None and high < 0xDC00:
        char = chr(0x10000 + (high - 0xD800) * 0x400 + low - 0xDC00)
        return (f"'{escape[0]}' is one character, {char}, written in two halves as JSON writes it (a surrogate "
                f"pair), which YAML cannot read; write the character itself, or \\U{ord(char):08X} inside "
                "double quotes")
    return (f"'{escape[0]}' is half of a character written as JSON writes it (a surrogate), which YAML cannot "
            "read; write the character itself, or its code as \\U and 8 digits inside double quotes (\\U0001F476 "
            "is 👶)")


def format_path(path: KeyPath) -> str:
    """('steps', 1, 'alt') -> 'steps[2].alt': positions count from 1, as on the page."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
