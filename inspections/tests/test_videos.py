"""Site videos beside the photos of patrol logs and progress reports: checked by content with
ffprobe, refused with a clear message otherwise, stored with a poster frame and a copy without
the phone's metadata, played on the project page and listed by the API."""

import json
import subprocess
import uuid
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.audit import AuditEvent
from inspections import services
from inspections.events import InspectionEvents
from inspections.models import PatrolLog, Photo, ProgressReport, Video, VideoPolicy
from inspections.tests.test_patrol_logs import log, photo, site

pytestmark = [pytest.mark.django_db, pytest.mark.ffmpeg]


@cache
def _clip_bytes(seconds: int, codec: str, folder: str) -> bytes:
    out = Path(folder) / f"clip-{seconds}-{codec}.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=duration={seconds}:size=64x64:rate=10",
            "-c:v",
            codec,
            *(["-pix_fmt", "yuv420p"] if codec == "libx264" else []),
            "-metadata",
            "location=+25.4310+119.0070/",
            "-metadata",
            "comment=shot-on-a-phone",
            str(out),
        ],
        check=True,
        timeout=60,
    )
    return out.read_bytes()


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("clips"))

    def make(seconds=1, codec="libx264"):
        return _clip_bytes(seconds, codec, folder)

    return make


def video(data: bytes, name="site.mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="video/mp4")


def _tags(path: str) -> dict:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format_tags", "-of", "json", path],
        capture_output=True,
        check=True,
        timeout=20,
    )
    return json.loads(probe.stdout).get("format", {}).get("tags", {})


def test_a_patrol_log_keeps_its_video_with_a_poster_and_a_copy_without_metadata(district, clips):
    project, _ = site(district)

    entry = log(district, project, videos=[video(clips())])

    stored = entry.videos.get()
    assert stored.codec == "h264" and (stored.width, stored.height) == (64, 64)
    assert 0.9 <= float(stored.duration) <= 1.1
    assert stored.size == len(clips()) and len(stored.sha256) == 64
    assert stored.poster.open("rb").read(3) == b"\xff\xd8\xff"  # a JPEG
    assert "location" in str(_tags(stored.original.path)).lower()
    clean_tags = _tags(stored.playable.path)
    assert "location" not in str(clean_tags).lower() and "shot-on-a-phone" not in str(clean_tags)
    event = AuditEvent.objects.filter(verb=InspectionEvents.PATROL_LOG_FILED).get()
    assert event.after["videos"][0]["sha256"] == stored.sha256


def test_a_progress_report_keeps_its_video(district, clips):
    project, contractor = site(district)

    report = services.progress_report(
        actor=contractor, project_id=project.pk, percent="20", text="基层", videos=[video(clips())]
    )

    assert report.videos.get().project == project


def test_a_renamed_exe_is_refused_by_content_and_nothing_is_written(district):
    project, _ = site(district)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 4000

    with pytest.raises(Exception) as refused:
        log(district, project, videos=[video(exe, name="现场.mp4")])

    assert "“现场.mp4”不是 MP4（H.264 编码）格式的视频" in str(refused.value)
    assert not PatrolLog.objects.exists() and not Video.objects.exists()
    assert not Photo.objects.exists()


def test_an_mp4_header_on_junk_is_refused(district):
    project, _ = site(district)
    junk = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x01\x02" * 2000

    with pytest.raises(Exception) as refused:
        log(district, project, videos=[video(junk)])

    assert "不是 MP4" in str(refused.value)


def test_another_codec_is_refused_naming_it(district, clips):
    project, _ = site(district)

    with pytest.raises(Exception) as refused:
        log(district, project, videos=[video(clips(codec="mpeg4"))])

    assert "编码是 mpeg4，只接受 H.264" in str(refused.value)
    assert not Video.objects.exists()


def test_a_clip_longer_than_the_policy_in_force_is_refused(district, clips):
    project, _ = site(district)
    VideoPolicy.objects.create(effective_from=date(2000, 1, 1), max_seconds=2, max_megabytes=10)

    with pytest.raises(Exception) as refused:
        log(district, project, videos=[video(clips(seconds=3))])

    assert "时长 3 秒，超过 2 秒的上限" in str(refused.value)
    log(district, project, videos=[video(clips(seconds=1))])  # within the limit
    assert Video.objects.count() == 1


