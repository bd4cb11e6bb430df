"""Device binding beyond a cookie (issue 17): a client that drops its cookie and rates again is
held, not counted; a project can require the SMS phone check (the administrator's switch)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from core.events import CoreEvents
from core.models import AuditEvent
from ratings.choices import RatingFlag, RatingStatus
from ratings.models import PhoneCheckRequirement, Rating, RatingPolicy
from ratings.selectors import forget_public_facts, rating_summary
from ratings.sms import LocmemBackend
from ratings.tests.test_ratings import finished, rate, returning

pytestmark = pytest.mark.django_db


def _status(response) -> tuple[str, list]:
    rating = Rating.objects.get(pk=response.json()["id"])
    return rating.status, rating.flags


def test_a_client_that_drops_its_cookie_and_rates_again_is_held_not_counted(client, district):
    project = finished(district)
    # given: a resident rates from home
    phone = Client()
    assert rate(project, "58.60.1.10", 95, client=phone).status_code == 201
    assert rating_summary(project.pk)["count"] == 1

    # when: the same phone drops its cookie and rates again, from the same network
    again = rate(project, "58.60.1.10", 95)
    # then: the answer is the same as for any rating, but it waits for a moderator
    assert again.status_code == 201 and again.json()["status"] == RatingStatus.PENDING
    assert _status(again) == (RatingStatus.HELD, [RatingFlag.DEVICE_REPEAT])
    # a client that fetches itself a new cookie first (a refused form sets one) is no better
    fetcher = Client()
    fetcher.post(reverse("ratings:rate", args=[project.public_token]), {}, REMOTE_ADDR="58.60.1.99")
    assert "lx_device" in fetcher.cookies
    assert _status(rate(project, "58.60.1.99", 95, client=fetcher))[0] == RatingStatus.HELD
    assert rating_summary(project.pk)["count"] == 1  # the repeats never counted

    # a neighbour on another network counts; so does a phone that has been here before, on
    # the same network (its cookie is older than a day)
    assert _status(rate(project, "58.61.7.7", 80))[0] == RatingStatus.COUNTED
    assert _status(rate(project, "58.60.1.11", 70, client=returning()))[0] == RatingStatus.COUNTED
    summary = rating_summary(project.pk)
    assert (summary["count"], summary["held"]) == (3, 2)
    client.force_login(district.street_zhenhai)  # the moderator sees why
    assert "同一网络重复的新设备" in client.get(reverse("ratings:moderation")).content.decode()

    # a day later one new device from that network counts again
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert _status(rate(project, "58.60.1.12", 90))[0] == RatingStatus.COUNTED
        assert _status(rate(project, "58.60.1.13", 90))[0] == RatingStatus.HELD


def test_what_the_resident_sees_is_the_same_thanks_whether_counted_or_held(district):
    project = finished(district)
    url = reverse("ratings:rate", args=[project.public_token])
    for address in ("61.9.9.1", "61.9.9.2"):  # two cookie-less phones, one network
        page = Client().post(url, {"score": "90"}, REMOTE_ADDR=address, follow=True)
        assert "感谢您的评价！评价经自动核验后计入。" in page.content.decode()
    from ratings.services import ratings_screen

    ratings_screen(project.pk)
    assert sorted(Rating.objects.values_list("status", flat=True)) == [
        RatingStatus.COUNTED,
        RatingStatus.HELD,
    ]


def test_the_number_of_new_devices_a_network_gets_counted_is_the_policy(district):
    RatingPolicy.objects.create(effective_from=date(2020, 1, 1), fresh_device_per_network=2)
    caches["process"].clear()
    project = finished(district)
    statuses = [_status(rate(project, f"36.9.9.{n}", 90))[0] for n in range(1, 4)]
    assert statuses == [RatingStatus.COUNTED, RatingStatus.COUNTED, RatingStatus.HELD]


def test_a_project_can_require_the_phone_check_from_the_admin(client, district, settings):
    settings.RATING_SMS_BACKEND = "ratings.sms.LocmemBackend"
    LocmemBackend.outbox.clear()
    checked, plain = finished(district), finished(district)
    # given: the administrator switches the phone check on for one project (audited)
    client.login(request=HttpRequest(), username="admin", password=PASSWORD)
    response = client.post(
        reverse("admin:ratings_phonecheckrequirement_add"),
        {"project": checked.pk, "required": "on", "reason": "居民反映有人刷分"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PhoneCheckRequirement.objects.get().project_id == checked.pk
    assert AuditEvent.objects.filter(
        verb=CoreEvents.ADMIN_CREATED, object_type="ratings.phonecheckrequirement"
    ).exists()
    forget_public_facts()

    # then: that project's page asks for a phone and a code; the other's does not
    page = Client().get(reverse("ratings:public", args=[checked.public_token])).content.decode()
    assert 'data-testid="phone-check"' in page and 'name="code"' in page
    other = Client().get(reverse("ratings:public", args=[plain.public_token])).content.decode()
    assert 'name="code"' not in other
    assert (
        Client()
        .post(reverse("ratings:phone_code", args=[plain.public_token]), {"phone": "13800000009"})
        .status_code
        == 404
    )
    assert rate(plain, "62.1.1.1", 90).status_code == 201  # no phone asked

    # a rating without a code is refused; with one it counts, one per phone whatever the device
    url = reverse("api-public-rating", args=[checked.public_token])
    assert Client().post(url, {"score": 90}, content_type="application/json").status_code == 400
    for n, phone in enumerate(("13800000001", "13800000002")):
        Client().post(reverse("ratings:phone_code", args=[checked.public_token]), {"phone": phone})
        code = LocmemBackend.outbox[-1][1].split("验证码是 ")[1][:6]
        ok = Client().post(
            url,
            {"score": 80 + n, "phone": phone, "code": code},
            content_type="application/json",
            REMOTE_ADDR="62.2.2.2",  # two phones of one household: both cookie-less
        )
        assert ok.status_code == 201
    from ratings.services import ratings_screen

    ratings_screen(checked.pk)
    assert set(Rating.objects.filter(project=checked).values_list("status", flat=True)) == {
        RatingStatus.COUNTED
    }  # bound to their phones, not held as repeats
    Client().post(
        reverse("ratings:phone_code", args=[checked.public_token]), {"phone": "13800000001"}
    )
    code = LocmemBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    again = Client().post(
        url, {"score": 10, "phone": "13800000001", "code": code}, content_type="application/json"
    )
    assert again.status_code == 409 and "手机号" in again.json()["message"]


def test_the_switch_and_the_new_device_mark_cost_the_rating_post_no_query(
    district, django_assert_num_queries
):
    """The switch comes with the project's facts (one join, kept half a minute) and the mark
    is a column of the one INSERT: the busiest path stays one statement."""
    project = finished(district)
    PhoneCheckRequirement.objects.create(project=project, required=False, reason="试点结束")
    rate(project, "63.1.1.1", 90, screen=False)
    with django_assert_num_queries(3) as captured:
        assert rate(project, "63.1.2.1", 90, screen=False, client=returning()).status_code == 201
    assert [q["sql"].split()[0] for q in captured.captured_queries] == [
        "SAVEPOINT",
        "INSERT",
        "RELEASE",
    ]
    assert list(Rating.objects.order_by("id").values_list("fresh_device", flat=True)) == [
        True,
        False,
    ]
