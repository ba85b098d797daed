"""The theme: templates and static files, the site's own first, then the default theme's.

Read once per build (``load_theme``): the templates' bytes are what every page of this build is
rendered from and keyed by. A link in static/ or templates/ that leaves the site is refused, as in
content/ (``static/passwd -> /etc/passwd`` would publish the file).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import jinja2.loaders
import rcssmin
import rjsmin

from ..errors import Problem, SiteError
from .config import CONFIG_NAME

_PACKAGE = Path(__file__).resolve().parents[1]
# A wheel carries the theme inside the package; a source checkout has it at the top.
DEFAULT_THEME = _PACKAGE / "theme" if (_PACKAGE / "theme").is_dir() else _PACKAGE.parents[1]
FINGERPRINTED = (".css", ".js")
LOCALE = _PACKAGE / "locale"



@dataclass(frozen=True)
class Theme:
    template_folders: list[Path]  # the site's, then the theme's
    templates: dict[Path, bytes]  # every file under them, as read
    assets: dict[str, tuple[Path, str]]  # output path -> source file, digest of its published bytes
    asset_names: dict[str, str]  # path under static/ -> output path (fingerprinted for CSS and JS)
    # The interface's words: language code -> the .po catalogs' texts, the site's own first.
    catalogs: dict[str, tuple[tuple[str, bytes], ...]]
    minified: dict[str, bytes]  # output path -> the published bytes of a stylesheet or script
    # Of the static files' output paths and the catalogs: what every page's key takes from the theme.
    # (The templates a page reads are recorded as it renders: render/environment.ReadingEnvironment.)
    digest: str

    def source(self, name: str) -> bytes | None:
        """The template a page named ``name`` renders from: the site's own, else the theme's."""
        found = find_template(self.template_folders, self.templates, name)
        return found[1] if found else None


def find_template(folders: list[Path], files: dict[Path, bytes], name: str) -> tuple[Path, bytes] | None:
    """The file a template name leads to, the first folder's that has it (as Jinja's file loader
    looks), and its bytes; None if none has it or the name would leave the folders."""
    try:
        pieces = jinja2.loaders.split_template_path(name)
    except jinja2.TemplateNotFound:
        return None
    for folder in folders:
        path = folder.joinpath(*pieces)
        data = files.get(path)
        if data is not None:
            return path, data
    return None


def load_theme(root: Path) -> Theme:
    """Read every template and static file; raise SiteError naming every link out of the site."""
    folders = template_dirs(root)
    problems: list[Problem] = []
    templates: dict[Path, bytes] = {}
    for folder in folders:
        found, refused = files_under(folder, root)
        problems += refused
        templates.update((path, path.read_bytes()) for path in found)
    statics, refused = static_files(root)
    problems += refused
    catalogs, refused = catalog_files(root)
    problems += refused
    if problems:
        raise SiteError(problems)
    assets: dict[str, tuple[Path, str]] = {}
    names: dict[str, str] = {}
    minified: dict[str, bytes] = {}
    for rel, path in statics.items():
        names[rel], data = published(rel, path.read_bytes())
        assets[names[rel]] = (path, hashlib.sha256(data).hexdigest())
        if rel.endswith(FINGERPRINTED):
            minified[names[rel]] = data
    whole = hashlib.sha256(repr(sorted(names.items())).encode())
    whole.update(repr(sorted(catalogs.items())).encode())
    return Theme(folders, templates, assets, names, catalogs, minified, whole.hexdigest())


def catalog_files(root: Path) -> tuple[dict[str, tuple[tuple[str, bytes], ...]], list[Problem]]:
    """``locale/<code>/LC_MESSAGES/messages.po`` of the site, then of the default theme, by code."""
    found: dict[str, list[tuple[str, bytes]]] = {}
    problems: list[Problem] = []
    for folder in locale_dirs(root):
        files, refused = files_under(folder, root)
        problems += refused
        for path in files:
            parts = path.relative_to(folder).parts
            if len(parts) == 3 and parts[1:] == ("LC_MESSAGES", "messages.po"):
                found.setdefault(parts[0], []).append((shown_path(path, root), path.read_bytes()))
    return {code: tuple(texts) for code, texts in sorted(found.items())}, problems



def template_dirs(root: Path) -> list[Path]:
    return _layered(root, "templates")


def static_dirs(root: Path) -> list[Path]:
    return _layered(root, "static")


def locale_dirs(root: Path) -> list[Path]:
    """The interface's translations: the site's own ``locale/``, then the package's."""
    return [folder for folder in (root / "locale", LOCALE) if folder.is_dir()]


