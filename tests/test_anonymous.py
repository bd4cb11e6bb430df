"""Every URL pattern, requested without a session with GET and with POST, is refused or sent to
log in — except the routes that docs/access-matrix.md opens to `anon` (log-in, the
language switch, health, the token endpoint, the capture pages' manifest, the residents' side:
public page, rating, report, photos and the rating API, and the open data with the signed
audit heads). Log-out sends
to the log-in page and the SMS code answers 404 while the phone check is off: both count as
refused here."""

import pytest

from tests.security.matrix import read_table
from tests.security.requests import ADMIN_OWN_ROWS, walk

PUBLIC = {row.route for row in read_table() if row.cells["anon"] != "no"}
URLS = sorted(set(walk()))


def _row(name: str) -> str:
    return "admin:*" if name.startswith("admin:") and name not in ADMIN_OWN_ROWS else name


def test_the_sweep_finds_the_application_urls_and_the_public_list_is_what_is_expected():
    names = {name for _url, name in URLS}
    assert {
        "home",
        "projects:list",
        "projects:detail",
        "approvals:transition",
        "api-projects",
        "api-project-transition",
        "api-schema",
        "api-docs",
    } <= names
    assert PUBLIC == {
        "login",
        "set_language",
        "health",
        "api-token",
        "admin:login",
        "admin:logout",
        "inspections:capture_manifest",
        "ratings:public",
        "ratings:rate",
        "ratings:report",
        "ratings:public_photo",
        "ratings:report_status",
        "api-public-rating",
        "api-open-oc4ids",
        "api-open-oc4ids-project",
        "open-data",
        "open-audit-heads",
        "accounts:verify_document",  # residents and auditors check the signed PDFs they receive
    }, "the public list changed: is that intended?"


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "name"), [u for u in URLS if _row(u[1]) not in PUBLIC])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_refused_or_sent_to_login(client, url, name, method):
    response = getattr(client, method)("/" + url)
    if response.status_code in (301, 302):
        assert "/login/" in response["Location"], (url, response["Location"])
    else:
        assert response.status_code in (401, 403, 404, 405), (url, response.status_code)
