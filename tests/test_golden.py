"""The sample site under tests/site builds to exactly the files under tests/golden, and the bilingual
one under tests/site-bilingual (English and Spanish, issue 21) to those under tests/golden-bilingual.

Text files (HTML, XML, robots.txt) are compared byte for byte; images are
compared by name only (their bytes belong to Pillow; test_images checks them by
their properties). Run `pytest tests/test_golden.py --update-golden` after an
intended change (it rewrites both) and review the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backlying_site.build import BuildOptions, build
from conftest import GOLDEN, SAMPLE_EPOCH, TESTS

BILINGUAL, GOLDEN_BILINGUAL = TESTS / "site-bilingual", TESTS / "golden-bilingual"

TEXT_SUFFIXES = {".html", ".xml", ".txt", ".css", ".js", ".svg", ".json"}


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def built_bilingual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built-bilingual") / "site"
    shutil.copytree(BILINGUAL, root, ignore=shutil.ignore_patterns("public", ".cache"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SAMPLE_EPOCH)
        build(BuildOptions(source=root))
    return root / "public"


@pytest.mark.parametrize("built, golden", [("built_sample", GOLDEN), ("built_bilingual", GOLDEN_BILINGUAL)],
                         ids=["sample", "bilingual"])
def test_sample_site_matches_golden_output(built: str, golden: Path, request: pytest.FixtureRequest) -> None:
    output = request.getfixturevalue(built)
    files = tree(output)
    if request.config.getoption("--update-golden"):
        shutil.rmtree(golden, ignore_errors=True)
        golden.mkdir()
        (golden / "MANIFEST.txt").write_text("\n".join(files) + "\n", encoding="utf-8")
        for name in files:
            if Path(name).suffix in TEXT_SUFFIXES and not name.startswith(("static/", "pagefind/")):
                (golden / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(output / name, golden / name)
        pytest.skip("golden files rewritten")
    expected = (golden / "MANIFEST.txt").read_text(encoding="utf-8").split()
    assert files == expected
    for name in expected:
        kept = golden / name
        if kept.is_file() and name != "MANIFEST.txt":
            assert (output / name).read_text(encoding="utf-8") == kept.read_text(encoding="utf-8"), name
