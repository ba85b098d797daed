"""The build cache makes rebuilds fast and is never stale (issue 6).

Every rebuild here is compared, file for file, with a clean build (no cache, no
previous output) of the same edited site: a hit must be exactly what a clean
build would make.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from backlying_site import cache as cache_module
from backlying_site import memo as memo_module
from backlying_site.builder import BuildOptions, build
from backlying_site.memo import Memo


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def clean_build(site: Path, tmp_path: Path) -> dict[str, bytes]:
    copy = tmp_path / "clean"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("public", ".cache", ".public*"))
    build(BuildOptions(source=copy))
    return tree(copy / "public")


@pytest.fixture
def built(sample_site: Path, source_date_epoch: str) -> Path:
    build(BuildOptions(source=sample_site))
    return sample_site


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_nothing_changed_renders_nothing_and_writes_the_same_site(built: Path) -> None:
    before = tree(built / "public")
    result = build(BuildOptions(source=built))
    assert result.pages_rendered == 0
    assert tree(built / "public") == before


def test_editing_a_post_rerenders_it_and_the_pages_that_list_it(built: Path, tmp_path: Path) -> None:
    edit(built / "content/posts/later/index.md", "title: Later", "title: Later, renamed")
    result = build(BuildOptions(source=built))
    assert 0 < result.pages_rendered < result.pages
    assert "Later, renamed" in (built / "public/later/index.html").read_text(encoding="utf-8")
    assert "Later, renamed" in (built / "public/index.html").read_text(encoding="utf-8")
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_editing_only_a_body_rerenders_only_that_post(built: Path, tmp_path: Path) -> None:
    edit(built / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    result = build(BuildOptions(source=built))
    # The post, and the lists that show it (home, its tags, its age band, its author, the feed).
    assert result.pages_rendered <= 8 < result.pages
    assert tree(built / "public") == clean_build(built, tmp_path)


@pytest.mark.parametrize("change", [
    ("templates", "404.html", "{% extends 'base.html' %}{% block main %}<h1>Gone</h1>{% endblock %}\n"),
    ("config", "site.yaml", None),
    ("author", "content/authors.yaml", None),
])
def test_templates_config_and_authors_invalidate_what_they_touch(built: Path, tmp_path: Path, change) -> None:
    kind, rel, text = change
    if kind == "templates":
        (built / "templates").mkdir()
        (built / "templates" / rel).write_text(text, encoding="utf-8")
    elif kind == "config":
        edit(built / rel, "title: Sample Guide", "title: Sample Guide, second edition")
    else:
        edit(built / rel, "name: Ada Example", "name: Ada Renamed")
    build(BuildOptions(source=built))
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_deleting_a_post_removes_its_page_and_every_link_to_it(built: Path, tmp_path: Path) -> None:
    shutil.rmtree(built / "content/posts/later")
    build(BuildOptions(source=built))
    assert not (built / "public/later").exists()
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_corrupt_cache_is_discarded_with_a_note(built: Path, tmp_path: Path) -> None:
    database = built / ".cache/build/build.sqlite"
    assert database.is_file()
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.write_bytes(b"this is not a database" * 100)
    result = build(BuildOptions(source=built))
    assert any("build cache" in note for note in result.notes)
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_an_image_removed_after_caching_is_still_reported(built: Path) -> None:
    from backlying_site.errors import SiteError

    (built / "content/posts/later/step.jpg").unlink()
    with pytest.raises(SiteError) as error:
        build(BuildOptions(source=built))
    assert "content/posts/later/index.md:10: steps[1].image: 'step.jpg' not found" in str(error.value)


def test_a_damaged_published_site_is_repaired_by_the_next_build(built: Path, tmp_path: Path) -> None:
    """The "nothing changed" shortcut also looks at the published folder."""
    (built / "public/later/index.html").unlink()
    (built / "public/index.html").write_text("defaced", encoding="utf-8")
    build(BuildOptions(source=built))
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_replaced_picture_is_noticed_without_any_text_change(built: Path, tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (120, 90), (200, 30, 30)).save(built / "content/posts/later/step.jpg", quality=70)
    result = build(BuildOptions(source=built))
    assert result.images_encoded == 1
    assert tree(built / "public") == clean_build(built, tmp_path)


def rows(database: Path, table: str = "posts") -> int:
    import sqlite3

    with sqlite3.connect(database) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_posts_spilled_into_the_cache_during_a_build_give_the_same_site(
        sample_site: Path, source_date_epoch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big build writes its parsed posts into the cache's open transaction as it goes, not all in
    memory. Pages are not stored there at all: the published folders hold them."""
    monkeypatch.setattr(cache_module, "SPILL_BYTES", 1)  # every row goes straight into the transaction
    result = build(BuildOptions(source=sample_site))
    assert result.pages_rendered == result.pages
    assert tree(sample_site / "public") == clean_build(sample_site, tmp_path)
    assert rows(sample_site / ".cache/build/build.sqlite") == 5  # every post file: first-steps, later, plain...
    assert rows(sample_site / ".cache/build/build.sqlite", "pages") <= 2  # the build record, the search index


