"""The warnings of `check` (issue 7): each one triggered by a small site, and left quiet by another.

Mini sites are written to tmp_path and loaded with the real loader, so every line
number is the one an author's editor shows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import textstat
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from backlying_site.check import lint
from backlying_site.build import BuildOptions, check
from backlying_site.check.lint import LintSettings, lint_site
from backlying_site.model import ImageRef

TODAY = dt.date(2026, 3, 1)
PATH = "content/posts/a/index.md"
SITE_YAML = """\
title: Test guide
description: A guide for tests.
base_url: https://example.org/guide/
author: team
disclaimer: General information, not medical advice.
images:
  widths: [480, 800]
"""
# Every check passes on this post; the line numbers in the comments are the file's.
CLEAN = """\
---
title: Tummy time
date: 2026-01-05
summary: Short play on the tummy builds neck and back strength.
steps:
  - text: Lie your baby on their tummy on a mat.
    image: images/step-1.jpg
    alt: A baby lies on its tummy on a play mat.
  - text: Hold a toy in front of your baby.
    image: images/step-2.jpg
    alt: A parent holds a red toy in front of the baby.
benefits:
  - Builds neck strength
precautions:
  - Your baby is very tired.
reviewed_by:
  name: Ana Ruiz
  credentials: PT
  date: 2025-06-01
---
Tummy time is play on the tummy. Stay with your baby the whole time.
"""
# line 1 ---, 4 summary, 6 steps[1].text, 7 steps[1].image, 8 steps[1].alt, 9-11 steps[2],
# 14 precautions, 16 reviewed_by, 19 reviewed_by.date, 21 the body
BODY_LINE = 21
ASK = "describe what the picture shows (who does what, and how), for a parent who cannot see it"


def write_image(path: Path, width: int = 800, pad_to: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, width * 3 // 4), (200, 120, 90)).save(path, "JPEG")
    if pad_to:  # bytes after the JPEG's end are ignored by decoders: a heavy file that is still valid
        with path.open("ab") as fh:
            fh.write(b"\0" * (pad_to - path.stat().st_size))


def make_site(root: Path, posts: dict[str, str], widths: dict[str, int] | None = None) -> Path:
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (root / "content").mkdir()
    (root / "content/authors.yaml").write_text("team:\n  name: The team\n", encoding="utf-8")
    for slug, text in posts.items():
        folder = root / "content/posts" / slug
        folder.mkdir(parents=True)
        (folder / "index.md").write_text(text, encoding="utf-8")
        for name in ("step-1.jpg", "step-2.jpg"):
            write_image(folder / "images" / name, (widths or {}).get(f"{slug}/{name}", 800))
    return root


def warnings_of(root: Path, settings: LintSettings = LintSettings(), today: dt.date = TODAY) -> list[str]:
    loaded: list = []
    guide, plans, _ = check(BuildOptions(source=root, drafts=True), loaded)
    problems = sorted(set(lint_site(guide.default, plans, settings, today=today)) | set(loaded))
    assert all(p.severity == "warning" for p in problems)
    return [p.format(with_severity=True) for p in problems]


def check_post(tmp_path: Path, text: str, **kwargs: object) -> list[str]:
    return warnings_of(make_site(tmp_path, {"a": text, "tummy-time": CLEAN}), **kwargs)


def test_a_clean_site_has_no_warnings(tmp_path: Path) -> None:
    assert check_post(tmp_path, CLEAN) == []


# Alt text ------------------------------------------------------------------

@pytest.mark.parametrize("alt, message", [
    ("A baby.", f"has only 2 words; {ASK}, in at least 4 words"),
    ("Baby", f"has only 1 word; {ASK}, in at least 4 words"),
    ("step-1.jpg", f"is the file name 'step-1.jpg'; {ASK}"),
    ("step-1", f"is the file name 'step-1.jpg'; {ASK}"),
    ("Step 1", f"is the file name 'step-1.jpg'; {ASK}"),
    ("Image of a baby on a mat", "starts with 'Image of', which screen readers already say; start with what "
     "it shows, for example 'A parent holds the baby's hips ...'"),
    ("picture of a baby on a mat", "starts with 'picture of', which screen readers already say; start with "
     "what it shows, for example 'A parent holds the baby's hips ...'"),
    ("Photo of a baby on a mat", "starts with 'Photo of', which screen readers already say; start with what "
     "it shows, for example 'A parent holds the baby's hips ...'"),
])
def test_unhelpful_alt_text_is_reported_at_its_alt_line(tmp_path: Path, alt: str, message: str) -> None:
    text = CLEAN.replace("alt: A baby lies on its tummy on a play mat.", f"alt: {alt}")
    assert check_post(tmp_path, text) == [f"{PATH}:8: warning: steps[1].alt: {message}"]


@pytest.mark.parametrize("alt", [
    "A baby on mat",  # exactly four words
    "Illustration of a baby lying on its tummy",  # the medium can matter; only 'image of' repeats the reader
    "Photography session with a baby on a mat",
    "\"Step 1: the baby lies on its tummy\"",
])
def test_helpful_alt_text_passes(tmp_path: Path, alt: str) -> None:
    text = CLEAN.replace("alt: A baby lies on its tummy on a play mat.", f"alt: {alt}")
    assert check_post(tmp_path, text) == []


def test_empty_alt_text_is_reported() -> None:
    # The loader already refuses 'alt:' with nothing after it; this guards sites built in code.
    ref = ImageRef(Path("/site/images/step-1.jpg"), "images/step-1.jpg", "  ", PATH, 7, "steps[1].image")
    assert lint.alt_text_problem(ref, 4) == f"is empty; {ASK}"


def test_min_alt_words_comes_from_the_settings(tmp_path: Path) -> None:
    text = CLEAN.replace("alt: A baby lies on its tummy on a play mat.", "alt: A sleepy baby")
    assert check_post(tmp_path, text, settings=LintSettings(min_alt_words=3)) == []


def test_hero_alt_is_checked_at_the_hero_alt_line(tmp_path: Path) -> None:
    text = CLEAN.replace("steps:\n", "hero:\n  image: images/step-2.jpg\n  alt: Hero\nsteps:\n", 1)
    assert check_post(tmp_path, text) == [f"{PATH}:7: warning: hero.alt: has only 1 word; {ASK}, in at least "
                                          "4 words"]


def test_the_same_alt_text_on_two_steps_is_reported_at_the_second(tmp_path: Path) -> None:
    text = CLEAN.replace("alt: A parent holds a red toy in front of the baby.",
                         "alt: a baby lies on its  tummy on a play mat")
    assert check_post(tmp_path, text) == [
        f"{PATH}:11: warning: steps[2].alt: is the same as steps[1].alt; say what this step's picture shows "
        "that the other one does not"]


def test_the_same_picture_may_keep_the_same_alt_text(tmp_path: Path) -> None:
    text = CLEAN.replace("image: images/step-2.jpg\n    alt: A parent holds a red toy in front of the baby.",
                         "image: images/step-1.jpg\n    alt: A baby lies on its tummy on a play mat.")
    assert check_post(tmp_path, text) == []


# Reading level --------------------------------------------------------------

HARD_BODY = """\
## Why it matters

