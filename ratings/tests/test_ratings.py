"""Residents: the public page, ratings that resist ballot-stuffing, moderation, the automatic
review below 80, reports, the site sign and QR codes."""

import shutil
import subprocess
import uuid
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from approvals import services as approvals
from core.audit import AuditEvent
from inspections.choices import ItemSource
from inspections.models import RectificationItem
from projects.choices import ProjectStatus
from projects.models import Project
from ratings import services
from ratings.abuse import DEVICE_COOKIE, remember_device
from ratings.choices import RatingFlag, RatingStatus
from ratings.events import RatingEvents
from ratings.models import Rating, Report, Review
from ratings.selectors import rating_summary
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db


def finished(district):
    project, contractor = under_way(district, progress="100")
    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    project.refresh_from_db()
    return project


def rate(project, ip, score, comment="", client=None, screen=True):
    """One resident on a phone: a fresh browser (no cookie) unless a client is given. The
    screening a worker runs within a second after commit runs here at once (these tests hold
    one transaction, so after-commit callbacks never fire; see the transactional test)."""
    client = client or Client()
    response = client.post(
        reverse("api-public-rating", args=[project.public_token]),
        {"score": score, "comment": comment},
        REMOTE_ADDR=ip,
        content_type="application/json",
    )
    if screen and response.status_code == 201:
        services.ratings_screen(project.pk)
    return response


def returning(days: int = 2) -> Client:
    """A resident's phone that has been here before: its device cookie was issued days ago."""
    response = HttpResponse()
    with time_machine.travel(timezone.now() - timedelta(days=days)):
        remember_device(response, uuid.uuid4().hex)
    client = Client()
    client.cookies[DEVICE_COOKIE] = response.cookies[DEVICE_COOKIE].value
    return client


def test_api_json_carries_the_public_url_and_the_page_needs_no_login(client, district):
    project = finished(district)
    client.force_login(district.street_zhenhai)
    url = client.get(reverse("api-project", args=[project.pk])).json()["public_url"]
    assert url.endswith(f"/p/{project.public_token}/")
    assert len(project.public_token) >= 20

    page = Client().get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert project.name in text and project.contractor.name in text
    assert 'data-testid="rating-form"' in text
    assert Client().get("/p/not-a-token/").status_code == 404


def test_rate_once_per_device_page_and_api(district):
    project = finished(district)
    resident = Client()
    page_url = reverse("ratings:public", args=[project.public_token])

    first = resident.post(
        reverse("ratings:rate", args=[project.public_token]),
        {"score": "92", "quality": "90", "comment": "路面平整"},
        REMOTE_ADDR="120.36.1.8",
        follow=True,
    )
    assert "感谢您的评价！" in first.content.decode()
    assert Rating.objects.get().status == RatingStatus.PENDING  # screened after commit
    again = resident.get(page_url).content.decode()
    assert 'data-testid="already-rated"' in again and 'data-testid="rating-form"' not in again
    second = rate(project, "120.36.1.8", 10, client=resident)
    assert second.status_code == 409
    assert "已评价" in second.json()["message"]
    assert Rating.objects.get().quality == 90

    forged = Client()
    forged.cookies["lx_device"] = resident.cookies["lx_device"].value.split(":")[0]
    assert rate(project, "120.36.9.9", 50, client=forged).status_code == 201  # unsigned = new


def test_bad_input_and_closed_windows_are_refused_clearly(district):
    project = finished(district)
    bad = rate(project, "1.2.3.4", 101)
    assert bad.status_code == 400 and "score" in str(bad.json())
    under, _ = under_way(district)
    assert rate(under, "1.2.3.5", 90).json()["message"] == "项目完工后才开放评价。"
    with time_machine.travel(timezone.now() + timedelta(days=90)):
        late = rate(project, "1.2.3.6", 90)
    assert late.status_code == 409 and "结束" in late.json()["message"]
    assert not Rating.objects.exists()


