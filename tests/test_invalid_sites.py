"""Every bad site under tests/invalid/ is refused with its exact lines, exit 1, nothing written.

Each folder is a whole tiny site; its ``expected.txt`` holds the exact stderr of
``backlying-site build --source <folder>`` (Zola's ``test_sites_invalid`` idea). After an
intended change of wording, regenerate them with::

    UPDATE_EXPECTED=1 .venv/bin/pytest tests/test_invalid_sites.py

and read the diff: every line must still be something a parent who writes posts can act on.
Cases that cannot be committed (a 50 MB file, symlinks, a byte-order mark) are made here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from backlying_site.cli import main
from backlying_site.load.frontmatter import MAX_FILE_BYTES
from backlying_site.output.writer import MARKER, MARKER_TEXT

CASES_DIR = Path(__file__).parent / "invalid"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "site.yaml").exists())
UPDATE = os.environ.get("UPDATE_EXPECTED") == "1"
EXPECTED = "expected.txt"

SITE_YAML = """title: Test guide
description: A tiny guide used by the tests.
base_url: https://example.org/
author: team
disclaimer: This is general information, not medical advice.
images:
  widths: [32]
  formats: [webp]
"""
AUTHORS_YAML = "team:\n  name: The test team\n"
POST = """---
title: Tummy time
date: 2026-01-10
summary: Short sessions on the tummy build neck strength.
benefits:
  - Stronger neck and shoulders
steps:
  - text: Lay your baby on their tummy on a mat.
---
Stay with your baby the whole time.
"""


# --- helpers --------------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: file bytes, link targets, folders; hidden ones included."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = f"link -> {os.readlink(path)}"
        elif path.is_dir():
            found[rel] = "folder"
        elif path.is_file():
            found[rel] = path.read_bytes()
        else:
            found[rel] = "special file"  # a pipe: reading it would wait forever
    return found


def make_site(root: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """A valid tiny site, with ``files`` added or replaced."""
    base: dict[str, str | bytes] = {"site.yaml": SITE_YAML, "content/authors.yaml": AUTHORS_YAML,
                                    "content/posts/tummy-time.md": POST}
    for rel, data in (base | (files or {})).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return root


def old_output(folder: Path) -> Path:
    """A previously published site that a failed build must leave exactly as it is."""
    (folder / "tummy-time").mkdir(parents=True)
    (folder / MARKER).write_bytes(MARKER_TEXT)  # made by a build: a later build may replace it
    (folder / "index.html").write_text("<h1>The guide as it was</h1>\n", encoding="utf-8")
    (folder / "tummy-time" / "index.html").write_text("<h1>Tummy time</h1>\n", encoding="utf-8")
    return folder


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(tmp_path: Path, site: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Build ``site`` over an old output; check exit 1, no traceback, nothing written anywhere."""
    output = old_output(tmp_path / "public")
    before = snapshot(tmp_path)
    code, out, err = run_cli(["build", "--source", str(site), "--output", str(output)], capsys)
    assert code == 1, err
    assert "Traceback" not in err and "Traceback" not in out
    assert out == ""
    assert snapshot(tmp_path) == before, "a refused build changed files"
    return err.splitlines()


# --- the committed cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_invalid_site_is_refused_with_the_expected_lines(case: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    shutil.copytree(CASES_DIR / case, site, symlinks=True, ignore=shutil.ignore_patterns(EXPECTED))
    lines = assert_refused(tmp_path, site, capsys)
    expected_file = CASES_DIR / case / EXPECTED
    if UPDATE:
        expected_file.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    assert expected_file.exists(), f"run with UPDATE_EXPECTED=1 to create {expected_file}"
    expected = expected_file.read_text(encoding="utf-8").splitlines()
    assert lines == expected
    count = sum(1 for line in expected if not line.startswith("    "))
    assert count >= 2, "at least one problem line and the summary line"


