"""Share images: per post, a 1200x630 Open Graph card and a 1000x1500 Pinterest pin.

The post's title is set in Atkinson Hyperlegible (bundled in ``fonts/``, OFL) over the
hero image, with a dark band or panel under the words so they stay readable on any
photo; a post without a hero gets the site's accent colour instead.

Planned like ``images.py``: ``plan_shares`` is pure (no pixel decoded), so pages know
every name and URL before anything is drawn; ``process_shares`` draws only what the
cache (``.cache/images``) lacks, under names hashed from everything that decides the
bytes (title, site title, hero bytes, fonts, layout, Pillow's version), Hugo's way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import PIL  # its version; its image modules only where a share image is drawn (images.py says why)

from .. import parallel
from . import images
from .images import ImagePlan, Progress
from ..model import Site

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

# Bump when the drawing code changes what it produces: old cache entries then miss.
SHARE_VERSION = "1"
FONTS = Path(__file__).resolve().parent / "fonts"
TITLE_FONT = FONTS / "AtkinsonHyperlegible-Bold.ttf"
SITE_FONT = FONTS / "AtkinsonHyperlegible-Regular.ttf"
QUALITY = 85
# Baseline, not progressive as the site's pictures are: a link preview fetches a share image whole.
ENCODER = {"optimize": True, "subsampling": "4:2:0"}
WHITE = (255, 255, 255)
ACCENT = (31, 111, 107)  # --accent of static/css/site.css: white on it is 6:1
PANEL = (29, 35, 39)  # --text of site.css: white on it is 15:1
# Black at this opacity over the hero under the words: even on a white photo the band is at
# most sRGB 64, where white text has about 10:1 contrast (WCAG AA asks 4.5:1).
BAND_OPACITY = 191
CACHE_FILE = re.compile(r"share-[^./]+\.[0-9a-f]{8}\.(?:card|pin)\.jpg")


@dataclass(frozen=True)
class Layout:
    """The geometry of one share image kind; every length in pixels."""

    kind: str
    width: int
    height: int
    margin: int
    title_sizes: tuple[int, ...]  # tried largest first until the title fits in max_lines
    max_lines: int
    site_size: int
    panel: bool  # the words on a solid panel under the photo (pin) or on a band over it (card)


CARD = Layout("card", 1200, 630, 64, (72, 64, 56, 48), 3, 30, panel=False)
PIN = Layout("pin", 1000, 1500, 72, (96, 84, 76, 68, 60), 5, 38, panel=True)


@dataclass(frozen=True)
class ShareImage:
    name: str  # file name under images/, e.g. share-tummy-time.3f9a2c1d.card.jpg
    layout: Layout

    @property
    def width(self) -> int:
        return self.layout.width

    @property
    def height(self) -> int:
        return self.layout.height


@dataclass(frozen=True)
class SharePlan:
    """Everything needed to draw one post's share images, and their names."""

    slug: str
    title: str
    site_title: str
    key: str
    hero: ImagePlan | None
    card: ShareImage
    pin: ShareImage

    @property
    def files(self) -> tuple[ShareImage, ShareImage]:
        return (self.card, self.pin)


# --- planning: pure -----------------------------------------------------------------------


def plan_shares(site: Site, plans: dict[Path, ImagePlan]) -> dict[str, SharePlan]:
    """Slug -> its SharePlan, for every post of the site."""
    return {post.slug: plan_share(post.slug, post.title, site.config.title,
                                  plans.get(post.hero.source) if post.hero else None) for post in site.posts}


@lru_cache(maxsize=8192)  # the preview plans every post on every save: each title's scripts are looked up once
def plan_share(slug: str, title: str, site_title: str, hero: ImagePlan | None) -> SharePlan:
    key = hashlib.sha256(_fingerprint(title, site_title, hero).encode()).hexdigest()[:8]
    stem = f"share-{images._safe_stem(slug)}"
    return SharePlan(slug, title, site_title, key, hero,
                     ShareImage(f"{stem}.{key}.card.jpg", CARD), ShareImage(f"{stem}.{key}.pin.jpg", PIN))


