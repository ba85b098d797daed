"""build() and check(): gather and validate the whole site, then render and write it.

Two phases, as MkDocs ("first gather all data from all files") and Zola (load, then render) do:
nothing is written until every post, author, picture header and template has passed. Each step is
a function of the site folder and of what the steps before it made. ``reuse`` (an
incremental.Store) lets a step take what an earlier build made from the same inputs; without it,
every step does all of its work: the clean build, which the incremental one is tested against.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import re
import pickle
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from . import parallel
from .assets import images, share
from .assets.images import ImagePlan
from .errors import Problem, SiteError, errors_only, working_on
from .incremental import PageRecord, SavedPost, Store
from .incremental.keys import author_keys, digest, fingerprint, page_key, post_keys
from .incremental.store import file_stat, load_store, save_store, store_path, trusted_stat
from .incremental.unchanged import output_unchanged, same_inputs, scan_inputs
from .load import content, theme
from .load.config import load_config
from .model import Guide, ImageRef, Post, Site, page_digest
from .output import search
from .output.writer import Generations, Held, Link, Publisher, check_output_folder, locked, write_file
from .render.discovery import similar_inputs
from .render.environment import COMPILED, NAMED
from .render.links import LinkMap, link_map, post_link_problems
from .render.pages import Page, alternates, post_path
from .render.renderer import Renderer, template_problem


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    cache_dir: Path | None = None
    # The preview: its output may lie in .cache/, a future post is labelled as scheduled.
    preview: bool = False
    # Pictures encoded anew, into a cache of their own (build --clean): nothing taken from before.
    fresh_images: bool = False
    # Keep the last search index when post pages changed (the preview: it indexes again right after
    # the reload, in a build of its own, so a save is not slowed by Pagefind: ~1 s a thousand posts).
    defer_search: bool = False

    @property
    def root(self) -> Path:
        return self.source.absolute()

    @property
    def output_dir(self) -> Path:
        return (self.output or self.source / "public").absolute()

    @property
    def cache(self) -> Path:
        return (self.cache_dir or self.source / ".cache").absolute()


@dataclass
class BuildResult:
    output: Path
    pages: int
    images: int
    pages_rendered: int
    images_encoded: int
    files_written: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    search_behind: bool = False  # the search index is the last one (defer_search): build again to index
    # Problems that did not stop the build: those of posts it left out (drafts, later dates), and tags
    # written two ways. ``held_back``: the posts left out that have problems (issue 22).
    warnings: list[Problem] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)
    nothing_changed: bool = False  # found before reading anything: the store is as it was loaded


def today() -> dt.date:
    """The build's idea of today: SOURCE_DATE_EPOCH when set, so CI builds are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


# --- the build ------------------------------------------------------------------------------------


def build(options: BuildOptions, reuse: Store | None = None) -> BuildResult:
    """Build the site into its output folder, swapped in whole only if every step succeeded."""
    started = time.perf_counter()
    output = check_output_folder(options.root, options.output_dir, preview=options.preview)
    reuse = reuse.current() if reuse is not None else None
    inputs = _input_scan(options, reuse)
    if reuse is not None and _nothing_changed(reuse, inputs, output):
        return BuildResult(output, *reuse.counts, 0, 0, 0, time.perf_counter() - started,
                           warnings=list(reuse.warnings[0]), held_back=list(reuse.warnings[1]), nothing_changed=True)
    guide, parsed = load_site(options, reuse)
    files = theme.load_theme(options.root)
    plans = plan_images(guide, reuse)
    with ExitStack() as stack:
        cache = Path(stack.enter_context(tempfile.TemporaryDirectory())) if options.fresh_images \
            else options.cache / "images"
        plans, encoded = process_images(guide, plans, cache)
        if reuse is not None:
            COMPILED.restore(reuse.templates)
            NAMED.restore(reuse.named)
        renderers = make_renderers(guide, files, plans, options)
        if reuse is not None:
            similar_from(renderers, reuse)
        listed = site_pages(renderers)
        warnings = list(parsed.warnings) + link_pages(renderers, listed, parsed, reuse)
        draw_share_cards(renderers, cache)
        with locked(output):
            publisher = Publisher(output, reuse.generations if reuse is not None else None)
            pages, records, rendered = render_pages(renderers, listed, parsed, publisher, reuse)
            write_assets(publisher, guide, files, plans, renderers, cache)
            index = index_search(guide, files, pages, records, publisher, reuse, options)
            generations = publisher.publish()
    behind = index is not None and index[0] != search_key(pages, records)
    if reuse is not None:  # (a build that left its index behind cannot vouch that nothing changed)
        _remember(reuse, parsed, records, index, generations, None if behind else inputs)
        reuse.counts = (len(pages), len(plans))
        reuse.warnings = (tuple(sorted(set(warnings))), parsed.held_back)
    notes = reuse.take_notes() if reuse is not None else []  # (reading the store's posts may add one)
    if not options.fresh_images:
        try:
            prune_picture_cache(cache, output, plans, renderers)
        except OSError as exc:  # the site is published: this only leaves unused pictures behind
            notes.append(f"unused pictures could not be removed from {cache} ({exc.strerror or exc}); "
                         "the site is published")
    return BuildResult(output, len(pages), len(plans), rendered, encoded, publisher.written,
                       time.perf_counter() - started, notes, behind, sorted(set(warnings)), list(parsed.held_back))


