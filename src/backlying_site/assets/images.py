"""Responsive, private images: plan from headers, then process with Pillow, cached by content.

Lektor's split: ``plan_image`` reads only the header (size, mode, orientation)
so every URL and intrinsic size is known before any pixel is decoded; the work
in ``process_plans`` runs later, in a process pool, and its files are cached
under ``.cache/images`` by a hash of the source bytes and the settings (Hugo's
way), never by path and mtime (Zola's stale-image bugs).

The build calls, in order: ``plan_image`` per source, ``process_plans`` (encodes
what the cache lacks), ``finalise`` per plan (drops AVIF where it came out no
smaller than WebP, a decision kept in the cache manifest), ``prune_cache``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import re
import struct
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import PIL  # only its version: the package's __init__, not its image modules

from ..errors import Problem
from ..model import ImageRef, ImageSettings

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where pixels or headers are read, not with this module: a rebuild whose images
# did not change reads none, and Pillow's modules cost ~20 ms of a ~0.5 s rebuild at 5,000 posts.

# Bump when the processing code changes what it produces: old cache entries then miss.
PIPELINE_VERSION = "2"
MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
EXT = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}
# Only these decoders ever see an author's file: Pillow's rarer plugins are its riskiest code.
SOURCE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "AVIF")
ORIENTATION = 0x0112
# EXIF orientation -> the Image.Transpose that makes the picture upright (1 is upright already).
TRANSPOSE = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270",
             7: "TRANSVERSE", 8: "ROTATE_90"}
_SWAPS_SIDES = {5, 6, 7, 8}
# JPEG DCT scaling decodes at >= this many times the largest target, then LANCZOS does the rest;
# resize's reducing_gap does the same with a box reduce() for other formats (Pillow's own defaults).
DRAFT_GAP = 2.0
REDUCING_GAP = 2.0
# AVIF at quality 50, speed 6 matched WebP 75's SSIM (8x8 luma windows) with 25-30 % fewer bytes on
# photo-like and drawn test images at 480-1600 px (issue 3); it costs ~4.7x WebP's CPU time. Speed 8
# costs about what WebP does, for files ~8 % larger than speed 6's (still ~20 % under WebP).
AVIF_SPEED = 6
ENCODER_OPTIONS: dict[str, dict] = {
    "jpeg": {"optimize": True, "progressive": True, "subsampling": "4:2:0"},
    "webp": {"method": 4},
    "avif": {"speed": AVIF_SPEED, "max_threads": 1},  # one thread: deterministic, and the pool fills the cores
    "png": {"optimize": True},
}
# The longest side each encoder can write (libwebp's limit, libjpeg-turbo's, AV1's); PNG has none
# that a picture within MAX_IMAGE_PIXELS reaches. A taller picture failed at encoding, reported as
# damaged (issue 18): it is checked while planning instead.
MAX_SIDE = {"webp": 16383, "jpeg": 65500, "avif": 65536}
FORMAT_NAMES = {"avif": "AVIF", "webp": "WebP", "jpeg": "JPEG", "png": "PNG"}
# Keys Pillow reports for metadata; none may survive into an output (privacy: photos of babies).
METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop", "iptc")
CACHE_FILE = re.compile(r"[^./]+\.[0-9a-f]{8}\.(?:\d+w\.(?:avif|webp|jpg|png)|json)|\..+\.tmp")
Progress = Callable[[int, int], None]


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
    orientation: int = 1  # EXIF orientation read from the header, applied when processing
    stem: str = "image"
    digest: str = ""  # sha256 of the source bytes: processing refuses a file changed since planning

    @property
    def fallback(self) -> str:
        return self.formats[-1]

    @property
    def manifest(self) -> str:
        """The cache file recording what processing kept: written last, so it marks a complete entry."""
        return f"{self.stem}.{self.key}.json"

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
    """The wanted modern formats this Pillow can encode, and one note naming those it cannot."""
    from PIL import features

    usable = tuple(fmt for fmt in wanted if features.check(fmt))
    missing = [fmt.upper() for fmt in wanted if fmt not in usable]
    if not missing:
        return usable, []
    made = " and ".join([f.upper() for f in usable] + ["JPEG (or PNG)"])
    return usable, [f"this Pillow cannot encode {' or '.join(missing)}; images are made as {made} only"]


# --- geometry: pure functions -------------------------------------------------------------


def target_widths(source_width: int, widths: tuple[int, ...]) -> tuple[int, ...]:
    """Never upscale: the widths under the source's, plus the source's own once if it is narrower."""
    kept = {w for w in widths if w < source_width}
    kept.add(min(source_width, max(widths)))
    return tuple(sorted(kept))


def scaled_height(width: int, height: int, target: int) -> int:
    return max(1, round(height * target / width))


def upright_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in _SWAPS_SIDES else size


def settings_fingerprint(settings: ImageSettings, formats: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """What, besides the source bytes, decides the output bytes; part of every output name."""
    qualities = {fmt: settings.quality_of(fmt) for fmt in formats}
    return json.dumps([PIPELINE_VERSION, PIL.__version__, widths, formats, qualities, ENCODER_OPTIONS],
                      sort_keys=True)


# --- planning: headers only ---------------------------------------------------------------


def plan_image(ref: ImageRef, settings: ImageSettings, formats: tuple[str, ...]) -> ImagePlan | Problem:
    """Read the header only (Pillow's open is lazy) and decide every output file."""
    try:
        data = ref.source.read_bytes()
    except OSError as exc:
        return _problem(ref, f"'{ref.rel}' cannot be read; check that the file exists and is readable",
                        exc.strerror or str(exc))
    if not data:
        return _problem(ref, f"'{ref.rel}' is an empty file (0 bytes); export the picture again")
    header = read_header(ref, data)
    if isinstance(header, Problem):
        return header
    size, orientation, alpha = header
    width, height = upright_size(size, orientation)
    all_formats = (*formats, "png" if alpha else "jpeg")
    widths = target_widths(width, settings.widths)
    digest = hashlib.sha256(data).hexdigest()
    key = hashlib.sha256(f"{settings_fingerprint(settings, all_formats, widths)}{digest}".encode()).hexdigest()[:8]
    stem = _safe_stem(ref.source.stem)
    variants = tuple(Variant(f"{stem}.{key}.{w}w.{EXT[f]}", f, w, scaled_height(width, height, w))
                     for f in all_formats for w in widths)
    oversized = [v for v in variants if over_side_limit(v.format, v.width, v.height)]
    if oversized:
        return _too_large_problem(ref, (width, height), min(oversized, key=lambda v: MAX_SIDE[v.format]))
    largest = widths[-1]
    return ImagePlan(ref.source, key, largest, scaled_height(width, height, largest), all_formats, variants,
                     orientation, stem, digest)


def over_side_limit(fmt: str, width: int, height: int) -> str:
    """Why ``fmt`` cannot hold a width x height picture (its side limit), or ''."""
    limit = MAX_SIDE.get(fmt)
    if limit is None or max(width, height) <= limit:
        return ""
    return f"{width} x {height} px is more than the {limit:,} px on a side that {FORMAT_NAMES[fmt]} allows"


def _too_large_problem(ref: ImageRef, size: tuple[int, int], variant: Variant) -> Problem:
    """The picture is made as ``variant``, too large for its format: the author's fix is on the source."""
    limit, name = MAX_SIDE[variant.format], FORMAT_NAMES[variant.format]
    side = "tall" if variant.height > limit else "wide"
    return _problem(ref, f"'{ref.rel}' is {size[0]:,} x {size[1]:,} px, and a {name} picture (a format the site "
                    f"makes of every picture) can be at most {limit:,} px {side}; resize it to at most "
                    f"{limit:,} px {side}")


def read_header(ref: ImageRef, data: bytes) -> tuple[tuple[int, int], int, bool] | Problem:
    """(stored size, EXIF orientation, has transparency) from the header, or the Problem with the file."""
    cut_off = _problem(ref, f"'{ref.rel}' is cut off (the file ends too early); copy or export the "
                       "picture again")
    if _riff_cut_short(data):
        return cut_off
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's "Corrupt EXIF data" and such: no news for an author
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=SOURCE_FORMATS) as im:
                if _is_truncated(im, data):
                    return cut_off
                return im.size, _orientation(im), _has_alpha(im)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _problem(ref, f"'{ref.rel}' is too large to process safely (over "
                        f"{Image.MAX_IMAGE_PIXELS:,} pixels); resize it below 8000 pixels wide")
    except UnidentifiedImageError:
        return _problem(ref, f"'{ref.rel}' is not an image Pillow can read; save it as JPEG, PNG or WebP")
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
        return _problem(ref, f"'{ref.rel}' is damaged; export the picture again", str(exc))


