"""The benchmarks' posts: the shipped posts measured, and generated posts in their proportions (issue 19).

    .venv/bin/python benchmarks/corpus.py             # the shipped posts beside 5,000 generated ones
    .venv/bin/python benchmarks/corpus.py --count 1000 --corpus old
    .venv/bin/python benchmarks/corpus.py --shapes    # SHAPES, RATES and PAIRED_QUOTES as measured now

A post's Markdown is its body and the front matter's Markdown fields (benefits, steps' text,
precautions, emergency_signs, note body, helps_with, play_ideas). Each text is rendered by stock Python-Markdown with
the extensions the site uses and its elements counted: links, emphasis, strong, code spans, list
items, headings by level, paragraphs; smart-quote characters (the ' and " that smarty curls) and
attribute lists are counted in the source. Counts are per 1,000 characters of the post's Markdown.

"realistic" (the default corpus of benchmarks/build.py) makes each post from one of SHAPES, the
shipped posts' own block structure, field sizes and optional parts, every length and count jittered
(seeded), and
puts links, strong, emphasis, code spans and smart quotes into its texts at RATES, the shipped
posts' measured frequencies. "old" is the corpus of the figures before issue 19: ~800-word bodies of
plain words, four plain steps, the same two benefits and one precaution in every post.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import statistics
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

import markdown
import yaml

REPO = Path(__file__).resolve().parent.parent
TAGS = [f"topic-{n:02d}" for n in range(40)]
WORDS = ("baby parent gently hold legs hips knees straight together back floor pillow head chin "
         "hands feet play smile look song minutes day strength stretch muscles tight calm slowly "
         "support body turn roll reach toy mat towel breathe rest watch").split()
# Words that carry a smart-quote character, as the shipped posts' do ("baby's", "don't").
QUOTED_WORDS = ("baby's", "parent's", "don't", "it's", "they're", "your baby's", "can't", "thigh's")
MILESTONES = ("Crawling", "Standing", "Walking", "Rolling", "Sitting", "Lifting the head", "Reaching")
SITES = ("https://www.ninds.nih.gov/health-information/disorders/cerebral-palsy",
         "https://www.healthychildren.org/English/ages-stages/baby/", "https://www.nhs.uk/conditions/",
         "https://www.cdc.gov/ncbddd/actearly/", "https://www.apta.org/patient-care/")


# --- measuring ------------------------------------------------------------------------------------

COUNTED = ("links", "emphasis", "strong", "code", "list_items", "h1", "h2", "h3", "h4", "paragraphs",
           "quotes", "attr_lists")
ATTR_LIST = re.compile(r"\{:?[ \t]*[#.][^}\n]*\}|\{:[^}\n]*\}")
TAG_OF = {"a": "links", "em": "emphasis", "strong": "strong", "code": "code", "li": "list_items",
          "h1": "h1", "h2": "h2", "h3": "h3", "h4": "h4", "p": "paragraphs"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in TAG_OF:
            self.found[TAG_OF[tag]] = self.found.get(TAG_OF[tag], 0) + 1


_MD = markdown.Markdown(extensions=["toc", "attr_list", "tables", "smarty", "sane_lists"])


def count_constructs(text: str, block: bool) -> dict[str, int]:
    """Elements of ``text`` as Python-Markdown renders it; an inline field's one <p> is not counted,
    and it is "plain" when Markdown changes nothing in it (its HTML is its escaped text)."""
    _MD.reset()
    parser = _Tags()
    converted = _MD.convert(text)
    parser.feed(converted)
    found = parser.found
    if not block:
        found.pop("paragraphs", None)
        found["plain"] = int(converted == f"<p>{html.escape(text.strip(), quote=False)}</p>")
    found["quotes"] = text.count("'") + text.count('"')
    found["attr_lists"] = len(ATTR_LIST.findall(text))
    return found


def split_post(source: str) -> tuple[dict, str]:
    _, front, body = source.split("---\n", 2)
    return yaml.load(front, Loader=yaml.CSafeLoader), body


def field_texts(front: dict) -> list[tuple[str, str, bool]]:
    """(field, text, is a block) for every Markdown text of the front matter."""
    texts = [(name, item, False) for name in ("benefits", "precautions", "emergency_signs", "helps_with",
                                              "play_ideas") for item in front.get(name) or []]
    texts += [("steps", step["text"], False) for step in front.get("steps") or []]
    if front.get("note"):
        texts.append(("note", front["note"]["body"], True))
    return texts


def measure_post(source: str) -> dict[str, float]:
    """One post: sizes, field counts, and each construct's count in its body and in its fields."""
    front, body = split_post(source)
    fields = field_texts(front)
    row: dict[str, float] = {"body_chars": len(body), "field_chars": sum(len(t) for _, t, _ in fields)}
    for where, texts in (("body", [(body, True)]), ("fields", [(t, b) for _, t, b in fields])):
        for text, block in texts:
            for name, n in count_constructs(text, block).items():
                row[f"{where}.{name}"] = row.get(f"{where}.{name}", 0) + n
    for name in ("steps", "benefits", "tags", "precautions", "emergency_signs", "helps_with", "play_ideas",
                 "equipment", "sources"):
        row[name] = len(front.get(name) or [])
    row["note"] = int(bool(front.get("note")))
    row["inline_fields"] = sum(1 for _, _, block in fields if not block)
    row["_texts"] = [text for _, text, _ in fields]  # (for the share of texts that repeat)
    row["pictures"] = sum(1 for step in front.get("steps") or [] if "image" in step) + ("hero" in front)
    return row


