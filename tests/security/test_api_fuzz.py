"""Schemathesis against the served OpenAPI schema (/api/schema/), in-process through Django's WSGI
handler, once per role with its API token and once without any: no answer is a server error,
every documented answer matches its schema, and no operation but the public ones (residents'
rating, open data, the token endpoint) answers a request without credentials.

Bounded: a fixed number of derandomized examples per operation and role (FUZZ_EXAMPLES,
default 20), under two minutes in all on this machine."""

import os
import time

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.services import token_issue
from core.testing import rolled_back

from .matrix import ROLES, USERS
from .world import build_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
PUBLIC = ("/api/v1/public/", "/api/v1/open/", "/api/v1/auth/token/")
CHECKS = [schemathesis.checks.not_a_server_error, response_schema_conformance]


def _token(user) -> str:
    """An API token as the user's own log-in gets it (knox: expiring, stored as a digest)."""
    return token_issue(user=user, address="127.0.0.1").token


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler in this thread and transaction: like the test client, keep the
    request signals from closing the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def _fuzz(operation, headers, ids, seen):
    strategy = operation.as_strategy()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, pick=st.sampled_from(ids))
    def run(case, pick):
        # Half the time aim the path at an object that exists (generated ids seldom do).
        for name in ("pk", "payment_id", "change_id"):
            if name in (case.path_parameters or {}) and pick % 2:
                case.path_parameters[name] = pick // 2
        with rolled_back():  # each case from the same state
            response = case.call(headers=headers)
        seen.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_api_fuzz(role, wsgi_app, django_user_model):
    w = build_world()
    admin_token = _token(w.d.admin)
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", wsgi_app, headers={"Authorization": f"Token {admin_token}"}
    )
    if role == "anon":
        headers = {}
    else:
        user = getattr(w.d, USERS[role])
        token = admin_token if user == w.d.admin else _token(user)
        headers = {"Authorization": f"Token {token}"}
    projects = [p.pk for side in (w.own, w.other) for p in side.objects.values()]
    ids = sorted({2 * pk + 1 for pk in projects} | {0})
    seen, started = [], time.monotonic()
    operations = list(_operations(schema))
    assert len(operations) >= 25, [op.label for op in operations]
    for operation in operations:
        _fuzz(operation, headers, ids, seen)
    print(
        f"fuzz {role}: {len(operations)} operations, {len(seen)} cases, "
        f"{time.monotonic() - started:.1f} s, statuses {sorted(set(seen))}"
    )
    assert seen


@pytest.mark.postgres
@pytest.mark.django_db
def test_no_protected_operation_answers_without_credentials(wsgi_app):
    w = build_world()
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        wsgi_app,
        headers={"Authorization": f"Token {_token(w.d.admin)}"},
    )
    answered, operations = [], 0
    for operation in _operations(schema):
        if operation.path.startswith(PUBLIC) or ("/api/v1" + operation.path).startswith(PUBLIC):
            continue
        operations += 1
        _without_credentials(operation, answered)
    assert operations >= 25
    assert not answered, answered


def _without_credentials(operation, answered):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        with rolled_back():
            response = case.call()
        if response.status_code in (401, 403) or _no_such_url(case):
            return
        answered.append((operation.label, case.formatted_path, response.status_code))

    run()


def _no_such_url(case) -> bool:
    """A generated path the URL map does not match (a negative id) reaches no view at all."""
    from django.urls import Resolver404, resolve

    try:
        resolve(
            "/api/v1" + case.formatted_path
            if not case.formatted_path.startswith("/api")
            else case.formatted_path
        )
    except Resolver404:
        return True
    return False
