"""Where templates and static files come from: the site's own, then the default theme."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .errors import Problem, SiteError

_PACKAGE = Path(__file__).resolve().parent
# A wheel carries the theme inside the package; a source checkout has it at the top.
DEFAULT_THEME = _PACKAGE / "theme" if (_PACKAGE / "theme").is_dir() else _PACKAGE.parents[1]
FINGERPRINTED = (".css", ".js")


def template_dirs(root: Path) -> list[Path]:
    return _layered(root, "templates")


def static_dirs(root: Path) -> list[Path]:
    return _layered(root, "static")


def _layered(root: Path, name: str) -> list[Path]:
    dirs = [root / name, DEFAULT_THEME / name]
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def static_files(root: Path) -> dict[str, Path]:
    """Output path under static/ -> source file; the site's files override the theme's."""
    files: dict[str, Path] = {}
    for directory in reversed(static_dirs(root)):
        for path in files_under(directory, root):
            if not any(part.startswith(".") for part in path.relative_to(directory).parts):
                files[path.relative_to(directory).as_posix()] = path
    return dict(sorted(files.items()))


def files_under(folder: Path, root: Path) -> list[Path]:
    """Every file below ``folder``, sorted. A link is followed only while it stays inside its site (the
    site folder, or the default theme for its own files): `static/passwd -> /etc/passwd` would publish
    the file. Raises SiteError naming every link that leaves."""
    boundary = (DEFAULT_THEME if folder.resolve().is_relative_to(DEFAULT_THEME) else root).resolve()
    found: list[Path] = []
    problems: list[Problem] = []

    def visit(directory: Path, seen: frozenset[Path]) -> None:
        with os.scandir(directory) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                path = Path(entry.path)
                real = path.resolve() if entry.is_symlink() else None
                if real is not None and not real.is_relative_to(boundary):
                    problems.append(Problem(_shown(path, root), 0, "", f"is a link to {real}, outside the site "
                                            "folder; copy what it should publish into the site instead"))
                elif entry.is_dir():
                    if real is None or real not in seen:  # a link back up the tree is walked once
                        visit(path, seen | {real or path.resolve()})
                elif entry.is_file():
                    found.append(path)

    visit(folder, frozenset({folder.resolve()}))
    if problems:
        raise SiteError(problems)
    return sorted(found)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def fingerprinted_name(rel: str, data: bytes) -> str:
    """'css/site.css' -> 'static/css/site.1a2b3c4d.css', so hosts may cache it forever."""
    if not rel.endswith(FINGERPRINTED):
        return f"static/{rel}"
    stem, dot, ext = rel.rpartition(".")
    return f"static/{stem}.{hashlib.sha256(data).hexdigest()[:8]}.{ext}"
