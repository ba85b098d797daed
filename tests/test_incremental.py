"""The build cache makes rebuilds fast and is never stale (issue 6).

Every rebuild here is compared, file for file, with a clean build (no cache, no
previous output) of the same edited site: a hit must be exactly what a clean
build would make.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backlying_site.builder import BuildOptions, build


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
