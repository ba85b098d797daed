"""Benchmark of the image pipeline (issue 3): printed, never asserted.

    .venv/bin/python benchmarks/images.py            # 40 photo-like 3000x2000 JPEGs
    .venv/bin/python benchmarks/images.py --quick    # 8 of them, for a smoke run
    .venv/bin/python benchmarks/images.py --count 60 --no-sharp

The job, for every contender: each source to 480, 960 and 1600 px wide, as WebP (quality 75,
method/effort 4) and progressive JPEG (quality 78), metadata stripped. Contenders:

* pipeline, 1 process and a pool over the cores (cold cache each time);
* the no-change rebuild (plan every source again, find everything cached);
* naive Pillow: open, resize(LANCZOS) from the full source for every width, save each format;
* sharp (libvips, through Node) when `node` is here: installed into benchmarks/.work/ by npm;
* the pipeline with AVIF added (quality 50, the site's default), for AVIF's size against WebP's.

Each contender runs in its own process, so its peak memory (the largest resident set of it or of
one of its pool workers) and CPU time are its own. Generated sources and outputs live in
benchmarks/.work/ (ignored by git); the sources are made once and reused. Wall times need an idle
machine: the load average is printed before and after, and the CPU column is fair either way.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
GENERATOR_VERSION = "1"
SIZE = (3000, 2000)
WIDTHS = (480, 960, 1600)
QUALITY = (("avif", 50), ("jpeg", 78), ("webp", 75))
EXTENSIONS = ("avif", "webp", "jpg", "png")
SHARP_VERSION = "0.34"


# --- sources ------------------------------------------------------------------------------


def make_photo(seed: int, size: tuple[int, int] = SIZE) -> Image.Image:
    """A deterministic photo-like picture: soft colour fields, blurred blobs, hard shapes, grain."""
    rnd = random.Random(seed)
    w, h = size

    def colour() -> tuple[int, int, int]:  # muted, like a room or a blanket in daylight
        grey = rnd.randrange(60, 200)
        return tuple(max(0, min(255, grey + rnd.randrange(-60, 61))) for _ in range(3))

    field = Image.frombytes("RGB", (5, 4), rnd.randbytes(5 * 4 * 3)).resize(size, Image.Resampling.BICUBIC)
    gradient = Image.linear_gradient("L").resize(size)
    im = Image.blend(Image.composite(Image.new("RGB", size, colour()), Image.new("RGB", size, colour()),
                                     gradient), field, 0.3)
    draw = ImageDraw.Draw(im)
    for _ in range(18):
        x, y = rnd.randrange(w), rnd.randrange(h)
        rx, ry = rnd.randrange(w // 20, w // 4), rnd.randrange(h // 20, h // 4)
        draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=colour())
    im = im.filter(ImageFilter.GaussianBlur(25))
    draw = ImageDraw.Draw(im)
    for _ in range(6):
        x, y = rnd.randrange(w), rnd.randrange(h)
        draw.polygon([(x + rnd.randrange(-w // 6, w // 6), y + rnd.randrange(-h // 6, h // 6))
                      for _ in range(rnd.randrange(3, 7))], fill=colour())
    for _ in range(10):
        draw.line([(rnd.randrange(w), rnd.randrange(h)) for _ in range(2)], fill=colour(),
                  width=rnd.randrange(2, 10))
    im = im.filter(ImageFilter.GaussianBlur(1.2))
    blotch = Image.frombytes("L", (w // 12, h // 12), rnd.randbytes(w // 12 * (h // 12))).resize(
        size, Image.Resampling.BICUBIC)
    grain = Image.frombytes("L", size, rnd.randbytes(w * h)).filter(ImageFilter.GaussianBlur(0.8))
    texture = Image.blend(blotch, grain, 0.5).point(lambda v: 128 + (v - 128) * 0.25)
    return ImageChops.add(im, Image.merge("RGB", (texture,) * 3), 1.0, -128)


def source_paths(count: int) -> list[Path]:
    folder = WORK / f"sources-v{GENERATOR_VERSION}"
    return [folder / f"photo-{i:03d}.jpg" for i in range(count)]


def ensure_sources(count: int) -> list[Path]:
    paths = source_paths(count)
    for path in paths:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            make_photo(int(path.stem.split("-")[1])).save(tmp, "JPEG", quality=90)
            os.replace(tmp, path)
    return paths


# --- contenders (each runs in its own process: python benchmarks/images.py --phase NAME) ---


def phase_pipeline(sources: list[Path], out: Path, workers: int, formats: tuple[str, ...]) -> dict:
    from backlying_site.assets import images
    from backlying_site.model import ImageRef, ImageSettings

    settings = ImageSettings(widths=WIDTHS, formats=formats, quality=QUALITY)
    usable, _ = images.available_formats(formats)
    started = time.perf_counter()
    plans = [_plan(images, ImageRef(p, p.name, "", "bench", 0, "image"), settings, usable) for p in sources]
    encoded, failures = images.process_plans(plans, settings, out, workers=workers)
    final = [images.finalise(p, out) for p in plans]
    seconds = time.perf_counter() - started
    assert not failures, failures
    manifests = [json.loads((out / p.manifest).read_text(encoding="utf-8")) for p in plans]
    return {"seconds": seconds, "encoded": encoded, "bytes": _bytes_by_format(out, final),
            "avif_kept": sum("avif" in p.formats for p in final),
            # what every format came to before finalise() dropped AVIF where it was no smaller
            "encoded_bytes": {f: sum(m["bytes"].get(f, 0) for m in manifests) for f in ("avif", "webp", "jpeg")},
            "served_to_avif_browsers": sum(m["bytes"]["avif" if "avif" in m["formats"] else "webp"]
                                           for m in manifests if "webp" in m["bytes"])}


def _plan(images, ref, settings, formats):
    result = images.plan_image(ref, settings, formats)
    assert isinstance(result, images.ImagePlan), result
    return result


def _bytes_by_format(out: Path, plans: list) -> dict[str, int]:
    totals: dict[str, int] = {}
    for plan in plans:
        for variant in plan.variants:
            totals[variant.format] = totals.get(variant.format, 0) + (out / variant.name).stat().st_size
    return totals


def phase_naive(sources: list[Path], out: Path) -> dict:
    """What one writes first: the full source resized for every width, every format saved."""
    from backlying_site.assets.images import ENCODER_OPTIONS

    quality = dict(QUALITY)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for path in sources:
        with Image.open(path) as im:
            im.load()
            for width in WIDTHS:
                small = im.resize((width, round(im.height * width / im.width)), Image.Resampling.LANCZOS)
                for fmt, ext in (("webp", "webp"), ("jpeg", "jpg")):
                    small.save(out / f"{path.stem}.{width}.{ext}", fmt.upper(), quality=quality[fmt],
                               **ENCODER_OPTIONS[fmt])
    return {"seconds": time.perf_counter() - started, "bytes": _bytes_by_extension(out)}


def _bytes_by_extension(out: Path) -> dict[str, int]:
    names = {"jpg": "jpeg"}
    totals: dict[str, int] = {}
    for path in out.iterdir():
        fmt = names.get(path.suffix[1:], path.suffix[1:])
        totals[fmt] = totals.get(fmt, 0) + path.stat().st_size
    return totals


SHARP_SCRIPT = r"""
const sharp = require('sharp');
const path = require('path');
const [out, widths, ...sources] = process.argv.slice(2);
const ws = widths.split(',').map(Number);
(async () => {
  const started = process.hrtime.bigint();
  for (const src of sources) {
    const input = sharp(src);
    const stem = path.basename(src, '.jpg');
    await Promise.all(ws.flatMap((w) => [
      input.clone().resize({ width: w, withoutEnlargement: true }).webp({ quality: 75, effort: 4 })
        .toFile(path.join(out, `${stem}.${w}.webp`)),
      input.clone().resize({ width: w, withoutEnlargement: true })
        .jpeg({ quality: 78, progressive: true, chromaSubsampling: '4:2:0' })
        .toFile(path.join(out, `${stem}.${w}.jpg`)),
    ]));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ seconds, version: sharp.versions.sharp, vips: sharp.versions.vips,
                               concurrency: sharp.concurrency() }));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def sharp_dir() -> Path | None:
    """sharp installed under benchmarks/.work/node (npm fetches its prebuilt libvips), or None."""
    if not shutil.which("node") or not shutil.which("npm"):
        return None
    folder = WORK / "node"
    if not (folder / "node_modules" / "sharp").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"Installing sharp@{SHARP_VERSION} into {_shown(folder)} ...", flush=True)
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(folder),
                               f"sharp@{SHARP_VERSION}"], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"  npm install sharp failed; skipping sharp:\n{done.stderr.strip()[-400:]}")
            return None
    return folder


