"""The published folder is always a whole site: killed builds, parallel builds, any path, any hash seed.

Issue 8: a build killed part-way (SIGKILL, no clean-up possible) leaves either the complete old
site or the complete new one, and its leftovers are cleaned by the next run; the same input gives
byte-identical output wherever it lives and whatever PYTHONHASHSEED is; two builds started at once
on one folder do not corrupt it. Every build here is a real process, as on an author's machine.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from backlying_site.errors import SiteError
from backlying_site.output.writer import Generations, locked

EPOCH = "1780000000"  # 2026-05-28, after every post's date
BUSY = "another build is writing this folder right now"
TIMEOUT = 120


# --- helpers --------------------------------------------------------------------------------------


def make_site(root: Path, title: str, posts: int) -> Path:
    """``posts`` exercises in bundles, five with a tiny step image, seven tags between them."""
    (root / "content/posts").mkdir(parents=True)
    (root / "site.yaml").write_text(
        f"title: {title}\ndescription: A guide for the atomic tests.\nbase_url: https://example.org/guide/\n"
        "author: team\ndisclaimer: General information, not medical advice.\n"
        "images:\n  widths: [32]\n  formats: [webp]\n", encoding="utf-8")
    (root / "content/authors.yaml").write_text("team:\n  name: The test team\n", encoding="utf-8")
    for number in range(posts):
        folder = root / f"content/posts/exercise-{number:03d}"
        (folder / "images").mkdir(parents=True)
        image = ""
        if number < 5:
            Image.new("RGB", (40, 30), (40 * number, 120, 200 - 30 * number)).save(folder / "images/step.jpg")
            image = "    image: images/step.jpg\n    alt: A coloured square standing in for a photo.\n"
        (folder / "index.md").write_text(
            f"---\ntitle: Exercise {number}\ndate: 2026-01-{number % 28 + 1:02d}\n"
            f"summary: What exercise {number} does for your baby.\nbenefits: [Stronger neck]\n"
            f"tags: [topic-{number % 7}]\nsteps:\n  - text: Lay your baby on a mat.\n{image}"
            f"---\nExercise {number}, explained for {title}.\n", encoding="utf-8")
    return root


def command() -> list[str]:
    script = Path(sys.executable).with_name("backlying-site")
    return [str(script)] if script.exists() else [sys.executable, "-m", "backlying_site.cli"]


def environment(seed: str = "0") -> dict[str, str]:
    return os.environ | {"SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": seed}


def start_build(source: Path, output: Path, seed: str = "0") -> subprocess.Popen[str]:
    return subprocess.Popen([*command(), "build", "--source", str(source), "--output", str(output)],
                            env=environment(seed), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group: a kill takes its helpers too


def build(source: Path, output: Path, seed: str = "0") -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*command(), "build", "--source", str(source), "--output", str(output)],
                            env=environment(seed), capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def tree(folder: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file; a folder that is missing is an empty tree."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(output: Path) -> list[str]:
    """What a build left beside its output but the lock file and the spare generation (.public.spare),
    which are meant to stay; and any temporary file in the spare."""
    beside = [p.name for p in output.parent.glob(f".{output.name}.*") if not p.name.endswith((".lock", ".spare"))]
    return sorted(beside + [p.name for p in output.parent.glob(f".{output.name}.spare/**/*.tmp")])


def kill_group(process: subprocess.Popen[str]) -> bool:
    """SIGKILL the build and everything it started; True when it was still running."""
    running = process.poll() is None
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate(timeout=TIMEOUT)
    return running


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, bytes]]]:
    """Two versions of a 150-post site and a reference build of each: {name: (source, files)}."""
    root = tmp_path_factory.mktemp("versions")
    found = {}
    for name in ("old", "new"):
        source = make_site(root / name, f"Guide, {name} edition", posts=150)
        build(source, root / f"reference-{name}")
        found[name] = (source, tree(root / f"reference-{name}"))
    assert all(found["old"][1][k] != found["new"][1][k] for k in found["old"][1] if k.endswith(".html"))
    return found


# --- killed builds ----------------------------------------------------------------------------------


def test_a_killed_build_leaves_the_old_or_the_new_site_whole(versions, tmp_path: Path) -> None:
    """Builds killed at random moments until eight kills have landed while the build held the output
    (rendering, writing, swapping): each is frozen first (SIGSTOP), so whether it was still writing is
    known, not guessed from timings. After every kill the site is the whole old or the whole new one."""
    output = tmp_path / "public"
    build(versions["old"][0], output)
    seconds = _timed_build(versions["new"][0], tmp_path / "timing")
    chance = random.Random(20260528)
    mid_write = attempts = 0
    shown = versions["old"][1]
    while mid_write < 8:
        attempts += 1
        assert attempts <= 80, f"only {mid_write} of {attempts} kills landed while the build was writing"
        name = "new" if shown == versions["old"][1] else "old"
        process = start_build(versions[name][0], output)
        if attempts % 3 == 0:
            time.sleep(chance.uniform(0.3, 1.1) * seconds)
        else:
            _wait_for_writing(output, process)
            time.sleep(chance.uniform(0, 0.01))  # the write phase is short: it writes only what changed
        try:
            os.killpg(process.pid, signal.SIGSTOP)
        except ProcessLookupError:  # done already
            pass
        if process.poll() is None and writing(output):
            mid_write += 1
        kill_group(process)
        files = tree(output)
        whole = [version for version, (_, reference) in versions.items() if files == reference]
        assert whole, f"attempt {attempts}: {_difference(files, versions['new'][1])}"
        shown = files
    build(versions["new"][0], output)
    assert leftovers(output) == [], "a killed build's leftovers survived the next build"
    assert tree(output) == versions["new"][1]


def _difference(files: dict[str, bytes], reference: dict[str, bytes]) -> str:
    missing = sorted(set(reference) - set(files))
    changed = sorted(k for k in set(files) & set(reference) if files[k] != reference[k])
    return (f"a half-written site: {len(files)} files, {len(missing)} missing (e.g. {missing[:3]}), "
            f"{len(changed)} differing from the new site")


def _timed_build(source: Path, output: Path) -> float:
    started = time.perf_counter()
    build(source, output)
    return time.perf_counter() - started


def _wait_for_writing(output: Path, process: subprocess.Popen[str]) -> None:
    """Until the build holds the output's lock: it takes it just before it starts writing."""
    deadline = time.monotonic() + TIMEOUT
    while not writing(output) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0005)