def check(options: BuildOptions, warnings: list[Problem] | None = None
          ) -> tuple[Guide, dict[Path, ImagePlan], list[Page]]:
    """Every validation build makes, templates included (every page is rendered); writes nothing.
    The problems that would not stop a build (BuildResult.warnings) are added to ``warnings``."""
    guide, parsed = load_site(options, None)
    if warnings is not None:
        warnings += parsed.warnings
    plans = plan_images(guide, None)
    renderers = make_renderers(guide, theme.load_theme(options.root), plans, options)
    listed = site_pages(renderers)
    found = link_pages(renderers, listed, parsed)
    if warnings is not None:
        warnings += found
    pages, _, _ = render_pages(renderers, listed, parsed, None, None)
    return guide, plans, pages


def make_renderers(guide: Guide, files: theme.Theme, plans: dict[Path, ImagePlan],
                   options: BuildOptions) -> list[Renderer]:
    """One renderer per language, the default first."""
    return [Renderer(site, files, plans, today(), options.drafts, options.preview, guide) for site in guide.sites]


def build_command(options: BuildOptions, clean: bool = False) -> BuildResult:
    """The `build` command: a build that takes what the last one with the same output made (its
    store, under .cache/build/), and leaves its own for the next; ``clean`` starts from nothing."""
    return build_with_store(options, store_path(options.cache / "build", options.output_dir), clean)


def build_with_store(options: BuildOptions, path: Path, clean: bool = False) -> BuildResult:
    frozen_before = gc.get_freeze_count()
    store = Store() if clean else load_store(path, frozen=True)
    try:
        result = build(options, store)
    finally:
        if not frozen_before:  # (a caller that builds again may collect the store it no longer holds)
            gc.unfreeze()
    if result.nothing_changed:
        return result  # the store is as it was read: nothing to save
    try:
        save_store(store, path)
    except OSError as exc:  # the site is built; the next build is only slower
        result.notes.append(f"the build store could not be saved ({exc.strerror or exc}); the next build "
                            "makes everything again")
    return result