def test_a_clip_larger_than_the_limit_is_refused(district, clips, settings):
    project, _ = site(district)
    settings.VIDEO_LIMITS = {"max_seconds": 60, "max_bytes": 1000}  # no policy: the settings

    with pytest.raises(Exception) as refused:
        log(district, project, videos=[video(clips())])

    assert "超过 0 MB" in str(refused.value) or "超过 1 MB" in str(refused.value)
    assert not Video.objects.exists()


def test_a_policy_cannot_go_above_the_ceiling(district, settings):
    from inspections.evidence import video_limits

    settings.VIDEO_MAX_BYTES_CEILING = 5 * 1024 * 1024
    VideoPolicy.objects.create(effective_from=date(2000, 1, 1), max_seconds=30, max_megabytes=40)

    limits = video_limits(timezone.localdate())

    assert (limits.max_seconds, limits.max_bytes) == (30, 5 * 1024 * 1024)


def test_two_clips_in_one_entry_are_refused(district, clips):
    project, _ = site(district)

    with pytest.raises(Exception) as refused:
        log(district, project, videos=[video(clips()), video(clips(), name="b.mp4")])

    assert "最多上传 1 段视频" in str(refused.value)


def test_the_project_page_plays_the_clip_under_its_poster(client, district, clips):
    project, contractor = site(district)
    stored = log(district, project, videos=[video(clips())]).videos.get()
    client.force_login(contractor)

    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()

    poster = reverse("inspections:video_poster", args=[stored.pk])
    assert f'poster="{poster}"' in page and "<video controls" in page
    assert f'src="{reverse("inspections:video", args=[stored.pk])}"' in page
    assert client.get(poster)["Content-Type"] == "image/jpeg"
    played = client.get(reverse("inspections:video", args=[stored.pk]))
    assert played["Content-Type"] == "video/mp4"
    assert b"".join(played.streaming_content) == stored.playable.open("rb").read()
    original = reverse("inspections:video_original", args=[stored.pk])
    assert client.get(original).status_code == 403
    client.force_login(district.discipline)
    assert client.get(original).status_code == 200
    client.force_login(district.street_gongchen)  # another street cannot see the project
    assert client.get(poster).status_code == 404


def test_the_api_lists_the_clip_and_refuses_an_exe_with_the_message(client, district, clips):
    project, _ = site(district)
    client.force_login(district.supervisor)
    url = reverse("api-patrol-logs", args=[project.pk])
    data = {
        "log_date": timezone.localdate().isoformat(),
        "weather": "多云",
        "work_done": "浇筑垫层",
        "head_count": "4",
    }

    created = client.post(
        url,
        {**data, "client_key": str(uuid.uuid4()), "photos": [photo()], "videos": [video(clips())]},
    )
    refused = client.post(
        url,
        {
            **data,
            "client_key": str(uuid.uuid4()),
            "photos": [photo(seed=5)],
            "videos": [video(b"MZ\x90\x00" + b"\x00" * 100, name="setup.mp4")],
        },
    )

    assert created.status_code == 201, created.content
    clip = created.json()["videos"][0]
    assert clip["poster_url"].endswith(reverse("inspections:video_poster", args=[clip["id"]]))
    assert clip["codec"] == "h264"
    assert refused.status_code == 400
    assert "setup.mp4" in str(refused.json()) and "不是 MP4" in str(refused.json())
    assert PatrolLog.objects.count() == 1


def test_progress_through_the_api_with_a_clip(client, district, clips):
    project, contractor = site(district)
    client.force_login(contractor)
    url = reverse("api-progress", args=[project.pk])

    answer = client.post(url, {"percent": "40", "text": "面层", "videos": [video(clips())]})

    assert answer.status_code == 201, answer.content
    assert ProgressReport.objects.get().videos.count() == 1


def test_the_capture_page_offers_a_video_field(client, district):
    site(district)
    client.force_login(district.supervisor)

    page = client.get(reverse("inspections:capture")).content.decode()

    assert 'name="videos"' in page and 'accept="video/mp4,video/quicktime"' in page