def writing(output: Path) -> bool:
    """Whether a build holds the output's lock, read from /proc/locks without touching the lock."""
    try:
        inode = (output.parent / f".{output.name}.lock").stat().st_ino
        with open("/proc/locks", encoding="ascii") as locks:
            return any(line.split()[5].endswith(f":{inode}") for line in locks if len(line.split()) > 5)
    except OSError:
        return False


def test_a_site_swapped_out_by_a_killed_build_is_put_back(versions, tmp_path: Path) -> None:
    """Where no atomic exchange exists, a kill between the two renames leaves only '.public.old'."""
    output = tmp_path / "public"
    build(versions["old"][0], output)
    output.rename(tmp_path / ".public.old")
    (tmp_path / "unrelated").mkdir()
    build(versions["new"][0], output)
    assert leftovers(output) == []
    assert (tmp_path / "unrelated").is_dir()
    assert tree(output) == versions["new"][1]


def test_a_refused_build_leaves_the_site_and_its_folder_untouched(versions, tmp_path: Path) -> None:
    output = tmp_path / "public"
    build(versions["old"][0], output)
    broken = tmp_path / "broken"
    shutil.copytree(versions["new"][0], broken, ignore=shutil.ignore_patterns(".cache"))
    (broken / "content/posts/exercise-007/index.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = subprocess.run([*command(), "build", "--source", str(broken), "--output", str(output)],
                            env=environment(), capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.endswith("1 problem found; nothing was written.\n")
    assert tree(output) == versions["old"][1]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# --- determinism ------------------------------------------------------------------------------------


def test_the_same_input_gives_identical_bytes_in_other_folders_and_hash_seeds(tmp_path: Path) -> None:
    first = make_site(tmp_path / "a", "Little Movers", posts=12)
    second = tmp_path / "a much" / "longer, other" / "path" / "b"
    shutil.copytree(first, second)
    build(first, tmp_path / "out-1", seed="1")
    build(second, tmp_path / "elsewhere" / "out-2", seed="4242")
    one, two = tree(tmp_path / "out-1"), tree(tmp_path / "elsewhere" / "out-2")
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []
    assert any(name.endswith(".webp") for name in one) and any(name.endswith(".jpg") for name in one)
    for data in one.values():
        assert str(tmp_path).encode() not in data, "an absolute path leaked into the output"


def test_a_rebuild_with_nothing_changed_gives_the_same_bytes(tmp_path: Path) -> None:
    source = make_site(tmp_path / "site", "Little Movers", posts=12)
    build(source, tmp_path / "out")
    before = tree(tmp_path / "out")
    shutil.rmtree(source / ".cache")  # images encoded again, not copied from the cache
    build(source, tmp_path / "out", seed="99")
    assert tree(tmp_path / "out") == before


# --- two builds at once ----------------------------------------------------------------------------------


def test_two_builds_at_once_both_succeed_or_one_says_another_is_running(versions, tmp_path: Path) -> None:
    output = tmp_path / "public"
    source, files = versions["new"]
    for _ in range(3):
        processes = [start_build(source, output), start_build(source, output)]
        results = [(p.wait(timeout=TIMEOUT), p.communicate(timeout=TIMEOUT)[1]) for p in processes]
        assert all("Traceback" not in err for _, err in results)
        codes = sorted(code for code, _ in results)
        assert codes in ([0, 0], [0, 1]), results
        for code, err in results:
            if code == 1:
                assert err == f"{output}: {BUSY}; wait for it to finish, then run again\n" \
                              "1 problem found; nothing was written.\n"
        assert tree(output) == files
        assert leftovers(output) == []


def test_a_build_while_another_holds_the_folder_is_refused_clearly(versions, tmp_path: Path) -> None:
    output = tmp_path / "public"
    build(versions["old"][0], output)
    with locked(output.absolute()):
        result = subprocess.run([*command(), "build", "--source", str(versions["new"][0]), "--output",
                                 str(output)], env=environment(), capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 1
    assert result.stderr == (f"{output}: {BUSY}; wait for it to finish, then run again\n"
                             "1 problem found; nothing was written.\n")
    assert tree(output) == versions["old"][1]
    build(versions["new"][0], output)  # the lock is free again
    assert tree(output) == versions["new"][1]


def test_the_publisher_replaces_files_and_folders_that_stand_in_the_way(tmp_path: Path) -> None:
    from backlying_site.output.writer import Publisher

    output = tmp_path / "public"
    first = Publisher(output)
    first.write("tags", b"a file where a folder will be", "a.md")
    first.write("old/index.html", b"a folder where a file will be", "a.md")
    known = first.publish()
    second = Publisher(output, known)
    for generation in range(2):  # the spare is empty at first, then holds the generation before
        second.write("tags/play/index.html", b"first page", "a.md")
        second.write("old", b"now a file", "a.md")
        known = second.publish()
        assert (output / "tags/play/index.html").read_bytes() == b"first page"
        assert (output / "old").read_bytes() == b"now a file"
        second = Publisher(output, known)


def test_the_publisher_keeps_what_holds_the_bytes_and_trusts_no_file_touched_since(tmp_path: Path) -> None:
    from backlying_site.output.writer import Publisher, digest_of

    output = tmp_path / "public"
    known = None
    for generation in range(2):  # then both generations hold a.html
        publisher = Publisher(output, known)
        publisher.write("a.html", b"one", "a.md")
        known = publisher.publish()
    assert Publisher(output, known).has("a.html", digest_of(b"one"))
    live = output / "a.html"
    stat = live.stat()
    live.write_bytes(b"two")  # a hand edit of the same size, its times set back
    os.utime(live, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    publisher = Publisher(output, known)
    assert publisher.reuse("a.html", digest_of(b"one"), "a.md")  # from the spare, which was not touched
    known = publisher.publish()
    assert (output / "a.html").read_bytes() == b"one"
    publisher = Publisher(output, known)
    assert not publisher.has("a.html", digest_of(b"two")) and not _holds_in_spare(publisher, "a.html")
    with pytest.raises(SiteError, match="two pages want the same address"):
        publisher.write("b.html", b"x", "b.md")
        publisher.write("b.html", b"y", "c.md")
    with pytest.raises(SiteError, match="outside the output folder"):
        publisher.write("../escape.html", b"x", "d.md")


def _holds_in_spare(publisher, rel: str) -> bool:
    return rel in publisher.kept


def test_a_file_only_the_live_folder_has_is_trusted_only_while_untouched_and_reached_through_no_link(
        tmp_path: Path) -> None:
    from backlying_site.output.writer import Publisher, digest_of

    output = tmp_path / "public"
    publisher = Publisher(output)
    for rel in ("a.html", "tags/b.html", "tags/c.html", "d/e/f.html"):
        publisher.write(rel, rel.encode(), "a.md")
    known = publisher.publish()  # the spare is empty: only the live folder holds them
    assert all(Publisher(output, known).has(rel, digest_of(rel.encode()))
               for rel in ("a.html", "tags/b.html", "tags/c.html", "d/e/f.html"))
    live = output / "a.html"
    stat = live.stat()
    live.write_bytes(b"A.html")  # a hand edit of the same size, its times set back
    os.utime(live, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elsewhere = tmp_path / "elsewhere"
    (output / "tags").rename(elsewhere)  # the same files, reached through a link now
    (output / "tags").symlink_to(elsewhere)
    (output / "d" / "e" / "f.html").unlink()
    publisher = Publisher(output, known)
    assert not publisher.has("a.html", digest_of(b"a.html"))
    assert not publisher.has("tags/b.html", digest_of(b"tags/b.html"))
    assert not publisher.has("d/e/f.html", digest_of(b"d/e/f.html"))
    assert not publisher.reuse("tags/c.html", digest_of(b"tags/c.html"), "a.md")  # the caller writes it anew


def _shared(output: Path, files: dict[str, bytes]) -> Generations:
    """Published twice, the second time kept from the live folder: both generations share every file."""
    from backlying_site.output.writer import Publisher, digest_of

    first = Publisher(output)
    for rel, data in files.items():
        first.write(rel, data, "a.md")
    second = Publisher(output, first.publish())
    for rel, data in files.items():
        assert second.reuse(rel, digest_of(data), "a.md")
    return second.publish()


def test_a_file_the_live_folder_holds_is_linked_into_the_spare_and_never_written_into_after(tmp_path: Path) -> None:
    from backlying_site.output.writer import Publisher, digest_of

    output = tmp_path / "public"
    first = Publisher(output)
    for rel in ("a.html", "tags/b.html"):
        first.write(rel, rel.encode(), "a.md")
    second = Publisher(output, first.publish())  # an empty spare
    for rel in ("a.html", "tags/b.html"):
        assert second.reuse(rel, digest_of(rel.encode()), "a.md")
        assert (second.spare / rel).samefile(output / rel)  # one file with two names: nothing copied
    third = Publisher(output, second.publish())  # a spare that shares both files with the live folder
    assert {"a.html", "tags/b.html"} <= third.kept.keys()
    third.write("a.html", b"a new page", "a.md")
    assert (output / "a.html").read_bytes() == b"a.html"  # the live site is the old one until the swap
    assert third.reuse("tags/b.html", digest_of(b"tags/b.html"), "a.md")
    known = third.publish()
    assert (output / "a.html").read_bytes() == b"a new page"
    assert (third.spare / "a.html").read_bytes() == b"a.html"  # the generation before is whole
    fourth = Publisher(output, known)
    # Removing the spare's name moved the live name's change time; its new stat was recorded then.
    assert fourth.reuse("a.html", digest_of(b"a.html"), "a.md") and fourth.written == 0
    fourth.publish()
    assert (output / "a.html").read_bytes() == b"a.html"


def test_a_hand_edit_of_a_file_both_generations_share_is_trusted_in_neither(tmp_path: Path) -> None:
    from backlying_site.output.writer import Publisher, digest_of

    output = tmp_path / "public"
    known = _shared(output, {"a.html": b"one"})
    live = output / "a.html"
    stat = live.stat()
    with open(live, "r+b") as handle:  # in place, as some editors save: both names see it
        handle.write(b"two")
    os.utime(live, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    third = Publisher(output, known)
    assert not third.has("a.html", digest_of(b"one"))
    third.write("a.html", b"one", "a.md")
    third.publish()
    assert live.read_bytes() == b"one" and (third.spare / "a.html").read_bytes() == b"two"


def test_a_shared_file_where_a_folder_must_now_be_is_replaced_and_the_generation_before_stays_whole(
        tmp_path: Path) -> None:
    from backlying_site.output.writer import Publisher

    output = tmp_path / "public"
    publisher = Publisher(output, _shared(output, {"static/foo": b"a file", "a.html": b"a"}))
    publisher.write("static/foo/bar.txt", b"in a folder now", "a.md")
    publisher.write("a.html", b"a", "a.md")
    publisher.publish()
    assert (output / "static/foo/bar.txt").read_bytes() == b"in a folder now"
    assert (publisher.spare / "static/foo").read_bytes() == b"a file"


def test_where_hard_links_cannot_be_made_the_live_file_is_copied_and_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from backlying_site.output.writer import Publisher, digest_of

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")  # as vfat says
    monkeypatch.setattr(os, "link", refused)
    output = tmp_path / "public"
    known = _shared(output, {"a.html": b"one", "tags/b.html": b"two"})
    assert (output / "a.html").read_bytes() == b"one" and not (output / "a.html").samefile(output.parent /
                                                                                          ".public.spare/a.html")
    publisher = Publisher(output, known)
    assert publisher.reuse("a.html", digest_of(b"one"), "a.md") and "a.html" in publisher.kept


def test_a_live_file_edited_between_its_check_and_its_link_is_made_again_by_the_next_build(tmp_path: Path) -> None:
    from backlying_site.incremental.unchanged import output_unchanged
    from backlying_site.output.writer import Publisher, digest_of

    output = tmp_path / "public"
    first = Publisher(output)
    first.write("a.html", b"one", "a.md")
    second = Publisher(output, first.publish())
    assert second.has("a.html", digest_of(b"one"))  # checked: as recorded
    (output / "a.html").write_bytes(b"two")  # a hand edit while the build runs
    assert second.reuse("a.html", digest_of(b"one"), "a.md")
    known = second.publish()
    assert not output_unchanged(output, known.live)  # so the next build runs, whatever the inputs
    third = Publisher(output, known)
    assert not third.has("a.html", digest_of(b"one")) and not third.has("a.html", digest_of(b"two"))


def test_a_symbolic_link_in_the_spare_is_removed_and_nothing_is_written_through_it(tmp_path: Path) -> None:
    from backlying_site.output.writer import Publisher

    output = tmp_path / "public"
    known = _shared(output, {"a.html": b"a"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.webp").write_bytes(b"someone's file")
    (output.parent / ".public.spare/images").symlink_to(elsewhere)
    (output.parent / ".public.spare/gone").symlink_to(tmp_path / "nothing")  # a dangling one
    publisher = Publisher(output, known)
    publisher.write("images/x.webp", b"a picture", "a.md")
    publisher.write("gone/index.html", b"a page", "a.md")
    publisher.write("a.html", b"a", "a.md")
    publisher.publish()
    assert (elsewhere / "x.webp").read_bytes() == b"someone's file"
    assert (output / "images/x.webp").read_bytes() == b"a picture" and not (output / "images").is_symlink()
    assert (output / "gone/index.html").read_bytes() == b"a page"


@pytest.mark.parametrize("rel", ["a.html", "a/b/index.html", ".well-known/x", "a/../b", "./a", "a/./b", "a//b",
                                 "/a", "//a", "a/", "", ".", "..", "a\\b", "...", "a/..b", "images/x.webp"])
def test_an_output_path_is_taken_refused_or_normalised_as_pathlib_reads_it(tmp_path: Path, rel: str) -> None:
    from pathlib import PurePosixPath

    from backlying_site.output.writer import Publisher

    clean = PurePosixPath(rel)
    refused = clean.is_absolute() or ".." in clean.parts or not clean.parts or "\\" in rel
    publisher = Publisher(tmp_path / "public")
    if refused:
        with pytest.raises(SiteError, match="outside the output folder"):
            publisher.reserve(rel, "a.md")
    else:
        assert publisher.reserve(rel, "a.md") == clean.as_posix()
