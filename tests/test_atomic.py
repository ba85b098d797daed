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
from backlying_site.writer import locked

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
    """Stale staging folders; the lock file, the spare generation (.public.spare) and the mark of a
    build that began writing it (.public.writing) are meant to stay."""
    return sorted(p.name for p in output.parent.glob(f".{output.name}.*")
                  if not p.name.endswith((".lock", ".spare", ".writing")))


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
    """15 kills: some at a random moment of the whole build, most a random moment after writing began."""
    output = tmp_path / "public"
    build(versions["old"][0], output)
    seconds = _timed_build(versions["new"][0], tmp_path / "timing")
    chance = random.Random(20260528)
    mid_write = 0
    shown = versions["old"][1]
    for attempt in range(24):
        name = "new" if shown == versions["old"][1] else "old"
        process = start_build(versions[name][0], output)
        if attempt % 3 == 2:
            time.sleep(chance.uniform(0.3, 1.1) * seconds)
        else:
            _wait_for_writing(output, process)
            time.sleep(chance.uniform(0, 0.02))  # the write phase is short: it writes only what changed
        staging_seen = writing(output)
        if kill_group(process) and staging_seen:
            mid_write += 1
        files = tree(output)
        whole = [version for version, (_, reference) in versions.items() if files == reference]
        assert whole, f"attempt {attempt}: {_difference(files, versions['new'][1])}"
        shown = files
    assert mid_write >= 3, "too few kills landed while the site was being written"
    build(versions["new"][0], output)
    assert leftovers(output) == [], "stale staging folders survived the next build"
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


def test_stale_staging_folders_are_cleaned_by_the_next_build(versions, tmp_path: Path) -> None:
    output = tmp_path / "public"
    build(versions["old"][0], output)
    for stale in (".public.tmp-99999", ".public.tmp-1", ".public.old-4242"):
        (tmp_path / stale / "tummy-time").mkdir(parents=True)
        (tmp_path / stale / "tummy-time/index.html").write_text("half", encoding="utf-8")
    (tmp_path / "unrelated").mkdir()
    build(versions["new"][0], output)
    assert leftovers(output) == []
    assert (tmp_path / "unrelated").is_dir()
    assert tree(output) == versions["new"][1]


def test_a_site_swapped_out_by_a_killed_build_is_put_back(versions, tmp_path: Path) -> None:
    """Where no atomic exchange exists, a kill between the two renames leaves only '.public.old-N'."""
    output = tmp_path / "public"
    build(versions["old"][0], output)
    output.rename(tmp_path / ".public.old-4242")
    build(versions["new"][0], output)
    assert leftovers(output) == []
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


def test_the_writer_makes_folders_through_files_in_the_way_and_compares_only_old_files(tmp_path: Path) -> None:
    from backlying_site.writer import Writer

    staging = tmp_path / "spare"
    (staging / "old").mkdir(parents=True)
    (staging / "old/index.html").write_bytes(b"same")
    (staging / "tags").write_bytes(b"a file where a folder must now be")
    writer = Writer(staging)
    writer.write_keyed("old/index.html", "k1", lambda: b"same")
    writer.write_keyed("tags/play/page/2/index.html", "k2", lambda: b"new page")
    writer.write_keyed("tags/play/index.html", "k3", lambda: b"first page")
    writer.write_keyed("fresh/deep/index.html", "k4", lambda: b"in a folder made just now")
    assert (writer.changed, writer.kept) == (3, 1)  # the old file was compared, and kept
    assert (staging / "tags/play/page/2/index.html").read_bytes() == b"new page"
    assert (staging / "tags/play/index.html").read_bytes() == b"first page"
    assert (staging / "fresh/deep/index.html").read_bytes() == b"in a folder made just now"
    # Only a folder this build made is known empty (written without a look); the others are compared.
    assert writer.new_folders == {staging / "fresh/deep"}


def test_into_an_empty_spare_the_writing_process_makes_each_folder(tmp_path: Path) -> None:
    """A first build: reserving claims the address only; the worker that writes the page makes its
    folder (a cold build's thousands of mkdir spread over the workers)."""
    from backlying_site.writer import Writer, write_to

    staging = tmp_path / "spare"
    staging.mkdir()
    writer = Writer(staging, {}, empty=True)
    rel, target = writer.reserve("tags/play/page/2/index.html", "a.md")
    _, beside = writer.reserve("tags/play/page/2/feed.xml", "b.md")
    assert not (staging / "tags").exists()  # nothing made yet
    assert write_to(target, b"page two") and write_to(beside, b"feed")
    writer.record(rel, "k", True)
    assert (staging / "tags/play/page/2/index.html").read_bytes() == b"page two"
    assert (staging / "tags/play/page/2/feed.xml").read_bytes() == b"feed"
    writer.write_keyed("tags/play/index.html", "k2", lambda: b"first page")  # in the parent, the same way
    assert (staging / "tags/play/index.html").read_bytes() == b"first page"
    writer.copy_file("tags/play/page/2/extra.txt", staging / "tags/play/index.html")  # into a folder made so
    assert (staging / "tags/play/page/2/extra.txt").read_bytes() == b"first page"
    with pytest.raises(SiteError, match="two pages want the same address"):
        writer.reserve("tags/play/index.html", "c.md")
