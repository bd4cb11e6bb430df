"""Site photo evidence: refuse unsafe uploads, read when and where a photo was taken, hash it."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import BinaryIO, cast
from zoneinfo import ZoneInfo

import imagehash
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms, ImageOps

from core.geo import distance_metres
from core.images import truncated_images_refused

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
NEAR_DUPLICATE_DISTANCE = 8
# A photo taken farther than this from its site, or this long before or after its upload, is
# flagged (docs/rules.md §9).
FAR_FROM_SITE_M = 1000
TIME_MISMATCH = timedelta(hours=24)
PUBLIC_LONGEST_SIDE = 1600
PUBLIC_JPEG_QUALITY = 85
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Pillow format name and content type, by the file's first bytes (never by its name).
_JPEG = ("JPEG", "image/jpeg")
_PNG = ("PNG", "image/png")
_WEBP = ("WEBP", "image/webp")

# Markup or script has no business inside a photo: a polyglot (an image header followed by
# HTML, SVG or PHP) could be taken for a page by a content-sniffing browser or a lax server.
# Browsers sniff the first bytes, so any tag there is refused; in the rest of the file only
# patterns long enough never to turn up by chance in compressed pixel data.
_SNIFF_WINDOW = 1024
_MARKUP_AT_START = re.compile(
    rb"<\s*(?:!doctype|\?php|svg|html|head|body|script|iframe|object|embed|img|meta|style|title)"
    rb"[\s>/]",
    re.IGNORECASE,
)
_MARKUP_ANYWHERE = re.compile(
    rb"<(?:script|iframe|html|body|object|embed)[\s>/]|<\?php\s|javascript:",
    re.IGNORECASE,
)

_EXIF_DATETIME_FORMAT = "%Y:%m:%d %H:%M:%S"
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")

# EXIF tags (ExifTags.Base) and GPS tags (ExifTags.GPS).
_SOFTWARE = 0x0131
_DATETIME = 0x0132
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME = 0x9010
_OFFSET_TIME_ORIGINAL = 0x9011
_GPS_LATITUDE_REF = 1
_GPS_LATITUDE = 2
_GPS_LONGITUDE_REF = 3
_GPS_LONGITUDE = 4


@dataclass(frozen=True)
class PhotoFacts:
    """What an accepted photo says about itself. Width and height are as displayed (after the
    EXIF orientation); time and position are None when the photo does not say or says nonsense."""

    sha256: str
    phash: str
    width: int
    height: int
    content_type: str
    taken_at: datetime | None
    latitude: Decimal | None
    longitude: Decimal | None
    # Re-used photos that hide from the plain hash (docs/rules.md §9): the hashes of the picture
    # mirrored and turned (the seven other orientations of the square's symmetry group) and of its
    # central part (a crop of an earlier photo looks like that photo's centre).
    turned_phashes: tuple[str, ...] = ()
    crop_phash: str = ""
    # The EXIF Software tag (0x0131): the program that last wrote the file, e.g. an editor.
    software: str = ""


def inspect_photo(data: bytes | BinaryIO, *, filename: str) -> PhotoFacts:
    """Validate an uploaded photo and read its facts; raise ValidationError to refuse it."""
    raw = _read_bounded(data, filename)
    image, content_type = _open_checked(raw, filename)
    try:
        return _facts(raw, image, content_type)
    finally:
        image.close()


def reencode_without_exif(data: bytes | BinaryIO) -> bytes:
    """A JPEG for public pages: upright, longest side at most 1600 px, no EXIF or other
    metadata (no GPS, no camera, no comment, no ICC profile: colours are converted to sRGB).
    Refuses, like inspect_photo, what is not a safe photo."""
    raw = _read_bounded(data, "")
    image, _content_type = _open_checked(raw, "")
    try:
        return _public_copy(image)
    finally:
        image.close()


def inspect_and_reencode(data: bytes | BinaryIO, *, filename: str) -> tuple[PhotoFacts, bytes]:
    """Both at once, reading and decoding the upload a single time."""
    raw = _read_bounded(data, filename)
    image, content_type = _open_checked(raw, filename)
    try:
        return _facts(raw, image, content_type), _public_copy(image)
    finally:
        image.close()


def _facts(raw: bytes, image: Image.Image, content_type: str) -> PhotoFacts:
    exif = _exif(image)
    upright = _upright(image)
    latitude, longitude = _gps_position(exif)
    return PhotoFacts(
        sha256=hashlib.sha256(raw).hexdigest(),
        phash=str(imagehash.phash(upright)),
        width=upright.width,
        height=upright.height,
        content_type=content_type,
        taken_at=_taken_at(exif),
        latitude=latitude,
        longitude=longitude,
        turned_phashes=tuple(str(imagehash.phash(turned)) for turned in _turned(upright)),
        crop_phash=str(imagehash.phash(_centre(upright))),
        software=_software(exif),
    )


# Turning a photo by a quarter, mirroring it: the seven images besides the photo itself.
_TURNS = (
    (Image.Transpose.FLIP_LEFT_RIGHT,),
    (Image.Transpose.ROTATE_90,),
    (Image.Transpose.ROTATE_180,),
    (Image.Transpose.ROTATE_270,),
    (Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_90),
    (Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_180),
    (Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.ROTATE_270),
)
# The share of each side kept when comparing a photo's centre with another photo.
CROP_SHARE = 0.7
# Programs whose name in the Software tag means the file was edited after it was taken (camera
# firmware and phone systems write their own names there, which mean nothing).
EDITING_SOFTWARE = re.compile(
    r"photoshop|lightroom|gimp|snapseed|picsart|pixelmator|affinity|paint\.net|canva|fotor|"
    r"befunky|meitu|美图|醒图|xingtu|perfectcorp|facetune|polarr|vsco",
    re.IGNORECASE,
)


def _turned(image: Image.Image) -> list[Image.Image]:
    small = image.convert("L")
    small.thumbnail((256, 256))  # phash looks at 32×32: turning the full picture is waste
    turned = []
    for steps in _TURNS:
        out = small
        for step in steps:
            out = out.transpose(step)
        turned.append(out)
    return turned


def _centre(image: Image.Image) -> Image.Image:
    width, height = image.size
    dx, dy = int(width * (1 - CROP_SHARE) / 2), int(height * (1 - CROP_SHARE) / 2)
    return image.crop((dx, dy, width - dx, height - dy))


def _software(exif: Image.Exif | None) -> str:
    value = exif.get(_SOFTWARE) if exif is not None else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).replace("\x00", "").strip()[:100] if value else ""


def edited_by_software(software: str) -> bool:
    """Whether the Software tag names a photo editor."""
    return bool(software and EDITING_SOFTWARE.search(software))


def _public_copy(image: Image.Image) -> bytes:
    picture = _to_srgb(_upright(image))
    picture.thumbnail((PUBLIC_LONGEST_SIDE, PUBLIC_LONGEST_SIDE), Image.Resampling.LANCZOS)
    clean = Image.new("RGB", picture.size)  # a fresh image: nothing of the original's info
    clean.paste(picture)
    out = BytesIO()
    clean.save(out, format="JPEG", quality=PUBLIC_JPEG_QUALITY, optimize=True)
    return out.getvalue()


def phash_distance(a_hex: str, b_hex: str) -> int:
    """Hamming distance of two perceptual hashes; ≤ NEAR_DUPLICATE_DISTANCE is near-identical."""
    if len(a_hex) != len(b_hex):
        raise ValueError("perceptual hashes of different lengths")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def distance_from(facts: PhotoFacts, lat, lon) -> float | None:
    """Metres between where the photo was taken and the site; None when either is unknown."""
    if facts.latitude is None or facts.longitude is None or lat is None or lon is None:
        return None
    return distance_metres(facts.latitude, facts.longitude, lat, lon)


def taken_before(facts: PhotoFacts, uploaded_at: datetime | None) -> int | None:
    """Minutes from the photo's own time to its upload (negative: "taken" after the upload)."""
    if facts.taken_at is None or uploaded_at is None:
        return None
    if uploaded_at.tzinfo is None:
        uploaded_at = uploaded_at.replace(tzinfo=LOCAL_TZ)
    return round((uploaded_at - facts.taken_at).total_seconds() / 60)


