"""Site photo evidence: refusing unsafe uploads, EXIF time and GPS, perceptual hashes, and the
metadata-free copy for public pages. Every image is built in memory; no database."""

import hashlib
import time
from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageFile
from PIL.TiffImagePlugin import IFDRational

from inspections import photos
from inspections.photos import (
    MAX_BYTES,
    NEAR_DUPLICATE_DISTANCE,
    PhotoFacts,
    exif_time_far_from,
    gps_far_from,
    inspect_photo,
    phash_distance,
    reencode_without_exif,
)
from inspections.tests.images import encode, exif_with, png_declaring, scene

SHANGHAI = ZoneInfo("Asia/Shanghai")
SITE_LAT, SITE_LON = Decimal("31.2304"), Decimal("121.4737")
METRES_PER_DEGREE_LAT = 111_195


def _refusal(data, filename="site.jpg") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        inspect_photo(data, filename=filename)
    return caught.value


def _facts(**changes) -> PhotoFacts:
    base = dict(
        sha256="0" * 64,
        phash="0" * 16,
        width=10,
        height=10,
        content_type="image/jpeg",
        taken_at=None,
        latitude=None,
        longitude=None,
    )
    return PhotoFacts(**{**base, **changes})


# --- reading facts ------------------------------------------------------------------------


def test_jpeg_exif_time_and_gps_are_read_back():
    data = encode(
        scene(1), exif=exif_with(taken="2025:03:14 09:26:53", lat=31.236734, lon=121.474812)
    )

    facts = inspect_photo(data, filename="现场.jpg")

    assert facts.content_type == "image/jpeg"
    assert (facts.width, facts.height) == (1200, 900)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert len(facts.phash) == 16
    int(facts.phash, 16)
    assert facts.taken_at == datetime(2025, 3, 14, 9, 26, 53, tzinfo=SHANGHAI)
    assert facts.taken_at.utcoffset() == timedelta(hours=8)
    assert isinstance(facts.latitude, Decimal)
    assert isinstance(facts.longitude, Decimal)
    assert abs(facts.latitude - Decimal("31.236734")) < Decimal("0.000001")
    assert abs(facts.longitude - Decimal("121.474812")) < Decimal("0.000001")


def test_southern_and_western_refs_sign_the_position_and_an_offset_tag_is_honoured():
    data = encode(
        scene(1),
        exif=exif_with(taken="2025:03:14 01:26:53", offset="-03:00", lat=-22.9068, lon=-43.1729),
    )

    facts = inspect_photo(data, filename="rio.jpg")

    assert facts.latitude < 0 and facts.longitude < 0
    assert abs(facts.latitude + Decimal("22.9068")) < Decimal("0.000001")
    assert facts.taken_at == datetime(2025, 3, 14, 12, 26, 53, tzinfo=SHANGHAI)


def test_datetime_in_ifd0_is_the_fallback():
    exif = Image.Exif()
    exif[ExifTags.Base.DateTime] = "2024:12:31 23:59:59"
    facts = inspect_photo(encode(scene(1), exif=exif), filename="a.jpg")
    assert facts.taken_at == datetime(2024, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)


def test_no_exif_means_no_time_and_no_position():
    facts = inspect_photo(encode(scene(1)), filename="a.jpg")
    assert (facts.taken_at, facts.latitude, facts.longitude) == (None, None, None)


def test_malformed_exif_time_and_gps_are_unknown_not_errors():
    exif = exif_with(taken="0000:00:00 00:00:00")
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(31), IFDRational(75), IFDRational(0))  # 75′
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(121), IFDRational(28), IFDRational(1))

    facts = inspect_photo(encode(scene(1), exif=exif), filename="a.jpg")

    assert (facts.taken_at, facts.latitude, facts.longitude) == (None, None, None)


def test_gps_without_its_ref_or_at_null_island_is_unknown():
    exif = exif_with(lat=31.2, lon=121.4)
    del exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLongitudeRef]
    assert inspect_photo(encode(scene(1), exif=exif), filename="a.jpg").latitude is None

    exif = exif_with(lat=0.0, lon=0.0)
    assert inspect_photo(encode(scene(1), exif=exif), filename="a.jpg").latitude is None


