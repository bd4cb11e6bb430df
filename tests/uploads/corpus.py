"""Hostile uploads, generated (nothing binary is committed): polyglots, script, decompression
and archive bombs, wrong extensions, oversize, truncated and malformed files. Each is
(name, bytes, the words its refusal must contain)."""

import functools
import struct
import zipfile
import zlib
from io import BytesIO

from PIL import Image

from inspections.tests.images import encode, png_declaring, scene

JPEG = encode(scene(7, size=(320, 240)))
PNG = encode(scene(8, size=(320, 240)), fmt="PNG")
SCRIPT_SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
    b'height="10"><script>alert(document.cookie)</script></svg>'
)
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode.\r\r\n$"
    + b"\x00" * 400
)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_with_text(text: bytes) -> bytes:
    """A genuine PNG with a tEXt chunk (PHP in a comment: the classic upload web shell)."""
    return PNG[:33] + _chunk(b"tEXt", b"Comment\x00" + text) + PNG[33:]


def jpeg_with_exif_description(text: bytes, repeat: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010E] = (text * repeat).decode("latin-1")  # ImageDescription
    return encode(scene(9, size=(320, 240)), exif=exif)


def jpeg_with_lying_exif_count() -> bytes:
    """EXIF whose one IFD entry claims a billion ASCII bytes at an offset past the file."""
    tiff = (
        b"MM\x00\x2a\x00\x00\x00\x08"
        + struct.pack(">H", 1)
        + struct.pack(">HHII", 0x010E, 2, 0x3FFFFFFF, 0x7FFFFF00)
        + b"\x00\x00\x00\x00"
    )
    app1 = b"Exif\x00\x00" + tiff
    return JPEG[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + JPEG[2:]


def gif_declaring(width: int, height: int) -> bytes:
    return (
        b"GIF89a"
        + struct.pack("<HH", width, height)
        + b"\x80\x00\x00"
        + b"\x00" * 6
        + b",\x00\x00\x00\x00"
        + struct.pack("<HH", width, height)
        + b"\x00\x02\x02D\x01\x00;"
    )


def webp_declaring(width: int, height: int) -> bytes:
    """A lossless WebP header (VP8L) declaring width × height; no pixel data to speak of."""
    bits = (width - 1) | ((height - 1) << 14)
    vp8l = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 20
    return (
        b"RIFF"
        + struct.pack("<I", 12 + len(vp8l))
        + b"WEBP"
        + b"VP8L"
        + struct.pack("<I", len(vp8l))
        + vp8l
    )


def tiff_declaring(width: int, height: int) -> bytes:
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8),
        (279, 4, 1, width * height),
    ]
    ifd = (
        struct.pack("<H", len(entries))
        + b"".join(struct.pack("<HHII", *e) for e in entries)
        + b"\x00\x00\x00\x00"
    )
    return b"II*\x00" + struct.pack("<I", 8 + 0) + ifd


