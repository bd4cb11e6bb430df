"""API tokens (django-rest-knox): issued by the owner's log-in only, stored as a digest, ending
after 30 minutes unused and 12 hours after issue, listed and revoked by their owner (API and
page); a revoked or expired token answers 401. Log-in, log-out and revocation are events."""

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.events import AccountEvents
from accounts.models import ApiToken
from accounts.services import token_issue
from accounts.tests.factories import PASSWORD
from core.events import field_label, is_registered, value_label
from core.models import AuditEvent

pytestmark = pytest.mark.django_db
PROJECTS = "/api/v1/projects/"


def _log_in(username="finance", password=PASSWORD, **extra):
    return APIClient().post(
        reverse("api-token"), {"username": username, "password": password}, format="json", **extra
    )


def _with(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def _last(verb) -> AuditEvent:
    return AuditEvent.objects.filter(verb=verb).order_by("-id")[0]


def _labelled(event: AuditEvent) -> None:
    assert is_registered(event.verb)
    for key, value in event.after.items():
        assert field_label(event.object_type, key, event.verb) != key
        value_label(event.object_type, key, value, event.verb)


def test_the_token_endpoint_answers_the_same_request_with_an_expiry(district):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        response = _log_in(REMOTE_ADDR="10.7.0.1")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "id", "expiry", "max_expiry"}
    token = ApiToken.objects.get(user=district.finance)
    assert token.expiry == start + timedelta(minutes=30)
    assert datetime.fromisoformat(body["expiry"]) == start + timedelta(minutes=30)
    assert datetime.fromisoformat(body["max_expiry"]) == start + timedelta(hours=12)
    assert _with(body["token"]).get(PROJECTS).status_code == 200
    # Stored only as a digest: the token itself is in no column.
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert body["token"] not in json.dumps(row, default=str)
    assert token.public_id == body["id"] and token.digest.startswith(body["id"])


def test_logging_in_is_an_event_without_the_token(district):
    body = _log_in(REMOTE_ADDR="10.7.0.2").json()
    event = _last(AccountEvents.TOKEN_ISSUED)
    assert event.actor_id == district.finance.pk and event.object_id == str(district.finance.pk)
    assert event.after["token"] == body["id"] and event.after["address"] == "10.7.0.2"
    assert body["token"] not in json.dumps(event.after)
    _labelled(event)


def test_a_wrong_password_gets_no_token_and_no_event(district):
    response = _log_in(password="wrong")
    assert response.status_code == 400 and "token" not in response.json()
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(verb=AccountEvents.TOKEN_ISSUED).exists()


def test_an_unused_token_ends_after_thirty_minutes(district):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token = _log_in().json()["token"]
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert _with(token).get(PROJECTS).status_code == 200
    # Used at 29 minutes: it now lasts until 59.
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert _with(token).get(PROJECTS).status_code == 200
    with time_machine.travel(start + timedelta(minutes=58 + 31), tick=False):
        expired = _with(token).get(PROJECTS)
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == "Token"
    assert set(expired.json()) == {"message", "extra"}


def test_a_token_in_use_ends_twelve_hours_after_issue(district):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token = _log_in().json()["token"]
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert _with(token).get(PROJECTS).status_code == 200, minutes
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        assert _with(token).get(PROJECTS).status_code == 401


def test_the_owner_lists_their_own_tokens_only(district):
    first = _log_in().json()
    second = _log_in().json()
    _log_in("drc")
    listed = _with(first["token"]).get(reverse("api-tokens")).json()
    assert {t["id"] for t in listed} == {first["id"], second["id"]}
    assert [t["current"] for t in listed if t["id"] == first["id"]] == [True]
    assert [t["current"] for t in listed if t["id"] == second["id"]] == [False]


def test_a_revoked_token_answers_401(district):
    first = _log_in().json()
    second = _log_in().json()
    response = _with(first["token"]).post(reverse("api-token-revoke", args=[second["id"]]))
    assert response.status_code == 204
    assert _with(second["token"]).get(PROJECTS).status_code == 401
    assert _with(first["token"]).get(PROJECTS).status_code == 200
    event = _last(AccountEvents.TOKEN_REVOKED)
    assert event.actor_id == district.finance.pk and event.after == {
        "token": second["id"],
        "via": "api",
    }
    _labelled(event)


def test_nobody_revokes_another_users_token(district):
    theirs = _log_in("drc").json()
    mine = _log_in().json()
    for token_id in (theirs["id"], "0" * 16, "x"):
        response = _with(mine["token"]).post(reverse("api-token-revoke", args=[token_id]))
        assert response.status_code == 404
    assert _with(theirs["token"]).get(PROJECTS).status_code == 200


def test_log_out_revokes_the_token_in_use_and_log_out_all_every_one(district):
    first = _log_in().json()
    second = _log_in().json()
    third = _log_in().json()
    assert _with(first["token"]).post(reverse("api-logout")).status_code == 204
    assert _with(first["token"]).get(PROJECTS).status_code == 401
    assert _with(second["token"]).get(PROJECTS).status_code == 200
    response = _with(second["token"]).post(reverse("api-logout-all"))
    assert response.status_code == 200 and response.json() == {"revoked": 2}
    for token in (second["token"], third["token"]):
        assert _with(token).get(PROJECTS).status_code == 401
    event = _last(AccountEvents.TOKENS_REVOKED)
    assert event.actor_id == district.finance.pk and event.after["tokens_revoked"] == 2
    _labelled(event)


def test_a_session_has_no_token_to_log_out(district):
    client = Client()
    client.force_login(district.finance)
    assert client.post(reverse("api-logout")).status_code == 401


def test_the_account_page_lists_and_revokes_tokens(district):
    first = _log_in().json()
    second = _log_in().json()
    theirs = _log_in("drc").json()
    client = Client()
    client.force_login(district.finance)
    home = client.get(reverse("home")).content.decode()
    assert reverse("accounts:tokens") in home  # in the account menu
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert first["id"] in page and second["id"] in page and theirs["id"] not in page
    assert first["token"] not in page
    response = client.post(reverse("accounts:tokens"), {"token": first["id"]})
    assert response.status_code == 302
    assert _with(first["token"]).get(PROJECTS).status_code == 401
    assert _last(AccountEvents.TOKEN_REVOKED).after["via"] == "page"
    assert client.post(reverse("accounts:tokens"), {"token": theirs["id"]}).status_code == 404
    client.post(reverse("accounts:tokens"), {"all": "1"})
    assert _with(second["token"]).get(PROJECTS).status_code == 401
    assert _with(theirs["token"]).get(PROJECTS).status_code == 200
    assert "没有有效的接口令牌" in client.get(reverse("accounts:tokens")).content.decode()


def test_the_lapsed_tokens_of_a_user_go_when_they_log_in_again(district):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token_issue(user=district.finance, address="")
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        token_issue(user=district.finance, address="")
    assert ApiToken.objects.filter(user=district.finance).count() == 1


def test_drf_tokens_kept_in_clear_are_gone():
    assert "authtoken_token" not in connection.introspection.table_names()
