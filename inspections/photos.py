"""Site photo evidence: refuse what is not a photo before decoding it, then hash it (SHA-256 and a
perceptual hash), read its EXIF time and GPS, and re-encode a copy without EXIF for public pages."""
import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import imagehash
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
NEAR_DUPLICATE_DISTANCE = 8
PUBLIC_LONGEST_SIDE = 1600
SHANGHAI = ZoneInfo("Asia/Shanghai")
_SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _DATETIME = 0x9003, 0x0132


@dataclass(frozen=True)
class PhotoFacts:
    sha256: str
    phash: str
    width: int
    height: int
    content_type: str
    taken_at: datetime | None
    latitude: Decimal | None
    longitude: Decimal | None


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _sniff(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _read(data) -> bytes:
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    data.seek(0)
    raw = data.read(MAX_BYTES + 1)
    data.seek(0)
    return raw


def inspect_photo(data, *, filename: str = "") -> PhotoFacts:
    raw = _read(data)
    if len(raw) > MAX_BYTES:
        raise _refuse(_("照片超过 15 MB，请压缩后再上传。"), "too_large")
    if not raw:
        raise _refuse(_("照片是空文件。"), "empty")
    content_type = _sniff(raw[:16])
    if content_type is None:
        raise _refuse(_("“%(name)s”不是 JPEG、PNG 或 WebP 照片。") % {"name": filename or "?"},
                      "not_a_photo")
    try:
        # Opening reads the header only: the pixel count is known before anything is decoded.
        with Image.open(BytesIO(raw)) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise _refuse(_("照片像素过多（%(w)d×%(h)d），已拒收。") % {"w": width, "h": height},
                              "too_many_pixels")
            if _FORMATS.get(probe.format) != content_type:
                raise _refuse(_("照片内容与其格式不符。"), "mismatch")
    except Image.DecompressionBombError:
        raise _refuse(_("照片像素过多，已拒收。"), "too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise _refuse(_("无法识别的照片文件。"), "unreadable") from None
    try:
        with Image.open(BytesIO(raw)) as image:
            image.load()
            exif = image.getexif()
            phash = str(imagehash.phash(ImageOps.exif_transpose(image).convert("RGB")))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(_("照片文件已损坏或不完整。"), "corrupt") from None
    latitude, longitude = _gps(exif)
    return PhotoFacts(sha256=hashlib.sha256(raw).hexdigest(), phash=phash, width=width,
                      height=height, content_type=content_type, taken_at=_taken_at(exif),
                      latitude=latitude, longitude=longitude)


def _taken_at(exif) -> datetime | None:
    text = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    try:
        return datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S").replace(
            tzinfo=SHANGHAI)
    except (TypeError, ValueError):
        return None


def _degrees(value, ref) -> Decimal | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = Decimal(str(round(d + m / 60 + s / 3600, 6)))
    return -degrees if str(ref).upper().startswith(("S", "W")) else degrees


def _gps(exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(_GPS_IFD)
    if not gps or 2 not in gps or 4 not in gps:
        return None, None
    return _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))


def reencode_without_exif(data) -> bytes:
    """A JPEG for public pages: oriented, at most 1600 px, no EXIF (no GPS) at all."""
    with Image.open(BytesIO(_read(data))) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail((PUBLIC_LONGEST_SIDE, PUBLIC_LONGEST_SIDE))
        out = BytesIO()
        image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def phash_distance(a_hex: str, b_hex: str) -> int:
    return imagehash.hex_to_hash(a_hex) - imagehash.hex_to_hash(b_hex)


def distance_metres(lat1, lon1, lat2, lon2) -> float:
    p1, l1, p2, l2 = map(math.radians, map(float, (lat1, lon1, lat2, lon2)))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(h))


def gps_far_from(facts: PhotoFacts, latitude, longitude, *, limit_m: float = 1000) -> bool | None:
    if None in (facts.latitude, facts.longitude, latitude, longitude):
        return None
    return distance_metres(facts.latitude, facts.longitude, latitude, longitude) > limit_m


def exif_time_far_from(facts: PhotoFacts, uploaded_at: datetime, *,
                       limit: timedelta = timedelta(hours=24)) -> bool | None:
    if facts.taken_at is None:
        return None
    return abs(uploaded_at - facts.taken_at) > limit
