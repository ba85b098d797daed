"""Python-Markdown's own test suite passes with our speed-ups as it passes without them (issue 19).

The suite is the ``tests`` folder of the source release of the installed markdown, fetched from PyPI
once per release into tests/.cache (ignored by git). It runs twice in a subprocess
(markdown_upstream_runner.py): stock, and with backlying_site's speed_up applied to every Markdown
instance as it is made, after its extensions, as MarkdownRenderer applies it. Every test that passes
stock must pass sped up. None is expected to differ: our renderer keeps stock's table of contents.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

import pytest

pytestmark = pytest.mark.tools  # the source release comes from PyPI

TESTS = Path(__file__).resolve().parent
CACHE = TESTS / ".cache"
RUNNER = TESTS / "markdown_upstream_runner.py"
# Tests allowed to fail sped up while they pass stock: ones reading ``md.toc``, if a speed-up ever
# leaves it empty again. None today.
EXPECTED_TO_DIFFER: frozenset[str] = frozenset()


def download_source(release: str, into: Path) -> Path:
    """Python-Markdown's source release from PyPI; a clear failure, not a skip, without it."""
    command = [sys.executable, "-m", "pip", "download", f"markdown=={release}", "--no-deps", "--no-binary",
               ":all:", "--quiet", "--disable-pip-version-check", "-d", str(into)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        pytest.fail(f"pip took over 10 minutes to download Python-Markdown {release}'s source from PyPI")
    archives = sorted(into.glob("*.tar.gz"))
    if done.returncode != 0 or not archives:
        pytest.fail(f"could not download Python-Markdown {release}'s source from PyPI, whose own tests this "
                    f"test runs with our speed-ups ({' '.join(command[1:])}):\n{done.stderr[-3000:]}")
    return archives[0]


def unpack_tests(archive: Path, into: Path) -> None:
    """Only the archive's tests/ folder, and only plain files and folders inside it."""
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            top, _, inner = member.name.partition("/")
            path = Path(inner)
            if not inner.startswith("tests/") or path.is_absolute() or ".." in path.parts:
                continue
            if member.isdir():
                (into / path).mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                (into / path).parent.mkdir(parents=True, exist_ok=True)
                (into / path).write_bytes(tar.extractfile(member).read())  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def upstream_source() -> Path:
    """The folder holding the installed release's tests/, fetched once per release."""
    release = version("markdown")
    target = CACHE / f"python-markdown-{release}"
    if not (target / "tests").is_dir():
        CACHE.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as work:
            unpacked = Path(work) / "unpacked"
            unpack_tests(download_source(release, Path(work)), unpacked)
            try:
                os.replace(unpacked, target)
            except OSError:  # another test process put it there first
                assert (target / "tests").is_dir()
    return target


def run_suite(source: Path, mode: str, work: Path) -> dict:
    report = work / f"{mode}.json"
    done = subprocess.run([sys.executable, str(RUNNER), str(source), mode, str(report)], cwd=work,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and report.exists(), done.stderr[-3000:]
    return json.loads(report.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def stock(upstream_source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Each test's outcome without our speed-ups."""
    return run_suite(upstream_source, "stock", tmp_path_factory.mktemp("stock"))


def newly_failing(stock: dict, sped_up: dict) -> dict[str, str]:
    return {test: sped_up["outcomes"].get(test, "not run") for test, outcome in stock["outcomes"].items()
            if outcome == "passed" and sped_up["outcomes"].get(test) != "passed"}


def test_python_markdowns_own_suite_passes_with_our_speed_ups(upstream_source: Path, stock: dict,
                                                             tmp_path: Path) -> None:
    ours = run_suite(upstream_source, "ours", tmp_path)
    assert stock["markdown"] == ours["markdown"] == version("markdown")
    passed = [test for test, outcome in stock["outcomes"].items() if outcome == "passed"]
    assert len(passed) > 500, f"only {len(passed)} of Python-Markdown's tests passed stock: was the suite found?"
    assert ours["sped_up"] > 0 and ours["filtered_walks"] > 500, "the speed-up was not applied: nothing was tested"
    assert newly_failing(stock, ours).keys() <= EXPECTED_TO_DIFFER, newly_failing(stock, ours)


def test_the_comparison_catches_a_broken_speed_up(upstream_source: Path, stock: dict, tmp_path: Path) -> None:
    """A speed-up that skips the emphasis patterns where they could match breaks Python-Markdown's tests."""
    broken = run_suite(upstream_source, "broken", tmp_path)
    assert len(newly_failing(stock, broken)) > 50


def test_only_the_tests_folder_is_unpacked(tmp_path: Path) -> None:
    archive = tmp_path / "markdown-9.9.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in ("markdown-9.9/tests/test_a.py", "markdown-9.9/markdown/core.py",
                     "markdown-9.9/tests/../../escape.py"):
            member = tarfile.TarInfo(name)
            member.size = 2
            tar.addfile(member, io.BytesIO(b"x\n"))
    unpack_tests(archive, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")) == [
        "tests", "tests/test_a.py"]
