"""What a rebuild does, and what it never takes on trust (issue 19).

tests/test_rebuilds.py checks that any rebuild writes what a clean build writes; these tests pin what
it costs (a rebuild renders what changed, and nothing when nothing did) and the cases a random walk
may not reach: hand edits of the published folder, damaged stores, racy files, a template saved while
a build runs, another version of a dependency.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jinja2
import pytest

from backlying_site.build import BuildOptions, BuildResult, build, build_command
from backlying_site.incremental import Store, fingerprint, load_store
from backlying_site.render import discovery, renderer
from backlying_site.incremental.store import store_path

EDITED = "content/posts/later/index.md"
THEME = Path(__file__).resolve().parents[1] / "templates"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def clean_build(site: Path, tmp_path: Path) -> dict[str, bytes]:
    output = tmp_path / "clean"
    shutil.rmtree(output, ignore_errors=True)
    build(BuildOptions(source=site, output=output, fresh_images=True))
    return tree(output)


@pytest.fixture
def built(sample_site: Path, source_date_epoch: str) -> Path:
    """The sample site, built once by the build command (its store saved)."""
    build_command(BuildOptions(source=sample_site))
    return sample_site


def rebuild(site: Path) -> BuildResult:
    return build_command(BuildOptions(source=site))


def override(site: Path, name: str, *replacements: tuple[str, str]) -> None:
    """The site's own copy of one of the theme's templates, each (old, new) replaced once."""
    text = (THEME / name).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    target = site / "templates" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each template Jinja compiles in this process from now on."""
    names: list[str] = []
    stock = jinja2.Environment.compile

    def counted(self: jinja2.Environment, source: str, name: str | None = None, *args: object, **kw: object) -> object:
        names.append(name or "")
        return stock(self, source, name, *args, **kw)
    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return names


def test_nothing_changed_renders_nothing_and_writes_nothing(built: Path) -> None:
    before = tree(built / "public")
    result = rebuild(built)
    assert (result.pages_rendered, result.files_written) == (0, 0) and result.pages > 0
    assert tree(built / "public") == before


def test_nothing_changed_leaves_the_build_store_as_it_was(built: Path) -> None:
    options = BuildOptions(source=built)
    store = store_path(options.cache / "build", options.output_dir)
    before = store.stat()
    assert rebuild(built).nothing_changed
    after = store.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_build_that_changed_something_saves_the_store_for_the_next(built: Path) -> None:
    edit(built / EDITED, "Short body.", "A longer body, edited.")
    assert rebuild(built).pages_rendered > 0
    again = rebuild(built)
    assert again.nothing_changed and again.pages_rendered == 0