@pytest.mark.parametrize("case", CASES)
def test_check_reports_the_same_lines_as_build(case: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    shutil.copytree(CASES_DIR / case, site, symlinks=True, ignore=shutil.ignore_patterns(EXPECTED))
    before = snapshot(tmp_path)
    code, _, err = run_cli(["check", "--source", str(site)], capsys)
    assert code == 1
    expected = (CASES_DIR / case / EXPECTED).read_text(encoding="utf-8").splitlines()
    assert err.splitlines() == [as_check_line(line) for line in expected]
    assert snapshot(tmp_path) == before


def as_check_line(line: str) -> str:
    """`check` labels each problem: 'path:line: error: field: message' (issue 7)."""
    if line.startswith("    ") or line.endswith("nothing was written."):
        return line
    match = re.match(r"^([^:]+(?::\d+)?): ", line)
    assert match, line
    return f"{match.group(1)}: error: {line[match.end():]}"


def test_every_case_folder_has_expected_lines() -> None:
    missing = [case for case in CASES if not (CASES_DIR / case / EXPECTED).is_file()]
    assert not missing
    strays = [p.name for p in CASES_DIR.iterdir() if p.is_dir() and p.name not in CASES]
    assert not strays, "a case folder without site.yaml"


@pytest.mark.parametrize("case", ["yaml-tab-indent", "not-utf8-latin1", "image-escapes-content"])
def test_the_installed_command_exits_1_without_a_traceback(case: str, tmp_path: Path) -> None:
    """The real console script in a real process, as an author runs it."""
    site = tmp_path / "site"
    shutil.copytree(CASES_DIR / case, site, ignore=shutil.ignore_patterns(EXPECTED))
    script = Path(sys.executable).with_name("backlying-site")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "backlying_site.cli"]
    result = subprocess.run([*command, "build", "--source", str(site), "--output", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    expected = (CASES_DIR / case / EXPECTED).read_text(encoding="utf-8")
    assert result.stderr == expected
    assert not (tmp_path / "out").exists()


# --- cases made at test time -------------------------------------------------------------------------


def test_a_50_mb_post_is_refused_with_its_size_without_reading_it(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site")
    huge = site / "content/posts/huge.md"
    size = 50 * 1024 * 1024
    with huge.open("wb") as fh:
        fh.write(POST.replace("title: Tummy time", "title: Huge").encode())
        line = b"Stay with your baby the whole time, and stop if your baby is upset.\n"
        while fh.tell() < size:
            fh.write(line * 1024)
        fh.truncate(size)
    output = old_output(tmp_path / "public")
    before = snapshot(output)
    tracemalloc.start()
    try:
        code, _, err = run_cli(["build", "--source", str(site), "--output", str(output)], capsys)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 1
    assert snapshot(output) == before
    assert err.splitlines() == [
        f"content/posts/huge.md: the file is {size / 1e6:.1f} MB, more than the 1 MB a text file here may "
        "have; split it into shorter posts, and keep pictures and videos as separate files",
        "1 problem found; nothing was written.",
    ]
    assert peak < 8 * MAX_FILE_BYTES, f"reading a refused file used {peak / 1e6:.1f} MB"


def test_a_post_just_under_the_limit_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site")
    post = (site / "content/posts/tummy-time.md")
    text = post.read_bytes()
    post.write_bytes(text + b"x" * (MAX_FILE_BYTES - len(text) - 1) + b"\n")
    code, _, err = run_cli(["check", "--source", str(site)], capsys)
    assert (code, err) == (0, "")


def test_a_post_that_grows_while_it_is_read_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The read is sized by the file's size (not the limit); a file longer by then is read on."""
    from backlying_site.load import frontmatter

    path = tmp_path / "post.md"
    path.write_bytes(b"x" * 5000)
    stat = os.fstat
    monkeypatch.setattr(frontmatter.os, "fstat", lambda fd: os.stat_result((0, 0, 0, 0, 0, 0, 10, 0, 0, 0)))
    assert frontmatter.read_text(path, "post.md") == ("x" * 5000, [])  # the size said 10 bytes
    monkeypatch.setattr(frontmatter.os, "fstat", stat)
    path.write_bytes(b"x" * 101)
    text, problems = frontmatter.read_text(path, "post.md", limit=100)
    assert text is None and "more than the" in problems[0].message


def test_a_post_linked_from_outside_the_site_is_refused(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site")
    secret = tmp_path / "elsewhere" / "secret.md"
    secret.parent.mkdir()
    secret.write_text(POST.replace("title: Tummy time", "title: Secret"), encoding="utf-8")
    (site / "content/posts/secret.md").symlink_to(secret)
    assert assert_refused(tmp_path, site, capsys) == [
        f"content/posts/secret.md: is a link to {secret}, outside the content folder; copy the file into "
        "content/ instead of linking it",
        "1 problem found; nothing was written.",
    ]


def test_a_post_folder_linked_from_outside_the_site_is_refused(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site")
    bundle = tmp_path / "elsewhere" / "rolling"
    bundle.mkdir(parents=True)
    (bundle / "index.md").write_text(POST.replace("title: Tummy time", "title: Rolling"), encoding="utf-8")
    (site / "content/posts/rolling").symlink_to(bundle, target_is_directory=True)
    assert assert_refused(tmp_path, site, capsys) == [
        f"content/posts/rolling/index.md: is a link to {bundle / 'index.md'}, outside the content folder; "
        "copy the file into content/ instead of linking it",
        "1 problem found; nothing was written.",
    ]


def test_an_image_linked_from_outside_the_site_is_refused(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    post = POST.replace("---\nStay", "  - text: Roll a towel.\n    image: images/towel.jpg\n"
                        "    alt: A rolled towel.\n---\nStay")
    site = make_site(tmp_path / "site", {"content/posts/tummy-time.md": post})
    (site / "content/posts/images").mkdir()
    (site / "content/posts/images/towel.jpg").symlink_to("/etc/passwd")
    target = Path("/etc/passwd").resolve()
    assert assert_refused(tmp_path, site, capsys) == [
        f"content/posts/tummy-time.md:10: steps[2].image: 'images/towel.jpg' is a link to {target}, outside "
        "the content folder; copy the file into the post's folder instead of linking it",
        "1 problem found; nothing was written.",
    ]


def test_an_authors_file_linked_from_outside_the_site_is_refused(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site")
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(AUTHORS_YAML, encoding="utf-8")
    (site / "content/authors.yaml").unlink()
    (site / "content/authors.yaml").symlink_to(outside)
    lines = assert_refused(tmp_path, site, capsys)
    assert lines[0] == (f"content/authors.yaml: is a link to {outside}, outside the content folder; copy "
                        "the file into content/ instead of linking it")


def test_a_byte_order_mark_is_accepted_everywhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bom = b"\xef\xbb\xbf"
    site = make_site(tmp_path / "site", {
        "site.yaml": bom + SITE_YAML.encode(),
        "content/authors.yaml": bom + AUTHORS_YAML.encode(),
        "content/posts/tummy-time.md": bom + POST.encode(),
    })
    code, out, err = run_cli(["build", "--source", str(site), "--output", str(tmp_path / "out")], capsys)
    assert (code, err) == (0, ""), err
    page = (tmp_path / "out/tummy-time/index.html").read_text(encoding="utf-8")
    assert "Tummy time" in page and "\ufeff" not in page


def test_windows_line_endings_are_accepted_and_lines_still_count(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    post = POST.replace("date: 2026-01-10", "date: 2026-02-30").replace("\n", "\r\n")
    site = make_site(tmp_path / "site", {"content/posts/tummy-time.md": post})
    assert assert_refused(tmp_path, site, capsys)[0] == (
        "content/posts/tummy-time.md:3: date: '2026-02-30' is not a real date; write it as YYYY-MM-DD, "
        "for example 2026-03-14")
    site = make_site(tmp_path / "site2", {"content/posts/tummy-time.md": POST.replace("\n", "\r\n")})
    code, _, err = run_cli(["check", "--source", str(site)], capsys)
    assert (code, err) == (0, "")


def test_a_post_that_is_not_a_regular_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site")
    os.mkfifo(site / "content/posts/pipe.md")  # reading it would wait forever
    lines = assert_refused(tmp_path, site, capsys)
    assert lines == [
        "content/posts/pipe.md: is not a regular file (a folder, a device or a pipe); keep only posts "
        "ending in .md in content/posts/",
        "1 problem found; nothing was written.",
    ]


def test_problems_from_every_file_are_reported_in_one_run(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {
        "content/posts/a.md": POST.replace("date: 2026-01-10", "date: 2026-02-30"),
        "content/posts/b.md": POST.replace("benefits:", "benifits:"),
        "content/authors.yaml": "team:\n  bio: no name\n",
    })
    lines = assert_refused(tmp_path, site, capsys)
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "content/authors.yaml", "content/posts/a.md", "content/posts/b.md"]
    assert lines[-1] == "3 problems found; nothing was written."


CONTROL_FIX = "delete it (it usually comes with text pasted from a PDF or another program: retype the words around it)"


@pytest.mark.parametrize("rel, data, line", [
    ("content/posts/tummy-time.md", POST.replace("the whole time", "the whole\x00 time").encode(),
     "content/posts/tummy-time.md:10: an invisible control character (0x00, NUL) is at character 30 of this line"),
    ("site.yaml", SITE_YAML.replace("A tiny", "A\x00tiny").encode(),
     "site.yaml:2: an invisible control character (0x00, NUL) is at character 15 of this line"),
    ("content/authors.yaml", AUTHORS_YAML.replace("The test", "The\x1b test").encode(),
     "content/authors.yaml:2: an invisible control character (0x1B, escape) is at character 12 of this line"),
])
def test_a_control_character_in_any_file_is_refused_at_its_line(rel: str, data: bytes, line: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A NUL in a post's body reached the page (issue 18): invisible to the author, it is named and placed."""
    site = make_site(tmp_path / "site", {rel: data})
    assert assert_refused(tmp_path, site, capsys) == [f"{line}; {CONTROL_FIX}", "1 problem found; nothing was written."]


def test_a_picture_taller_than_webp_allows_is_refused_with_its_size_before_any_encoding(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It was reported as damaged: its WebP copy (as tall, being narrower than 32 px) cannot be encoded."""
    from PIL import Image

    site = make_site(tmp_path / "site", {"content/posts/tummy-time.md": POST.replace(
        "on a mat.\n", "on a mat.\n    image: tall.png\n    alt: A very tall strip.\n")})
    Image.new("RGB", (10, 20_000), "white").save(site / "content/posts/tall.png")
    assert assert_refused(tmp_path, site, capsys) == [
        "content/posts/tummy-time.md:9: steps[1].image: 'tall.png' is 10 x 20,000 px, and a WebP picture (a format "
        "the site makes of every picture) can be at most 16,383 px tall; resize it to at most 16,383 px tall",
        "1 problem found; nothing was written."]
    assert not (site / ".cache/images").exists()
