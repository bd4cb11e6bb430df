"""Site photos as evidence: check every upload before anything is written, then store the
private original, the public re-encoded copy, the hashes and the three flags (used before,
taken long before or after the upload, taken far from the site)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from .models import Photo
from .photos import (
    NEAR_DUPLICATE_DISTANCE,
    PhotoFacts,
    exif_time_far_from,
    gps_far_from,
    inspect_and_reencode,
)

MAX_PHOTOS_PER_ENTRY = 10


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


def earlier_use(facts: PhotoFacts) -> Photo | None:
    """The first stored photo that is the same file or looks the same (any project, any day)."""
    bits = phash_bits(facts.phash)
    exact = Photo.objects.filter(sha256=facts.sha256).order_by("created_at", "id").first()
    if exact is not None:
        return exact
    if connection.vendor == "postgresql":
        return (
            Photo.objects.annotate(
                distance=RawSQL("bit_count((phash_bits # %s)::bit(64))", (bits,))
            )
            .filter(distance__lte=NEAR_DUPLICATE_DISTANCE)
            .order_by("distance", "created_at", "id")
            .first()
        )
    # The embedded SQLite default has no bit_count: compare in Python, a page at a time.
    best = None
    for pk, other in Photo.objects.values_list("pk", "phash_bits").iterator(chunk_size=2000):
        distance = ((other ^ bits) & ((1 << 64) - 1)).bit_count()
        if distance <= NEAR_DUPLICATE_DISTANCE and (best is None or distance < best[0]):
            best = (distance, pk)
    return Photo.objects.get(pk=best[1]) if best else None


def store_photos(
    *,
    actor,
    project,
    photos: list[CheckedPhoto],
    uploaded_at,
    patrol_log=None,
    progress_report=None,
    spot_check=None,
) -> list[Photo]:
    """Store checked photos inside the caller's transaction; returns them with their flags."""
    stored = []
    for checked in photos:
        facts = checked.facts
        photo = Photo(
            project=project,
            patrol_log=patrol_log,
            progress_report=progress_report,
            spot_check=spot_check,
            original_name=checked.name,
            content_type=facts.content_type,
            width=facts.width,
            height=facts.height,
            sha256=facts.sha256,
            phash=facts.phash,
            phash_bits=phash_bits(facts.phash),
            taken_at=facts.taken_at,
            latitude=facts.latitude,
            longitude=facts.longitude,
            uploaded_by=actor,
            duplicate_of=earlier_use(facts),
            time_mismatch=bool(exif_time_far_from(facts, uploaded_at)),
            far_from_site=bool(gps_far_from(facts, project.latitude, project.longitude)),
        )
        photo.original.save(checked.name, ContentFile(checked.raw), save=False)
        photo.public.save("public.jpg", ContentFile(checked.public), save=False)
        photo.save()
        stored.append(photo)
    return stored


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
        }
        for p in photos
    ]
