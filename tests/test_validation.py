"""Validation, one error class per row: the exact message, line and field an author sees.

The rows call the loader's functions directly (no CLI, no build); tests/invalid/ checks the same
messages end to end. A row's text is a post's front matter; lines count from the file's first
line ('---' is line 1, so the first field is line 2).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from backlying_site.load import frontmatter
from backlying_site.load import content
from backlying_site.load import schema as s
from backlying_site.load.config import load_config
from backlying_site.load.content import cross_check, load_authors, load_post, post_from_text, relative
from backlying_site.errors import Problem, SiteError
from backlying_site.model import AgeRange
from backlying_site.load.frontmatter import (MAX_DEPTH, decode_utf8, format_path, parse_document, parse_yaml,
                                        read_text, split_front_matter)

HEAD = """---
title: Tummy time
date: 2026-01-10
summary: Short sessions on the tummy build neck strength.
benefits:
  - Stronger neck and shoulders
steps:
  - text: Lay your baby on their tummy on a mat.
"""  # the next line written after HEAD is line 9
END = "---\nBody.\n"
EXAMPLE_NOTE = "write it on the same line after the ':' (quote it if it contains ': ' or starts with a symbol)"
ITEM_NOTE = "write it on the same line after the '- ' (quote it if it contains ': ' or starts with a symbol)"
SLUG_RULE = "use lowercase letters, digits and single hyphens (no spaces, '/' or '.')"
ALT_MISSING = "missing; describe what the photo shows for a reader who cannot see it"
TITLE_TOO_LONG = ("characters long, more than the 200 a title may have: it is the page's heading, the link in "
                  "search results and the words on the share images; keep it to the exercise's name and put the "
                  "rest in 'summary:'")
PAIR_ESCAPE = ("'\\ud83d\\udc76' is one character, 👶, written in two halves as JSON writes it (a surrogate pair), "
               "which YAML cannot read; write the character itself, or \\U0001F476 inside double quotes")
HALF_ESCAPE = ("is half of a character written as JSON writes it (a surrogate), which YAML cannot read; write the "
               "character itself, or its code as \\U and 8 digits inside double quotes (\\U0001F476 is 👶)")
CONTROL_FIX = ("delete it (it usually comes with text pasted from a PDF or another program: retype the words "
               "around it)")
COLON = "a ': ' inside a value not in quote marks starts a new field; put the whole value in quote marks"
APOSTROPHE = "closes the quote mark (') the value starts with; put the value in double quote marks instead"
NOT_YOUTUBE = ("is not a YouTube video; give its address as YouTube shows it (https://www.youtube.com/watch?v="
               "dQw4w9WgXcQ, https://youtu.be/dQw4w9WgXcQ from Share, https://www.youtube.com/shorts/dQw4w9WgXcQ) or "
               "its 11-character id (dQw4w9WgXcQ); a start time such as &t=30s is kept")


def post(extra: str = "", *, replace: tuple[str, str] | None = None) -> str:
    text = HEAD + extra + END
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    return text


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site folder with one real image and one video beside the post."""
    posts = tmp_path / "content" / "posts"
    (posts / "images").mkdir(parents=True)
    (posts / "images" / "step.jpg").write_bytes(b"not decoded by validation")
    (posts / "clip.mp4").write_bytes(b"")
    (posts / "clip.mov").write_bytes(b"")
    return tmp_path


def problems_of(text: str, root: Path, name: str = "x.md") -> list[tuple[int, str, str]]:
    result, problems = post_from_text(text, root / "content" / "posts" / name, root)
    assert (result is None) == bool(problems)
    return [(p.line, p.field, p.message) for p in sorted(problems)]


# --- one row per error class -----------------------------------------------------------------------