# --- 1. the site's files, read and validated ---------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """Every post of this build as parsed (drafts included), by its file's path, and the problems
    that do not stop it: those of the posts it leaves out, and tags written two ways."""

    posts: dict[str, SavedPost]
    warnings: tuple[Problem, ...] = ()
    held_back: tuple[str, ...] = ()  # the posts left out that have problems


def load_site(options: BuildOptions, reuse: Store | None) -> tuple[Guide, Parsed]:
    """Read and validate the whole site; raise SiteError with every problem found. A post that this
    build leaves out (a draft, a later date) stops nothing: its problems are warnings (issue 22)."""
    root, day = options.root, today()
    config, problems = load_config(root, options.base_url)
    authors, author_problems = content.load_authors(root)
    parsed, post_problems = load_posts(root, reuse, lambda schedule: schedule.published(day, options.drafts))
    problems += author_problems + errors_only(post_problems)
    if config is None or problems:
        raise SiteError(problems)
    posts = [saved.post for saved in parsed.posts.values()]
    found = content.cross_check(posts, authors, config, lambda post: content.is_published(post, day, options.drafts))
    if errors_only(found):
        raise SiteError(errors_only(found))
    warnings = sorted(set(problem for problem in post_problems + found if problem.severity == "warning"))
    parsed = Parsed(parsed.posts, tuple(warnings), parsed.held_back)
    return content.assemble_guide(root, config, posts, authors, day, options.drafts), parsed


def load_posts(root: Path, reuse: Store | None, published: Callable[[content.Schedule], bool] = lambda _: True
               ) -> tuple[Parsed, list[Problem]]:
    """Every post file, parsed; one whose file and named files are as the store recorded is taken
    from it. The rest are parsed on every core. The problems of a post that is not ``published``
    are warnings."""
    saved: dict[str, SavedPost] = {}
    todo: list[Path] = []
    for path in content.find_post_files(root):
        found = reuse.post(str(path), lambda: content.read_post(path, root)[0],
                           lambda text: _post_key(root, path, text)) if reuse is not None else None
        if found is not None:
            saved[str(path)] = found
        else:
            todo.append(path)
    problems: list[Problem] = []
    held: list[str] = []
    jobs = parallel.imap_ordered(_parse_post, [(path, root) for path in todo])
    for path, (result, found, schedule) in zip(todo, jobs):
        if found and schedule is not None and not published(schedule):
            found = [replace(problem, severity="warning") for problem in found]
            held.append(content.relative(path, root))
        problems += found
        if isinstance(result, bytes):
            saved[str(path)] = pickle.loads(result)
            if reuse is not None:
                reuse.keep_pickle(str(path), saved[str(path)], result)
        elif result is not None:
            saved[str(path)] = result
    return Parsed({key: saved[key] for key in sorted(saved)}, held_back=tuple(held)), problems


def _post_key(root: Path, path: Path, text: str) -> str:
    return digest(content.relative(path, root), text.encode("utf-8", "surrogatepass"))


def _parse_post(job: tuple[Path, Path]) -> tuple[SavedPost | bytes | None, list[Problem], content.Schedule | None]:
    """Read, parse and validate one post (in any process; a worker sends its result pickled), with
    its schedule when its front matter says it (a post with problems may still be a draft)."""
    path, root = job
    with working_on(f"reading {content.relative(path, root)}"):
        stat = trusted_stat(path)  # before reading: an edit made meanwhile shows next time
        text, problems = content.read_post(path, root)
        if text is None:
            return None, problems, None
        post, problems, schedule = content.load_post_text(text, path, root)
        if post is None:
            return None, problems, schedule
        named = tuple((str(named), file_stat(named)) for named in content.named_files(post, root))
        saved = SavedPost(stat, _post_key(root, path, text), post, page_digest(post), named)
    return (pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL) if parallel.forked else saved), problems, schedule


# --- 2. pictures: planned from their headers, then processed --------------------------------------


def site_images(guide: Guide) -> list[ImageRef]:
    refs = [ref for site in guide.sites for post in site.posts for ref in post.images]
    return refs + [author.avatar for author in guide.default.authors.values() if author.avatar]


def plan_images(guide: Guide, reuse: Store | None) -> dict[Path, ImagePlan]:
    """Every picture's plan (sizes, formats, names), from its header; raise SiteError on problems."""
    config = guide.default.config
    formats, _ = images.available_formats(config.images.formats)
    settings = digest(config.images, formats)
    plans: dict[Path, ImagePlan] = {}
    problems: list[Problem] = []
    kept: dict[str, Any] = {}
    for ref in site_images(guide):
        if ref.source in plans or any(p.path == ref.origin and p.line == ref.line for p in problems):
            continue
        found = reuse.plan(str(ref.source), settings) if reuse is not None else None
        if found is None:
            stat = trusted_stat(ref.source)
            with working_on(f"reading {ref.rel}"):
                found = images.plan_image(ref, config.images, formats)
            if isinstance(found, Problem):
                problems.append(found)
                continue
            kept[str(ref.source)] = (stat, settings, found)
        else:
            kept[str(ref.source)] = reuse.plans[str(ref.source)]  # type: ignore[union-attr]
        plans[ref.source] = found
    if problems:
        raise SiteError(problems)
    if reuse is not None:
        reuse.keep_plans(kept)
    return plans


def process_images(guide: Guide, plans: dict[Path, ImagePlan], cache: Path) -> tuple[dict[Path, ImagePlan], int]:
    """Encode what the cache lacks; the plans as processed (AVIF only where smaller), and a count."""
    encoded, failures = images.process_plans(list(plans.values()), guide.default.config.images, cache,
                                             progress=images.ProgressLine())
    if failures:
        raise SiteError(sorted({images.failure_problem(ref, failures[ref.source])
                                for ref in site_images(guide) if ref.source in failures}))
    return {source: images.finalise(plan, cache) for source, plan in plans.items()}, encoded


