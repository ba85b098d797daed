"""The oldest Python-Markdown release pyproject.toml allows renders as stock does too (issue 19).

The suite runs on the release installed (the newest allowed; the weekly workflow tries newer ones).
Here the Markdown tests run once more in a subprocess with the oldest allowed release first on
``sys.path``: the speed-up against stock, Python-Markdown's own suite, the safety filter, and the
sample sites' golden output, which must be byte for byte the same on both releases.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.tools  # the release comes from PyPI

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "tests" / ".cache"
TESTS = ["tests/test_markdown.py", "tests/test_markdown_differential.py", "tests/test_markdown_upstream.py",
         "tests/test_url_safety.py", "tests/test_golden.py"]


def oldest_allowed() -> str:
    """The release after '>=' in pyproject.toml's markdown requirement."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    spec = next(dep for dep in project["dependencies"] if re.match(r"markdown\s*[<>=!]", dep, re.IGNORECASE))
    found = re.search(r">=\s*([0-9][0-9.]*)", spec)
    assert found, f"pyproject.toml's {spec!r} names no oldest release"
    return found.group(1)


def installed(release: str) -> Path:
    """A folder holding only that release of markdown, installed once into tests/.cache."""
    target = CACHE / f"markdown-{release}-site"
    if not (target / "markdown").is_dir():
        shutil.rmtree(target, ignore_errors=True)  # (a folder left half made by an interrupted run)
        CACHE.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as work:
            site = Path(work) / "site"
            done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                   "--no-deps", "--target", str(site), f"markdown=={release}"],
                                  capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                pytest.fail(f"could not install Python-Markdown {release} from PyPI:\n{done.stderr[-3000:]}")
            try:
                os.replace(site, target)
            except OSError:  # another test process put it there first
                assert (target / "markdown").is_dir()
    return target


def test_the_oldest_allowed_release_is_read_from_pyproject() -> None:
    assert re.fullmatch(r"3\.\d+(\.\d+)?", oldest_allowed())


def test_the_markdown_tests_pass_on_the_oldest_allowed_release() -> None:
    release = oldest_allowed()
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}  # (not a worker)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(installed(release)), os.environ.get("PYTHONPATH")]))
    seen = subprocess.run([sys.executable, "-c", "import markdown; print(markdown.__version__)"],
                          env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert seen == release, f"the subprocess imported Python-Markdown {seen}, not {release}"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"on Python-Markdown {release}:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"
    assert re.search(r"\b\d{3,} passed\b", done.stdout), done.stdout[-2000:]
