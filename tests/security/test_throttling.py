"""Log-in throttling on both keys (a user name from one address; an address whatever names it
tries), the API token endpoint's lock-out, the session cookie settings in production, and every
kind of security event on the `security` logger with its actor and request id."""

import logging
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from approvals import services as approvals
from projects.tests.factories import make_project
from tests.funds_helpers import under_way

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _log_in(client, username, password, ip):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _security(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "security"]


def test_thirty_failures_from_one_address_lock_the_address_whatever_the_names(district):
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    for n in range(limit - 1):  # spraying: a different name each time, never 5 on one name
        assert _log_in(Client(), f"guess{n}", "wrong", "10.1.0.1").status_code == 200
    # Under the limit the office's staff still get in from that address.
    assert _log_in(Client(), "dept_zjj", PASSWORD, "10.1.0.1").status_code == 302
    assert _log_in(Client(), f"guess{limit}", "wrong", "10.1.0.1").status_code == 429
    locked = _log_in(Client(), "street_zhenhai", PASSWORD, "10.1.0.1")
    assert locked.status_code == 429 and "登录已暂时锁定" in locked.content.decode()
    # Another address is not affected, and the address is free again after the cool-off.
    assert _log_in(Client(), "street_zhenhai", PASSWORD, "10.1.0.2").status_code == 302
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        assert _log_in(Client(), "street_zhenhai", PASSWORD, "10.1.0.1").status_code == 302


def test_a_valid_account_does_not_wash_its_address_clean(district):
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    for n in range(limit - 1):
        _log_in(Client(), f"guess{n}", "wrong", "10.2.0.1")
    assert _log_in(Client(), "dept_zjj", PASSWORD, "10.2.0.1").status_code == 302
    assert _log_in(Client(), "guess-last", "wrong", "10.2.0.1").status_code == 429


def _guesses_in_an_hour(attempts) -> int:
    """Password checks made for (when, user name, address) attempts: a locked attempt is refused
    before any password is looked at."""
    from accounts.backends import UserWithOrganisationBackend

    checked = mock.patch.object(
        UserWithOrganisationBackend,
        "authenticate",
        autospec=True,
        side_effect=UserWithOrganisationBackend.authenticate,
    )
    start = timezone.now()
    with checked as spy:
        for seconds, username, ip in attempts:
            assert seconds < 3600
            with time_machine.travel(start + timedelta(seconds=seconds), tick=False):
                _log_in(Client(), username, "wrong", ip)
    return spy.call_count


def test_an_attacker_gets_twenty_guesses_an_hour_per_name_and_address(district):
    """Five tries, then silence until the 15 minutes have passed: four rounds in an hour. Each
    try while locked starts the 15 minutes again, so one who keeps on trying gets five."""
    limit = settings.AXES_FAILURE_LIMIT
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds()) + 1
    tries = limit + 3
    rounds = [
        (r * (wait + tries) + n, "finance", "10.6.0.1") for r in range(4) for n in range(tries)
    ]
    assert _guesses_in_an_hour(rounds) == 20
    # The sixth to eighth of each round were refused unchecked, yet restarted the 15 minutes...
    keeps_on = [(n * 30, "drc", "10.6.0.2") for n in range(120)]
    assert _guesses_in_an_hour(keeps_on) == limit  # ... so trying every half minute gets five.


def test_an_address_gets_120_guesses_an_hour_whatever_the_names(district):
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds()) + 1
    tries = limit + 5
    spray = [
        (r * (wait + tries) + n, f"name{r}-{n}", "10.7.0.1") for r in range(4) for n in range(tries)
    ]
    assert _guesses_in_an_hour(spray) == 4 * limit == 120


def test_a_name_sprayed_from_fifty_addresses_still_logs_in_from_its_own(district):
    for n in range(50):
        for _try in range(settings.AXES_FAILURE_LIMIT + 2):
            _log_in(Client(), "discipline", "wrong", f"10.8.{n}.1")
    assert _log_in(Client(), "discipline", "wrong", "10.8.7.1").status_code == 429
    assert _log_in(Client(), "discipline", PASSWORD, "10.9.0.1").status_code == 302


def test_the_token_endpoint_locks_out_with_429_and_a_chinese_message(district, caplog):
    caplog.set_level(logging.INFO, logger="security")
    client = Client()
    url = reverse("api-token")
    for _n in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = client.post(url, {"username": "finance", "password": "x"}, REMOTE_ADDR="10.3.0.1")
        assert wrong.status_code == 400 and "token" not in wrong.json()
    fifth = client.post(url, {"username": "finance", "password": "x"}, REMOTE_ADDR="10.3.0.1")
    right = client.post(url, {"username": "finance", "password": PASSWORD}, REMOTE_ADDR="10.3.0.1")
    for response in (fifth, right):
        assert response.status_code == 429
        assert "登录已暂时锁定" in response.json()["message"] and "token" not in response.json()
    other = client.post(url, {"username": "finance", "password": PASSWORD}, REMOTE_ADDR="10.3.0.2")
    assert other.status_code == 200 and other.json()["token"]
    kinds = [r.getMessage().split()[0] for r in _security(caplog)]
    assert "locked_out" in kinds and kinds[-1] == "token_issued"
    assert "actor=finance ip=10.3.0.2" in _security(caplog)[-1].getMessage()