def draw_share_cards(renderers: list[Renderer], cache: Path) -> None:
    """Each post's share card and pin, drawn into the picture cache where it lacks them."""
    share.process_shares([plan for renderer in renderers for plan in renderer.shares.values()], cache)


# --- 3. pages ------------------------------------------------------------------------------------


def render_pages(renderers: list[Renderer], listed: list[tuple[int, Page]], parsed: Parsed,
                 publisher: Publisher | None, reuse: Store | None) -> tuple[list[Page], dict[str, PageRecord], int]:
    """Every page of the site (``listed``: site_pages'), each rendered unless the store knows its bytes
    under the same key and a generation of the output still holds them. Pages are rendered on every
    core, each written by the process that renders it. Without a publisher (check) every page is
    rendered, none written."""
    keyed = reuse is not None and publisher is not None
    keys = [Keys(renderer, parsed) for renderer in renderers] if keyed else None
    records: dict[str, PageRecord] = {}
    todo: list[tuple[int, Page, str | None, str | None]] = []
    links: list[Link] = []
    for which, page in listed:
        key = None
        if keys is not None and reuse is not None and page.path in reuse.pages:
            key = keys[which].page(page)
            known = reuse.page(page.path, key, lambda read: keys[which].read(read)[1])
            if known is not None and publisher is not None and publisher.reuse(page.path, known, page.origin, links):
                records[page.path] = reuse.pages[page.path]
                continue
        target = publisher.target(publisher.reserve(page.path, page.origin)) if publisher is not None else None
        todo.append((which, page, target, key))
    # Pages taken from the live folder (every page, in the first rebuild after a cold build: the spare is
    # empty) are linked on every core: the kernel's work of making each folder and link.
    for link, stats in zip(links, parallel.imap_ordered(Link.made, links)):
        publisher.linked_as(link, stats)  # type: ignore[union-attr] - (links only with a publisher)
    # A first build keys its pages where they are rendered, on every core: it has nothing to compare.
    results = parallel.imap_ordered(lambda job: _render_one(renderers[job[0]], keys and keys[job[0]], *job[1:]),
                                    todo)
    problems: list[Problem] = []
    for (which, page, _, _), result in zip(todo, results):
        if isinstance(result, Problem):
            problems.append(result)
        elif publisher is not None and result.held is not None:
            publisher.record(page.path, result.held)
            reads = tuple(keys[which].read(read) for read in result.reads) if keys is not None else ()
            records[page.path] = PageRecord(result.key, reads, result.held.digest)
    if problems:
        raise SiteError(sorted(set(problems)))
    return [page for _, page in listed], records, len(todo)


def similar_from(renderers: list[Renderer], reuse: Store) -> None:
    """Each post's similar exercises as the last build found them, if the posts' slugs and tags, their
    order and the limit are the same: finding them is a pass over every post's tags."""
    key = digest([similar_inputs(renderer.site.posts, renderer.site.config.related_posts) for renderer in renderers])
    known = reuse.made_from("similar", key, lambda: [renderer.similar for renderer in renderers])
    for renderer, similar in zip(renderers, known, strict=True):
        renderer.similar = similar  # type: ignore[misc] - (a cached_property: set, it is not made)


def link_pages(renderers: list[Renderer], listed: list[tuple[int, Page]], parsed: Parsed,
               reuse: Store | None = None) -> list[Problem]:
    """Tell every renderer where links between posts lead (render/links.py), and check each
    published post's links: one that reaches nothing stops the build; one to a post not published
    yet is a warning (returned). ``reuse``: a post's problems as the last build found them when
    neither its text nor anything the check reads of the site has changed."""
    first = renderers[0]
    outputs = {page.path for _, page in listed} | set(first.theme.assets)
    outputs |= {f"images/{variant.name}" for plan in first.plans.values() for variant in plan.variants}
    outputs |= {rel for renderer in renderers for rel, _ in share.share_files(renderer.shares.values())}
    prefixes = {post.path: renderer.site.config.prefix for renderer in renderers for post in renderer.site.posts}
    published = [post for renderer in renderers for post in renderer.site.posts]
    posts = [saved.post for saved in parsed.posts.values()]
    links = link_map(first.site.config.base_url, first.site.config.base_path, posts, published, outputs, prefixes)
    saved_posts = {saved.post.path: saved for saved in parsed.posts.values()}
    site_key = link_map_key(links) if reuse is not None else ""
    checked: dict[str, tuple[str, list[Problem]]] = {}
    problems: list[Problem] = []
    for renderer in renderers:
        renderer.links = links
        for post in renderer.site.posts:
            page = renderer.site.config.prefix + post_path(post.slug)
            saved = saved_posts[post.path]
            key = digest(site_key, page, saved.key)  # (the key of the post's path and text: the post)
            known = reuse.links.get(post.path) if reuse is not None else None
            checked[post.path] = known if known is not None and known[0] == key else \
                (key, post_link_problems(post, page, links))
            problems += checked[post.path][1]
    if reuse is not None:
        reuse.links = checked
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        raise SiteError(errors)
    return problems