def test_a_campaign_from_one_network_is_held_and_genuine_ratings_count(district):
    project = finished(district)
    start = timezone.now()
    for n in range(20):  # twenty neighbours over a day and a half, each from home
        with time_machine.travel(start + timedelta(hours=2 * n), tick=False):
            assert (
                rate(
                    project,
                    f"58.{20 + n}.{n}.7",
                    86 + n % 10,
                    comment=f"第{n}位居民：门口的路修好了，谢谢施工队",
                ).status_code
                == 201
            )
    before = rating_summary(project.pk)
    assert before["count"] == 20

    with time_machine.travel(start + timedelta(days=2)):
        for n in range(300):  # rotating cookies, one /24, within minutes
            response = rate(project, f"36.250.17.{1 + n % 254}", 0, comment=f"差评{n}")
            assert response.status_code == 201, response.content

    after = rating_summary(project.pk)
    campaign = Rating.objects.filter(network="36.250.17.0/24")
    assert campaign.count() == 300
    assert set(campaign.values_list("status", flat=True)) == {RatingStatus.HELD}
    # From the burst on, each is held as a burst; the three before it, as repeats from new
    # devices on one network (rotating cookies); the first, counted until then, with the burst.
    flags = [r.flags for r in campaign.order_by("created_at", "id")]
    assert flags[0] == [RatingFlag.NETWORK_BURST]
    assert flags[1:4] == [[RatingFlag.DEVICE_REPEAT]] * 3
    assert all(f == [RatingFlag.NETWORK_BURST] for f in flags[4:])
    assert abs(after["mean"] - before["mean"]) < 2
    assert after["count"] == 20
    assert (
        not Rating.objects.exclude(network="36.250.17.0/24")
        .exclude(status=RatingStatus.COUNTED)
        .exists()
    )
    assert not Review.objects.exists()


def test_copied_comments_are_held_whatever_the_punctuation(district):
    project = finished(district)
    rate(project, "61.1.1.1", 20, comment="施工队偷工减料，质量很差！")
    rate(project, "61.2.2.2", 20, comment="施工队 偷工减料,质量很差!!")
    rate(project, "61.3.3.3", 90, comment="很好")
    rate(project, "61.4.4.4", 90, comment="很好")  # short praise is not copy-paste
    held = Rating.objects.filter(status=RatingStatus.HELD)
    assert held.count() == 2
    assert all(r.flags == [RatingFlag.COPIED_TEXT] for r in held)


def test_review_opens_at_the_fifth_low_rating_once(client, district):
    project = finished(district)
    start = timezone.now()
    for n in range(4):
        with time_machine.travel(start + timedelta(hours=n), tick=False):
            rate(project, f"110.{n}.0.1", 60)
    assert not Review.objects.exists()
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        rate(project, "110.9.0.1", 70)
    review = Review.objects.get()
    assert (review.count_at_open, float(review.mean_at_open)) == (5, 62.0)
    item = review.ledger_item
    assert (item.source, item.responsible_organisation_id) == (
        ItemSource.LOW_RATING,
        project.street_id,
    )
    assert AuditEvent.objects.filter(verb=RatingEvents.REVIEW_OPENED).count() == 1
    with time_machine.travel(start + timedelta(hours=7), tick=False):
        rate(project, "110.10.0.1", 40)
    assert Review.objects.count() == 1

    client.force_login(district.street_zhenhai)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-testid="under-review"' in page
    client.post(
        reverse("ratings:review_decide", args=[review.pk]),
        {"outcome": "路面积水已整改，回访居民满意"},
    )
    review.refresh_from_db()
    assert review.outcome == "路面积水已整改，回访居民满意" and review.decided_by is not None


def test_moderators_release_or_reject_their_streets_held_ratings(client, district):
    project = finished(district)
    rate(project, "61.1.1.1", 95, comment="这条路修得真好，感谢街道")
    rate(project, "61.2.2.2", 95, comment="这条路修得真好，感谢街道")
    held = list(Rating.objects.values_list("pk", flat=True))

    client.force_login(district.street_gongchen)  # another street
    assert "这条路" not in client.get(reverse("ratings:moderation")).content.decode()
    client.post(reverse("ratings:moderation"), {"rating": held, "decision": "release"})
    assert not Rating.objects.filter(status=RatingStatus.COUNTED).exists()

    client.force_login(district.street_zhenhai)
    page = client.get(reverse("ratings:moderation")).content.decode()
    assert page.count("这条路修得真好，感谢街道") == 2  # the original text
    client.post(
        reverse("ratings:moderation"),
        {"rating": held[:1], "decision": "release", "note": "电话回访属实"},
    )
    client.force_login(district.discipline)
    client.post(reverse("ratings:moderation"), {"rating": held[1:], "decision": "reject"})
    statuses = dict(Rating.objects.values_list("pk", "status"))
    assert statuses == {held[0]: RatingStatus.COUNTED, held[1]: RatingStatus.REJECTED}
    assert (
        AuditEvent.objects.filter(verb__in=[RatingEvents.RELEASED, RatingEvents.REJECTED]).count()
        == 2
    )
    assert rating_summary(project.pk)["count"] == 1


