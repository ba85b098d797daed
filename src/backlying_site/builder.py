"""build() and check(): gather and validate everything, then render and write.

Two phases (MkDocs' "first gather all data from all files"): nothing is written
until every post, author, image header and template has passed.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import jinja2

from . import content, images, parallel, search, share, theme, unchanged
from .cache import DATABASE, BuildCache, code_fingerprint, decode, digest, encode, read_value
from .config import load_config
from .errors import Problem, SiteError, working_on
from .images import ImagePlan
from .memo import Memo, RowSpill, WholePost, page_content
from .model import ImageRef, Post, Site
from .pagekeys import pages_and_keys, read_template
from .render import Page, Renderer, make_environment, template_files
from .writer import (MARKER, MARKER_TEXT, Manifest, check_output_folder, SpareCopy, Target, Writer, lock_path, locked, prepare_copy, recover_and_clean,
                     signature, spare_dir, swap_in, write_to, writing_marker)


MEMO_FILE = "memo.pickle"  # beside build.sqlite: what the last build learned (memo.Memo)
MEMO_VERSION = 5
# Pages a forked worker renders before a fresh fork replaces it (parallel.imap_ordered): what it has
# copied of the building process's memory, by touching the posts it shows, then goes back. At 5,000
# posts (a worker renders ~3,500 pages) a worker kept to the end held ~60 MB of such copies: the
# build's peak was 167-176 MB; 151-164 with one renewal, 144-150 with three (every 1,000 pages), but
# each costs a core ~30 ms (the old worker's last chunks, then a fork that starts from nothing).
# (Measured on two cores: one forked worker.)
RENEW_AFTER = 2000


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    cache_dir: Path | None = None
    # The preview: keep the search index the output already has instead of indexing every post again.
    reuse_search_index: bool = False
    # The build cache's folder under .cache/: the preview keeps its own ("preview-build"), since its
    # pages (another address, drafts) differ from the published ones and each build prunes what it
    # did not use: sharing one, `build` after `serve` would render every page again.
    cache_name: str = "build"

    @property
    def output_dir(self) -> Path:
        return (self.output or self.source / "public").absolute()

    @property
    def image_cache(self) -> Path:
        return (self.cache_dir or self.source / ".cache").absolute() / "images"

    @property
    def build_cache(self) -> Path:
        return (self.cache_dir or self.source / ".cache").absolute() / self.cache_name


@dataclass
class BuildResult:
    output: Path
    pages: int
    images: int
    pages_rendered: int
    images_encoded: int
    files: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    output_state: dict | None = None  # unchanged.output_state of the output just after the swap


@dataclass
class Session:
    """One run of the build command: what it holds beside its memo and never saves in it. The copy
    of the site it is making for the next rebuild (writer.SpareCopy), and its pages' memo rows,
    spilled out of memory until the memo is saved (memo.RowSpill)."""

    copying: SpareCopy | None = None
    rows: RowSpill | None = None

    def close(self) -> None:
        if self.copying is not None:
            self.copying.close()  # the lock it kept goes now, once the marker is gone
        if self.rows is not None:
            self.rows.close()


def today() -> dt.date:
    """The build's idea of today: SOURCE_DATE_EPOCH when set, so CI builds are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


def load_site(options: BuildOptions, cache: BuildCache | None = None, memo: Memo | None = None
              ) -> tuple[Site, dict[Path, ImagePlan], list[str]]:
    """Read and validate the whole site, image headers included; raise SiteError with every problem."""
    root = options.source.absolute()
    config, problems = load_config(root, options.base_url)
    authors, author_problems = content.load_authors(root)
    problems += author_problems
    posts, post_problems = load_posts(root, cache or BuildCache(None), memo)
    problems += post_problems
    if config is None or problems:
        raise SiteError(problems)
    problems += content.cross_check(posts, authors, config)
    if problems:
        raise SiteError(problems)
    site = content.assemble(root, config, posts, authors, today(), options.drafts)
    formats, notes = _available_formats(config.images.formats, memo)
    plans, problems = plan_site_images(site, formats, memo)
    if problems:
        raise SiteError(problems)
    return site, plans, notes


