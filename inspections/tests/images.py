"""Made-up site photos for tests: scenes, EXIF time and GPS, a PNG decompression bomb."""

import random
import struct
import zlib
from io import BytesIO

from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational


def scene(seed: int, size=(1200, 900)) -> Image.Image:
    """A made-up site photo: sky and ground gradients with random blocks and poles."""
    rng = random.Random(seed)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    width, height = size
    horizon = rng.randint(height // 4, height * 3 // 4)
    for y in range(height):
        shade = int(255 * y / height)
        colour = (
            (shade // 2, 120 + shade // 3, 255 - shade)
            if y < horizon
            else (90 + shade // 4, 70 + shade // 5, 40)
        )
        draw.line([(0, y), (width, y)], fill=colour)
    for _ in range(25):
        x0, y0 = rng.randint(0, width), rng.randint(0, height)
        x1 = x0 + rng.randint(width // 30 + 1, width // 2)
        y1 = y0 + rng.randint(height // 30 + 1, height // 2)
        fill = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x1, y1], fill=fill)
        else:
            draw.ellipse([x0, y0, x1, y1], fill=fill)
    return image


def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600 * 10_000)
    return IFDRational(degrees), IFDRational(minutes), IFDRational(seconds, 10_000)


def exif_with(
    *,
    taken: str | None = None,
    offset: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    orientation: int | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if taken is not None:
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
        exif_ifd[ExifTags.Base.DateTimeOriginal] = taken
        if offset is not None:
            exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    if lat is not None and lon is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = dms(lat)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = dms(lon)
    return exif


def encode(image: Image.Image, fmt="JPEG", **options) -> bytes:
    out = BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A genuine 1-bit greyscale PNG of width × height black pixels, built chunk by chunk so the
    test never holds the pixels: all-zero rows compress about 1000:1, so a 20000 × 20000
    image (400 megapixels once decoded) is a file of some tens of kilobytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\x00" + bytes((width + 7) // 8)  # filter byte "none", then the packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
