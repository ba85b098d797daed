"""Issue 23, "The parent's page": the back-lying post as a parent on a phone meets it.

Emergency signs in their own box before the steps; what to stop for and a way to the steps in the
first screen of a 360 x 640 phone; the source credited and the figures it does not give marked as
the team's suggestion; a hold timer a parent notices (a sound, the screen kept awake, the session
counted); the pages a reader opened readable offline, and search too.
"""

from __future__ import annotations

import json
import re
from html import unescape
import shutil
from pathlib import Path

import pytest

from backlying_site.build import BuildOptions, build
from conftest import REPO, SAMPLE_EPOCH, StaticServer

POST = "back-lying-position/"
POST_ES = "es/posicion-boca-arriba/"
PHONE = {"width": 360, "height": 640}


def text_of(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- emergency signs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path, heading, sign, precaution", [
    (POST, "Call your local emergency number now if", "breathing changes", "Your baby cries"),
    (POST_ES, "Llame ahora a su número local de emergencias si", "La respiración de su bebé cambia",
     "Su bebé llora"),
])
def test_the_emergency_sign_has_its_own_box_before_the_steps(built_guide: Path, path: str, heading: str, sign: str,
                                                             precaution: str) -> None:
    html = (built_guide / path / "index.html").read_text(encoding="utf-8")
    box = re.search(r'<section class="emergency" aria-labelledby="emergency-title">(.*?)</section>', html, re.S)
    assert box and heading in box.group(1) and sign in box.group(1)
    assert html.index('id="emergency-title"') < html.index('id="steps-title"')  # before the steps
    precautions = re.search(r'<section class="precautions".*?</section>', html, re.S).group(0)
    assert precaution in precautions and sign not in precautions  # no longer "call your therapist"