def _available_formats(wanted: tuple[str, ...], memo: Memo | None) -> tuple[tuple[str, ...], list[str]]:
    """images.available_formats, which the memo remembers while the same Pillow is installed: asking
    Pillow imports its image modules and codecs, ~20 ms of a one-post rebuild that encodes nothing."""
    if memo is None:
        return images.available_formats(wanted)
    import PIL

    # Pillow's folder (a reinstall changes it) and its codec modules with the libraries a wheel
    # brings beside them (pillow.libs): what decides the answer short of system-wide libraries.
    folder = os.path.dirname(PIL.__file__ or "")
    wheel_libraries = os.path.join(folder, os.pardir, "pillow.libs")
    try:
        with os.scandir(folder) as entries:
            codecs = sorted((entry.name, entry.stat().st_mtime_ns, entry.stat().st_size) for entry in entries
                            if entry.name.startswith(("_avif", "_webp", "_imaging.")))
        libraries = sorted(os.listdir(wheel_libraries)) if os.path.isdir(wheel_libraries) else []
        installed = os.stat(folder)
    except OSError:
        return images.available_formats(wanted)
    key = (PIL.__version__, installed.st_ino, installed.st_mtime_ns, tuple(codecs), tuple(libraries), wanted)
    known = memo.encoders.get(key)
    if known is None:
        formats, notes = images.available_formats(wanted)
        known = (formats, tuple(notes))
        memo.encoders = {key: known}  # one Pillow at a time
    return known[0], list(known[1])


def load_posts(root: Path, cache: BuildCache, memo: Memo | None = None) -> tuple[list[Post], list[Problem]]:
    """Every post, parsed once per content: a post whose bytes did not change comes from the cache
    (or, in a process that keeps a memo, from memory while the file's stat has not changed)."""
    code = code_fingerprint()
    recalled: dict[Path, tuple[str, Post]] = {}
    stats = {}
    unread: list[Path] = []
    files = content.find_post_files(root, memo.paths if memo else None)
    pruning = memo is None or memo.page_list is None or memo.from_disk  # the preview: at its first build only
    # The keys the cache held after the last build (which pruned it to them): the prune at commit
    # deletes those no longer used by key, not by a scan of the table (~30 ms at 5,000 posts).
    before = [value[1][0] for value in memo.files.values() if value[0][0] == "post"] if memo and pruning else None
    for path in files:
        known = memo.recall(path, "post") if memo else None
        if known is not None and all(signature(source) == found for source, found in known[2]):
            recalled[path] = known[:2]  # the post, and the files it names are the ones it was checked with
            continue
        # Before reading (an edit made meanwhile shows next time): the build command's scan of every
        # input, just before, has it (5,000 stats again: ~30 ms before the workers start).
        stats[path] = (memo.scanned.get(str(path)) if memo else None) or signature(path)
        unread.append(path)
    if cache.db is None and not cache.pending["posts"]:
        # Nothing cached (a first build): each worker reads, hashes and parses its share at once.
        # (Taken as they come: the encoded posts are never all held at once.)
        results: Iterable[Loaded] = parallel.imap_ordered(_read_and_parse, [(path, root, code) for path in unread])
    else:
        results = _read_then_parse(unread, root, code, cache, memo)
    problems: list[Problem] = []
    loaded = dict(recalled)
    for path, (key, post, parsed, found) in zip(unread, results):
        problems += found
        if parsed is not None:
            encoded, digest = parsed
            post = post if post is not None else decode(encoded)
            cache.put_encoded("posts", key, encoded)
            if memo:
                memo.digests[id(post)] = (post, digest)
        if post is not None:
            loaded[path] = (key, post)
            if memo:
                named = tuple((source, signature(source)) for source in _named_files(post, root))
                memo.remember(path, "post", (key, post, named), stats[path])
    if memo:
        memo.forget_missing(set(files), "post")
        if len(memo.paths) > 2 * len(files) + 100:  # posts renamed many times over: forget the old names
            memo.paths = {str(path): path for path in files}
    if pruning:
        cache.prune("posts", [key for key, _ in loaded.values()], known=before)
    return [loaded[path][1] for path in files if path in loaded], problems


