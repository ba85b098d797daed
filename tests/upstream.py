"""A library's own test suite and releases, fetched from PyPI into tests/.cache (ignored by git).

Used by the tests that run Python-Markdown's and Jinja's own suites with our speed-ups applied
(test_markdown_upstream.py, test_jinja_upstream.py) and that run ours on the oldest allowed release
(test_markdown_oldest.py): each fetched once per release, a clear failure (not a skip) without it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

TESTS = Path(__file__).resolve().parent
CACHE = TESTS / ".cache"


def requirement(project: str) -> str:
    """pyproject.toml's requirement of ``project``."""
    declared = tomllib.loads((TESTS.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return next(dep for dep in declared["dependencies"] if re.match(rf"{project}\s*[<>=!]", dep, re.IGNORECASE))


def oldest_allowed(project: str) -> str:
    """The release after '>=' in pyproject.toml's requirement of ``project``."""
    found = re.search(r">=\s*([0-9][0-9.]*)", requirement(project))
    assert found, f"pyproject.toml's {requirement(project)!r} names no oldest release"
    return found.group(1)


def first_excluded(project: str) -> str:
    """The release after '<' in pyproject.toml's requirement of ``project`` (its cap)."""
    found = re.search(r"<\s*([0-9][0-9.]*)", requirement(project))
    assert found, f"pyproject.toml's {requirement(project)!r} has no cap"
    return found.group(1)


def download_source(project: str, release: str, into: Path) -> Path:
    """The project's source release from PyPI."""
    command = [sys.executable, "-m", "pip", "download", f"{project}=={release}", "--no-deps", "--no-binary",
               ":all:", "--quiet", "--disable-pip-version-check", "-d", str(into)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        pytest.fail(f"pip took over 10 minutes to download {project} {release}'s source from PyPI")
    archives = sorted(into.glob("*.tar.gz"))
    if done.returncode != 0 or not archives:
        pytest.fail(f"could not download {project} {release}'s source from PyPI, whose own tests this "
                    f"test runs with our speed-ups ({' '.join(command[1:])}):\n{done.stderr[-3000:]}")
    return archives[0]


def unpack_tests(archive: Path, into: Path) -> None:
    """Only the archive's tests/ folder, and only plain files and folders inside it."""
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            _, _, inner = member.name.partition("/")
            path = Path(inner)
            if not inner.startswith("tests/") or path.is_absolute() or ".." in path.parts:
                continue
            if member.isdir():
                (into / path).mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                (into / path).parent.mkdir(parents=True, exist_ok=True)
                (into / path).write_bytes(tar.extractfile(member).read())  # type: ignore[union-attr]


def source_tests(project: str, release: str) -> Path:
    """The folder holding that release's tests/, fetched once per release."""
    target = CACHE / f"{project}-{release}"
    if not (target / "tests").is_dir():
        CACHE.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as work:
            unpacked = Path(work) / "unpacked"
            unpack_tests(download_source(project, release, Path(work)), unpacked)
            try:
                os.replace(unpacked, target)
            except OSError:  # another test process put it there first
                assert (target / "tests").is_dir()
    return target


def installed(project: str, release: str, package: str) -> Path:
    """A folder holding only that release of the project (its import ``package``), installed once."""
    target = CACHE / f"{project}-{release}-site"
    if not (target / package).is_dir():
        shutil.rmtree(target, ignore_errors=True)  # (a folder left half made by an interrupted run)
        CACHE.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as work:
            site = Path(work) / "site"
            done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                   "--no-deps", "--target", str(site), f"{project}=={release}"],
                                  capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                pytest.fail(f"could not install {project} {release} from PyPI:\n{done.stderr[-3000:]}")
            try:
                os.replace(site, target)
            except OSError:  # another test process put it there first
                assert (target / package).is_dir()
    return target


def our_tests_on(package: str, release: str, site: Path, tests: list[str]) -> subprocess.CompletedProcess[str]:
    """Our ``tests`` run in a subprocess with ``site`` (that release of ``package``) first on the path."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}  # (not a worker)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    seen = subprocess.run([sys.executable, "-c", f"import {package}; print({package}.__version__)"],
                          env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Version(seen) == Version(release), f"the subprocess imported {package} {seen}, not {release}"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                          cwd=TESTS.parent, env=env, capture_output=True, text=True, timeout=1200)


def run_suite(runner: Path, source: Path, mode: str, work: Path, first_on_path: Path | None = None) -> dict:
    """The runner's report of each test's outcome, in a subprocess (``first_on_path``: a release to import)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}  # (not a worker)
    if first_on_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(first_on_path), os.environ.get("PYTHONPATH")]))
    report = work / f"{mode}.json"
    done = subprocess.run([sys.executable, str(runner), str(source), mode, str(report)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and report.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(report.read_text(encoding="utf-8"))


def newly_failing(stock: dict, sped_up: dict) -> dict[str, str]:
    """The tests that pass stock and not sped up, with what they did instead."""
    return {test: sped_up["outcomes"].get(test, "not run") for test, outcome in stock["outcomes"].items()
            if outcome == "passed" and sped_up["outcomes"].get(test) != "passed"}
