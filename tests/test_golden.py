"""The sample site under tests/site builds to exactly the files under tests/golden.

Text files (HTML, XML, robots.txt) are compared byte for byte; images are
compared by name only (their bytes belong to Pillow; test_images checks them by
their properties). Run `pytest tests/test_golden.py --update-golden` after an
intended change and review the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import GOLDEN

TEXT_SUFFIXES = {".html", ".xml", ".txt", ".css", ".js", ".svg", ".json"}


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_sample_site_matches_golden_output(built_sample: Path, request: pytest.FixtureRequest) -> None:
    files = tree(built_sample)
    if request.config.getoption("--update-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        GOLDEN.mkdir()
        (GOLDEN / "MANIFEST.txt").write_text("\n".join(files) + "\n", encoding="utf-8")
        for name in files:
            if Path(name).suffix in TEXT_SUFFIXES and not name.startswith(("static/", "pagefind/")):
                (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(built_sample / name, GOLDEN / name)
        pytest.skip("golden files rewritten")
    expected = (GOLDEN / "MANIFEST.txt").read_text(encoding="utf-8").split()
    assert files == expected
    for name in expected:
        golden = GOLDEN / name
        if golden.is_file() and name != "MANIFEST.txt":
            assert (built_sample / name).read_text(encoding="utf-8") == golden.read_text(encoding="utf-8"), name