# What loading a post file gave: its cache key (None if it could not be read), the post when it came
# from the cache or the memo (or was parsed in this process), what parsing it now made (Parsed), and
# problems.
Loaded = tuple[str | None, Post | None, "Parsed | None", list[Problem]]
# A post parsed now: encoded for the build cache, and the digest of those bytes (the page keys' and
# the memo's; a repr of the post costs 50 µs more), made where it was parsed: in a worker, on every
# core, not after, in the building process. (Its memo row is made when the memo is saved: made here
# and kept, ~2 MB at 5,000 posts, it added to the build's peak of memory.)
Parsed = tuple[bytes, str]


def _read_then_parse(paths: list[Path], root: Path, code: str, cache: BuildCache, memo: Memo | None
                     ) -> list[Loaded]:
    """Read each file and look its text up in the cache (and the memo); parse the rest on every core."""
    texts: dict[Path, tuple[str, str]] = {}  # path -> text, cache key
    out: dict[Path, Loaded] = {}
    for path in paths:
        text, read_problems = content.read_post(path, root)
        if text is None:
            out[path] = (None, None, None, read_problems)
        else:
            texts[path] = (text, _post_key(code, root, path, text))
    # A post read again only because its stat was too fresh to trust is, if its text is the same,
    # the very object of the last build (so pages that show it keep their keys).
    same = {key: last[1] for path, (_, key) in texts.items()
            if memo and (last := memo.last(path, "post")) is not None and last[0] == key}
    found = cache.get_many("posts", [key for _, key in texts.values() if key not in same]) | same
    cached = {key: post for key, post in found.items() if _still_valid(post, root)}
    todo = [(path, text, root) for path, (text, key) in texts.items() if key not in cached]
    for (path, _, _), (post, parsed, problems) in zip(todo, parallel.map_ordered(_parse_post, todo)):
        out[path] = (texts[path][1], post, parsed, problems)
    for path, (_, key) in texts.items():
        if key in cached:
            out[path] = (key, cached[key], None, [])
    return [out[path] for path in paths]


def _post_key(code: str, root: Path, path: Path, text: str) -> str:
    # The text as bytes: digest() would hash its repr, escaping 6 KB per post first.
    return digest(code, str(root), content.relative(path, root), text.encode("utf-8", "surrogatepass"))


def _read_and_parse(job: tuple[Path, Path, str]) -> Loaded:
    path, root, code = job
    text, problems = content.read_post(path, root)
    if text is None:
        return None, None, None, problems
    post, parsed, problems = _parse_post((path, text, root))
    return _post_key(code, root, path, text), post, parsed, problems


def _parse_post(job: tuple[Path, str, Path]) -> tuple[Post | None, Parsed | None, list[Problem]]:
    """A post parsed, and encoded (pickled) as the build cache stores it (see Parsed). A worker
    sends only the bytes (the cache takes them, the parent decodes them); the building process
    keeps the post it made as well (half the posts of a first build not decoded: ~0.1 s at 5,000)."""
    path, text, root = job
    post, problems = content.post_from_text(text, path, root)
    if post is None:
        return None, None, problems
    encoded = encode(post)
    parsed = (encoded, hashlib.sha256(encoded).hexdigest())
    return (None if parallel.forked else post), parsed, problems


def _named_refs(post: Post) -> list[ImageRef]:
    """The files a post names: its pictures and its own video file."""
    return list(post.images) + ([post.video.file] if post.video and post.video.file else [])


def _still_valid(post: Post | None, root: Path) -> bool:
    """A cached post also depends on the files it names: they must still be there, unchanged in place."""
    if post is None:
        return False
    folder = (root / post.path).parent
    return all(ref.source.is_file() and (folder / ref.rel).resolve() == ref.source for ref in _named_refs(post))


def _named_files(post: Post, root: Path) -> list[Path]:
    """What a post read from the memo depends on besides its text: the files it names, the paths as
    written (a link retargeted shows in its own stat) and its folder (made a link, it shows too)."""
    refs = _named_refs(post)
    source = root / post.path
    folder = source.parent
    bundle = [folder] if source.name == "index.md" else []
    return [ref.source for ref in refs] + [folder / ref.rel for ref in refs] + bundle


def site_images(site: Site) -> list[ImageRef]:
    refs = [ref for post in site.posts for ref in post.images]
    refs += [a.avatar for a in site.authors.values() if a.avatar]
    return refs


