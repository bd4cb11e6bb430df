"""Every route × every role × the own and the other organisation's object, against the table
in docs/access-matrix.md: reads answer 200 only where the table allows them, lists never show
another organisation's rows where the table says `own`, writes change something (one audit
event) only where allowed. The table must name every URL pattern and nothing else.

ACCESS_MATRIX_OBSERVED=path writes what was observed in the table's format (to review a
change, never to copy blindly)."""

import os

import pytest
from django.core.cache import caches
from django.test import Client

from core.models import AuditEvent
from core.testing import rolled_back

from .matrix import ROLES, USERS, body_text, cell, marks_of, read_table, refused, shows
from .requests import SPECS, route_names, send
from .world import build_world

TABLE = read_table()


def test_the_table_names_every_route_and_only_those():
    in_table = {row.route for row in TABLE}
    assert route_names() - in_table == set(), "URL patterns missing from docs/access-matrix.md"
    assert in_table - route_names() == set(), "routes in the table that no longer exist"


def test_every_row_has_a_request_to_send():
    assert {row.key for row in TABLE} - set(SPECS) == set()
    assert set(SPECS) - {row.key for row in TABLE} == set()


def _observe(client, user, row, w, side) -> tuple[bool, bool]:
    """(reached, showed the other side's rows) for one request, rolled back afterwards."""
    if user is not None:  # again each time: a log-out row ends the session
        client.force_login(user)
    for each in caches.all():  # rate limits count per address; each request starts afresh
        each.clear()
    with rolled_back():
        before = AuditEvent.objects.count()
        response = send(client, row.route, row.method, w, side)
        written = AuditEvent.objects.count() > before
    assert response.status_code < 500, (row.key, response.status_code)
    if refused(response):
        return False, False
    if row.kind == "read" or row.kind == "list":
        ok = response.status_code == 200
    elif row.kind == "write":
        ok = written
    else:  # call: reached the operation, whatever the rules then said
        ok = True
    return ok, ok and row.kind == "list" and shows(body_text(response), marks_of(w.other))


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role):
    w = build_world()
    client = Client()
    user = None if role == "anon" else getattr(w.d, USERS[role])
    w.acting = user  # whose token the token rows revoke on the own side
    wrong, observed = [], []
    for row in TABLE:
        own_ok, leaked = _observe(client, user, row, w, w.own)
        if row.kind == "list":
            got = "no" if not own_ok else ("all" if leaked else "own")
        else:
            got = cell(own_ok, _observe(client, user, row, w, w.other)[0])
        observed.append((row, got))
        if got != row.cells[role]:
            wrong.append(
                f"{row.route} {row.method} ({row.kind}): table says "
                f"{row.cells[role]!r}, {role} got {got!r}"
            )
    if os.environ.get("ACCESS_MATRIX_OBSERVED"):
        with open(f"{os.environ['ACCESS_MATRIX_OBSERVED']}.{role}", "w") as out:
            out.writelines(f"{r.route}\t{r.method}\t{got}\n" for r, got in observed)
    assert not wrong, "\n".join(wrong)
