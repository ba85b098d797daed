"""Share images: the Open Graph card and the Pinterest pin of every post.

Checked by their properties (size, format, no metadata, contrast under the title,
cache behaviour) and, for determinism only, by bytes across two separate builds.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFont

from backlying_site.assets import images, share
from backlying_site.load import theme
from backlying_site.build import BuildOptions, build, load_site, plan_images, today
from backlying_site.model import ImageRef, ImageSettings
from backlying_site.render.renderer import Renderer
from imagefactory import jpeg_with_everything, private_exif, save

BASE = "https://example.test/guide/"
SIZES = {"card": (1200, 630), "pin": (1000, 1500)}


def share_files(output: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((output / "images").glob("share-*.jpg"))}


def hero_plan(path: Path) -> images.ImagePlan:
    ref = ImageRef(path, path.name, "A picture.", "content/posts/x.md", 1, "hero")
    plan = images.plan_image(ref, ImageSettings(widths=(64, 128)), ())
    assert isinstance(plan, images.ImagePlan)
    return plan


def luminance(rgb: tuple[int, ...]) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_white(rgb: tuple[int, ...]) -> float:
    return 1.05 / (luminance(rgb) + 0.05)


# --- in the built site ------------------------------------------------------------------------


def test_every_post_gets_a_card_and_a_pin_of_the_right_size(built_sample: Path) -> None:
    files = share_files(built_sample)
    for slug in ["first-steps", "later", "plain"]:
        for kind, size in SIZES.items():
            [name] = [n for n in files if n.startswith(f"share-{slug}.") and n.endswith(f".{kind}.jpg")]
            with Image.open(io.BytesIO(files[name])) as im:
                assert (im.format, im.mode, im.size) == ("JPEG", "RGB", size), name
                assert not im.info.get("progressive"), name  # fetched whole by link previews: baseline


def test_share_images_carry_no_metadata(built_sample: Path) -> None:
    for name, data in share_files(built_sample).items():
        assert images.metadata_in(data) == [], name
        with Image.open(io.BytesIO(data)) as im:
            assert not im.getexif() and "exif" not in im.info and "icc_profile" not in im.info, name


def test_names_are_hashed_like_other_images(built_sample: Path) -> None:
    for name in share_files(built_sample):
        assert share.CACHE_FILE.fullmatch(name), name


def test_post_context_exposes_absolute_card_and_pin_urls(built_sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    guide, _ = load_site(BuildOptions(source=built_sample.parent), None)
    site = guide.default
    renderer = Renderer(site, theme.load_theme(site.root), plan_images(guide, None), today(), False)
    pages = {page.path: page for page in renderer.pages()}
    for post in site.posts:
        page = pages[f"{post.slug}/index.html"]
        context = renderer.full_context(page)  # structured data is made when the page renders
        plan = renderer.shares[post.slug]
        assert context["share_card_url"] == f"{BASE}images/{plan.card.name}"
        assert context["share_pin_url"] == f"{BASE}images/{plan.pin.name}"
        assert (built_sample / "images" / plan.pin.name).is_file()
        assert context["seo"].meta[0].key == "og:type"


# --- determinism and the cache ------------------------------------------------------------------


def test_bytes_are_the_same_on_two_separate_builds(sample_site: Path, tmp_path: Path, source_date_epoch: str) -> None:
    build(BuildOptions(source=sample_site, output=tmp_path / "one", cache_dir=tmp_path / "cache-one"))
    build(BuildOptions(source=sample_site, output=tmp_path / "two", cache_dir=tmp_path / "cache-two"))
    first, second = share_files(tmp_path / "one"), share_files(tmp_path / "two")
    assert len(first) == 6 and first == second


def test_second_build_draws_nothing_and_keeps_the_cached_files(sample_site: Path, source_date_epoch: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    build(BuildOptions(source=sample_site))
    cache = sample_site / ".cache/images"
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.glob("share-*.jpg")}
    assert len(before) == 6

    def must_not_draw(*args: object) -> bytes:
        raise AssertionError("a cached share image was drawn again")

    monkeypatch.setattr(share, "render_share", must_not_draw)
    build(BuildOptions(source=sample_site))
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.glob("share-*.jpg")}
    assert after == before
    assert set(share_files(sample_site / "public")) == set(before)


def test_a_share_image_gone_from_the_cache_is_drawn_again(sample_site: Path, source_date_epoch: str) -> None:
    build(BuildOptions(source=sample_site))
    cache = sample_site / ".cache/images"
    gone = sorted(cache.glob("share-*.jpg"))[0]
    kept = gone.read_bytes()
    gone.unlink()
    build(BuildOptions(source=sample_site))
    assert gone.read_bytes() == kept == (sample_site / "public/images" / gone.name).read_bytes()


def test_a_new_title_makes_new_images_and_prunes_the_old(sample_site: Path, source_date_epoch: str) -> None:
    build(BuildOptions(source=sample_site))
    cache = sample_site / ".cache/images"
    old = {p.name for p in cache.glob("share-plain.*")}
    post = sample_site / "content/posts/plain.md"
    post.write_text(post.read_text(encoding="utf-8").replace("A single-file post", "A renamed post"),
                    encoding="utf-8")
    build(BuildOptions(source=sample_site))
    new = {p.name for p in cache.glob("share-plain.*")}
    assert len(new) == 2 and not new & old
    assert len(list(cache.glob("share-*.jpg"))) == 6
    assert not any(name in share_files(sample_site / "public") for name in old)


def test_names_change_with_what_is_drawn(tmp_path: Path) -> None:
    hero = hero_plan(jpeg_with_everything(tmp_path / "hero.jpg"))
    other = hero_plan(save(Image.new("RGB", (90, 60), "white"), tmp_path / "white.jpg", quality=90))
    plain = share.plan_share("slug", "Title", "Site", None)
    assert share.plan_share("slug", "Title", "Site", None) == plain
    keys = {plain.key, share.plan_share("slug", "Title 2", "Site", None).key,
            share.plan_share("slug", "Title", "Site 2", None).key,
            share.plan_share("slug", "Title", "Site", hero).key, share.plan_share("slug", "Title", "Site", other).key}
    assert len(keys) == 5


def test_names_change_with_how_the_images_are_encoded(monkeypatch: pytest.MonkeyPatch) -> None:
    before = share.plan_share("slug", "Title", "Site", None).key
    caches = (share._drawing_fingerprint, share.plan_share)
    for cached in caches:
        cached.cache_clear()
    monkeypatch.setattr(share, "ENCODER", {**share.ENCODER, "progressive": True})
    try:
        assert share.plan_share("slug", "Title", "Site", None).key != before
    finally:
        for cached in caches:
            cached.cache_clear()


def test_prune_removes_only_share_images_no_post_names(tmp_path: Path) -> None:
    plan = share.plan_share("kept", "Kept", "Site", None)
    for name in [plan.card.name, plan.pin.name, "share-gone.0123abcd.card.jpg", "hero.0123abcd.800w.jpg", "notes.txt"]:
        (tmp_path / name).write_bytes(b"x")
    assert images.prune_cache(tmp_path, "site", share.cache_names([plan]), share.CACHE_FILE) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [plan.card.name, plan.pin.name, "hero.0123abcd.800w.jpg", "notes.txt", "wanted-site.txt"])


# --- drawing ------------------------------------------------------------------------------------


def test_a_post_without_a_hero_gets_the_accent_colour() -> None:
    plan = share.plan_share("plain", "A single-file post", "Sample Guide", None)
    for layout in (share.CARD, share.PIN):
        im = share.draw_share(plan, layout)
        assert im.size == (layout.width, layout.height)
        assert im.getpixel((2, 2)) == share.ACCENT == im.getpixel((layout.width - 3, layout.height - 3))
        assert contrast_with_white(share.ACCENT) >= 4.5


def test_title_over_a_white_photo_stays_readable(tmp_path: Path) -> None:
    hero = hero_plan(save(Image.new("RGB", (300, 200), "white"), tmp_path / "white.png"))
    plan = share.plan_share("white", "Tummy time on a white blanket", "Sample Guide", hero)
    card = share.draw_share(plan, share.CARD)
    assert card.getpixel((5, 5)) == (255, 255, 255)  # the photo shows above the band
    band = card.getpixel((5, card.height - 5))  # in the band, beside the words
    assert contrast_with_white(band) >= 7
    pin = share.draw_share(plan, share.PIN)
    assert pin.getpixel((5, 5)) == (255, 255, 255)
    assert pin.getpixel((5, pin.height - 5)) == share.PANEL
    assert contrast_with_white(share.PANEL) >= 7


def test_hero_is_drawn_upright_from_its_exif_orientation(tmp_path: Path) -> None:
    # imagefactory's photo has a red block in its top-left quarter; orientation 6 stores it rotated.
    upright = hero_plan(jpeg_with_everything(tmp_path / "upright.jpg", orientation=1))
    rotated_source = tmp_path / "rotated.jpg"
    with Image.open(tmp_path / "upright.jpg") as im:
        stored = im.transpose(Image.Transpose.ROTATE_90)  # what a phone held sideways writes
    save(stored, rotated_source, "JPEG", exif=private_exif(6), quality=90)
    rotated = hero_plan(rotated_source)
    for plan in (upright, rotated):
        frame = share.hero_frame(plan, (300, 200))
        r, g, b = frame.getpixel((40, 40))[:3]
        assert r > 150 and g < 100 and b < 100, plan.source.name


def test_long_titles_wrap_within_the_margins_and_are_cut_at_the_last_line() -> None:
    long = " ".join(["Gentle stretches for tight hamstrings"] * 6)
    for layout in (share.CARD, share.PIN):
        title_font, lines = share.fit_title(long, layout)
        assert title_font.size == layout.title_sizes[-1]
        assert len(lines) == layout.max_lines and lines[-1].endswith("…")
        assert all(title_font.getlength(line) <= layout.width - 2 * layout.margin for line in lines)
        short_font, short = share.fit_title("Tummy time", layout)
        assert short == ["Tummy time"] and short_font.size == layout.title_sizes[0]


def test_a_word_wider_than_a_line_is_broken() -> None:
    font = share.font(share.TITLE_FONT, 72)
    lines = share.wrap("Supercalifragilisticexpialidocious" * 2, font, 500)
    assert len(lines) > 1 and all(font.getlength(line) <= 500 for line in lines)


# --- fitting long titles: work in proportion to the title (issue 18) ----------------------------


class MeasuringFont:
    """A font stand-in whose letters have made-up widths; it counts the calls and letters it measures."""

    WIDTHS = {"i": 20, "l": 20, " ": 20, "W": 60, "M": 60, "…": 60}

    def __init__(self, size: int, counts: dict[str, int]) -> None:
        self.size, self.counts = size, counts

    def getlength(self, text: str) -> float:
        self.counts["calls"] += 1
        self.counts["letters"] += len(text)
        return sum(self.WIDTHS.get(char, 40) for char in text) * self.size / 72


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    counts = {"calls": 0, "letters": 0}
    monkeypatch.setattr(share, "font", lambda path, size, shaped=False: MeasuringFont(size, counts))
    return counts


def letters_measured(fit: str, title: str, counts: dict[str, int]) -> int:
    counts.update(calls=0, letters=0)
    if fit == "site title":
        share.ellipsize(title, share.font(share.SITE_FONT, 30), 1072)
    else:
        share.fit_title(title, share.CARD if fit == "card" else share.PIN)
    return counts["letters"]


SHAPES = {"one word": lambda n: "a" * n, "short words": lambda n: ("word " * n)[:n],
          "long words": lambda n: ("a" * 39 + " ") * (n // 40)}


@pytest.mark.parametrize("fit", ["card", "pin", "site title"])
@pytest.mark.parametrize("shape", SHAPES)
def test_the_letters_measured_grow_in_proportion_to_the_title(fit: str, shape: str, measured: dict[str, int]) -> None:
    # Before: cut one letter (or word) at a time, each cut measured again: four times the title, 15 times the work.
    small = letters_measured(fit, SHAPES[shape](1000), measured)
    large = letters_measured(fit, SHAPES[shape](4000), measured)
    assert large <= 4.5 * small


def test_a_4000_letter_word_is_measured_about_once_per_line_not_once_per_letter(measured: dict[str, int]) -> None:
    share.fit_title("a" * 4000, share.CARD)
    assert measured["calls"] < 4000 / 10  # a line holds ~27 letters; before, every letter was measured: 20,000+ calls


@given(st.text(alphabet="aiWMl -é…\u00a0", max_size=250), st.sampled_from([share.CARD, share.PIN]))
@settings(max_examples=200, deadline=None)
def test_fitting_cuts_where_the_letter_by_letter_cut_did(title: str, layout: share.Layout) -> None:
    """Same lines, so the same images under the same cached names as before issue 18."""
    counts = {"calls": 0, "letters": 0}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(share, "font", lambda path, size, shaped=False: MeasuringFont(size, counts))
        title_font, lines = share.fit_title(title, layout)
        assert (title_font.size, lines) == reference_fit(title, layout)
        site_font = MeasuringFont(30, counts)
        assert share.ellipsize(title, site_font, 500) == reference_ellipsize(title, site_font, 500)


@pytest.mark.parametrize("title", ["Supercalifragilisticexpialidocious" * 4, "Gentle stretches for tight " * 12,
                                   "Bébé 👶 on the back, legs up — a first exercise, then " * 4])
def test_fitting_with_the_real_font_cuts_where_the_letter_by_letter_cut_did(title: str) -> None:
    for layout in (share.CARD, share.PIN):
        title_font, lines = share.fit_title(title, layout)
        assert (title_font.size, lines) == reference_fit(title, layout)


def reference_fit(title: str, layout: share.Layout) -> tuple[int, list[str]]:
    """share.fit_title before issue 18, a letter (or word) at a time: slow, and plainly right."""
    width = layout.width - 2 * layout.margin
    for size in layout.title_sizes:
        title_font = share.font(share.TITLE_FONT, size)
        lines = reference_wrap(title, title_font, width)
        if len(lines) <= layout.max_lines:
            return title_font.size, lines
    kept = lines[:layout.max_lines]
    kept[-1] = reference_ellipsize(" ".join(lines[layout.max_lines - 1:]), title_font, width, force=True)
    return title_font.size, kept


def reference_wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        pieces = [""]
        for char in word:
            if pieces[-1] and font.getlength(pieces[-1] + char) > width:
                pieces.append("")
            pieces[-1] += char
        lines += pieces[:-1]
        line = pieces[-1]
    return lines + [line] if line else lines or [""]


def reference_ellipsize(text: str, font: ImageFont.FreeTypeFont, width: int, force: bool = False) -> str:
    if not force and font.getlength(text) <= width:
        return text
    words = text.split()
    while words and font.getlength(" ".join(words) + "…") > width:
        words.pop()
    if words:
        return " ".join(words) + "…"
    cut = text
    while cut and font.getlength(cut + "…") > width:
        cut = cut[:-1]
    return cut + "…"


def test_the_bundled_font_is_a_real_font_with_its_licence() -> None:
    for path in (share.TITLE_FONT, share.SITE_FONT):
        loaded = ImageFont.truetype(str(path), 40)
        assert loaded.getname()[0] == "Atkinson Hyperlegible"
    assert "SIL Open Font License" in (share.FONTS / "OFL.txt").read_text(encoding="utf-8")


def test_share_images_off_falls_back_to_the_hero(sample_site: Path, source_date_epoch: str) -> None:
    """site.yaml `share_images: false`: no card or pin; og:image is the hero's largest fallback, if any."""
    config = sample_site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "share_images: false\n", encoding="utf-8")
    build(BuildOptions(source=sample_site))
    output = sample_site / "public"
    assert share_files(output) == {}
    assert not list((sample_site / ".cache/images").glob("share-*"))
    first = (output / "first-steps/index.html").read_text(encoding="utf-8")
    assert f'<meta property="og:image" content="{BASE}images/hero.' in first
    assert '<meta property="og:image:type" content="image/jpeg">' in first
    assert '<meta name="twitter:card" content="summary_large_image">' in first
    assert "media=" not in first  # the Pinterest link carries no pin image
    plain = (output / "plain/index.html").read_text(encoding="utf-8")  # no hero, no step image
    assert 'property="og:image' not in plain
    assert '<meta name="twitter:card" content="summary">' in plain