def plan_site_images(site: Site, formats: tuple[str, ...], memo: Memo | None = None
                     ) -> tuple[dict[Path, ImagePlan], list[Problem]]:
    plans: dict[Path, ImagePlan] = {}
    problems: list[Problem] = []
    failed: set[Path] = set()
    wanted = (site.config.images, formats)
    for ref in site_images(site):
        if ref.source in plans or ref.source in failed:
            continue
        known = memo.recall(ref.source, "image") if memo else None
        if known is not None and known[0] == wanted:
            plans[ref.source] = known[1]
            continue
        found = signature(ref.source)
        result = images.plan_image(ref, site.config.images, formats)
        if isinstance(result, Problem):
            problems.append(result)
            failed.add(ref.source)
        else:
            plans[ref.source] = result
            if memo:
                memo.remember(ref.source, "image", (wanted, result), found)
    return plans, problems


def check(options: BuildOptions) -> tuple[Site, dict[Path, ImagePlan], list[str]]:
    """Everything build validates, templates included; writes nothing."""
    site, plans, notes = load_site(options)
    renderer, _ = _renderer(site, plans, options)
    _render_pages(renderer)
    return site, plans, notes


def build(options: BuildOptions, memo: Memo | None = None) -> BuildResult:
    """Build the site. ``memo``: a process that builds again and again (the preview) passes the
    same one each time, and each build then costs about what changed."""
    started = time.perf_counter()
    check_output_folder(options.source, options.output_dir, preview=options.cache_name != "build")
    cache = BuildCache(options.build_cache)
    session = Session()
    try:
        if memo is not None:
            memo.begin()
            with _no_gc_pauses():
                result = _build(options, cache, started, memo)
            cache.commit()
            result.notes += cache.notes
            memo.from_disk = False  # what it knows now, this process saw: checked as the preview checks
            return result
        import PIL  # its version decides image bytes

        settings = (code_fingerprint(), PIL.__version__, _settings(options))
        # Scanned (and a file too fresh to trust by its stat, read and hashed) before the build
        # reads anything: an edit made while it runs shows next time.
        inputs = unchanged.record_inputs(unchanged.scan_inputs(options.source.absolute()), time.time_ns())
        last = cache.get_many("pages", [unchanged.RECORD]).get(unchanged.RECORD)
        if last and last.get("settings") == settings and unchanged.same_inputs(last["inputs"], inputs):
            with locked(options.output_dir):
                if unchanged.same_state(options.output_dir, last["output"]):
                    if any(content for _, _, content in last["inputs"]):  # now older: stats will do next time
                        cache.put("pages", unchanged.RECORD, last | {"inputs": inputs})
                        cache.commit()
                    return BuildResult(options.output_dir, *last["counts"], 0, 0, last["files"],
                                       time.perf_counter() - started, [])
        # The memo the last build left on disk: a rebuild then costs about what changed, as in the
        # preview (each file it trusts is checked by its stat, each output folder by its state).
        # Locked from reading it to saving the next: no other build writes the folders in between.
        # (A first build, with no memo to read, locks only to write: a refused build makes no file.)
        output = options.output_dir
        early = cache.db is not None and lock_path(output).exists()
        # No cycle collection from reading the memo to saving the next: both make or walk hundreds
        # of thousands of objects, and the collector's passes over them cost ~60 ms of ~150.
        with locked(output) if early else nullcontext(), _no_gc_pauses():
            memo, note = Memo.load(options.build_cache / MEMO_FILE, _memo_header(options), _whole_post(options)) \
                if cache.db is not None else (Memo(), None)
            cache.unjournaled = not memo.from_disk  # no post of this build is read back from the file
            memo.begin()
            memo.scanned = {path: stat[:4] for path, stat, _ in inputs if len(stat) == 5 and not stat[4]}  # not links
            result = _build(options, cache, started, memo, session, lock=not early)
            memo.scanned = {}
            result.notes += [note] if note else []
            # Recorded only after a whole, successful build: the next one may then skip everything.
            cache.put("pages", unchanged.RECORD, {"settings": settings, "inputs": inputs, "output": result.output_state,
                                                  "counts": (result.pages, result.images), "files": result.files})
            cache.keep_also("pages", unchanged.RECORD)
            cache.commit()  # once: the posts and pages this build made, and its record
            result.notes += cache.notes
            memo.record_state(result.output, result.output_state)
            try:
                memo.save(options.build_cache / MEMO_FILE, _memo_header(options), session.rows)
            except Exception as exc:  # noqa: BLE001 - the site is built; the next build is only slower
                (options.build_cache / MEMO_FILE).unlink(missing_ok=True)
                result.notes.append(f"the build memo could not be saved ({type(exc).__name__}: {exc})")
            else:  # this memo tells both folders as they are now (the spare, once its copy is whole)
                if session.copying is None or session.copying.finish():
                    writing_marker(options.output_dir).unlink(missing_ok=True)
        return result
    finally:
        session.close()
        cache.close()