def _fingerprint(title: str, site_title: str, hero: ImagePlan | None) -> str:
    """What decides the output bytes; the hero by its bytes' digest, never its path or mtime. A text
    in another script than Latin adds its fonts and the shaping library's version."""
    source = [hero.digest, hero.orientation] if hero else None
    head, tail = _drawing_fingerprint()
    scripts = {script_of(title), script_of(site_title)} - {LATIN}
    other = [[file_digest(script.bold), file_digest(script.regular), script.shaped and _raqm()]
             for script in sorted(scripts, key=lambda script: str(script.bold))]
    words = [title, site_title, source] + ([other] if other else [])
    return f"{head}, {json.dumps(words, sort_keys=True)[1:-1]}, {tail}"


@lru_cache(maxsize=16)
def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def _drawing_fingerprint() -> tuple[str, str]:
    """The JSON around a post's own part, the same for every post of a run: drawing settings and fonts."""
    head = json.dumps([SHARE_VERSION, PIL.__version__, fonts_digest()], sort_keys=True)[:-1]
    tail = json.dumps([[dataclasses.astuple(CARD), dataclasses.astuple(PIN)], QUALITY,
                       ENCODER, ACCENT, PANEL, BAND_OPACITY], sort_keys=True)[1:]
    return head, tail


@lru_cache(maxsize=1)
def fonts_digest() -> str:
    digest = hashlib.sha256()
    for path in (TITLE_FONT, SITE_FONT):
        digest.update(path.read_bytes())
    return digest.hexdigest()


# --- the cache ----------------------------------------------------------------------------


def process_shares(plans: Iterable[SharePlan], cache_dir: Path, progress: Progress | None = None) -> int:
    """Draw every share image the cache lacks; return how many were drawn."""
    plans = list(plans)
    cached = _files_in(cache_dir)  # one listing, not a stat per image: the preview asks on every save
    todo = [(plan, image) for plan in plans for image in plan.files if image.name not in cached]
    if todo:
        cache_dir.mkdir(parents=True, exist_ok=True)
        report = progress or (lambda done, total: None)
        report(0, len(todo))
        # ~50 ms each: worth every core from a handful on (workers are forked, results come back in order).
        parallel.map_ordered(lambda job: images.write_atomic(cache_dir / job[1].name,
                                                             render_share(job[0], job[1].layout)),
                             todo, min_items=8)
        report(len(todo), len(todo))
    return len(todo)


def _files_in(folder: Path) -> set[str]:
    """The names of the files in ``folder`` (links followed, as Path.is_file follows them)."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name for entry in entries if entry.is_file()}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def share_files(plans: Iterable[SharePlan]) -> list[tuple[str, str]]:
    """Each share image's output path and its name in the cache (named by its content)."""
    return [(f"images/{image.name}", image.name) for plan in sorted(plans, key=lambda p: p.slug) for image in plan.files]


def cache_names(plans: Iterable[SharePlan]) -> set[str]:
    return {image.name for plan in plans for image in plan.files}



# --- drawing ------------------------------------------------------------------------------


def render_share(plan: SharePlan, layout: Layout) -> bytes:
    """One share image as JPEG bytes: same inputs, same bytes (no metadata, no clock)."""
    return images.encode(draw_share(plan, layout), "jpeg", QUALITY, ENCODER)


def draw_share(plan: SharePlan, layout: Layout) -> Image.Image:
    title_font, lines = fit_title(plan.title, layout)
    site_script = script_of(plan.site_title)
    site_font = font(site_script.regular, layout.site_size, site_script.shaped)
    site_line = ellipsize(plan.site_title, site_font, layout.width - 2 * layout.margin)
    block = _block_height(layout, title_font, len(lines))
    canvas, top = _background(plan.hero, layout, block)
    from PIL import ImageDraw  # only when a share image is drawn: most builds draw none

    draw = ImageDraw.Draw(canvas)
    _write(draw, layout, top, site_line, site_font, site_script)
    y = top + _site_height(layout)
    title_script = script_of(plan.title)
    for line in lines:
        _write(draw, layout, y, line, title_font, title_script)
        y += _line_height(title_font)
    return canvas


def _write(draw: ImageDraw.ImageDraw, layout: Layout, y: int, text: str, face: ImageFont.FreeTypeFont,
           script: Script) -> None:
    """A line from the margin where its script starts a line: the left, or the right for Arabic
    and Hebrew (shaped and ordered by libraqm)."""
    if script.direction == "rtl":
        draw.text((layout.width - layout.margin, y), text, font=face, fill=WHITE, anchor="ra", direction="rtl")
    else:
        draw.text((layout.margin, y), text, font=face, fill=WHITE)


