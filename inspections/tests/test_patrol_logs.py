"""Patrol logs, progress photos and their evidence flags, idempotent resends, and the nightly
search for working days without a patrol log."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from approvals import services as approvals
from core.audit import AuditEvent
from core.dates import SHANGHAI
from core.errors import ConflictError
from inspections import services
from inspections.events import InspectionEvents
from inspections.models import PatrolLog, PatrolViolation, Photo, ProgressReport
from inspections.tasks import find_missing_patrol_logs
from inspections.tests.images import encode, exif_with, png_declaring, scene
from projects.models import Project
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db

SITE = (Decimal("25.431000"), Decimal("119.007000"))  # a street in Licheng, Putian
SCRIPT_SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
    b'height="10"><script>alert(document.cookie)</script></svg>'
)


def photo(seed=1, name="site.jpg", **exif) -> SimpleUploadedFile:
    image = scene(seed)
    data = encode(image, exif=exif_with(**exif)) if exif else encode(image)
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def site(district, **kwargs):
    project, contractor = under_way(district, progress=None, **kwargs)
    Project.objects.filter(pk=project.pk).update(latitude=SITE[0], longitude=SITE[1])
    project.refresh_from_db()
    return project, contractor


def log(district, project, *, photos=None, key=None, day=None, actor=None, **changes):
    fields = dict(
        weather="晴",
        work_done="铺设人行道砖 30 米",
        head_count=6,
        safety_notes="围挡完好",
        quality_notes="砂浆饱满",
    )
    fields.update(changes)
    return services.patrol_log_record(
        actor=actor or district.supervisor,
        project_id=project.pk,
        client_key=key or uuid.uuid4(),
        log_date=day or timezone.localdate(),
        photos=[photo()] if photos is None else photos,
        **fields,
    )


def test_supervisor_files_a_patrol_log_with_a_photo_and_exif_stays_private(district):
    project, _ = site(district)
    taken = datetime.now(SHANGHAI).strftime("%Y:%m:%d %H:%M:%S")

    entry = log(district, project, photos=[photo(taken=taken, lat=25.4312, lon=119.0071)])

    assert entry.replayed is False
    stored = entry.photos.get()
    assert (stored.latitude, stored.longitude) == (Decimal("25.431200"), Decimal("119.007100"))
    assert not stored.flagged
    assert len(stored.sha256) == 64 and len(stored.phash) == 16
    with Image.open(stored.public.open("rb")) as public:
        assert public.format == "JPEG"
        assert not public.getexif()
    with Image.open(stored.original.open("rb")) as original:
        assert original.getexif()  # the original keeps its evidence for the reviewers
    event = AuditEvent.objects.filter(verb=InspectionEvents.PATROL_LOG_FILED).get()
    assert event.after["head_count"] == 6
    assert event.after["photos"][0]["sha256"] == stored.sha256


def test_a_patrol_log_needs_a_photo_and_the_fields(district):
    project, _ = site(district)
    with pytest.raises(ValidationError) as refused:
        log(district, project, photos=[], weather="", head_count="很多")
    errors = refused.value.message_dict
    assert set(errors) == {"weather", "head_count"}  # the fields first; photos after them
    with pytest.raises(ValidationError) as refused:
        log(district, project, photos=[])
    assert refused.value.message_dict["photos"] == ["请至少上传一张现场照片。"]
    with pytest.raises(ValidationError) as refused:
        log(district, project, day=timezone.localdate() + timedelta(days=1))
    assert "log_date" in refused.value.message_dict
    assert not PatrolLog.objects.exists() and not Photo.objects.exists()


def test_a_patrol_log_cannot_be_dated_before_the_project_started(district):
    # given a project that started two days ago
    project, _ = site(district)
    started = timezone.now() - timedelta(days=2)
    Project.objects.filter(pk=project.pk).update(started_at=started)
    started_on = timezone.localdate(started)
    # when the supervisor files a log for the day before it started
    with pytest.raises(ValidationError) as refused:
        log(district, project, day=started_on - timedelta(days=1))
    # then it is refused with the start date named, and nothing is stored
    assert refused.value.message_dict["log_date"] == [
        f"巡查日期不能早于项目开工日期（{started_on.isoformat()}）。"
    ]
    assert not PatrolLog.objects.exists() and not Photo.objects.exists()
    # the day it started is fine
    assert log(district, project, day=started_on).log_date == started_on


def test_only_the_projects_supervision_unit_and_only_while_under_way(district):
    project, contractor = site(district)
    with pytest.raises(PermissionDenied):
        log(district, project, actor=contractor)
    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    with pytest.raises(ConflictError):
        log(district, project)
    assert not PatrolLog.objects.exists() and not Photo.objects.exists()


def test_a_resent_entry_is_stored_once_and_a_key_cannot_be_reused_elsewhere(district):
    project, _ = site(district)
    other, _ = site(district)
    key = uuid.uuid4()

    first = log(district, project, key=key)
    again = log(district, project, key=key, photos=[photo(seed=9)])

    assert again.pk == first.pk and again.replayed is True
    assert PatrolLog.objects.count() == 1 and Photo.objects.count() == 1
    with pytest.raises(ConflictError):
        log(district, other, key=key)
    assert AuditEvent.objects.filter(verb=InspectionEvents.PATROL_LOG_FILED).count() == 1


def test_a_resized_recompressed_copy_on_another_project_is_flagged(district):
    project, _ = site(district)
    other, _ = site(district)
    first = log(district, project, photos=[photo(seed=3)]).photos.get()
    copy = scene(3).resize((800, 600))
    recompressed = SimpleUploadedFile("copy.jpg", encode(copy, quality=60))

    second = log(district, other, photos=[recompressed, photo(seed=4)])

    flagged, fresh = second.photos.order_by("id")
    assert flagged.sha256 != first.sha256
    assert flagged.duplicate_of_id == first.pk
    assert fresh.duplicate_of_id is None


def test_photos_far_from_the_site_or_the_upload_time_are_flagged(district):
    project, _ = site(district)
    five_km_north = float(SITE[0]) + 5 / 111.2
    three_days_ago = (datetime.now(SHANGHAI) - timedelta(days=3)).strftime("%Y:%m:%d %H:%M:%S")

    entry = log(
        district,
        project,
        photos=[
            photo(seed=5, lat=five_km_north, lon=float(SITE[1])),
            photo(seed=6, taken=three_days_ago, offset="+08:00"),
            photo(seed=7, lat=float(SITE[0]) + 0.005, lon=float(SITE[1])),  # about 560 m
        ],
    )

    far, old, near = entry.photos.order_by("id")
    assert (far.far_from_site, far.time_mismatch) == (True, False)
    assert (old.far_from_site, old.time_mismatch) == (False, True)
    assert not near.flagged


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("bomb.png", png_declaring(20000, 20000)), "像素"),
        (SimpleUploadedFile("site.svg", SCRIPT_SVG), "“site.svg”"),
    ],
)
def test_a_decompression_bomb_and_a_scripted_svg_are_refused_and_nothing_is_written(
    district, upload, message
):
    project, _ = site(district)
    with pytest.raises(ValidationError) as refused:
        log(district, project, photos=[photo(), upload])
    text = " ".join(refused.value.message_dict["photos"])
    assert message in text
    assert not PatrolLog.objects.exists() and not Photo.objects.exists()


def test_the_api_answers_201_then_200_for_a_resend_and_400_for_a_bomb(client, district):
    project, _ = site(district)
    client.force_login(district.supervisor)
    url = reverse("api-patrol-logs", args=[project.pk])
    data = {
        "client_key": str(uuid.uuid4()),
        "log_date": timezone.localdate().isoformat(),
        "weather": "多云",
        "work_done": "浇筑垫层",
        "head_count": "4",
    }

    created = client.post(url, {**data, "photos": [photo()]})
    resent = client.post(url, {**data, "photos": [photo()]})
    bomb = client.post(
        url,
        {
            **data,
            "client_key": str(uuid.uuid4()),
            "photos": [SimpleUploadedFile("a.png", png_declaring(20000, 20000))],
        },
    )

    assert created.status_code == 201, created.content
    assert resent.status_code == 200 and resent.json()["id"] == created.json()["id"]
    assert created.json()["photos"][0]["far_from_site"] is False
    assert bomb.status_code == 400
    assert "像素" in str(bomb.json())
    assert PatrolLog.objects.count() == 1


def test_progress_report_with_photos_through_the_api_is_idempotent(client, district):
    project, contractor = site(district)
    client.force_login(contractor)
    url = reverse("api-progress", args=[project.pk])
    data = {"percent": "35", "text": "基层完成", "client_key": str(uuid.uuid4())}

    assert client.post(url, {**data, "photos": [photo()]}).status_code == 201
    assert client.post(url, {**data, "photos": [photo()]}).status_code == 200

    report = ProgressReport.objects.get()
    assert report.photos.count() == 1
    project.refresh_from_db()
    assert project.reported_progress == Decimal("35")


def test_public_copy_for_project_readers_original_only_for_reviewers(client, district):
    project, contractor = site(district)
    stored = log(district, project).photos.get()
    client.force_login(contractor)
    assert (
        client.get(reverse("inspections:photo", args=[stored.pk]))["Content-Type"] == "image/jpeg"
    )
    assert client.get(reverse("inspections:photo_original", args=[stored.pk])).status_code == 403
    client.force_login(district.discipline)
    assert client.get(reverse("inspections:photo_original", args=[stored.pk])).status_code == 200
    client.force_login(district.street_gongchen)  # another street cannot see the project
    assert client.get(reverse("inspections:photo", args=[stored.pk])).status_code == 404


# --- the nightly job ------------------------------------------------------------------------

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


def test_working_days_without_a_log_become_violations_once(district):
    with time_machine.travel(MONDAY, tick=False):
        project, _ = site(district)  # work starts on Monday 2 November
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        log(district, project)  # Tuesday's log is in
    # Friday night (the job runs at 01:00 Saturday): Wed, Thu and Fri are missing.
    with time_machine.travel(MONDAY + timedelta(days=5, hours=-8), tick=False):
        assert find_missing_patrol_logs() == 3
        assert find_missing_patrol_logs() == 0  # run again: nothing twice
    # Monday 9 November, 01:00: the weekend is not a working day.
    with time_machine.travel(MONDAY + timedelta(days=7, hours=-8), tick=False):
        assert find_missing_patrol_logs() == 0

    days = set(PatrolViolation.objects.values_list("day", flat=True))
    assert days == {date(2026, 11, 4), date(2026, 11, 5), date(2026, 11, 6)}
    assert set(PatrolViolation.objects.values_list("supervision_unit", flat=True)) == {
        project.supervision_unit_id
    }
    assert AuditEvent.objects.filter(verb=InspectionEvents.PATROL_LOG_MISSING).count() == 3


def test_a_log_sent_late_withdraws_the_violation(district):
    with time_machine.travel(MONDAY, tick=False):
        project, _ = site(district)
    with time_machine.travel(MONDAY + timedelta(days=2, hours=-8), tick=False):
        assert find_missing_patrol_logs() == 1  # Tuesday 3 November
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        log(district, project, day=date(2026, 11, 3))  # the phone was offline on Tuesday
    violation = PatrolViolation.objects.get()
    assert violation.withdrawn_at is not None


def test_projects_not_under_way_or_started_that_day_are_not_checked(district):
    with time_machine.travel(MONDAY, tick=False):
        project, contractor = site(district)
        # started today: Monday itself is not checked
        assert services.record_missing_patrol_logs(MONDAY.date()) == []
        approvals.project_transition(
            actor=contractor, project_id=project.pk, name="declare_complete"
        )
    assert services.record_missing_patrol_logs(date(2026, 11, 3)) == []


def test_capture_page_shows_each_role_its_form_and_installs(client, district):
    project, contractor = site(district)
    client.force_login(district.supervisor)
    page = client.get(reverse("inspections:capture"))
    assert page.status_code == 200
    assert reverse("api-patrol-logs", args=[project.pk]) in page.content.decode()
    assert "今日未巡查" in page.content.decode()
    client.force_login(contractor)
    page = client.get(reverse("inspections:capture")).content.decode()
    assert reverse("api-progress", args=[project.pk]) in page
    assert "api-patrol-logs" not in page and "patrol-logs" not in page

    manifest = client.get(reverse("inspections:capture_manifest")).json()
    assert manifest["start_url"] == reverse("inspections:capture")
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    worker = client.get(reverse("inspections:capture_sw"))
    assert worker["Content-Type"].startswith("text/javascript")
    assert reverse("inspections:capture") in worker.content.decode()


def test_capture_page_without_javascript_posts_the_form(client, district):
    project, _ = site(district)
    client.force_login(district.supervisor)
    response = client.post(
        reverse("inspections:patrol_log", args=[project.pk]),
        {
            "from": "capture",
            "client_key": str(uuid.uuid4()),
            "log_date": timezone.localdate().isoformat(),
            "weather": "阴",
            "work_done": "清理场地",
            "head_count": "3",
            "photos": [photo()],
        },
    )
    assert response.status_code == 302 and response.url == reverse("inspections:capture")
    assert PatrolLog.objects.count() == 1


def test_nothing_half_written_when_the_photo_file_cannot_be_saved(district, monkeypatch):
    project, _ = site(district)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("django.core.files.storage.FileSystemStorage._save", broken)
    with pytest.raises(OSError):
        log(district, project)
    assert not PatrolLog.objects.exists()
    assert not AuditEvent.objects.filter(verb=InspectionEvents.PATROL_LOG_FILED).exists()


def test_public_copy_is_at_most_1600_pixels(district):
    project, _ = site(district)
    big = SimpleUploadedFile("big.jpg", encode(scene(8, size=(3200, 2400))))
    stored = log(district, project, photos=[big]).photos.get()
    with Image.open(BytesIO(stored.public.read())) as public:
        assert max(public.size) == 1600


def test_project_page_shows_logs_and_flags_to_reviewers_only(client, district):
    project, _ = site(district)
    other, contractor = site(district)
    log(district, project, photos=[photo(seed=3)])
    log(district, other, photos=[photo(seed=3)])  # the same photo on another project
    PatrolViolation.objects.create(
        project=other, supervision_unit=other.supervision_unit, day=date(2026, 11, 3)
    )

    client.force_login(district.discipline)
    page = client.get(reverse("projects:detail", args=[other.pk])).content.decode()
    assert 'data-flag="duplicate"' in page
    assert reverse("projects:detail", args=[project.pk]) in page
    assert 'data-testid="missing-days"' in page
    client.force_login(contractor)
    page = client.get(reverse("projects:detail", args=[other.pk])).content.decode()
    assert "铺设人行道砖" in page and 'data-testid="photo"' in page
    assert "data-flag=" not in page


def test_project_page_queries_do_not_grow_with_logs_and_photos(
    client, district, django_assert_max_num_queries
):
    project, _ = site(district)
    client.force_login(district.discipline)
    log(district, project)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("projects:detail", args=[project.pk]))
    for seed in range(10, 14):
        log(district, project, photos=[photo(seed=seed), photo(seed=seed + 100)])
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("projects:detail", args=[project.pk]))


def test_spot_check_with_photos_shown_on_the_project_page(client, district):
    project, _ = site(district)
    check = services.spot_check_record(
        actor=district.dept,
        project_id=project.pk,
        items=[("面层平整度", True, ""), ("井盖高差", False, "高出 8 毫米")],
        photos=[photo(seed=21)],
    )
    assert check.photos.count() == 1 and not check.passed
    client.force_login(district.street_zhenhai)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "井盖高差" in page and "高出 8 毫米" in page
    assert reverse("inspections:photo", args=[check.photos.get().pk]) in page


def test_the_capture_page_asks_for_a_project_first_and_weather_from_a_list(client, district):
    """#16 point 4: with several projects each is a line to tap (closed), its form under it; with
    one, that one is open; the weather is chosen, not typed."""
    project, _contractor = site(district)
    client.force_login(district.supervisor)
    page = client.get(reverse("inspections:capture")).content.decode()
    assert f'id="capture-{project.pk}" data-testid="capture-project" open' in page
    assert f'<select class="form-select" id="weather_{project.pk}" name="weather" required' in page
    assert '<option value="多云">多云</option>' in page
    other, _c = site(district)
    page = client.get(reverse("inspections:capture")).content.decode()
    assert "请先选择项目，再填写记录" in page
    assert page.count('data-testid="capture-project">') == 2  # both closed
    assert f'id="capture-{other.pk}"' in page


def test_site_staff_reach_the_capture_page_in_one_tap_from_their_start_page(client, district):
    client.force_login(district.supervisor)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("inspections:capture")}" data-testid="capture-entry"' in page
    client.force_login(district.street_zhenhai)
    assert 'data-testid="capture-entry"' not in client.get(reverse("home")).content.decode()