def _is_empty(folder: Path) -> bool:
    with os.scandir(folder) as entries:
        return next(entries, None) is None


def _memo_header(options: BuildOptions) -> tuple:
    return (MEMO_VERSION, code_fingerprint(), sys.version, _settings(options))


def saved_memo(options: BuildOptions) -> Memo:
    """The memo the last `build` command with these options saved (a new one if none or unusable):
    a process that goes on building (the preview) starts from where that build left off."""
    return Memo.load(options.build_cache / MEMO_FILE, _memo_header(options), _whole_post(options))[0]


def _whole_post(options: BuildOptions) -> WholePost:
    """How a post the memo file names by its key is read back whole: from the build cache, which
    the build that saved the memo committed first; if it is not there (the cache deleted or found
    damaged since), parsed again from its file, which must still hold the same text."""
    database, root = options.build_cache / DATABASE, options.source.absolute()

    def whole(key: str, post: Post) -> Post:
        found = read_value(database, "posts", key)
        if isinstance(found, Post):
            return found
        path = root / post.path
        text, _ = content.read_post(path, root)
        if text is not None and _post_key(code_fingerprint(), root, path, text) == key:
            parsed, _ = content.post_from_text(text, path, root)
            if parsed is not None:
                return parsed
        # Changed with its stat kept the same (dates set back by hand): the memo cannot be trusted.
        (options.build_cache / MEMO_FILE).unlink(missing_ok=True)
        raise StaleMemo([Problem(post.path, 0, "", "changed during the build, or since the last one with its file "
                                 "dates kept; run the build again")])
    return whole


class StaleMemo(SiteError):
    """A post the memo names is no longer the file's text: the memo (deleted on disk) must go."""


@contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """No cycle collection during a preview build: with the memo's hundreds of thousands of live
    objects, one full collection costs ~100 ms at 5,000 posts, more than the rest of a one-post
    rebuild. Cycles made meanwhile are collected after (the build makes few)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _settings(options: BuildOptions) -> tuple:
    """What a build depends on besides files: where it writes, for what address, which day."""
    return (str(options.source.absolute()), str(options.output_dir), options.base_url, options.drafts,
            str(options.build_cache), options.reuse_search_index, today())


def _build(options: BuildOptions, cache: BuildCache, started: float, memo: Memo | None = None,
           session: Session | None = None, lock: bool = True) -> BuildResult:
    """``session``: the build command's (it records the output's state, and saves its memo after)."""
    site, plans, notes = load_site(options, cache, memo)
    cache.flush()
    plans, encoded = _process_images(site, plans, options)
    renderer, assets = _renderer(site, plans, options, memo)
    output = options.output_dir
    # Locked from before rendering: each page is written into the spare as it comes from the
    # workers, while they render the next (a failed build leaves the live site as it was).
    with locked(output) if lock else nullcontext():
        recover_and_clean(output)
        # The spare, this program's hidden folder, is taken as a memo from disk says only if no
        # build has begun writing it since that memo was saved: every build marks the folder
        # before it writes, and only the build command, once its memo is saved, unmarks it.
        marker = writing_marker(output)
        if memo is not None and memo.from_disk:
            memo.spare_untouched = not marker.exists()
        marker.touch()
        spare, seeded = spare_dir(output)
        # The published folder, as the last build left it? (From disk: one stat of each of its files
        # and folders.) If not (edited by hand), its manifest is forgotten, and the spare is checked
        # too: the two share the inodes of unchanged files, so an edit in place shows in both.
        live, live_state = memo.trusted_manifest(output) if memo else (None, None)
        if memo and live is None:
            memo.forget_output(output)
            memo.spare_untouched = False
        known, state = memo.output_manifest(spare) if memo else (None, None)
        copied = memo is not None and memo.copied_spare(spare)  # seeded by the last build, as it left it
        if known is None and (seeded or copied) and live is not None:  # a whole copy (hard links) of it
            known, state = dict(live), unchanged.seeded_state(live_state, spare) if live_state else None
        empty = not seeded and _is_empty(spare)
        if known is None and empty:  # a first build: nothing to compare or delete
            known, state = {}, {}
        if session is not None and memo is not None and not output.exists():  # the next rebuild's spare
            session.copying = prepare_copy(output)
            memo.spare_copy = session.copying.identity
        if session is not None and memo is not None and options.build_cache.is_dir():
            session.rows = RowSpill(options.build_cache)  # the pages' rows out of memory until the save
        copying = session.copying if session is not None else None
        writer = Writer(spare, known, empty=empty, mirror=copying.folder if copying is not None else None)
        rendered = _render_pages(renderer, memo, writer, (output, live) if live is not None else None,
                                 session.rows if session is not None else None)
        cache.prune("pages", [])  # the table keeps only the search bundle (and the build record)
        # ~50 ms each, cached: no progress line.
        share.process_shares(renderer.shares.values(), options.image_cache,
                             present=memo.share_files if memo else None)
        _write_files(writer, plans, assets, options)
        share.write_shares(writer, renderer.shares.values(), options.image_cache)
        _write_media(writer, site)
        writer.write_keyed(MARKER, "marker", lambda: MARKER_TEXT, "backlying-site")
        # Pagefind indexes the staged pages where they are: the stale ones go first (but the old
        # bundle's files, most of which the new bundle has again, stay until it is written).
        writer.remove_stale(keep_under=f"{search.BUNDLE}/")
        search_files = _search_bundle(site, rendered, options, cache, memo, lambda: _marks_search_body(renderer))
        for rel, data in search_files.items():
            writer.write_keyed(rel, hashlib.sha256(data).hexdigest(), lambda data=data: data, "Pagefind")
        writer.remove_stale()
        swap_in(writer.staging, output)
        if copying is not None:
            copying.start(writer.manifest)  # linked while the rest is saved
        if memo:
            memo.record_output(output, writer.manifest)  # the folder written is now the output
            memo.note_folders(output, writer.staging)
        # For the build command's record, taken under the lock: another build may swap in its own site
        # the moment it is released. (The preview records nothing: its own saves tell it what changed.)
        if session is not None:  # the spare's state and what this build changed there, else a walk
            state = unchanged.updated_state(state, output, writer.touched) if known is not None and state is not None \
                else unchanged.output_state(output)
    _prune_caches(plans, renderer, options, memo)
    return BuildResult(output, len(rendered.pages), len(plans), renderer.rendered_count, encoded, len(writer.written),
                       time.perf_counter() - started, notes, state if session is not None else None)


def _prune_caches(plans: dict[Path, ImagePlan], renderer: Renderer, options: BuildOptions,
                  memo: Memo | None) -> None:
    """Forget cached pictures no page names any more (only when that set changed, in the preview)."""
    wanted = frozenset([plan.key for plan in plans.values()] + [s.key for s in renderer.shares.values()])
    if memo is not None and memo.pruned == wanted:
        return
    images.prune_cache(list(plans.values()), options.image_cache)
    share.prune_cache(renderer.shares.values(), options.image_cache)
    if memo is not None:
        memo.pruned = wanted


def _marks_search_body(renderer: Renderer) -> bool:
    """Whether the post template marks what search indexes (then Pagefind may read the staged site)."""
    try:
        source = renderer.env.loader.get_source(renderer.env, search.POST_TEMPLATE)[0]  # type: ignore[union-attr]
    except jinja2.TemplateNotFound:
        return False
    return "data-pagefind-body" in source


def _search_bundle(site: Site, rendered: Rendered, options: BuildOptions, cache: BuildCache,
                   memo: Memo | None = None, in_place: Callable[[], bool] = lambda: True) -> dict[str, bytes]:
    """Pagefind's index, from the cache when no post page changed (indexing costs ~1.5 ms a post)."""
    if not site.config.search:
        return {}
    if options.reuse_search_index and memo is not None and memo.search is not None:
        return memo.search[1]
    posts = [(page.path, key) for page, key in zip(rendered.pages, rendered.keys)
             if page.template == search.POST_TEMPLATE]
    # A page's key stands for its bytes, so the posts' keys stand for the whole index.
    key = digest("pagefind", code_fingerprint(), search.pagefind_identity(), posts)
    files = cache.get_many("pages", [key]).get(key)
    if files is None:
        if not posts:  # Pagefind without a marked page would index every page
            return {}
        assert rendered.folder is not None
        files = search.search_bundle(site.config, rendered.folder,
                                     options.output_dir if options.reuse_search_index else None,
                                     None if in_place() else [path for path, _ in posts])
        if not options.reuse_search_index:
            cache.put("pages", key, files)
    cache.keep_also("pages", key)
    if options.reuse_search_index and memo is not None:
        memo.search = (key, files)
    return files


