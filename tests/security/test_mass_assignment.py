"""Mass assignment: every form and API endpoint that writes, called by a role the access matrix
allows, with protected fields added to a valid body (status, tier, street, score, created_by,
audit fields, credit_status, public_token, risk_colour, role …). The extra fields must change
nothing: the protected columns of every row end up exactly as after the same request without
them (both run from the same state at the same frozen instant, each rolled back)."""

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from accounts.models import Organisation, User
from core.testing import rolled_back
from inspections.models import RectificationItem
from projects.models import Contract, Payment, Project
from ratings.models import Rating, Report

from .matrix import ROLES, USERS, read_table
from .requests import SPECS, send
from .world import build_world

PROTECTED = {
    Project: [
        "status",
        "tier",
        "street_id",
        "created_by_id",
        "public_token",
        "risk_colour",
        "code",
        "contractor_id",
        "supervision_unit_id",
        "split_flagged",
        "procurement_method",
        "reviewed_budget",
        "approved_budget",
        "escalated_to",
        "submitted_at",
        "approved_at",
        "created_at",
    ],
    Organisation: ["kind", "credit_status", "bank_account", "is_active"],
    User: ["role", "organisation_id", "is_staff", "is_superuser", "is_active"],
    Payment: [
        "status",
        "compliant",
        "project_id",
        "payee_name",
        "approved_at",
        "paid_on",
        "created_at",
    ],
    Contract: ["project_id", "contractor_id", "created_at"],
    RectificationItem: [
        "status",
        "project_id",
        "responsible_organisation_id",
        "opened_by_id",
        "created_at",
    ],
    Rating: ["status", "project_id", "flags", "moderated_by_id", "created_at"],
    Report: ["project_id", "created_at"],
}


# Values unlike anything the fixture holds, so that an effect would show.
def injected(w) -> dict:
    other = w.other
    return {
        "status": "archived",
        "tier": "major",
        "street": other.street_user.organisation_id,
        "street_id": other.street_user.organisation_id,
        "score": 0,
        "created_by": w.d.admin.pk,
        "created_by_id": w.d.admin.pk,
        "id": 987654,
        "pk": 987654,
        "created_at": "2001-01-01T00:00:00Z",
        "updated_at": "2001-01-01T00:00:00Z",
        "approved_at": "2001-01-01T00:00:00Z",
        "submitted_at": "2001-01-01T00:00:00Z",
        "credit_status": "blacklisted",
        "public_token": "injected-token",
        "risk_colour": "red",
        "code": "LX-INJECTED",
        "role": "admin",
        "is_staff": True,
        "is_superuser": True,
        "organisation": other.contractor.pk,
        "contractor_id": w.d.builder_c.pk,
        "supervision_unit": other.supervision.pk,
        "compliant": False,
        "split_flagged": True,
        "escalated_to": "major",
        "procurement_method": "open",
        "approved_budget": "1.00",
        "payee_name": "假收款人",
        "opened_by": w.d.admin.pk,
        "responsible_organisation_id": w.d.builder_c.pk,
        "moderated_by": w.d.admin.pk,
        "flags": ["injected"],
        "seq": 1,
        "hash": "0" * 64,
        "actor": w.d.admin.pk,
    }


WRITES = [
    row
    for row in read_table()
    if row.method in ("POST", "PATCH")
    and row.route not in ("api-token", "logout", "admin:logout", "set_language")
]


def _snapshot(known: dict | None = None) -> dict:
    """Existing rows by pk; rows created since `known` without their generated identity."""
    out: dict = {}
    for model, fields in PROTECTED.items():
        rows = {pk: rest for pk, *rest in model.objects.values_list("pk", *fields)}
        if known is None:
            out[model] = rows
        else:
            old = {pk: v for pk, v in rows.items() if pk in known[model]}
            new = sorted(
                (
                    tuple(v[i] for i, f in enumerate(fields) if f not in ("public_token", "code"))
                    for pk, v in rows.items()
                    if pk not in known[model]
                ),
                key=repr,
            )
            out[model] = (old, new)
    return out


def _run(client, user, row, w, extra, known):
    for each in caches.all():
        each.clear()
    if user is not None:
        client.force_login(user)
    with rolled_back():
        response = send(client, row.route, row.method, w, w.own, extra=extra)
        state = _snapshot(known)
    return response, state


@pytest.mark.postgres
@pytest.mark.django_db
def test_protected_fields_sent_to_any_write_change_nothing():
    w = build_world()
    extra_all = injected(w)
    checked, wrong, sensitive = [], [], []
    with time_machine.travel(timezone.now(), tick=False):
        known = _snapshot()
        for row in WRITES:
            role = next((r for r in ROLES if row.cells[r] != "no" and r != "anon"), None) or (
                "anon" if row.cells["anon"] != "no" else None
            )
            if role is None:
                continue
            _kw, body_of, _how = SPECS[row.key]
            declared = set(body_of(w, w.own)) if body_of else set()
            extra = {
                k: (v if _how == "json" else str(v))
                for k, v in extra_all.items()
                if k not in declared
            }
            user = None if role == "anon" else getattr(w.d, USERS[role])
            client = Client()
            plain, before = _run(client, user, row, w, None, known)
            spiked, after = _run(client, user, row, w, extra, known)
            checked.append(row.key)
            unchanged = all(
                before[m] == ({pk: v for pk, v in known[m].items()}, []) for m in PROTECTED
            )
            if not unchanged:
                sensitive.append(row.key)
            if (
                plain.status_code != spiked.status_code
                and spiked.status_code >= 400
                and plain.status_code < 400
            ):
                # Refusing unknown fields outright would be fine too; note it, change nothing.
                continue
            for model in PROTECTED:
                if before[model] != after[model]:
                    wrong.append(
                        f"{row.route} {row.method} as {role}: {model.__name__} "
                        f"{before[model]} → {after[model]}"
                    )
    print(
        f"mass assignment: {len(checked)} write endpoints with {len(extra_all)} protected "
        f"fields; {len(sensitive)} of them changed protected state themselves"
    )
    assert len(checked) >= 50, checked
    # The snapshot sees what the writes do (a status moved, a row added), so it would see an
    # injected field's effect too.
    assert len(sensitive) >= 25, sensitive
    assert not wrong, "\n".join(wrong)
