"""The oldest Python-Markdown release pyproject.toml allows renders as stock does too (issue 19).

The suite runs on the release installed (the newest allowed; the weekly workflow tries newer ones).
Here the Markdown tests run once more in a subprocess with the oldest allowed release first on
``sys.path``: the speed-up against stock, Python-Markdown's own suite, the safety filter, and the
sample sites' golden output, which must be byte for byte the same on both releases.
"""

from __future__ import annotations

import re

import pytest

from upstream import installed, oldest_allowed, our_tests_on

pytestmark = pytest.mark.tools  # the release comes from PyPI

TESTS = ["tests/test_markdown.py", "tests/test_markdown_differential.py", "tests/test_markdown_upstream.py",
         "tests/test_url_safety.py", "tests/test_golden.py"]


def test_the_oldest_allowed_release_is_read_from_pyproject() -> None:
    assert re.fullmatch(r"3\.\d+(\.\d+)?", oldest_allowed("markdown"))


def test_the_markdown_tests_pass_on_the_oldest_allowed_release() -> None:
    release = oldest_allowed("markdown")
    done = our_tests_on("markdown", release, installed("markdown", release, "markdown"), TESTS)
    assert done.returncode == 0, f"on Python-Markdown {release}:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"
    assert re.search(r"\b\d{3,} passed\b", done.stdout), done.stdout[-2000:]
