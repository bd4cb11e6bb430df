"""Log-in throttling (django-axes), the 12-hour absolute session, request ids and the security
events log."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from approvals import services as approvals
from projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


def _log_in(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_five_wrong_passwords_lock_the_user_on_that_address_only(district, caplog):
    caplog.set_level(logging.INFO, logger="security")
    client = Client()
    for _n in range(4):
        assert _log_in(client, "street_zhenhai", "wrong").status_code == 200
    locked = _log_in(client, "street_zhenhai", "wrong")
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    # Even the right password is refused now, from this address, on the page and the API.
    assert _log_in(client, "street_zhenhai", PASSWORD).status_code == 429
    token = client.post(
        reverse("api-token"),
        {"username": "street_zhenhai", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert token.status_code in (400, 403, 429) and "token" not in token.content.decode()
    # Another address, or another user from this one, are not locked.
    assert _log_in(Client(), "street_zhenhai", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _log_in(Client(), "dept_zjj", PASSWORD).status_code == 302
    # After the cool-off the user gets in.
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert _log_in(Client(), "street_zhenhai", PASSWORD).status_code == 302
    kinds = [r.getMessage().split()[0] for r in caplog.records if r.name == "security"]
    assert kinds.count("login_failed") >= 5 and "locked_out" in kinds and "login" in kinds


def test_a_success_clears_the_count(district):
    client = Client()
    for _n in range(4):
        _log_in(client, "dept_zjj", "wrong")
    assert _log_in(client, "dept_zjj", PASSWORD).status_code == 302
    for _n in range(4):
        assert _log_in(Client(), "dept_zjj", "wrong").status_code == 200  # counting from zero


def test_sessions_end_twelve_hours_after_log_in_however_active(district):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert _log_in(client, "street_zhenhai", PASSWORD).status_code == 302
    for minutes in range(25, 12 * 60, 25):  # active every 25 minutes: never idle too long
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert client.get(reverse("home")).status_code == 302  # logged out for good


def test_idle_sessions_end_after_thirty_minutes(district):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _log_in(client, "street_zhenhai", PASSWORD)
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert client.get(reverse("home")).status_code == 302


def test_every_response_carries_a_request_id_and_denials_are_logged(client, district, caplog):
    caplog.set_level(logging.INFO, logger="security")
    kept = client.get(reverse("login"), HTTP_X_REQUEST_ID="abc-123-def-456")
    assert kept["X-Request-ID"] == "abc-123-def-456"
    fresh = client.get(reverse("login"), HTTP_X_REQUEST_ID="<script>")
    assert len(fresh["X-Request-ID"]) == 32 and "<" not in fresh["X-Request-ID"]

    client.force_login(district.contractor)
    denied = client.get(reverse("inspections:rounds"))
    assert denied.status_code == 403
    line = next(r for r in caplog.records if r.getMessage().startswith("denied"))
    assert f"actor={district.contractor.username}" in line.getMessage()
    assert "path=/inspections/rounds/" in line.getMessage()
    assert line.request_id == denied["X-Request-ID"]


def test_transitions_are_logged_with_their_actor(district, caplog):
    caplog.set_level(logging.INFO, logger="security")
    project = make_project(district.street_zhenhai, budget_amount="120000.00")
    approvals.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="submit"
    )
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("transition"))
    assert "actor=street_zhenhai" in line and "name=submit" in line
    assert f"object=projects.Project:{project.pk}" in line


def test_api_errors_of_a_list_field_read_as_a_sentence(client, district):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.funds_helpers import under_way

    project, _ = under_way(district)
    client.force_login(district.supervisor)
    response = client.post(
        reverse("api-patrol-logs", args=[project.pk]),
        {
            "client_key": "00000000-0000-4000-8000-000000000001",
            "log_date": "2026-11-20",
            "weather": "晴",
            "work_done": "清理",
            "head_count": "3",
            "photos": [SimpleUploadedFile("empty.jpg", b"")],
        },
    )
    assert response.status_code == 400
    message = response.json()["message"]
    assert "ErrorDetail" not in message and "{" not in message and message


def test_too_many_files_get_a_chinese_page(client, district):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.funds_helpers import under_way

    project, _ = under_way(district)
    client.force_login(district.supervisor)
    files = [SimpleUploadedFile(f"p{n}.jpg", b"x") for n in range(25)]
    response = client.post(reverse("inspections:patrol_log", args=[project.pk]), {"photos": files})
    assert response.status_code == 400
    assert "一次最多上传 20 个文件" in response.content.decode()
