"""Site photos and videos as evidence: check every upload before anything is written, then store
the private original, the public re-encoded copy, the hashes and the three flags (used before,
taken long before or after the upload, taken far from the site); a clip with its poster frame."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from core.signals import announce_evidence_flagged

from .choices import DuplicateHow
from .models import Photo, Video, VideoPolicy
from .near_duplicates import Comparison, near_matches
from .photos import (
    PhotoFacts,
    distance_from,
    edited_by_software,
    exif_time_far_from,
    gps_far_from,
    inspect_and_reencode,
    taken_before,
)
from .videos import CheckedVideo, VideoLimits, inspect_video

MAX_PHOTOS_PER_ENTRY = 10
# One clip per entry: with ten photos it stays under the proxy's limit (config/settings).
MAX_VIDEOS_PER_ENTRY = 1


@dataclass(frozen=True)
class CheckedPhoto:
    name: str
    raw: bytes
    public: bytes
    facts: PhotoFacts


def check_photos(files, *, required: bool) -> list[CheckedPhoto]:
    """Every photo of one entry, checked and re-encoded; a ValidationError on "photos" listing
    each refusal, so the user learns about all of them at once and nothing is half-written."""
    files = list(files or [])
    if required and not files:
        raise ValidationError({"photos": _("请至少上传一张现场照片。")})
    if len(files) > MAX_PHOTOS_PER_ENTRY:
        raise ValidationError(
            {"photos": _("每条记录最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS_PER_ENTRY}}
        )
    checked, errors = [], []
    for upload in files:
        name = getattr(upload, "name", "") or "photo"
        try:
            facts, public = inspect_and_reencode(upload, filename=name)
            upload.seek(0)
            checked.append(
                CheckedPhoto(name=name[:255], raw=upload.read(), public=public, facts=facts)
            )
        except ValidationError as refusal:
            errors.extend(refusal.messages)
    if errors:
        raise ValidationError({"photos": errors})
    return checked


def phash_bits(phash_hex: str) -> int:
    """The 64-bit hash as the signed integer PostgreSQL's bigint holds."""
    value = int(phash_hex, 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def earlier_use(facts: PhotoFacts) -> tuple[Photo | None, str]:
    """The first stored photo that is the same file or looks the same (any project, any day),
    also when mirrored, turned or cropped; with how it matched (DuplicateHow)."""
    exact = Photo.objects.filter(sha256=facts.sha256).order_by("created_at", "id").first()
    if exact is not None:
        return exact, DuplicateHow.SAME_FILE
    # What to compare the stored hashes with, and how each comparison reads when it matches.
    # Plain similarity first: of equally close matches the plainest explanation wins.
    whole = phash_bits(facts.phash)
    comparisons = [Comparison("phash_bits", whole)]
    hows = [DuplicateHow.SIMILAR]
    for turned in facts.turned_phashes:
        comparisons.append(Comparison("phash_bits", phash_bits(turned)))
        hows.append(DuplicateHow.TURNED)
    if facts.crop_phash:
        # this photo is a crop of a stored one (its whole vs their centre), or the other way
        comparisons.append(Comparison("crop_phash_bits", whole))
        comparisons.append(Comparison("phash_bits", phash_bits(facts.crop_phash)))
        hows += [DuplicateHow.CROPPED, DuplicateHow.CROPPED]
    matches = near_matches(comparisons)
    if not matches:
        return None, ""
    return Photo.objects.get(pk=matches[0].photo_id), hows[matches[0].comparison]


def store_photos(
    *,
    actor,
    project,
    photos: list[CheckedPhoto],
    uploaded_at,
    patrol_log=None,
    progress_report=None,
    spot_check=None,
    village_observation=None,
) -> list[Photo]:
    """Store checked photos inside the caller's transaction; returns them with their flags."""
    stored = []
    for checked in photos:
        facts = checked.facts
        earlier, how = earlier_use(facts)
        distance = distance_from(facts, project.latitude, project.longitude)
        offset = taken_before(facts, uploaded_at)
        photo = Photo(
            project=project,
            patrol_log=patrol_log,
            progress_report=progress_report,
            spot_check=spot_check,
            village_observation=village_observation,
            original_name=checked.name,
            content_type=facts.content_type,
            width=facts.width,
            height=facts.height,
            sha256=facts.sha256,
            phash=facts.phash,
            phash_bits=phash_bits(facts.phash),
            crop_phash_bits=phash_bits(facts.crop_phash) if facts.crop_phash else None,
            taken_at=facts.taken_at,
            latitude=facts.latitude,
            longitude=facts.longitude,
            uploaded_by=actor,
            duplicate_of=earlier,
            duplicate_how=how,
            time_mismatch=bool(exif_time_far_from(facts, uploaded_at)),
            far_from_site=bool(gps_far_from(facts, project.latitude, project.longitude)),
            distance_m=None if distance is None else round(distance),
            time_offset_minutes=offset,
            software=facts.software,
            edited=edited_by_software(facts.software),
        )
        photo.original.save(checked.name, ContentFile(checked.raw), save=False)
        photo.public.save("public.jpg", ContentFile(checked.public), save=False)
        photo.save()
        stored.append(photo)
        _announce_flags(photo, project)
    return stored


def _announce_flags(photo: Photo, project) -> None:
    """The photo's claims among the discipline officers' flags (approvals records them)."""
    key = f"photo:{photo.pk}"
    if photo.far_from_site and photo.distance_m is not None:
        announce_evidence_flagged(
            project.pk,
            kind="photo_far",
            key=key,
            summary=_("照片“%(name)s”的拍摄位置距项目 %(km)s 公里。")
            % {"name": photo.original_name, "km": f"{photo.distance_m / 1000:.1f}"},
        )
    if photo.time_mismatch and photo.time_offset_minutes is not None:
        announce_evidence_flagged(
            project.pk,
            kind="photo_time",
            key=key,
            summary=_("照片“%(name)s”的拍摄时间与上传相差 %(hours)s 小时。")
            % {"name": photo.original_name, "hours": f"{abs(photo.time_offset_minutes) / 60:.0f}"},
        )
    if photo.edited:
        announce_evidence_flagged(
            project.pk,
            kind="photo_edited",
            key=key,
            summary=_("照片“%(name)s”经“%(software)s”处理过。")
            % {"name": photo.original_name, "software": photo.software},
        )


def photo_facts_for_audit(photos: list[Photo]) -> list[dict]:
    return [
        {
            "id": p.pk,
            "sha256": p.sha256,
            "phash": p.phash,
            "taken_at": p.taken_at.isoformat() if p.taken_at else None,
            "latitude": p.latitude,
            "longitude": p.longitude,
            "duplicate_of": p.duplicate_of_id,
            "time_mismatch": p.time_mismatch,
            "far_from_site": p.far_from_site,
            "duplicate_how": p.duplicate_how,
            "distance_m": p.distance_m,
            "time_offset_minutes": p.time_offset_minutes,
            "software": p.software,
            "edited": p.edited,
        }
        for p in photos
    ]


def video_limits(on) -> VideoLimits:
    """The limits of a site clip on a day: the VideoPolicy in force, else settings.VIDEO_LIMITS;
    never above settings.VIDEO_MAX_BYTES_CEILING."""
    policy = VideoPolicy.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if policy is None:
        seconds = int(settings.VIDEO_LIMITS["max_seconds"])
        size = int(settings.VIDEO_LIMITS["max_bytes"])
    else:
        seconds, size = policy.max_seconds, policy.max_megabytes * 1024 * 1024
    return VideoLimits(max_seconds=seconds, max_bytes=min(size, settings.VIDEO_MAX_BYTES_CEILING))


def check_videos(files, *, on) -> list[CheckedVideo]:
    """Every clip of one entry, checked by content (ffprobe) with its poster cut; a
    ValidationError on "videos" listing each refusal; nothing is written."""
    files = list(files or [])
    if not files:
        return []
    if len(files) > MAX_VIDEOS_PER_ENTRY:
        raise ValidationError(
            {"videos": _("每条记录最多上传 %(n)s 段视频。") % {"n": MAX_VIDEOS_PER_ENTRY}}
        )
    limits = video_limits(on)
    checked, errors = [], []
    for upload in files:
        try:
            checked.append(
                inspect_video(upload, filename=getattr(upload, "name", "") or "", limits=limits)
            )
        except ValidationError as refusal:
            errors.extend(refusal.messages)
    if errors:
        raise ValidationError({"videos": errors})
    return checked


def store_videos(
    *, actor, project, videos: list[CheckedVideo], patrol_log=None, progress_report=None
) -> list[Video]:
    """Store checked clips inside the caller's transaction."""
    stored = []
    for checked in videos:
        facts = checked.facts
        video = Video(
            project=project,
            patrol_log=patrol_log,
            progress_report=progress_report,
            original_name=checked.name,
            content_type=facts.content_type,
            size=facts.size,
            duration=facts.duration,
            width=facts.width,
            height=facts.height,
            codec=facts.codec,
            sha256=facts.sha256,
            uploaded_by=actor,
        )
        video.original.save(checked.name, ContentFile(checked.raw), save=False)
        video.playable.save("clean.mp4", ContentFile(checked.clean), save=False)
        video.poster.save("poster.jpg", ContentFile(checked.poster), save=False)
        video.save()
        stored.append(video)
    return stored


def video_facts_for_audit(videos: list[Video]) -> list[dict]:
    return [
        {
            "id": v.pk,
            "sha256": v.sha256,
            "size": v.size,
            "duration": v.duration,
            "codec": v.codec,
            "width": v.width,
            "height": v.height,
        }
        for v in videos
    ]