# --- other scripts (issue 21) -------------------------------------------------------------------


@pytest.mark.parametrize("title, font, direction", [
    ("La posición boca arriba", "AtkinsonHyperlegible-Bold.ttf", "ltr"),
    ("وضعية الاستلقاء على الظهر", "NotoSansArabic-Bold.ttf", "rtl"),
    ("תנוחת שכיבה על הגב", "NotoSansHebrew-Bold.ttf", "rtl"),
    ("Положение лёжа на спине", "NotoSans-Bold.ttf", "ltr"),
])
def test_a_title_is_set_in_a_font_that_has_its_letters(title: str, font: str, direction: str) -> None:
    script = share.script_of(title)
    assert (script.bold.name, script.direction) == (font, direction)


def test_letters_the_latin_font_lacks_are_drawn_not_left_as_empty_boxes() -> None:
    """Two titles of as many letters, which the same box per letter would draw alike."""
    one, two = (share.render_share(share.plan_share("x", title, "Site", None), share.CARD)
                for title in ("وضعية الظهر", "تمرين اليدن"))
    assert len("وضعية الظهر") == len("تمرين اليدن") and one != two


def test_a_right_to_left_title_starts_at_the_right_margin() -> None:
    canvas = share.draw_share(share.plan_share("x", "תנוחת שכיבה", "אתר", None), share.CARD)
    width = share.CARD.width
    white_columns = [x for x in range(width) if any(canvas.getpixel((x, y)) == share.WHITE
                                                    for y in range(0, share.CARD.height, 3))]
    assert max(white_columns) > width - share.CARD.margin - 40 and min(white_columns) > share.CARD.margin + 40