def run_sharp(sources: list[Path], out: Path) -> dict | None:
    folder = sharp_dir()
    if folder is None:
        return None
    script = folder / "bench.js"
    script.write_text(SHARP_SCRIPT, encoding="utf-8")
    _fresh(out)
    result = measured(["node", str(script), str(out), ",".join(map(str, WIDTHS)), *map(str, sources)], folder)
    if result is not None:
        result["bytes"] = _bytes_by_extension(out)
    return result


def measured(command: list[str], cwd: Path | None = None) -> dict | None:
    """Run a contender; its JSON last line plus its peak memory and CPU time, pool workers included.

    wait4() gives this child's own resource use (with the grandchildren it reaped, such as pool
    workers), where getrusage(RUSAGE_CHILDREN) would mix in every earlier contender.
    """
    log = WORK / "contender.log"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
    text = log.read_text(encoding="utf-8").strip()
    if os.waitstatus_to_exitcode(status):
        print(f"  {Path(command[1]).name} failed: {text[-600:]}")
        return None
    result = json.loads(text.splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024  # Linux: KiB
    result["cpu"] = usage.ru_utime + usage.ru_stime
    return result


# --- orchestration ------------------------------------------------------------------------


def run_phase(name: str, count: int, out: Path, workers: int = 1, fresh: bool = True) -> dict:
    if fresh:
        _fresh(out)
    result = measured([sys.executable, __file__, "--phase", name, "--count", str(count), "--out", str(out),
                       "--workers", str(workers)])
    if result is None:
        raise SystemExit(f"the {name} contender failed")
    return result


def child_main(args: argparse.Namespace) -> None:
    sources = ensure_sources(args.count)
    if args.phase == "generate":
        print(json.dumps({"seconds": 0}))
        return
    out = Path(args.out)
    if args.phase == "naive":
        result = phase_naive(sources, out)
    else:
        formats = ("avif", "webp") if args.phase == "avif" else ("webp",)
        result = phase_pipeline(sources, out, args.workers, formats)
    print(json.dumps(result))


def _fresh(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, help="number of 3000x2000 sources (default 40; 8 with --quick)")
    parser.add_argument("--quick", action="store_true", help="8 sources: a smoke run of every contender")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="pool size (default: the cores this process may use)")
    parser.add_argument("--no-sharp", action="store_true", help="skip sharp even where node is present")
    parser.add_argument("--no-avif", action="store_true", help="skip the AVIF run (the slowest)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.count = args.count or (8 if args.quick else 40)
    if args.phase:
        child_main(args)
        return
    report(args)


def report(args: argparse.Namespace) -> None:
    # Generate in a child: a forked contender starts with this process's peak resident set
    # (Linux carries ru_maxrss across fork and exec), so this process must stay small.
    missing = [p for p in source_paths(args.count) if not p.exists()]
    if missing:
        print(f"Generating {len(missing)} photo-like {SIZE[0]}x{SIZE[1]} JPEGs in {_shown(missing[0].parent)} ...",
              flush=True)
        if measured([sys.executable, __file__, "--phase", "generate", "--count", str(args.count)]) is None:
            raise SystemExit("generating the sources failed")
    sources = source_paths(args.count)
    n = len(sources)
    from PIL import features

    print(f"{n} sources {SIZE[0]}x{SIZE[1]}, {sum(p.stat().st_size for p in sources) / n / 1e6:.2f} MB each; "
          f"widths {'/'.join(map(str, WIDTHS))}; WebP q75 + JPEG q78; {os.cpu_count()} cores; "
          f"Pillow {Image.__version__}, libwebp {features.version('webp')}, libjpeg-turbo "
          f"{features.version('jpg')}", flush=True)
    _warn_if_busy("before")
    rows: list[tuple[str, dict]] = []

    def add(label: str, result: dict | None) -> None:
        if result is None:
            return
        rows.append((label, result))
        print(f"  done: {label} ({result['seconds']:.1f} s)", flush=True)

    add("naive Pillow, 1 process", run_phase("naive", n, WORK / "out-naive"))
    add("pipeline, 1 process, cold", run_phase("pipeline", n, WORK / "out-pipeline-1"))
    add(f"pipeline, {args.workers} processes, cold", run_phase("pipeline", n, WORK / "out-pipeline",
                                                               args.workers))
    add("pipeline, no-change rebuild", run_phase("pipeline", n, WORK / "out-pipeline", args.workers, fresh=False))
    sharp = None if args.no_sharp else run_sharp(sources, WORK / "out-sharp")
    if sharp:
        add(f"sharp {sharp['version']} (libvips {sharp['vips']}, {sharp['concurrency']} threads)", sharp)
    elif not args.no_sharp:
        print("  sharp: not run (no node/npm, or the install failed)")
    avif = None
    if not args.no_avif:
        avif = run_phase("avif", n, WORK / "out-avif", args.workers)
        add(f"pipeline + AVIF q50, {args.workers} processes, cold", avif)
    _warn_if_busy("after")
    print_table(rows, n, sharp)
    if avif:
        print_avif(avif, n)


def _warn_if_busy(when: str) -> None:
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    note = "  (busy: other work shares these cores, so wall times are inflated; CPU s stay fair)" \
        if load > cores / 2 else ""
    print(f"load average {when}: {load:.2f} on {cores} cores{note}", flush=True)


def print_table(rows: list[tuple[str, dict]], n: int, sharp: dict | None) -> None:
    naive = rows[0][1]["seconds"] / n
    cold = next(r for label, r in rows if "processes, cold" in label and "AVIF" not in label)["seconds"] / n
    print()
    print(f"{'contender':<52} {'s/source':>9} {'x naive':>8} {'x sharp':>8} {'CPU s/src':>9} {'peak MB':>8}  "
          f"{'WebP KiB':>9} {'JPEG KiB':>9} {'AVIF KiB':>9}")
    for label, result in rows:
        per = result["seconds"] / n
        vs_sharp = f"{per / (sharp['seconds'] / n):8.2f}" if sharp else f"{'-':>8}"
        sizes = result.get("bytes", {})
        kib = [f"{sizes[f] / 1024:9.0f}" if f in sizes else f"{'-':>9}" for f in ("webp", "jpeg", "avif")]
        print(f"{label:<52} {per:9.3f} {per / naive:8.2f} {vs_sharp} {result['cpu'] / n:9.3f} "
              f"{result['peak_mb']:8.0f}  {' '.join(kib)}")
    rebuild = next(r for label, r in rows if "rebuild" in label)
    print(f"\nno-change rebuild: {rebuild['seconds'] / n * 1000:.2f} ms per source = "
          f"{rebuild['seconds'] / n / cold * 100:.2f} % of the cold pool run ({rebuild['encoded']} encoded)")
    print("s/source: wall clock, from inside the contender (no interpreter start-up); CPU s/src: user+system "
          "time of the contender's process and its workers, start-up included. peak MB: the largest resident "
          "set of the contender's process or of any one of its pool workers.")


def print_avif(avif: dict, n: int) -> None:
    enc = avif["encoded_bytes"]
    print(f"\nAVIF q50 (speed 6) against WebP q75, same {n} sources and widths: all AVIF encoded "
          f"{enc['avif'] / 1024:.0f} KiB vs WebP {enc['webp'] / 1024:.0f} KiB ({enc['avif'] / enc['webp']:.2f}x); "
          f"AVIF kept (smaller) for {avif['avif_kept']} of {n}; a browser with AVIF fetches "
          f"{avif['served_to_avif_browsers'] / 1024:.0f} KiB in all instead of {enc['webp'] / 1024:.0f} KiB.")


if __name__ == "__main__":
    main()