def test_an_anonymous_report_opens_a_ledger_item_for_discipline(client, district):
    project = finished(district)
    resident = Client()
    url = reverse("ratings:report", args=[project.public_token])
    response = resident.post(
        url,
        {"text": "夜间施工噪音扰民，凌晨一点还在切割", "contact": ""},
        REMOTE_ADDR="27.1.1.1",
        follow=True,
    )
    report = Report.objects.get()
    assert report.reference in response.content.decode()  # the thank-you page names it
    assert report.ledger_item.source == ItemSource.COMPLAINT
    assert report.ledger_item.responsible_organisation_id == project.contractor_id
    client.force_login(district.discipline)
    assert "凌晨一点" in client.get(reverse("ratings:reports")).content.decode()
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(
        BytesIO(client.get(reverse("ratings:reports"), {"format": "xlsx"}).content)
    ).active
    assert [c.value for c in list(sheet.iter_rows())[1]][3:5] == [
        "夜间施工噪音扰民，凌晨一点还在切割",
        "匿名",
    ]
    for _n in range(6):
        resident.post(url, {"text": "重复举报内容测试"}, REMOTE_ADDR="27.1.1.1")
    assert Report.objects.count() == 5  # five an hour from one address
    assert RectificationItem.objects.filter(source=ItemSource.COMPLAINT).count() == 5


def test_rate_limit_per_address(district, settings):
    settings.RATING_RATE_LIMIT = "3/m"
    project = finished(district)
    codes = [rate(project, "44.4.4.4", 90).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert rate(project, "44.4.5.4", 90).status_code == 201


@pytest.mark.redis
def test_rate_limit_is_kept_in_redis_across_processes(district, settings):
    """Production keeps the counts in Redis, so every gunicorn worker sees the same."""
    import uuid

    from django.core.cache import caches

    from config.settings import base

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        },
    }
    # the backend production uses (base settings with REDIS_URL set)
    assert (
        not base.REDIS_URL
        or base.CACHES["default"]["BACKEND"] == settings.CACHES["default"]["BACKEND"]
    )
    settings.RATING_RATE_LIMIT = "2/m"
    project = finished(district)
    try:
        assert [rate(project, "45.5.5.5", 90).status_code for _ in range(3)] == [201, 201, 429]
        client = caches["default"].client.get_client()
        assert client.keys(f"{settings.CACHES['default']['KEY_PREFIX']}*")  # the counts
    finally:
        del caches["default"]