def test_site_yaml_names_the_emergency_number(built_sample: Path) -> None:
    html = (built_sample / "first-steps/index.html").read_text(encoding="utf-8")
    assert "Call 999 or 112 now if" in html and "Some signs mean calling 999 or 112 now." in html


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_emergency_box_is_a_named_region_and_stands_out(browser, guide_server: str, scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(guide_server + POST)
        region = page.get_by_role("region", name="Call your local emergency number now if")
        assert "lips turn pale or blue" in region.inner_text()
        style = region.evaluate("""el => { const s = getComputedStyle(el);
            return {border: parseFloat(s.borderTopWidth), color: s.color, background: s.backgroundColor}; }""")
        assert style["border"] >= 3
        assert contrast(style["color"], style["background"]) >= 7  # AAA, above the AA axe checks
    finally:
        context.close()


def contrast(foreground: str, background: str) -> float:
    def luminance(css: str) -> float:
        channels = [int(n) / 255 for n in re.findall(r"\d+", css)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- the first screen ------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("path, jump", [(POST, "Jump to the steps"), (POST_ES, "Ir a los pasos")])
def test_what_to_stop_for_and_the_jump_to_the_steps_are_in_the_first_screen_of_a_phone(
        browser, guide_server: str, path: str, jump: str) -> None:
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(guide_server + path)
        summary = page.locator(".stop-summary").bounding_box()
        link = page.get_by_role("link", name=jump).bounding_box()
        assert summary and link
        assert summary["y"] >= 0 and summary["y"] + summary["height"] <= PHONE["height"], summary
        assert link["y"] + link["height"] <= PHONE["height"], link
        assert page.locator("#steps-title").bounding_box()["y"] > 3 * PHONE["height"]  # the steps are far below
        page.get_by_role("link", name=jump).click()
        page.wait_for_function("() => document.getElementById('steps').getBoundingClientRect().top < 20")
        top = page.evaluate("""() => ['#emergency-title', '#steps-title'].map(
            s => document.querySelector(s).getBoundingClientRect().top)""")
        assert 0 <= top[0] < top[1] < PHONE["height"]  # the emergency box first, then the steps heading
    finally:
        context.close()


@pytest.mark.browser
def test_the_print_sheet_keeps_the_emergency_box_and_the_precautions_but_not_the_jump(browser, guide_server: str
                                                                                    ) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(guide_server + POST)
        page.emulate_media(media="print")
        shown = page.evaluate("""() => Object.fromEntries(['.emergency', '.precautions', '.first-screen', '.credit']
            .map(s => [s, [...document.querySelectorAll(s)].some(el => el.getClientRects().length > 0)]))""")
        assert shown == {".emergency": True, ".precautions": True, ".first-screen": False, ".credit": True}
    finally:
        context.close()


# --- the source, and the figures it does not give --------------------------------------------------------


@pytest.mark.parametrize("path, credit", [
    (POST, "Adapted from “This One Exercise Really Helps Strengthen A Baby's Leg Muscles” by Linds, "
           "on Mono Mono Twins."),
    (POST_ES, "Adaptado de “This One Exercise Really Helps Strengthen A Baby's Leg Muscles”, de Linds, "
              "en Mono Mono Twins."),
])
def test_the_back_lying_post_credits_its_source_without_an_invented_address(built_guide: Path, path: str,
                                                                           credit: str) -> None:
    html = (built_guide / path / "index.html").read_text(encoding="utf-8")
    assert credit in text_of(built_guide / path / "index.html").replace(" ”", "”").replace("“ ", "“")
    line = re.search(r'<p class="credit">.*?</p>', html).group(0)
    assert "<a " not in line and "<cite>" in line
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    page = next(node for node in data["@graph"] if node["@type"] == "MedicalWebPage")
    assert page["isBasedOn"] == {"@type": "CreativeWork",
                                 "name": "This One Exercise Really Helps Strengthen A Baby's Leg Muscles",
                                 "author": {"name": "Linds"}, "isPartOf": {"@type": "WebSite", "name": "Mono Mono Twins"}}


@pytest.mark.parametrize("path, how_often, body, mark", [
    (POST, "3 minutes, twice a day, every day", "Our suggestion, which no therapist has checked yet, is 3 minutes twice a day",
     "our suggestion"),
    (POST_ES, "3 minutos, dos veces al día, todos los días", "es hacerlo 3 minutos dos veces al día", "nuestra sugerencia"),
])
def test_the_figures_are_the_teams_suggestion_and_the_text_agrees(built_guide: Path, path: str, how_often: str,
                                                                  body: str, mark: str) -> None:
    html = (built_guide / path / "index.html").read_text(encoding="utf-8")
    facts = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1)
    assert f'{how_often} <span class="suggested">{mark}</span>' in facts
    assert facts.count(f'<span class="suggested">{mark}</span>') == 2  # the age and how often
    text = text_of(built_guide / path / "index.html")
    assert body in text
    assert "once or twice a day" not in text and "una o dos veces al día" not in text


# --- polish ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["back-lying-position", "hand-to-foot-play", "tummy-time", "es/posicion-boca-arriba"])
def test_each_shipped_post_has_a_hero_of_its_own_not_step_one(built_guide: Path, slug: str) -> None:
    html = (built_guide / slug / "index.html").read_text(encoding="utf-8")
    hero = re.search(r'<figure class="hero">.*?<img src="([^"]+)"', html, re.S).group(1)
    first_step = re.search(r'<li class="step" id="step-1">.*?<img src="([^"]+)"', html, re.S).group(1)
    assert "/images/hero." in hero and hero != first_step


def test_the_equipment_reads_as_one_phrase(built_guide: Path) -> None:
    html = (built_guide / POST / "index.html").read_text(encoding="utf-8")
    assert "<dd>A firm surface (the floor or a bed), a small pillow or folded towel</dd>" in html
    html = (built_guide / POST_ES / "index.html").read_text(encoding="utf-8")
    assert "<dd>Una superficie firme (el suelo o una cama) y una almohada pequeña o una toalla doblada</dd>" in html


@pytest.mark.parametrize("path", ["index.html", "tags/hamstrings/index.html", "age/3-6-months/index.html",
                                  "authors/team/index.html", "es/authors/team/index.html"])
def test_the_first_card_of_every_listing_loads_at_once(built_guide: Path, path: str) -> None:
    html = (built_guide / path).read_text(encoding="utf-8")
    cards = re.findall(r'<article class="card".*?</article>', html, re.S)
    assert cards
    assert 'fetchpriority="high"' in cards[0] and 'loading="lazy"' not in cards[0]
    assert all('loading="lazy"' in card for card in cards[1:])


def test_fact_labels_are_left_out_of_the_search_index(built_guide: Path) -> None:
    html = (built_guide / POST / "index.html").read_text(encoding="utf-8")
    labels = re.findall(r"<dt[^>]*>", html)
    assert labels and all("data-pagefind-ignore" in label for label in labels)


@pytest.mark.browser
def test_search_excerpts_read_the_facts_not_their_labels(browser, guide_server: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(guide_server + "search/")
        content = page.evaluate("""async () => {
            const pagefind = await import('/pagefind/pagefind.js');
            const search = await pagefind.search('months');
            const data = await Promise.all(search.results.map(r => r.data()));
            return data.map(d => d.content).join(' | ');
        }""")
        assert "3–12 months" in content
        assert not re.search(r"Age\s*\d|How often\s*\d|You need", content), content
    finally:
        context.close()


@pytest.mark.browser
def test_the_sources_bullet_sits_on_the_first_line_of_a_link_that_wraps(browser, sample_server: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(sample_server + "first-steps/")
        found = page.evaluate("""() => {
            const link = document.querySelector('.sources a');
            link.textContent = 'A source whose title is long enough to wrap onto a second and a third line here';
            const item = link.closest('li');
            const lines = [...link.getClientRects()];
            const range = document.createRange();
            range.selectNodeContents(link);
            const first = range.getClientRects()[0];
            return {display: getComputedStyle(link).display, lines: range.getClientRects().length,
                    firstLineTop: first.top - item.getBoundingClientRect().top, item: item.getBoundingClientRect().height};
        }""")
        # A block link: the list's marker sits on the line box of its first line (an inline-block's
        # baseline is its last line, where the marker went).
        assert found["display"] == "block" and found["lines"] >= 2
        assert found["firstLineTop"] < 16
    finally:
        context.close()


# --- the hold timer -------------------------------------------------------------------------------------------

# The page's AudioContext and the Screen Wake Lock, watched: every oscillator started (its pitch),
# every lock asked for and released. Headless Chromium has an AudioContext but no wake lock.
WATCH = """
window.__tones = [];
const RealContext = window.AudioContext;
window.AudioContext = class extends RealContext {
  createOscillator() {
    const tone = super.createOscillator();
    const start = tone.start.bind(tone);
    tone.start = (...args) => { window.__tones.push(tone.frequency.value); return start(...args); };
    return tone;
  }
};
window.__lock = {requests: 0, releases: 0, held: 0};
Object.defineProperty(navigator, "wakeLock", {configurable: true, value: {request(type) {
  window.__lock.requests += 1; window.__lock.held += 1;
  return Promise.resolve({type, release() { window.__lock.releases += 1; window.__lock.held -= 1; return Promise.resolve(); }});
}}});
"""


def timer_page(browser, server: str):
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(WATCH)
    page.clock.install()
    page.goto(server + POST)
    return context, page, page.get_by_role("region", name="Your practice")


@pytest.mark.browser
def test_the_timer_sounds_at_the_end_keeps_the_screen_awake_and_offers_the_session(browser, guide_server: str) -> None:
    context, page, tracker = timer_page(browser, guide_server)
    try:
        assert tracker.get_by_role("button", name="Sound at the end").get_attribute("aria-pressed") == "true"
        tracker.get_by_role("button", name="Time 3 minutes").click()
        page.wait_for_function("window.__lock.held === 1")
        assert page.evaluate("window.__tones") == []
        assert tracker.get_by_role("button", name="Count it as a session").count() == 0  # not before the end
        page.clock.run_for(181_000)
        assert tracker.locator("[data-timer-status]").inner_text() == "Time is up. Let your baby rest."
        assert page.evaluate("window.__tones") == [660, 880, 1100]  # three beeps, made by the page
        page.wait_for_function("window.__lock.held === 0 && window.__lock.releases === 1")
        today = tracker.locator("[data-tracker-today]")
        assert today.inner_text() == "Not done yet today."
        tracker.get_by_role("button", name="Count it as a session").click()
        assert today.inner_text() == "Today: 1 of 2 sessions done."
        assert page.evaluate("document.activeElement.hasAttribute('data-tracker-today')")
        assert tracker.get_by_role("button", name="Count it as a session").count() == 0  # counted once
    finally:
        context.close()


@pytest.mark.browser
def test_the_lock_is_let_go_while_the_page_is_hidden_and_taken_again_after(browser, guide_server: str) -> None:
    context, page, tracker = timer_page(browser, guide_server)
    try:
        tracker.get_by_role("button", name="Time 3 minutes").click()
        page.wait_for_function("window.__lock.held === 1")
        visibility = """state => {
            Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
            document.dispatchEvent(new Event('visibilitychange'));
        }"""
        page.evaluate(visibility, "hidden")
        page.wait_for_function("window.__lock.held === 0")
        page.evaluate(visibility, "visible")
        page.wait_for_function("window.__lock.held === 1 && window.__lock.requests === 2")
        tracker.get_by_role("button", name="Stop").click()
        page.wait_for_function("window.__lock.held === 0")
        assert page.evaluate("window.__tones") == []  # stopped, not finished: no sound, no offer
        assert tracker.get_by_role("button", name="Count it as a session").count() == 0
    finally:
        context.close()


@pytest.mark.browser
def test_the_sound_can_be_turned_off_and_stays_off_on_this_device(browser, guide_server: str) -> None:
    context, page, tracker = timer_page(browser, guide_server)
    try:
        sound = tracker.get_by_role("button", name="Sound at the end")
        sound.click()
        assert sound.get_attribute("aria-pressed") == "false"
        page.reload()
        tracker = page.get_by_role("region", name="Your practice")
        assert tracker.get_by_role("button", name="Sound at the end").get_attribute("aria-pressed") == "false"
        assert page.evaluate("localStorage.getItem('backlying-timer-sound')") == "off"
        tracker.get_by_role("button", name="Time 3 minutes").click()
        page.clock.run_for(181_000)
        assert tracker.locator("[data-timer-status]").inner_text() == "Time is up. Let your baby rest."
        assert page.evaluate("window.__tones") == []
    finally:
        context.close()


# --- offline reading ----------------------------------------------------------------------------------------


def cached_urls(page) -> list[str]:
    return page.evaluate("""async () => {
        const found = [];
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) found.push(request.url);
        }
        return found;
    }""")


def kept(page) -> None:
    """Waits until the service worker controls the page and has kept it (its note shows)."""
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.locator("[data-offline-note]").wait_for(state="visible")


@pytest.mark.browser
def test_a_visited_post_and_search_work_offline_and_a_page_never_opened_shows_the_offline_page(
        browser, built_guide: Path) -> None:
    server = StaticServer(built_guide)  # its own server: stopped below, so nothing can come from the network
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(server.url + POST)
        kept(page)
        assert page.locator("[data-offline-note]").inner_text() == "✓ Saved on this device for reading offline."
        page.wait_for_function("[...document.images].every(img => img.complete && img.naturalWidth > 0)")
        page.goto(server.url + "search/?q=hamstrings")
        page.locator("[data-search-results] li").first.wait_for()
        kept(page)
        server.close()
        context.set_offline(True)

        page.goto(server.url + POST)
        assert page.locator("h1").inner_text() == "The back-lying position"
        assert page.get_by_role("region", name="Call your local emergency number now if").is_visible()
        page.wait_for_function("[...document.images].every(img => img.complete)")
        assert page.evaluate("[...document.images].filter(img => img.naturalWidth === 0).map(img => img.src)") == []
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")  # its CSS too

        page.goto(server.url + "search/?q=hamstrings")
        results = page.locator("[data-search-results] li > a")
        results.first.wait_for()
        assert "The back-lying position" in results.all_inner_texts()
        page.get_by_label("Search the exercises").fill("legs")
        page.locator("[data-search-status]", has_text="match").wait_for()

        page.goto(server.url + "tummy-time/")  # never opened
        assert page.locator("h1").inner_text() == "You are offline"
        page.locator("[data-saved-pages] a", has_text="The back-lying position").wait_for()
        page.goto(server.url + "es/tags/")  # never opened, in Spanish
        assert page.locator("h1").inner_text() == "No tiene conexión"
    finally:
        context.close()
        server.close()


@pytest.mark.browser
def test_the_worker_never_keeps_another_hosts_requests(browser, guide_server: str) -> None:
    context = browser.new_context()
    try:
        context.route("https://other.example/**", lambda route: route.fulfill(
            status=200, content_type="image/svg+xml", body='<svg xmlns="http://www.w3.org/2000/svg"/>'))
        page = context.new_page()
        page.goto(guide_server + POST)
        kept(page)
        page.evaluate("""async () => {
            await fetch('https://other.example/data.json', {mode: 'no-cors'}).catch(() => {});
            const img = new Image(); img.src = 'https://other.example/picture.svg';
            await img.decode().catch(() => {});
        }""")
        page.reload()
        kept(page)
        urls = cached_urls(page)
        assert urls and all(url.startswith(guide_server) for url in urls), urls
    finally:
        context.close()


def test_the_worker_lives_at_the_base_path_and_its_version_follows_the_offline_pages(sample_site: Path,
                                                                                      source_date_epoch: str) -> None:
    def version() -> str:
        worker = (sample_site / "public/sw.js").read_text(encoding="utf-8")
        return re.search(r'var VERSION = "(\w+)";', worker).group(1)

    build(BuildOptions(source=sample_site))
    worker = (sample_site / "public/sw.js").read_text(encoding="utf-8")
    assert 'var SCOPE = "/guide/";' in worker
    assert '"/guide/offline/"' in worker  # the offline page, kept when the worker installs
    html = (sample_site / "public/first-steps/index.html").read_text(encoding="utf-8")
    assert 'data-worker="/guide/sw.js" data-scope="/guide/"' in html
    first = version()
    copy = sample_site.parent / "elsewhere"
    shutil.copytree(sample_site, copy, ignore=shutil.ignore_patterns("public", ".cache"))
    build(BuildOptions(source=copy))
    assert (copy / "public/sw.js").read_text(encoding="utf-8") == worker  # the same content, the same worker
    # A post's words reach readers network first: no new worker, no download of the offline pages again.
    post = sample_site / "content/posts/plain.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Body.", "Another body."), encoding="utf-8")
    build(BuildOptions(source=sample_site))
    assert version() == first
    # The site's title is on the offline page: the worker keeps the new one.
    offline = (sample_site / "public/offline/index.html").read_text(encoding="utf-8")
    config = sample_site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("title: ", "title: New ", 1), encoding="utf-8")
    build(BuildOptions(source=sample_site))
    assert (sample_site / "public/offline/index.html").read_text(encoding="utf-8") != offline
    assert version() != first