def gps_far_from(facts: PhotoFacts, lat, lon, *, limit_m: float = FAR_FROM_SITE_M) -> bool | None:
    """Whether the photo was taken more than limit_m from the site; None when either position
    is unknown."""
    if facts.latitude is None or facts.longitude is None or lat is None or lon is None:
        return None
    return distance_metres(facts.latitude, facts.longitude, lat, lon) > limit_m


def exif_time_far_from(
    facts: PhotoFacts, uploaded_at: datetime | None, *, limit: timedelta = TIME_MISMATCH
) -> bool | None:
    """Whether the photo's own time is more than limit away from its upload; None when either
    is unknown. A naive uploaded_at is taken as Asia/Shanghai time."""
    if facts.taken_at is None or uploaded_at is None:
        return None
    if uploaded_at.tzinfo is None:
        uploaded_at = uploaded_at.replace(tzinfo=LOCAL_TZ)
    return abs(facts.taken_at - uploaded_at) > limit


# --- refusing -----------------------------------------------------------------------------


def _refuse(message: str, code: str, filename: str, **params) -> ValidationError:
    name = os.path.basename(filename or "")[:100] or _("照片")
    return ValidationError(message, code=code, params={"name": name, **params})


def _read_bounded(data: bytes | BinaryIO, filename: str) -> bytes:
    """The upload's bytes, reading no more than MAX_BYTES + 1 of a stream."""
    too_big = _refuse(
        _("“%(name)s”超过 %(limit)s MB，请压缩后再上传。"),
        "too_large",
        filename,
        limit=MAX_BYTES // (1024 * 1024),
    )
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        declared = getattr(data, "size", None)
        if isinstance(declared, int) and declared > MAX_BYTES:
            raise too_big
        if hasattr(data, "seek"):
            data.seek(0)
        raw = data.read(MAX_BYTES + 1)
        if hasattr(data, "seek"):
            data.seek(0)
    if len(raw) > MAX_BYTES:
        raise too_big
    return raw


