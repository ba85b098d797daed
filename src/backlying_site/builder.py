"""build() and check(): gather and validate everything, then render and write.

Two phases (MkDocs' "first gather all data from all files"): nothing is written
until every post, author, image header and template has passed.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import content, images, theme
from .config import load_config
from .errors import Problem, SiteError
from .images import ImagePlan
from .model import ImageRef, Site
from .render import Page, Renderer, make_environment
from .writer import Writer, locked, recover_and_clean, staging_dir, swap_in


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    cache_dir: Path | None = None

    @property
    def output_dir(self) -> Path:
        return (self.output or self.source / "public").absolute()

    @property
    def image_cache(self) -> Path:
        return (self.cache_dir or self.source / ".cache").absolute() / "images"


@dataclass
class BuildResult:
    output: Path
    pages: int
    images: int
    images_encoded: int
    files: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def today() -> dt.date:
    """The build's idea of today: SOURCE_DATE_EPOCH when set, so CI builds are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


def load_site(options: BuildOptions) -> tuple[Site, dict[Path, ImagePlan], list[str]]:
    """Read and validate the whole site, image headers included; raise SiteError with every problem."""
    root = options.source.absolute()
    config, problems = load_config(root, options.base_url)
    authors, author_problems = content.load_authors(root)
    problems += author_problems
    posts = []
    for path in content.find_post_files(root):
        post, post_problems = content.load_post(path, root)
        problems += post_problems
        if post:
            posts.append(post)
    if config is None or problems:
        raise SiteError(problems)
    problems += content.cross_check(posts, authors, config)
    if problems:
        raise SiteError(problems)
    site = content.assemble(root, config, posts, authors, today(), options.drafts)
    formats, notes = images.available_formats(config.images.formats)
    plans, problems = plan_site_images(site, formats)
    if problems:
        raise SiteError(problems)
    return site, plans, notes


def site_images(site: Site) -> list[ImageRef]:
    refs = [ref for post in site.posts for ref in post.images]
    refs += [a.avatar for a in site.authors.values() if a.avatar]
    return refs


def plan_site_images(site: Site, formats: tuple[str, ...]) -> tuple[dict[Path, ImagePlan], list[Problem]]:
    plans: dict[Path, ImagePlan] = {}
    problems: list[Problem] = []
    failed: set[Path] = set()
    for ref in site_images(site):
        if ref.source in plans:
            continue
        if ref.source in failed:
            continue
        result = images.plan_image(ref, site.config.images, formats)
        if isinstance(result, Problem):
            problems.append(result)
            failed.add(ref.source)
        else:
            plans[ref.source] = result
    return plans, problems


def check(options: BuildOptions) -> tuple[Site, dict[Path, ImagePlan], list[str]]:
    """Everything build validates, templates included; writes nothing."""
    site, plans, notes = load_site(options)
    renderer, assets = _renderer(site, plans, options)
    _render_pages(renderer)
    return site, plans, notes


def build(options: BuildOptions) -> BuildResult:
    started = time.perf_counter()
    site, plans, notes = load_site(options)
    plans, encoded = _process_images(site, plans, options)
    renderer, assets = _renderer(site, plans, options)
    rendered = _render_pages(renderer)
    output = options.output_dir
    with locked(output):
        recover_and_clean(output)
        staging = staging_dir(output)
        try:
            writer = Writer(staging, previous=output)
            _write_all(writer, rendered, plans, assets, options)
            swap_in(staging, output)
        except BaseException:
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
            raise
    images.prune_cache(list(plans.values()), options.image_cache)
    return BuildResult(output, len(rendered), len(plans), encoded, len(writer.written),
                       time.perf_counter() - started, notes)


def _renderer(site: Site, plans: dict[Path, ImagePlan], options: BuildOptions) -> tuple[Renderer, dict[str, Path]]:
    env = make_environment(theme.template_dirs(site.root))
    statics = theme.static_files(site.root)
    assets: dict[str, str] = {}
    sources: dict[str, Path] = {}
    for rel, path in statics.items():
        name = theme.fingerprinted_name(rel, path.read_bytes())
        assets[rel] = name
        sources[name] = path
    return Renderer(site, env, plans, assets, today(), options.drafts), sources


def _render_pages(renderer: Renderer) -> list[tuple[Page, str]]:
    problems: list[Problem] = []
    rendered: list[tuple[Page, str]] = []
    for page in renderer.pages():
        try:
            rendered.append((page, renderer.render(page)))
        except jinja2.TemplateError as exc:
            problems.append(template_problem(page, exc, renderer.site.root))
    if problems:
        raise SiteError(sorted(set(problems)))
    return rendered


def template_problem(page: Page, exc: jinja2.TemplateError, root: Path) -> Problem:
    """Point at the template line when Jinja knows it, else at the page's source."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if filename is None:
        filename, line = _template_frame(exc)
    where = _display_path(Path(filename), root) if filename else page.origin
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template '{exc.name}' not found; add it to templates/ or remove the reference"
    elif isinstance(exc, jinja2.UndefinedError):
        message = f"{exc.message}; check the variable's name (while rendering {page.path})"
    else:
        message = f"{exc.message or 'template error'} (while rendering {page.path})"
    return Problem(where, line or 0, "", message)


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    tb = exc.__traceback__
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".txt")):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _display_path(path: Path, root: Path) -> str:
    for base in (root, theme.DEFAULT_THEME):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _process_images(site: Site, plans: dict[Path, ImagePlan],
                    options: BuildOptions) -> tuple[dict[Path, ImagePlan], int]:
    """Encode what the cache lacks; return the plans as processed (AVIF only where smaller) and the count."""
    cache = options.image_cache
    encoded, failures = images.process_plans(list(plans.values()), site.config.images, cache,
                                             progress=images.ProgressLine())
    if failures:
        problems = [Problem(ref.origin, ref.line, ref.field, f"'{ref.rel}' is damaged or truncated and "
                            "cannot be decoded; export the picture again", reason=failures[ref.source])
                    for ref in site_images(site) if ref.source in failures]
        raise SiteError(sorted(set(problems)))
    return {source: images.finalise(plan, cache) for source, plan in plans.items()}, encoded


def _write_all(writer: Writer, rendered: list[tuple[Page, str]], plans: dict[Path, ImagePlan],
               assets: dict[str, Path], options: BuildOptions) -> None:
    for page, html in rendered:
        writer.write_text(page.path, html, page.origin)
    cache = options.image_cache
    for plan in sorted(plans.values(), key=lambda p: p.key):
        for variant in plan.variants:
            if f"images/{variant.name}" not in writer.written:
                writer.copy_file(f"images/{variant.name}", cache / variant.name, str(plan.source))
    for name, source in assets.items():
        writer.copy_file(name, source, "static")
