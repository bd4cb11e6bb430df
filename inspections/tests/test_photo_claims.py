"""Photos that hide from the plain checks (docs/rules.md §9, issue #18 point 6): re-used photos
mirrored, turned or cropped; photos whose file says an editor wrote it; and the far and late
photos as flags in the API and their own anomaly list, with the figures."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps

from approvals.choices import FlagKind
from approvals.models import Flag
from core.dates import SHANGHAI
from inspections import near_duplicates, services
from inspections.choices import DuplicateHow
from inspections.photos import edited_by_software, inspect_photo
from inspections.tests.images import encode, exif_with, scene
from inspections.tests.test_patrol_logs import SITE, site

pytestmark = pytest.mark.django_db


def _upload(image: Image.Image, name="site.jpg", exif=None) -> SimpleUploadedFile:
    data = encode(image, exif=exif) if exif is not None else encode(image, quality=90)
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def _log(district, project, *uploads):
    return services.patrol_log_record(
        actor=district.supervisor,
        project_id=project.pk,
        client_key=uuid.uuid4(),
        log_date=timezone.localdate(),
        weather="晴",
        work_done="铺设人行道砖 30 米",
        head_count=6,
        photos=list(uploads),
    )


def _crop(image: Image.Image, share: float) -> Image.Image:
    width, height = image.size
    dx, dy = int(width * (1 - share) / 2), int(height * (1 - share) / 2)
    return image.crop((dx, dy, width - dx, height - dy))


TRICKS = {
    "mirrored": (lambda im: ImageOps.mirror(im), DuplicateHow.TURNED),
    "turned a quarter": (lambda im: im.transpose(Image.Transpose.ROTATE_90), DuplicateHow.TURNED),
    "upside down": (lambda im: im.transpose(Image.Transpose.ROTATE_180), DuplicateHow.TURNED),
    "mirrored and turned": (
        lambda im: ImageOps.mirror(im).transpose(Image.Transpose.ROTATE_270),
        DuplicateHow.TURNED,
    ),
    "cropped to its centre": (lambda im: _crop(im, 0.7), DuplicateHow.CROPPED),
    "recompressed smaller": (lambda im: im.resize((600, 450)), DuplicateHow.SIMILAR),
}


@pytest.mark.parametrize("vendor", ["database", "python"])
@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_a_reused_photo_is_found_however_it_was_turned_or_cropped(
    district, monkeypatch, trick, vendor
):
    # given a photo stored on one project
    first_project, _ = site(district)
    original = scene(11)
    _log(district, first_project, _upload(original, "first.jpg"))
    # and the comparison in the database (PostgreSQL) or in Python (the embedded default)
    if vendor == "python":
        monkeypatch.setattr(near_duplicates, "bit_count_in_sql", lambda: False)
    # when the same picture, transformed, comes in on another project
    second_project, _ = site(district)
    transform, how = TRICKS[trick]
    entry = _log(district, second_project, _upload(transform(original), "again.jpg"))
    # then it is marked as the earlier photo's duplicate, saying how it matched
    stored = entry.photos.get()
    assert stored.duplicate_of.original_name == "first.jpg"
    assert stored.duplicate_how == how


@pytest.mark.parametrize("vendor", ["database", "python"])
def test_a_different_photo_of_a_similar_scene_is_not_a_duplicate(district, monkeypatch, vendor):
    if vendor == "python":
        monkeypatch.setattr(near_duplicates, "bit_count_in_sql", lambda: False)
    project, _ = site(district)
    _log(district, project, _upload(scene(21), "a.jpg"))
    others = [scene(seed) for seed in (22, 23, 24)]
    entry = _log(
        district,
        project,
        *(
            _upload(image, f"{n}.jpg")
            for n, image in enumerate([*others, ImageOps.mirror(scene(25))])
        ),
    )
    assert [p.duplicate_of_id for p in entry.photos.all()] == [None] * 4


def test_the_editing_program_in_the_software_tag_marks_the_photo():
    def with_software(name):
        exif = exif_with()
        exif[ExifTags.Base.Software] = name
        return inspect_photo(encode(scene(3), exif=exif), filename="a.jpg")

    edited = with_software("Adobe Photoshop 25.0 (Windows)")
    assert edited.software == "Adobe Photoshop 25.0 (Windows)"
    assert edited_by_software(edited.software)
    assert edited_by_software("美图秀秀")
    # phones and cameras write their own firmware there: that is no edit
    for firmware in ["HDR+ 1.0.540104768zd", "iOS 17.4", "MediaTek Camera Application", ""]:
        assert not edited_by_software(with_software(firmware).software if firmware else "")


def test_far_late_and_edited_photos_are_flags_in_the_api_and_their_own_list(client, district):
    # given a site and three photos that say otherwise: 5 km away, 3 days old, and edited
    project, _ = site(district)
    five_km_north = float(SITE[0]) + 5 / 111.2
    three_days_ago = (datetime.now(SHANGHAI) - timedelta(days=3)).strftime("%Y:%m:%d %H:%M:%S")
    edited = exif_with()
    edited[ExifTags.Base.Software] = "Adobe Photoshop 25.0"
    entry = _log(
        district,
        project,
        _upload(scene(31), "far.jpg", exif_with(lat=five_km_north, lon=float(SITE[1]))),
        _upload(scene(32), "old.jpg", exif_with(taken=three_days_ago, offset="+08:00")),
        _upload(scene(33), "edited.jpg", edited),
        _upload(scene(34), "honest.jpg", exif_with(lat=float(SITE[0]), lon=float(SITE[1]))),
    )
    far, old, retouched, honest = entry.photos.order_by("id")
    assert 4900 <= far.distance_m <= 5100
    assert 71 * 60 <= old.time_offset_minutes <= 73 * 60
    assert retouched.edited and not honest.flagged
    # then each claim is one flag naming the photo and the figure
    flags = {f.kind: f for f in Flag.objects.filter(project=project)}
    assert set(flags) == {FlagKind.PHOTO_FAR, FlagKind.PHOTO_TIME, FlagKind.PHOTO_EDITED}
    assert "far.jpg" in flags[FlagKind.PHOTO_FAR].summary
    assert "5.0 公里" in flags[FlagKind.PHOTO_FAR].summary
    assert "72 小时" in flags[FlagKind.PHOTO_TIME].summary
    assert "Photoshop" in flags[FlagKind.PHOTO_EDITED].summary
    # in the API for the discipline officer
    client.force_login(district.discipline)
    api = client.get(reverse("api-flags"), HTTP_ACCEPT="application/json").json()
    results = api["results"] if isinstance(api, dict) else api
    kinds = {row["kind"] for row in results if row["project"] == project.pk}
    assert kinds == {"photo_far", "photo_time", "photo_edited"}
    # and in their own anomaly list, with the figures and the photo as evidence
    rows = [
        row
        for row, _lead in client.get(reverse("dashboards:anomaly", args=["photo-claims"])).context[
            "entries"
        ]
    ]
    by_photo = {_photo_url(r): r for r in rows}
    assert set(by_photo) == {
        reverse("inspections:photo", args=[p.pk]) for p in (far, old, retouched)
    }
    assert "拍摄位置距项目 5.0 公里" in by_photo[reverse("inspections:photo", args=[far.pk])].why
    assert "拍摄于上传前 72 小时" in by_photo[reverse("inspections:photo", args=[old.pk])].why


def _photo_url(row) -> str:
    return next(url for _label, url in row.evidence if "/photos/" in url)


def test_a_resent_entry_raises_no_second_flag(district):
    project, _ = site(district)
    far = encode(scene(41), exif=exif_with(lat=float(SITE[0]) + 5 / 111.2, lon=float(SITE[1])))
    key = uuid.uuid4()

    def send():
        return services.patrol_log_record(
            actor=district.supervisor,
            project_id=project.pk,
            client_key=key,
            log_date=timezone.localdate(),
            weather="晴",
            work_done="铺设人行道砖 30 米",
            head_count=6,
            photos=[SimpleUploadedFile("far.jpg", far, content_type="image/jpeg")],
        )

    assert send().replayed is False
    assert send().replayed is True
    assert Flag.objects.filter(kind=FlagKind.PHOTO_FAR).count() == 1