def zip_bomb(
    inner_name: str = "word/document.xml", *, office: bool = True, unpacked_mb: int = 1024
) -> bytes:
    """An archive whose one member unpacks to unpacked_mb of zeros (about 1000:1), built in
    1 MB steps so the test never holds it unpacked."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        if office:
            archive.writestr("[Content_Types].xml", "<Types/>")
        zero = bytes(1024 * 1024)
        with archive.open(inner_name, "w", force_zip64=True) as member:
            for _ in range(unpacked_mb):
                member.write(zero)
    return out.getvalue()


def plain_zip() -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.exe", EXE)
    return out.getvalue()


def docm_as_docx() -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return out.getvalue()


PDF_JS = (
    b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript "
    b"/JS (app.alert\\('pwned'\\)) >> >> endobj\n2 0 obj << /Type /Pages /Kids [] "
    b"/Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
PDF_JS_HEX = PDF_JS.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
PDF_LAUNCH = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /Launch /F (cmd.exe) >> "
    b">> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
PDF_HTML = b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n"
TRUNCATED_JPEG = JPEG[: len(JPEG) // 2]


@functools.cache
def photo_corpus() -> tuple[tuple[str, bytes, str], ...]:
    """For the site-photo endpoints (JPEG, PNG, WebP accepted by content)."""
    return (
        ("polyglot.jpg", JPEG + b"<html><script>alert(1)</script></html>", "网页或脚本"),
        ("shell.png", png_with_text(b"<?php system($_GET['c']); ?>"), "网页或脚本"),
        ("exif-script.jpg", jpeg_with_exif_description(b"<script>alert(1)</script>"), "网页或脚本"),
        ("site.svg", SCRIPT_SVG, "不是 JPEG、PNG 或 WebP"),
        ("svg-as.png", SCRIPT_SVG, "不是 JPEG、PNG 或 WebP"),
        ("bomb.png", png_declaring(20000, 20000), "像素过多"),
        ("bomb.webp", webp_declaring(16384, 16384), "像素过多"),
        ("bomb.gif", gif_declaring(65535, 65535), "不是 JPEG、PNG 或 WebP"),
        ("bomb.tif", tiff_declaring(60000, 60000), "不是 JPEG、PNG 或 WebP"),
        ("setup.jpg", EXE, "不是 JPEG、PNG 或 WebP"),
        ("archive.jpg", plain_zip(), "不是 JPEG、PNG 或 WebP"),
        ("document.jpg", PDF_JS, "不是 JPEG、PNG 或 WebP"),
        ("huge.jpg", JPEG[:3] + bytes(16 * 1024 * 1024), "超过 15 MB"),
        ("truncated.jpg", TRUNCATED_JPEG, "已损坏或不完整"),
        (
            "comment.jpg",
            JPEG[:2] + b"\xff\xfe\x00\x1c<?php eval($_POST[1]); ?>\n\n\n" + JPEG[2:],
            "网页或脚本",
        ),
        ("garbage.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40, "已损坏或不完整"),
        ("empty.jpg", b"", "不是 JPEG、PNG 或 WebP|空文件"),
        ("zipbomb.jpg", zip_bomb(unpacked_mb=64), "不是 JPEG、PNG 或 WebP"),
        ("../../../etc/passwd.jpg", EXE, "不是 JPEG、PNG 或 WebP"),
        ("null\x00.php.jpg", b"<?php echo 1; ?>", "不是 JPEG、PNG 或 WebP"),
    )


@functools.cache
def document_corpus() -> tuple[tuple[str, bytes, str], ...]:
    """For the document endpoints (project attachments, invoices, change drawings)."""
    return (
        ("预算.pdf", PDF_JS, "脚本"),
        ("hex-escaped.pdf", PDF_JS_HEX, "脚本"),
        ("launch.pdf", PDF_LAUNCH, "脚本"),
        ("polyglot.pdf", PDF_HTML, "脚本"),
        ("photo.jpg", JPEG + b"<html><script>alert(1)</script></html>", "脚本"),
        ("shell.png", png_with_text(b"<?php system($_GET['c']); ?>"), "脚本"),
        ("drawing.svg", SCRIPT_SVG, "文件类型不支持"),
        ("svg-as.png", SCRIPT_SVG, "内容与其扩展名不符"),
        ("bomb.png", png_declaring(20000, 20000), "像素过多"),
        ("setup.pdf", EXE, "内容与其扩展名不符"),
        ("setup.jpg", EXE, "内容与其扩展名不符"),
        ("invoice.pdf.exe", EXE, "文件类型不支持"),
        ("archive.pdf", plain_zip(), "内容与其扩展名不符"),
        ("budget.docx", zip_bomb(unpacked_mb=1024), "压缩炸弹"),
        ("sheet.xlsx", zip_bomb("xl/worksheets/sheet1.xml", unpacked_mb=512), "压缩炸弹"),
        ("archive.docx", plain_zip(), "不是有效的 Word 或 Excel"),
        ("macro.docx", docm_as_docx(), "宏"),
        ("huge.pdf", b"%PDF-1.4\n" + bytes(21 * 1024 * 1024), "大小限制"),
        ("truncated.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "已损坏或不完整"),
        ("empty.pdf", b"", "空文件"),
        (
            "page.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "内容与其扩展名不符",
        ),
        # Django's upload parser already cuts a path down to its last part and drops control
        # characters; a service called with such a name refuses it by itself.
        ("../../../config/settings.pdf", EXE, "文件名含有不允许的字符|内容与其扩展名不符"),
        ("null\x00.php.pdf", PDF_JS, "文件名含有不允许的字符|脚本"),
    )