@dataclass
class Rendered:
    """The site's pages, their keys, and the folder that holds them all (None for check)."""

    pages: list[Page]
    keys: list[str]
    folder: Path | None


def _renderer(site: Site, plans: dict[Path, ImagePlan], options: BuildOptions,
              memo: Memo | None = None) -> tuple[Renderer, dict[str, Path]]:
    folders = theme.template_dirs(site.root)
    files = template_files(folders, lambda path: read_template(path, memo))  # what the page keys hash too
    env = make_environment(folders, memo.templates if memo else None, files)
    problems = []
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
        try:  # loaded once here, before workers fork, not once in each (shared memory)
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            where = _display_path(Path(exc.filename), site.root) if exc.filename else f"templates/{name}"
            problems.append(Problem(where, exc.lineno or 0, "", f"{exc.message}; fix the template's syntax"))
        except UnicodeDecodeError:
            problems.append(Problem(f"templates/{name}", 0, "", "is not UTF-8 text; save it as UTF-8 in your "
                                    "editor (often 'Save with encoding')"))
    if problems:
        raise SiteError(problems)
    statics = theme.static_files(site.root)
    assets: dict[str, str] = {}
    sources: dict[str, Path] = {}
    for rel, path in statics.items():
        name = theme.fingerprinted_name(rel, path.read_bytes())
        assets[rel] = name
        sources[name] = path
    return Renderer(site, env, plans, assets, today(), options.drafts, memo.kept if memo else None), sources


def _render_pages(renderer: Renderer, memo: Memo | None = None, writer: Writer | None = None,
                  live: tuple[Path, Manifest] | None = None, rows: RowSpill | None = None) -> Rendered:
    """Every page and its key (a hash of all it is made from), each made ready in ``writer``'s folder.

    The published pages are the store of rendered HTML: a page whose key the spare already shows is
    kept as it is, one the live output shows under the same key is hard-linked from there, and only
    the others are rendered, on every core, each written by the process that renders it. Without a
    writer (check), every page is rendered and none kept.
    """
    pages, made = pages_and_keys(renderer, memo)
    by_slug: dict[str, Post] | None = None  # given to the workers: they pickle their pages for the memo
    if writer is not None and not writer.known and live is None:
        # Nothing to keep or link (a first build): every page is rendered, and the keys, needed
        # only to record what was written, are made here while the workers render. Each worker
        # also pickles the contexts of its pages for the memo (else the memo's save does, ~0.15 s
        # at 5,000 posts, alone at the end).
        todo, keys = list(range(len(pages))), _Later(made)
        by_slug = {post.slug: post for post in renderer.site.posts} if memo is not None else None
    else:
        keys = list(made)
        todo = [i for i, (page, key) in enumerate(zip(pages, keys))
                if writer is None or not writer.kept_as_is(page.path, key, page.origin)]
    if writer is not None and live is not None:
        folder, manifest = live
        todo = [i for i in todo if not (manifest.get(pages[i].path) == keys[i] and writer.link_from(
            folder / pages[i].path, pages[i].path, keys[i], pages[i].origin))]
    renderer.rendered_count = len(todo)
    # Each page is claimed here and written by the process that renders it: its HTML never
    # travels back to this one (~120 MB through pipes at 5,000 posts), and the writing is spread
    # over every core. Two pages at one address are told after any template problems.
    targets: list[Target | None] = [None] * len(todo)
    rels = [pages[i].path for i in todo]  # as the writer reserved them
    refused: SiteError | None = None
    for n, i in enumerate(todo):
        if writer is not None and refused is None:
            try:
                rels[n], targets[n] = writer.reserve(pages[i].path, pages[i].origin)
            except SiteError as exc:
                refused = exc
    if refused is not None:
        targets = [None] * len(todo)
    problems: list[Problem] = []
    jobs = [(pages[i], target) for i, target in zip(todo, targets)]
    results = parallel.imap_ordered(lambda job: _render_one(renderer, *job, by_slug), jobs, renew_after=RENEW_AFTER)
    # The results first: zip then asks for one more, and the generator ends (its workers joined) here.
    for (ok, result, row), i, rel, target in zip(results, todo, rels, targets):
        if not ok:
            problems.append(result)
        elif writer is not None and target is not None:
            writer.record(rel, keys[i], result)
        if row is not None:
            if rows is not None:
                rows.put(pages[i], row)
            else:
                pages[i].__dict__["_memo_page"] = row  # what memo.page_row would make of it (Page is frozen)
    if problems or refused:
        if memo:
            memo.page_list = None  # its pages were not all written
        raise SiteError(sorted(set(problems))) if problems else refused
    return Rendered(pages, list(keys), writer.staging if writer else None)


