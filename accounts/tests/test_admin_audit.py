"""Every administrative act on users, roles, organisations, passwords and tokens is one audit
event naming the administrator as actor and the user as object, never a password, a hash or a
token; the token admin shows no secret and cannot make a token; admin log-ins are recorded."""

import json

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.forms import SplitDateTimeWidget
from django.http import HttpRequest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import OrganisationKind, Role
from accounts.events import AccountEvents
from accounts.models import ApiToken, CompanyStaff, Organisation, User
from accounts.services import token_issue
from accounts.tests.factories import PASSWORD, make_credit_code
from core.events import CoreEvents, changes, field_label, is_registered, value_label
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "另一个-Strong-pass-2027"


@pytest.fixture
def admin_client(district):
    # The admin's form shows times to the second: a save would otherwise "change" date_joined.
    User.objects.update(date_joined=timezone.now().replace(microsecond=0))
    client = Client()
    client.force_login(district.admin)
    return client


def _events_after(last: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=last).order_by("id"))


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _no_secrets(event: AuditEvent, *secrets: str) -> None:
    """Nothing of a password, its hash or a token in what the event stores."""
    stored = json.dumps(
        [event.before, event.after, event.comment, event.object_repr], ensure_ascii=False
    )
    for secret in secrets:
        assert secret not in stored
    assert "md5$" not in stored and "pbkdf2" not in stored
    assert "password" not in event.before and "password" not in event.after


def _labelled(event: AuditEvent) -> None:
    """The event reads in labels, as the timelines show it."""
    assert is_registered(event.verb), event.verb
    for key in [*event.before, *event.after]:
        label = field_label(event.object_type, key, event.verb)
        assert label != key, (event.verb, key)
        for side in (event.before, event.after):
            if key in side:
                value_label(event.object_type, key, side[key], event.verb)


def _token_works(token: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api.get("/api/v1/projects/").status_code


def _change_form(client, user) -> dict:
    """The user's admin change form as the page fills it in."""
    response = client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    form = response.context["adminform"].form
    data: dict = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field.widget, SplitDateTimeWidget):
            if value:
                local = timezone.localtime(value)
                data[f"{name}_0"] = local.date().isoformat()
                data[f"{name}_1"] = local.time().isoformat()
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    return data


def _save_user(client, user, **changes) -> None:
    data = {**_change_form(client, user), **changes}
    for name, value in changes.items():
        if value is False:
            data.pop(name)
    response = client.post(reverse("admin:accounts_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors


# --- users and roles ---------------------------------------------------------------------------


def test_creating_a_user_is_one_event_without_the_password(admin_client, district):
    last = _last_id()
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "street_new",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "organisation": district.zhenhai.pk,
            "role": Role.STREET_STAFF,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="street_new")
    (event,) = _events_after(last)
    assert event.verb == AccountEvents.USER_CREATED
    assert (event.actor_id, event.object_type, event.object_id) == (
        district.admin.pk,
        "accounts.user",
        str(user.pk),
    )
    assert event.after["username"] == "street_new" and event.after["role"] == Role.STREET_STAFF
    _no_secrets(event, NEW_PASSWORD, user.password)
    _labelled(event)


def test_an_ordinary_change_is_a_user_change(admin_client, district):
    last = _last_id()
    _save_user(admin_client, district.drc, phone="13900000001", last_name="陈")
    (event,) = _events_after(last)
    assert event.verb == AccountEvents.USER_CHANGED
    assert event.actor_id == district.admin.pk and event.object_id == str(district.drc.pk)
    assert event.after == {"phone": "13900000001", "last_name": "陈"}
    _labelled(event)


def test_a_change_of_role_and_organisation_is_recorded_as_such(admin_client, district):
    last = _last_id()
    _save_user(
        admin_client,
        district.expert,
        role=Role.DRC_OFFICER,
        organisation=str(district.drc.organisation_id),
    )
    (event,) = _events_after(last)
    assert event.verb == AccountEvents.ROLE_CHANGED
    assert event.before == {
        "role": Role.DEPT_REVIEWER,
        "organisation_id": district.dept.organisation_id,
    }
    assert event.after == {
        "role": Role.DRC_OFFICER,
        "organisation_id": district.drc.organisation_id,
    }
    rows = {c.field: (c.before, c.after) for c in changes(event)}
    assert rows["role"] == (str(Role.DEPT_REVIEWER.label), str(Role.DRC_OFFICER.label))
    _labelled(event)


def test_granting_admin_rights_and_groups_is_a_change_of_role(admin_client, district):
    auditors = Group.objects.create(name="审计组")
    last = _last_id()
    _save_user(admin_client, district.discipline, is_staff=True, groups=[str(auditors.pk)])
    (event,) = _events_after(last)
    assert event.verb == AccountEvents.ROLE_CHANGED
    assert event.before == {"is_staff": False, "groups": []}
    assert event.after == {"is_staff": True, "groups": ["审计组"]}
    _labelled(event)


def test_deactivating_a_user_revokes_their_tokens(admin_client, district):
    issued = token_issue(user=district.finance, address="10.0.0.1")
    assert _token_works(issued.token) == 200
    last = _last_id()
    _save_user(admin_client, district.finance, is_active=False)
    (event,) = _events_after(last)
    assert event.verb == AccountEvents.USER_DEACTIVATED
    assert event.actor_id == district.admin.pk and event.object_id == str(district.finance.pk)
    assert event.after == {"is_active": False, "tokens_revoked": 1}
    assert not ApiToken.objects.filter(user=district.finance).exists()
    assert _token_works(issued.token) == 401
    _labelled(event)
    # and back
    last = _last_id()
    _save_user(admin_client, district.finance, is_active=True)
    assert [e.verb for e in _events_after(last)] == [AccountEvents.USER_REACTIVATED]


# --- passwords ---------------------------------------------------------------------------------


def test_a_password_set_in_the_admin_is_recorded_and_revokes_the_tokens(admin_client, district):
    issued = token_issue(user=district.finance, address="10.0.0.1")
    old_hash = User.objects.get(pk=district.finance.pk).password
    last = _last_id()
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[district.finance.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    new_hash = User.objects.get(pk=district.finance.pk).password
    assert new_hash != old_hash
    (event,) = _events_after(last)
    assert event.verb == AccountEvents.PASSWORD_SET
    assert (event.actor_id, event.object_type, event.object_id) == (
        district.admin.pk,
        "accounts.user",
        str(district.finance.pk),
    )
    assert event.after == {"password_login": True, "tokens_revoked": 1}
    _no_secrets(event, NEW_PASSWORD, PASSWORD, old_hash, new_hash, issued.token)
    _labelled(event)
    assert _token_works(issued.token) == 401
    assert Client().login(request=HttpRequest(), username="finance", password=NEW_PASSWORD)


def test_turning_password_log_in_off_is_recorded_too(admin_client, district):
    last = _last_id()
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[district.finance.pk]),
        {"usable_password": "false", "unset-password": "1"},
    )
    assert response.status_code == 302
    (event,) = _events_after(last)
    assert event.verb == AccountEvents.PASSWORD_SET
    assert event.after == {"password_login": False, "tokens_revoked": 0}