def _orientation(im: Image.Image) -> int:
    if im.format == "PNG" and "exif" not in im.info:
        return 1  # PNG's getexif() decodes the whole image looking for a late eXIf chunk
    try:
        value = im.getexif().get(ORIENTATION, 1)
    except (ValueError, SyntaxError, OSError, struct.error, UnicodeDecodeError):
        return 1  # unreadable EXIF: the pixels are still fine, show them as stored
    return value if value in TRANSPOSE else 1


def _has_alpha(im: Image.Image) -> bool:
    return "A" in im.mode or im.mode in ("P", "L", "RGB") and "transparency" in im.info


def _is_truncated(im: Image.Image, data: bytes) -> bool:
    """A file cut short (an interrupted copy) without decoding: its end marker is missing."""
    if im.format == "JPEG":  # EOI after the first scan; a thumbnail's own EOI comes before it
        return data.rfind(b"\xff\xd9") < _jpeg_scan_start(data)
    if im.format == "PNG":
        return data.rfind(b"IEND") < (im.tile[0][2] if im.tile else 0)  # after the first IDAT
    return _riff_cut_short(data)


def _riff_cut_short(data: bytes) -> bool:
    """WebP: fewer bytes than the RIFF header promises (Pillow's own open fails vaguely on these)."""
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) < int.from_bytes(data[4:8], "little") + 8