def link_map_key(links: LinkMap) -> str:
    """Everything a post's link check reads of the site (LinkMap.problem), in the order it reads it."""
    return digest(links.base_url, links.base_path, tuple((file, post.slug) for file, post in links.posts.items()),
                  tuple(links.published.items()), sorted(links.outputs),
                  tuple((slug, post.path) for slug, post in links.unpublished.items()))


def site_pages(renderers: list[Renderer]) -> list[tuple[int, Page]]:
    """Every page, with the index of the renderer (the language) that makes it; the pages the whole
    site has once (robots.txt, _headers, the sitemap of every language) come from the first."""
    listed = [(which, page) for which, renderer in enumerate(renderers) for page in renderer.pages()]
    if len(renderers) > 1:  # (in one language no page has another version)
        found = alternates([(renderers[which].site.config.language, renderers[which].site.config.prefix, page)
                            for which, page in listed])
        listed = [(which, renderers[which].with_alternates(page, found)) for which, page in listed]
    return listed + [(0, page) for page in renderers[0].site_pages([page for _, page in listed])]


class Keys:
    """This build's keys: the site's, each post's (its digest and its pictures' plans), each page's,
    and the digest of what a template read besides its page's context."""

    def __init__(self, renderer: Renderer, parsed: Parsed) -> None:
        digests = {saved.post.path: saved.digest for saved in parsed.posts.values()}
        self.renderer = renderer
        self.site = site_key(renderer)
        # Posts and authors by id, as their keys (both held by the site for the whole build).
        self.known = post_keys(renderer.site.posts, digests, renderer.plan_keys) | author_keys(renderer.site.authors)
        self.reads: dict[Any, tuple[Any, str]] = {}

    def page(self, page: Page) -> str:
        return page_key(self.site, page.path, page.template, page.context, page.deferred, self.known)

    def read(self, read: Any) -> tuple[Any, str]:
        """A recorded read and its digest in this build, the same pair for every page that made it."""
        if read not in self.reads:
            self.reads[read] = (read, digest(fingerprint(self.renderer.read_value(read), self.known)))
        return self.reads[read]


def site_key(renderer: Renderer) -> str:
    """Everything every page may show besides its own context: the static files and catalogs, the
    settings, the authors and their avatars, which age bands exist, the day, the options (the
    templates a page reads are recorded as it renders)."""
    site, plans = renderer.site, renderer.plans
    avatars = [plans[author.avatar.source].key for author in site.authors.values() if author.avatar]
    return digest(renderer.theme.digest, site.config, site.authors, avatars,
                  [(band.from_months, band.to_months) for band in renderer.bands], renderer.today, renderer.drafts,
                  renderer.preview, site.tag_labels)


@dataclass(frozen=True)
class _Rendered:
    held: Held | None
    key: str
    reads: tuple[Any, ...]


def _render_one(renderer: Renderer, keys: Keys | None, page: Page, target: str | None,
                key: str | None) -> _Rendered | Problem:
    """One page rendered (and written to ``target``), with its key and what its templates read."""
    try:
        with working_on(f"rendering {page.path}"):
            done = renderer.render(page)
    except Exception as exc:  # noqa: BLE001 - a site's own template can raise anything ({{ 1 / 0 }})
        problem = template_problem(page, exc, renderer.site.root)
        if problem is None:
            raise  # not from a template: a bug of ours, reported as one
        return problem
    if target is None:
        return _Rendered(None, "", ())
    with working_on(f"writing {page.path}"):
        held = write_file(target, done.html.encode("utf-8"))
    return _Rendered(held, key if key is not None else (keys.page(page) if keys is not None else ""), done.reads)


# --- 4. the rest of the output --------------------------------------------------------------------


