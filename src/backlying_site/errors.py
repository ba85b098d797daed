"""One error family: a Problem names a file, a line and what to do about it.

Everything an author can get wrong becomes a Problem; the CLI prints them as
``path:line: field: message`` and exits 1. No traceback ever reaches an author.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal

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


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
