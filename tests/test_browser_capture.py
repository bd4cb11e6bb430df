"""The site supervisor on a phone: a patrol log with a photo, then two more made offline (one with
a video), the page closed and reopened without a connection, and everything sent exactly once
when the connection returns."""

import subprocess
from decimal import Decimal

import pytest

from accounts.tests.factories import PASSWORD
from inspections.models import PatrolLog, Photo, Video
from inspections.tests.images import encode, scene
from projects.models import Project
from tests.browser import PHONE, chromium, screenshot, user_page
from tests.funds_helpers import under_way

# PostgreSQL: the page and its service worker send at the same time, and the live server's
# threads share one connection to an in-memory SQLite database, so concurrency there is not real.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.ffmpeg,
    pytest.mark.django_db(transaction=True),
]


def _photo(seed: int) -> dict:
    return {
        "name": f"现场{seed}.jpg",
        "mimeType": "image/jpeg",
        "buffer": encode(scene(seed, size=(640, 480))),
    }


def _clip(folder) -> dict:
    path = folder / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi",
            "-i", "testsrc=duration=1:size=64x64:rate=10",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return {"name": "现场.mp4", "mimeType": "video/mp4", "buffer": path.read_bytes()}


def _fill(page, project_id: int, work: str, seed: int, video: dict | None = None) -> None:
    # choose the project (its line opens the form), unless it is the only one and open already
    if page.get_attribute(f"#capture-{project_id}", "open") is None:
        page.click(f"#capture-{project_id} > summary")
    page.select_option(f"#weather_{project_id}", "晴")
    page.fill(f"#work_done_{project_id}", work)
    page.fill(f"#head_count_{project_id}", "5")
    page.set_input_files(f"#photos_{project_id}", [_photo(seed)])
    if video is not None:
        page.set_input_files(f"#videos_{project_id}", [video])
    page.click("[data-action=patrol-log]")


# The page's Content-Security-Policy forbids eval, so waits are selectors, not functions.
WAITING = "[data-testid=outbox-count]:text-is('%d')"


def _outbox(page) -> str:
    return page.inner_text("[data-testid=outbox-count]")


def test_patrol_logs_made_offline_are_sent_once_when_back_online(live_server, district, tmp_path):
    base = live_server.url
    project, _ = under_way(district, progress=None)
    Project.objects.filter(pk=project.pk).update(
        latitude=Decimal("25.431"), longitude=Decimal("119.007")
    )
    with chromium() as browser:
        page = user_page(browser, base, district.supervisor.username, PASSWORD, **PHONE)
        context = page.context
        page.goto(f"{base}/inspections/capture/")
        assert page.evaluate("navigator.serviceWorker.ready.then((r) => !!r.active)")

        _fill(page, project.pk, "铺设人行道砖", 1)
        page.wait_for_selector("[data-outbox-status]:has-text('已发送')")
        assert _outbox(page) == "0"
        assert PatrolLog.objects.count() == 1

        context.set_offline(True)
        _fill(page, project.pk, "离线记录一：清理场地", 2, video=_clip(tmp_path))
        page.wait_for_selector(WAITING % 1)
        _fill(page, project.pk, "离线记录二：养护", 3)
        page.wait_for_selector(WAITING % 2)
        assert PatrolLog.objects.count() == 1
        screenshot(page, "capture-offline-waiting")
        page.close()

        reopened = context.new_page()
        browser.opened_pages.append(reopened)
        reopened.goto(f"{base}/inspections/capture/")  # served by the service worker
        reopened.wait_for_selector(WAITING % 2)
        assert reopened.inner_text("[data-network]") == "离线"
        assert reopened.evaluate("!!navigator.serviceWorker.controller")

        context.set_offline(False)  # the page sends on the browser's `online` event
        reopened.wait_for_selector(WAITING % 0)
        # A second send of everything (another tab, the worker's sync) stores nothing twice.
        reopened.evaluate("self.lingxingCaptureFlush()")
        screenshot(reopened, "capture-sent")

    works = sorted(PatrolLog.objects.values_list("work_done", flat=True))
    assert works == sorted(["铺设人行道砖", "离线记录一：清理场地", "离线记录二：养护"])
    assert PatrolLog.objects.values("client_key").distinct().count() == 3
    assert Photo.objects.count() == 3
    assert all(p.patrol_log_id for p in Photo.objects.all())
    # the clip kept in the outbox went with its entry, once, with its poster
    video = Video.objects.get()
    assert video.patrol_log.work_done == "离线记录一：清理场地" and video.poster


def test_a_progress_the_server_would_refuse_is_stopped_on_the_phone_in_its_words(
    live_server, district
):
    """150% is refused on the phone with the server's own message and never queued; 35% is
    sent, and the box then shows 35, not the figure the page came with."""
    base = live_server.url
    project, contractor = under_way(district, progress="20")
    with chromium() as browser:
        page = user_page(browser, base, contractor.username, PASSWORD, **PHONE)
        page.goto(f"{base}/inspections/capture/")
        if page.get_attribute(f"#capture-{project.pk}", "open") is None:
            page.click(f"#capture-{project.pk} > summary")
        box = f"#percent_{project.pk}"
        assert page.input_value(box) == "20"
        page.fill(box, "150")
        page.fill(f"#text_{project.pk}", "面层完成")
        page.click("[data-action=progress-report]")
        message = page.eval_on_selector(box, "el => el.validationMessage")
        assert message == "请填写 0–100 之间的完成百分比。"
        assert _outbox(page) == "0"
        assert page.inner_text("[data-outbox-status]").strip() == ""
        # the description left empty: the server's words for it too
        page.fill(box, "35")
        page.fill(f"#text_{project.pk}", "")
        page.click("[data-action=progress-report]")
        assert page.eval_on_selector(f"#text_{project.pk}", "el => el.validationMessage") == (
            "请填写进度说明。"
        )
        page.fill(f"#text_{project.pk}", "面层完成")
        page.click("[data-action=progress-report]")
        page.wait_for_selector("[data-outbox-status]:has-text('已发送')")
        assert _outbox(page) == "0"
        assert page.input_value(box) == "35"
        assert not page.query_selector("[data-outbox-list] .text-danger")
    project.refresh_from_db()
    assert project.reported_progress == Decimal("35")