def per_thousand(rows: list[dict[str, float]], where: str = "") -> dict[str, float]:
    """Each construct per 1,000 characters, over ``rows`` together; where = "body", "fields" or both."""
    places = [where] if where else ["body", "fields"]
    chars = sum(row[f"{p}_chars" if p == "body" else "field_chars"] for row in rows for p in places)
    return {name: 1000 * sum(row.get(f"{p}.{name}", 0) for row in rows for p in places) / chars
            for name in COUNTED}


def shipped_posts() -> list[tuple[str, str]]:
    return [(path.parent.name, path.read_text(encoding="utf-8"))
            for path in sorted((REPO / "content" / "posts").glob("*/index.md"))]


# --- the generated posts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One shipped post's structure: its body's blocks (("p", chars), ("h2", chars), ("ul", items,
    mean chars of an item's line)), each front-matter list's item lengths, and the optional parts of
    its front matter it has (``extras``)."""

    name: str
    body: tuple[tuple, ...]
    summary: int
    tags: int
    benefits: tuple[int, ...]
    steps: tuple[int, ...]
    precautions: tuple[int, ...]
    emergency_signs: tuple[int, ...]
    helps_with: tuple[int, ...]
    play_ideas: tuple[int, ...]
    equipment: tuple[int, ...]
    note: int  # the note body's length; 0: no note
    sources: int
    extras: tuple[str, ...]  # of EXTRAS


EXTRAS = ("author", "updated", "age.corrected", "age.suggested", "dosage.days_per_week", "dosage.suggested",
          "steps.title", "adapted_from")


def shape_of(name: str, source: str) -> Shape:
    """A shipped post's Shape, for SHAPES (printed by --shapes)."""
    front, body = split_post(source)

    def block(text: str) -> tuple:
        if text.startswith("#"):
            return ("h2", len(text))
        if text.startswith("- "):
            lines = text.splitlines()
            return ("ul", len(lines), round(statistics.mean(map(len, lines))))
        return ("p", len(text))

    def lengths(key: str) -> tuple[int, ...]:
        return tuple(len(item) for item in front.get(key) or [])

    def has(path: str) -> bool:
        key, _, sub = path.partition(".")
        value = front.get(key)
        if key == "steps":
            return any(sub in step for step in value or [])
        return value is not None and (not sub or sub in value)

    return Shape(name, tuple(block(b) for b in body.strip().split("\n\n")), len(front["summary"]),
                 len(front.get("tags") or []), lengths("benefits"),
                 tuple(len(step["text"]) for step in front["steps"]), lengths("precautions"),
                 lengths("emergency_signs"), lengths("helps_with"), lengths("play_ideas"), lengths("equipment"),
                 len((front.get("note") or {}).get("body", "")), len(front.get("sources") or []),
                 tuple(path for path in EXTRAS if has(path)))