def write_assets(publisher: Publisher, guide: Guide, files: theme.Theme, plans: dict[Path, ImagePlan],
                 renderers: list[Renderer], cache: Path) -> None:
    """Static files, processed pictures, share cards and local videos: one copy for every language."""
    for name, (source, identity) in files.assets.items():
        if name in files.minified:
            publisher.write(name, files.minified[name], "static")
        else:
            publisher.copy(name, source, identity, "static")
    variants = {variant.name: plan for plan in sorted(plans.values(), key=lambda p: p.key) for variant in plan.variants}
    for name, plan in variants.items():  # two same pictures under one name are one file (named by content)
        publisher.copy(f"images/{name}", f"{cache}/{name}", name, str(plan.source))
    cards = dict(share.share_files([plan for renderer in renderers for plan in renderer.shares.values()]))
    for rel, name in cards.items():
        publisher.copy(rel, f"{cache}/{name}", name, "share card")
    videos = {f"media/{post.slug}/{post.video.file.source.name}": post for site in guide.sites for post in site.posts
              if post.video and post.video.file}
    for rel, post in videos.items():
        source = post.video.file.source  # type: ignore[union-attr]
        publisher.copy(rel, source, digest(source.read_bytes()), post.path)


def index_search(guide: Guide, files: theme.Theme, pages: list[Page], records: dict[str, PageRecord],
                 publisher: Publisher, reuse: Store | None, options: BuildOptions
                 ) -> tuple[str, dict[str, str]] | None:
    """Pagefind's index of the post pages, taken from the last build when no post page changed."""
    if not guide.default.config.search:
        return None
    key = search_key(pages, records)
    if key is None:  # Pagefind without a marked page would index every page
        return None
    last = reuse.search if reuse is not None else None
    if last is not None and (last[0] == key or options.defer_search) and \
            all(publisher.has(rel, held) for rel, held in last[1].items()):
        for rel, held in last[1].items():
            publisher.reuse(rel, held, "Pagefind")
        return last  # under its own key: the next build that does not defer indexes again
    publisher.remove_stale(keep_under=f"{search.BUNDLE}/")
    marked = b"data-pagefind-body" in (files.source(search.POST_TEMPLATE) or b"")
    posts = [page.path for page in pages if page.template == search.POST_TEMPLATE]
    bundle = search.search_bundle(guide.default.config, publisher.spare, only=None if marked else posts)
    for rel, data in bundle.items():
        publisher.write(rel, data, "Pagefind")
    return key, {rel: publisher.new[rel].digest for rel in bundle}


def prune_picture_cache(cache: Path, output: Path, plans: dict[Path, ImagePlan], renderers: list[Renderer]) -> None:
    """Forget the processed pictures and share cards that no output's last build uses."""
    wanted = images.cache_names(list(plans.values()))
    wanted |= share.cache_names([plan for renderer in renderers for plan in renderer.shares.values()])
    owner = hashlib.sha256(str(output).encode()).hexdigest()[:12]
    images.prune_cache(cache, owner, wanted, _CACHE_FILES)


_CACHE_FILES = re.compile(f"{images.CACHE_FILE.pattern}|{share.CACHE_FILE.pattern}")


def search_key(pages: list[Page], records: dict[str, PageRecord]) -> str | None:
    """The search index's key: the post pages' digests (and Pagefind's version); None without posts."""
    posts = [(page.path, records[page.path].digest) for page in pages if page.template == search.POST_TEMPLATE]
    return digest("pagefind", search.pagefind_identity(), posts) if posts else None


# --- what the next build may take -----------------------------------------------------------------


def _input_scan(options: BuildOptions, reuse: Store | None) -> tuple[str, Any] | None:
    if reuse is None:
        return None
    settings = digest(str(options.root), str(options.output_dir), options.base_url, options.drafts,
                      options.preview, today())
    return settings, scan_inputs(theme.input_files(options.root), theme.input_folders(options.root))


def _nothing_changed(reuse: Store, inputs: tuple[str, Any] | None, output: Path) -> bool:
    last = reuse.inputs
    return (inputs is not None and last is not None and last[0] == inputs[0] and same_inputs(last[1], inputs[1])
            and output_unchanged(output, reuse.generations.live))


def _remember(reuse: Store, parsed: Parsed, records: dict[str, PageRecord],
              index: tuple[str, dict[str, str]] | None, generations: Generations,
              inputs: tuple[str, Any] | None) -> None:
    reuse.keep_posts(parsed.posts)
    reuse.keep_pages(records)
    reuse.templates = COMPILED.saved()
    reuse.named = NAMED.saved()
    reuse.search = index
    reuse.generations = generations
    reuse.inputs = inputs
    reuse.warnings = (parsed.warnings, parsed.held_back)
