"""Checks for uploaded documents: count, size, name, extension, the content matching it, and
nothing active inside (markup, PDF scripts, archive bombs) — all without decoding the file."""

import re
import zipfile
from io import BytesIO
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

# Extension -> the leading bytes its content must start with (None: a text-free binary we
# cannot sniff cheaply, accepted on extension and size alone).
_SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".dwg": (b"AC10",),
}
ALLOWED_EXTENSIONS = tuple(_SIGNATURES)

# The same limits as site photos (inspections.photos): a drawing scanned at 600 dpi on A1 is
# about 28 megapixels.
MAX_IMAGE_PIXELS = 40_000_000
# Office files are ZIP archives: refuse what would unpack to far more than it weighs.
ZIP_MAX_ENTRIES = 5_000
ZIP_MAX_UNPACKED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100

# A browser sniffs the first bytes: any tag there makes a polyglot of the file. Inside images
# and PDFs, only patterns long enough never to turn up by chance in compressed data.
_SNIFF_WINDOW = 1024
_MARKUP_AT_START = re.compile(
    rb"<\s*(?:!doctype|\?php|svg|html|head|body|script|iframe|object|embed|img|meta|style|title)"
    rb"[\s>/]",
    re.IGNORECASE,
)
_MARKUP_ANYWHERE = re.compile(
    rb"<(?:script|iframe|html|body|object|embed)[\s>/]|<\?php\s|javascript:", re.IGNORECASE
)
# PDF names that run code or reach outside the document; a name may spell letters as #xx.
_PDF_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]{1,40}")
_PDF_ACTIVE = {b"JavaScript", b"JS", b"Launch", b"SubmitForm", b"ImportData", b"RichMedia"}
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_CHUNK_OVERLAP = 64


def check_documents(files: list[UploadedFile]) -> None:
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        raise ValidationError(
            _("一次最多上传 %(n)d 个文件。") % {"n": settings.ATTACHMENT_MAX_FILES}, code="too_many"
        )
    for upload in files:
        check_document(upload)


def check_document(upload: UploadedFile) -> None:
    name = upload.name or ""
    if any(ord(c) < 32 or c in "/\\" for c in name) or name.startswith("."):
        raise ValidationError(
            _("文件名含有不允许的字符（路径或控制字符），请改名后再上传。"), code="name"
        )
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in _SIGNATURES:
        raise ValidationError(
            _("“%(name)s”的文件类型不支持；可上传 PDF、图片、Word、Excel 或 DWG 图纸。")
            % {"name": name},
            code="extension",
        )
    if cast(int, upload.size) > settings.ATTACHMENT_MAX_BYTES:  # a received file has a size
        raise ValidationError(
            _("“%(name)s”超过 %(max)s 的大小限制。")
            % {"name": name, "max": filesizeformat(settings.ATTACHMENT_MAX_BYTES)},
            code="size",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s”是空文件。") % {"name": name}, code="empty")
    upload.seek(0)
    head = upload.read(_SNIFF_WINDOW)
    upload.seek(0)
    signatures = _SIGNATURES[ext]
    if signatures and not any(head.startswith(s) for s in signatures):
        raise ValidationError(
            _("“%(name)s”的内容与其扩展名不符。") % {"name": name}, code="content"
        )
    active = _("“%(name)s”含有网页、脚本或可执行内容，不能上传。") % {"name": name}
    if _MARKUP_AT_START.search(head):
        raise ValidationError(active, code="active_content")
    if ext in (".pdf", ".jpg", ".jpeg", ".png") and _scan(upload, ext == ".pdf"):
        raise ValidationError(active, code="active_content")
    if ext in (".jpg", ".jpeg", ".png"):
        _check_image_header(upload, name, "PNG" if ext == ".png" else "JPEG")
    elif ext in (".docx", ".xlsx"):
        _check_office_archive(upload, name)


def _scan(upload: UploadedFile, pdf: bool) -> bool:
    """Markup (and in a PDF, script or launch actions) anywhere, a chunk at a time."""
    tail = b""
    try:
        for chunk in upload.chunks():
            window = tail + chunk
            if _MARKUP_ANYWHERE.search(window):
                return True
            if pdf and any(
                _PDF_HEX.sub(lambda m: bytes([int(m[1], 16)]), n[1:]) in _PDF_ACTIVE
                for n in _PDF_NAME.findall(window)
            ):
                return True
            tail = window[-_CHUNK_OVERLAP:]
    finally:
        upload.seek(0)
    return False


def _check_image_header(upload: UploadedFile, name: str, pillow_format: str) -> None:
    """Width and height from the header only (nothing is decoded), against the pixel limit."""
    too_many = ValidationError(
        _("“%(name)s”像素过多（上限 %(limit)s 万像素），可能是恶意构造的图片，已拒收。")
        % {"name": name, "limit": MAX_IMAGE_PIXELS // 10_000},
        code="too_many_pixels",
    )
    try:
        with Image.open(upload, formats=[pillow_format]) as image:
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many from None
    except Exception:  # Pillow raises many kinds on bad headers; none may become a 500
        raise ValidationError(
            _("“%(name)s”已损坏或不完整，无法读取。") % {"name": name}, code="corrupt"
        ) from None
    finally:
        upload.seek(0)
    if width * height > MAX_IMAGE_PIXELS:
        raise too_many


def _check_office_archive(upload: UploadedFile, name: str) -> None:
    """Word and Excel files are ZIP archives: read the central directory only (nothing is
    unpacked) and refuse bombs, macros and what is not an Office file at all."""
    bomb = ValidationError(
        _("“%(name)s”解压后体积异常（可能是压缩炸弹），已拒收。") % {"name": name},
        code="archive_bomb",
    )
    not_office = ValidationError(
        _("“%(name)s”不是有效的 Word 或 Excel 文件。") % {"name": name}, code="content"
    )
    try:
        source = upload if hasattr(upload, "seekable") else BytesIO(upload.read())
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise not_office from None
    finally:
        upload.seek(0)
    if len(entries) > ZIP_MAX_ENTRIES:
        raise bomb
    unpacked = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if unpacked > ZIP_MAX_UNPACKED or unpacked / packed > ZIP_MAX_RATIO:
        raise bomb
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names:
        raise not_office
    if any(n.lower().endswith(("vbaproject.bin", ".zip", ".exe")) for n in names):
        raise ValidationError(
            _("“%(name)s”含有宏或内嵌的可执行文件，不能上传。") % {"name": name},
            code="active_content",
        )
