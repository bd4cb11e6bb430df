"""Site video evidence: refuse by content what is not a short MP4/H.264 clip (ffprobe), cut a
poster frame (ffmpeg, JPEG) and a copy without metadata for the pages."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

# The ISO base media family that browsers play: MP4 and QuickTime (phones record .mov).
# ffprobe names its demuxer for the whole family "mov,mp4,m4a,3gp,3g2,mj2".
_FAMILY = "mov"
# H.264 is what every phone records and every browser plays.
_CODECS = {"h264"}
FFPROBE_TIMEOUT_S = 20
FFMPEG_TIMEOUT_S = 60
POSTER_WIDTH = 640
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class VideoLimits:
    """What the policy in force allows (inspections.VideoPolicy, else settings.VIDEO_LIMITS)."""

    max_seconds: int
    max_bytes: int


@dataclass(frozen=True)
class VideoFacts:
    sha256: str
    size: int
    duration: Decimal
    width: int
    height: int
    codec: str
    content_type: str


@dataclass(frozen=True)
class CheckedVideo:
    """An accepted clip: its facts, the clean copy (no metadata, playable while it loads) and
    the poster frame, all in memory until the service stores them."""

    name: str
    raw: bytes
    clean: bytes
    poster: bytes
    facts: VideoFacts


def ffmpeg_tools() -> tuple[str, str]:
    """The paths of ffprobe and ffmpeg; ImproperlyConfigured when the system lacks them
    (scripts/install-system-deps.sh installs Debian's ffmpeg)."""
    ffprobe, ffmpeg = shutil.which("ffprobe"), shutil.which("ffmpeg")
    if not ffprobe or not ffmpeg:
        raise ImproperlyConfigured("ffprobe/ffmpeg not found: apt-get install ffmpeg")
    return ffprobe, ffmpeg


def _refuse(message: str, code: str, filename: str, **params) -> ValidationError:
    name = os.path.basename(filename or "")[:100] or _("视频")
    return ValidationError(message % {"name": name, **params}, code=code)


def inspect_video(data: bytes | BinaryIO, *, filename: str, limits: VideoLimits) -> CheckedVideo:
    """Check one uploaded clip by its content and prepare what is stored; raise
    ValidationError (a Chinese message naming the file) to refuse it."""
    ffprobe, ffmpeg = ffmpeg_tools()
    megabytes = max(1, limits.max_bytes // (1024 * 1024))
    too_big = _refuse(
        _("视频“%(name)s”超过 %(limit)s MB，请缩短或压缩后再上传。"),
        "too_large",
        filename,
        limit=megabytes,
    )
    declared = getattr(data, "size", None)
    if isinstance(declared, int) and declared > limits.max_bytes:
        raise too_big
    not_video = _refuse(
        _(
            "“%(name)s”不是 MP4（H.264 编码）格式的视频（按文件内容判断，与文件扩展名无关），"
            "请用手机相机录制后直接上传。"
        ),
        "unsupported_type",
        filename,
    )
    with tempfile.TemporaryDirectory(prefix="video-") as folder:
        source = Path(folder) / "upload"
        digest, size = hashlib.sha256(), 0
        with source.open("wb") as out:
            for chunk in _chunks(data):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise too_big
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise not_video
        # The ISO base media file starts with a box whose type is "ftyp": anything else (an
        # .exe, a playlist that would make ffprobe open other files) is refused before probing.
        with source.open("rb") as head:
            start = head.read(12)
        if start[4:8] != b"ftyp":
            raise not_video
        probe = _probe(ffprobe, source)
        if probe is None:
            raise not_video
        streams = probe.get("streams") or []
        videos = [s for s in streams if s.get("codec_type") == "video"]
        if _FAMILY not in str((probe.get("format") or {}).get("format_name", "")).split(","):
            raise not_video
        if len(videos) != 1:
            raise not_video
        stream = videos[0]
        codec = str(stream.get("codec_name", ""))
        if codec not in _CODECS:
            raise _refuse(
                _("视频“%(name)s”的编码是 %(codec)s，只接受 H.264 编码的 MP4 视频。"),
                "codec",
                filename,
                codec=codec or _("未知"),
            )
        duration = _decimal((probe.get("format") or {}).get("duration")) or _decimal(
            stream.get("duration")
        )
        if duration is None or duration <= 0:
            raise not_video
        if duration > limits.max_seconds:
            raise _refuse(
                _("视频“%(name)s”时长 %(seconds)s 秒，超过 %(limit)s 秒的上限，请剪短后再上传。"),
                "too_long",
                filename,
                seconds=f"{duration:.0f}",
                limit=limits.max_seconds,
            )
        try:
            width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
        except (TypeError, ValueError):
            width = height = 0
        if width <= 0 or height <= 0:
            raise not_video
        unreadable = _refuse(
            _("视频“%(name)s”已损坏或不完整，无法读取画面，请重新录制后上传。"),
            "corrupt",
            filename,
        )
        poster = Path(folder) / "poster.jpg"
        at = min(Decimal(1), duration / 2)
        if (
            not _run(
                [
                    ffmpeg,
                    *_QUIET,
                    "-f",
                    _FAMILY,
                    "-ss",
                    f"{at:.3f}",
                    "-i",
                    str(source),
                    "-frames:v",
                    "1",
                    "-vf",
                    f"scale='min({POSTER_WIDTH},iw)':-2",
                    "-c:v",
                    "mjpeg",
                    "-f",
                    "image2",
                    str(poster),
                ]
            )
            or not poster.is_file()
            or poster.stat().st_size == 0
        ):
            raise unreadable
        clean = Path(folder) / "clean.mp4"
        # Stream copy (no re-encoding): the same pictures and sound without the metadata a
        # phone writes (its position among them), the index first so that playing starts early.
        if (
            not _run(
                [
                    ffmpeg,
                    *_QUIET,
                    "-f",
                    _FAMILY,
                    "-i",
                    str(source),
                    "-map",
                    "0:v:0",
                    "-map",
                    "0:a:0?",
                    "-c",
                    "copy",
                    "-map_metadata",
                    "-1",
                    "-movflags",
                    "+faststart",
                    "-f",
                    "mp4",
                    str(clean),
                ]
            )
            or not clean.is_file()
        ):
            raise unreadable
        return CheckedVideo(
            name=(filename or "video.mp4")[:255],
            raw=source.read_bytes(),
            clean=clean.read_bytes(),
            poster=poster.read_bytes(),
            facts=VideoFacts(
                sha256=digest.hexdigest(),
                size=size,
                duration=duration.quantize(Decimal("0.01")),
                width=width,
                height=height,
                codec=codec,
                content_type="video/mp4",
            ),
        )


# No banner, errors only, never ask, only local files (a crafted file cannot make ffmpeg
# fetch or open anything else).
_QUIET = ["-hide_banner", "-nostdin", "-loglevel", "error", "-protocol_whitelist", "file"]


def _probe(ffprobe: str, source: Path) -> dict | None:
    try:
        done = subprocess.run(
            [
                ffprobe,
                "-hide_banner",
                "-loglevel",
                "error",
                "-protocol_whitelist",
                "file",
                "-f",
                _FAMILY,
                "-show_entries",
                "format=format_name,duration:stream=codec_type,codec_name,width,height,duration",
                "-of",
                "json",
                str(source),
            ],
            capture_output=True,
            timeout=FFPROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        probe = json.loads(done.stdout or b"{}")
    except ValueError:
        return None
    return probe if isinstance(probe, dict) else None


def _run(args: list[str]) -> bool:
    try:
        done = subprocess.run(args, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _chunks(data: bytes | BinaryIO):
    if isinstance(data, bytes | bytearray | memoryview):
        yield bytes(data)
        return
    if hasattr(data, "chunks"):
        yield from data.chunks(CHUNK)
        return
    if hasattr(data, "seek"):
        data.seek(0)
    while chunk := data.read(CHUNK):
        yield chunk
