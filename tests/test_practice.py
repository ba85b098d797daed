"""Reading, printing, practising and sharing a post, in Debian's Chromium (issue 5).

The tracker keeps "done today" across a reload and only in localStorage; the print sheet fits on one
page; share links and the video load nothing from another host until clicked.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from backlying_site.build import BuildOptions, build

POST = "back-lying-position/"


def open_page(browser, url: str, **options):
    """A page whose every request is logged; requests to another host are refused and listed."""
    context = browser.new_context(**options)
    page = context.new_page()
    log = {"local": [], "other": [], "sent": [], "errors": []}
    local = urlsplit(url).netloc

    def route(route):
        request = route.request
        # The service worker's GETs of this site's own pages and files (issue 23: offline reading) keep
        # them on the device; they send nothing, so they are not "sent".
        kept = request.method == "GET" and request.service_worker is not None and urlsplit(request.url).netloc == local
        if not kept and (request.method != "GET" or
                         request.resource_type in ("fetch", "xhr", "ping", "eventsource", "websocket")):
            log["sent"].append(f"{request.method} {request.resource_type} {request.url}")
        if urlsplit(request.url).netloc == local:
            log["local"].append(request.url)
            route.continue_()
        else:
            log["other"].append(request.url)
            route.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda exc: log["errors"].append(str(exc)))
    page.goto(url, wait_until="load")
    return context, page, log


# Polled until it holds: each poll brings the first picture still loading into view (a lazy one
# starts loading then), as a reader scrolling down the page would.
EVERY_PICTURE_DONE = """() => {
    const loading = [...document.images].filter(img => img.getClientRects().length > 0 && !img.complete);
    if (loading.length > 0) loading[0].scrollIntoView();
    return loading.length === 0;
}"""


def read_to_the_end(page) -> None:
    """Scrolled through as a reader does: every picture shown loaded (or refused), then the end of the
    page. A route holds each request until it has logged it, so whatever a picture asked for is
    logged by then."""
    page.wait_for_function(EVERY_PICTURE_DONE)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")


def refused(context, host: str):
    """Waits, as a ``with`` block, for the route to refuse a request to ``host`` (it logs it first)."""
    return context.expect_event("requestfailed", lambda request: urlsplit(request.url).netloc == host)


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


# --- the tracker ------------------------------------------------------------------------------------

@pytest.mark.browser
def test_tracker_keeps_done_today_across_a_reload_and_only_in_local_storage(browser, guide_server: str) -> None:
    context, page, log = open_page(browser, guide_server + POST)
    try:
        tracker = page.get_by_role("region", name="Your practice")
        status = tracker.locator("[data-tracker-today]")
        assert status.inner_text() == "Not done yet today."
        tracker.get_by_role("button", name="Done a session").click()
        assert status.inner_text() == "Today: 1 of 2 sessions done."  # twice a day
        tracker.get_by_role("button", name="Done a session").click()
        assert status.inner_text() == "Today: 2 of 2 sessions done. Well done."
        assert log["sent"] == [] and log["other"] == []  # nothing sent anywhere
        page.reload()
        tracker = page.get_by_role("region", name="Your practice")
        assert tracker.locator("[data-tracker-today]").inner_text() == "Today: 2 of 2 sessions done. Well done."
        days = tracker.locator("[data-tracker-week] > li")
        assert days.count() == 7
        assert days.nth(6).get_attribute("class") == "done"
        assert re.fullmatch(r"\w+day\W.*\b\d+\b.*: 2 sessions", days.nth(6).locator(".visually-hidden").inner_text())
        assert [days.nth(i).get_attribute("class") for i in range(6)] == ["none"] * 6
        stored = page.evaluate("Object.entries(localStorage)")
        assert len(stored) == 1 and stored[0][0] == "backlying-practice:/" + POST
        tracker.get_by_role("button", name="Undo").click()
        assert tracker.locator("[data-tracker-today]").inner_text() == "Today: 1 of 2 sessions done."
        assert log["errors"] == []
    finally:
        context.close()


@pytest.mark.browser
def test_tracker_is_absent_without_javascript(browser, guide_server: str) -> None:
    context, page, _ = open_page(browser, guide_server + POST, java_script_enabled=False)
    try:
        assert page.locator("[data-tracker]").count() == 1
        assert not page.locator("[data-tracker]").is_visible()
        assert page.get_by_role("region", name="Your practice").count() == 0
        assert page.locator("ol.steps > li").count() == 6  # the page itself reads in full
    finally:
        context.close()


@pytest.mark.browser
def test_hold_timer_counts_down_the_dosage_and_says_when_time_is_up(browser, sample_server: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.clock.install()
        page.goto(sample_server + "first-steps/")  # dosage: 3 minutes, twice a day
        tracker = page.get_by_role("region", name="Your practice")
        tracker.get_by_role("button", name="Time 3 minutes").click()
        display = tracker.locator("[data-timer-display]")
        assert display.inner_text() == "3:00"
        assert tracker.locator("[data-timer-status]").inner_text() == "Timer started: 3 minutes."
        page.clock.run_for(61_000)
        assert display.inner_text() == "1:59"
        page.clock.run_for(120_000)
        assert display.inner_text() == "0:00"
        assert tracker.locator("[data-timer-status]").inner_text() == "Time is up. Let your baby rest."
        assert tracker.get_by_role("button", name="Stop").is_disabled()
    finally:
        context.close()


# --- print ------------------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("server, path", [("guide", POST), ("sample", "first-steps/")])
def test_a_post_prints_as_a_one_page_exercise_sheet(browser, guide_server: str, sample_server: str,
                                                    server: str, path: str) -> None:
    base = guide_server if server == "guide" else sample_server
    context, page, _ = open_page(browser, base + path)
    try:
        steps = page.locator("ol.steps > li").count()
        page.emulate_media(media="print")
        shown = page.evaluate("""() => Object.fromEntries([
            "h1", ".facts", "ol.steps", ".precautions", ".disclaimer", ".print-only",
            ".site-header", ".site-footer", "nav", ".share", ".tracker", ".video", ".related", ".prose",
        ].map(s => [s, [...document.querySelectorAll(s)].some(el => el.getClientRects().length > 0)]))""")
        assert shown == {"h1": True, ".facts": True, "ol.steps": True, ".precautions": True, ".disclaimer": True,
                         ".print-only": True, ".site-header": False, ".site-footer": False, "nav": False,
                         ".share": False, ".tracker": False, ".video": False, ".related": False, ".prose": False}
        numbers = page.locator("ol.steps .step-number")
        assert numbers.all_inner_texts() == [str(n) for n in range(1, steps + 1)]
        for image in page.locator("ol.steps img").all():
            box = image.bounding_box()
            assert box and 40 < box["width"] <= 125, box  # small pictures: about 3 cm wide
        for paper in ("A4", "Letter"):
            assert pdf_pages(page.pdf(format=paper)) == 1, paper
    finally:
        context.close()


# --- sharing ----------------------------------------------------------------------------------------

@pytest.mark.browser
def test_share_links_load_nothing_until_clicked_and_carry_the_page(browser, sample_server: str) -> None:
    context, page, log = open_page(browser, sample_server + "first-steps/")
    try:
        share = page.get_by_role("region", name="Share this exercise")
        read_to_the_end(page)
        assert log["other"] == []
        assert page.locator("iframe, script[src^='http'], img[src^='http']").count() == 0
        canonical = "https://example.test/guide/first-steps/"
        hrefs = {link.inner_text(): link.get_attribute("href") for link in share.get_by_role("link").all()}
        assert set(hrefs) == {"Email", "WhatsApp", "Facebook", "Pinterest"}
        assert parse_qs(urlsplit(hrefs["Email"]).query)["body"][0].endswith("\n\n" + canonical)
        assert parse_qs(urlsplit(hrefs["WhatsApp"]).query)["text"] == ["First steps <together> " + canonical]
        assert parse_qs(urlsplit(hrefs["Facebook"]).query)["u"] == [canonical]
        pin = parse_qs(urlsplit(hrefs["Pinterest"]).query)
        assert pin["url"] == [canonical] and pin["description"] == ["First steps <together>"]
        assert share.get_by_role("link", name="Facebook").get_attribute("rel") == "noreferrer"
        with refused(context, "wa.me"):
            share.get_by_role("link", name="WhatsApp").click()
        assert [urlsplit(url).netloc for url in log["other"]] == ["wa.me"]  # only now, only that one
    finally:
        context.close()


@pytest.mark.browser
def test_copy_link_puts_the_address_on_the_clipboard(browser, sample_server: str) -> None:
    context, page, _ = open_page(browser, sample_server + "first-steps/")
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        share = page.get_by_role("region", name="Share this exercise")
        share.get_by_role("button", name="Copy link").click()
        share.locator("[data-share-status]", has_text="Link copied.").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == "https://example.test/guide/first-steps/"
    finally:
        context.close()


@pytest.mark.browser
def test_the_share_sheet_button_appears_only_where_the_browser_has_one(browser, sample_server: str) -> None:
    context, page, _ = open_page(browser, sample_server + "first-steps/")
    try:
        has_share = page.evaluate("typeof navigator.share === 'function'")
        assert page.get_by_role("button", name="Share…").is_visible() is has_share
    finally:
        context.close()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script("navigator.share = data => { window.shared = data; return Promise.resolve(); };")
        page.goto(sample_server + "first-steps/")
        page.get_by_role("button", name="Share…").click()
        assert page.evaluate("window.shared") == {"title": "First steps <together>",
                                                  "text": 'A sample exercise with "every" field & a few special characters.',
                                                  "url": "https://example.test/guide/first-steps/"}
    finally:
        context.close()


@pytest.mark.browser
def test_without_javascript_only_the_plain_share_links_show(browser, sample_server: str) -> None:
    context, page, _ = open_page(browser, sample_server + "first-steps/", java_script_enabled=False)
    try:
        share = page.get_by_role("region", name="Share this exercise")
        assert share.get_by_role("button").count() == 0
        assert share.get_by_role("link").count() == 4
    finally:
        context.close()


# --- video ------------------------------------------------------------------------------------------

@pytest.mark.browser
def test_youtube_loads_only_after_the_click_and_only_from_youtube_nocookie(browser, sample_server: str) -> None:
    context, page, log = open_page(browser, sample_server + "first-steps/")
    try:
        read_to_the_end(page)
        assert log["other"] == [] and page.locator("iframe").count() == 0
        with refused(context, "www.youtube-nocookie.com"):
            page.get_by_role("link", name="Play the video (loads YouTube)").click()
        frame = page.locator(".video iframe")
        assert frame.get_attribute("src") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"
        assert frame.get_attribute("title") == "The exercise in a minute"
        assert {urlsplit(url).netloc for url in log["other"]} == {"www.youtube-nocookie.com"}
    finally:
        context.close()


@pytest.mark.browser
def test_a_video_given_with_its_start_time_plays_from_there(browser, sample_server: str) -> None:
    context, page, _ = open_page(browser, sample_server + "first-steps/")
    try:
        page.locator(".video-facade").evaluate("facade => { facade.dataset.start = '90'; }")  # as post.html writes it
        with refused(context, "www.youtube-nocookie.com"):
            page.get_by_role("link", name="Play the video (loads YouTube)").click()
        assert page.locator(".video iframe").get_attribute("src") == \
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&start=90"
    finally:
        context.close()


@pytest.fixture(scope="module")
def video_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site with a local video file and poster on the 'later' post, built."""
    from conftest import SAMPLE_EPOCH, SAMPLE_SITE

    root = tmp_path_factory.mktemp("video") / "site"
    shutil.copytree(SAMPLE_SITE, root, ignore=shutil.ignore_patterns("public", ".cache"))
    post = root / "content/posts/later/index.md"
    (post.parent / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42not-really-a-video")
    post.write_text(post.read_text(encoding="utf-8").replace(
        "---\nShort body.", "video:\n  title: The exercise, filmed\n  file: clip.mp4\n  poster: step.jpg\n---\nShort body."),
        encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SAMPLE_EPOCH)
        build(BuildOptions(source=root))
    return root / "public"


def test_a_local_video_is_copied_and_shown_with_controls_and_poster(video_site: Path) -> None:
    assert (video_site / "media/later/clip.mp4").read_bytes().startswith(b"\x00\x00\x00\x18ftyp")
    html = (video_site / "later/index.html").read_text(encoding="utf-8")
    assert re.search(r'<video controls preload="none" poster="/guide/images/step\.[0-9a-f]+\.\d+w\.jpg"', html)
    assert '<source src="/guide/media/later/clip.mp4" type="video/mp4">' in html
    from test_html_valid import describe, nu_errors

    errors = nu_errors(video_site)
    assert not errors, describe(errors)


@pytest.mark.browser
def test_a_local_video_loads_nothing_until_played(browser, video_site: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from conftest import StaticServer

    (tmp_path / "guide").symlink_to(video_site, target_is_directory=True)
    server = StaticServer(tmp_path)
    try:
        context, page, log = open_page(browser, server.url + "guide/later/")
        read_to_the_end(page)
        # With preload="none" the player settles idle (NETWORK_IDLE) instead of fetching the file.
        expect(page.locator("video")).to_have_js_property("networkState", 1)
        assert log["other"] == []
        assert not [url for url in log["local"] if url.endswith(".mp4")]
        assert page.locator("video[controls]").is_visible()
        context.close()
    finally:
        server.close()
