"""`backlying-site new`: every title it accepts reads back the same through the loader, and a title
it cannot write (a line break, an invisible character, too long) is refused in one line, exit 2.

Issue 18: a title with a line break and '---' wrote a post that did not parse.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backlying_site.cli import main
from backlying_site.load.content import load_post
from backlying_site.errors import UsageError
from backlying_site.scaffold import new_post, title_problem

REFUSED = "backlying-site new: error: title: "
LINE_BREAK = f"{REFUSED}has a line break in it; give the title on one line, in quotes (the summary says the rest)\n"
INVISIBLE = REFUSED + "has an invisible character ({}) in it; type the title again without it\n"
TOO_LONG = (f"{REFUSED}is 201 characters long, more than the 200 a title may have: it is the page's heading, the link "
            "in search results and the words on the share images; keep it to the exercise's name and put the rest in "
            "'summary:'\n")
AWKWARD = ['Say "hi" to your baby', "Legs up: a first exercise", "# not a comment", "---", "- Side lying",
           "Bébé 👶 on the back", "Back\\slash \\n \\\\", "It's 'quoted'", "{title} and %s", "a #b", "@at `tick`",
           "& *star !tag |pipe >fold", "3\u00a0months", "👨\u200d👩\u200d👧 family", "\ufeffmark", "  padded  ",
           "...", "null", "yes", "2026-01-10", "[a, b]", "{a: b}", "\\ud83d\\udc76", "x" * 200]


SITE_YAML = ("title: T\ndescription: D\nbase_url: https://example.org/\nauthor: team\n"
             "disclaimer: Not medical advice.\n")


def run_new(root: Path, title: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    code = main(["new", title, "--source", str(root), "--slug", "x"])
    return code, capsys.readouterr().err


def title_read_back(root: Path, title: str) -> str:
    """Write the post with ``new``, give it its picture, load it: the title the site would show."""
    path = new_post(root, title, slug="x", today=dt.date(2026, 1, 10))
    (path.parent / "images/step-1.jpg").write_bytes(b"validation does not decode it")
    post, problems = load_post(path, root)
    assert problems == [] and post is not None, [p.format() for p in problems]
    return post.title


@pytest.mark.parametrize("title", AWKWARD)
def test_an_awkward_title_reads_back_as_it_was_given(title: str, tmp_path: Path) -> None:
    assert title_read_back(tmp_path, title) == title.strip()


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_every_title_new_accepts_reads_back_as_it_was_given(title: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if title_problem(title.strip()):
            with pytest.raises(UsageError):
                new_post(Path(folder), title, slug="x")
        else:
            assert title_read_back(Path(folder), title) == title.strip()


@pytest.mark.parametrize("title", ["Tummy\n---\ntime", "Tummy\r\ntime", "Tummy\rtime", "Tummy\u2028time",
                                   "Tummy\x85time", "Tummy\x0btime"])
def test_a_title_with_a_line_break_is_refused_in_one_line_with_exit_2(title: str, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert run_new(tmp_path, title, capsys) == (2, LINE_BREAK)
    assert not (tmp_path / "content").exists()


@pytest.mark.parametrize(("title", "err"), [
    ("Tummy\x00time", INVISIBLE.format("U+0000")),
    ("Tummy\ttime", INVISIBLE.format("U+0009")),
    ("\x1b[1mTummy", INVISIBLE.format("U+001B")),
    ("Tummy\ufffe", INVISIBLE.format("U+FFFE")),
    ("Caf\udce9", f"{REFUSED}is not UTF-8 text; set your terminal to UTF-8 and type the title again\n"),
    ("x" * 201, TOO_LONG),
    ("   ", f"{REFUSED}is empty; give the exercise's title in quotes\n"),
])
def test_a_title_new_cannot_write_is_refused_in_one_line_with_exit_2(title: str, err: str, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert run_new(tmp_path, title, capsys) == (2, err)
    assert not (tmp_path / "content").exists()


def test_a_slug_that_cannot_be_an_address_is_wrong_usage_too(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    assert main(["new", "👶", "--source", str(tmp_path)]) == 2
    assert capsys.readouterr().err == ("backlying-site new: error: slug: '' is not usable as an address; pass "
                                       "--slug with lowercase letters, digits and hyphens\n")


def test_a_post_made_from_an_awkward_title_passes_check(sample_site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    title = 'Legs up: "a first" # exercise --- - 👶'
    assert main(["new", title, "--source", str(sample_site), "--slug", "legs-up"]) == 0
    Image.new("RGB", (40, 30), "white").save(sample_site / "content/posts/legs-up/images/step-1.jpg")
    assert main(["check", "--source", str(sample_site)]) == 0, capsys.readouterr().err


def test_new_outside_a_site_folder_is_wrong_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 22: it wrote a post into a folder no build reads."""
    assert main(["new", "Side-lying play", "--source", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"backlying-site new: error: no site.yaml in {tmp_path}, so it is not a site "
                                       "folder; run it in the folder that has site.yaml, or pass --source with that "
                                       "folder\n")
    assert list(tmp_path.iterdir()) == []


def test_a_fresh_post_builds_as_it_is_with_and_without_drafts_and_passes_check(
        sample_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 22: its step pictures do not exist yet, and a draft that named them stopped the whole site."""
    assert main(["new", "Side-lying play", "--source", str(sample_site)]) == 0
    capsys.readouterr()
    for extra in ([], ["--drafts"]):
        code = main(["build", "--source", str(sample_site), "--output", str(tmp_path / f"out{len(extra)}"), *extra])
        out, err = capsys.readouterr()
        assert code == 0 and "warning" not in err and "error" not in err, err
        assert out.startswith("Built ")
    assert (tmp_path / "out1/side-lying-play/index.html").is_file()
    assert not (tmp_path / "out0/side-lying-play").exists()
    for extra in ([], ["--drafts"]):
        assert main(["check", "--source", str(sample_site), *extra]) == 0, capsys.readouterr().err
        assert "error" not in capsys.readouterr().err


def test_a_fresh_post_becomes_one_with_pictures_when_its_lines_are_uncommented(sample_site: Path) -> None:
    from PIL import Image

    path = new_post(sample_site, "Side-lying play", today=dt.date(2026, 1, 10))
    Image.new("RGB", (40, 30), "white").save(path.parent / "images/step-1.jpg")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    # image:", "    image:").replace("    # alt:", "    alt:"), encoding="utf-8")
    post, problems = load_post(path, sample_site)
    assert problems == [] and post is not None
    assert post.steps[0].image is not None and post.hero is post.steps[0].image
