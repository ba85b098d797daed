"""Every HTML page of the sample site and of the guide passes the Nu HTML Checker with zero errors (issue 5).

The checker is npm's `vnu-jar` (the W3C validator's current release; `make test` installs it into
node_modules/ from package.json), run once per session over every page with Java.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.tools  # Java and npm's vnu-jar

VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def nu_errors(root: Path) -> dict[str, list[dict]]:
    """Page (relative to root) -> the checker's errors, for every page of a built site, in one run."""
    if not VNU.is_file():
        pytest.fail("the Nu HTML Checker is missing: run `make test`, which installs it (npm install)")
    java = shutil.which("java")
    if java is None:
        pytest.fail("Java is missing: the Nu HTML Checker needs a Java runtime (apt-get install default-jre-headless)")
    files = html_files(root)
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
                            capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(result.stderr or result.stdout)  # vnu writes its report to stderr
    found: dict[str, list[dict]] = {}
    for message in report["messages"]:
        path = Path(message.get("url", "").removeprefix("file:"))
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        found.setdefault(name, []).append(message)
    return found


def describe(found: dict[str, list[dict]]) -> str:
    return "\n".join(f"{name}:{m.get('lastLine', '?')}: {m.get('type')}: {m.get('message')} [{m.get('extract', '')!r}]"
                     for name, messages in found.items() for m in messages)


def page_kinds(root: Path) -> set[str]:
    return {page.relative_to(root).parts[0] for page in html_files(root)}


def test_every_page_of_the_sample_site_passes_the_nu_html_checker(built_sample: Path) -> None:
    assert {"index.html", "404.html", "tags", "authors", "age", "search", "first-steps"} <= page_kinds(built_sample)
    errors = nu_errors(built_sample)
    assert not errors, describe(errors)


def test_every_page_of_the_guide_passes_the_nu_html_checker(built_guide: Path) -> None:
    assert {"index.html", "404.html", "tags", "authors", "age", "search", "tummy-time"} <= page_kinds(built_guide)
    errors = nu_errors(built_guide)
    assert not errors, describe(errors)
