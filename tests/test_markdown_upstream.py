"""Python-Markdown's own test suite passes with our speed-ups as it passes without them (issue 19).

The suite is the ``tests`` folder of the source release of the installed markdown, fetched from PyPI
once per release into tests/.cache (ignored by git). It runs twice in a subprocess
(markdown_upstream_runner.py): stock, and with backlying_site's speed_up applied to every Markdown
instance as it is made, after its extensions, as MarkdownRenderer applies it. Every test that passes
stock must pass sped up. None is expected to differ: our renderer keeps stock's table of contents.
"""

from __future__ import annotations

import io
import tarfile
from importlib.metadata import version
from pathlib import Path

import pytest

from upstream import newly_failing, source_tests, unpack_tests
from upstream import run_suite as run_upstream_suite

pytestmark = pytest.mark.tools  # the source release comes from PyPI

RUNNER = Path(__file__).resolve().parent / "markdown_upstream_runner.py"
# Tests allowed to fail sped up while they pass stock: ones reading ``md.toc``, if a speed-up ever
# leaves it empty again. None today.
EXPECTED_TO_DIFFER: frozenset[str] = frozenset()


@pytest.fixture(scope="module")
def upstream_source() -> Path:
    """The folder holding the installed release's tests/, fetched once per release."""
    return source_tests("markdown", version("markdown"))


def run_suite(source: Path, mode: str, work: Path) -> dict:
    return run_upstream_suite(RUNNER, source, mode, work)


@pytest.fixture(scope="module")
def stock(upstream_source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Each test's outcome without our speed-ups."""
    return run_suite(upstream_source, "stock", tmp_path_factory.mktemp("stock"))


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