def test_png_and_webp_are_accepted_by_content():
    png = inspect_photo(encode(scene(1, (320, 240)), "PNG"), filename="photo.jpg")
    webp = inspect_photo(encode(scene(1, (320, 240)), "WEBP"), filename="photo")
    assert png.content_type == "image/png"
    assert webp.content_type == "image/webp"
    assert (webp.width, webp.height) == (320, 240)


def test_file_like_uploads_are_read():
    data = encode(scene(1), exif=exif_with(taken="2025:03:14 09:26:53"))
    upload = SimpleUploadedFile("site.jpg", data, content_type="application/octet-stream")
    upload.read(10)  # the position does not matter

    facts = inspect_photo(upload, filename=upload.name)

    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts == inspect_photo(BytesIO(data), filename="site.jpg")


# --- near-duplicates ----------------------------------------------------------------------


def test_resized_recompressed_copy_is_a_near_duplicate_and_an_unrelated_photo_is_not():
    original = encode(scene(1, (2000, 1500)), quality=95)
    copy = encode(
        Image.open(BytesIO(original)).resize((800, 600), Image.Resampling.BILINEAR), quality=55
    )
    unrelated = encode(scene(2, (2000, 1500)), quality=95)

    a = inspect_photo(original, filename="a.jpg").phash
    b = inspect_photo(copy, filename="b.jpg").phash
    c = inspect_photo(unrelated, filename="c.jpg").phash

    assert phash_distance(a, b) <= NEAR_DUPLICATE_DISTANCE
    assert phash_distance(a, c) > NEAR_DUPLICATE_DISTANCE * 2


def test_the_public_copy_of_a_photo_is_its_near_duplicate():
    original = encode(scene(3, (2400, 1800)), quality=92)
    public = reencode_without_exif(original)
    assert (
        phash_distance(
            inspect_photo(original, filename="a.jpg").phash,
            inspect_photo(public, filename="b.jpg").phash,
        )
        <= NEAR_DUPLICATE_DISTANCE
    )


def test_phash_distance_is_the_hamming_distance():
    assert phash_distance("0" * 16, "0" * 16) == 0
    assert phash_distance("0" * 16, "f" * 16) == 64
    assert phash_distance("8000000000000001", "0000000000000000") == 2
    with pytest.raises(ValueError):
        phash_distance("00", "0000")


# --- position and time flags --------------------------------------------------------------


def test_gps_5_km_from_the_site_is_flagged_and_300_m_is_not():
    def at(metres_north):
        return _facts(
            latitude=SITE_LAT + Decimal(metres_north / METRES_PER_DEGREE_LAT), longitude=SITE_LON
        )

    assert gps_far_from(at(5000), SITE_LAT, SITE_LON) is True
    assert gps_far_from(at(300), SITE_LAT, SITE_LON) is False
    assert gps_far_from(at(300), SITE_LAT, SITE_LON, limit_m=200) is True


def test_gps_flag_is_none_when_either_position_is_unknown():
    assert gps_far_from(_facts(), SITE_LAT, SITE_LON) is None
    assert gps_far_from(_facts(latitude=SITE_LAT, longitude=SITE_LON), None, None) is None


def test_gps_flag_from_a_real_photo():
    near = encode(
        scene(1),
        exif=exif_with(lat=float(SITE_LAT) + 300 / METRES_PER_DEGREE_LAT, lon=float(SITE_LON)),
    )
    far = encode(
        scene(1),
        exif=exif_with(lat=float(SITE_LAT) + 5000 / METRES_PER_DEGREE_LAT, lon=float(SITE_LON)),
    )
    assert gps_far_from(inspect_photo(near, filename="n.jpg"), SITE_LAT, SITE_LON) is False
    assert gps_far_from(inspect_photo(far, filename="f.jpg"), SITE_LAT, SITE_LON) is True