def _site_height(layout: Layout) -> int:
    return round(layout.site_size * 1.9)  # the site's name, then a gap before the title


def _line_height(title_font: ImageFont.FreeTypeFont) -> int:
    return round(title_font.size * 1.2)


def _block_height(layout: Layout, title_font: ImageFont.FreeTypeFont, lines: int) -> int:
    return _site_height(layout) + _line_height(title_font) * lines


def _background(hero: ImagePlan | None, layout: Layout, block: int) -> tuple[Image.Image, int]:
    """The canvas without words, and the y where the words start."""
    from PIL import Image

    size = (layout.width, layout.height)
    if hero is None:
        return Image.new("RGB", size, ACCENT), (layout.height - block) // 2
    if layout.panel:
        # The photo on top, the words on a solid panel below: no band over the picture.
        panel = max(block + 2 * layout.margin, layout.height * 2 // 5)
        canvas = Image.new("RGB", size, PANEL)
        canvas.paste(hero_frame(hero, (layout.width, layout.height - panel)), (0, 0))
        return canvas, layout.height - panel + (panel - block) // 2
    top = layout.height - layout.margin - block
    return darken_below(hero_frame(hero, size), top - layout.margin // 2, fade=layout.margin * 2), top


def darken_below(frame: Image.Image, start: int, fade: int) -> Image.Image:
    """Black laid over the frame from ``start`` down at BAND_OPACITY, fading in over ``fade`` above it."""
    from PIL import Image

    column = [0 if y < start - fade else BAND_OPACITY if y >= start
              else BAND_OPACITY * (y - start + fade) // fade for y in range(frame.height)]
    mask = Image.new("L", (1, frame.height))
    mask.putdata(column)
    mask = mask.resize(frame.size, Image.Resampling.NEAREST)
    return Image.composite(Image.new("RGB", frame.size, (0, 0, 0)), frame, mask)


def hero_frame(hero: ImagePlan, size: tuple[int, int]) -> Image.Image:
    """The hero decoded through images.first_frame (upright, sRGB, bare), scaled to cover ``size``, centred."""
    from PIL import Image

    scale = max(size[0] / hero.width, size[1] / hero.height)
    cover = (max(size[0], math.ceil(hero.width * scale)), max(size[1], math.ceil(hero.height * scale)))
    frame = images.first_frame(dataclasses.replace(hero, width=cover[0], height=cover[1]))
    if frame.mode != "RGB":
        flat = Image.new("RGB", frame.size, WHITE)
        flat.paste(frame, mask=frame.getchannel("A") if frame.mode == "RGBA" else None)
        frame = flat
    left, top = (cover[0] - size[0]) // 2, (cover[1] - size[1]) // 2
    return frame.crop((left, top, left + size[0], top + size[1]))


# --- words --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Script:
    """The fonts a text is set in, and the direction it runs."""

    bold: Path
    regular: Path
    direction: str = "ltr"
    shaped: bool = False  # set by libraqm (joined, reordered letters), not glyph by glyph


LATIN = Script(TITLE_FONT, SITE_FONT)
# Atkinson Hyperlegible draws Latin only: other scripts in Noto (OFL), whose letters Atkinson would
# leave as empty boxes; Arabic and Hebrew run right to left and need shaping.
SCRIPTS = (
    ((0x0590, 0x05FF), (0xFB1D, 0xFB4F), Script(FONTS / "NotoSansHebrew-Bold.ttf", FONTS / "NotoSansHebrew-Regular.ttf",
                                                "rtl", True)),
    ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF),
     Script(FONTS / "NotoSansArabic-Bold.ttf", FONTS / "NotoSansArabic-Regular.ttf", "rtl", True)),
)
OTHER = Script(FONTS / "NotoSans-Bold.ttf", FONTS / "NotoSans-Regular.ttf")  # Greek, Cyrillic, Vietnamese...
LATIN_END = 0x024F  # Basic Latin to Latin Extended-B: Atkinson's letters


def script_of(text: str) -> Script:
    """The script a title is set in: the first right-to-left letter's, else Noto Sans for letters
    beyond Latin, else Atkinson Hyperlegible."""
    for char in text:
        point = ord(char)
        for *ranges, script in SCRIPTS:
            if any(low <= point <= high for low, high in ranges):
                return script
    if any(ord(char) > LATIN_END and char.isalpha() for char in text):
        return OTHER
    return LATIN


@lru_cache(maxsize=64)
def font(path: Path, size: int, shaped: bool = False) -> ImageFont.FreeTypeFont:
    # BASIC layout where it is enough (Latin): with libraqm present on one machine and not another
    # the glyph positions (and so the bytes) would differ; its version is in the shaped cards' key.
    from PIL import ImageFont  # only when a share image is drawn, as ImageDraw

    engine = ImageFont.Layout.RAQM if shaped and _raqm() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, layout_engine=engine)