def rates_of(sources: list[str]) -> dict[str, dict[str, float]]:
    """RATES, as measured on ``sources``."""
    rows = [measure_post(source) for source in sources]
    return {where: {name: round(value, 2) for name, value in per_thousand(rows, where).items()
                    if name in ("links", "strong", "emphasis", "code", "quotes")}
            for where in ("body", "fields")}


# content/posts/*/index.md at b5811ca, 2026-12-06 (`corpus.py --shapes` prints these three as measured now).
SHAPES = (
    Shape(name='back-lying-position', body=(('p', 265), ('p', 204), ('h2', 17), ('p', 143), ('ul', 3, 39),
                                            ('h2', 20), ('p', 315)),
          summary=128, tags=4, benefits=(46, 45, 66, 33, 40, 24), steps=(124, 96, 119, 151, 105, 112),
          precautions=(55, 63, 101), emergency_signs=(63,), helps_with=(8, 8, 7), play_ideas=(70, 43, 75, 70),
          equipment=(35, 30), note=341, sources=1,
          extras=('author', 'updated', 'age.corrected', 'age.suggested', 'dosage.days_per_week',
                  'dosage.suggested', 'steps.title', 'adapted_from')),
    Shape(name='hand-to-foot-play', body=(('p', 234), ('p', 82)), summary=111, tags=3, benefits=(57, 51, 51),
          steps=(71, 94, 104), precautions=(33, 49), emergency_signs=(), helps_with=(7, 7), play_ideas=(51, 48),
          equipment=(10, 30), note=0, sources=0, extras=('age.corrected',)),
    Shape(name='tummy-time', body=(('p', 161), ('p', 98)), summary=120, tags=2, benefits=(40, 37, 49),
          steps=(107, 101, 82), precautions=(33, 87), emergency_signs=(), helps_with=(16, 7, 8),
          play_ideas=(45, 60), equipment=(34, 20, 21), note=0, sources=0, extras=()),
)
# Per 1,000 characters of body or of front-matter Markdown, all shipped posts together. A post's body
# links go to other posts (as the shipped one does); its sources go to outside sites.
RATES = {"body": {"links": 0.6, "emphasis": 0.0, "strong": 3.58, "code": 0.0, "quotes": 0.6},
         "fields": {"links": 0.0, "emphasis": 0.0, "strong": 0.95, "code": 0.0, "quotes": 4.75}}
PAIRED_QUOTES = 1 / 15  # of the shipped quote marks' uses: one "pair", 14 apostrophes
JITTER = 0.25  # every length drawn within +-25% of the shape's


@dataclass(frozen=True)
class GeneratedPost:
    """A post in the forms every tool reads: ours (front matter + body), the peers' (body + extra)."""

    slug: str
    title: str
    date: str
    summary: str
    tags: list[str]
    front: str  # our front matter after title, date, summary and tags
    body: str
    extra: str  # the front matter's Markdown as sections of a peer's page


def _sized(rng: random.Random, chars: float) -> float:
    return max(4.0, chars * rng.uniform(1 - JITTER, 1 + JITTER))


def _how_many(rng: random.Random, expected: float) -> int:
    """A whole count whose expectation is ``expected``."""
    return int(expected) + (rng.random() < expected - int(expected))


def _jittered(rng: random.Random, many: int) -> int:
    """``many`` give or take one, with the same mean (a single item stays single)."""
    return many + rng.choice((-1, 0, 1)) if many >= 2 else many


def words_of(rng: random.Random, chars: float) -> list[str]:
    """Words of ``chars`` characters on average, spaces included (the last word is kept when the
    target falls in its first half)."""
    found = [rng.choice(WORDS)]
    size = len(found[0])
    while True:
        word = rng.choice(WORDS)
        if size + (len(word) + 1) / 2 > chars:
            return found
        found.append(word)
        size += len(word) + 1