def test_phone_check_with_the_pluggable_sms_backend(district, settings):
    settings.RATING_PHONE_CHECK = True
    settings.RATING_SMS_BACKEND = "ratings.sms.LocmemBackend"
    from ratings.sms import LocmemBackend

    LocmemBackend.outbox.clear()
    project = finished(district)
    url = reverse("api-public-rating", args=[project.public_token])
    no_code = Client().post(url, {"score": 90}, content_type="application/json")
    assert no_code.status_code == 400
    Client().post(
        reverse("ratings:phone_code", args=[project.public_token]), {"phone": "13800000001"}
    )
    code = LocmemBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    ok = Client().post(
        url, {"score": 90, "phone": "13800000001", "code": code}, content_type="application/json"
    )
    assert ok.status_code == 201
    Client().post(
        reverse("ratings:phone_code", args=[project.public_token]), {"phone": "13800000001"}
    )
    code = LocmemBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    again = Client().post(
        url, {"score": 10, "phone": "13800000001", "code": code}, content_type="application/json"
    )
    assert again.status_code == 409
    assert Rating.objects.get().phone_hash and "13800000001" not in Rating.objects.get().phone_hash


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_site_sign_pdf_prints_the_chinese_name_and_embeds_the_cjk_font(client, district, tmp_path):
    project = finished(district)
    client.force_login(district.street_zhenhai)
    for size in ("A4", "A3"):
        response = client.get(reverse("ratings:sign", args=[project.pk]), {"size": size})
        assert response["Content-Type"] == "application/pdf"
        pdf = tmp_path / f"sign-{size}.pdf"
        pdf.write_bytes(response.content)
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert project.name in text.replace("\n", "")
        assert "零星工程公示牌" in text
        fonts = subprocess.run(
            ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        assert "NotoSansCJKSC" in fonts.replace("-", "")
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        assert ("841.89 x 1190.55" if size == "A3" else "595.276 x 841.89") in info


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed")
def test_qr_png_decodes_to_the_public_page_and_svg_is_svg(client, district, tmp_path):
    project = finished(district)
    client.force_login(district.street_zhenhai)
    png = client.get(reverse("ratings:qr", args=[project.pk, "png"]))
    (tmp_path / "qr.png").write_bytes(png.content)
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(tmp_path / "qr.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert decoded == f"http://testserver/p/{project.public_token}/"
    svg = client.get(reverse("ratings:qr", args=[project.pk, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    client.force_login(district.street_gongchen)
    assert client.get(reverse("ratings:qr", args=[project.pk, "png"])).status_code == 404


def test_rating_api_reads_the_project_once_per_half_minute_per_process(
    district, django_assert_num_queries, monkeypatch
):
    """The busiest path: after the first rating, one query (the insert) per rating; the
    project's facts are read again once they are half a minute old."""
    from ratings import selectors

    project = finished(district)
    rate(project, "61.1.1.1", 90, screen=False)
    with django_assert_num_queries(3) as captured:  # inside the test's transaction, the
        assert rate(project, "61.1.2.1", 90, screen=False).status_code == 201
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert statements == ["SAVEPOINT", "INSERT", "RELEASE"]  # insert takes a savepoint
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.IN_PROGRESS)
    assert rate(project, "61.1.3.1", 90, screen=False).status_code == 201  # not seen yet
    later = selectors.monotonic() + selectors.FACTS_TTL + 1
    monkeypatch.setattr(selectors, "monotonic", lambda: later)
    refused = rate(project, "61.1.4.1", 90, screen=False)
    assert refused.status_code == 409 and "完工后" in refused.json()["message"]


def test_rating_api_answers_json_whatever_the_client_accepts(district):
    project = finished(district)
    response = Client().post(
        reverse("api-public-rating", args=[project.public_token]),
        {"score": 90},
        content_type="application/json",
        HTTP_ACCEPT="text/html",
        REMOTE_ADDR="62.1.1.1",
    )
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "pending"


def test_public_page_queries_do_not_grow(district, django_assert_num_queries):
    project = finished(district)
    url = reverse("ratings:public", args=[project.public_token])
    resident = Client()
    # project, policy, photos, rating summary (the device is new: no look-up), and the
    # disclosure: budget lines, payments, lab tests, acceptance
    with django_assert_num_queries(8):
        resident.get(url)
    for n in range(30):
        rate(project, f"59.{n}.1.1", 90)
    returning = Client()
    rate(project, "59.200.1.1", 80, client=returning)
    # project, photos, rating summary, has this device rated (the policy is cached a minute),
    # and the four of the disclosure
    with django_assert_num_queries(8):
        assert returning.get(url).status_code == 200


def test_first_ratings_of_a_campaign_never_open_a_review_the_nightly_check_does_later(district):
    project = finished(district)
    start = timezone.now()
    for n in range(10):
        with time_machine.travel(start + timedelta(minutes=20 * n), tick=False):
            rate(project, f"58.{n}.3.3", 95)
    with time_machine.travel(start + timedelta(hours=8), tick=False):
        for n in range(4):  # four from one network: under the burst threshold, all counted
            # (residents' phones that have been here before: not repeats of a new device)
            rate(project, f"36.1.1.{n + 1}", 0, client=returning())
    assert rating_summary(project.pk)["count"] == 14  # mean 67.9, but not settled yet
    assert not Review.objects.exists()

    from ratings.tasks import review_check_recent

    with time_machine.travel(start + timedelta(hours=9, minutes=30), tick=False):
        assert review_check_recent() == 1  # an hour later they have settled
    assert Review.objects.get().count_at_open == 14


@pytest.mark.django_db(transaction=True)
def test_a_rating_is_screened_after_commit_and_the_safety_net_catches_lost_tasks(district):
    project = finished(district)
    # After commit the screening task runs (eagerly here; on a worker in production).
    assert rate(project, "61.5.5.5", 93, screen=False).status_code == 201
    assert Rating.objects.get().status == RatingStatus.COUNTED
    # A rating whose task was lost stays pending until the minute's safety net screens it.
    with mock.patch("ratings.services.ratings_screen"):  # the task never arrives
        assert rate(project, "61.6.6.6", 91, screen=False).status_code == 201
    assert Rating.objects.filter(status=RatingStatus.PENDING).count() == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        from ratings.tasks import screen_pending_ratings

        assert screen_pending_ratings() == 1
    assert not Rating.objects.filter(status=RatingStatus.PENDING).exists()


def test_the_screening_is_enqueued_under_the_name_its_task_is_registered_by():
    from config.celery import app
    from ratings.tasks import screen_project

    assert app.tasks[services.SCREEN_TASK] == screen_project  # a KeyError when unregistered


@pytest.mark.parametrize(
    "address, network",
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("10.0.0.1", "10.0.0.0/24"),
        ("2001:db8:1:2::5", "2001:db8:1::/48"),
        ("not an address", "unknown"),
        ("", "unknown"),
        ("203.0.113.077", "unknown"),  # leading zeros are ambiguous: refused, not guessed
    ],
)
def test_network_of_a_client_address(address, network):
    from ratings.abuse import network_of

    assert network_of(address) == network