def test_exif_time_30_hours_from_upload_is_flagged():
    taken = datetime(2025, 3, 14, 9, 0, tzinfo=SHANGHAI)
    facts = _facts(taken_at=taken)

    assert exif_time_far_from(facts, taken + timedelta(hours=30)) is True
    assert exif_time_far_from(facts, taken - timedelta(hours=30)) is True
    assert exif_time_far_from(facts, taken + timedelta(hours=2)) is False
    assert exif_time_far_from(facts, taken + timedelta(hours=2), limit=timedelta(hours=1))
    assert exif_time_far_from(_facts(), taken) is None
    assert exif_time_far_from(facts, None) is None


def test_exif_time_flag_from_a_real_photo_against_a_utc_upload_time():
    data = encode(scene(1), exif=exif_with(taken="2025:03:14 09:00:00"))
    facts = inspect_photo(data, filename="a.jpg")
    uploaded_utc = datetime(2025, 3, 15, 7, 0, tzinfo=ZoneInfo("UTC"))  # 15:00 in Shanghai
    assert exif_time_far_from(facts, uploaded_utc) is True  # 30 hours later
    assert exif_time_far_from(facts, uploaded_utc - timedelta(hours=8)) is False  # 22 hours


# --- refusals -----------------------------------------------------------------------------


def test_the_crafted_png_is_a_genuine_png():
    facts = inspect_photo(png_declaring(64, 48), filename="small.png")
    assert (facts.content_type, facts.width, facts.height) == ("image/png", 64, 48)


def test_png_decompression_bomb_is_refused_without_decoding():
    bomb = png_declaring(20_000, 20_000)
    assert len(bomb) < 200_000  # small on disk, 400 megapixels once decoded

    with mock.patch.object(ImageFile.ImageFile, "load", autospec=True) as load:
        started = time.perf_counter()
        error = _refusal(bomb, filename="bomb.png")
        elapsed = time.perf_counter() - started

    load.assert_not_called()
    assert elapsed < 1.0
    assert error.code == "too_many_pixels"
    assert "像素过多" in error.messages[0]
    assert "bomb.png" in error.messages[0]


def test_png_over_our_pixel_limit_but_under_pillows_is_refused_without_decoding():
    data = png_declaring(8000, 8000)  # 64 megapixels: Pillow would let it through
    assert 8000 * 8000 < Image.MAX_IMAGE_PIXELS

    with mock.patch.object(ImageFile.ImageFile, "load", autospec=True) as load:
        error = _refusal(data, filename="big.png")

    load.assert_not_called()
    assert error.code == "too_many_pixels"


def test_pillows_own_bomb_error_is_a_refusal_too():
    with mock.patch.object(photos.Image, "open", side_effect=Image.DecompressionBombError("bomb")):
        assert _refusal(encode(scene(1, (64, 48)))).code == "too_many_pixels"


def test_svg_with_a_script_is_refused():
    svg = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
        b'height="10"><script>alert(document.cookie)</script></svg>'
    )
    error = _refusal(svg, filename="photo.svg")
    assert error.code == "unsupported_type"
    assert "JPEG、PNG 或 WebP" in error.messages[0]
    assert _refusal(svg, filename="photo.jpg").code == "unsupported_type"


def test_png_header_followed_by_html_is_refused():
    polyglot = b"\x89PNG\r\n\x1a\n<html><body><script>alert(1)</script></body></html>"
    error = _refusal(polyglot, filename="photo.png")
    assert error.code == "active_content"
    assert "脚本" in error.messages[0]


def test_valid_image_with_html_appended_is_refused():
    data = encode(scene(1, (320, 240)), "PNG") + b"\n<script src=//evil.example/x.js></script>"
    assert _refusal(data, filename="photo.png").code == "active_content"


def test_pdf_named_jpg_is_refused():
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert _refusal(pdf, filename="photo.jpg").code == "unsupported_type"


def test_zip_and_empty_files_are_refused():
    assert _refusal(b"PK\x03\x04" + bytes(100), filename="photo.jpg").code == "unsupported_type"
    assert _refusal(b"", filename="photo.jpg").code == "unsupported_type"


