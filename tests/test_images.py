"""The image pipeline, tested by the properties of real generated pictures (STYLE.md: never by bytes).

Pictures are tiny and the widths small (64 and 128 px) so the suite stays quick; every test
decodes what the pipeline wrote and checks format, size, mode, orientation and metadata.
"""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageFile, JpegImagePlugin, features

import imagefactory as factory
from backlying_site.assets import images
from backlying_site.errors import Problem
from backlying_site.model import ImageRef, ImageSettings

# AVIF is served only where smaller than WebP; at thumbnail sizes its container overhead loses
# unless WebP's quality is high, so these qualities keep AVIF outputs in the tests' view.
SMALL = ImageSettings(widths=(64, 128), formats=("avif", "webp"), quality=(("avif", 40), ("webp", 90), ("jpeg", 80)))
FORMATS = ("avif", "webp")
PIL_FORMAT = {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG", "png": "PNG"}
NAME = re.compile(r"^(?P<stem>[a-z0-9_-]+)\.(?P<key>[0-9a-f]{8})\.(?P<width>\d+)w\.(?P<ext>avif|webp|jpg|png)$")


def ref(path: Path, line: int = 12, field: str = "steps[2].image") -> ImageRef:
    return ImageRef(source=path, rel=f"images/{path.name}", alt="A baby on a mat", origin="content/posts/p.md",
                    line=line, field=field)


def plan(path: Path, settings: ImageSettings = SMALL, formats: tuple[str, ...] = FORMATS) -> images.ImagePlan:
    result = images.plan_image(ref(path), settings, formats)
    assert isinstance(result, images.ImagePlan), result
    return result


def process(paths: list[Path], cache: Path, settings: ImageSettings = SMALL,
            workers: int = 1) -> tuple[list[images.ImagePlan], int]:
    """Plan, process and finalise like the builder; fail the test on any processing failure."""
    plans = [plan(p, settings) for p in paths]
    encoded, failures = images.process_plans(plans, settings, cache, workers=workers)
    assert failures == {}
    return [images.finalise(p, cache) for p in plans], encoded


def reopen(path: Path) -> Image.Image:
    im = Image.open(path)
    im.load()
    return im


def is_red(pixel: tuple[int, ...]) -> bool:
    r, g, b = pixel[:3]
    return r > 170 and g < 80 and b < 80


# --- geometry tables ----------------------------------------------------------------------

DEFAULT_WIDTHS = (480, 800, 1200, 1600)


@pytest.mark.parametrize(("source", "widths", "expected"), [
    (3000, DEFAULT_WIDTHS, (480, 800, 1200, 1600)),
    (1600, DEFAULT_WIDTHS, (480, 800, 1200, 1600)),
    (1601, DEFAULT_WIDTHS, (480, 800, 1200, 1600)),
    (1000, DEFAULT_WIDTHS, (480, 800, 1000)),  # used at its own width once, never upscaled
    (800, DEFAULT_WIDTHS, (480, 800)),
    (481, DEFAULT_WIDTHS, (480, 481)),
    (300, DEFAULT_WIDTHS, (300,)),
    (1, DEFAULT_WIDTHS, (1,)),
    (1000, (1600, 480), (480, 1000)),  # order in site.yaml does not matter
    (500, (480,), (480,)),
])
def test_target_widths(source: int, widths: tuple[int, ...], expected: tuple[int, ...]) -> None:
    assert images.target_widths(source, widths) == expected


@given(st.integers(1, 20_000), st.sets(st.integers(16, 8000), min_size=1, max_size=6))
def test_target_widths_never_upscale_and_end_at_the_largest_possible(source: int, widths: set[int]) -> None:
    result = images.target_widths(source, tuple(widths))
    assert list(result) == sorted(set(result))
    assert max(result) == min(source, max(widths))
    assert all(w <= source for w in result)
    assert set(result) <= widths | {source}


@pytest.mark.parametrize(("size", "target", "height"), [
    ((3000, 2000), 1600, 1067), ((3000, 2000), 480, 320), ((2000, 3000), 480, 720), ((1000, 1), 480, 1),
    ((1, 1), 1, 1),
])
def test_scaled_height(size: tuple[int, int], target: int, height: int) -> None:
    assert images.scaled_height(*size, target) == height


@pytest.mark.parametrize(("orientation", "upright"), [(1, (30, 20)), (3, (30, 20)), (5, (20, 30)),
                                                      (6, (20, 30)), (8, (20, 30)), (2, (30, 20))])
def test_upright_size(orientation: int, upright: tuple[int, int]) -> None:
    assert images.upright_size((30, 20), orientation) == upright


@pytest.mark.parametrize(("formats", "totals", "kept"), [
    (("avif", "webp", "jpeg"), {"avif": 90, "webp": 100, "jpeg": 300}, ("avif", "webp", "jpeg")),
    (("avif", "webp", "jpeg"), {"avif": 120, "webp": 100, "jpeg": 300}, ("webp", "jpeg")),
    (("avif", "webp", "jpeg"), {"avif": 100, "webp": 100, "jpeg": 300}, ("webp", "jpeg")),  # no gain: drop
    (("avif", "jpeg"), {"avif": 400, "jpeg": 300}, ("jpeg",)),  # no WebP: against the fallback
    (("webp", "png"), {"webp": 400, "png": 300}, ("webp", "png")),  # only AVIF is ever dropped
])
def test_kept_formats(formats: tuple[str, ...], totals: dict[str, int], kept: tuple[str, ...]) -> None:
    assert images.kept_formats(formats, totals) == kept


# --- features -----------------------------------------------------------------------------


def test_all_formats_available_gives_no_note() -> None:
    assert images.available_formats(("avif", "webp")) == (("avif", "webp"), [])


@pytest.mark.parametrize(("missing", "usable"), [({"avif"}, ("webp",)), ({"avif", "webp"}, ())])
def test_missing_encoders_fall_back_with_one_note(monkeypatch: pytest.MonkeyPatch, missing: set[str],
                                                   usable: tuple[str, ...]) -> None:
    monkeypatch.setattr(features, "check", lambda name: name not in missing)
    formats, notes = images.available_formats(("avif", "webp"))
    assert formats == usable
    assert len(notes) == 1
    assert all(fmt.upper() in notes[0] for fmt in missing)


def test_without_avif_the_picture_has_no_avif_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(features, "check", lambda name: name != "avif")
    formats, _ = images.available_formats(("avif", "webp"))
    result = plan(factory.save(factory.photo(), tmp_path / "a.jpg"), formats=formats)
    assert result.formats == ("webp", "jpeg")
    assert not result.of_format("avif")


def test_a_rebuild_that_encodes_nothing_never_loads_pillows_image_modules(sample_site: Path,
                                                                          source_date_epoch: str) -> None:
    """(~20 ms of a one-post rebuild.) The second build, in a fresh process, only reads the memo."""
    script = ("import sys; from backlying_site.cli import main; code = main(['build', '--source', sys.argv[1]]); "
              "print(sorted(m for m in sys.modules if m.startswith('PIL.')))")
    for _ in range(2):
        run = subprocess.run([sys.executable, "-c", script, str(sample_site)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
    assert "PIL.Image'" not in run.stdout and "PIL.ImageCms" not in run.stdout, run.stdout


# --- planning: names, sizes, never decoding ------------------------------------------------


def test_plan_names_every_variant_with_stem_hash_width_and_extension(tmp_path: Path) -> None:
    result = plan(factory.save(factory.photo((300, 200)), tmp_path / "Step 1.jpg"))
    assert result.formats == ("avif", "webp", "jpeg")
    assert {(v.format, v.width, v.height) for v in result.variants} == {
        (f, w, h) for f in ("avif", "webp", "jpeg") for w, h in ((64, 43), (128, 85))}
    for variant in result.variants:
        match = NAME.match(variant.name)
        assert match, variant.name
        assert match["stem"] == "step-1" and match["key"] == result.key
        assert int(match["width"]) == variant.width and match["ext"] == images.EXT[variant.format]
    assert (result.width, result.height) == (128, 85)


def test_hash_follows_the_bytes_not_the_path(tmp_path: Path) -> None:
    first = factory.save(factory.photo(), tmp_path / "a" / "step-1.jpg")
    copy = tmp_path / "b" / "step-1.jpg"
    copy.parent.mkdir()
    copy.write_bytes(first.read_bytes())
    assert plan(first).key == plan(copy).key
    factory.save(factory.photo().rotate(180), copy, "JPEG")
    assert plan(first).key != plan(copy).key


def test_hash_follows_the_settings_that_change_this_image(tmp_path: Path) -> None:
    path = factory.save(factory.photo((96, 64)), tmp_path / "a.jpg")
    key = plan(path).key
    assert plan(path, dataclasses.replace(SMALL, widths=(64, 128, 2000))).key == key  # 96 px: same outputs
    assert plan(path, dataclasses.replace(SMALL, widths=(48, 128))).key != key
    assert plan(path, dataclasses.replace(SMALL, quality=(("avif", 40), ("webp", 95), ("jpeg", 80)))).key != key
    assert plan(path, formats=("webp",)).key != key


def test_hashed_name_is_stable_across_runs(tmp_path: Path) -> None:
    path = factory.save(factory.photo(), tmp_path / "a.jpg")
    code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import test_images as t; "
            "print(t.plan(Path(sys.argv[2])).key)")
    other_run = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), str(path)],
                               capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "random"})
    assert other_run.stdout.strip() == plan(path).key


