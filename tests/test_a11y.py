"""Accessibility in Debian's Chromium (issue 5): axe-core finds nothing against WCAG 2.2 A and AA on every
page type, light and dark; skip link, landmarks, visible focus, 44 px targets, reduced motion.

axe-core is the npm package's own script (`make test` installs it into node_modules/ from
package.json), injected into each page.
"""

from __future__ import annotations

import pytest

from conftest import REPO

pytestmark = pytest.mark.browser

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCHEMES = ["light", "dark"]
GUIDE_PAGES = {
    "home": "",
    "post": "back-lying-position/",
    "tag": "tags/hamstrings/",
    "tags": "tags/",
    "author": "authors/team/",
    "age": "age/3-6-months/",
    "search": "search/?q=hamstrings",
    "404": "404.html",
    # The Spanish translation: another language's words, lengths and dates in the same templates.
    "home (es)": "es/",
    "post (es)": "es/posicion-boca-arriba/",
    "tags (es)": "es/tags/",
    "search (es)": "es/search/?q=isquiotibiales",
    "404 (es)": "es/404.html",
}
# The sample site has what the guide lacks: a YouTube facade, an avatar, a note, sources, a review.
SAMPLE_PAGES = {"post with video": "first-steps/", "author with avatar": "authors/ada/"}
# Links and buttons that stand alone must be at least 44 px each way; links inside running text
# (WCAG's inline exception) are measured by the line they sit in, so they are left out here.
RUNNING_TEXT = ".prose, .disclaimer, .callout, .affiliate, .precautions li, .checklist, .step-text p, .lead, .author p:not(:has(> a:only-child))"


@pytest.fixture(scope="session")
def axe_path() -> str:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `make test`, which installs it (npm install)")
    return str(AXE)


def violations(page, axe_path: str) -> list[str]:
    page.add_script_tag(path=axe_path)
    found = page.evaluate("""async tags => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
        return result.violations.map(v => `${v.id} (${v.impact}): ${v.help}\\n` +
            v.nodes.map(n => `    ${n.target.join(" ")}: ${n.failureSummary.replace(/\\n/g, " ")}`).join("\\n"));
    }""", WCAG_TAGS)
    return found


def open_page(browser, url: str, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="load")
    if "search/?q=" in url:
        page.wait_for_selector("[data-search-results] li")
    return context, page, errors


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", list(GUIDE_PAGES))
def test_axe_finds_no_wcag_violation_on_the_guide(browser, guide_server: str, axe_path: str,
                                                  name: str, scheme: str) -> None:
    context, page, errors = open_page(browser, guide_server + GUIDE_PAGES[name], color_scheme=scheme)
    try:
        assert violations(page, axe_path) == []
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", list(SAMPLE_PAGES))
def test_axe_finds_no_wcag_violation_on_the_sample_site(browser, sample_server: str, axe_path: str,
                                                        name: str, scheme: str) -> None:
    context, page, errors = open_page(browser, sample_server + SAMPLE_PAGES[name], color_scheme=scheme)
    try:
        assert violations(page, axe_path) == []
        assert errors == []
    finally:
        context.close()


def test_skip_link_is_first_visible_on_focus_and_moves_focus_to_main(browser, guide_server: str) -> None:
    context, page, _ = open_page(browser, guide_server + "back-lying-position/")
    try:
        skip = page.locator("a.skip-link")
        assert not _in_viewport(skip)  # out of sight until focused
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert _in_viewport(skip)
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        context.close()


def _in_viewport(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] + box["height"] > 0 and box["x"] + box["width"] > 0


@pytest.mark.parametrize("path", ["", "back-lying-position/", "search/", "authors/team/"])
def test_landmarks_one_banner_main_and_footer_and_a_named_navigation(browser, guide_server: str, path: str) -> None:
    context, page, _ = open_page(browser, guide_server + path)
    try:
        assert page.get_by_role("banner").count() == 1
        assert page.get_by_role("main").count() == 1
        assert page.get_by_role("contentinfo").count() == 1
        assert page.get_by_role("navigation", name="Main").count() == 1
        assert page.locator("h1").count() == 1
    finally:
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_focus_is_visible_on_links_and_buttons(browser, guide_server: str, scheme: str) -> None:
    context, page, _ = open_page(browser, guide_server + "back-lying-position/", color_scheme=scheme)
    try:
        seen = set()
        for _ in range(40):
            page.keyboard.press("Tab")
            focused = page.evaluate("""() => {
                const el = document.activeElement, style = getComputedStyle(el);
                return {tag: el.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
            }""")
            if focused["tag"] in ("A", "BUTTON"):
                assert focused["outline"] != "none" and focused["width"] >= 2, focused
                seen.add(focused["tag"])
            if seen == {"A", "BUTTON"}:
                break
        assert seen == {"A", "BUTTON"}
    finally:
        context.close()


@pytest.mark.parametrize("server,path", [
    ("guide", ""), ("guide", "back-lying-position/"), ("guide", "search/?q=hamstrings"), ("guide", "tags/"),
    ("guide", "age/3-6-months/"), ("sample", "first-steps/"), ("sample", "page/2/"), ("sample", "authors/ada/"),
])
def test_every_standalone_link_and_button_is_at_least_44_px(browser, guide_server: str, sample_server: str,
                                                             server: str, path: str) -> None:
    base = guide_server if server == "guide" else sample_server
    context, page, _ = open_page(browser, base + path, viewport={"width": 390, "height": 844})
    try:
        small = page.evaluate("""running => [...document.querySelectorAll("a, button, input, summary")]
            .filter(el => !el.closest(running) && !el.classList.contains("skip-link"))
            .map(el => ({el, box: el.getBoundingClientRect()}))
            .filter(({box}) => box.width > 0 && box.height > 0)
            .filter(({box}) => box.width < 44 || box.height < 44)
            .map(({el, box}) => `${el.tagName} "${el.textContent.trim()}" ${Math.round(box.width)}x${Math.round(box.height)}`)
        """, RUNNING_TEXT)
        assert small == []
    finally:
        context.close()


def test_reduced_motion_turns_off_transitions_and_smooth_scrolling(browser, guide_server: str) -> None:
    context, page, _ = open_page(browser, guide_server + "back-lying-position/", reduced_motion="reduce")
    try:
        moving = page.evaluate("""() => [...document.querySelectorAll("*")].filter(el => {
            const s = getComputedStyle(el);
            return s.animationName !== "none" || parseFloat(s.transitionDuration) > 0.01 || s.scrollBehavior === "smooth";
        }).length""")
        assert moving == 0
        assert page.evaluate("document.getAnimations().length") == 0
    finally:
        context.close()
