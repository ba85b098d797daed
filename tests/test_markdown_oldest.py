"""The oldest Python-Markdown release pyproject.toml allows renders as stock does too (issue 19).

The suite runs on the release installed (the newest allowed; the weekly workflow tries newer ones).
Here the Markdown tests run once more in a subprocess with the oldest allowed release first on
``sys.path``: the speed-up against stock, Python-Markdown's own suite, the safety filter, and the
sample sites' golden output, which must be byte for byte the same on both releases.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from upstream import installed, oldest_allowed

pytestmark = pytest.mark.tools  # the release comes from PyPI

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/test_markdown.py", "tests/test_markdown_differential.py", "tests/test_markdown_upstream.py",
         "tests/test_url_safety.py", "tests/test_golden.py"]


def test_the_oldest_allowed_release_is_read_from_pyproject() -> None:
    assert re.fullmatch(r"3\.\d+(\.\d+)?", oldest_allowed("markdown"))


def test_the_markdown_tests_pass_on_the_oldest_allowed_release() -> None:
    release = oldest_allowed("markdown")
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}  # (not a worker)
    site = installed("markdown", release, "markdown")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    seen = subprocess.run([sys.executable, "-c", "import markdown; print(markdown.__version__)"],
                          env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert seen == release, f"the subprocess imported Python-Markdown {seen}, not {release}"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"on Python-Markdown {release}:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"
    assert re.search(r"\b\d{3,} passed\b", done.stdout), done.stdout[-2000:]