def _jpeg_scan_start(data: bytes) -> int:
    """Offset of the first start-of-scan marker: every metadata segment comes before it."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:
            break
        if marker == 0xFF:  # fill byte
            pos += 1
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
        else:
            pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return pos


def _safe_stem(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem.lower()).strip("-")
    return cleaned or "image"


def _problem(ref: ImageRef, message: str, reason: str = "") -> Problem:
    return Problem(ref.origin, ref.line, ref.field, message, reason=reason)


def picture(plan: ImagePlan, alt: str, url_for: Callable[[str], str]) -> Picture:
    """Turn a plan into template data; ``url_for`` maps a file name to its URL."""
    def srcset(fmt: str) -> str:
        return ", ".join(f"{url_for(v.name)} {v.width}w" for v in plan.of_format(fmt))
    fallback = plan.of_format(plan.fallback)
    # The fallback <img src> is a middle width: good enough for a browser without srcset.
    middle = fallback[min(len(fallback) - 1, 1)]
    sources = tuple(PictureSource(MIME[f], srcset(f)) for f in plan.formats[:-1])
    return Picture(alt=alt, src=url_for(middle.name), srcset=srcset(plan.fallback), width=plan.width,
                   height=plan.height, sources=sources)


# --- the cache ----------------------------------------------------------------------------


def read_manifest(plan: ImagePlan, cache_dir: Path) -> dict | None:
    try:
        manifest = json.loads((cache_dir / plan.manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("formats"), list) else None


def is_cached(plan: ImagePlan, cache_dir: Path) -> bool:
    manifest = read_manifest(plan, cache_dir)
    return manifest is not None and all(
        (cache_dir / v.name).is_file() for v in plan.variants if v.format in manifest["formats"])


def finalise(plan: ImagePlan, cache_dir: Path) -> ImagePlan:
    """The plan as processed: only the formats worth serving (AVIF only where smaller than WebP)."""
    manifest = read_manifest(plan, cache_dir)
    if manifest is None:
        raise FileNotFoundError(f"{cache_dir / plan.manifest} is missing; process_plans() must run first")
    kept = tuple(f for f in plan.formats if f in manifest["formats"])
    return dataclasses.replace(plan, formats=kept, variants=tuple(v for v in plan.variants if v.format in kept))


def cache_names(plans: list[ImagePlan]) -> set[str]:
    """The cache files these plans need: their variants and the manifests that record them."""
    return {v.name for plan in plans for v in plan.variants} | {plan.manifest for plan in plans}


def prune_cache(cache_dir: Path, owner: str, wanted: set[str], made_here: re.Pattern[str]) -> int:
    """Delete the cache files (named like ``made_here``) that no output's last build wanted. Each
    output (the published site, the preview) lists what it wants in a file of its own, so that a
    build never deletes what only the preview uses, nor the preview what only a build uses."""
    if not cache_dir.is_dir():
        return 0
    write_atomic(cache_dir / f"wanted-{owner}.txt", "".join(f"{name}\n" for name in sorted(wanted)).encode())
    keep: set[str] = set()
    for listing in cache_dir.glob("wanted-*.txt"):
        keep.update(listing.read_text(encoding="utf-8").split())
    return prune_unwanted(cache_dir, keep, made_here)


def failure_problem(ref: ImageRef, reason: str) -> Problem:
    """A picture that could not be processed, at the line that names it."""
    return Problem(ref.origin, ref.line, ref.field, f"'{ref.rel}' could not be decoded (damaged, truncated, or "
                   "in a form the encoder refuses); export the picture again", reason=reason)


def prune_unwanted(cache_dir: Path, wanted: set[str], made_here: re.Pattern[str]) -> int:
    """Delete files named like ``made_here`` but not ``wanted``; a cache folder pointed somewhere odd
    loses nothing else. Returns how many went."""
    removed = 0
    with os.scandir(cache_dir) as entries:  # names, not Paths: 20,000 share images made this ~0.1 s a build
        stale = sorted(entry.name for entry in entries if entry.name not in wanted and made_here.fullmatch(entry.name)
                       and entry.is_file())
    for name in stale:
        (cache_dir / name).unlink(missing_ok=True)
        removed += 1
    return removed


# --- processing ---------------------------------------------------------------------------


def process_plans(plans: list[ImagePlan], settings: ImageSettings, cache_dir: Path,
                  workers: int | None = None, progress: Progress | None = None) -> tuple[int, dict[Path, str]]:
    """Encode every image missing from the cache. Returns (images encoded, {source: error}).

    Sources with the same bytes and file name share one cache entry, so they are encoded once.
    """
    sharing: dict[str, list[ImagePlan]] = {}
    for plan in plans:
        if not is_cached(plan, cache_dir):
            sharing.setdefault(plan.manifest, []).append(plan)
    todo = [same[0] for same in sharing.values()]
    if not todo:
        return 0, {}
    cache_dir.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(workers or _cores(), len(todo)))
    job = partial(process_safely, settings=settings, cache_dir=cache_dir)
    report = progress or (lambda done, total: None)
    report(0, len(todo))
    failures: dict[Path, str] = {}
    results = map(job, todo) if workers == 1 else _in_pool(job, todo, workers)
    for done, (plan, error) in enumerate(zip(todo, results), start=1):
        if error:
            failures.update({same.source: error for same in sharing[plan.manifest]})
        report(done, len(todo))
    return len(todo) - len({failed.manifest for failed in todo if failed.source in failures}), failures


def _in_pool(job: Callable[[ImagePlan], str], todo: list[ImagePlan], workers: int) -> Iterator[str]:
    """Results in order; chunks amortise the hand-over on sites with thousands of small images."""
    # Imported here: a rebuild with no picture to encode never needs them (~10 ms of imports).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    chunk = max(1, min(16, len(todo) // (workers * 8)))
    from ..parallel import die_with_parent

    method = _start_method()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), initializer=die_with_parent,
                             initargs=(os.getpid() if method == "fork" else None,)) as pool:
        done = 0
        try:
            for error in pool.map(job, todo, chunksize=chunk):
                done += 1
                yield error
        except BrokenProcessPool:
            for _ in todo[done:]:
                yield "the image worker stopped unexpectedly (out of memory?); try again, or make the picture smaller"


def _cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_method() -> str:
    """fork: fast, and needs no `if __name__ == "__main__"` guard (build.py has none); but forking while
    other threads run (the preview server's) can deadlock a worker, so then forkserver."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def process_safely(plan: ImagePlan, settings: ImageSettings, cache_dir: Path) -> str:
    """Process one plan; a picture that fails to decode becomes an error message, never a traceback."""
    try:
        process_plan(plan, settings, cache_dir)
    except MemoryError:
        return "not enough memory to decode it; make the picture smaller"
    except Exception as exc:  # noqa: BLE001 - a decoder's error is the author's file, reported with its words
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return ""


def process_plan(plan: ImagePlan, settings: ImageSettings, cache_dir: Path) -> dict:
    """Decode once, encode every variant in memory, keep the formats worth serving, write them."""
    encoded: dict[Variant, bytes] = {}
    for width, frame in resized_frames(plan):
        for variant in (v for v in plan.variants if v.width == width):
            encoded[variant] = encode(frame, variant.format, settings.quality_of(variant.format))
    totals = {fmt: sum(len(data) for v, data in encoded.items() if v.format == fmt) for fmt in plan.formats}
    manifest = {"formats": list(kept_formats(plan.formats, totals)), "bytes": totals}
    for variant, data in encoded.items():
        if variant.format in manifest["formats"]:
            write_atomic(cache_dir / variant.name, data)
    write_atomic(cache_dir / plan.manifest, json.dumps(manifest, sort_keys=True).encode())
    return manifest


def kept_formats(formats: tuple[str, ...], totals: dict[str, int]) -> tuple[str, ...]:
    """Serve AVIF only where it is smaller than what a browser would get instead (WebP, else the fallback)."""
    if "avif" not in formats[:-1]:
        return formats
    rival = formats[formats.index("avif") + 1]
    return formats if totals["avif"] < totals[rival] else tuple(f for f in formats if f != "avif")


def resized_frames(plan: ImagePlan) -> Iterator[tuple[int, Image.Image]]:
    """(width, upright sRGB frame) largest first; each width is resized from the one before it."""
    from PIL import Image

    sizes = sorted({(v.width, v.height) for v in plan.variants}, reverse=True)
    frame = first_frame(plan)
    for size in sizes:
        if frame.size != size:
            frame = frame.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
        yield size[0], frame


def first_frame(plan: ImagePlan) -> Image.Image:
    """The source decoded (JPEG at a reduced DCT scale), cut to the largest width, upright, sRGB, bare."""
    from PIL import Image

    target = upright_size((plan.width, plan.height), plan.orientation)  # as stored, before rotating
    data = plan.source.read_bytes()
    if plan.digest and hashlib.sha256(data).hexdigest() != plan.digest:
        # Saved again mid-build (`serve`): these pixels would be cached under the old bytes' name.
        raise ValueError("the file changed while the site was being built; build again")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=SOURCE_FORMATS) as im:
            icc = im.info.get("icc_profile")
            box = None
            if im.format == "JPEG":
                drafted = im.draft(None, (int(target[0] * DRAFT_GAP), int(target[1] * DRAFT_GAP)))
                box = drafted[1] if drafted else None
            im.load()
            frame = resample_ready(im)
    if frame.size != target:
        frame = frame.resize(target, Image.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP)
    frame = to_srgb(frame, icc)
    if plan.orientation in TRANSPOSE:
        frame = frame.transpose(Image.Transpose[TRANSPOSE[plan.orientation]])
    frame.info = {}  # nothing of the source's metadata may reach an encoder
    return frame


