"""Responsive, private images: plan from headers, then process with Pillow, cached by content.

Lektor's split: ``plan_image`` reads only the header (size, mode, orientation)
so every URL and intrinsic size is known before any pixel is decoded; the work
in ``process_plan`` runs later, in a pool, and its files are cached under
``.cache/images`` by a hash of the source bytes and the settings (Hugo's way),
never by path and mtime (Zola's stale-image bugs).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError, features

from .errors import Problem
from .model import ImageRef, ImageSettings

# Bump when the processing code changes what it produces: old cache entries then miss.
PIPELINE_VERSION = "1"
MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
EXT = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}
_TRANSPOSED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


@dataclass(frozen=True)
class Variant:
    name: str  # file name under images/, e.g. step-1.3f9a2c1d.800w.webp
    format: str
    width: int
    height: int

    @property
    def mime(self) -> str:
        return MIME[self.format]


@dataclass(frozen=True)
class ImagePlan:
    """Everything about one source image that pages need, known before decoding it."""

    source: Path
    key: str  # hash of source bytes + settings
    width: int  # upright intrinsic size of the largest variant
    height: int
    formats: tuple[str, ...]  # modern formats first, fallback last
    variants: tuple[Variant, ...]

    @property
    def fallback(self) -> str:
        return self.formats[-1]

    def of_format(self, fmt: str) -> tuple[Variant, ...]:
        return tuple(v for v in self.variants if v.format == fmt)


@dataclass(frozen=True)
class PictureSource:
    mime: str
    srcset: str


@dataclass(frozen=True)
class Picture:
    """What a template needs to write <picture>: URLs per format and width, intrinsic size."""

    alt: str
    src: str
    srcset: str
    width: int
    height: int
    sources: tuple[PictureSource, ...]


def available_formats(wanted: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """The wanted modern formats this Pillow can encode, and a warning for each it cannot."""
    usable, notes = [], []
    for fmt in wanted:
        if features.check(fmt):
            usable.append(fmt)
        else:
            notes.append(f"this Pillow cannot encode {fmt.upper()}; images are made without it")
    return tuple(usable), notes


def target_widths(source_width: int, widths: tuple[int, ...]) -> tuple[int, ...]:
    """Never upscale: widths under the source's, plus the source's own once if it is narrower."""
    below = sorted(w for w in widths if w < source_width)
    if source_width <= max(widths):
        below.append(source_width)
    else:
        below.append(max(widths))
    return tuple(sorted(set(below)))


def scaled_height(width: int, height: int, target: int) -> int:
    return max(1, round(height * target / width))


def settings_fingerprint(settings: ImageSettings, formats: tuple[str, ...]) -> str:
    return json.dumps([PIPELINE_VERSION, settings.widths, formats, settings.quality], sort_keys=True)


def plan_image(ref: ImageRef, settings: ImageSettings, formats: tuple[str, ...]) -> ImagePlan | Problem:
    """Read the header only (Pillow's open is lazy) and decide every output file."""
    try:
        data = ref.source.read_bytes()
    except OSError as exc:
        return _problem(ref, "cannot be read", exc.strerror or str(exc))
    if not data:
        return _problem(ref, f"'{ref.rel}' is an empty file (0 bytes); export the picture again")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                size, mode, fmt = im.size, im.mode, im.format
                orientation = im.getexif().get(0x0112, 1) if fmt in ("JPEG", "PNG", "WEBP", "TIFF") else 1
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _problem(ref, f"'{ref.rel}' is too large to process safely (over "
                        f"{Image.MAX_IMAGE_PIXELS:,} pixels); resize it below 8000 pixels wide")
    except UnidentifiedImageError:
        return _problem(ref, f"'{ref.rel}' is not an image Pillow can read; save it as JPEG, PNG or WebP")
    except (OSError, ValueError, SyntaxError) as exc:
        return _problem(ref, f"'{ref.rel}' is damaged; export the picture again", str(exc))
    width, height = (size[1], size[0]) if orientation in _TRANSPOSED else size
    if width * height > Image.MAX_IMAGE_PIXELS:
        return _problem(ref, f"'{ref.rel}' is too large to process safely ({width}×{height}); resize it "
                        "below 8000 pixels wide")
    alpha = "A" in mode or mode in ("P", "PA") and _palette_alpha(data)
    fallback = "png" if alpha else "jpeg"
    all_formats = (*formats, fallback)
    fingerprint = settings_fingerprint(settings, all_formats)
    key = hashlib.sha256(data + fingerprint.encode()).hexdigest()[:8]
    stem = _safe_stem(ref.source.stem)
    widths = target_widths(width, settings.widths)
    variants = tuple(Variant(f"{stem}.{key}.{w}w.{EXT[f]}", f, w, scaled_height(width, height, w))
                     for f in all_formats for w in widths)
    largest = widths[-1]
    return ImagePlan(ref.source, key, largest, scaled_height(width, height, largest), all_formats, variants)


def _palette_alpha(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as im:
        return "transparency" in im.info


def _safe_stem(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem.lower()).strip("-")
    return cleaned or "image"


def _problem(ref: ImageRef, message: str, reason: str = "") -> Problem:
    return Problem(ref.origin, ref.line, ref.field, message, reason=reason)


def picture(plan: ImagePlan, alt: str, url_for: "callable") -> Picture:
    """Turn a plan into template data; ``url_for`` maps a file name to its URL."""
    def srcset(fmt: str) -> str:
        return ", ".join(f"{url_for(v.name)} {v.width}w" for v in plan.of_format(fmt))
    fallback = plan.of_format(plan.fallback)
    # The fallback <img src> is a middle width: good enough for a browser without srcset.
    middle = fallback[min(len(fallback) - 1, 1)] if len(fallback) > 1 else fallback[0]
    sources = tuple(PictureSource(MIME[f], srcset(f)) for f in plan.formats[:-1])
    return Picture(alt=alt, src=url_for(middle.name), srcset=srcset(plan.fallback), width=plan.width,
                   height=plan.height, sources=sources)


# --- processing ---------------------------------------------------------------------------


def is_cached(plan: ImagePlan, cache_dir: Path) -> bool:
    return all((cache_dir / v.name).is_file() for v in plan.variants)


def process_plans(plans: list[ImagePlan], settings: ImageSettings, cache_dir: Path,
                  workers: int | None = None) -> tuple[int, dict[Path, str]]:
    """Encode every variant missing from the cache. Returns (images encoded, {source: error})."""
    todo = [p for p in plans if not is_cached(p, cache_dir)]
    if not todo:
        return 0, {}
    cache_dir.mkdir(parents=True, exist_ok=True)
    workers = workers or min(len(todo), os.cpu_count() or 1)
    failures: dict[Path, str] = {}
    if workers <= 1:
        results = [_process_safely(p, settings, cache_dir) for p in todo]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_process_safely, todo, [settings] * len(todo), [cache_dir] * len(todo)))
    for plan, error in zip(todo, results):
        if error:
            failures[plan.source] = error
    return len(todo) - len(failures), failures