def sentences(rng: random.Random, chars: float) -> list[str]:
    """Plain sentences of about ``chars`` characters, as a word list (the last word ends each one)."""
    words, out, start = words_of(rng, chars * (1 - PUNCTUATION)), [], 0
    while start < len(words):
        n = rng.randint(8, 16)
        sentence = words[start:start + n]
        sentence[0] = sentence[0].capitalize()
        if len(sentence) > 6 and rng.random() < 0.4:
            sentence[len(sentence) // 2] += ","
        sentence[-1] += "."
        out += sentence
        start += n
    return out


# Characters each construct adds to the plain words: "**" twice, "[" and "](../exercise-00000/)",
# a quoted word's extra length (QUOTED_WORDS average 6.6 characters against WORDS' 5.0).
MARKUP_CHARS = {"links": 22, "strong": 4, "emphasis": 2, "code": 2, "quotes": 1.6}
PUNCTUATION = 0.02  # sentences() ends each sentence (~70 characters) with a period, 40% have a comma


def markup_share(where: str) -> float:
    """The share of a text's characters that its markup adds, at RATES[where]."""
    return sum(RATES[where][name] * size for name, size in MARKUP_CHARS.items()) / 1000


class Texts:
    """The word lists of one part of a post (its body, or its front matter's Markdown), marked up
    together: each construct lands in a text drawn by its number of words, so the part as a whole
    has RATES[where] per 1,000 of its characters (headings, bullets and blank lines included)."""

    def __init__(self, rng: random.Random, where: str) -> None:
        self.rng, self.where = rng, where
        self.words: list[list[str]] = []
        self.used: list[set[int]] = []

    def add(self, chars: float, sentence: bool = True) -> int:
        """A new text of about ``chars`` characters once marked up; its index."""
        plain = chars * (1 - markup_share(self.where))
        self.words.append(sentences(self.rng, plain) if sentence else words_of(self.rng, plain))
        self.used.append(set())
        return len(self.words) - 1

    def mark_up(self, part_chars: float, link: Callable[[], str]) -> list[str]:
        """Spread the constructs of a part of ``part_chars`` characters; the texts as strings."""
        rates, rng = RATES[self.where], self.rng
        for _ in range(_how_many(rng, rates["links"] * part_chars / 1000)):
            self._wrap(rng.randint(2, 4), "[", f"]({link()})")
        for name, mark in (("strong", "**"), ("emphasis", "*"), ("code", "`")):
            for _ in range(_how_many(rng, rates[name] * part_chars / 1000)):
                self._wrap(rng.randint(1, 3) if name != "code" else 1, mark, mark)
        for _ in range(_how_many(rng, rates["quotes"] * part_chars / 1000 / (1 + PAIRED_QUOTES))):
            if rng.random() < PAIRED_QUOTES:
                self._wrap(1, '"', '"')
            else:
                self._quote()
        return [" ".join(words) for words in self.words]

    def _span(self, width: int) -> tuple[list[str], int, int] | None:
        """A free run of ``width`` words (fewer in a shorter text): (its text, first, last)."""
        sizes = [len(words) for words in self.words]
        for _ in range(20):
            k = self.rng.choices(range(len(sizes)), weights=sizes)[0]
            first = self.rng.randrange(max(1, sizes[k] - width + 1))
            span = set(range(first, min(sizes[k], first + width)))
            if not span & self.used[k]:
                self.used[k] |= span
                return self.words[k], first, max(span)
        return None

    def _wrap(self, width: int, left: str, right: str) -> None:
        found = self._span(width)
        if found:
            words, first, last = found
            tail = re.search(r"[.,]*$", words[last]).group()
            words[first] = left + words[first]
            words[last] = words[last][:len(words[last]) - len(tail)] + right + tail

    def _quote(self) -> None:
        found = self._span(1)
        if found:
            words, first, _ = found
            tail = re.search(r"[.,]*$", words[first]).group()
            quoted = self.rng.choice(QUOTED_WORDS)
            words[first] = (quoted.capitalize() if words[first][0].isupper() else quoted) + tail


def yaml_scalar(value: str) -> str:
    """A plain scalar where YAML reads it back as written (as authors write them), else quoted."""
    if re.match(r"[\w(]", value) and ": " not in value and " #" not in value and not value.endswith(":"):
        return value
    return json.dumps(value, ensure_ascii=False)


def realistic_post(n: int, count: int) -> GeneratedPost:
    rng = random.Random(f"realistic-{n}")
    shape = rng.choice(SHAPES)

    def link() -> str:
        other = rng.randrange(count - 1)
        return f"../exercise-{other + (other >= n):05d}/"

    body, blocks = Texts(rng, "body"), []
    for block in shape.body:
        if block[0] == "p":  # a paragraph: its text's index
            blocks.append(body.add(_sized(rng, block[1])))
        elif block[0] == "h2":
            blocks.append("## " + " ".join(words_of(rng, _sized(rng, block[1]) - 3)).capitalize())
        else:  # a list: its items' text indexes
            blocks.append([body.add(_sized(rng, block[2]) - 2, sentence=False)
                           for _ in range(_jittered(rng, block[1]))])
    fields = Texts(rng, "fields")
    items = {name: [fields.add(_sized(rng, lengths[k % len(lengths)]))
                    for k in range(_jittered(rng, len(lengths)) if lengths else 0)]
             for name, lengths in (("benefits", shape.benefits), ("steps", shape.steps),
                                   ("precautions", shape.precautions), ("emergency_signs", shape.emergency_signs),
                                   ("play_ideas", shape.play_ideas))}
    note = fields.add(_sized(rng, shape.note)) if shape.note else None
    helps_with = rng.sample(MILESTONES, _jittered(rng, len(shape.helps_with)))
    texts = body.mark_up(_part_chars(body, blocks), link)
    markdown_body = "\n\n".join(block if isinstance(block, str) else texts[block] if isinstance(block, int)
                                else "\n".join(f"- {texts[k]}" for k in block) for block in blocks)
    texts = fields.mark_up(_part_chars(fields, [], sum(map(len, helps_with)) + bool(note)), link)
    values = {name: [texts[k] for k in ks] for name, ks in items.items()}
    note_text = texts[note] if note is not None else ""
    return GeneratedPost(
        slug=f"exercise-{n:05d}", title=f"Exercise {n}: {' '.join(rng.choice(WORDS) for _ in range(3))}",
        date=f"{2015 + n % 10}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        summary=" ".join(sentences(rng, _sized(rng, shape.summary))),
        tags=sorted(rng.sample(TAGS, _jittered(rng, shape.tags))),
        front=_front_matter(rng, n, shape, values, helps_with, note_text), body=markdown_body,
        extra=_peer_sections(values, helps_with, note_text))


def _part_chars(texts: Texts, blocks: list, other: int = 0) -> float:
    """The characters a part will have once marked up: its texts', and its headings', bullets' and
    blank lines' (``other``: characters of texts that get no markup, such as helps_with)."""
    marked = sum(len(" ".join(words)) for words in texts.words) / (1 - markup_share(texts.where))
    layout = sum(len(b) if isinstance(b, str) else 3 * len(b) - 1 if isinstance(b, list) else 0 for b in blocks)
    return marked + layout + 2 * max(0, len(blocks) - 1) + (1 if blocks else 0) + other


def _front_matter(rng: random.Random, n: int, shape: Shape, values: dict[str, list[str]], helps_with: list[str],
                  note: str) -> str:
    """Our front matter after title, date, summary and tags, laid out as the shipped posts are."""
    has = set(shape.extras).__contains__
    start = rng.randrange(0, 13)
    lines = [f"updated: {2025 + n % 2}-{1 + n % 12:02d}-{1 + n % 28:02d}"] if has("updated") else []
    lines += ["author: team"] if has("author") else []
    lines += [f"age:\n  from_months: {start}\n  to_months: {start + rng.randrange(3, 13)}"
              + ("\n  corrected: true" if has("age.corrected") else "")
              + ("\n  suggested: true" if has("age.suggested") else ""),
              f"dosage:\n  minutes: {rng.randint(2, 5)}\n  times_per_day: {rng.randint(2, 3)}"
              + ("\n  days_per_week: 7" if has("dosage.days_per_week") else "")
              + ("\n  suggested: true" if has("dosage.suggested") else "")]
    equipment = [" ".join(words_of(rng, _sized(rng, c))).capitalize() for c in shape.equipment]
    for name, items in (("equipment", equipment), ("benefits", values["benefits"]), ("helps_with", helps_with)):
        lines.append(f"{name}:\n" + "\n".join(f"  - {yaml_scalar(v)}" for v in items))
    lines.append("steps:\n" + "\n".join(
        (f"  - title: {' '.join(words_of(rng, _sized(rng, 19))).capitalize()}\n    text: " if has("steps.title")
         else "  - text: ") + yaml_scalar(step) for step in values["steps"]))
    lines.append("play_ideas:\n" + "\n".join(f"  - {yaml_scalar(v)}" for v in values["play_ideas"]))
    if note:
        lines.append(f"note:\n  title: {' '.join(words_of(rng, _sized(rng, 50))).capitalize()}\n  body: |\n"
                     + "\n".join("    " + line for line in _wrapped(note)))
    for name in ("emergency_signs", "precautions"):
        if values[name]:
            lines.append(f"{name}:\n" + "\n".join(f"  - {yaml_scalar(v)}" for v in values[name]))
    if shape.sources:
        lines.append(f"sources:\n  - title: Source {n}\n    url: {rng.choice(SITES)}")
    if has("adapted_from"):
        lines.append(f"adapted_from:\n  title: {' '.join(words_of(rng, _sized(rng, 66))).capitalize()}\n"
                     f"  author: Author {n}\n  site: {' '.join(words_of(rng, _sized(rng, 15))).capitalize()}")
    return "\n".join(lines) + "\n"


def _wrapped(paragraph: str, width: int = 90) -> list[str]:
    lines, line = [], ""
    for word in paragraph.split():
        if line and len(line) + len(word) >= width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def _peer_sections(values: dict[str, list[str]], helps_with: list[str], note: str) -> str:
    """The front matter's Markdown as a peer's page shows it: sections after the body."""
    sections = [("Benefits", "-", values["benefits"]), ("Helps with", "-", helps_with),
                ("Steps", "1.", values["steps"]), ("Play ideas", "-", values["play_ideas"]),
                ("Call your local emergency number now if", "-", values["emergency_signs"]),
                ("Stop, and call your therapist, if", "-", values["precautions"])]
    extra = "\n\n".join(f"## {title}\n\n" + "\n".join(f"{mark} {v}" for v in items)
                        for title, mark, items in sections if items)
    return extra + (f"\n\n## Note\n\n{note}" if note else "")


def old_paragraph(rng: random.Random, words: int) -> str:
    sentences_, left = [], words
    while left > 0:
        n = min(left, rng.randint(8, 16))
        words_ = [rng.choice(WORDS) for _ in range(n)]
        sentences_.append(" ".join(words_).capitalize() + ".")
        left -= n
    return " ".join(sentences_)


def old_post(n: int, count: int) -> GeneratedPost:
    """The corpus before issue 19, byte for byte: its figures can be made again."""
    rng = random.Random(n)
    body = "\n\n".join([old_paragraph(rng, 120), "## Why it matters", old_paragraph(rng, 150),
                        "- " + old_paragraph(rng, 12) + "\n- " + old_paragraph(rng, 12), "## How long",
                        old_paragraph(rng, 150), old_paragraph(rng, 150), old_paragraph(rng, 100)])
    title = f"Exercise {n}: {' '.join(rng.choice(WORDS) for _ in range(3))}"
    date = f"{2015 + n % 10}-{1 + n % 12:02d}-{1 + n % 28:02d}"
    tags = sorted({TAGS[(n * 7 + k * 13) % len(TAGS)] for k in range(3)})
    summary = old_paragraph(rng, 20)
    steps = [old_paragraph(rng, 20) for _ in range(4)]
    front = ("benefits:\n  - Stronger legs\n  - Calmer baby\ndosage: {minutes: 3, times_per_day: 2}\nsteps:\n"
             + "".join(f"  - text: {s}\n" for s in steps) + "precautions:\n  - Your baby cries.\n")
    extra = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(steps))
    return GeneratedPost(f"exercise-{n:05d}", title, date, summary, tags, front, body, extra)