def test_each_security_event_kind_is_logged_with_actor_address_and_request_id(
    district, caplog, settings
):
    caplog.set_level(logging.INFO, logger="security")
    settings.REPORT_RATE_LIMIT = "1/h"
    client = Client()
    responses = {}

    def lines(kind):
        return [r for r in _security(caplog) if r.getMessage().split()[0] == kind]

    responses["login_failed"] = client.post(
        reverse("login"),
        {"username": 'admin" ip=1.2.3.4\nforged', "password": "x"},
        REMOTE_ADDR="10.4.0.1",
        HTTP_X_REQUEST_ID="req-login-failed-1",
    )
    for _n in range(settings.AXES_FAILURE_LIMIT):
        responses["locked_out"] = _log_in(client, "drc", "wrong", "10.4.0.1")
    responses["login"] = _log_in(client, district.contractor.username, PASSWORD, "10.4.0.2")
    responses["denied"] = client.get(reverse("inspections:rounds"), REMOTE_ADDR="10.4.0.2")
    project = make_project(district.street_zhenhai, budget_amount="120000.00")
    approvals.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="submit"
    )
    under_way_project, _contractor = under_way(district)
    resident = Client()
    report_url = reverse("ratings:report", args=[under_way_project.public_token])
    resident.post(report_url, {"text": "路面塌陷，请尽快处理"}, REMOTE_ADDR="10.4.0.3")
    responses["rate_limited"] = resident.post(
        report_url, {"text": "路面又塌了"}, REMOTE_ADDR="10.4.0.3"
    )

    assert responses["denied"].status_code == 403
    for kind, response in responses.items():
        found = lines(kind)
        assert found, f"no {kind} line"
        mine = [r for r in found if r.request_id == response["X-Request-ID"]]
        assert mine, f"no {kind} line with the response's request id"
        assert "ip=10.4.0." in mine[0].getMessage(), kind
    assert f"actor={district.contractor.username}" in lines("login")[-1].getMessage()
    assert f"actor={district.contractor.username}" in lines("denied")[-1].getMessage()
    assert "username=drc" in lines("locked_out")[-1].getMessage()
    assert "group=ratings.report" in lines("rate_limited")[-1].getMessage()
    # An attacker's user name cannot forge a field or a line: it is quoted, newline escaped.
    forged = lines("login_failed")[0].getMessage()
    keys = re.findall(r' (\w+)=(?:"(?:[^"\\]|\\.)*"|\S+)', forged)
    assert "\n" not in forged and keys == ["actor", "ip", "username"]
    assert 'username="admin\\" ip=1.2.3.4\\nforged"' in forged
    submit = next(r.getMessage() for r in lines("transition") if "name=submit" in r.getMessage())
    assert "actor=street_zhenhai" in submit and f"object=projects.Project:{project.pk}" in submit
    # The time is the record's own (the console format prints it).
    assert all(r.created for r in _security(caplog))


def test_session_expiry_after_twelve_hours_is_logged(district, caplog):
    caplog.set_level(logging.INFO, logger="security")
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _log_in(client, "street_zhenhai", PASSWORD, "10.5.0.1")
    for minutes in range(20, 12 * 60 + 40, 20):  # the last one is 12 h 20 min in
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            response = client.get(reverse("home"))
    assert response.status_code == 302
    line = next(r for r in _security(caplog) if r.getMessage().startswith("session_expired"))
    assert "actor=street_zhenhai" in line.getMessage()


def test_request_ids_reach_django_request_log_lines_too(client, district, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    client.force_login(district.contractor)
    denied = client.get(reverse("inspections:rounds"))
    line = next(r for r in caplog.records if r.name == "django.request")
    assert line.request_id == denied["X-Request-ID"]


def test_production_settings_pass_check_deploy_with_secure_cookies_and_hsts():
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, which a deployment never sets.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-check-" + "y" * 30,
        "DJANGO_ALLOWED_HOSTS": "lingxing.example",
        "DATABASE_URL": "sqlite:///tmp/x.db",
        "TRUSTED_PROXY_HOPS": "1",
    }
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues (0 silenced)" in check.stdout
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
            " s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_AGE,"
            " s.SESSION_SAVE_EVERY_REQUEST, s.SILENCED_SYSTEM_CHECKS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.split() == ["True", "True", "True", "True", "True", "1800", "True", "[]"]