def test_the_cache_holds_the_posts_of_the_site_as_it_is_after_each_build(built: Path) -> None:
    """Edited, deleted and added posts: the old rows go (deleted by the keys the last build used),
    and rows nobody knows of (another process's) go too, by a comparison of the whole table."""
    import sqlite3

    database = built / ".cache/build/build.sqlite"

    def keys() -> set[str]:
        with sqlite3.connect(database) as db:
            return {key for (key,) in db.execute("SELECT key FROM posts")}

    first = keys()
    assert len(first) == 5
    edit(built / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    build(BuildOptions(source=built))
    assert len(keys()) == 5 and len(keys() - first) == 1
    add_post(built, "brand-new")
    build(BuildOptions(source=built))
    assert len(keys()) == 6
    shutil.rmtree(built / "content/posts/brand-new")
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO posts VALUES ('from-elsewhere', x'00')")
    build(BuildOptions(source=built))
    assert len(keys()) == 5 and "from-elsewhere" not in keys()


def test_a_first_builds_cache_written_without_a_journal_is_whole_and_then_shared(
        sample_site: Path, source_date_epoch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first build writes its new cache file with no journal (it removes the file if it fails);
    the file is then sound, and the next build turns on the write-ahead log that lets the preview
    and workers read while a build writes."""
    import sqlite3

    monkeypatch.setattr(cache_module, "SPILL_BYTES", 1)  # rows written during the build, not at its end
    build(BuildOptions(source=sample_site))
    database = sample_site / ".cache/build/build.sqlite"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() != ("wal",)
    edit(sample_site / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    build(BuildOptions(source=sample_site))
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert rows(database) == 5


def test_the_parsed_posts_are_out_of_memory_before_the_pages_are_rendered(
        sample_site: Path, source_date_epoch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows waiting for the commit (up to SPILL_BYTES of parsed posts) go into the open transaction
    once the posts are loaded: not held through the rendering, when the build's memory peaks."""
    from backlying_site import builder

    pending: list[int] = []
    render = builder._render_pages
    monkeypatch.setattr(builder, "_render_pages", lambda *args, **kwargs:
                        pending.append(caches[0].pending_bytes) or render(*args, **kwargs))
    caches: list[cache_module.BuildCache] = []
    made = cache_module.BuildCache.__init__

    def remember(self: cache_module.BuildCache, folder: Path | None) -> None:
        made(self, folder)
        caches.append(self)
    monkeypatch.setattr(cache_module.BuildCache, "__init__", remember)
    build(BuildOptions(source=sample_site))
    assert pending == [0]
    assert rows(sample_site / ".cache/build/build.sqlite") == 5  # every post, committed at the end
    assert tree(sample_site / "public") == clean_build(sample_site, tmp_path)


def test_the_pages_rows_wait_for_the_memo_in_a_file_not_in_memory(
        sample_site: Path, source_date_epoch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows the workers make of their pages (~4 MB at 5,000 posts) are spilled to an unlinked
    file as they come and read back by the save: none is made again there, and the next build
    goes on from them."""
    from backlying_site import memo as memo_module

    made_at_save: list[str] = []
    save, content = memo_module.Memo.save, memo_module.page_content
    saving = []

    def counted(by_slug, page):  # noqa: ANN001, ANN202
        if saving:
            made_at_save.append(page.path)
        return content(by_slug, page)

    def save_noting(self, *args):  # noqa: ANN001, ANN202
        saving.append(True)
        try:
            return save(self, *args)
        finally:
            saving.clear()
    monkeypatch.setattr(memo_module, "page_content", counted)
    monkeypatch.setattr(memo_module.Memo, "save", save_noting)
    build(BuildOptions(source=sample_site))
    assert made_at_save == []
    edit(sample_site / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    result = build(BuildOptions(source=sample_site))
    assert 0 < result.pages_rendered < result.pages
    assert tree(sample_site / "public") == clean_build(sample_site, tmp_path)


@pytest.mark.parametrize("unjournaled, mode", [(True, "off"), (False, "wal")])
def test_a_new_cache_file_goes_without_a_journal_only_when_no_one_reads_it_meanwhile(
        tmp_path: Path, unjournaled: bool, mode: str) -> None:
    """Without a journal its writer holds the file: a build whose memo reads posts back from it
    (read_value) keeps the write-ahead log, where readers never wait."""
    cache = cache_module.BuildCache(tmp_path)
    cache.unjournaled = unjournaled
    cache.put("posts", "k", "a post")
    cache._spill()
    assert cache.db is not None and cache.db.execute("PRAGMA journal_mode").fetchone() == (mode,)
    if mode == "wal":  # another connection reads what is committed while this one writes
        assert cache_module.read_value(tmp_path / cache_module.DATABASE, "posts", "k") is None
    cache.commit()
    assert cache_module.read_value(tmp_path / cache_module.DATABASE, "posts", "k") == "a post"
    cache.close()


def test_a_cache_of_an_older_version_is_replaced_by_a_new_file(built: Path, tmp_path: Path) -> None:
    import sqlite3

    database = built / ".cache/build/build.sqlite"
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA user_version=3")
        db.execute("INSERT INTO pages VALUES ('old', zeroblob(1000000))")
    build(BuildOptions(source=built))
    assert database.stat().st_size < 1_000_000  # not the old file with a megabyte of free pages
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_failed_build_rolls_back_what_it_spilled(sample_site: Path, source_date_epoch: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from backlying_site.errors import SiteError

    monkeypatch.setattr(cache_module, "SPILL_BYTES", 1)
    (sample_site / "templates").mkdir()
    (sample_site / "templates/tags.html").write_text("{{ no_such_thing }}\n", encoding="utf-8")
    with pytest.raises(SiteError):  # the first build ever: the cache file it began is removed
        build(BuildOptions(source=sample_site))
    assert not (sample_site / ".cache/build/build.sqlite").exists()
    (sample_site / "templates/tags.html").unlink()
    build(BuildOptions(source=sample_site))
    before = rows(sample_site / ".cache/build/build.sqlite")
    edit(sample_site / "content/posts/later/index.md", "title: Later", "title: Later, renamed")
    (sample_site / "templates/tags.html").write_text("{{ no_such_thing }}\n", encoding="utf-8")
    with pytest.raises(SiteError):  # pages rendered before the error were spilled, then rolled back
        build(BuildOptions(source=sample_site))
    assert rows(sample_site / ".cache/build/build.sqlite") == before


# --- the preview: one process, one memo, many builds ---------------------------------------------


def add_post(site: Path, slug: str) -> None:
    shutil.copytree(site / "content/posts/later", site / f"content/posts/{slug}")
    edit(site / f"content/posts/{slug}/index.md", "title: Later", f"title: Copy {slug}")


EDITS = [
    ("a body", lambda s: edit(s / "content/posts/later/index.md", "Short body.", "A longer body, edited.")),
    ("a title", lambda s: edit(s / "content/posts/later/index.md", "title: Later", "title: Later, renamed")),
    ("a new post", lambda s: add_post(s, "brand-new")),
    ("the same body back", lambda s: edit(s / "content/posts/later/index.md", "A longer body, edited.",
                                          "Short body.")),
    ("a deleted post", lambda s: shutil.rmtree(s / "content/posts/brand-new")),
    ("a template", lambda s: (s / "templates").mkdir() or (s / "templates/404.html").write_text(
        "{% extends 'base.html' %}{% block main %}<h1>Gone</h1>{% endblock %}\n", encoding="utf-8")),
    ("the same template again", lambda s: edit(s / "templates/404.html", "Gone", "Gone again")),
    ("site.yaml", lambda s: edit(s / "site.yaml", "title: Sample Guide", "title: Sample Guide, second edition")),
    ("an author", lambda s: edit(s / "content/authors.yaml", "name: Ada Example", "name: Ada Renamed")),
    ("a picture", lambda s: __import__("PIL.Image").Image.new("RGB", (120, 90), (200, 30, 30)).save(
        s / "content/posts/later/step.jpg", quality=70)),
]


def test_the_previews_rebuilds_each_equal_a_clean_build(sample_site: Path, source_date_epoch: str,
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The memo reuses posts, pictures, templates and the spare folder's manifest between builds;
    after every kind of edit the published folder must be exactly a clean build's."""
    monkeypatch.setattr(memo_module, "RACY_NS", 0)  # trust every stat, so the memo is used to the full
    memo = Memo()
    options = BuildOptions(source=sample_site)
    first = build(options, memo)
    assert first.pages_rendered == first.pages
    for name, change in EDITS:
        change(sample_site)
        result = build(options, memo)
        assert tree(sample_site / "public") == clean_build(sample_site, tmp_path), name
        if name == "a body":  # the post and the lists that show it, no more
            assert 0 < result.pages_rendered <= 8 < result.pages
    again = build(options, memo)
    assert again.pages_rendered == 0 and tree(sample_site / "public") == clean_build(sample_site, tmp_path)


def test_a_file_changed_within_the_last_moments_is_never_recalled(tmp_path: Path) -> None:
    """Two saves within one tick of the file system's clock can leave the same stat (git's "racy
    clean" files): a file that new is read again next time instead of being trusted."""
    path = tmp_path / "post.md"
    path.write_text("one", encoding="utf-8")
    memo = Memo()
    memo.begin()
    from backlying_site.writer import signature

    memo.remember(path, "post", "parsed one", signature(path))
    assert memo.recall(path, "post") is None
    assert memo.last(path, "post") == "parsed one"  # kept, for a caller that compares the text
    memo.started += 10 * memo_module.RACY_NS  # the same file, read long after it was written
    memo.remember(path, "post", "parsed one", signature(path))
    assert memo.recall(path, "post") == "parsed one"
    path.write_text("two", encoding="utf-8")
    assert memo.recall(path, "post") is None


def test_a_template_saved_while_a_build_runs_is_never_half_in_it(
        sample_site: Path, source_date_epoch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages are keyed and rendered from the same bytes of each template, read once: a template
    saved meanwhile shows in the next build (found by a reviewer: with the templates loaded
    before their bytes were hashed, pages rendered from the old text kept the new text's key
    and were kept as they were ever after)."""
    from backlying_site import builder

    template = sample_site / "templates/404.html"
    template.parent.mkdir()
    template.write_text("{% extends 'base.html' %}{% block main %}<h1>Version A</h1>{% endblock %}\n",
                        encoding="utf-8")
    build(BuildOptions(source=sample_site))
    real = builder.spare_dir

    def saved_meanwhile(output: Path) -> tuple[Path, bool]:
        edit(template, "Version A", "Version B")
        return real(output)

    edit(sample_site / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    monkeypatch.setattr(builder, "spare_dir", saved_meanwhile)
    build(BuildOptions(source=sample_site))
    monkeypatch.setattr(builder, "spare_dir", real)
    build(BuildOptions(source=sample_site))
    assert "Version B" in (sample_site / "public/404.html").read_text(encoding="utf-8")
    assert tree(sample_site / "public") == clean_build(sample_site, tmp_path)


def test_the_state_each_build_records_is_the_published_folder_as_a_walk_finds_it(
        sample_site: Path, source_date_epoch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build command records the published folder's state from the spare's and the paths it
    changed, without a walk: after every kind of edit it must be exactly what a walk finds."""
    from backlying_site import unchanged
    from backlying_site.cache import BuildCache

    monkeypatch.setattr(memo_module, "RACY_NS", 0)
    options = BuildOptions(source=sample_site)
    build(options)
    for name, change in [("nothing", lambda s: None), *EDITS]:
        change(sample_site)
        build(options)
        cache = BuildCache(sample_site / ".cache/build")
        recorded = cache.get_many("pages", [unchanged.RECORD])[unchanged.RECORD]["output"]
        cache.close()
        assert recorded == unchanged.output_state(sample_site / "public"), name
        assert unchanged.same_state(sample_site / "public", recorded), name


def _folder_changes() -> list[tuple[str, Callable[[Path], object]]]:
    def replace(path: Path) -> None:
        text = path.read_bytes()
        path.unlink()
        path.write_bytes(text)

    def file_to_folder(path: Path) -> None:
        path.unlink()
        path.mkdir()

    return [
        ("a file added to a folder", lambda f: (f / "later/extra.html").write_text("x", encoding="utf-8")),
        ("a file added at the top", lambda f: (f / "extra.html").write_text("x", encoding="utf-8")),
        ("an empty folder added", lambda f: (f / "later/empty").mkdir()),
        ("a folder added with a file", lambda f: (f / "new").mkdir() or (f / "new/x.html").write_text("x")),
        ("a file deleted", lambda f: (f / "later/index.html").unlink()),
        ("a file renamed", lambda f: (f / "later/index.html").rename(f / "later/other.html")),
        ("a file edited in place", lambda f: (f / "later/index.html").write_text("defaced", encoding="utf-8")),
        ("a file replaced by a copy", lambda f: replace(f / "later/index.html")),
        ("a file replaced by a folder", lambda f: file_to_folder(f / "later/index.html")),
        ("a folder deleted", lambda f: shutil.rmtree(f / "later")),
        ("a folder replaced by a link", lambda f: shutil.rmtree(f / "later") or (f / "later").symlink_to(f / "tags")),
    ]


@pytest.mark.parametrize("name, change", _folder_changes(), ids=[name for name, _ in _folder_changes()])
def test_any_change_to_the_published_folder_shows_in_its_state_without_a_walk(
        built: Path, tmp_path: Path, name: str, change: Callable[[Path], object]) -> None:
    from backlying_site import unchanged

    folder = tmp_path / "copy"
    shutil.copytree(built / "public", folder, symlinks=True)
    state = unchanged.output_state(folder)
    assert unchanged.same_state(folder, state)
    change(folder)
    assert not unchanged.same_state(folder, state)
    assert not unchanged.same_state(tmp_path / "missing", state)


def test_the_build_commands_memo_on_disk_gives_clean_builds_even_after_tampering(
        sample_site: Path, source_date_epoch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`build` keeps the preview's memo in .cache/build/memo.pickle for the next command. Each
    rebuild must still be a clean build's twin, also when someone edited the published folder."""
    monkeypatch.setattr(memo_module, "RACY_NS", 0)
    options = BuildOptions(source=sample_site)
    build(options)
    assert (sample_site / ".cache/build/memo.pickle").is_file()
    for name, change in EDITS:
        change(sample_site)
        build(options)
        assert tree(sample_site / "public") == clean_build(sample_site, tmp_path), name
        if name == "a body":  # the published folder, edited by hand: the next builds repair it
            (sample_site / "public/index.html").write_text("defaced", encoding="utf-8")
            (sample_site / "public/later/index.html").write_text("defaced", encoding="utf-8")
            (sample_site / "public/foreign.txt").write_text("not ours", encoding="utf-8")


def test_a_damaged_memo_is_ignored_with_a_note(built: Path, tmp_path: Path) -> None:
    (built / ".cache/build/memo.pickle").write_bytes(b"\x80\x05garbage")
    edit(built / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    result = build(BuildOptions(source=built))
    assert any("memo" in note and "could not be read" in note for note in result.notes)
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_the_memo_is_written_over_in_place_and_a_torn_write_is_ignored(built: Path, tmp_path: Path) -> None:
    """The memo file is overwritten, not replaced (cheaper): a shorter memo leaves nothing of the
    longer one behind, and one cut short (a build killed while writing it) is never trusted."""
    from backlying_site.builder import saved_memo

    path = built / ".cache/build/memo.pickle"
    inode, size = path.stat().st_ino, path.stat().st_size
    with path.open("ab") as handle:
        handle.write(b"\0" * 10_000)  # as if the last memo had been longer than the next
    edit(built / "content/posts/later/index.md", "Short body.", "A body, edited.")
    build(BuildOptions(source=built))
    assert path.stat().st_ino == inode and path.stat().st_size < size + 5_000  # the zeros cut off
    assert saved_memo(BuildOptions(source=built)).from_disk  # read back whole: nothing left over
    path.write_bytes(path.read_bytes()[:-100])  # torn
    edit(built / "content/posts/later/index.md", "A body, edited.", "A longer body, edited.")
    result = build(BuildOptions(source=built))
    assert any("memo" in note and "could not be read" in note for note in result.notes)
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_post_read_back_from_the_memo_file_is_the_same_post(built: Path) -> None:
    """Posts in memo.pickle carry only what every build reads; the rest is read back from the build
    cache when first needed: every field, the images and the repr (digests are made from it) must
    be exactly those of the parsed post."""
    import dataclasses

    from backlying_site import content
    from backlying_site.builder import saved_memo
    from backlying_site.memo import LazyPost

    memo = saved_memo(BuildOptions(source=built))
    assert memo.from_disk
    lazy = [value[1] for sig, value, _ in memo.files.values() if sig[0] == "post"]
    assert lazy and all(isinstance(post, LazyPost) for post in lazy)
    saved = (built / ".cache/build/memo.pickle").read_bytes()
    for post in lazy:
        parsed, problems = content.load_post(built / post.path, built)
        assert problems == [] and parsed is not None
        assert post.images == parsed.images  # before the content is read
        assert "body" not in post.__dict__ and "_memo_key" in post.__dict__
        assert repr(post) == repr(parsed)
        assert not post.body or post.body[:60].encode() not in saved  # it came from the build cache
        for field in dataclasses.fields(parsed):
            assert getattr(post, field.name) == getattr(parsed, field.name), field.name
    assert any(len(post.body) > 60 for post in lazy)


def edit_post_template(site: Path) -> None:
    """A site's own post.html, the theme's with one more line: every post page is rendered again."""
    (site / "templates").mkdir(exist_ok=True)
    theme_post = Path(__file__).resolve().parents[1] / "templates" / "post.html"
    text = theme_post.read_text(encoding="utf-8")
    assert text.count("</article>") == 1
    (site / "templates" / "post.html").write_text(text.replace("</article>", "<p>Edited.</p></article>"),
                                                  encoding="utf-8")


def test_without_the_build_cache_the_memos_posts_are_read_from_their_files(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build cache's posts gone (a damaged file) while the memo stays: a post the memo names is
    parsed again from its file, which still holds the text the memo's key was made from."""
    import sqlite3

    from backlying_site import builder

    with sqlite3.connect(built / ".cache/build/build.sqlite") as db:
        db.execute("DELETE FROM posts")
    parsed: list[str] = []
    real = builder.content.post_from_text
    monkeypatch.setattr(builder.content, "post_from_text",
                        lambda text, path, root: parsed.append(path.name) or real(text, path, root))
    edit_post_template(built)
    result = build(BuildOptions(source=built))
    assert result.pages_rendered > 0 and parsed  # the memo was read, and its posts parsed from their files
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_a_memo_post_whose_file_no_longer_matches_stops_the_build_and_the_memo_is_forgotten(
        built: Path, tmp_path: Path) -> None:
    """Unreachable through stats (ctime cannot be set back), but if a post the memo names were to be
    read back with neither the cache nor its file holding its text any more, the build stops with a
    message naming the file, and forgets the memo: the next build starts clean."""
    from backlying_site import builder
    from backlying_site.errors import SiteError

    options = BuildOptions(source=built)
    memo = builder.saved_memo(options)
    post = next(value[1] for sig, value, _ in memo.files.values() if sig[0] == "post")
    for name in ("build.sqlite", "build.sqlite-wal", "build.sqlite-shm"):
        (built / ".cache/build" / name).unlink(missing_ok=True)
    (built / post.path).write_text((built / post.path).read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    with pytest.raises(SiteError) as raised:
        post.body
    assert f"{post.path}:" in str(raised.value) and "run the build again" in str(raised.value)
    assert not (built / ".cache/build/memo.pickle").exists()
    build(options)
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_nothing_changed_is_judged_by_stat_but_by_content_for_files_too_fresh_to_trust(tmp_path: Path) -> None:
    """A save within one tick of the file system's clock after the build's scan could leave the
    stat as it was: such a file's digest is recorded and compared instead."""
    from backlying_site import unchanged

    path = tmp_path / "post.md"
    path.write_text("one", encoding="utf-8")
    scan = [(str(path), unchanged._stat(str(path)))]
    changed_at = max(scan[0][1][2], scan[0][1][3])
    fresh = unchanged.record_inputs(scan, scanned_at=changed_at + 1)
    settled = unchanged.record_inputs(scan, scanned_at=changed_at + 10 * unchanged.RACY_NS)
    assert fresh[0][2] is not None and settled[0][2] is None
    later = unchanged.record_inputs(scan, scanned_at=changed_at + 10 * unchanged.RACY_NS)  # same stat, later
    assert unchanged.same_inputs(fresh, later) and unchanged.same_inputs(settled, later)
    path.write_text("two", encoding="utf-8")  # same size; pretend the clock did not move
    assert not unchanged.same_inputs(fresh, later)
    assert unchanged.same_inputs(settled, later)  # a stat two seconds old is trusted, as git does


# --- what the memo must not take on trust (found in review) ----------------------------------


@pytest.fixture
def preview(sample_site: Path, source_date_epoch: str, monkeypatch: pytest.MonkeyPatch):
    """The sample site and a build function that keeps one memo, as serve does, trusting every stat."""
    monkeypatch.setattr(memo_module, "RACY_NS", 0)
    memo = Memo()
    options = BuildOptions(source=sample_site)
    build(options, memo)
    return sample_site, lambda: build(options, memo)


def test_a_spare_that_could_not_be_seeded_is_written_whole(preview, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    site, rebuild = preview
    def no_links(*args, **kwargs):
        raise OSError("hard links not supported here")
    monkeypatch.setattr(os, "link", no_links)  # seeding fails, and linking from the live folder too
    edit(site / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    rebuild()
    monkeypatch.undo()
    assert tree(site / "public") == clean_build(site, tmp_path)


def test_a_retargeted_picture_link_is_noticed(preview, tmp_path: Path) -> None:
    from PIL import Image

    site, rebuild = preview
    folder = site / "content/posts/later"
    (folder / "step.jpg").rename(folder / "first.jpg")
    Image.new("RGB", (120, 90), (20, 160, 60)).save(folder / "second.jpg", quality=70)
    (folder / "step.jpg").symlink_to("first.jpg")
    rebuild()
    (folder / "step.jpg").unlink()
    (folder / "step.jpg").symlink_to("second.jpg")
    rebuild()
    # A clean build of the same folder (a copy would turn the link into a plain file named step.jpg).
    fresh = build(BuildOptions(source=site, output=tmp_path / "fresh", cache_dir=tmp_path / "fresh-cache"))
    assert tree(site / "public") == tree(fresh.output)
    assert any(name.startswith("images/second.") for name in tree(site / "public"))


def test_deleted_output_folders_are_written_whole_again(preview, tmp_path: Path) -> None:
    site, rebuild = preview
    edit(site / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    rebuild()
    for folder in (site / "public", site / ".public.spare"):
        shutil.rmtree(folder)
    edit(site / "content/posts/later/index.md", "A longer body, edited.", "Edited twice.")
    rebuild()
    assert tree(site / "public") == clean_build(site, tmp_path)


def test_a_file_of_the_last_build_whose_path_becomes_a_folder(preview, tmp_path: Path) -> None:
    site, rebuild = preview
    (site / "static/fonts").mkdir(parents=True)
    (site / "static/fonts/extra").write_text("a file", encoding="utf-8")
    rebuild()
    rebuild()  # both generations have static/fonts/extra as a file
    (site / "static/fonts/extra").unlink()
    (site / "static/fonts/extra").mkdir()
    (site / "static/fonts/extra/inside.txt").write_text("now a folder", encoding="utf-8")
    rebuild()
    assert tree(site / "public") == clean_build(site, tmp_path)
    assert (site / "public/static/fonts/extra/inside.txt").is_file()


def test_a_preview_between_two_builds_costs_the_build_nothing(built: Path) -> None:
    """The preview keeps its own build cache: its pages (another address, drafts) would otherwise
    push the published ones out, and the next `build` would render every page again."""
    from backlying_site.serve import PREVIEW_CACHE

    preview = BuildOptions(source=built, output=built / ".cache/preview", base_url="http://127.0.0.1:8000/",
                           drafts=True, reuse_search_index=True, cache_name=PREVIEW_CACHE)
    assert build(preview, Memo()).pages_rendered > 0
    edit(built / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    result = build(BuildOptions(source=built))
    assert 0 < result.pages_rendered <= 8 < result.pages


def test_a_build_that_fails_after_writing_some_pages_leaves_no_manifest_trusted(built: Path, tmp_path: Path) -> None:
    """Pages are written into the spare as they are rendered; a template error later in the same build
    leaves them there. The next build must not take the spare for what its last build left."""
    from backlying_site.errors import SiteError

    post = built / "content/posts/later/index.md"
    edit(post, "Short body.", "Edited body.")
    build(BuildOptions(source=built))  # now the spare holds the fixture's build, "Short body."
    edit(post, "Edited body.", "Failed body.")
    (built / "templates").mkdir()
    (built / "templates/404.html").write_text("{{ no_such_thing }}\n", encoding="utf-8")
    before = tree(built / "public")
    with pytest.raises(SiteError):
        build(BuildOptions(source=built))
    assert tree(built / "public") == before
    assert "Failed body." in (built / ".public.spare/later/index.html").read_text(encoding="utf-8")
    (built / "templates/404.html").unlink()
    edit(post, "Failed body.", "Short body.")  # the very page the spare's old manifest names
    build(BuildOptions(source=built))
    assert tree(built / "public") == clean_build(built, tmp_path)


def test_the_previews_first_build_keeps_every_page_its_forked_child_wrote(sample_site: Path, source_date_epoch: str,
                                                                         tmp_path: Path) -> None:
    """serve's first build runs in a child (a `build` command's run, on every core); the preview's
    own first build then starts from the memo the child saved, and renders nothing again."""
    from backlying_site.builder import saved_memo

    options = BuildOptions(source=sample_site, output=tmp_path / "preview", cache_name="preview-build")
    build(options)  # what the child does
    memo = saved_memo(options)
    assert memo.from_disk
    first = build(options, memo)
    assert first.pages_rendered == 0 and not memo.from_disk  # now checked the in-process way
    edit(sample_site / "content/posts/later/index.md", "Short body.", "A body edited in the preview.")
    second = build(options, memo)
    assert 0 < second.pages_rendered < second.pages
    assert tree(tmp_path / "preview") == clean_build(sample_site, tmp_path)


def test_a_build_after_the_preview_wrote_the_folders_trusts_none_of_its_old_memo(
        sample_site: Path, source_date_epoch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview builds on from the memo its child saved but never saves one: the next command
    must not take either folder for what that memo says (the marker beside it tells)."""
    from backlying_site.builder import saved_memo

    monkeypatch.setattr(memo_module, "RACY_NS", 0)
    options = BuildOptions(source=sample_site, output=tmp_path / "preview", cache_name="preview-build")
    post = sample_site / "content/posts/later/index.md"
    build(options)
    edit(post, "Short body.", "Second body.")
    build(options)  # both generations now have manifests in the memo on disk
    memo = saved_memo(options)
    for body in ("Third body.", "Fourth body."):  # the preview rewrites both generations
        edit(post, "Second body." if body == "Third body." else "Third body.", body)
        build(options, memo)
    edit(post, "Fourth body.", "Short body.")  # what the old memo says one generation holds
    build(options)
    assert tree(tmp_path / "preview") == clean_build(sample_site, tmp_path)
    edit(post, "Short body.", "Second body.")  # ... and the other
    build(options)
    assert tree(tmp_path / "preview") == clean_build(sample_site, tmp_path)


def test_a_page_read_back_from_the_memo_file_is_the_same_page(built: Path, tmp_path: Path) -> None:
    """Pages in memo.pickle keep their context apart, read only if the page is rendered or re-keyed;
    the posts in it are the memo's own (by slug), so an edited post is found in them."""
    from backlying_site.builder import saved_memo
    from backlying_site.memo import LazyPage
    from backlying_site.pagekeys import fingerprint

    memo = saved_memo(BuildOptions(source=built))
    lazy = memo.page_list.pages
    assert lazy and all(isinstance(page, LazyPage) and "context" not in page.__dict__ for page in lazy)
    fresh = Memo()
    build(BuildOptions(source=built, output=tmp_path / "other"), fresh)
    assert [(p.path, p.template, p.origin) for p in lazy] == [(p.path, p.template, p.origin)
                                                                for p in fresh.page_list.pages]
    assert [fingerprint(p.context, {}) for p in lazy] == [fingerprint(p.context, {}) for p in fresh.page_list.pages]
    assert [fingerprint(p.deferred, {}) for p in lazy] == [fingerprint(p.deferred, {}) for p in fresh.page_list.pages]
    post_page = next(page for page in lazy if page.template == "post.html")
    assert post_page.context["post"] is memo.page_list.posts[post_page.context["post"].slug]


def test_paths_read_back_from_the_memo_file_are_ordinary_paths(built: Path) -> None:
    """Paths are rebuilt from their parsed parts (a fast way on Python 3.11): each must equal, hash
    and behave as the same path made from its text."""
    from backlying_site.builder import saved_memo

    memo = saved_memo(BuildOptions(source=built))
    assert memo.from_disk
    paths = list(memo.paths.values())
    assert paths
    for path in paths:
        fresh = Path(str(path))
        assert type(path) is type(fresh) and path == fresh and hash(path) == hash(fresh)
        assert path.parent / path.name == fresh and path.is_file() and path.parts == fresh.parts


# --- whoever wrote the folders last: the spare is trusted only if no build began writing it since ---


@pytest.fixture
def two_generations(built: Path) -> Path:
    """Both folders built and known to the memo on disk; the post back at what the spare holds."""
    post = built / "content/posts/later/index.md"
    edit(post, "Short body.", "Second body.")
    build(BuildOptions(source=built))
    edit(post, "Second body.", "Short body.")
    return built


def test_a_build_with_other_settings_killed_before_its_swap_leaves_nothing_trusted(
        two_generations: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backlying_site import builder

    def killed(*args, **kwargs):
        raise KeyboardInterrupt
    with monkeypatch.context() as patch:
        patch.setattr(builder, "swap_in", killed)
        with pytest.raises(KeyboardInterrupt):  # Ctrl-C during `build --drafts`: drafts in the spare
            build(BuildOptions(source=two_generations, drafts=True))
    assert (two_generations / ".public.writing").exists()
    build(BuildOptions(source=two_generations))
    assert tree(two_generations / "public") == clean_build(two_generations, tmp_path)
    assert not (two_generations / ".public.writing").exists()


def test_a_preview_writing_the_published_folder_leaves_nothing_trusted(two_generations: Path, tmp_path: Path) -> None:
    preview = BuildOptions(source=two_generations, output=two_generations / "public", drafts=True,
                           base_url="http://127.0.0.1:8000/", reuse_search_index=True, cache_name="preview-build")
    memo = Memo()
    for body in ("Preview body.", "Short body."):  # `serve --output public`, two saves
        edit(two_generations / "content/posts/later/index.md", "Short body." if body != "Short body." else
             "Preview body.", body)
        build(preview, memo)
    build(BuildOptions(source=two_generations))
    assert tree(two_generations / "public") == clean_build(two_generations, tmp_path)


def test_an_edit_in_place_of_a_published_file_is_repaired_though_the_spare_shares_it(
        two_generations: Path, tmp_path: Path) -> None:
    public, spare = two_generations / "public", two_generations / ".public.spare"
    shared = [path for path in sorted(public.rglob("*.html"))
              if (spare / path.relative_to(public)).exists()
              and path.stat().st_ino == (spare / path.relative_to(public)).stat().st_ino]
    assert shared  # unchanged files are hard links between the generations
    with open(shared[0], "w", encoding="utf-8") as handle:  # in place, as `>` or an editor would
        handle.write("defaced")
    build(BuildOptions(source=two_generations))
    assert tree(public) == clean_build(two_generations, tmp_path)


# A script that builds with the work spread over processes whatever the site's size (the sample
# site is below parallel.MIN_ITEMS), and lists the processes that rendered pages.
ON_EVERY_CORE = """
import os, sys, time
from backlying_site import builder, parallel
parallel.MIN_ITEMS = 1
parallel.worker_count = lambda: 2  # a worker even on a machine of one core
builder.RENEW_AFTER = 3  # and a fresh one every few pages
render_one = builder._render_one
def recorded(*args):
    time.sleep(0.01)  # slow enough for the work to spread
    with open(sys.argv[2], "a") as log:
        log.write(f"{os.getpid()}\\n")
    return render_one(*args)
builder._render_one = recorded
builder.build(builder.BuildOptions(source=builder.Path(sys.argv[1])))
print(os.getpid())
"""


def test_a_build_on_every_core_is_the_build_made_in_one_process(sample_site: Path, source_date_epoch: str,
                                                                 tmp_path: Path) -> None:
    """Workers (forked, and the building process itself, each writing the pages it renders, making
    their folders, pickling their contexts for the memo) give the same bytes and the same memo as
    one process; the next builds then go on from that memo."""
    from backlying_site.builder import saved_memo
    from backlying_site.pagekeys import fingerprint

    log = tmp_path / "renderers.log"
    run = subprocess.run([sys.executable, "-c", ON_EVERY_CORE, str(sample_site), str(log)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    renderers = set(log.read_text().split())
    assert len(renderers) >= 3 and run.stdout.strip() in renderers  # forked workers, and this process
    assert tree(sample_site / "public") == clean_build(sample_site, tmp_path)
    memo, fresh = saved_memo(BuildOptions(source=sample_site)), Memo()
    build(BuildOptions(source=sample_site, output=tmp_path / "other"), fresh)
    assert [fingerprint((p.context, p.deferred), {}) for p in memo.page_list.pages] == \
        [fingerprint((p.context, p.deferred), {}) for p in fresh.page_list.pages]
    edit(sample_site / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    result = build(BuildOptions(source=sample_site))
    assert 0 < result.pages_rendered < result.pages
    assert tree(sample_site / "public") == clean_build(sample_site, tmp_path)


# --- the spare a first build leaves: made by a child while the build saves its memo --------------


def test_a_first_build_leaves_the_next_spare_as_hard_links_that_the_next_build_trusts(
        sample_site: Path, source_date_epoch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first rebuild would otherwise copy the whole site (thousands of folders) before writing
    its one page. A real `build` command, as an author runs it (a child is forked only when no
    other thread runs, which a test process cannot promise)."""
    from backlying_site import builder

    subprocess.run([sys.executable, "-m", "backlying_site.cli", "build", "--source", str(sample_site)],
                   check=True, capture_output=True)
    public, spare = sample_site / "public", sample_site / ".public.spare"
    assert tree(spare) == tree(public)
    assert all(path.stat().st_ino == (spare / path.relative_to(public)).stat().st_ino
               for path in public.rglob("*") if path.is_file())
    assert sorted(p.name for p in sample_site.glob(".public.*")) == [".public.lock", ".public.spare"]

    writers = []
    real = builder.Writer
    edit(sample_site / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    with monkeypatch.context() as patch:
        patch.setattr(builder, "Writer", lambda *args, **kwargs: writers.append(real(*args, **kwargs)) or writers[-1])
        build(BuildOptions(source=sample_site))
    # The published folder's manifest, taken for the copy without a look at its files.
    assert writers[0].known is not None and set(writers[0].known) == set(tree(spare))
    assert writers[0].changed < len(writers[0].written) // 2
    assert tree(public) == clean_build(sample_site, tmp_path)


def test_a_first_build_links_each_page_into_the_copy_as_it_writes_it(
        sample_site: Path, source_date_epoch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder costs ~30 µs and a link ~9 here, and a site has one of each a page: made, for the
    copy too, by the process that writes the page, so the copy has little left to do once the
    site is out (the build waits for it)."""
    from backlying_site import writer

    before: list[dict[str, int]] = []
    start = writer.SpareCopy.start

    def start_and_look(copy: writer.SpareCopy, files: list[str]) -> None:
        before.append({p.relative_to(copy.folder).as_posix(): p.stat().st_ino
                       for p in copy.folder.rglob("*") if p.is_file()})
        start(copy, files)
    monkeypatch.setattr(writer.SpareCopy, "start", start_and_look)
    build(BuildOptions(source=sample_site))
    public, spare = sample_site / "public", sample_site / ".public.spare"
    pages = {p.relative_to(public).as_posix(): p.stat().st_ino for p in public.rglob("index.html")}
    assert len(pages) > 10 and pages.items() <= before[0].items()  # the same files (inodes), linked
    assert tree(spare) == tree(public)
    assert {p.relative_to(spare) for p in spare.rglob("*")} == {p.relative_to(public) for p in public.rglob("*")}


def test_the_copying_process_links_the_files_it_is_told_into_the_folders_made_ahead(tmp_path: Path) -> None:
    """Told the files (the build's manifest), it walks nothing; a folder not made ahead is made."""
    import os

    from backlying_site import writer

    source, target = tmp_path / "site", tmp_path / "copy"
    for rel in ("a/b/index.html", "a/c/index.html", "index.html", "not/listed.html"):
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(rel, encoding="utf-8")
    (source / "here").symlink_to("a/b/index.html")
    (target / "a/b").mkdir(parents=True)  # made ahead; "a/c" not
    os.link(source / "a/b/index.html", target / "a/b/index.html")  # linked already, as the build does
    listed = b"a/b/index.html\0a/c/index.html\0index.html\0here\0"
    run = subprocess.run(writer.copy_command(source, target), input=listed, capture_output=True)
    assert run.returncode == 0, run.stderr
    assert tree(target) == {rel: data for rel, data in tree(source).items() if rel != "not/listed.html"}
    assert (target / "here").is_symlink() and os.readlink(target / "here") == "a/b/index.html"
    assert (target / "a/c/index.html").stat().st_ino == (source / "a/c/index.html").stat().st_ino
    missing = tmp_path / "missing"
    missing.mkdir()
    run = subprocess.run(writer.copy_command(source, missing), input=b"index.html\0gone.html\0", capture_output=True)
    assert run.returncode != 0  # a file the build wrote is not there: no copy (the spare is made anew)


def test_a_first_build_failing_while_it_renders_leaves_no_copy(
        sample_site: Path, source_date_epoch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy's folder is made before the pages are written: a template's mistake then removes it
    (no process was started), and the next build starts as a first one."""
    from backlying_site import writer
    from backlying_site.errors import SiteError

    copies = []
    prepare = writer.prepare_copy
    monkeypatch.setattr("backlying_site.builder.prepare_copy", lambda output: copies.append(prepare(output)) or copies[-1])
    (sample_site / "templates").mkdir(exist_ok=True)
    (sample_site / "templates/post.html").write_text("{{ post.no_such_field.deeper }}", encoding="utf-8")
    with pytest.raises(SiteError):
        build(BuildOptions(source=sample_site))
    assert copies[0].started is None and copies[0].lock is None
    assert not (sample_site / "public").exists()
    # No copy's folder left (the spare holds what was written, unpublished, marked as being written).
    assert sorted(p.name for p in sample_site.glob(".public*")) == [".public.lock", ".public.spare", ".public.writing"]


def test_a_spare_copy_that_fails_leaves_no_trace_and_nothing_trusted(
        sample_site: Path, source_date_epoch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backlying_site import writer

    with monkeypatch.context() as patch:
        patch.setattr(writer, "copy_command", lambda source, target: [sys.executable, "-c", "raise SystemExit(1)"])
        build(BuildOptions(source=sample_site))
    # The marker of a build that began writing the spare stays: nothing there is trusted.
    assert sorted(p.name for p in sample_site.glob(".public.*")) == [".public.lock", ".public.writing"]
    edit(sample_site / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    build(BuildOptions(source=sample_site))
    assert tree(sample_site / "public") == clean_build(sample_site, tmp_path)


def test_a_first_build_holds_the_lock_until_the_copy_is_in_place_and_known(
        sample_site: Path, source_date_epoch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another build started meanwhile could delete the copy half made, or write the spare after
    this one's memo says it is a whole copy: it is refused until all is saved and the marker gone."""
    from backlying_site import builder, writer
    from backlying_site.errors import SiteError

    output = sample_site / "public"
    seen: list[str] = []

    def another_build() -> None:
        try:
            with writer.locked(output):
                seen.append("let in")
        except SiteError:
            seen.append("refused")
    save, finish = Memo.save, writer.SpareCopy.finish
    with monkeypatch.context() as patch:
        patch.setattr(Memo, "save", lambda *args: (another_build(), save(*args))[1])
        patch.setattr(writer.SpareCopy, "finish", lambda self: (another_build(), finish(self))[1])
        build(BuildOptions(source=sample_site))
    assert seen == ["refused", "refused"]
    assert not (sample_site / ".public.writing").exists()
    another_build()  # and free once the build is done
    assert seen[-1] == "let in"
    assert builder.saved_memo(BuildOptions(source=sample_site)).spare_copy is not None


def test_the_copy_is_trusted_once_then_known_as_any_spare(sample_site: Path, source_date_epoch: str,
                                                         tmp_path: Path) -> None:
    from backlying_site.builder import saved_memo

    build(BuildOptions(source=sample_site))
    for body in ("Second body.", "Third body."):
        edit(sample_site / "content/posts/later/index.md", "Short body." if body == "Second body." else
             "Second body.", body)
        build(BuildOptions(source=sample_site))
        assert saved_memo(BuildOptions(source=sample_site)).spare_copy is None
        assert tree(sample_site / "public") == clean_build(sample_site, tmp_path)
    # The copy, swapped out by the first rebuild, holds that rebuild's site now, not the first build's.
    assert b"Second body." in (sample_site / ".public.spare/later/index.html").read_bytes()


def test_a_first_build_stopped_while_the_copy_is_made_leaves_a_site_the_next_build_repairs(
        sample_site: Path, source_date_epoch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backlying_site import cache as cache_module
    from backlying_site import writer

    copies = []
    prepare = writer.prepare_copy

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt
    with monkeypatch.context() as patch:
        patch.setattr("backlying_site.builder.prepare_copy", lambda output: copies.append(prepare(output)) or copies[-1])
        patch.setattr(cache_module.BuildCache, "commit", stopped)
        with pytest.raises(KeyboardInterrupt):
            build(BuildOptions(source=sample_site))
    process = copies[0].started
    assert process is not None and process.returncode is not None  # the copying process ended (reaped)
    assert copies[0].lock is None  # and the lock was let go
    assert (sample_site / ".public.writing").exists() and not (sample_site / ".public.spare").exists()
    edit(sample_site / "content/posts/later/index.md", "Short body.", "A longer body, edited.")
    build(BuildOptions(source=sample_site))
    assert tree(sample_site / "public") == clean_build(sample_site, tmp_path)
    assert sorted(p.name for p in sample_site.glob(".public.*")) == [".public.lock", ".public.spare"]


def test_a_state_updated_by_the_paths_changed_is_what_a_walk_finds(tmp_path: Path) -> None:
    """unchanged.updated_state and seeded_state stat only what changed (relative to the folder):
    the same state as a walk, for files at the top, in new and emptied folders, and in a copy."""
    import os

    from backlying_site import unchanged

    site = tmp_path / "public"
    for rel, text in [("index.html", "home"), ("a/index.html", "a"), ("gone/index.html", "old")]:
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    before = unchanged.output_state(site)
    (site / "index.html").write_text("home, edited", encoding="utf-8")
    (site / "b/c").mkdir(parents=True)
    (site / "b/c/index.html").write_text("new", encoding="utf-8")
    (site / "gone/index.html").unlink()
    (site / "gone").rmdir()
    changed = {"index.html", "b/c/index.html", "gone/index.html"}
    assert unchanged.updated_state(before, site, changed) == unchanged.output_state(site)
    assert unchanged.same_state(site, unchanged.output_state(site))
    copy = tmp_path / "copy"
    for folder, _, files in os.walk(site):
        target = copy / Path(folder).relative_to(site)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            os.link(Path(folder) / name, target / name)
    assert unchanged.seeded_state(unchanged.output_state(site), copy) == unchanged.output_state(copy)
