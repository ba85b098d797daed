"""A post the build leaves out (a draft, a later date) never stops it (issue 22): its problems are
warnings, printed with their file and line before the summary line; with --drafts, and in the
preview, they are errors as before. A post whose YAML cannot be read cannot be known to be a draft:
its problems stop the build, unless its own 'draft:' or 'date:' line says it is left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from backlying_site.build import BuildOptions, build, check
from backlying_site.cli import main
from backlying_site.errors import SiteError
from test_invalid_sites import POST, make_site, old_output, snapshot

MISSING = ("content/posts/rolling.md:10: warning: steps[2].image: 'images/step-2.jpg' not found (looked for "
           "content/posts/images/step-2.jpg); check the spelling (capital letters count) and that the file is there")
HELD_BACK = ("1 post not published yet (a draft or a later date) has the problems above: left out of this build, so "
             "they are warnings; fix them before publishing (they are errors with --drafts, in the preview unless "
             "--no-drafts, and once published).")
STEP = "  - text: Roll your baby to the side.\n    image: images/step-2.jpg\n    alt: A parent rolls a baby.\n"


def rolling(extra: str = "", step: str = STEP) -> str:
    return POST.replace("title: Tummy time", "title: Rolling").replace("---\nStay", f"{step}{extra}---\nStay")


def build_cli(site: Path, output: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["build", "--source", str(site), "--output", str(output), *extra])
    out, err = capsys.readouterr()
    return code, out, "\n".join(line for line in err.splitlines() if not line.startswith("Processed "))


@pytest.mark.parametrize("extra", ["draft: true\n", "updated: 2026-01-11\n"], ids=["draft", "dated later"])
def test_a_post_left_out_with_a_missing_picture_is_a_warning(extra: str, tmp_path: Path, source_date_epoch: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    text = rolling(extra)
    if "updated" in extra:
        text = text.replace("date: 2026-01-10", "date: 2099-01-01")
    site = make_site(tmp_path / "site", {"content/posts/rolling.md": text})
    code, out, err = build_cli(site, tmp_path / "public", capsys)
    assert code == 0
    assert err.splitlines() == [MISSING, HELD_BACK]
    assert out.startswith("Built ")
    assert (tmp_path / "public/tummy-time/index.html").is_file()
    assert not (tmp_path / "public/rolling").exists()


def test_the_same_problems_are_errors_with_drafts_and_the_site_stays_as_it_was(
        tmp_path: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/posts/rolling.md": rolling("draft: true\n")})
    output = old_output(tmp_path / "public")
    before = snapshot(output)
    code, out, err = build_cli(site, output, capsys, "--drafts")
    assert (code, out) == (1, "")
    assert err.splitlines() == [MISSING.replace(" warning:", ""), "1 problem found; nothing was written."]
    assert snapshot(output) == before


def test_the_preview_takes_them_as_errors(tmp_path: Path, source_date_epoch: str) -> None:
    site = make_site(tmp_path / "site", {"content/posts/rolling.md": rolling("draft: true\n")})
    with pytest.raises(SiteError) as raised:
        build(BuildOptions(source=site, output=tmp_path / "preview", drafts=True, preview=True, defer_search=True))
    assert [p.format(with_severity=True) for p in raised.value.problems] == [MISSING.replace("warning", "error")]


def test_a_build_that_finds_nothing_changed_says_the_warnings_again(tmp_path: Path, source_date_epoch: str,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/posts/rolling.md": rolling("draft: true\n")})
    first = build_cli(site, tmp_path / "public", capsys)
    again = build_cli(site, tmp_path / "public", capsys)
    assert again[2] == first[2] == f"{MISSING}\n{HELD_BACK}"
    assert "(0 rendered" in again[1]


QUOTE_MISTAKE = "content/posts/rolling.md:2: warning: the apostrophe in Baby's"


@pytest.mark.parametrize("line", ["draft: true\n", "draft: yes  # until Sam has read it\n"])
def test_a_draft_whose_yaml_cannot_be_read_is_known_by_its_draft_line(
        line: str, tmp_path: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The YAML fails on the title; the post's own 'draft:' line still says it is left out."""
    text = rolling(line).replace("title: Rolling", "title: 'Baby's first roll'")
    site = make_site(tmp_path / "site", {"content/posts/rolling.md": text})
    code, out, err = build_cli(site, tmp_path / "public", capsys)
    assert code == 0, err
    assert err.splitlines()[0].startswith(QUOTE_MISTAKE) and err.splitlines()[-1] == HELD_BACK
    assert not (tmp_path / "public/rolling").exists() and (tmp_path / "public/tummy-time/index.html").is_file()
    code, out, err = build_cli(site, tmp_path / "public2", capsys, "--drafts")
    assert code == 1 and err.startswith(QUOTE_MISTAKE.replace(" warning:", ""))