def _sniff(raw: bytes) -> tuple[str, str] | None:
    if raw.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if len(raw) >= 12 and raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return _WEBP
    return None


def _open_checked(raw: bytes, filename: str) -> tuple[Image.Image, str]:
    """Refuse by content type, by markup inside and by declared pixel count, all before
    decoding; then decode, refusing what will not decode. Returns the loaded image."""
    sniffed = _sniff(raw)
    if sniffed is None:
        raise _refuse(
            _("“%(name)s”不是 JPEG、PNG 或 WebP 格式的照片（按文件内容判断，与文件扩展名无关）。"),
            "unsupported_type",
            filename,
        )
    if _MARKUP_AT_START.search(raw, 0, _SNIFF_WINDOW) or _MARKUP_ANYWHERE.search(raw):
        raise _refuse(
            _("“%(name)s”含有网页或脚本内容，不能作为照片上传。"), "active_content", filename
        )
    pillow_format, content_type = sniffed
    too_many_pixels = _refuse(
        _("“%(name)s”像素过多（上限 %(limit)s 万像素），可能是恶意构造的图片，已拒收。"),
        "too_many_pixels",
        filename,
        limit=MAX_PIXELS // 10_000,
    )
    unreadable = _refuse(
        _("“%(name)s”已损坏或不完整，无法读取，请重新拍摄或上传原图。"), "corrupt", filename
    )
    # Pillow's own bomb check (Image.MAX_IMAGE_PIXELS, left as it is) runs inside open(): its
    # error, or its warning where warnings are errors, is a refusal like ours.
    try:
        image = Image.open(BytesIO(raw), formats=[pillow_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise unreadable from None
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise unreadable
    if width * height > MAX_PIXELS:
        image.close()
        raise too_many_pixels
    try:
        with truncated_images_refused():
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        image.close()
        raise too_many_pixels from None
    except Exception:  # Pillow raises many kinds on bad data; none may become a 500
        image.close()
        raise unreadable from None
    return image, content_type


# --- reading ------------------------------------------------------------------------------


def _exif(image: Image.Image) -> Image.Exif | None:
    try:
        return image.getexif()
    except Exception:  # malformed EXIF is no EXIF
        return None


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a malformed orientation tag: keep the pixels as stored
        return image.copy()


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB; transparency over white."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            return ImageCms.profileToProfile(  # type: ignore[return-value]  # None only inPlace
                image,
                ImageCms.ImageCmsProfile(BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 \t\r\n")


def _taken_at(exif: Image.Exif | None) -> datetime | None:
    """DateTimeOriginal, else DateTime; in the offset their OffsetTime tag gives, else in
    Asia/Shanghai."""
    if exif is None:
        return None
    try:
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:
        exif_ifd = {}
    for stamp, offset in (
        (exif_ifd.get(_DATETIME_ORIGINAL), exif_ifd.get(_OFFSET_TIME_ORIGINAL)),
        (exif.get(_DATETIME), exif_ifd.get(_OFFSET_TIME)),
    ):
        stamp = _text(stamp)
        if not stamp:
            continue
        try:
            # EXIF keeps the zone apart (OffsetTime*), attached here; none means Shanghai.
            taken = datetime.strptime(stamp[:19], _EXIF_DATETIME_FORMAT).replace(
                tzinfo=_tz(_text(offset))
            )
        except ValueError:
            continue
        return taken
    return None


def _tz(offset: str | None):
    match = _OFFSET.match(offset or "")
    if match is None:
        return LOCAL_TZ
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14) or int(minutes) >= 60:
        return LOCAL_TZ
    return timezone(-delta if sign == "-" else delta)


def _rational(value) -> Decimal | None:
    try:
        numerator, denominator = value.numerator, value.denominator
    except AttributeError:
        if isinstance(value, tuple) and len(value) == 2:
            numerator, denominator = value
        elif isinstance(value, int | float):
            numerator, denominator = value, 1
        else:
            return None
    try:
        numerator, denominator = Decimal(numerator), Decimal(denominator)
        if denominator == 0 or not numerator.is_finite() or not denominator.is_finite():
            return None
        return numerator / denominator
    except (InvalidOperation, TypeError, ValueError):
        return None


def _degrees(value, ref, positive: str, negative: str, limit: int) -> Decimal | None:
    ref = (_text(ref) or "").upper()
    if ref not in (positive, negative):
        return None
    if not isinstance(value, tuple | list) or not 1 <= len(value) <= 3:
        return None
    parts = [_rational(part) for part in value]
    if any(part is None or part < 0 for part in parts):
        return None
    parts += [Decimal(0)] * (3 - len(parts))
    degrees, minutes, seconds = cast(list[Decimal], parts)  # no None: refused above
    if minutes >= 60 or seconds >= 60:
        return None
    total = degrees + minutes / 60 + seconds / 3600
    if total > limit:
        return None
    total = total.quantize(Decimal("0.0000001"))
    return -total if ref == negative else total


def _gps_position(exif: Image.Exif | None) -> tuple[Decimal | None, Decimal | None]:
    """Both coordinates or neither: half a position is no position. (0, 0) is what devices
    without a fix write, so it counts as unknown."""
    if exif is None:
        return None, None
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        return None, None
    latitude = _degrees(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF), "N", "S", 90)
    longitude = _degrees(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF), "E", "W", 180)
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None, None
    return latitude, longitude