def test_planning_reads_headers_without_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = {
        factory.jpeg_with_everything(tmp_path / "rotated.jpg", orientation=6): (64, 96),  # stored 96x64
        factory.png_with_text(tmp_path / "text.png"): (96, 64),
        factory.palette_with_transparency(tmp_path / "palette.png"): (40, 30),
        factory.png16_grey(tmp_path / "grey16.png"): (40, 30),
        factory.save(factory.photo(), tmp_path / "photo.webp", "WEBP"): (96, 64),
        factory.save(factory.photo(), tmp_path / "photo.gif", "GIF"): (96, 64),
    }

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError(f"{self.format} pixels were decoded while planning")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    for path, size in sources.items():
        result = plan(path)
        assert (result.width, result.height) == size, path.name


def test_transparency_picks_a_png_fallback(tmp_path: Path) -> None:
    assert plan(factory.palette_with_transparency(tmp_path / "p.png")).formats == ("avif", "webp", "png")
    assert plan(factory.save(factory.photo(mode="RGBA"), tmp_path / "a.png")).fallback == "png"
    assert plan(factory.save(factory.photo(), tmp_path / "b.png")).fallback == "jpeg"


# --- processing: the pixels ---------------------------------------------------------------


def test_outputs_have_the_planned_format_size_and_mode(tmp_path: Path) -> None:
    (result,), encoded = process([factory.save(factory.photo((300, 200)), tmp_path / "a.jpg")], tmp_path / "c")
    assert encoded == 1
    assert result.formats == ("avif", "webp", "jpeg")
    for variant in result.variants:
        im = reopen(tmp_path / "c" / variant.name)
        assert im.format == PIL_FORMAT[variant.format]
        assert im.size == (variant.width, variant.height)
        assert im.mode == "RGB"


