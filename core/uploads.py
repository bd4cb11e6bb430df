"""Checks for uploaded documents: count, size, extension and the content matching it."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

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


def check_documents(files: list[UploadedFile]) -> None:
    if len(files) > settings.ATTACHMENT_MAX_FILES:
        raise ValidationError(
            _("一次最多上传 %(n)d 个文件。") % {"n": settings.ATTACHMENT_MAX_FILES}, code="too_many")
    for upload in files:
        check_document(upload)


def check_document(upload: UploadedFile) -> None:
    name = upload.name or ""
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in _SIGNATURES:
        raise ValidationError(
            _("“%(name)s”的文件类型不支持；可上传 PDF、图片、Word、Excel 或 DWG 图纸。") % {"name": name},
            code="extension")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s”超过 %(max)s 的大小限制。")
            % {"name": name, "max": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}, code="size")
    if upload.size == 0:
        raise ValidationError(_("“%(name)s”是空文件。") % {"name": name}, code="empty")
    head = upload.read(16)
    upload.seek(0)
    signatures = _SIGNATURES[ext]
    if signatures and not any(head.startswith(s) for s in signatures):
        raise ValidationError(
            _("“%(name)s”的内容与其扩展名不符。") % {"name": name}, code="content")