def resample_ready(im: Image.Image) -> Image.Image:
    """A mode LANCZOS can work in: 8 bits per channel, no palette. CMYK stays for its ICC profile."""
    if im.mode.startswith("I;16") or im.mode == "I":
        return im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if im.mode == "F":
        return im.point(lambda v: v * 255).convert("L")
    if im.mode in ("P", "PA"):
        return im.convert("RGBA" if _has_alpha(im) else "RGB")
    if im.mode in ("LA", "La", "RGBa") or im.mode in ("L", "RGB") and "transparency" in im.info:
        return im.convert("RGBA")
    if im.mode in ("L", "RGB", "RGBA", "CMYK"):
        return im
    return im.convert("RGB")  # 1, YCbCr, LAB, HSV


def to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Colour-manage to sRGB with the embedded profile, then end in RGB or RGBA."""
    from PIL import ImageCms

    out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            im = ImageCms.profileToProfile(im, profile, _srgb(), outputMode=out_mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken or mismatched profile: keep the pixels as they are rather than fail the build
    if im.mode == "RGBA" and im.getextrema()[3][0] == 255:
        out_mode = "RGB"  # an alpha channel with nothing transparent is dead weight
    return im if im.mode == out_mode else im.convert(out_mode)


@lru_cache(maxsize=1)
def _srgb() -> Any:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def encode(frame: Image.Image, fmt: str, quality: int, options: dict | None = None) -> bytes:
    """One output file's bytes (ENCODER_OPTIONS, unless ``options``); checked to carry no metadata
    before anything is written."""
    if fmt == "jpeg" and frame.mode != "RGB":
        frame = frame.convert("RGB")
    too_large = over_side_limit(fmt, *frame.size)
    if too_large:  # plan_image refuses these first; the encoders' own words were "encoding error 5"
        raise ValueError(too_large)
    options = dict(ENCODER_OPTIONS[fmt] if options is None else options)
    if fmt != "png":
        options["quality"] = quality
    buffer = io.BytesIO()
    frame.save(buffer, format=fmt.upper(), **options)
    data = buffer.getvalue()
    leaks = metadata_in(data)
    if leaks:
        raise RuntimeError(f"{fmt} output would carry {', '.join(leaks)}")  # a bug here, never the author's
    return data


def metadata_in(data: bytes) -> list[str]:
    """The metadata an encoded file carries (EXIF, XMP, ICC, comments, APPn segments), by reopening it."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        found = [key for key in METADATA_KEYS if im.info.get(key)]
        found += [marker for marker, _ in getattr(im, "applist", []) if marker != "APP0"]  # JPEG APP1..15
    return sorted(set(found))


def write_atomic(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


class ProgressLine:
    """A ``progress`` for process_plans: a bar redrawn on a terminal, one summary line in CI logs."""

    def __init__(self, stream: TextIO | None = None, label: str = "images") -> None:
        self.stream: TextIO | None = stream if stream is not None else sys.stderr
        self.label = label
        self.interactive = _is_terminal(self.stream)
        self.started = self.drawn = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if self.stream is None:  # started with standard error closed: nowhere to tell
            return
        now = time.monotonic()
        if done == 0:
            self.started = now
        if self.interactive and (done == total or now - self.drawn >= 0.1):
            self.drawn = now
            filled = 30 * done // max(total, 1)
            end = "\n" if done == total else ""
            self.stream.write(f"\rProcessing {self.label} [{'#' * filled}{'.' * (30 - filled)}] "
                              f"{done}/{total}{end}")
            self.stream.flush()
        elif not self.interactive and done == total:
            label = self.label if total != 1 else self.label.removesuffix("s")
            self.stream.write(f"Processed {total} {label} in {now - self.started:.1f} s\n")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"