def test_a_narrow_source_is_never_upscaled(tmp_path: Path) -> None:
    (result,), _ = process([factory.save(factory.photo((40, 30)), tmp_path / "small.jpg")], tmp_path / "c")
    assert {v.width for v in result.variants} == {40}
    assert {reopen(tmp_path / "c" / v.name).size for v in result.variants} == {(40, 30)}


def test_one_pixel_image_is_processed(tmp_path: Path) -> None:
    (result,), _ = process([factory.save(Image.new("RGB", (1, 1), (200, 10, 10)), tmp_path / "dot.png")],
                           tmp_path / "c")
    for variant in result.variants:
        im = reopen(tmp_path / "c" / variant.name)
        assert im.size == (1, 1)
        assert is_red(im.convert("RGB").getpixel((0, 0)))


UNDO = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270}


@pytest.mark.parametrize("orientation", sorted(UNDO))
def test_exif_orientation_is_applied(tmp_path: Path, orientation: int) -> None:
    """The camera stored the picture turned and said so in EXIF; every output is upright."""
    upright = factory.photo((96, 64))  # red block top-left
    stored = upright.transpose(UNDO[orientation])
    source = factory.save(stored, tmp_path / "turned.jpg", "JPEG", exif=factory.private_exif(orientation),
                          quality=95)
    (result,), _ = process([source], tmp_path / "c")
    assert (result.width, result.height) == (96, 64)
    assert "avif" in result.formats
    for variant in result.variants:
        im = reopen(tmp_path / "c" / variant.name).convert("RGB")
        w, h = im.size
        assert w > h
        assert is_red(im.getpixel((w // 8, h // 8))), variant.name
        assert not is_red(im.getpixel((w - 1 - w // 8, h // 8))), variant.name
        assert not is_red(im.getpixel((w // 8, h - 1 - h // 8))), variant.name


def test_cmyk_jpeg_becomes_rgb_with_the_right_colour(tmp_path: Path) -> None:
    (result,), _ = process([factory.cmyk_jpeg(tmp_path / "cmyk.jpg")], tmp_path / "c")
    for variant in result.variants:
        im = reopen(tmp_path / "c" / variant.name)
        assert im.mode == "RGB"
        assert is_red(im.getpixel((10, 10))), variant.name


def test_sixteen_bit_grey_png_keeps_its_brightness(tmp_path: Path) -> None:
    (result,), _ = process([factory.png16_grey(tmp_path / "grey.png", 32768)], tmp_path / "c")
    assert result.fallback == "jpeg"
    for variant in result.variants:
        r, g, b = reopen(tmp_path / "c" / variant.name).convert("RGB").getpixel((10, 10))
        assert all(abs(v - 128) <= 4 for v in (r, g, b)), (variant.name, (r, g, b))


def test_sixteen_bit_rgb_png_keeps_its_colour(tmp_path: Path) -> None:
    (result,), _ = process([factory.png16_rgb(tmp_path / "orange.png")], tmp_path / "c")
    for variant in result.variants:
        r, g, b = reopen(tmp_path / "c" / variant.name).convert("RGB").getpixel((3, 3))
        assert r > 240 and abs(g - 128) <= 8 and b < 16, (variant.name, (r, g, b))


def test_greyscale_jpeg_becomes_neutral_rgb(tmp_path: Path) -> None:
    (result,), _ = process([factory.greyscale_jpeg(tmp_path / "grey.jpg")], tmp_path / "c")
    for variant in result.variants:
        im = reopen(tmp_path / "c" / variant.name)
        assert im.mode == "RGB"
        r, g, b = im.getpixel((60, 40))
        assert max(r, g, b) - min(r, g, b) <= 6


def test_palette_transparency_is_kept(tmp_path: Path) -> None:
    (result,), _ = process([factory.palette_with_transparency(tmp_path / "p.png")], tmp_path / "c")
    assert result.fallback == "png"
    for variant in result.variants:
        im = reopen(tmp_path / "c" / variant.name).convert("RGBA")
        assert im.getpixel((1, 1))[3] < 16, variant.name  # clear corner
        assert im.getpixel((20, 15))[3] > 240 and is_red(im.getpixel((20, 15))), variant.name


def test_alpha_with_nothing_transparent_is_dropped(tmp_path: Path) -> None:
    (result,), _ = process([factory.save(factory.photo(mode="RGBA"), tmp_path / "opaque.png")], tmp_path / "c")
    for variant in result.variants:
        assert "A" not in reopen(tmp_path / "c" / variant.name).mode


def test_icc_profile_is_converted_to_srgb(tmp_path: Path) -> None:
    """A profile whose red means sRGB's blue: only a real conversion turns the red square blue."""
    source = factory.save(Image.new("RGB", (40, 30), (255, 0, 0)), tmp_path / "tagged.png", "PNG",
                          icc_profile=factory.swapped_primaries_icc())
    (result,), _ = process([source], tmp_path / "c")
    for variant in result.variants:
        r, g, b = reopen(tmp_path / "c" / variant.name).convert("RGB").getpixel((20, 15))
        assert b > 200 and r < 60 and g < 60, (variant.name, (r, g, b))


def test_jpeg_is_decoded_at_a_reduced_dct_scale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = factory.save(factory.photo((1024, 680)), tmp_path / "big.jpg", quality=90)
    drafts: list[tuple[int, int]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, mode: str | None, size: tuple[int, int] | None):
        answer = original(self, mode, size)
        drafts.append(self.size)
        return answer

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    (result,), _ = process([source], tmp_path / "c")
    assert drafts == [(256, 170)]  # 1/4 scale: still at least twice the largest width (128)
    assert reopen(tmp_path / "c" / result.variants[-1].name).size == (128, 85)


def test_smaller_widths_are_made_from_the_larger_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = factory.save(factory.photo((300, 200)), tmp_path / "a.png")
    resizes: list[tuple[tuple[int, int], tuple[int, int]]] = []
    original = Image.Image.resize

    def spy(self: Image.Image, size, *args, **kwargs):
        resizes.append((self.size, tuple(size)))
        return original(self, size, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "resize", spy)
    settings = ImageSettings(widths=(32, 64, 128), formats=("webp",))
    process([source], tmp_path / "c", settings)
    assert resizes == [((300, 200), (128, 85)), ((128, 85), (64, 43)), ((64, 43), (32, 21))]


# --- privacy ------------------------------------------------------------------------------

PRIVATE_BYTES = (b"PhoneMaker", b"Phone 12", b"SERIAL-123456", b"taken at home", b"adobe:ns:meta", b"Exif\x00",
                 b"sRGB-like test profile")


@pytest.mark.parametrize("make", [
    lambda d: factory.jpeg_with_everything(d / "gps.jpg"),
    lambda d: factory.png_with_text(d / "gps.png"),
    lambda d: factory.save(factory.photo(), d / "gps.webp", "WEBP", exif=factory.private_exif(),
                           xmp=factory.XMP, icc_profile=factory.swapped_primaries_icc(swap=False)),
], ids=["jpeg", "png", "webp"])
def test_outputs_carry_no_metadata(tmp_path: Path, make) -> None:
    source = make(tmp_path)
    with Image.open(source) as original:  # the fixture really carries what must be stripped
        assert original.getexif().get_ifd(factory.GPS_IFD) or original.info.get("exif")
    (result,), _ = process([source], tmp_path / "c")
    assert result.formats[:2] == ("avif", "webp")
    for variant in result.variants:
        path = tmp_path / "c" / variant.name
        im = reopen(path)
        assert not dict(im.getexif()), variant.name
        assert not im.getexif().get_ifd(factory.GPS_IFD)
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop"):
            assert key not in im.info, (variant.name, key)
        assert [m for m, _ in getattr(im, "applist", []) if m != "APP0"] == [], variant.name
        data = path.read_bytes()
        assert not [s for s in PRIVATE_BYTES if s in data], variant.name


def test_the_metadata_guard_sees_what_a_camera_writes(tmp_path: Path) -> None:
    found = images.metadata_in(factory.jpeg_with_everything(tmp_path / "a.jpg").read_bytes())
    assert {"exif", "xmp", "icc_profile", "comment", "APP1", "APP2"} <= set(found)


# --- the cache ----------------------------------------------------------------------------


def test_second_build_encodes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = images.encode
    monkeypatch.setattr(images, "encode", lambda frame, fmt, q: calls.append(fmt) or original(frame, fmt, q))
    paths = [factory.save(factory.photo((100 + i, 70)), tmp_path / f"s{i}.jpg") for i in range(3)]
    first, encoded = process(paths, tmp_path / "c")
    assert encoded == 3 and len(calls) == 3 * 3 * 2  # 3 images x 3 formats x 2 widths
    calls.clear()
    second, encoded = process(paths, tmp_path / "c")
    assert encoded == 0 and calls == []
    assert second == first


def test_only_the_changed_image_is_encoded_again(tmp_path: Path) -> None:
    paths = [factory.save(factory.photo(), tmp_path / f"s{i}.jpg", quality=70 + i) for i in range(2)]
    process(paths, tmp_path / "c")
    factory.save(factory.photo().rotate(90, expand=True), paths[1], "JPEG")
    _, encoded = process(paths, tmp_path / "c")
    assert encoded == 1


def test_a_lost_cache_file_or_a_broken_manifest_means_encoding_again(tmp_path: Path) -> None:
    (result,), _ = process([factory.save(factory.photo(), tmp_path / "a.jpg")], tmp_path / "c")
    (tmp_path / "c" / result.variants[0].name).unlink()
    assert process([result.source], tmp_path / "c")[1] == 1
    (tmp_path / "c" / result.manifest).write_text("{not json", encoding="utf-8")
    assert process([result.source], tmp_path / "c")[1] == 1


def test_avif_is_served_only_where_smaller_and_the_cache_remembers(tmp_path: Path) -> None:
    costly_avif = ImageSettings(widths=SMALL.widths, formats=FORMATS,
                                quality=(("avif", 100), ("webp", 10), ("jpeg", 78)))
    source = factory.save(factory.photo((300, 200)), tmp_path / "a.jpg")
    (result,), encoded = process([source], tmp_path / "c", costly_avif)
    assert encoded == 1
    assert result.formats == ("webp", "jpeg")
    assert not list((tmp_path / "c").glob("*.avif"))
    pic = images.picture(result, "alt", lambda name: f"/images/{name}")
    assert [s.mime for s in pic.sources] == ["image/webp"]
    (again,), encoded = process([source], tmp_path / "c", costly_avif)
    assert encoded == 0 and again.formats == ("webp", "jpeg")


def test_finalise_needs_processing_first(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        images.finalise(plan(factory.save(factory.photo(), tmp_path / "a.jpg")), tmp_path / "c")


def test_prune_removes_only_stale_entries(tmp_path: Path) -> None:
    cache = tmp_path / "c"
    kept_path, gone_path = (factory.save(factory.photo(), tmp_path / f"{n}.jpg", quality=q)
                            for n, q in (("kept", 80), ("gone", 81)))
    (kept, gone), _ = process([kept_path, gone_path], cache)
    (cache / ".kept.1234.tmp").write_bytes(b"left by a killed build")
    (cache / "notes.txt").write_text("not ours", encoding="utf-8")
    removed = images.prune_cache(cache, "site", images.cache_names([plan(kept_path)]), images.CACHE_FILE)
    names = {p.name for p in cache.iterdir()}
    assert removed == len(gone.variants) + 2  # its variants, its manifest, the temporary file
    assert names == {v.name for v in kept.variants} | {kept.manifest, "notes.txt", "wanted-site.txt"}
    assert process([kept_path], cache)[1] == 0


def test_prune_keeps_what_another_output_still_uses(tmp_path: Path) -> None:
    """`build` and `serve` share the cache: neither deletes what only the other one's last build used."""
    cache = tmp_path / "c"
    one, two = (factory.save(factory.photo(), tmp_path / f"{n}.jpg", quality=q) for n, q in (("one", 80), ("two", 81)))
    (first, second), _ = process([one, two], cache)
    images.prune_cache(cache, "preview", images.cache_names([plan(one), plan(two)]), images.CACHE_FILE)
    assert images.prune_cache(cache, "site", images.cache_names([plan(one)]), images.CACHE_FILE) == 0
    images.prune_cache(cache, "preview", images.cache_names([plan(one)]), images.CACHE_FILE)
    assert not (cache / second.manifest).exists() and (cache / first.manifest).exists()


def test_prune_of_a_missing_cache_is_nothing(tmp_path: Path) -> None:
    assert images.prune_cache(tmp_path / "never-made", "site", set(), images.CACHE_FILE) == 0


def test_output_bytes_are_deterministic_in_and_out_of_the_pool(tmp_path: Path) -> None:
    paths = [factory.jpeg_with_everything(tmp_path / "a.jpg"), factory.palette_with_transparency(tmp_path / "b.png"),
             factory.save(factory.photo((200, 150)), tmp_path / "c.webp", "WEBP")]
    one, _ = process(paths, tmp_path / "one", workers=1)
    pool, _ = process(paths, tmp_path / "pool", workers=2)
    assert one == pool
    for result in one:
        for variant in result.variants:
            assert (tmp_path / "one" / variant.name).read_bytes() == (tmp_path / "pool" / variant.name).read_bytes()


def test_pool_works_while_other_threads_run(tmp_path: Path) -> None:
    """`serve` builds from a thread beside its web server: the pool must not fork a threaded process."""
    import threading

    stop = threading.Event()
    server = threading.Thread(target=stop.wait, daemon=True)
    server.start()
    try:
        assert images._start_method() != "fork"
        paths = [factory.save(factory.photo((90 + i, 60)), tmp_path / f"s{i}.jpg") for i in range(2)]
        assert images.process_plans([plan(p) for p in paths], SMALL, tmp_path / "c", workers=2) == (2, {})
    finally:
        stop.set()
        server.join()


# --- progress -----------------------------------------------------------------------------


def test_progress_is_reported_per_image_from_the_pool(tmp_path: Path) -> None:
    paths = [factory.save(factory.photo((90 + i, 60)), tmp_path / f"s{i}.jpg") for i in range(3)]
    calls: list[tuple[int, int]] = []
    encoded, failures = images.process_plans([plan(p) for p in paths], SMALL, tmp_path / "c", workers=2,
                                             progress=lambda done, total: calls.append((done, total)))
    assert (encoded, failures) == (3, {})
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    calls.clear()
    images.process_plans([plan(p) for p in paths], SMALL, tmp_path / "c", progress=lambda *a: calls.append(a))
    assert calls == []  # nothing to do, nothing shown


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_in_ci_is_one_summary_line(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    line = images.ProgressLine(stream)
    for done in range(4):
        line(done, 3)
    assert re.fullmatch(r"Processed 3 images in \d+\.\d s\n", stream.getvalue())


def test_progress_line_on_a_terminal_redraws_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream = Terminal()
    line = images.ProgressLine(stream)
    for done in range(4):
        line(done, 3)
    assert stream.getvalue().startswith("\r") and stream.getvalue().endswith("3/3\n")
    assert stream.getvalue().count("\n") == 1


# --- bad pictures are content errors ------------------------------------------------------


def assert_problem(result: object, *words: str) -> None:
    assert isinstance(result, Problem), result
    assert (result.path, result.line, result.field) == ("content/posts/p.md", 12, "steps[2].image")
    assert result.format().startswith("content/posts/p.md:12: steps[2].image: 'images/")
    for word in words:
        assert word in result.message


def test_missing_file(tmp_path: Path) -> None:
    assert_problem(images.plan_image(ref(tmp_path / "gone.jpg"), SMALL, FORMATS), "cannot be read")


def test_zero_byte_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    assert_problem(images.plan_image(ref(tmp_path / "empty.jpg"), SMALL, FORMATS), "empty file")


def test_text_file_named_jpg(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("shopping list\n", encoding="utf-8")
    assert_problem(images.plan_image(ref(tmp_path / "notes.jpg"), SMALL, FORMATS), "not an image")


def test_image_format_outside_the_allowed_decoders(tmp_path: Path) -> None:
    source = factory.save(factory.photo(), tmp_path / "a.tga", "TGA")
    assert_problem(images.plan_image(ref(source), SMALL, FORMATS), "not an image")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_file_is_found_while_planning(tmp_path: Path, fmt: str) -> None:
    whole = factory.save(factory.photo((200, 150)), tmp_path / f"whole.{fmt.lower()}", fmt)
    cut = factory.truncated(tmp_path / f"cut.{fmt.lower()}", whole)
    assert_problem(images.plan_image(ref(cut), SMALL, FORMATS), "cut off")


def test_truncated_jpeg_with_an_embedded_thumbnail_is_still_found(tmp_path: Path) -> None:
    """A thumbnail in the metadata carries its own end-of-image marker: it must not hide the missing one."""
    thumbnail = io.BytesIO()
    factory.photo((32, 20)).save(thumbnail, "JPEG")
    source = factory.save(factory.photo((200, 150)), tmp_path / "t.jpg", "JPEG", comment=thumbnail.getvalue())
    assert isinstance(images.plan_image(ref(source), SMALL, FORMATS), images.ImagePlan)
    cut = factory.truncated(tmp_path / "cut.jpg", source)
    assert b"\xff\xd9" in cut.read_bytes()
    assert_problem(images.plan_image(ref(cut), SMALL, FORMATS), "cut off")


def test_corrupt_pixels_fail_at_processing_without_a_traceback(tmp_path: Path) -> None:
    bad = factory.corrupt_png_pixels(tmp_path / "bad.png")
    good = factory.save(factory.photo(), tmp_path / "good.jpg")
    plans = [plan(bad), plan(good)]  # the header is fine: only decoding finds out
    encoded, failures = images.process_plans(plans, SMALL, tmp_path / "c", workers=1)
    assert encoded == 1
    assert set(failures) == {bad} and failures[bad]
    assert not (tmp_path / "c" / plans[0].manifest).exists()
    assert images.is_cached(plans[1], tmp_path / "c")


def test_a_source_changed_after_planning_is_not_cached_under_the_old_name(tmp_path: Path) -> None:
    source = factory.save(factory.photo(), tmp_path / "a.jpg")
    planned = plan(source)
    factory.save(factory.photo().rotate(180), source, "JPEG")  # the author saves again mid-build
    encoded, failures = images.process_plans([planned], SMALL, tmp_path / "c", workers=1)
    assert encoded == 0 and "changed" in failures[source]
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


def test_identical_files_are_encoded_once_and_fail_together(tmp_path: Path) -> None:
    first = factory.save(factory.photo(), tmp_path / "a" / "step-1.jpg")
    second = tmp_path / "b" / "step-1.jpg"
    second.parent.mkdir()
    second.write_bytes(first.read_bytes())
    _, encoded = process([first, second], tmp_path / "c")
    assert encoded == 1
    for path in (first, second):
        factory.corrupt_png_pixels(path)
    encoded, failures = images.process_plans([plan(first), plan(second)], SMALL, tmp_path / "c")
    assert encoded == 0 and set(failures) == {first, second}


@pytest.mark.parametrize("limit", [1000, 3500])  # 96x64 = 6144 px: over twice the limit, then just over it
def test_decompression_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    source = factory.save(factory.photo((96, 64)), tmp_path / "huge.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    assert_problem(images.plan_image(ref(source), SMALL, FORMATS), "too large")


def test_unreadable_exif_still_plans(tmp_path: Path) -> None:
    source = factory.save(factory.photo(), tmp_path / "odd.jpg", "JPEG", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7f")
    assert plan(source).orientation == 1


# --- pictures larger than an output format allows (issue 18) ------------------------------------------

WEBP_TOO_TALL = ("content/posts/p.md:12: steps[2].image: 'images/{name}' is {size}, and a WebP picture (a format the "
                 "site makes of every picture) can be at most 16,383 px tall; resize it to at most 16,383 px tall")


@pytest.mark.parametrize(("size", "shown"), [((100, 20_000), "100 x 20,000 px"), ((100, 16_384), "100 x 16,384 px")])
def test_a_picture_taller_than_webp_allows_is_refused_while_planning(tmp_path: Path, size: tuple[int, int],
                                                                    shown: str) -> None:
    """Its copy at full height cannot be a WebP: said at planning, before anything is decoded or encoded."""
    source = factory.save(Image.new("RGB", size, "white"), tmp_path / "tall.png")
    result = images.plan_image(ref(source), SMALL, FORMATS)
    assert isinstance(result, Problem) and result.format() == WEBP_TOO_TALL.format(name="tall.png", size=shown)


def test_the_limit_is_on_the_copies_not_the_source(tmp_path: Path) -> None:
    """A tall picture wide enough to be scaled down fits; without WebP, the JPEG fallback's limit is 65,500 px."""
    wide_enough = factory.save(Image.new("RGB", (300, 20_000), "white"), tmp_path / "wide.png")
    assert max(v.height for v in plan(wide_enough).variants) == 8533
    narrow = factory.save(Image.new("RGB", (100, 20_000), "white"), tmp_path / "narrow.png")
    assert plan(narrow, SMALL, ("avif",)).formats == ("avif", "jpeg")


def test_a_picture_turned_upright_is_measured_upright(tmp_path: Path) -> None:
    """Stored 20,000 px wide with EXIF orientation 6, it is 20,000 px tall on the page."""
    source = factory.save(Image.new("RGB", (20_000, 100), "white"), tmp_path / "turned.jpg", "JPEG",
                          exif=factory.private_exif(6))
    result = images.plan_image(ref(source), SMALL, FORMATS)
    assert isinstance(result, Problem)
    assert result.format() == WEBP_TOO_TALL.format(name="turned.jpg", size="100 x 20,000 px")


def test_the_encoder_names_the_limit_too() -> None:
    with pytest.raises(ValueError, match=r"^1 x 16384 px is more than the 16,383 px on a side that WebP allows$"):
        images.encode(Image.new("RGB", (1, 16_384)), "webp", 75)
