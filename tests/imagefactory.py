"""Small generated pictures for the image tests: every odd kind a phone or an editor writes.

Each helper writes one file and returns its path; the pictures are a few dozen pixels
so the whole image suite stays fast. Nothing here is binary in the repository.
"""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw
from PIL.PngImagePlugin import PngInfo

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.0N"/>'
       b"</rdf:RDF></x:xmpmeta>")


def photo(size: tuple[int, int] = (96, 64), mode: str = "RGB", seed: int = 0) -> Image.Image:
    """A grainy gradient with a red block in the top-left quarter: orientation shows in the pixels.

    The grain (deterministic, +-16 levels) makes it compress like a photo rather than a drawing.
    """
    w, h = size
    im = Image.linear_gradient("L").resize(size).convert("RGB")
    ImageDraw.Draw(im).rectangle((0, 0, w // 2 - 1, h // 2 - 1), fill=(220, 20, 20))
    noise = Image.frombytes("L", size, random.Random(seed).randbytes(w * h)).point(lambda v: 112 + v // 8)
    im = ImageChops.add(im, Image.merge("RGB", (noise,) * 3), 1.0, -128)
    return im.convert(mode) if mode != "RGB" else im


def private_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: maker, model, serial number and GPS coordinates."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0131] = "Camera app 1.0"  # Software
    exif[ORIENTATION] = orientation
    exif.get_ifd(EXIF_IFD)[0xA431] = "SERIAL-123456"  # BodySerialNumber
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (51.0, 30.0, 12.5)  # latitude
    gps[3], gps[4] = "W", (0.0, 7.0, 39.0)  # longitude
    return exif


def save(im: Image.Image, path: Path, fmt: str | None = None, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, format=fmt, **options)
    return path


def jpeg_with_everything(path: Path, orientation: int = 1, size: tuple[int, int] = (96, 64)) -> Path:
    """A JPEG carrying GPS EXIF, XMP, an ICC profile and a comment: all must be gone from outputs."""
    return save(photo(size), path, "JPEG", exif=private_exif(orientation), xmp=XMP, comment=b"taken at home",
                icc_profile=swapped_primaries_icc(swap=False), quality=90)


def png_with_text(path: Path) -> Path:
    info = PngInfo()
    info.add_text("Comment", "taken at home")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return save(photo(), path, "PNG", pnginfo=info, exif=private_exif())


def palette_with_transparency(path: Path) -> Path:
    im = Image.new("P", (40, 30), 0)
    im.putpalette([255, 255, 255, 200, 30, 30] + [0, 0, 0] * 254)
    ImageDraw.Draw(im).rectangle((10, 5, 29, 24), fill=1)
    return save(im, path, "PNG", transparency=0)


def png16_grey(path: Path, value: int = 32768) -> Path:
    return save(Image.new("I;16", (40, 30), value), path, "PNG")


def png16_rgb(path: Path, colour: tuple[int, int, int] = (65535, 32768, 0), size: tuple[int, int] = (8, 6)) -> Path:
    """A 48-bit RGB PNG, written by hand: Pillow reads these but cannot write them."""
    w, h = size
    row = b"\x00" + struct.pack(">3H", *colour) * w  # filter byte 0, then big-endian samples
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(row * h)) + chunk(b"IEND", b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def cmyk_jpeg(path: Path) -> Path:
    return save(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), path, "JPEG", quality=95)  # pure red ink


def greyscale_jpeg(path: Path) -> Path:
    return save(photo(mode="L"), path, "JPEG", quality=90)


def truncated(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def corrupt_png_pixels(path: Path) -> Path:
    """A PNG whose header is fine but whose compressed pixels are garbage: only decoding finds out."""
    png = save(photo(), path, "PNG").read_bytes()
    start = png.index(b"IDAT") + 4
    path.write_bytes(png[:start] + bytes(b ^ 0x5A for b in png[start:start + 40]) + png[start + 40:])
    return path


# --- a hand-made ICC profile -------------------------------------------------------------

_SRGB_D50 = {"r": (0.4361, 0.2225, 0.0139), "g": (0.3851, 0.7169, 0.0971), "b": (0.1431, 0.0606, 0.7141)}


def swapped_primaries_icc(swap: bool = True) -> bytes:
    """An RGB matrix profile whose red channel means sRGB's blue (and blue means red) when ``swap``.

    Converting an image tagged with it to sRGB must turn pure red into blue: proof the profile was
    applied. With ``swap=False`` it is an ordinary sRGB-like profile (gamma 2.2).
    """
    r, b = (_SRGB_D50["b"], _SRGB_D50["r"]) if swap else (_SRGB_D50["r"], _SRGB_D50["b"])
    text = b"Swapped primaries test profile" if swap else b"sRGB-like test profile"
    tags = [
        (b"desc", _desc(text)),
        (b"cprt", b"text\x00\x00\x00\x00" + b"No copyright\x00"),
        (b"wtpt", _xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", _xyz(r)), (b"gXYZ", _xyz(_SRGB_D50["g"])), (b"bXYZ", _xyz(b)),
        (b"rTRC", _gamma(2.2)), (b"gTRC", _gamma(2.2)), (b"bTRC", _gamma(2.2)),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        data += b"\x00" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = struct.pack(">I4sI4s4s4s6H4sIIIIQI", size, b"lcms", 0x02100000, b"mntr", b"RGB ", b"XYZ ",
                         2026, 1, 1, 0, 0, 0, b"acsp", 0, 0, 0, 0, 0, 0)
    header += _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"test"
    header += b"\x00" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + body


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(xyz: tuple[float, float, float]) -> bytes:
    return b"XYZ \x00\x00\x00\x00" + b"".join(_s15(v) for v in xyz)


def _gamma(value: float) -> bytes:
    return b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, round(value * 256))


def _desc(text: bytes) -> bytes:
    return (b"desc\x00\x00\x00\x00" + struct.pack(">I", len(text) + 1) + text + b"\x00"
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\x00" * 67)