class _Later:
    """Keys made one by one as they are first asked for, in order (pagekeys.pages_and_keys)."""

    def __init__(self, made: Iterable[str]) -> None:
        self.made, self.keys = iter(made), []

    def __getitem__(self, index: int) -> str:
        while len(self.keys) <= index:
            self.keys.append(next(self.made))
        return self.keys[index]

    def __iter__(self) -> Iterator[str]:
        yield from self.keys
        yield from self.made


def _render_one(renderer: Renderer, page: Page, target: Target | None = None,
                by_slug: dict[str, Post] | None = None) -> tuple[bool, bool | str | Problem, bytes | None]:
    """A page rendered, and written to ``target`` if given: (True, whether its bytes changed),
    (True, the HTML) without a target, or (False, the template's problem); then, given the posts
    by slug, the page's context as the memo keeps it (memo.page_content)."""
    try:
        with working_on(f"rendering {page.path}"):
            text = renderer.render(page)
    except jinja2.TemplateError as exc:
        return False, template_problem(page, exc, renderer.site.root), None
    except Exception as exc:  # noqa: BLE001 - a site's own template can raise anything ({{ 1 / 0 }})
        if _template_frame(exc)[0] is None:
            raise  # not from a template: a bug of ours, reported as one
        return False, template_problem(page, exc, renderer.site.root), None
    result = write_to(target, text.encode("utf-8")) if target is not None else text
    return True, result, page_content(by_slug, page) if by_slug is not None else None


def template_problem(page: Page, exc: Exception, root: Path) -> Problem:
    """Point at the template line when Jinja knows it, else at the page's source."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if filename is None:
        filename, line = _template_frame(exc)
    where = _display_path(Path(filename), root) if filename else page.origin
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template '{exc.name}' not found; add it to templates/ or remove the reference"
    elif isinstance(exc, jinja2.UndefinedError):
        message = f"{exc.message}; check the variable's name (while rendering {page.path})"
    elif isinstance(exc, jinja2.TemplateError):
        message = f"{exc.message or 'template error'} (while rendering {page.path})"
    else:
        message = f"{type(exc).__name__}: {exc} (while rendering {page.path})"
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


def _write_files(writer: Writer, plans: dict[Path, ImagePlan], assets: dict[str, Path],
                 options: BuildOptions) -> None:
    cache = options.image_cache
    for plan in sorted(plans.values(), key=lambda p: p.key):
        for variant in plan.variants:
            if f"images/{variant.name}" not in writer.written:
                writer.copy_file(f"images/{variant.name}", cache / variant.name, str(plan.source), link=True)
    for name, source in assets.items():
        writer.copy_file(name, source, "static")


def _write_media(writer: Writer, site: Site) -> None:
    """Local video files as they are (the post links them under media/)."""
    for post in site.posts:
        if post.video and post.video.file:
            source = post.video.file.source
            writer.copy_file(f"media/{post.slug}/{source.name}", source, post.path)
