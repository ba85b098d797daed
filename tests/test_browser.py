"""The guide in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def open_page(browser, url: str, **context_options):
    context = browser.new_context(**context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(url, wait_until="load")
    return context, page, errors, failed


def load_all_images(page) -> None:
    """Scroll through the page so lazy images load, then wait for every one to finish."""
    page.evaluate("""async () => {
        const settle = img => img.complete ? Promise.resolve() : new Promise(resolve => {
            img.addEventListener("load", resolve, {once: true});
            img.addEventListener("error", resolve, {once: true});
            setTimeout(resolve, 5000);
        });
        for (const img of document.images) {
            img.scrollIntoView();
            await settle(img);
        }
    }""")


def test_back_lying_post_shows_six_numbered_steps_with_loaded_images(browser, guide_server: str) -> None:
    context, page, errors, failed = open_page(browser, guide_server + "back-lying-position/")
    try:
        steps = page.locator("ol.steps > li.step")
        assert steps.count() == 6
        numbers = page.locator("ol.steps > li .step-number").all_inner_texts()
        assert numbers == ["1", "2", "3", "4", "5", "6"]
        assert page.locator("ol.steps .step-number").first.is_visible()
        load_all_images(page)
        images = page.evaluate("""() => [...document.querySelectorAll('ol.steps img')].map(
            img => ({alt: img.alt, width: img.naturalWidth, src: img.currentSrc}))""")
        assert len(images) == 6
        for image in images:
            assert image["width"] > 0, image
            assert len(image["alt"].split()) >= 5, image
        assert page.locator("h1").count() == 1
        assert errors == [] and failed == []
    finally:
        context.close()


def test_phone_viewport_picks_a_small_modern_candidate(browser, guide_server: str) -> None:
    context, page, errors, failed = open_page(browser, guide_server + "back-lying-position/",
                                              viewport={"width": 390, "height": 844}, device_scale_factor=1)
    try:
        load_all_images(page)
        chosen = page.evaluate("() => [...document.querySelectorAll('ol.steps img')].map(i => i.currentSrc)")
        assert chosen and all(".480w." in src for src in chosen), chosen
        assert all(src.endswith((".avif", ".webp")) for src in chosen), chosen
        assert errors == [] and failed == []
    finally:
        context.close()


def test_home_page_lists_the_three_exercises_without_errors(browser, guide_server: str) -> None:
    context, page, errors, failed = open_page(browser, guide_server)
    try:
        titles = page.locator(".card-title a").all_inner_texts()
        assert set(titles) >= {"The back-lying position", "Hand-to-foot play", "Tummy time"}
        assert errors == [] and failed == []
    finally:
        context.close()