def test_an_edited_body_rerenders_its_post_and_the_pages_that_show_it(built: Path, tmp_path: Path) -> None:
    edit(built / EDITED, "Short body.", "A longer body, edited.")
    result = rebuild(built)
    assert 0 < result.pages_rendered < result.pages // 2
    assert "A longer body, edited." in (built / "public/later/index.html").read_text(encoding="utf-8")
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_similar_exercises_are_found_again_only_when_a_post_s_tags_change(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found: list[int] = []
    stock = discovery.similar_exercises
    monkeypatch.setattr(renderer, "similar_exercises", lambda posts, limit: found.append(1) or stock(posts, limit))
    edit(built / EDITED, "Short body.", "A longer body, edited.")
    assert rebuild(built).pages_rendered > 0 and found == []  # the store's answers
    edit(built / EDITED, "tags: [", "tags: [rolling, ")
    assert rebuild(built).pages_rendered > 0 and found == [1]
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_text_that_reads_like_pythons_repr_of_an_object_is_keyed_as_text(built: Path, tmp_path: Path) -> None:
    """A page's key refuses an object without a repr of its own; an author's words never are one."""
    text = (built / EDITED).read_text(encoding="utf-8")
    summary = next(line for line in text.splitlines() if line.startswith("summary:"))
    edit(built / EDITED, summary, 'summary: "Set the dial at 0xFF> and at 0x1f, <object at 0x7f3a>."')
    result = rebuild(built)
    assert result.pages_rendered > 0
    assert "at 0xFF&gt; and at 0x1f" in (built / "public/later/index.html").read_text(encoding="utf-8")
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_later_rebuilds_never_write_the_pictures_again(built: Path, tmp_path: Path) -> None:
    """Each of the two generations keeps its pictures and share cards: a file the first rebuild
    copied from the other generation is recorded as written, so the rebuild that comes back to that
    generation finds it there and leaves it untouched."""
    def pictures() -> dict[str, int]:
        return {p.relative_to(built / "public").as_posix(): p.stat().st_mtime_ns
                for p in sorted((built / "public/images").rglob("*")) if p.is_file()}
    seen = []
    for old, new in (("Short body.", "Edited once."), ("Edited once.", "Edited twice."),
                     ("Edited twice.", "Edited three times.")):
        edit(built / EDITED, old, new)
        assert rebuild(built).pages_rendered > 0
        seen.append(pictures())
    assert len(seen[0]) > 10
    assert seen[2] == seen[0]  # the third rebuild writes into the first one's generation
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_rebuild_checks_the_links_of_the_edited_post_only(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backlying_site import build as pipeline

    checked: list[str] = []
    stock = pipeline.post_link_problems
    monkeypatch.setattr(pipeline, "post_link_problems",
                        lambda post, *args: checked.append(post.path) or stock(post, *args))
    edit(built / "content/posts/plain.md", "Body.", "Body, edited.")
    rebuild(built)
    assert checked == ["content/posts/plain.md"]


def test_a_link_to_a_post_that_is_then_made_a_draft_is_warned_of_though_its_post_is_unchanged(
        built: Path, tmp_path: Path) -> None:
    edit(built / EDITED, "date: 2026-03-01", "date: 2026-03-01\ndraft: true")
    warnings = [problem.format() for problem in rebuild(built).warnings]
    assert any("first-steps" in warning and "'../later/'" in warning and "not published yet" in warning
               for warning in warnings), warnings
    clean = build(BuildOptions(source=built, output=tmp_path / "clean", fresh_images=True))
    assert sorted(warnings) == sorted(problem.format() for problem in clean.warnings)


def test_a_template_is_compiled_once_until_its_source_changes(built: Path, tmp_path: Path,
                                                             compiled: list[str]) -> None:
    edit(built / EDITED, "Short body.", "Edited once.")
    rebuild(built)
    assert compiled == []  # the fixture's build compiled them all in this process
    override(built, "tag.html", ("{% block main %}", "{% block main %}<!-- ours -->"))
    rebuild(built)
    assert compiled == ["tag.html"]
    assert "<!-- ours -->" in (built / "public/tags/play/index.html").read_text(encoding="utf-8")
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_rebuild_in_a_new_process_takes_the_compiled_templates_from_the_store_and_only_those_still_read(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiled: list[str]) -> None:
    from backlying_site.render.environment import COMPILED

    monkeypatch.setattr(COMPILED, "codes", type(COMPILED.codes)())  # as a new process starts
    edit(built / EDITED, "Short body.", "Edited once.")
    rebuild(built)
    assert "post.html" not in compiled and "base.html" not in compiled
    override(built, "post.html", ("{% block main %}", "{% block main %}<!-- ours -->"))
    monkeypatch.setattr(COMPILED, "codes", type(COMPILED.codes)())
    compiled.clear()
    rebuild(built)
    assert compiled.count("post.html") == 1 and "base.html" not in compiled
    assert "<!-- ours -->" in (built / "public/later/index.html").read_text(encoding="utf-8")
    assert tree(built / "public") == clean_build(built, tmp_path)
    theirs = hashlib.sha1((THEME / "post.html").read_text(encoding="utf-8").encode()).hexdigest()  # Jinja's checksum
    kept = load_store(store_path(built / ".cache/build", (built / "public").absolute())).templates
    assert kept and theirs not in {checksum for _, checksum in kept}  # the theme's post.html: no page reads it now


def test_a_rebuild_in_a_new_process_parses_no_template_for_the_templates_it_names_that_the_store_knows(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backlying_site.render.environment import NAMED

    parsed: list[str] = []
    stock = jinja2.Environment.parse
    monkeypatch.setattr(jinja2.Environment, "parse", lambda env, source, *a, **kw: parsed.append(source) or
                        stock(env, source, *a, **kw))
    monkeypatch.setattr(NAMED, "known", {})  # as a new process starts
    edit(built / EDITED, "Short body.", "Edited once.")
    assert rebuild(built).pages_rendered > 0 and parsed == []
    override(built, "post.html", ("{% block main %}", '{% block main %}{% include "partials/extra.html" %}'))
    (built / "templates/partials").mkdir(exist_ok=True)
    (built / "templates/partials/extra.html").write_text("<!-- extra -->", encoding="utf-8")
    monkeypatch.setattr(NAMED, "known", {})
    rebuild(built)
    assert len(parsed) == 2 and "partials/extra.html" in parsed[0] + parsed[1]  # post.html, and what it names
    assert "<!-- extra -->" in (built / "public/later/index.html").read_text(encoding="utf-8")
    (built / "templates/partials/extra.html").write_text("<!-- changed -->", encoding="utf-8")
    rebuild(built)
    assert "<!-- changed -->" in (built / "public/later/index.html").read_text(encoding="utf-8")
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_compiled_templates_in_another_bytecode_format_are_compiled_again(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiled: list[str]) -> None:
    from backlying_site.incremental import load_store
    from backlying_site.incremental.store import save_store
    from backlying_site.render.environment import COMPILED

    path = store_path(built / ".cache" / "build", (built / "public").absolute())
    store = load_store(path)
    assert store.templates
    # Jinja's bytes begin with its magic (its bytecode format, Python's major.minor): another one's
    store.templates = {key: data[:2] + b"another" + data[2:] for key, data in store.templates.items()}
    save_store(store, path)
    monkeypatch.setattr(COMPILED, "codes", type(COMPILED.codes)())
    edit(built / EDITED, "Short body.", "Edited once.")
    rebuild(built)
    assert "post.html" in compiled and "base.html" in compiled
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_template_edit_renders_again_only_the_pages_that_read_it_even_through_an_imported_macro(
        built: Path, tmp_path: Path) -> None:
    override(built, "tag.html", ("{% block main %}", "{% block main %}<!-- ours -->"))
    result = rebuild(built)
    tag_pages = [rel for rel in tree(built / "public") if rel.startswith("tags/") and rel.count("/") > 1]
    assert tag_pages and result.pages_rendered == len(tag_pages) + 1  # and sw.js: its version follows every template
    assert tree(built / "public") == clean_build(built, tmp_path)
    # Imported at the top of partials/card.html, whose module Jinja makes once: asked for only then.
    override(built, "partials/picture.html", ("<picture", "<picture data-ours"))
    rebuild(built)
    assert "data-ours" in (built / "public/index.html").read_text(encoding="utf-8")
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_what_an_imported_templates_module_reads_is_read_by_every_page_that_imports_it(
        built: Path, tmp_path: Path) -> None:
    """Jinja makes partials/card.html's module once per build: what its top reads (an age band's
    posts, which no page key covers) is read on the first page that imports it, and by every other."""
    override(built, "partials/card.html",
             ("{% macro card(", "{% set youngest = age_bands[0].posts | length %}\n{% macro card("),
             ('<article class="card"', '<article class="card" data-youngest="{{ youngest }}"'))
    rebuild(built)
    before = (built / "public/tags/play/index.html").read_text(encoding="utf-8")
    assert "data-youngest=" in before
    # The same bands have posts (3-6 months: 'later'; 6-9: this one): only what the youngest holds changes.
    edit(built / "content/posts/first-steps/index.md", "{from_months: 3, to_months: 9,",
         "{from_months: 6, to_months: 9,")
    rebuild(built)
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_template_a_page_looked_for_and_did_not_find_renders_it_again_once_it_is_there(
        built: Path, tmp_path: Path) -> None:
    listed = '{% include ["partials/ours.html", "partials/meta.html"] ignore missing %}'
    override(built, "tag.html", ("{% block main %}", "{% block main %}" + listed))
    rebuild(built)
    (built / "templates/partials").mkdir()
    (built / "templates/partials/ours.html").write_text("<!-- ours -->", encoding="utf-8")
    rebuild(built)
    assert "<!-- ours -->" in (built / "public/tags/play/index.html").read_text(encoding="utf-8")
    assert tree(built / "public") == clean_build(built, tmp_path)
    named = '{% include "partials/" ~ page_title[:0] ~ "named.html" ignore missing %}'  # by an expression
    override(built, "tag.html", ("{% block main %}", "{% block main %}" + named))
    rebuild(built)
    (built / "templates/partials/named.html").write_text("<!-- named -->", encoding="utf-8")
    rebuild(built)
    assert "<!-- named -->" in (built / "public/tags/play/index.html").read_text(encoding="utf-8")
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_hand_edit_of_a_published_file_is_repaired_even_with_its_size_and_times_kept(
        built: Path, tmp_path: Path) -> None:
    """Its change time still moves: the stat every build records includes it (issue 18, item 10)."""
    page = built / "public/robots.txt"  # a page no post edit renders again
    original = page.read_bytes()
    info = page.stat()
    page.write_bytes(original.replace(b"Sitemap", b"SITEMAP"))
    os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns))
    edit(built / "content/posts/plain.md", "Body.", "Body, edited.")  # so that the build does run
    rebuild(built)
    assert page.read_bytes() == original
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_the_pages_a_rebuild_keeps_from_the_live_folder_are_linked_and_the_generation_before_stays_whole(
        built: Path, tmp_path: Path) -> None:
    """The spare holds the site before the last build; writing a page never writes into a file the
    live folder shares with it (a write in place would change the published site before the swap)."""
    live, spare = built / "public", built / ".public.spare"
    # The spare: empty, then sharing every file but the edited post's pages with the live folder, and
    # the second edit renders every page again.
    for post, old, new in ((EDITED, "Short body.", "A longer body, edited."), ("site.yaml", "Sample Guide", "A Guide")):
        published = tree(live)
        edit(built / post, old, new)
        result = rebuild(built)
        if post == EDITED:
            shared = [rel for rel in tree(live) if (spare / rel).exists() and (live / rel).samefile(spare / rel)]
            assert 0 < result.pages_rendered < len(shared), result  # the rest: one file, two names, not copied
        assert tree(spare) == published
        assert tree(live) == clean_build(built, tmp_path)
    assert rebuild(built).nothing_changed  # the linked files' stats were recorded as the links left them


def test_a_clean_build_over_a_spare_that_shares_files_with_the_live_folder_equals_a_clean_build(
        built: Path, tmp_path: Path) -> None:
    edit(built / EDITED, "Short body.", "A longer body, edited.")
    rebuild(built)  # the spare: the cold build's files, most of them shared with the live folder now
    published = tree(built / "public")
    edit(built / "site.yaml", "Sample Guide", "A Guide")
    build_command(BuildOptions(source=built), clean=True)
    assert tree(built / ".public.spare") == published
    assert tree(built / "public") == clean_build(built, tmp_path)


# The build command in a process of its own (a worker is forked only where no other thread runs), with
# every step spread over processes, and each link to a live page noted with the process that made it.
LINKING_BUILD = """
import os, sys
from pathlib import Path
from backlying_site import parallel
from backlying_site.build import BuildOptions, build_command
from backlying_site.output import writer

parallel.MIN_ITEMS = 1
parallel.worker_count = lambda: 2  # (this process and one fork, whatever the machine)
made = writer.Link.made

def noted(self):
    with open(sys.argv[2], "a") as log:
        log.write(f"{os.getpid()} {self.rel}\\n")
    return made(self)

writer.Link.made = noted
build_command(BuildOptions(source=Path(sys.argv[1])))
"""


def test_the_first_rebuild_after_a_cold_build_links_the_live_pages_on_every_core_and_equals_a_clean_build(
        sample_site: Path, source_date_epoch: str, tmp_path: Path) -> None:
    log = tmp_path / "links.log"

    def build_in_a_process() -> None:
        done = subprocess.run([sys.executable, "-c", LINKING_BUILD, str(sample_site), str(log)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr

    build_in_a_process()
    assert not log.exists()  # a cold build links nothing: its spare is empty, and so is the live folder
    edit(sample_site / EDITED, "Short body.", "A longer body, edited.")
    build_in_a_process()  # the spare (the folder before the cold build) is empty: every kept page is linked
    links = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    pages_linked_by = [pid for pid, rel in links if rel.endswith(".html")]  # (the rest: assets, in this process)
    assert len(pages_linked_by) >= 5 and len(set(pages_linked_by)) == 2, links
    assert tree(sample_site / "public") == clean_build(sample_site, tmp_path)


def test_a_deleted_or_emptied_output_is_written_whole_again(built: Path, tmp_path: Path) -> None:
    reference = clean_build(built, tmp_path)
    shutil.rmtree(built / "public/tags")
    (built / "public/index.html").unlink()
    rebuild(built)
    assert tree(built / "public") == reference
    shutil.rmtree(built / "public")
    shutil.rmtree(built / ".public.spare")
    rebuild(built)
    assert tree(built / "public") == reference


def test_a_saved_store_writes_each_post_it_read_back_as_read_and_a_changed_one_anew(tmp_path: Path) -> None:
    import datetime as dt

    from backlying_site.incremental import SavedPost
    from backlying_site.incremental.store import save_store
    from backlying_site.model import Post, Step

    def saved(body: str) -> SavedPost:
        post = Post(path="content/posts/a.md", slug="a", title="A", date=dt.date(2026, 1, 1), summary="s",
                    benefits=("b",), steps=(Step(1, "t"),), body=body, body_line=1)
        return SavedPost(None, body, post, body, ())

    path = tmp_path / "store.pickle"
    store = Store()
    first, from_worker = saved("first"), saved("from a worker")
    store.keep_posts({"a": first, "b": from_worker})
    sent = pickle.dumps(from_worker, protocol=2)  # not what the store would make of it itself
    store.keep_pickle("b", from_worker, sent)
    save_store(store, path)
    read = load_store(path)
    assert read.posts == {"a": first, "b": from_worker} and read.pickled["b"][1] == sent
    assert read.pickled["a"][0] is read.posts["a"]  # kept to be written back as it was read
    read.keep_posts({"a": saved("changed"), "b": read.posts["b"]})
    save_store(read, path)
    again = load_store(path)
    assert again.posts == {"a": saved("changed"), "b": from_worker} and again.pickled["b"][1] == sent


def test_a_store_saved_again_before_its_posts_were_asked_for_keeps_them_byte_for_byte(built: Path,
                                                                                     tmp_path: Path) -> None:
    from backlying_site.incremental.store import save_store

    path = store_path(built / ".cache/build", (built / "public").absolute())
    again = tmp_path / "again.pickle"
    save_store(load_store(path), again)  # (its posts are read only when asked for)
    assert again.read_bytes() == path.read_bytes()
    assert load_store(again).posts == load_store(path).posts != {}


def test_a_damaged_store_is_dropped_with_a_note_and_the_build_is_whole(built: Path, tmp_path: Path) -> None:
    path = store_path(built / ".cache/build", (built / "public").absolute())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    edit(built / EDITED, "Short body.", "Edited once the store broke.")
    result = rebuild(built)
    assert any("could not be read" in note for note in result.notes)
    assert result.pages_rendered == result.pages
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_damaged_post_in_the_store_is_read_again_with_a_note_and_every_build_after_it_is_whole(
        built: Path, tmp_path: Path) -> None:
    from backlying_site.incremental.store import save_store

    path = store_path(built / ".cache/build", (built / "public").absolute())
    store = load_store(path)
    name, plain = next((name, saved) for name, saved in store.posts.items() if name.endswith("plain.md"))
    store.keep_pickle(name, plain, pickle.dumps(plain)[:40])  # the rest of the store is whole
    save_store(store, path)
    edit(built / EDITED, "Short body.", "Edited once a post in the store broke.")
    result = rebuild(built)
    assert any("posts could not be read" in note for note in result.notes)
    assert tree(built / "public") == clean_build(built, tmp_path)
    edit(built / EDITED, "Edited once", "Edited twice")
    assert rebuild(built).notes == []
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_another_version_of_a_dependency_makes_everything_again(
        built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listed = fingerprint.installed_distributions
    monkeypatch.setattr(fingerprint, "installed_distributions", lambda: (*listed(), "Jinja2-9.9.dist-info"))
    fingerprint.environment_fingerprint.cache_clear()
    try:
        result = rebuild(built)
    finally:
        monkeypatch.undo()
        fingerprint.environment_fingerprint.cache_clear()
    assert result.pages_rendered == result.pages


def test_a_stat_taken_moments_after_a_write_is_not_trusted_and_the_text_is_compared(tmp_path: Path) -> None:
    """Two saves within one tick of the file system's clock can leave the same stat (git's "racy
    clean" files): a stat taken that soon stands for nothing, and the text decides."""
    from backlying_site.incremental.store import RACY_NS, SavedPost, file_stat, trusted_stat

    path = tmp_path / "post.md"
    path.write_text("one", encoding="utf-8")
    assert trusted_stat(path) is None
    stat = file_stat(path)
    assert stat is not None and trusted_stat(path, taken_at=stat[3] + RACY_NS) == stat
    store = Store()
    reads: list[str] = []

    def read() -> str:
        reads.append("read")
        return path.read_text(encoding="utf-8")

    for recorded, text, found in [(None, "one", True), (None, "two", False), (stat, "one", True)]:
        store.posts[str(path)] = SavedPost(recorded, f"key of {text}", None, "", ())  # type: ignore[arg-type]
        assert (store.post(str(path), read, lambda text: f"key of {text}") is not None) is found
    assert len(reads) == 2  # a trusted stat, unchanged, reads nothing
    path.write_text("two", encoding="utf-8")  # with a trusted stat: the new stat shows the change
    assert store.post(str(path), read, lambda text: f"key of {text}") is None


def test_a_post_read_again_by_its_text_keeps_its_stat_once_old_enough(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A post built moments after it was written (a clone, a checkout, a generated site) is known by
    its text the next time; once its stat is old enough it stands for it again, so later builds do
    not read it."""
    from backlying_site.incremental import store as stores

    path = tmp_path / "post.md"
    path.write_text("one", encoding="utf-8")
    store = Store()
    store.posts[str(path)] = stores.SavedPost(None, "key of one", None, "", ())  # type: ignore[arg-type]
    reads: list[str] = []

    def read() -> str:
        reads.append("read")
        return path.read_text(encoding="utf-8")

    def known() -> stores.SavedPost | None:
        found = store.post(str(path), read, lambda text: f"key of {text}")
        if found is not None:
            store.keep_posts({str(path): found})  # as a build keeps what it found
        return found

    assert known() is not None and store.posts[str(path)].stat is None  # still too fresh: kept as it was
    later = time.time_ns() + stores.RACY_NS
    monkeypatch.setattr(stores.time, "time_ns", lambda: later)
    assert known() is not None and store.posts[str(path)].stat == stores.file_stat(path)
    assert known() is not None and len(reads) == 2  # known by its stat now
    path.write_text("two", encoding="utf-8")
    assert known() is None  # and an edit still shows


def test_a_template_saved_while_a_build_runs_is_in_the_next_build_not_half_in_this_one(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page is keyed and rendered from the template bytes the build read once, at its start."""
    from backlying_site import build as pipeline

    template = built / "templates/404.html"
    template.parent.mkdir(exist_ok=True)
    template.write_text("{% extends 'base.html' %}{% block main %}<h1>Version A</h1>{% endblock %}\n",
                        encoding="utf-8")
    rebuild(built)
    real = pipeline.plan_images

    def saved_meanwhile(site, reuse):  # after the theme was read, before any page is rendered
        edit(template, "Version A", "Version B")
        return real(site, reuse)

    monkeypatch.setattr(pipeline, "plan_images", saved_meanwhile)
    edit(built / EDITED, "Short body.", "A body edited, so that the build runs.")
    rebuild(built)
    assert "Version A" in (built / "public/404.html").read_text(encoding="utf-8")
    monkeypatch.undo()
    rebuild(built)
    assert "Version B" in (built / "public/404.html").read_text(encoding="utf-8")
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_the_preview_and_the_build_command_keep_their_own_stores_and_pictures(
        built: Path, source_date_epoch: str) -> None:
    """`serve` between two builds costs the build nothing: another store, and the picture cache
    keeps what either of them uses (issue 22, item 7)."""
    preview = Store()
    options = BuildOptions(source=built, output=built / ".cache/preview", drafts=True, preview=True)
    first = build(options, preview)
    assert first.pages_rendered == first.pages
    result = rebuild(built)
    assert (result.pages_rendered, result.images_encoded) == (0, 0)
    again = build(options, preview)
    assert (again.pages_rendered, again.images_encoded) == (0, 0)