def _process_safely(plan: ImagePlan, settings: ImageSettings, cache_dir: Path) -> str:
    try:
        process_plan(plan, settings, cache_dir)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        return str(exc) or type(exc).__name__
    return ""


def process_plan(plan: ImagePlan, settings: ImageSettings, cache_dir: Path) -> None:
    """Decode once, resize largest-first (each width from the previous), encode every format."""
    widths = sorted({v.width for v in plan.variants}, reverse=True)
    with Image.open(plan.source) as im:
        if im.format == "JPEG":
            # DCT scaling: decode at the smallest power-of-two size still above the target.
            im.draft("RGB", (plan.width, plan.height) if not _is_transposed(im) else (plan.height, plan.width))
        im.load()
        current = normalise(im)
    for width in widths:
        height = scaled_height(plan.width, plan.height, width)
        if current.size != (width, height):
            current = current.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        for fmt in plan.formats:
            variant = next(v for v in plan.variants if v.format == fmt and v.width == width)
            _save(current, cache_dir / variant.name, fmt, settings.quality_of(fmt))


def _is_transposed(im: Image.Image) -> bool:
    return im.getexif().get(0x0112, 1) in _TRANSPOSED


def normalise(im: Image.Image) -> Image.Image:
    """Upright, sRGB, 8-bit RGB or RGBA, with no metadata left to leak."""
    im = ImageOps.exif_transpose(im) or im
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "RGBA", "CMYK", "L"):
        im = _to_srgb(im, icc)
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        im = im.point(lambda v: v / 256).convert("L") if im.mode.startswith("I;16") else im.convert("L")
    if im.mode in ("P", "PA", "LA", "La", "RGBa"):
        im = im.convert("RGBA")
    elif im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGB")
    if im.mode == "RGBA" and im.getextrema()[3][0] == 255:
        im = im.convert("RGB")  # an alpha channel with nothing transparent is dead weight
    im.info = {}
    return im


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode=out_mode)
    except (ImageCms.PyCMSError, OSError):
        return im  # a broken profile: keep the pixels as they are rather than fail the build


def _save(im: Image.Image, target: Path, fmt: str, quality: int) -> None:
    frame = im
    if fmt == "jpeg" and im.mode == "RGBA":
        frame = im.convert("RGB")
    options: dict = {"quality": quality}
    if fmt == "jpeg":
        options |= {"optimize": True, "progressive": True, "subsampling": "4:2:0"}
    elif fmt == "webp":
        options |= {"method": 4}
    elif fmt == "avif":
        options |= {"speed": 6, "max_threads": 1}
    elif fmt == "png":
        options = {"optimize": True}
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    frame.save(tmp, format=fmt.upper(), **options)
    os.replace(tmp, target)
