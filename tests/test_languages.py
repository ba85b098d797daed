"""A guide in several languages (issue 21): the default at the root, the others under /<code>/,
each post linked to its translations, and hreflang pairs that always point both ways."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from backlying_site.build import BuildOptions, build
from backlying_site.cli import main
from conftest import TESTS
from test_headers import CATCH, strict_server  # noqa: F401 - the policy's server, over the repository's guide

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


# --- the interface in the page's language (issue 21) -------------------------------------------------

# English messages whose words a Spanish page may show as they are: "video" is Spanish too.
SAME_IN_SPANISH = {"Video", "Video: %(title)s"}
PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)s|<[^>]+>")
# What people read or hear in JSON-LD (search results show them); not types, addresses or codes.
SPOKEN_JSON_KEYS = {"name", "description", "audienceType", "caption", "text", "keywords", "jobTitle"}


def english_fragments() -> list[str]:
    """Each run of words of every English message (its placeholders and tags cut out), as the English
    catalog has them: none of these may be left on a Spanish page."""
    from babel.messages.pofile import read_po

    from backlying_site.load.theme import LOCALE

    with open(LOCALE / "en/LC_MESSAGES/messages.po", "rb") as po:
        ids = [message.id for message in read_po(po) if message.id]
    texts = [text for found in ids for text in ((found,) if isinstance(found, str) else found)
             if found not in SAME_IN_SPANISH and (found if isinstance(found, str) else found[0]) not in SAME_IN_SPANISH]
    pieces = {piece.strip() for text in texts for piece in PLACEHOLDER_OR_TAG.split(text)}
    return sorted(piece for piece in pieces if sum(c.isalpha() for c in piece) >= 2)


def english_left(text: str, fragments: list[str]) -> list[str]:
    """The fragments found in ``text`` as whole words."""
    return [piece for piece in fragments
            if re.search(("(?<!\\w)" if piece[0].isalnum() else "") + re.escape(piece)
                         + ("(?!\\w)" if piece[-1].isalnum() else ""), text)]


class Visible(HTMLParser):
    """What a person sees or hears of a page: text (not in scripts), and the attributes read out or
    shown (alt, aria-label, title, placeholder, a button's value, the descriptions search results
    and link previews show, the structured data's names)."""

    ATTRIBUTES = {"alt", "aria-label", "title", "placeholder"}
    SHOWN_META = {"description", "og:title", "og:description", "og:image:alt", "twitter:image:alt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.script: str | None = None

    INLINE = {"a", "strong", "em", "b", "i", "span", "time", "code", "mark", "abbr", "small"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag not in self.INLINE:
            self.parts.append(" ")  # a new block: words on either side never run together
        self.parts += [f" {found[name]} " for name in self.ATTRIBUTES if name in found]
        if tag in ("input", "button") and found.get("type") in ("submit", "button", "reset"):
            self.parts.append(f" {found.get('value', '')} ")
        if tag == "meta" and (found.get("name") or found.get("property")) in self.SHOWN_META:
            self.parts.append(f" {found.get('content', '')} ")
        if tag in ("script", "style"):
            self.script = found.get("type", "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.script = None
        if tag not in self.INLINE:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.script is None:
            self.parts.append(data)
        elif self.script == "application/ld+json":
            self.parts += [f" {text} " for text in spoken_json(json.loads(data))]


def spoken_json(data: object) -> list[str]:
    if isinstance(data, dict):
        return [text for key, value in data.items()
                for text in ([value] if key in SPOKEN_JSON_KEYS and isinstance(value, str) else spoken_json(value))]
    if isinstance(data, list):
        return [text for value in data for text in spoken_json(value)]
    return []


def visible_text(path: Path) -> str:
    parser = Visible()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join("".join(parser.parts).split())


@pytest.fixture(scope="module")
def bilingual_with_drafts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bilingual sample with its drafts (the draft banner shows then)."""
    root = tmp_path_factory.mktemp("bilingual-drafts") / "site"
    shutil.copytree(BILINGUAL, root, ignore=shutil.ignore_patterns("public", ".cache"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1780000000")
        build(BuildOptions(source=root, drafts=True))
    return root / "public"


def test_the_english_messages_make_fragments_to_look_for() -> None:
    fragments = english_fragments()
    assert {"Benefits", "Stop, and call your therapist, if", "Reviewed by", "minutes a day", "Draft"} <= set(fragments)
    assert english_left("Beneficios. Pare y llame a su terapeuta si:", fragments) == []
    assert english_left("Reviewed by Sam", fragments) == ["Reviewed by"]
    assert english_left("Stepson", fragments) == []  # whole words only


def test_no_english_is_left_on_a_spanish_page(bilingual_with_drafts: Path) -> None:
    fragments = english_fragments()
    pages = sorted((bilingual_with_drafts / "es").rglob("*.html"))
    assert len(pages) >= 10
    spanish = visible_text(bilingual_with_drafts / "es/primeros-pasos/index.html")
    for words in ("Pare y llame a su terapeuta si:", "Beneficios", "3 minutos, 4 repeticiones", "dos veces al día",
                  "una colchoneta y una almohada", "3–9 meses (edad corregida)", "Publicado el 12 de enero de 2026",
                  "Revisado por Sam Revisora, PT, el 20 de enero de 2026.", "Ver el video (se carga desde YouTube)",
                  "Impreso desde", "Contar 3 minutos", "Contar 10 segundos", "Paso 3"):
        assert words in spanish
    assert "Borrador" in visible_text(bilingual_with_drafts / "es/borrador/index.html")
    assert "actualizado el 25 de enero de 2026" in visible_text(bilingual_with_drafts / "es/solo/index.html")
    left = {str(path.relative_to(bilingual_with_drafts)): english_left(visible_text(path), fragments)
            for path in pages}
    assert {path: found for path, found in left.items() if found} == {}


def test_no_english_is_left_in_the_spanish_feed(bilingual_with_drafts: Path) -> None:
    import html

    feed = html.unescape(html.unescape((bilingual_with_drafts / "es/feed.xml").read_text(encoding="utf-8")))
    text = " ".join(re.sub(r"<[^>]+>", " ", feed).split())
    assert "Lea los 3 pasos, las precauciones y la nota de seguridad en Guía de ejemplo" in text
    assert english_left(text, english_fragments()) == []


def test_the_english_pages_of_a_bilingual_site_stay_english(bilingual: Path) -> None:
    text = visible_text(bilingual / "first-steps/index.html")
    assert "Stop, and call your therapist, if" in text and "3 minutes, twice a day, 5 days a week" in text
    assert 'id="strings"' not in (bilingual / "first-steps/index.html").read_text(encoding="utf-8")


def test_a_spanish_page_carries_only_its_scripts_words(bilingual: Path) -> None:
    def island(path: str) -> dict:
        found = re.search(r'<script type="application/json" id="strings">(.*?)</script>',
                          (bilingual / path).read_text(encoding="utf-8"))
        assert found, path
        return json.loads(found.group(1))

    post, search = island("es/primeros-pasos/index.html"), island("es/search/index.html")
    assert post["Time is up. Let your baby rest."] == "Se acabó el tiempo. Deje descansar a su bebé."
    assert "Searching…" not in post and search["Searching…"] == "Buscando…"  # search.js's, on its page only
    assert set(post) < set(search)


# --- the scripts' words, in Chromium ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def bilingual_server(bilingual: Path, tmp_path_factory: pytest.TempPathFactory):
    """The bilingual sample served under /guide/, the path of its base_url."""
    from conftest import StaticServer

    root = tmp_path_factory.mktemp("bilingual-served")
    (root / "guide").symlink_to(bilingual, target_is_directory=True)
    server = StaticServer(root)
    yield server.url + "guide/"
    server.close()


def english_on_screen(page) -> list[str]:
    return english_left(" ".join(page.evaluate("document.body.innerText").split()), english_fragments())


@pytest.mark.browser
def test_the_tracker_and_timer_speak_spanish(browser, bilingual_server: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.clock.install()
        page.goto(bilingual_server + "es/primeros-pasos/")
        tracker = page.get_by_role("region", name="Su práctica")
        today = tracker.locator("[data-tracker-today]")
        assert today.inner_text() == "Todavía no lo ha hecho hoy."
        tracker.get_by_role("button", name="Hice una sesión").click()
        assert today.inner_text() == "Hoy: 1 de 2 sesiones hechas."
        tracker.get_by_role("button", name="Hice una sesión").click()
        assert today.inner_text() == "Hoy: 2 de 2 sesiones hechas. ¡Muy bien!"
        day = tracker.locator("[data-tracker-week] > li").nth(6).locator(".visually-hidden").inner_text()
        assert re.fullmatch(r"\w+, \d+ de \w+: 2 sesiones", day), day  # the browser's Spanish day, our words
        status = tracker.locator("[data-timer-status]")
        tracker.get_by_role("button", name="Contar 10 segundos").click()
        assert status.inner_text() == "Temporizador en marcha: 10 segundos en la posición."
        tracker.get_by_role("button", name="Parar").click()
        assert status.inner_text() == "Temporizador detenido."
        tracker.get_by_role("button", name="Contar 3 minutos").click()
        assert status.inner_text() == "Temporizador en marcha: 3 minutos."
        page.clock.run_for(181_000)
        assert status.inner_text() == "Se acabó el tiempo. Deje descansar a su bebé."
        assert english_on_screen(page) == [] and errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_search_and_the_age_filter_speak_spanish(browser, bilingual_server: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(bilingual_server + "es/search/?q=suelo")
        status = page.locator("[data-search-status]")
        page.locator("[data-search-results] li > a").first.wait_for(timeout=15000)
        assert status.inner_text() == "1 ejercicio coincide con “suelo”."
        assert page.locator("[data-search-results] li > a").all_inner_texts() == ["Primeros pasos"]  # Spanish index
        page.get_by_label("Buscar en los ejercicios").fill("zzzz")
        page.get_by_role("button", name="Buscar", exact=True).click()
        page.wait_for_function("document.querySelector('[data-search-status]').textContent.startsWith('Ningún')")
        assert status.inner_text() == ("Ningún ejercicio coincide con “zzzz”. Pruebe con otra palabra o vea las "
                                       "listas de abajo.")
        assert english_on_screen(page) == []
        page.goto(bilingual_server + "es/")
        page.get_by_role("link", name="3–6 meses").click()
        assert page.locator("[data-filter-status]").inner_text() == "1 ejercicio para bebés de 3–6 meses."
        assert page.title() == "Ejercicios para bebés de 3–6 meses · Guía de ejemplo"
        page.get_by_role("link", name="Todas las edades").click()
        assert page.locator("[data-filter-status]").inner_text() == "Se muestran los ejercicios para todas las edades."
        assert english_on_screen(page) == []
    finally:
        context.close()


@pytest.mark.browser
def test_copy_link_says_so_in_spanish(browser, bilingual_server: str) -> None:
    context = browser.new_context()
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        page.goto(bilingual_server + "es/primeros-pasos/")
        share = page.get_by_role("region", name="Comparta este ejercicio")
        share.get_by_role("button", name="Copiar el enlace").click()
        share.locator("[data-share-status]", has_text="Enlace copiado.").wait_for()
        assert share.locator("[data-share-status]").inner_text() == ("Enlace copiado. Péguelo en un mensaje o en un "
                                                                     "correo electrónico.")
    finally:
        context.close()


# --- check: the catalogs of every configured language ----------------------------------------------------

def catalog_warnings(root: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["check", "--source", str(root)]) == 0
    return [line for line in capsys.readouterr().out.splitlines()
            if "catalog" in line or "LC_MESSAGES" in line or "fuzzy" in line]


def test_check_finds_nothing_to_say_of_complete_catalogs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        sample_site: Path) -> None:
    root = tmp_path / "bilingual"
    shutil.copytree(BILINGUAL, root, ignore=shutil.ignore_patterns("public", ".cache"))
    assert catalog_warnings(root, capsys) == []
    assert catalog_warnings(sample_site, capsys) == []  # English: the templates' own language


def test_check_warns_of_a_language_without_a_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "site"
    shutil.copytree(BILINGUAL, root, ignore=shutil.ignore_patterns("public", ".cache"))
    config = root / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  es:\n", "  fr:\n  es:\n", 1), encoding="utf-8")
    assert catalog_warnings(root, capsys) == [
        "site.yaml:8: warning: 'fr' has no catalog of the interface's words, so its pages show them in English; add "
        "locale/fr/LC_MESSAGES/messages.po (docs/themes.md, 'Translating the theme')"]


SITE_CATALOG = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

msgid "Benefits"
msgstr "Bienfaits"

msgid "Steps"
msgstr ""

#, fuzzy
msgid "Sources"
msgstr "Sources"

#, python-format
msgid "%(num)s minute"
msgid_plural "%(num)s minutes"
msgstr[0] "%(num)s minute"
msgstr[1] ""
"""


def test_check_warns_of_each_missing_or_fuzzy_entry_where_it_is(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "site"
    shutil.copytree(BILINGUAL, root, ignore=shutil.ignore_patterns("public", ".cache"))
    config = root / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  es:\n", "  fr:\n  es:\n", 1), encoding="utf-8")
    (root / "locale/fr/LC_MESSAGES").mkdir(parents=True)
    (root / "locale/fr/LC_MESSAGES/messages.po").write_text(SITE_CATALOG, encoding="utf-8")
    # The site's own Spanish word, marked fuzzy: not used, so said, though the package's Spanish stands in.
    (root / "locale/es/LC_MESSAGES").mkdir(parents=True)
    (root / "locale/es/LC_MESSAGES/messages.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; '
                                                            'charset=utf-8\\n"\n\n#, fuzzy\nmsgid "Benefits"\n'
                                                            'msgstr "Ventajas"\n', encoding="utf-8")
    warnings = catalog_warnings(root, capsys)
    where = "locale/fr/LC_MESSAGES/messages.po"
    assert f"{where}:9: warning: 'Steps' has no translation (or misses a plural form), so its pages show the " \
           "English; translate it ('make catalogs' adds the messages a catalog lacks)" in warnings
    assert f"{where}:13: warning: 'Sources' is marked fuzzy (its English changed), so its pages do not use this " \
           "translation; check it, then remove the 'fuzzy' flag" in warnings
    assert any(line.startswith(f"{where}:17: warning: '%(num)s minute' has no translation") for line in warnings)
    assert any(line.startswith(f"{where}: warning: 'Age' has no translation") for line in warnings)  # not in it
    assert not any("'Benefits'" in line and where in line for line in warnings)
    assert "locale/es/LC_MESSAGES/messages.po:6: warning: 'Benefits' is marked fuzzy" in "\n".join(warnings)
    assert not any("src/backlying_site/locale" in line for line in warnings)  # the package's are complete


# --- the Content-Security-Policy of _headers, on Spanish pages -------------------------------------------

@pytest.mark.browser
def test_the_policy_lets_the_spanish_pages_read_their_words(browser, strict_server: str) -> None:  # noqa: F811
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(CATCH)
        page.goto(strict_server + "es/posicion-boca-arriba/", wait_until="load")
        tracker = page.get_by_role("region", name="Su práctica")
        assert tracker.locator("[data-tracker-today]").inner_text() == "Todavía no lo ha hecho hoy."
        page.goto(strict_server + "es/search/?q=piernas", wait_until="load")
        page.locator("[data-search-results] li > a").first.wait_for(timeout=15000)
        assert re.fullmatch(r"(1 ejercicio coincide|\d+ ejercicios coinciden) con “piernas”\.",
                            page.locator("[data-search-status]").inner_text())
        assert page.evaluate("window.__csp") == []
    finally:
        context.close()