def test_a_team_author_is_an_organization_in_structured_data(built_guide: Path) -> None:
    for path in (POST, "authors/team/"):
        html = (built_guide / path / "index.html").read_text(encoding="utf-8")
        nodes = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))["@graph"]
        team = [node for node in nodes if node.get("name") == "The Little Movers team" and "Page" not in node["@type"]]
        assert [node["@type"] for node in team] == ["Organization"], path
        assert team[0]["@id"] == "https://example.org/authors/team/#organization"
        assert not [node for node in nodes if node["@type"] == "Person"]
    assert 'content="en_US"' in (built_guide / POST / "index.html").read_text(encoding="utf-8")  # og:locale
    assert 'content="es_ES"' in (built_guide / POST_ES / "index.html").read_text(encoding="utf-8")


@pytest.mark.browser
def test_offline_false_registers_no_worker_and_removes_an_earlier_one(browser, sample_site: Path,
                                                                      source_date_epoch: str, tmp_path: Path) -> None:
    build(BuildOptions(source=sample_site))
    served = tmp_path / "served"
    served.mkdir()
    (served / "guide").symlink_to(sample_site / "public", target_is_directory=True)
    server = StaticServer(served)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url + "guide/first-steps/")
        kept(page)
        assert page.evaluate("navigator.serviceWorker.getRegistrations().then(found => found.length)") == 1
        config = sample_site / "site.yaml"
        config.write_text(config.read_text(encoding="utf-8") + "offline: false\n", encoding="utf-8")
        build(BuildOptions(source=sample_site))
        public = sample_site / "public"
        assert not (public / "sw.js").exists() and not (public / "offline").exists()
        assert 'data-worker=""' in (public / "first-steps/index.html").read_text(encoding="utf-8")
        page.reload()  # the old worker fetches the page first from the network: the new site.js runs
        page.wait_for_function("""async () => (await navigator.serviceWorker.getRegistrations()).length === 0 &&
            (await caches.keys()).every(name => !name.startsWith('backlying:/guide/:'))""")
    finally:
        context.close()
        server.close()