@lru_cache(maxsize=1)
def _raqm() -> str:
    """libraqm's version ('' without it): right-to-left cards are shaped by it."""
    from PIL import features

    return (features.version("raqm") or "") if features.check("raqm") else ""


def fit_title(title: str, layout: Layout) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest title size whose wrapped lines fit; at the smallest, the last line is cut with '…'."""
    width = layout.width - 2 * layout.margin
    script = script_of(title)
    for size in layout.title_sizes:
        title_font = font(script.bold, size, script.shaped)
        if size != layout.title_sizes[-1]:  # one line too many is enough to try the next size
            lines = list(islice(wrapped(title, title_font, width), layout.max_lines + 1)) or [""]
        else:
            lines = wrap(title, title_font, width)
        if len(lines) <= layout.max_lines:
            return title_font, lines
    kept = lines[:layout.max_lines]
    kept[-1] = ellipsize(" ".join(lines[layout.max_lines - 1:]), title_font, width, force=True)
    return title_font, kept


def wrap(text: str, wrap_font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap by rendered width; a word wider than a line is broken between letters."""
    return list(wrapped(text, wrap_font, width)) or [""]


def wrapped(text: str, wrap_font: ImageFont.FreeTypeFont, width: int) -> Iterator[str]:
    """wrap's lines, each made only when asked for."""
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if wrap_font.getlength(candidate) <= width:
            line = candidate
            continue
        for piece in _break_word(word, wrap_font, width):
            if line:
                yield line
            line = piece
    if line:
        yield line


def _break_word(word: str, wrap_font: ImageFont.FreeTypeFont, width: int) -> Iterator[str]:
    """The word in pieces that each fit in ``width`` (at least one letter each), cut by search."""
    start = cut = 0
    while start < len(word):
        # From the last piece's length: the pieces of one word are alike.
        cut = max(1, _longest(len(word) - start, lambda n: wrap_font.getlength(word[start:start + n]) <= width,
                              cut or 1))
        yield word[start:start + cut]
        start += cut


def ellipsize(text: str, cut_font: ImageFont.FreeTypeFont, width: int, force: bool = False) -> str:
    """``text`` if it fits in ``width`` (and not ``force``), else its longest start that fits with '…'."""
    if not force and cut_font.getlength(text) <= width:
        return text
    words = text.split()
    kept = _longest(len(words), lambda n: cut_font.getlength(" ".join(words[:n]) + "…") <= width)
    if kept:
        return " ".join(words[:kept]) + "…"
    return text[:_longest(len(text), lambda n: cut_font.getlength(text[:n] + "…") <= width)] + "…"


def _longest(count: int, fits: Callable[[int], bool], guess: int = 1) -> int:
    """The largest n <= count for which ``fits(n)`` (true up to some n, false after; n = 0 always fits).

    Stepped from ``guess`` by doubling steps until it turns, then halved into place: the measured
    strings stay about as long as the answer (a line), whatever the length of the title (issue 18:
    cutting one letter at a time off a 2,000-letter word measured it 2,000 times, 16 s a share card).
    """
    guess = min(max(guess, 1), count)
    if guess == 0:
        return 0
    step = 1
    if fits(guess):
        good, bad = guess, guess + 1
        while bad <= count and fits(bad):
            good, bad, step = bad, bad + step * 2, step * 2
        bad = min(bad, count + 1)
    else:
        good, bad = guess - 1, guess
        while good > 0 and not fits(good):
            bad, good, step = good, max(0, good - step * 2), step * 2
    while bad - good > 1:
        middle = (good + bad) // 2
        good, bad = (middle, bad) if fits(middle) else (good, middle)
    return good