def test_a_later_date_line_counts_too_but_a_post_that_says_neither_stops_the_build(
        tmp_path: Path, source_date_epoch: str, capsys: pytest.CaptureFixture[str]) -> None:
    broken = rolling().replace("title: Rolling", "title: 'Baby's first roll'")
    later = broken.replace("date: 2026-01-10", "date: 2099-01-01")
    site = make_site(tmp_path / "site", {"content/posts/rolling.md": later})
    assert build_cli(site, tmp_path / "public", capsys)[0] == 0
    (site / "content/posts/rolling.md").write_text(broken, encoding="utf-8")  # dated today: may be meant to go out
    code, out, err = build_cli(site, tmp_path / "public", capsys)
    assert code == 1
    assert err.splitlines()[0].startswith(QUOTE_MISTAKE.replace(" warning:", ""))


def test_an_unknown_author_on_a_draft_is_a_warning(tmp_path: Path, source_date_epoch: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/posts/rolling.md": rolling("draft: true\nauthor: jane\n", step="")})
    code, out, err = build_cli(site, tmp_path / "public", capsys)
    assert code == 0
    assert err.splitlines() == [
        "content/posts/rolling.md:10: warning: author: unknown author 'jane'; add it to content/authors.yaml (known "
        "authors: team)"]
    code, out, err = build_cli(site, tmp_path / "public", capsys, "--drafts")
    assert code == 1 and "rolling.md:10: author: unknown author 'jane'" in err


def test_a_draft_at_a_published_posts_address_is_a_warning(tmp_path: Path, source_date_epoch: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/posts/rolling.md": rolling("draft: true\nslug: tummy-time\n",
                                                                             step="")})
    code, out, err = build_cli(site, tmp_path / "public", capsys)
    assert code == 0
    assert err.splitlines() == [
        "content/posts/rolling.md:10: warning: slug: 'tummy-time' is already used by content/posts/tummy-time.md; two "
        "posts cannot share an address: give one of them another 'slug:'"]


def test_check_lists_them_among_its_warnings_and_as_errors_with_drafts(tmp_path: Path, source_date_epoch: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/posts/rolling.md": rolling("draft: true\n")})
    assert main(["check", "--source", str(site)]) == 0
    out, _ = capsys.readouterr()
    assert MISSING in out.splitlines()
    assert main(["check", "--source", str(site), "--drafts"]) == 1
    assert MISSING.replace("warning", "error") in capsys.readouterr().err.splitlines()
    found: list = []
    check(BuildOptions(source=site), found)
    assert [p.format(with_severity=True) for p in found] == [MISSING]


def test_tags_written_two_ways_are_a_warning_of_the_build(tmp_path: Path, source_date_epoch: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {
        "content/posts/rolling.md": rolling("tags: [Tummy time]\n", step=""),
        "content/posts/tummy-time.md": POST.replace("---\nStay", "tags: tummy time, play\n---\nStay")})
    code, out, err = build_cli(site, tmp_path / "public", capsys)
    assert code == 0
    assert err.splitlines() == [
        "content/posts/tummy-time.md:9: warning: tags: 'tummy time' and 'Tummy time' (in content/posts/rolling.md) "
        "are one topic, /tags/tummy-time/, shown as 'Tummy time'; write it the same way everywhere"]
    assert (tmp_path / "public/tags/tummy-time/index.html").is_file()
    assert (tmp_path / "public/tags/play/index.html").is_file()


def test_a_draft_built_with_drafts_asks_search_engines_not_to_index_it(tmp_path: Path, source_date_epoch: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`build --drafts` writes drafts into the output: should it be uploaded, no search engine lists them."""
    draft = rolling("draft: true\n", step="")
    site = make_site(tmp_path / "site", {"content/posts/rolling.md": draft})
    code, _, err = build_cli(site, tmp_path / "public", capsys, "--drafts")
    assert code == 0, err
    noindex = '<meta name="robots" content="noindex">'
    assert noindex in (tmp_path / "public/rolling/index.html").read_text(encoding="utf-8")
    assert noindex not in (tmp_path / "public/tummy-time/index.html").read_text(encoding="utf-8")