Physiotherapeutic intervention facilitates neuromuscular development, particularly proprioceptive \
integration, postural stabilization and coordinated bilateral movement, throughout the developmental \
trajectory of infants presenting with hypertonicity.

Consistent [implementation](https://example.com/study) of these therapeutic **recommendations** by \
caregivers considerably diminishes musculoskeletal complications.
"""
HARD_SENTENCES = [
    (21, "Why it matters"),
    (23, "Physiotherapeutic intervention facilitates neuromuscular development, particularly proprioceptive "
         "integration, postural stabilization and coordinated bilateral movement, throughout the developmental "
         "trajectory of infants presenting with hypertonicity."),
    (25, "Consistent implementation of these therapeutic recommendations by caregivers considerably "
         "diminishes musculoskeletal complications."),
]


def hard_post() -> str:
    return CLEAN.replace("Tummy time is play on the tummy. Stay with your baby the whole time.\n", HARD_BODY)


def test_hard_text_reports_its_grade_and_longest_sentences_at_the_body(tmp_path: Path) -> None:
    # The grade is textstat's for the prose left once the Markdown is gone (headings end a sentence).
    plain = ["Why it matters.", HARD_SENTENCES[1][1], HARD_SENTENCES[2][1],
             "Lie your baby on their tummy on a mat.", "Hold a toy in front of your baby."]
    grade = textstat.flesch_kincaid_grade(" ".join(plain))
    assert grade > 8
    assert check_post(tmp_path, hard_post()) == [
        f"{PATH}:{BODY_LINE}: warning: reads at school grade {grade:.1f} (Flesch-Kincaid); aim for grade 8 or "
        "below so every parent can follow it: use shorter sentences and everyday words. Longest sentences: "
        "line 23 (23 words): \"Physiotherapeutic intervention facilitates neuromuscular development, "
        "particularly …\"; line 25 (12 words): \"Consistent implementation of these therapeutic "
        "recommendations by caregivers considerably …\""]


def test_the_reading_grade_threshold_comes_from_the_settings(tmp_path: Path) -> None:
    assert check_post(tmp_path, hard_post(), settings=LintSettings(reading_grade=40)) == []


def test_reading_level_without_a_body_is_reported_at_the_steps(tmp_path: Path) -> None:
    text = CLEAN.replace("Tummy time is play on the tummy. Stay with your baby the whole time.\n", "").replace(
        "text: Lie your baby on their tummy on a mat.", f"text: {HARD_SENTENCES[1][1]}")
    [warning] = check_post(tmp_path, text)
    assert warning.startswith(f"{PATH}:5: warning: reads at school grade ")
    assert "Longest sentences: line 6 (23 words): \"Physiotherapeutic" in warning


def test_markdown_sentences_keep_prose_and_file_lines() -> None:
    source = HARD_BODY + "\n```\ncode is not prose.\n```\n- first item\n- second item. Two sentences!\n"
    expected = [Sentence(line, text) for line, text in HARD_SENTENCES]
    expected += [Sentence(30, "first item"), Sentence(31, "second item."), Sentence(31, "Two sentences!")]
    assert lint.markdown_sentences(source, BODY_LINE) == expected


def test_markdown_sentences_of_a_yaml_value_share_its_line() -> None:
    assert lint.markdown_sentences("One *short* line.\nAnd `another`.", 6, exact_lines=False) == [
        Sentence(6, "One short line."), Sentence(6, "And another.")]


Sentence = lint.Sentence


# Links ----------------------------------------------------------------------

# Images ---------------------------------------------------------------------

def test_a_picture_narrower_than_the_widest_size_is_reported_at_its_image_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"a": CLEAN, "b": CLEAN}, widths={"a/step-2.jpg": 640})
    assert warnings_of(root) == [
        f"{PATH}:10: warning: steps[2].image: 'images/step-2.jpg' is 640 pixels wide, but the site shows "
        "pictures up to 800 pixels wide, so it will look blurry on large screens; export it at least 800 "
        "pixels wide"]


def test_pictures_as_wide_or_wider_than_the_widest_size_pass(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"a": CLEAN, "b": CLEAN}, widths={"a/step-1.jpg": 800, "a/step-2.jpg": 1200})
    assert warnings_of(root) == []


def test_a_picture_over_the_size_budget_is_reported(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"a": CLEAN, "b": CLEAN})
    write_image(root / "content/posts/a/images/step-1.jpg", pad_to=2_500_000)
    assert warnings_of(root) == [
        f"{PATH}:7: warning: steps[1].image: 'images/step-1.jpg' is 2.5 MB; keep each picture under 2.0 MB so "
        "the site's folder stays small: export it again at about 800 pixels wide"]
    assert warnings_of(root, LintSettings(image_max_bytes=3_000_000)) == []


def test_a_picture_used_twice_is_reported_once(tmp_path: Path) -> None:
    text = CLEAN.replace("image: images/step-2.jpg\n    alt: A parent holds a red toy in front of the baby.",
                         "image: images/step-1.jpg\n    alt: A baby lies on its tummy on a play mat.")
    root = make_site(tmp_path, {"a": text, "b": CLEAN}, widths={"a/step-1.jpg": 500})
    assert warnings_of(root) == [
        f"{PATH}:7: warning: steps[1].image: 'images/step-1.jpg' is 500 pixels wide, but the site shows "
        "pictures up to 800 pixels wide, so it will look blurry on large screens; export it at least 800 "
        "pixels wide"]


# Review ---------------------------------------------------------------------

def without_review(text: str) -> str:
    return text.replace("reviewed_by:\n  name: Ana Ruiz\n  credentials: PT\n  date: 2025-06-01\n", "")


def test_a_post_without_reviewed_by_is_reported(tmp_path: Path) -> None:
    assert check_post(tmp_path, without_review(CLEAN)) == [
        f"{PATH}:1: warning: reviewed_by: no 'reviewed_by'; ask a physical therapist to check the post, then "
        "add 'reviewed_by:' with their name, credentials and the date"]


def test_a_review_without_a_date_is_reported_at_reviewed_by(tmp_path: Path) -> None:
    assert check_post(tmp_path, CLEAN.replace("  date: 2025-06-01\n", "")) == [
        f"{PATH}:16: warning: reviewed_by.date: the review has no date; add 'date: YYYY-MM-DD' under "
        "'reviewed_by:' with the day Ana Ruiz checked the post"]


def test_an_old_review_is_reported_at_its_date(tmp_path: Path) -> None:
    assert check_post(tmp_path, CLEAN.replace("date: 2025-06-01", "date: 2023-01-15")) == [
        f"{PATH}:19: warning: reviewed_by.date: the review is from 2023-01-15, 37 months ago; reviews should "
        "be at most 24 months old: ask for a new review, then update this date"]


@pytest.mark.parametrize("reviewed, warned", [
    ("2024-03-01", False),  # exactly 24 months before TODAY
    ("2024-02-29", True),
    ("2025-12-31", False),
])
def test_review_age_boundary(tmp_path: Path, reviewed: str, warned: bool) -> None:
    assert bool(check_post(tmp_path, CLEAN.replace("date: 2025-06-01", f"date: {reviewed}"))) == warned


def test_review_age_comes_from_the_settings(tmp_path: Path) -> None:
    text = CLEAN.replace("date: 2025-06-01", "date: 2025-01-15")
    assert check_post(tmp_path, text) == []
    (tmp_path / "6").mkdir()
    assert check_post(tmp_path / "6", text, settings=LintSettings(review_max_months=10)) == [
        f"{PATH}:19: warning: reviewed_by.date: the review is from 2025-01-15, 13 months ago; reviews should "
        "be at most 10 months old: ask for a new review, then update this date"]


@pytest.mark.parametrize("day, months, expected", [
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
    (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
    (dt.date(2024, 11, 15), 2, dt.date(2025, 1, 15)),
    (dt.date(2024, 2, 29), 24, dt.date(2026, 2, 28)),
])
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert lint.add_months(day, months) == expected


# Precautions and summary ----------------------------------------------------

def test_a_post_without_precautions_is_reported(tmp_path: Path) -> None:
    text = CLEAN.replace("precautions:\n  - Your baby is very tired.\n", "")
    assert check_post(tmp_path, text) == [
        f"{PATH}:1: warning: precautions: no 'precautions'; list when a parent should stop or not do this "
        "exercise, one line each starting with '- ' (for example '- Your baby is unwell or very tired')"]


def test_a_summary_too_long_for_a_search_snippet_is_reported(tmp_path: Path) -> None:
    summary = "Tummy time " + "x" * 150  # 161 characters
    text = CLEAN.replace("summary: Short play on the tummy builds neck and back strength.", f"summary: {summary}")
    assert check_post(tmp_path, text) == [
        f"{PATH}:4: warning: summary: is 161 characters long; search results show about 160: shorten it to "
        "one sentence of at most 160 characters"]


def test_a_summary_of_exactly_the_limit_passes(tmp_path: Path) -> None:
    summary = "Tummy time " + "x" * 149
    text = CLEAN.replace("summary: Short play on the tummy builds neck and back strength.", f"summary: {summary}")
    assert check_post(tmp_path, text) == []


def test_warnings_are_sorted_by_file_and_line(tmp_path: Path) -> None:
    text = without_review(CLEAN).replace("alt: A parent holds a red toy in front of the baby.", "alt: Toy")
    root = make_site(tmp_path, {"a": text, "b": without_review(CLEAN)})
    assert [w.split(": warning")[0] for w in warnings_of(root)] == [
        f"{PATH}:1", f"{PATH}:11", "content/posts/b/index.md:1"]


# What the page drops (issue 18) -------------------------------------------------

UNSAFE_BODY = """\
Watch [the video](&#106;avascript:alert(document.domain)).

A chart from elsewhere: ![a chart](https://cdn.example/chart.png)
"""
SCRIPT = ("a javascript: address runs script in the reader's browser; link to a page instead (https://... or a path "
          "in the guide)")
ELSEWHERE = ("the browser would fetch it from another site as the page opens, which tells that site who reads the "
             "guide; save the file beside the post and give its relative path")


def test_dropped_addresses_are_reported_at_their_line_with_what_was_dropped_and_why(tmp_path: Path) -> None:
    text = CLEAN.replace("Tummy time is play on the tummy. Stay with your baby the whole time.\n", UNSAFE_BODY)
    text = text.replace("text: Hold a toy in front of your baby.",
                        'text: "Hold a [toy](java&Tab;script&colon;alert(1)){: onclick=alert(2) }."')
    text = text.replace("  - Builds neck strength", "  - Builds neck strength ([why](data:text/html,hi))")
    assert check_post(tmp_path, text) == [
        f"{PATH}:9: warning: steps[2].text: the attribute 'onclick' of <a> is removed from the page: event "
        "handlers, inline styles and srcdoc could run script or disguise the page; remove it from the attribute list",
        f"{PATH}:9: warning: steps[2].text: the link to 'javascript:alert(1)' is removed from the page: {SCRIPT}",
        f"{PATH}:13: warning: benefits[1]: the link to 'data:text/html,hi' is removed from the page: a data: "
        "address can hold a whole page with script in it; link to a page instead (https://... or a path in the guide)",
        f"{PATH}:21: warning: the link to 'javascript:alert(document.domain)' is removed from the page: {SCRIPT}",
        f"{PATH}:23: warning: the picture at 'https://cdn.example/chart.png' is removed from the page: {ELSEWHERE}",
    ]


def test_dropped_addresses_in_site_yaml_and_authors_yaml_are_reported_there(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"a": CLEAN, "b": CLEAN})
    config = (root / "site.yaml").read_text(encoding="utf-8")
    config = config.replace("disclaimer: General information, not medical advice.",
                            "disclaimer: '[Read this](vbscript:alert(1))'\n"
                            "affiliate_disclosure: 'We link to [shops](https://shop.example/).'")
    (root / "site.yaml").write_text(config, encoding="utf-8")
    bio = "team:\n  name: The team\n  bio: 'Our [site](JAVASCRIPT:alert(1))'\n"
    (root / "content/authors.yaml").write_text(bio, encoding="utf-8")
    assert warnings_of(root) == [
        f"content/authors.yaml:3: warning: team.bio: the link to 'JAVASCRIPT:alert(1)' is removed from the page: "
        f"{SCRIPT}",
        "site.yaml:5: warning: disclaimer: the link to 'vbscript:alert(1)' is removed from the page: a vbscript: "
        "address runs script in the reader's browser; link to a page instead (https://... or a path in the guide)",
    ]


def test_raw_html_elements_the_page_drops_are_reported(tmp_path: Path) -> None:
    frame = "Stay with your baby.\n\n<iframe src=\"https://v.example/\"></iframe>\n"
    root = make_site(tmp_path, {"a": CLEAN.replace("Stay with your baby the whole time.\n", frame), "b": CLEAN})
    with (root / "site.yaml").open("a", encoding="utf-8") as config:
        config.write("markdown: {raw_html: true}\n")
    assert warnings_of(root) == [
        f"{PATH}:23: warning: the raw HTML element <iframe> is removed from the page: only text, lists, tables, "
        "pictures and links are kept (no script, style, frame, form, object, SVG, base or meta element)"]


def test_a_paragraph_crowded_with_links_is_reported(tmp_path: Path) -> None:
    links = " ".join(f"[s{i}](https://example.com/{i})" for i in range(26))
    text = CLEAN.replace("Stay with your baby the whole time.\n", f"Stay with your baby.\n\nSources: {links}\n")
    assert check_post(tmp_path, text) == [
        f"{PATH}:23: warning: has 26 links (or '[') in one paragraph, more than a reader can follow; make them "
        "a list, one link per line starting with '- '"]


def test_a_paragraph_past_the_cap_is_told_it_loses_its_links(tmp_path: Path) -> None:
    links = " ".join(f"[s{i}](https://example.com/{i})" for i in range(101))
    text = CLEAN.replace("Stay with your baby the whole time.\n", f"Stay with your baby.\n\n{links}\n")
    warning = check_post(tmp_path, text)[-1]  # (after the reading level's)
    assert warning.endswith("has 101 links (or '[') in one paragraph, more than a reader can follow; make them a "
                            "list, one link per line starting with '- '. Above 100 a paragraph is shown as plain "
                            "text, without its links (Python-Markdown's time grows with links times length)")


def test_a_long_list_of_links_is_fine(tmp_path: Path) -> None:
    links = "\n".join(f"- [s{i}](https://example.com/{i})" for i in range(60))
    text = CLEAN.replace("Stay with your baby the whole time.\n", f"Stay with your baby.\n\n{links}\n")
    assert check_post(tmp_path, text) == []


# Emergency signs (issue 23) ---------------------------------------------------

@pytest.mark.parametrize("precaution, word", [
    ("Your baby's breathing changes.", "breathing"),
    ("Their lips turn pale or blue.", "lips"),
    ("Your baby chokes or gags.", "chokes"),
    ("Your baby has a seizure.", "seizure"),
    ("La respiración de su bebé cambia.", "respiración"),
])
def test_an_emergency_sign_listed_as_a_precaution_is_a_warning_at_its_line(
        tmp_path: Path, precaution: str, word: str) -> None:
    text = CLEAN.replace("  - Your baby is very tired.", f"  - Your baby is very tired.\n  - {precaution}")
    assert check_post(tmp_path, text) == [
        f"{PATH}:16: warning: precautions[2]: mentions '{word}': a sign like this is an emergency, not a "
        "reason to call the therapist later; move it to 'emergency_signs:', whose box says to call the "
        "emergency number now"]


def test_an_emergency_sign_in_emergency_signs_is_where_it_belongs(tmp_path: Path) -> None:
    text = CLEAN.replace("precautions:", "emergency_signs:\n  - Their lips turn blue.\nprecautions:")
    assert check_post(tmp_path, text) == []


# What Markdown makes of a text that its author did not mean (issue 22) -------------------------------

CODE = "so the page shows it as code (in a box, in a typewriter font); remove the {} at the start of its lines"
SHOWN_AS_TEXT = "is HTML, which this site shows as text (site.yaml's markdown: raw_html is off)"


@pytest.mark.parametrize("body, expected", [
    ("Intro.\n\n\tA tabbed paragraph.\n", [(23, f"this paragraph starts with a tab, {CODE.format('tab')}")]),
    ("Intro.\n\n    Four spaces.\n    More.\n",
     [(23, f"this paragraph starts with 4 spaces, {CODE.format('spaces')}")]),
    ("Do this:\n- Lie down\n- Roll\n", [(22, "this list starts on the line after the text above, so the page runs it "
                                          "into that paragraph; leave an empty line before the list")]),
    ("Steps:\n\n- Lie down\n  - Roll to the side\n- Sit\n",
     [(24, "this item is indented 2 spaces where the item above has 0, so the page shows it in the same list, not "
       "under that item; indent it 4 spaces more than the item above to put it under it, or line it up with it")]),
    ("Steps:\n\n1. Lie down\n2. Roll\n- Sit\n",
     [(25, "a '-' item right after numbered ones is joined to the item above; use the same kind of mark for every "
       "item, or leave an empty line between the two lists")]),
    ("Steps:\n\n- Lie down\n\n  Keep a hand on the chest.\n\n- Roll\n",
     [(25, "this paragraph is indented 2 spaces after a list, so the page ends the list above it; indent it 4 spaces "
       "to keep it in the item above, or not at all")]),
    ("## Why\n\nText.\n\n#### How\n\nMore.\n",
     [(25, "a level-4 heading ('####') after a level-2 one skips a level, which leaves screen-reader users wondering "
       "what they missed; make it '###'")]),
    ("### Why\n\nText.\n", [(21, "a level-3 heading ('###') after a level-1 one (the title) skips a level, which "
                             "leaves screen-reader users wondering what they missed; make it '##'")]),
])
def test_markdown_that_did_not_do_what_it_meant_is_a_warning_at_its_line(
        tmp_path: Path, body: str, expected: list[tuple[int, str]]) -> None:
    text = CLEAN.replace("Tummy time is play on the tummy. Stay with your baby the whole time.\n", body)
    assert check_post(tmp_path, text) == [f"{PATH}:{line}: warning: {message}" for line, message in expected]


def test_markdown_that_does_what_it_means_passes(tmp_path: Path) -> None:
    body = ("Intro.\n\n## Why\n\nText with a list:\n\n- one\n- two\n    - under two\n\n"
            "1. first\n\n    Still the first item.\n\n2. second\n\n### How\n\n# A title written as '#' (an h2)\n")
    text = CLEAN.replace("Tummy time is play on the tummy. Stay with your baby the whole time.\n", body)
    assert [w for w in check_post(tmp_path, text) if "reads at school grade" not in w] == []


def test_a_markdown_field_is_checked_too_at_its_key(tmp_path: Path) -> None:
    text = CLEAN.replace("reviewed_by:", "note:\n  title: Why\n  body: |\n    Do this:\n    - Lie down\n    - Roll\n"
                         "reviewed_by:")
    assert check_post(tmp_path, text) == [
        f"{PATH}:18: warning: note.body: this list starts on the line after the text above, so the page runs it "
        "into that paragraph; leave an empty line before the list"]


@pytest.mark.parametrize("html, line, instead", [
    ('<iframe width="560" height="315"\n src="https://www.youtube.com/embed/dQw4w9WgXcQ?start=30"></iframe>', 23,
     f"'<iframe ...>' {SHOWN_AS_TEXT}; delete it and give the video in the front "
     "matter: video: {youtube: https://youtu.be/dQw4w9WgXcQ?t=30, title: What the video shows}"),
    ('<iframe src="https://maps.example/embed?pb=1"></iframe>', 23, f"'<iframe ...>' {SHOWN_AS_TEXT}; delete it "
     "and link to the page instead: [what it shows](https://maps.example/embed?pb=1)"),
    ('A baby <img src="images/roll.jpg" alt="A baby rolls"> rolling.', 23, f"'<img ...>' {SHOWN_AS_TEXT}; write "
     "the picture in Markdown: ![A baby rolls](images/roll.jpg)"),
    ("Hold <b>gently</b>.", 23, f"'<b>' {SHOWN_AS_TEXT}; write **bold** in Markdown"),
    ("Line one<br>line two.", 23, f"'<br>' {SHOWN_AS_TEXT}; for a new line, end the line before with a backslash (\\); "
     "for a new paragraph, leave an empty line"),
    ("<h3>How</h3>", 23, f"'<h3>' {SHOWN_AS_TEXT}; write a heading in Markdown: a line starting with '### '"),
])
def test_raw_html_shown_as_text_is_a_warning_naming_what_to_write(tmp_path: Path, html: str, line: int,
                                                                   instead: str) -> None:
    text = CLEAN.replace("Stay with your baby the whole time.\n", f"Stay with your baby.\n\n{html}\n")
    assert check_post(tmp_path, text) == [f"{PATH}:{line}: warning: {instead}"]


def test_html_in_code_or_with_raw_html_on_is_not_shown_as_text(tmp_path: Path) -> None:
    body = "Stay with your baby.\n\nWrite `<b>` for bold, or `<br>`; a baby of <3 months; <https://example.org/>.\n"
    assert check_post(tmp_path, CLEAN.replace("Stay with your baby the whole time.\n", body)) == []
    (tmp_path / "on").mkdir()
    root = make_site(tmp_path / "on", {"a": CLEAN.replace("Stay with your baby the whole time.\n",
                                                          "Hold <b>gently</b>.\n")})
    with (root / "site.yaml").open("a", encoding="utf-8") as config:
        config.write("markdown: {raw_html: true}\n")
    assert warnings_of(root) == []


def test_raw_html_in_a_field_is_reported_at_its_key(tmp_path: Path) -> None:
    text = CLEAN.replace("text: Hold a toy in front of your baby.", "text: Hold a <i>red</i> toy up.")
    assert check_post(tmp_path, text) == [f"{PATH}:9: warning: steps[2].text: '<i>' {SHOWN_AS_TEXT}; write *italics* "
                                          "in Markdown"]


MARKDOWN_PIECES = st.sampled_from(list("ab \t\n#-*+1.<>/=`'\"") + ["<iframe src=", "<img ", "https://youtu.be/",
                                                                    "    ", "\n\n", "- ", "1. ", "## "])


@given(st.lists(MARKDOWN_PIECES, max_size=60).map("".join))
@settings(max_examples=500, deadline=None)
def test_any_markdown_gives_warnings_never_an_exception(source: str) -> None:
    found = lint.markdown_surprises(source, body=True) + lint.html_as_text(source)
    assert all(0 <= offset <= source.count("\n") for offset, _ in found)