ROWS = [
    # file and front matter
    ("empty file", "", [(1, "", "the file is empty; a post starts with its fields between two '---' lines "
                         "(run `backlying-site new \"Title\"` for a filled-in example)")]),
    ("blank file", "\n  \n", [(1, "", "the file is empty; a post starts with its fields between two '---' lines "
                               "(run `backlying-site new \"Title\"` for a filled-in example)")]),
    ("no opening dashes", "title: x\n", [(1, "", "the file must start with a line of three dashes '---', then "
                                          "the post's fields (title, date, steps...), then another '---' line")]),
    ("no closing dashes", HEAD + "Body.\n", [(1, "", "the front matter opened with '---' on line 1 is never "
                                              "closed; add a line of three dashes '---' after the last field")]),
    # YAML
    ("tab indentation", post("age:\n\tfrom_months: 2\n"),
     [(10, "", "a tab character is used for indentation here; YAML needs spaces: write the line as "
       "`  from_months: 2`")]),
    ("tab indentation under a field", post("age:\n  from_months: 2\n\tto_months: 6\n"),
     [(11, "", "a tab character is used for indentation here; YAML needs spaces: write the line as "
       "`  to_months: 6`")]),
    ("colon in a value", post(replace=("title: Tummy time", "title: Tummy time: basics")),
     [(2, "", f"{COLON}: write the line as `title: \"Tummy time: basics\"`")]),
    ("colon in a step's text, with a comment", post(replace=("  - text: Lay your baby", "  - text: Note: lay your baby")
                                                    ).replace("on a mat.", "on a mat.  # why"),
     [(8, "", f"{COLON}: write the line as `  - text: \"Note: lay your baby on their tummy on a mat.\"  # why`")]),
    ("colon in a value with quote marks", post(replace=("title: Tummy time", 'title: Say "hi": a game')),
     [(2, "", f"{COLON}: write the line as `title: 'Say \"hi\": a game'`")]),
    ("line indented too far", post("age:\n  from_months: 2\n   to_months: 6\n"),
     [(11, "", "this line is read as a new field but is indented differently from the field above; line it "
       "up with the fields around it, or, if it continues the text above, put that whole text in double "
       "quotes")]),
    ("quote never closed", post(replace=("title: Tummy time", "title: 'Tummy time")),
     [(2, "", "the quote mark (') that starts this value is never closed; end the value with the same quote mark: "
       "write the line as `title: 'Tummy time'`")]),
    ("quote never closed, until another value's", post(replace=("title: Tummy time", 'title: "Tummy time'),
                                                        ).replace("summary: Short", 'summary: "Short"'),
     [(2, "", "the quote mark (\") that starts this value is never closed; end the value with the same quote mark: "
       "write the line as `title: \"Tummy time\"`")]),
    ("quote never closed, at the end", post('helps_with:\n  - "Rolling\n'),
     [(10, "", "the quote mark (\") that starts this value is never closed; end the value with the same quote mark: "
       "write the line as `  - \"Rolling\"`")]),
    ("apostrophe in single quote marks", post(replace=("title: Tummy time", "title: 'Baby's first roll'")),
     [(2, "", f"the apostrophe in Baby's {APOSTROPHE}: write the line as `title: \"Baby's first roll\"`")]),
    ("apostrophe in single quote marks never closed", post(replace=("title: Tummy time", "title: 'Baby's roll")),
     [(2, "", f"the apostrophe in Baby's {APOSTROPHE}: write the line as `title: \"Baby's roll\"`")]),
    ("apostrophe in a list item", post("benefits:\n  - 'Your baby's hands meet'\n",
                                       replace=("benefits:\n  - Stronger neck and shoulders\n", "")),
     [(8, "", f"the apostrophe in baby's {APOSTROPHE}: write the line as `  - \"Your baby's hands meet\"`")]),
    ("apostrophe in a one-line list", post("helps_with: [Rolling, 'Baby's grip']\n"),
     [(9, "", f"the apostrophe in Baby's {APOSTROPHE}: write the line as `helps_with: [Rolling, \"Baby's grip\"]`")]),
    ("apostrophe and double quote marks", post(replace=("title: Tummy time", "title: 'Baby's \"big\" roll'")),
     [(2, "", "the apostrophe in Baby's closes the quote mark (') the value starts with; inside single quote marks, "
       "write each apostrophe twice (''): write the line as `title: 'Baby''s \"big\" roll'`")]),
    ("text after a quoted value", post(replace=("summary: Short sessions on the tummy build neck strength.",
                                                'summary: "Tummy time" builds strength')),
     [(4, "", "the value goes on after the quoted \"Tummy time\"; to keep those quote marks in the text, put the "
       "whole value in the other kind: write the line as `summary: '\"Tummy time\" builds strength'`")]),
    ("a quote in a block of text is no mistake", post("note:\n  title: N\n  body: |\n    'Baby's' words\n"
                                                      "   bad: 1\n"),
     [(13, "", "the indentation is off here; line up this field with the ones around it, using spaces")]),
    ("emoji as a JSON surrogate pair", post(replace=("title: Tummy time", 'title: "Tummy time \\ud83d\\udc76"')),
     [(2, "", PAIR_ESCAPE)]),
    ("half a surrogate pair, on a later line", post(replace=("title: Tummy time", 'title: "Tummy\n  time \\uD83D"')),
     [(3, "", f"'\\uD83D' {HALF_ESCAPE}")]),
    ("escape past the last character", post(replace=("title: Tummy time", 'title: "\\U00110000"')),
     [(2, "", "'\\U00110000' is not a character (the last one is \\U0010FFFF); write the character itself")]),
    ("list not lined up", post("tags:\n  - a\n - b\n"),
     [(11, "", "the indentation is off here; line up this field with the ones around it, using spaces")]),
    ("duplicate key", post("title: Again\n"), [(9, "title", "'title' is given twice; keep one of them")]),
    ("alias", post("equipment: &e [mat]\nplay_ideas: *e\n"),
     [(10, "play_ideas", "anchors and aliases ('&name', '*name') are not allowed; write the value out in "
       "full")]),
    ("key that is a list", post("[a, b]: 1\n"), [(9, "", "a key must be a plain word followed by ':'")]),
    ("too deep", post("note: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"),
     [(9, "note", f"nested more than {MAX_DEPTH} levels deep; no field of a post needs that many levels, "
       "check the indentation")]),
    ("top level is a list", "---\n- a\n- b\n" + END,
     [(2, "", "the fields must be 'key: value' lines (like 'title: Tummy time'), not a list or a single "
       "value")]),
    ("top level is text", "---\njust words\n" + END,
     [(2, "", "the fields must be 'key: value' lines (like 'title: Tummy time'), not a list or a single "
       "value")]),
    # the content model
    ("required field missing", post(replace=("title: Tummy time\n", "")),
     [(2, "title", "missing; add 'title:' with the exercise's name")]),
    ("required field empty", post(replace=("title: Tummy time", "title:")),
     [(2, "title", "is empty; add 'title:' with the exercise's name")]),
    ("text that is blank", post(replace=("title: Tummy time", "title: '  '")),
     [(2, "title", "is empty; write the exercise's name after the ':'")]),
    ("title over 200 characters", post(replace=("title: Tummy time", "title: " + "Tummy time " * 20)),
     [(2, "title", f"is 219 {TITLE_TOO_LONG}")]),
    ("text given a list", post(replace=("title: Tummy time", "title: [a, b]")),
     [(2, "title", f"expected the exercise's name, got a list; {EXAMPLE_NOTE}")]),
    ("text given a group", post(replace=("title: Tummy time", "title:\n  a: b")),
     [(2, "title", f"expected the exercise's name, got a group of fields; {EXAMPLE_NOTE}")]),
    ("text given yes/no", post(replace=("title: Tummy time", "title: no")),
     [(2, "title", "expected the exercise's name, got a yes/no value (YAML reads yes, no, true, false, on and "
       "off that way); if you meant the word, put it in double quotes")]),
    ("list item of the wrong kind", post("helps_with:\n  - [a, b]\n"),
     [(10, "helps_with[1]", f"expected a skill, got a list; {ITEM_NOTE}")]),
    ("list item empty", post("precautions:\n  -\n"),
     [(10, "precautions[1]", f"expected a precaution, got nothing; {ITEM_NOTE}")]),
    ("date that does not exist", post(replace=("date: 2026-01-10", "date: 2026-02-30")),
     [(3, "date", "'2026-02-30' is not a real date; write it as YYYY-MM-DD, for example 2026-03-14")]),
    ("quoted date that does not exist", post(replace=("date: 2026-01-10", "date: '2026-04-31'")),
     [(3, "date", "'2026-04-31' is not a real date; write it as YYYY-MM-DD, for example 2026-03-14")]),
    ("date as words", post(replace=("date: 2026-01-10", "date: soon")),
     [(3, "date", "expected a date written as YYYY-MM-DD (for example 2026-03-14), got text 'soon'")]),
    ("date as a number", post(replace=("date: 2026-01-10", "date: 2026")),
     [(3, "date", "expected a date written as YYYY-MM-DD (for example 2026-03-14), got the number 2026")]),
    ("list given a group", post(replace=("  - Stronger neck and shoulders", "  neck: stronger")),
     [(5, "benefits", "expected a list of benefits, got a group of fields; put each item on its own line, "
       "starting with '- '")]),
    ("list that must not be empty", post(replace=("steps:\n  - text: Lay your baby on their tummy on a mat.",
                                                  "steps: []")),
     [(7, "steps", "is empty; add steps below it, each on its own line starting with '- '")]),
    ("group given text", post("note: Hamstrings lengthen.\n"),
     [(9, "note", "expected a note (indented 'key: value' lines below it), got text 'Hamstrings lengthen.'")]),
    ("group missing a required key", post("reviewed_by:\n  credentials: PT\n"),
     [(9, "reviewed_by.name", "missing; add 'name:' with the reviewer's name")]),
    ("step image without alt", post("  - text: Two\n    image: images/step.jpg\n"),
     [(10, "steps[2].alt", ALT_MISSING)]),
    ("hero image without alt", post("hero:\n  image: images/step.jpg\n"), [(10, "hero.alt", ALT_MISSING)]),
    ("whole number given text", post("age:\n  from_months: two\n"),
     [(10, "age.from_months", "expected a whole number such as 3, got text 'two'")]),
    ("whole number given a fraction", post("dosage:\n  reps: 2.5\n"),
     [(10, "dosage.reps", "expected a whole number such as 3, got the number 2.5")]),
    ("whole number out of range", post("dosage:\n  minutes: -3\n"),
     [(10, "dosage.minutes", "-3 is out of range; use a whole number from 1 to 1000")]),
    ("yes/no given text", post("draft: maybe\n"), [(9, "draft", "expected true or false, got text 'maybe'")]),
    ("age range reversed", post("age:\n  from_months: 6\n  to_months: 2\n"),
     [(9, "age", "from_months (6) is after to_months (2); swap them")]),
    ("age range empty", post("age:\n  corrected: true\n"), [(9, "age", "give from_months, to_months or both")]),
    ("slug with a slash", post("slug: a/b\n"),
     [(9, "slug", f"'a/b' is not a valid slug; {SLUG_RULE}, for example 'a-b'")]),
    ("slug with dots", post("slug: ..\n"),
     [(9, "slug", f"'..' is not a valid slug; {SLUG_RULE}, for example 'tummy-time'")]),
    ("slug with a space", post("slug: tummy time\n"),
     [(9, "slug", f"'tummy time' is not a valid slug; {SLUG_RULE}, for example 'tummy-time'")]),
    ("slug in capitals", post("slug: Tummy\n"), [(9, "slug", f"'Tummy' is not a valid slug; {SLUG_RULE}, "
                                                  "for example 'tummy'")]),
    ("tag without a letter an address can use", post("tags: [play, 👶]\n"),
     [(9, "tags[2]", "'👶' has no letter or digit a web address can use; write the tag with letters a to z or "
       "digits, for example 'Tummy time'")]),
    ("tags given a group", post("tags:\n  play: yes\n"),
     [(9, "tags", "expected a list of tags, got a group of fields; write them as tags: [Tummy time, Play], or one "
       "per line starting with '- '")]),
    ("script address", post("sources:\n  - title: A\n    url: javascript:alert(1)\n"),
     [(11, "sources[1].url", "'javascript:alert(1)' is not a web address; write it in full, starting with "
       "https://")]),
    ("video of another site", post("video:\n  title: V\n  youtube: https://vimeo.com/76979871\n"),
     [(11, "video.youtube", f"'https://vimeo.com/76979871' {NOT_YOUTUBE}")]),
    ("youtube address of no video", post("video:\n  title: V\n  youtube: https://youtu.be/x\n"),
     [(11, "video.youtube", "'https://youtu.be/x' is a YouTube address without a video's 11-character id (a "
       "playlist, a channel, or cut short?); open the video and copy its address, such as "
       "https://youtu.be/dQw4w9WgXcQ")]),
    ("youtube start time unreadable", post("video:\n  title: V\n  youtube: https://youtu.be/dQw4w9WgXcQ?t=soon\n"),
     [(11, "video.youtube", "'https://youtu.be/dQw4w9WgXcQ?t=soon' has a start time YouTube cannot read ('soon'); "
       "write it in seconds, or minutes and seconds, such as t=65 or t=1m5s")]),
    ("youtube given a list", post("video:\n  title: V\n  youtube: [a]\n"),
     [(11, "video.youtube", "expected a YouTube video's address, got a list; write it on the same line after "
       "'youtube:', such as youtube: https://youtu.be/dQw4w9WgXcQ")]),
    ("video with youtube and file", post("video:\n  title: V\n  youtube: dQw4w9WgXcQ\n  file: clip.mp4\n"),
     [(9, "video", "give either 'youtube:' (the video's address) or 'file:' (a video in the post's folder), not "
       "both or neither")]),
    ("video file of another kind", post("video:\n  title: V\n  file: clip.mov\n"),
     [(11, "video.file", "'clip.mov' is not a web video; use an .mp4 or .webm file")]),
    ("unknown key, close to a known one", post(replace=("benefits:", "benifits:")),
     [(5, "benifits", "unknown field 'benifits'; did you mean 'benefits'?")]),
    ("unknown key", post("colour: blue\n"),
     [(9, "colour", "unknown field 'colour'; the fields allowed here are: adapted_from, age, author, benefits, "
       "date, disclaimer, dosage, draft, emergency_signs, equipment, helps_with, hero, note, play_ideas, "
       "precautions, reviewed_by, slug, sources, steps, summary, tags, title, updated, video")]),
    ("unknown key in a step", post("    captoin: x\n"),
     [(9, "steps[1].captoin", "unknown field 'captoin'; did you mean 'caption'?")]),
    # file paths
    ("image missing", post("  - text: Two\n    image: images/nope.jpg\n    alt: A\n"),
     [(10, "steps[2].image", "'images/nope.jpg' not found (looked for content/posts/images/nope.jpg); check "
       "the spelling (capital letters count) and that the file is there")]),
    ("image outside the content folder", post("  - text: Two\n    image: ../../../etc/passwd\n    alt: A\n"),
     [(10, "steps[2].image", "'../../../etc/passwd' points outside the content folder; keep an image in the "
       "post's folder and give a path such as images/step-1.jpg")]),
    ("image with an absolute path", post("  - text: Two\n    image: /etc/passwd\n    alt: A\n"),
     [(10, "steps[2].image", "'/etc/passwd' is an absolute path; give the path relative to the post's folder, "
       "such as images/step-1.jpg")]),
    ("image as a web address", post("  - text: Two\n    image: //cdn.example.org/a.jpg\n    alt: A\n"),
     [(10, "steps[2].image", "'//cdn.example.org/a.jpg' is a web address; an image must be a file in the "
       "post's folder (download it and give its path, such as images/step-1.jpg)")]),
    ("image that is a folder", post("  - text: Two\n    image: images\n    alt: A\n"),
     [(10, "steps[2].image", "'images' is a folder; give the path of the file inside it, such as "
       "images/step-1.jpg")]),
    ("image path with a NUL byte", post("  - text: Two\n    image: \"a\\0b.jpg\"\n    alt: A\n"),
     [(10, "steps[2].image", "'a\\x00b.jpg' cannot be a file name; give a path such as images/step-1.jpg")]),
]


