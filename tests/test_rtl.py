"""A site in a language written right to left reads from the right (issue 21).

The pages set dir="rtl" from the language and the stylesheet uses logical properties, so the step
numbers, the checklist's ticks and the tracker's buttons sit on the reading side. Checked in
Chromium on a small Hebrew site.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from backlying_site.build import BuildOptions, build
from conftest import StaticServer

POST = """---
title: תנוחת שכיבה על הגב
date: 2026-01-10
summary: התינוק שוכב על הגב, הברכיים ישרות.
dosage: {minutes: 3, times_per_day: 2}
benefits: [הראש באמצע, הידיים נפגשות]
steps:
  - title: שבו בנוח
    text: שבו על המיטה, הגב נתמך.
    image: images/step-1.jpg
    alt: הורה יושב על מיטה, הגב שלו על הכרית.
  - text: הניחו את התינוק על הגב.
---
גוף הפוסט.
"""


@pytest.fixture(scope="module")
def hebrew(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("rtl") / "site"
    (root / "content/posts/gav/images").mkdir(parents=True)
    Image.new("RGB", (64, 48), (90, 140, 200)).save(root / "content/posts/gav/images/step-1.jpg")
    (root / "content/posts/gav/index.md").write_text(POST, encoding="utf-8")
    (root / "content/authors.yaml").write_text("team:\n  name: הצוות\n", encoding="utf-8")
    (root / "site.yaml").write_text("title: תנועות קטנות\ndescription: תרגילים לתינוקות.\nbase_url: "
                                    "https://example.test/\nlanguage: he\nauthor: team\ndisclaimer: מידע כללי בלבד.\n"
                                    "images: {widths: [64], formats: [webp]}\nsearch: false\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1780000000")
        build(BuildOptions(source=root))
    server = StaticServer(root / "public")
    yield server.url
    server.close()


@pytest.mark.browser
def test_a_right_to_left_page_puts_numbers_ticks_and_buttons_on_the_reading_side(browser, hebrew: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(hebrew + "gav/")
        assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
        box = page.locator(".step-text").first.bounding_box()
        number = page.locator(".step-number").first.bounding_box()
        assert abs((number["x"] + number["width"]) - (box["x"] + box["width"])) <= 2  # at the right edge
        tick = page.evaluate("""() => {
            const style = getComputedStyle(document.querySelector('.checklist li'));
            return [parseFloat(style.paddingRight), parseFloat(style.paddingLeft)];
        }""")
        assert tick[0] > 20 and tick[1] == 0, tick  # the tick's room is on the right
        page.evaluate("document.querySelector('[data-tracker]').hidden = false")  # as site.js shows it
        tracker = page.locator("[data-tracker]").bounding_box()
        first = page.locator("[data-tracker] button").first.bounding_box()
        assert abs((first["x"] + first["width"]) - (tracker["x"] + tracker["width"])) < 40  # starts at the right
    finally:
        context.close()
