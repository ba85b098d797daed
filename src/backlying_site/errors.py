"""One error family: a Problem names a file, a line and what to do about it.

Everything an author can get wrong becomes a Problem; the CLI prints them as
``path:line: field: message`` and exits 1. No traceback ever reaches an author.
"""

from __future__ import annotations

import errno
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the site's input, located at a file and line."""

    path: str  # relative to the site folder, with forward slashes
    line: int  # 1-based; 0 when the whole file is meant
    field: str  # e.g. "steps[2].alt"; empty when the problem is not about one key
    message: str  # what is wrong and how to fix it
    severity: Severity = "error"
    reason: str = ""  # the underlying library's words, when they help

    def format(self, *, with_severity: bool = False) -> str:
        """One line (two with a Reason), whatever characters the author's values hold."""
        where = f"{printable(self.path)}:{self.line}" if self.line else printable(self.path)
        parts = [where]
        if with_severity:
            parts.append(self.severity)
        if self.field:
            parts.append(printable(self.field))
        text = ": ".join(parts) + ": " + printable(self.message)
        if self.reason:
            text += f"\n    Reason: {printable(self.reason)}"
        return text


def printable(text: str) -> str:
    """Control characters (a newline in a value, a NUL) shown as escapes, never as line breaks."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def quoted(value: object, limit: int = 60) -> str:
    """An author's value inside a message: quoted, on one line, and short."""
    text = printable(str(value))
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return f"'{text}'"


@dataclass
class SiteError(Exception):
    """The build cannot go on; carries every problem found, not just the first."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.format() for p in sorted(self.problems))


class UsageError(Exception):
    """The command was asked for something it must refuse (exit code 2): one line, no traceback."""


# Exit codes: each kind of failure its own, so scripts and CI can tell them apart.
EXIT_CONTENT = 1  # the site's files have problems (every one listed)
EXIT_USAGE = 2  # wrong options or arguments
EXIT_INTERNAL = 3  # a bug in backlying-site: reported in one line, with --traceback for the details
EXIT_SYSTEM = 4  # the system refused: disk full, permission denied, read-only folder


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


@contextmanager
def working_on(what: str) -> Iterator[None]:
    """Names what the build was doing ("rendering tummy-time/index.html") on any unexpected error
    raised inside, for its one-line report (the innermost name wins)."""
    try:
        yield
    except Exception as exc:
        if not hasattr(exc, "while_doing"):
            try:
                exc.while_doing = what  # type: ignore[attr-defined]
            except AttributeError:  # an exception type without a __dict__
                pass
        raise


_SYSTEM_HINTS = {
    errno.ENOSPC: "the disk is full; free some space, then run it again",
    errno.EDQUOT: "the disk quota is used up; free some space, then run it again",
    errno.EACCES: "permission denied; check that you may read and write there",
    errno.EPERM: "the system does not allow it; check the folder's owner and permissions",
    errno.EROFS: "the folder is on a read-only file system; choose a folder you can write to",
}


def describe_system_error(exc: OSError) -> str:
    """One line for an error the system gave (disk full, permissions...), with the file it was about."""
    where = exc.filename if exc.filename is not None else getattr(exc, "while_doing", "")
    hint = _SYSTEM_HINTS.get(exc.errno or 0, exc.strerror or str(exc))
    return printable(f"{where}: {hint}" if where else hint)


def describe_internal_error(exc: BaseException) -> str:
    """One line for a bug of ours: what it was doing, the error, and what to do."""
    doing = getattr(exc, "while_doing", "")
    return printable(f"internal error{' while ' + doing if doing else ''}: {type(exc).__name__}: {exc}") + \
        " (a bug in backlying-site, not in your files: please report it with the output of the same command " \
        "run with --traceback)"


def warning_lines(warnings: Iterable[Problem], held_back: list[str]) -> list[str]:
    """What did not stop a build, as `build` and `serve` print it: each problem, then why it is a warning."""
    lines = [warning.format(with_severity=True) for warning in warnings]
    if held_back:
        count = len(held_back)
        lines.append(f"{count} post{'s' if count != 1 else ''} not published yet (a draft or a later date) "
                     f"{'have' if count != 1 else 'has'} the problems above: left out of this build, so they are "
                     "warnings; fix them before publishing (they are errors with --drafts, in the preview unless "
                     "--no-drafts, and once published).")
    return lines