def input_files(root: Path) -> list[Path]:
    """The site's single input files (the folders' files are in ``input_folders``)."""
    return [root / CONFIG_NAME]


def input_folders(root: Path) -> list[Path]:
    """Every folder whose files a build reads: content, then the site's and the theme's templates and
    static files. (Asked by the check that nothing changed, and by the preview's watcher.)"""
    return [root / "content", *template_dirs(root), *static_dirs(root), *locale_dirs(root)]


def _layered(root: Path, name: str) -> list[Path]:
    unique: list[Path] = []
    for folder in (root / name, DEFAULT_THEME / name):
        if folder.is_dir() and folder.resolve() not in [u.resolve() for u in unique]:
            unique.append(folder)
    return unique


def static_files(root: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Output path under static/ -> source file (the site's override the theme's), and the links
    that leave the site."""
    files: dict[str, Path] = {}
    problems: list[Problem] = []
    for directory in reversed(static_dirs(root)):
        found, refused = files_under(directory, root)
        problems += refused
        for path in found:
            if not any(part.startswith(".") for part in path.relative_to(directory).parts):
                files[path.relative_to(directory).as_posix()] = path
    return dict(sorted(files.items())), problems


def files_under(folder: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """Every file below ``folder``, sorted, and a problem for each link that leaves its site (the
    site folder, or the default theme for its own files)."""
    boundary = (DEFAULT_THEME if folder.resolve().is_relative_to(DEFAULT_THEME) else root).resolve()
    found: list[Path] = []
    problems: list[Problem] = []

    def visit(directory: Path, seen: frozenset[Path]) -> None:
        with os.scandir(directory) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                path = Path(entry.path)
                real = path.resolve() if entry.is_symlink() else None
                if real is not None and not real.is_relative_to(boundary):
                    problems.append(Problem(shown_path(path, root), 0, "", f"is a link to {real}, outside the "
                                            "site folder; copy what it should publish into the site instead"))
                elif entry.is_dir():
                    if real is None or real not in seen:  # a link back up the tree is walked once
                        visit(path, seen | {real or path.resolve()})
                elif entry.is_file():
                    found.append(path)

    visit(folder, frozenset({folder.resolve()}))
    return sorted(found), problems


def shown_path(path: Path, root: Path) -> str:
    """A file in a message: relative to the site, or to the default theme for its own files."""
    for base in (root, DEFAULT_THEME):
        for candidate, folder in ((path, base), (path.resolve(), base.resolve())):
            try:
                return candidate.relative_to(folder).as_posix()
            except ValueError:
                continue
    return path.as_posix()


def published(rel: str, data: bytes) -> tuple[str, bytes]:
    """A static file's output path and bytes. Stylesheets and scripts lose their comments and spaces
    (rcssmin, rjsmin: nothing renamed or reordered; ``/*!`` comments, licences, kept), a third of a
    post's weight, and are named by what is published: 'css/site.css' -> 'static/css/site.1a2b3c4d.css',
    so hosts may cache them forever."""
    if rel.endswith(".css"):
        data = rcssmin.cssmin(data, keep_bang_comments=True)
    elif rel.endswith(".js"):
        data = rjsmin.jsmin(data, keep_bang_comments=True)
    if not rel.endswith(FINGERPRINTED):
        return f"static/{rel}", data
    stem, _, ext = rel.rpartition(".")
    return f"static/{stem}.{hashlib.sha256(data).hexdigest()[:8]}.{ext}", data
