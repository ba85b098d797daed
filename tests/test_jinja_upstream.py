"""Jinja's own test suite passes with our QuickContext as it passes without it (issue 19).

The suite is the ``tests`` folder of a Jinja source release, fetched from PyPI once per release
into tests/.cache. It runs in a subprocess (jinja_upstream_runner.py), stock and with every
environment's templates made with QuickContext (render/jinja_speedup.py), on the installed
release and on the oldest pyproject.toml allows (installed apart, first on the path). Every test
that passes stock must pass with it. tests/test_jinja_speedup.py compares the two on what Jinja's
suite calls little (each way a callable can ask for an argument, in loops and blocks); it runs on
the oldest allowed release here too, with the golden sites' tests.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.version import Version

from backlying_site.render import jinja_speedup
from upstream import first_excluded, installed, newly_failing, oldest_allowed, our_tests_on, run_suite, source_tests

pytestmark = pytest.mark.tools  # the releases come from PyPI

RUNNER = Path(__file__).resolve().parent / "jinja_upstream_runner.py"


def release_of(which: str) -> tuple[str, Path | None]:
    """The release and, for the oldest allowed, the folder to put first on the path."""
    if which == "installed":
        return version("jinja2"), None
    release = oldest_allowed("jinja2")
    return release, installed("jinja2", release, "jinja2")


@pytest.fixture(scope="module", params=["installed", "oldest allowed"])
def suite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path | None, dict]:
    """The release, its tests' folder, what goes first on the path, and each test's outcome stock."""
    release, path = release_of(request.param)
    source = source_tests("jinja2", release)
    return release, source, path, run_suite(RUNNER, source, "stock", tmp_path_factory.mktemp("stock"), path)


def test_the_tested_range_is_pyprojects() -> None:
    oldest, cap = oldest_allowed("jinja2"), first_excluded("jinja2")
    assert jinja_speedup.is_tested_release(oldest) and jinja_speedup.is_tested_release(version("jinja2"))
    assert not jinja_speedup.is_tested_release(cap) and cap == ".".join(map(str, jinja_speedup.TESTED_RELEASES[1]))
    assert ".".join(map(str, jinja_speedup.TESTED_RELEASES[0])) == oldest


def test_our_comparison_and_the_golden_sites_pass_on_the_oldest_allowed_release() -> None:
    release = oldest_allowed("jinja2")
    done = our_tests_on("jinja2", release, installed("jinja2", release, "jinja2"),
                        ["tests/test_jinja_speedup.py", "tests/test_golden.py"])
    assert done.returncode == 0, f"on Jinja {release}:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"


def test_jinjas_own_suite_passes_with_quick_context(suite: tuple[str, Path, Path | None, dict], tmp_path: Path) -> None:
    release, source, path, stock = suite
    ours = run_suite(RUNNER, source, "ours", tmp_path, path)
    assert Version(stock["jinja2"]) == Version(ours["jinja2"]) == Version(release)  # (3.1 is 3.1.0)
    passed = [test for test, outcome in stock["outcomes"].items() if outcome == "passed"]
    assert len(passed) > 700, f"only {len(passed)} of Jinja's tests passed stock: was the suite found?"
    assert ours["quick_calls"] > 100, "QuickContext was not used: nothing was tested"
    assert newly_failing(stock, ours) == {}


def test_the_comparison_catches_a_broken_quick_context(suite: tuple[str, Path, Path | None, dict],
                                                       tmp_path: Path) -> None:
    """A QuickContext that does not pass the context to a function that asks for it fails Jinja's tests."""
    release, source, path, stock = suite
    assert len(newly_failing(stock, run_suite(RUNNER, source, "broken", tmp_path, path))) > 10