CORPORA = {"realistic": realistic_post, "old": old_post}


def our_post(post: GeneratedPost, marker: str = "") -> str:
    """The post file of this project's content model (``marker`` ends the summary: an edit)."""
    return (f"---\ntitle: \"{post.title}\"\ndate: {post.date}\nsummary: {post.summary}{marker}\n"
            f"tags: [{', '.join(post.tags)}]\n{post.front}---\n{post.body}\n")


def without_fields(post: GeneratedPost, names: tuple[str, ...]) -> GeneratedPost:
    """The post without the front-matter fields ``names`` ("emergency_signs", or "age.suggested" for a
    field inside one): for code older than those fields, which refuses a post that has them."""
    kept, dropping, block = [], False, ""
    for line in post.front.splitlines(keepends=True):
        key = line.split(":", 1)[0]
        if not line.startswith(" "):
            dropping, block = key in names, key
        elif f"{block}.{key.strip()}" in names:
            continue
        if not dropping:
            kept.append(line)
    return replace(post, front="".join(kept))


# --- the report -----------------------------------------------------------------------------------------


def table(rows: list[tuple[str, list[dict[str, float]]]]) -> None:
    """Per 1,000 characters of Markdown, then sizes and front-matter counts (means over the posts)."""
    heads = ("links", "emph", "strong", "code", "li", "h2", "h3", "p", "quotes", "attr")
    print(f"{'posts':<24}{'':>6}" + "".join(f"{h:>8}" for h in heads))
    for label, group in rows:
        for where in ("body", "fields", ""):
            rates = per_thousand(group, where)
            print(f"{label if where == 'body' else '':<24}{where or 'all':>6}" + "".join(
                f"{rates[k]:>8.2f}" for k in ("links", "emphasis", "strong", "code", "list_items", "h2", "h3",
                                              "paragraphs", "quotes", "attr_lists")))
    sizes = ("body_chars", "field_chars", "steps", "benefits", "tags", "precautions", "emergency_signs",
             "helps_with", "play_ideas", "equipment", "note", "sources", "pictures")
    print(f"\n{'posts':<24}" + "".join(f"{s.replace('_chars', '').replace('emergency_signs', 'emergency'):>12}"
                                       for s in sizes))
    for label, group in rows:
        cells = []
        for s in sizes:
            values = [row[s] for row in group]
            cells.append(f"{statistics.mean(values):.0f}" if s.endswith("chars") and len(values) > 3
                         else f"{statistics.mean(values):.2f}")
        print(f"{label:<24}" + "".join(f"{c:>12}" for c in cells))
    print(f"\n{'posts':<24}{'body chars: min':>16}{'median':>8}{'max':>6}{'plain fields':>14}{'distinct':>10}")
    for label, group in rows:
        bodies = sorted(row["body_chars"] for row in group)
        texts = [text for row in group for text in row["_texts"]]
        plain = sum(row.get("fields.plain", 0) for row in group) / sum(row["inline_fields"] for row in group)
        print(f"{label:<24}{bodies[0]:>16.0f}{statistics.median(bodies):>8.0f}{bodies[-1]:>6.0f}"
              f"{plain:>14.0%}{len(set(texts)) / len(texts):>10.0%}")


def print_shapes() -> None:
    posts = shipped_posts()
    print("SHAPES = (")
    for name, source in posts:
        print(f"    {shape_of(name, source)!r},")
    print(f")\nRATES = {rates_of([source for _, source in posts])!r}")
    texts = [text for _, source in posts for text in [split_post(source)[1]] + [
        t for _, t, _ in field_texts(split_post(source)[0])]]
    pairs, apostrophes = sum(t.count('"') for t in texts) / 2, sum(t.count("'") for t in texts)
    print(f"PAIRED_QUOTES = {pairs:g} / {pairs + apostrophes:g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--corpus", choices=CORPORA, default="realistic")
    parser.add_argument("--shapes", action="store_true", help="print SHAPES and RATES as measured now")
    args = parser.parse_args()
    if args.shapes:
        print_shapes()
        return
    shipped = [(name, measure_post(source)) for name, source in shipped_posts()]
    make = CORPORA[args.corpus]
    generated = [measure_post(our_post(make(n, args.count))) for n in range(args.count)]
    table([*((name, [row]) for name, row in shipped), ("shipped, together", [row for _, row in shipped]),
           (f"{args.corpus}, {args.count:,} generated", generated)])


if __name__ == "__main__":
    main()
