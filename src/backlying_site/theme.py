"""Where templates and static files come from: the site's own, then the default theme."""

from __future__ import annotations

import hashlib
from pathlib import Path

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
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(directory).parts):
                files[path.relative_to(directory).as_posix()] = path
    return dict(sorted(files.items()))


def fingerprinted_name(rel: str, data: bytes) -> str:
    """'css/site.css' -> 'static/css/site.1a2b3c4d.css', so hosts may cache it forever."""
    if not rel.endswith(FINGERPRINTED):
        return f"static/{rel}"
    stem, dot, ext = rel.rpartition(".")
    return f"static/{stem}.{hashlib.sha256(data).hexdigest()[:8]}.{ext}"
