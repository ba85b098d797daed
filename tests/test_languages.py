"""A guide in several languages (issue 21): the default at the root, the others under /<code>/,
each post linked to its translations, and hreflang pairs that always point both ways."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from backlying_site.build import BuildOptions, build
from backlying_site.cli import main
from conftest import TESTS

BILINGUAL = TESTS / "site-bilingual"
BASE = "https://example.test/guide/"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.alternates: dict[str, str] = {}
        self.switcher: list[tuple[str, str]] = []
        self._in_switcher = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        elif tag == "link" and found.get("rel") == "alternate" and found.get("hreflang"):
            self.alternates[found["hreflang"] or ""] = found.get("href") or ""
        elif tag == "nav" and found.get("class") == "languages":
            self._in_switcher = True
        elif tag == "a" and self._in_switcher:
            self.switcher.append((found.get("hreflang") or "", found.get("href") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_switcher = False


def links(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bilingual") / "site"
    shutil.copytree(BILINGUAL, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1780000000")
        build(BuildOptions(source=root))
    return root / "public"


def page_of(public: Path, href: str) -> Path:
    rel = href.removeprefix(BASE)
    return public / (rel + "index.html" if rel.endswith("/") or not rel else rel)


def test_the_default_language_is_at_the_root_and_the_others_in_their_folder(bilingual: Path) -> None:
    assert links(bilingual / "first-steps/index.html").lang == "en"
    assert links(bilingual / "es/primeros-pasos/index.html").lang == "es"
    assert links(bilingual / "es/index.html").lang == "es"
    assert (bilingual / "es/feed.xml").is_file() and (bilingual / "es/404.html").is_file()
    assert not (bilingual / "es/robots.txt").exists()  # one for the whole site
    assert "Guía de ejemplo" in (bilingual / "es/index.html").read_text(encoding="utf-8")


def test_hreflang_pairs_point_both_ways_with_an_x_default(bilingual: Path) -> None:
    pages = [path for path in bilingual.rglob("*.html") if links(path).alternates]
    assert len(pages) >= 10
    for path in pages:
        found = links(path)
        assert found.alternates["x-default"] == found.alternates["en"], path
        own = found.alternates[found.lang]
        assert page_of(bilingual, own) == path, path  # it lists itself
        for hreflang, href in found.alternates.items():
            other = links(page_of(bilingual, href))
            assert other.alternates == found.alternates, (path, hreflang)  # the same set, from each side


def test_the_switcher_links_a_post_to_its_translation_only(bilingual: Path) -> None:
    assert links(bilingual / "first-steps/index.html").switcher == [("es", f"{BASE}es/primeros-pasos/")]
    assert links(bilingual / "es/primeros-pasos/index.html").switcher == [("en", f"{BASE}first-steps/")]
    assert links(bilingual / "plain/index.html").switcher == []  # not translated: no switcher, no hreflang
    assert links(bilingual / "plain/index.html").alternates == {}
    assert links(bilingual / "es/solo/index.html").alternates == {}


def test_the_sitemap_lists_every_language_with_its_alternates(bilingual: Path) -> None:
    sitemap = (bilingual / "sitemap.xml").read_text(encoding="utf-8")
    assert 'xmlns:xhtml="http://www.w3.org/1999/xhtml"' in sitemap
    assert f"<loc>{BASE}es/primeros-pasos/</loc>" in sitemap and f"<loc>{BASE}es/solo/</loc>" in sitemap
    entry = re.search(rf"<url><loc>{re.escape(BASE)}first-steps/</loc>.*?</url>", sitemap)
    assert entry and f'hreflang="es" href="{BASE}es/primeros-pasos/"' in entry.group(0)


def test_structured_data_says_each_pages_language(bilingual: Path) -> None:
    assert '"inLanguage":"es"' in (bilingual / "es/primeros-pasos/index.html").read_text(encoding="utf-8")
    assert '"inLanguage":"en"' in (bilingual / "first-steps/index.html").read_text(encoding="utf-8")


def test_a_translation_in_a_language_the_site_does_not_have_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "site"
    shutil.copytree(BILINGUAL, root)
    shutil.copy(root / "content/posts/first-steps/index.es.md", root / "content/posts/first-steps/index.fr.md")
    assert main(["build", "--source", str(root)]) == 1
    assert ("content/posts/first-steps/index.fr.md: its name says it is in 'fr', which is not a language of "
            "this site (en, es)") in capsys.readouterr().err


def test_languages_and_language_together_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "site"
    shutil.copytree(BILINGUAL, root)
    config = root / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "language: en\n", encoding="utf-8")
    assert main(["build", "--source", str(root)]) == 1
    assert "give either 'language:' (a site in one language) or 'languages:'" in capsys.readouterr().err


def test_check_warns_of_a_translation_older_than_its_original(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "site"
    shutil.copytree(BILINGUAL, root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    assert main(["check", "--source", str(root)]) == 0
    out = capsys.readouterr().out
    assert ("content/posts/first-steps/index.es.md:4: warning: date: content/posts/first-steps/index.md was "
            "updated on 2026-02-01, after this translation (2026-01-12): bring its changes over, then set "
            "'updated: 2026-02-01' here") in out
    spanish = root / "content/posts/first-steps/index.es.md"
    spanish.write_text(spanish.read_text(encoding="utf-8").replace("date: 2026-01-12", "date: 2026-01-12\n"
                                                                   "updated: 2026-02-03"), encoding="utf-8")
    assert main(["check", "--source", str(root)]) == 0
    assert "after this translation" not in capsys.readouterr().out


def test_spanish_reading_level_is_graded_by_a_spanish_formula() -> None:
    from backlying_site.check.lint import Sentence, reading_grade

    short = [Sentence(1, "Acueste a su bebé boca arriba."), Sentence(2, "Sonría.")]
    assert reading_grade(short, "es")[0] == "Crawford" and reading_grade(short, "en")[0] == "Flesch-Kincaid"
    assert reading_grade(short, "fr") is None