def test_a_refused_password_form_records_nothing(admin_client, district):
    last = _last_id()
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[district.finance.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": "something else"},
    )
    assert response.status_code == 200
    assert _events_after(last) == []
    assert Client().login(request=HttpRequest(), username="finance", password=PASSWORD)


# --- organisations -----------------------------------------------------------------------------


def test_an_organisation_and_its_staff_register_in_one_event(admin_client, district):
    last = _last_id()
    response = admin_client.post(
        reverse("admin:accounts_organisation_add"),
        {
            "name": "荔城路桥",
            "kind": OrganisationKind.CONTRACTOR,
            "credit_code": make_credit_code(9001),
            "is_active": "on",
            "staff-TOTAL_FORMS": "1",
            "staff-INITIAL_FORMS": "0",
            "staff-MIN_NUM_FORMS": "0",
            "staff-MAX_NUM_FORMS": "1000",
            "staff-0-name": "林建国",
            "staff-0-position": "project_manager",
            "staff-0-certificate_no": "闽123",
            "staff-0-is_active": "on",
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="荔城路桥")
    assert CompanyStaff.objects.filter(organisation=organisation).count() == 1
    (event,) = _events_after(last)
    assert event.verb == CoreEvents.ADMIN_CREATED and event.actor_id == district.admin.pk
    assert event.object_type == "accounts.organisation"
    assert event.after["related"] == [
        {"change": "added", "model": "accounts.companystaff", "name": "林建国（项目经理）"}
    ]
    assert value_label(event.object_type, "related", event.after["related"], event.verb) == (
        "新增：林建国（项目经理）"
    )
    _labelled(event)


def test_a_change_to_a_staff_row_alone_is_recorded(admin_client, district):
    staff = district.staff[("宏达建设", "project_manager")]
    url = reverse("admin:accounts_organisation_change", args=[district.builder.pk])
    page = admin_client.get(url)
    formset = page.context["inline_admin_formsets"][0].formset
    data = {
        "name": district.builder.name,
        "kind": district.builder.kind,
        "credit_code": district.builder.credit_code,
        "is_active": "on",
        f"{formset.prefix}-TOTAL_FORMS": str(formset.initial_form_count()),
        f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
        f"{formset.prefix}-MIN_NUM_FORMS": "0",
        f"{formset.prefix}-MAX_NUM_FORMS": "1000",
    }
    for n, form in enumerate(formset.forms):
        if form.instance.pk is None:
            continue
        data[f"{formset.prefix}-{n}-id"] = str(form.instance.pk)
        data[f"{formset.prefix}-{n}-organisation"] = str(district.builder.pk)
        for name in ("name", "position", "certificate_no", "phone"):
            data[f"{formset.prefix}-{n}-{name}"] = getattr(form.instance, name)
        data[f"{formset.prefix}-{n}-is_active"] = "on"
        if form.instance.pk == staff.pk:
            data[f"{formset.prefix}-{n}-certificate_no"] = "闽新证书001"
    last = _last_id()
    response = admin_client.post(url, data)
    assert response.status_code == 302, [
        f.errors for f in response.context["inline_admin_formsets"][0].formset.forms
    ] + [response.context["adminform"].form.errors]
    (event,) = _events_after(last)
    assert event.verb == CoreEvents.ADMIN_CHANGED
    assert event.after["related"][0]["fields"] == ["certificate_no"]
    assert "证书编号" in value_label(
        event.object_type, "related", event.after["related"], event.verb
    )


# --- log-ins -----------------------------------------------------------------------------------


def test_an_admin_log_in_and_log_out_through_the_admin_are_recorded(district):
    client = Client()
    last = _last_id()
    response = client.post(
        reverse("admin:login"),
        {"username": "admin", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="10.9.0.1",
    )
    assert response.status_code == 302
    (login,) = _events_after(last)
    assert login.verb == AccountEvents.STAFF_LOGGED_IN
    assert login.actor_id == district.admin.pk and login.object_id == str(district.admin.pk)
    assert login.after == {"address": "10.9.0.1", "via": "admin"}
    _labelled(login)
    client.post(reverse("admin:logout"), REMOTE_ADDR="10.9.0.1")
    (logout,) = _events_after(login.id)
    assert logout.verb == AccountEvents.STAFF_LOGGED_OUT and logout.actor_id == district.admin.pk


def test_an_admin_log_in_through_the_ordinary_page_counts_too(district):
    last = _last_id()
    Client().post(reverse("login"), {"username": "admin", "password": PASSWORD})
    (login,) = _events_after(last)
    assert login.verb == AccountEvents.STAFF_LOGGED_IN and login.after["via"] == "page"


def test_ordinary_log_ins_stay_in_the_security_log_only(district):
    last = _last_id()
    assert Client().post(reverse("login"), {"username": "drc", "password": PASSWORD}).status_code
    assert _events_after(last) == []


# --- the token admin ---------------------------------------------------------------------------


def test_drf_token_admin_is_gone_and_no_admin_can_make_a_token(admin_client, district):
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    registered = {m._meta.label for m in admin.site._registry}
    assert "authtoken.Token" not in registered and "knox.AuthToken" not in registered
    assert "accounts.ApiToken" in registered
    for name in ("admin:authtoken_token_add", "admin:knox_authtoken_add"):
        with pytest.raises(NoReverseMatch):
            reverse(name)
    add = reverse("admin:accounts_apitoken_add")
    assert admin_client.get(add).status_code == 403
    assert admin_client.post(add, {"user": district.finance.pk}).status_code == 403
    assert not ApiToken.objects.filter(user=district.finance).exists()


def test_the_token_admin_shows_owners_and_ids_never_a_secret(admin_client, district):
    issued = token_issue(user=district.finance, address="10.0.0.1")
    token = ApiToken.objects.get(user=district.finance)
    page = admin_client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert issued.id in page and str(district.finance) in page
    visible = page.replace(f'value="{token.digest}"', "")  # the selection checkbox's value
    for secret in (issued.token, token.token_key, token.digest):
        assert secret not in visible
    assert issued.token not in page and token.token_key not in page


def test_revoking_tokens_in_the_admin_names_the_administrator(admin_client, district):
    mine = token_issue(user=district.finance, address="10.0.0.1")
    token_issue(user=district.drc, address="10.0.0.2")
    token_issue(user=district.drc, address="10.0.0.2")
    last = _last_id()
    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(ApiToken.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    events = {e.object_id: e for e in _events_after(last)}
    assert set(events) == {str(district.finance.pk), str(district.drc.pk)}
    finance, drc = events[str(district.finance.pk)], events[str(district.drc.pk)]
    assert finance.verb == AccountEvents.TOKEN_REVOKED and finance.after["token"] == mine.id
    assert drc.verb == AccountEvents.TOKENS_REVOKED and drc.after["tokens_revoked"] == 2
    assert {e.actor_id for e in events.values()} == {district.admin.pk}
    assert finance.after["via"] == "admin"
    assert _token_works(mine.token) == 401
    for event in events.values():
        _labelled(event)