@pytest.mark.parametrize("text, expected", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_each_error_class_has_its_message_and_line(text: str, expected: list[tuple[int, str, str]],
                                                   site: Path) -> None:
    assert problems_of(text, site) == expected


def test_a_valid_post_loads_into_the_model(site: Path) -> None:
    text = post("  - text: Two\n    image: images/step.jpg\n    alt: A towel.\ntags: [play]\n"
                "age:\n  from_months: 0\n  to_months: 6\nslug: 2024\n")
    result, problems = post_from_text(text, site / "content/posts/x.md", site)
    assert problems == []
    assert result is not None
    assert (result.slug, result.date, result.tags, result.age) == ("2024", dt.date(2026, 1, 10), ("play",),
                                                                   AgeRange(from_months=0, to_months=6))
    assert result.hero is result.steps[1].image
    assert (result.hero.alt, result.hero.line, result.hero.field) == ("A towel.", 10, "steps[2].image")
    assert result.body == "Body.\n" and result.body_line == 18


def test_a_bad_value_does_not_hide_the_other_problems(site: Path) -> None:
    text = post("dosage:\n  minutes: 0\n", replace=("date: 2026-01-10", "date: 2026-02-30"))
    assert problems_of(text, site) == [
        (3, "date", "'2026-02-30' is not a real date; write it as YYYY-MM-DD, for example 2026-03-14"),
        (10, "dosage.minutes", "0 is out of range; use a whole number from 1 to 1000"),
    ]


def test_a_billion_laughs_bomb_gives_one_line_and_no_expansion(site: Path) -> None:
    rows = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 30))
    text = post("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + rows)
    assert problems_of(text, site) == [
        (10, "l1[1]", "anchors and aliases ('&name', '*name') are not allowed; write the value out in full")]


def test_a_title_of_200_characters_is_accepted(site: Path) -> None:
    assert problems_of(post(replace=("title: Tummy time", "title: " + "x" * 200)), site) == []


def test_a_surrogate_pair_from_pure_python_yaml_is_named_too(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML without libyaml reads the escape into half characters that no page could be written with."""
    monkeypatch.setattr(frontmatter, "_Loader", type("PureLoader", (yaml.SafeLoader,), {}))
    text = post(replace=("title: Tummy time", 'title: "Tummy time \\ud83d\\udc76"'))
    assert problems_of(text, site) == [(2, "title", PAIR_ESCAPE)]
    text = post("helps_with:\n  - \"\\udc76 crawling\"\n")
    assert problems_of(text, site) == [(10, "helps_with[1]", f"'\\udc76' {HALF_ESCAPE}")]


def test_a_file_name_that_is_no_slug(site: Path) -> None:
    assert problems_of(post(), site, name="Tummy Time.md") == [
        (1, "slug", "the file name 'Tummy Time' cannot be a web address; rename the file to 'tummy-time' or "
         "add 'slug: tummy-time'")]
    assert problems_of(post("slug: tummy-time\n"), site, name="Tummy Time.md") == []


# --- reading files --------------------------------------------------------------------------------------


def test_latin1_names_the_line_of_the_first_bad_byte() -> None:
    text, problems = decode_utf8("---\ntitle: Caf\xe9\n".encode("latin-1"), "x.md")
    assert text is None
    assert problems == [Problem("x.md", 2, "", "the file is not UTF-8 (byte 0xE9 here); save it as UTF-8 in "
                                "your editor (\"Save with encoding\" > UTF-8)")]


def test_a_byte_order_mark_and_windows_line_endings_are_accepted() -> None:
    assert decode_utf8(b"\xef\xbb\xbf---\r\ntitle: x\r\n", "x.md") == ("---\ntitle: x\n", [])


@pytest.mark.parametrize("raw, line, message", [
    (b"---\ntitle: x\n---\nBefore\x00after.\n", 4, f"an invisible control character (0x00, NUL) is at character 7 "
     f"of this line; {CONTROL_FIX}"),
    (b"---\r\ntitle: x\r\n---\r\n\x1b[1mBold\x1b[0m\r\n", 4, "an invisible control character (0x1B, escape) is at "
     f"character 1 of this line (and 1 more in the file); {CONTROL_FIX}"),
    (b"---\ntitle: \"a\x07b\"\n", 2, f"an invisible control character (0x07) is at character 10 of this line; "
     f"{CONTROL_FIX}"),
    (b"---\n\x0c\n", 2, f"an invisible control character (0x0C, form feed) is at character 1 of this line; "
     f"{CONTROL_FIX}"),
])
def test_a_control_character_anywhere_is_refused_at_its_line(raw: bytes, line: int, message: str) -> None:
    assert decode_utf8(raw, "x.md") == (None, [Problem("x.md", line, "", message)])


def test_tabs_and_every_kind_of_line_end_are_not_control_characters() -> None:
    assert decode_utf8(b"---\ttitle\r\nx\ry\n", "x.md") == ("---\ttitle\nx\ny\n", [])


def test_a_nul_in_a_posts_body_stops_the_post_at_its_line(site: Path) -> None:
    path = site / "content/posts/x.md"
    path.write_bytes(post().replace("Body.", "Bo\x00dy.").encode())
    assert load_post(path, site) == (None, [Problem("content/posts/x.md", 10, "", "an invisible control character "
                                                    f"(0x00, NUL) is at character 3 of this line; {CONTROL_FIX}")])


def test_a_file_over_the_limit_is_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_bytes(b"x" * 2_500_000)
    assert read_text(path, "big.md") == (None, [Problem(
        "big.md", 0, "", "the file is 2.5 MB, more than the 1 MB a text file here may have; split it into "
        "shorter posts, and keep pictures and videos as separate files")])


def test_an_unreadable_file_says_so(tmp_path: Path) -> None:
    text, problems = read_text(tmp_path / "nope.md", "nope.md")
    assert text is None
    assert [(p.line, p.message) for p in problems] == [
        (0, "cannot be read; check that the file exists and is readable")]


def test_a_post_linked_from_outside_is_refused_before_reading(tmp_path: Path) -> None:
    (tmp_path / "content/posts").mkdir(parents=True)
    outside = tmp_path / "outside.md"
    outside.write_text(post(), encoding="utf-8")
    (tmp_path / "content/posts/x.md").symlink_to(outside)
    result, problems = load_post(tmp_path / "content/posts/x.md", tmp_path)
    assert result is None
    assert problems == [Problem("content/posts/x.md", 0, "", f"is a link to {outside}, outside the content "
                                "folder; copy the file into content/ instead of linking it")]


# --- front matter and YAML helpers ---------------------------------------------------------------------------


def test_lines_are_the_file_lines_of_each_key() -> None:
    doc = parse_document(post("age:\n  from_months: 2\n"), "x.md")
    assert doc.problems == []
    assert doc.line_of(("title",)) == 2
    assert doc.line_of(("steps", 0, "text")) == 8
    assert doc.line_of(("age", "from_months")) == 10
    assert doc.line_of(("age", "to_months")) == 9  # absent: its parent's line
    assert doc.line_of(("nowhere",)) == 2


def test_a_body_may_contain_dashes_and_the_closing_fence_may_be_dots() -> None:
    assert split_front_matter("---\na: 1\n...\nText\n---\nMore\n", "x.md") == ("a: 1", "Text\n---\nMore\n", 4)


@pytest.mark.parametrize("path, text", [
    ((), ""), (("steps", 1, "alt"), "steps[2].alt"), (("tags", 0), "tags[1]"), (("a", "b"), "a.b"),
])
def test_format_path_counts_positions_from_one(path: tuple, text: str) -> None:
    assert format_path(path) == text


def test_parse_yaml_leaves_the_shape_to_the_caller() -> None:
    assert parse_yaml("- a\n- b\n", "x.yaml") == (["a", "b"], {(): 1, (0,): 1, (1,): 2}, [])
    assert parse_yaml("", "x.yaml") == ({}, {(): 1}, [])


# --- schema helpers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, words", [
    (None, "nothing"), ([1], "a list"), ({"a": 1}, "a group of fields"), (3, "the number 3"),
    (dt.date(2026, 1, 2), "the date 2026-01-02"), ("x" * 50, "text '" + "x" * 37 + "...'"),
    (True, "a yes/no value (YAML reads yes, no, true, false, on and off that way)"),
])
def test_describe_says_what_the_author_wrote(value: object, words: str) -> None:
    assert s.describe(value) == words


@pytest.mark.parametrize("title, slug", [
    ("Back-lying position (0–6 m)!", "back-lying-position-0-6-m"), ("Tummy  time", "tummy-time"),
    ("Crème brûlée", "creme-brulee"), ("---", ""), ("", ""), ("日本語", ""), ("a" * 100, "a" * 80),
])
def test_make_slug(title: str, slug: str) -> None:
    assert s.make_slug(title) == slug


def test_unknown_key_suggestions() -> None:
    fields = {"benefits": None, "steps": None}
    assert s.unknown_key_message("benifits", fields) == "unknown field 'benifits'; did you mean 'benefits'?"
    assert s.unknown_key_message("zzz", fields) == ("unknown field 'zzz'; the fields allowed here are: "
                                                    "benefits, steps")


# --- site.yaml, authors.yaml and the whole site ---------------------------------------------------------

SITE = ("title: T\ndescription: D\nbase_url: https://example.org/guide\nauthor: team\n"
        "disclaimer: Not medical advice.\n")


def test_site_yaml_missing(tmp_path: Path) -> None:
    config, problems = load_config(tmp_path)
    assert config is None
    assert [(p.path, p.line, p.message) for p in problems] == [
        ("site.yaml", 0, f"not found in {tmp_path}; a site folder needs a site.yaml (see the README, or pass "
         "--source with the site's folder)")]


@pytest.mark.parametrize("text, expected", [
    (SITE.replace("disclaimer: Not medical advice.\n", ""),
     (1, "disclaimer", "missing; add 'disclaimer:' with the medical disclaimer every exercise page shows")),
    (SITE + "language: english\n", (6, "language", "'english' is not a language code; use one such as en, "
                                    "en-GB or fr")),
    (SITE + "images:\n  formats: [gif]\n", (7, "images.formats[1]", "'gif' is not an image format the site can "
                                           "make; use avif and/or webp (a JPEG or PNG fallback is always made)")),
    (SITE + "images:\n  widths: []\n", (7, "images.widths", "is empty; add widths in pixels below it, each on "
                                        "its own line starting with '- '")),
    ("- a\n", (1, "", "site.yaml must be 'key: value' lines, like 'title: Little Movers', not a list or a "
               "single value")),
    (SITE.replace("title: T", "title: " + "Little Movers " * 15), (1, "title", "is 209 characters long, more than "
     "the 200 a title may have: it is the guide's name at the top of every page and on every share image; keep it "
     "to the name and put the rest in 'description:'")),
    (SITE.replace("description: D", "description: \x00D"), (2, "", "an invisible control character (0x00, NUL) is "
     f"at character 14 of this line; {CONTROL_FIX}")),
])
def test_site_yaml_problems(text: str, expected: tuple[int, str, str], tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    config, problems = load_config(tmp_path)
    assert config is None
    assert [(p.line, p.field, p.message) for p in problems] == [expected]


def test_site_yaml_base_url_is_normalised(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(SITE, encoding="utf-8")
    config, problems = load_config(tmp_path)
    assert problems == [] and config is not None
    assert (config.base_url, config.base_path, config.language) == ("https://example.org/guide/", "/guide/", "en")


@pytest.mark.parametrize("text, expected", [
    ("team:\n  bio: x\n", [(1, "team.name", "missing; add 'name:' with the author's name")]),
    ("Team:\n  name: X\n", [(1, "Team", f"'Team' is not a valid author key; {SLUG_RULE}, for example 'team'")]),
    ("team: Jane\n", [(1, "team", "expected an author (indented 'key: value' lines below it), got text "
                       "'Jane'")]),
    ("- team\n", [(1, "", "authors.yaml must map each author's key to their fields, like 'jane:' followed by "
                   "an indented line 'name: Jane Doe'")]),
    ("team:\n  name: X\n  url: ftp://x\n", [(3, "team.url", "'ftp://x' is not a web address; write it in "
                                              "full, starting with https://")]),
    ("team:\n  name: X\n  bio: \"\x1b\"\n", [(3, "", "an invisible control character (0x1B, escape) is at "
                                              f"character 9 of this line; {CONTROL_FIX}")]),
])
def test_authors_yaml_problems(text: str, expected: list[tuple[int, str, str]], tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/authors.yaml").write_text(text, encoding="utf-8")
    _, problems = load_authors(tmp_path)
    assert [(p.line, p.field, p.message) for p in problems] == expected
    assert all(p.path == "content/authors.yaml" for p in problems)


def _posts(site: Path, *texts: tuple[str, str]) -> list:
    loaded = []
    for name, text in texts:
        result, problems = post_from_text(text, site / "content/posts" / name, site)
        assert problems == []
        loaded.append(result)
    return loaded


def _config(tmp_path: Path, author: str = "team"):
    (tmp_path / "site.yaml").write_text(SITE.replace("author: team", f"author: {author}"), encoding="utf-8")
    config, problems = load_config(tmp_path)
    assert problems == []
    return config


def test_two_posts_with_one_slug(site: Path) -> None:
    posts = _posts(site, ("a.md", post("slug: same\n")), ("b.md", post("slug: same\n")), ("same.md", post()))
    authors = {"team": object()}
    problems = cross_check(posts, authors, _config(site))
    assert [(p.path, p.line, p.field, p.message) for p in problems] == [
        ("content/posts/b.md", 9, "slug", "'same' is already used by content/posts/a.md; two posts cannot share "
         "an address: give one of them another 'slug:'"),
        ("content/posts/same.md", 1, "slug", "'same' (made from the file name) is already used by "
         "content/posts/a.md; two posts cannot share an address: give one of them another 'slug:'"),
    ]


def test_unknown_author_and_missing_default_author(site: Path) -> None:
    posts = _posts(site, ("a.md", post("author: jane\n")), ("b.md", post()))
    problems = cross_check(posts, {"team": object()}, _config(site))
    assert [(p.path, p.line, p.field, p.message) for p in problems] == [
        ("content/posts/a.md", 9, "author", "unknown author 'jane'; add it to content/authors.yaml (known "
         "authors: team)")]
    problems = cross_check(posts, {"jane": object()}, _config(site, author="nobody"))
    assert [(p.path, p.line, p.field, p.message) for p in problems] == [
        ("site.yaml", 0, "author", "the default author 'nobody' is not in content/authors.yaml (known authors: "
         "jane); add them there or change 'author:' in site.yaml")]


# --- how problems are printed ----------------------------------------------------------------------------------


def test_problem_format() -> None:
    assert Problem("a.md", 3, "steps[2].alt", "missing").format() == "a.md:3: steps[2].alt: missing"
    assert Problem("a.md", 0, "", "too big").format() == "a.md: too big"
    assert Problem("a.md", 2, "", "bad", reason="why").format() == "a.md:2: bad\n    Reason: why"
    assert Problem("a.md", 2, "", "bad", severity="warning").format(with_severity=True) == "a.md:2: warning: bad"


def test_site_error_lists_problems_in_file_and_line_order() -> None:
    error = SiteError([Problem("b.md", 1, "", "x"), Problem("a.md", 10, "", "y"), Problem("a.md", 2, "", "z")])
    assert str(error) == "a.md:2: z\na.md:10: y\nb.md:1: x"


@pytest.mark.parametrize("path, root", [
    ("/site/content/posts/a.md", "/site"), ("/site/content/posts/a/index.md", "/site/"), ("/site2/a.md", "/site"),
    ("/site/../x/a.md", "/site"), ("/a.md", "/"), ("/site", "/site"), ("relative/a.md", "relative"),
])
def test_a_posts_relative_path_is_what_pathlib_says(path: str, root: str) -> None:
    """content.relative works on the paths' texts (pathlib's relative_to was ~5 us, three times a post)."""
    try:
        expected: str | type = Path(path).relative_to(Path(root)).as_posix()
    except ValueError:
        expected = ValueError
    try:
        found: str | type = relative(Path(path), Path(root))
    except ValueError:
        found = ValueError
    assert found == expected


# --- forgiving forms (issue 22) --------------------------------------------------------------------------------


@pytest.mark.parametrize("written, start", [
    ("dQw4w9WgXcQ", 0),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", 0),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=30s", 30),
    ("https://www.youtube.com/watch?app=desktop&v=dQw4w9WgXcQ&list=PL1&index=2", 0),
    ("www.youtube.com/watch?v=dQw4w9WgXcQ", 0),
    ("https://youtu.be/dQw4w9WgXcQ", 0),
    ("https://youtu.be/dQw4w9WgXcQ?si=Ab12&t=65", 65),
    ("youtu.be/dQw4w9WgXcQ?t=1m5s", 65),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", 0),
    ("https://www.youtube.com/embed/dQw4w9WgXcQ?start=65", 65),
    ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", 0),
    ("https://m.youtube.com/watch?v=dQw4w9WgXcQ#t=1h2m3s", 3723),
    ("https://music.youtube.com/watch?v=dQw4w9WgXcQ", 0),
    ("https://www.youtube.com/live/dQw4w9WgXcQ", 0),
    ('<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=x&amp;start=12" '
     'title="YouTube video player" allowfullscreen></iframe>', 12),
])
def test_a_youtube_video_may_be_given_by_any_of_its_addresses(written: str, start: int, site: Path) -> None:
    text = post(f"video:\n  title: V\n  youtube: '{written}'\n")
    result, problems = post_from_text(text, site / "content/posts/x.md", site)
    assert problems == [] and result is not None and result.video is not None
    assert (result.video.youtube, result.video.start) == ("dQw4w9WgXcQ", start)


@pytest.mark.parametrize("written", ["https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
                                     "https://evil.example/?u=youtube.com/watch?v=dQw4w9WgXcQ",
                                     "javascript:alert(1)//youtube.com", "ftp://youtube.com/watch?v=dQw4w9WgXcQ"])
def test_an_address_that_only_looks_like_youtube_is_not_taken(written: str, site: Path) -> None:
    assert problems_of(post(f"video:\n  title: V\n  youtube: '{written}'\n"), site) == [
        (11, "video.youtube", f"{s.quoted(written, 80)} {NOT_YOUTUBE}")]


@pytest.mark.parametrize("written, slugs, labels", [
    ("[Tummy time]", ("tummy-time",), ("Tummy time",)),
    ("play, rolling", ("play", "rolling"), ("play", "rolling")),
    ("[hamstrings, cerebral-palsy]", ("hamstrings", "cerebral-palsy"), ("hamstrings", "cerebral palsy")),
    ("[Parálisis cerebral]", ("paralisis-cerebral",), ("Parálisis cerebral",)),
    ("['Tummy  time', tummy-time, Tummy Time]", ("tummy-time",), ("Tummy time", "tummy time", "Tummy Time")),
    ("Play", ("play",), ("Play",)),
    ("[2024]", ("2024",), ("2024",)),
])
def test_tags_keep_their_words_and_get_an_address(written: str, slugs: tuple, labels: tuple, site: Path) -> None:
    result, problems = post_from_text(post(f"tags: {written}\n"), site / "content/posts/x.md", site)
    assert problems == [] and result is not None
    assert (result.tags, result.tag_labels) == (slugs, labels)


def test_a_tag_written_two_ways_is_one_topic_with_a_warning_naming_both(site: Path) -> None:
    posts = _posts(site, ("a.md", post("tags: [Tummy time, play]\n")), ("b.md", post("tags: [tummy-time]\n")),
                   ("c.md", post("tags: [Play, play]\n")))
    problems = cross_check(posts, {"team": object()}, _config(site))
    assert [p.format(with_severity=True) for p in problems] == [
        "content/posts/b.md:9: warning: tags: 'tummy time' and 'Tummy time' (in content/posts/a.md) are one topic, "
        "/tags/tummy-time/, shown as 'Tummy time'; write it the same way everywhere",
        "content/posts/c.md:9: warning: tags: 'Play' and 'play' (in content/posts/a.md) are one topic, /tags/play/, "
        "shown as 'play'; write it the same way everywhere",
    ]
    site_of = content.assemble(site, _config(site), posts, {}, dt.date(2026, 5, 1), drafts=False)
    assert site_of.tag_labels == {"play": "play", "tummy-time": "Tummy time"}
    assert site_of.posts[0].tags == ("play",)  # c.md: its two ways are one tag


def test_problems_of_a_post_that_is_not_published_are_warnings(site: Path) -> None:
    posts = _posts(site, ("a.md", post("author: jane\nslug: same\n")), ("b.md", post("slug: same\ndraft: true\n")),
                   ("c.md", post("author: bob\ndraft: true\n")))
    published = lambda p: not p.draft  # noqa: E731
    assert [p.format(with_severity=True) for p in cross_check(posts, {"team": object()}, _config(site), published)] == [
        "content/posts/a.md:9: error: author: unknown author 'jane'; add it to content/authors.yaml (known authors: "
        "team)",
        "content/posts/b.md:9: warning: slug: 'same' is already used by content/posts/a.md; two posts cannot share an "
        "address: give one of them another 'slug:'",
        "content/posts/c.md:9: warning: author: unknown author 'bob'; add it to content/authors.yaml (known authors: "
        "team)",
    ]


@pytest.mark.parametrize("fields, schedule", [
    ("date: 2026-01-10\ndraft: true\n", content.Schedule(True, dt.date(2026, 1, 10))),
    ("date: 2027-03-01\n", content.Schedule(False, dt.date(2027, 3, 1))),
    ("date: '2027-03-01'\n", content.Schedule(False, dt.date(2027, 3, 1))),
    ("date: 2026-02-30\ndraft: true\n", content.Schedule(True, None)),
    ("date: 2026-01-10\ndraft: maybe\n", content.Schedule(False, dt.date(2026, 1, 10))),
])
def test_a_post_with_problems_still_says_when_it_is_published(fields: str, schedule: content.Schedule,
                                                                site: Path) -> None:
    """A draft whose picture is not there yet must not stop the build: its 'draft:' and 'date:' are read."""
    text = post("  - text: Two\n    image: images/nope.jpg\n    alt: A\n", replace=("date: 2026-01-10\n", fields))
    found, problems, read = content.load_post_text(text, site / "content/posts/x.md", site)
    assert found is None and problems and read == schedule


@pytest.mark.parametrize("extra, schedule", [
    ("draft: true\n", content.Schedule(True, dt.date(2026, 1, 10))),
    ("draft: On # not yet\n", content.Schedule(True, dt.date(2026, 1, 10))),
    ("draft: false\n", content.Schedule(False, dt.date(2026, 1, 10))),
    ("  draft: true\n", content.Schedule(False, dt.date(2026, 1, 10))),  # not a top-level field
    ("date: 2026-02-01\n", None),  # two dates: which one YAML would keep is not guessed
])
def test_a_post_whose_yaml_cannot_be_read_has_the_schedule_its_lines_say(
        extra: str, schedule: content.Schedule | None, site: Path) -> None:
    text = post(extra, replace=("title: Tummy time", "title: 'Baby's roll'"))
    assert content.load_post_text(text, site / "content/posts/x.md", site)[2] == schedule


def test_a_post_whose_yaml_cannot_be_read_and_says_no_draft_or_date_has_no_schedule(site: Path) -> None:
    text = post(replace=("date: 2026-01-10", "title2: 'Baby's roll'"))
    assert content.load_post_text(text, site / "content/posts/x.md", site)[2] is None


@pytest.mark.parametrize("schedule, published", [
    (content.Schedule(), True), (content.Schedule(True), False), (content.Schedule(False, dt.date(2026, 6, 1)), False),
    (content.Schedule(False, dt.date(2026, 5, 1)), True),
])
def test_a_schedule_says_whether_a_build_publishes_the_post(schedule: content.Schedule, published: bool) -> None:
    assert schedule.published(dt.date(2026, 5, 1), drafts=False) is published
    assert schedule.published(dt.date(2026, 5, 1), drafts=True) is True


@pytest.mark.parametrize("prefix, line", [
    ("content/posts/rolling/index.md:2: ", "title: 'Baby's first roll'"),
    ("content/posts/sitting/index.md:4: ", "summary: Note: do this"),
])
def test_the_readmes_examples_are_what_the_loader_says(prefix: str, line: str, site: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    shown = next(row for row in readme.splitlines() if row.startswith(prefix))[len(prefix):]
    key = line.split(":")[0]
    text = post(replace=(next(row for row in HEAD.splitlines() if row.startswith(key + ":")), line))
    assert [message for _, _, message in problems_of(text, site)] == [shown]


YAML_PIECES = st.sampled_from(list("ab :'\"-#[],{}|>\t\n\\1") + ["title", "  ", "- ", ": ", "baby's", "\n  "])


@given(st.lists(YAML_PIECES, max_size=40).map("".join))
@settings(max_examples=500, deadline=None)
def test_any_front_matter_gives_problems_never_an_exception(text: str) -> None:
    """The quote diagnosis reads the author's lines by hand: whatever they hold, a message comes out."""
    doc = parse_document(f"---\n{text}\n---\nBody.\n", "x.md")
    assert all(p.line >= 1 and p.message for p in doc.problems)


@given(st.lists(st.sampled_from(list("ab/?&=#:.t09sm[]@%<>'\"") + ["youtu.be/", "https://", "www.youtube.com/",
                                                                   "watch?v=", "dQw4w9WgXcQ", "embed/", "t=",
                                                                   "<iframe src='"]), max_size=20).map("".join))
@settings(max_examples=500, deadline=None)
def test_any_youtube_value_gives_a_video_or_a_reason(text: str) -> None:
    found = s.youtube_video(text)
    assert isinstance(found, str) or (s.YOUTUBE_ID.fullmatch(found[0]) and found[1] >= 0)