def test_oversized_file_is_refused():
    data = encode(scene(1, (64, 48)))
    oversized = data + bytes(MAX_BYTES + 1 - len(data))

    error = _refusal(oversized, filename="huge.jpg")

    assert error.code == "too_large"
    assert "15 MB" in error.messages[0]


def test_oversized_upload_is_refused_by_its_declared_size_without_reading_it():
    upload = mock.Mock(size=MAX_BYTES + 1)
    assert _refusal(upload).code == "too_large"
    upload.read.assert_not_called()


def test_an_unbounded_stream_is_read_no_further_than_the_limit():
    stream = mock.Mock(spec=["read"])
    stream.read.return_value = b"\xff\xd8\xff" + bytes(MAX_BYTES)
    assert _refusal(stream).code == "too_large"
    stream.read.assert_called_once_with(MAX_BYTES + 1)


def test_truncated_jpeg_is_refused():
    data = encode(scene(1))
    error = _refusal(data[: len(data) // 2], filename="cut.jpg")
    assert error.code == "corrupt"
    assert "损坏" in error.messages[0]


def test_garbage_after_a_jpeg_signature_is_refused():
    assert _refusal(b"\xff\xd8\xff" + bytes(range(256)) * 4).code == "corrupt"


# --- the public copy ----------------------------------------------------------------------


def test_reencoded_copy_is_a_jpeg_without_exif():
    data = encode(
        scene(1, (2400, 1800)),
        exif=exif_with(taken="2025:03:14 09:26:53", lat=31.2, lon=121.4),
        comment=b"secret",
    )

    public = reencode_without_exif(data)

    image = Image.open(BytesIO(public))
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(image.info)
    assert max(image.size) == 1600
    assert inspect_photo(public, filename="p.jpg").latitude is None


def test_reencoded_copy_applies_the_orientation_first():
    data = encode(scene(1, (2000, 1000)), exif=exif_with(orientation=6))
    image = Image.open(BytesIO(reencode_without_exif(data)))
    assert image.size == (800, 1600)  # stored landscape, shown portrait
    assert len(image.getexif()) == 0


def test_reencoded_copy_of_a_transparent_png_is_a_small_jpeg():
    image = Image.new("RGBA", (300, 200), (255, 0, 0, 0))
    public = Image.open(BytesIO(reencode_without_exif(encode(image, "PNG"))))
    assert (public.format, public.mode, public.size) == ("JPEG", "RGB", (300, 200))
    assert public.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=3)


def test_reencode_refuses_what_inspect_refuses():
    with pytest.raises(ValidationError):
        reencode_without_exif(png_declaring(20_000, 20_000))


def test_truncated_jpeg_is_refused_even_after_weasyprint_relaxed_pillow():
    import weasyprint  # noqa: F401 - importing it sets ImageFile.LOAD_TRUNCATED_IMAGES = True
    from PIL import ImageFile as PillowImageFile

    assert PillowImageFile.LOAD_TRUNCATED_IMAGES is True
    data = encode(scene(1))
    assert _refusal(data[: len(data) // 2], filename="cut.jpg").code == "corrupt"
    assert PillowImageFile.LOAD_TRUNCATED_IMAGES is True  # restored for WeasyPrint


def test_truncated_jpeg_is_refused_while_other_threads_decode_and_render():
    """gunicorn's threaded workers decode in several threads of one process, where WeasyPrint
    has turned Pillow's switch on: no thread's switching may land in another one's decode."""
    from concurrent.futures import ThreadPoolExecutor

    from core.images import weasyprint_html

    weasyprint_html()
    cut = encode(scene(1).resize((1600, 1200)))
    cut = cut[: len(cut) // 2]
    whole = encode(scene(2).resize((1600, 1200)))

    def decode(n):
        if n % 2:
            return _refusal(cut, filename="cut.jpg").code
        return inspect_photo(whole, filename="whole.jpg") and "accepted"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(decode, range(160)))
    assert outcomes.count("corrupt") == 80 and outcomes.count("accepted") == 80
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # WeasyPrint's setting is back after
