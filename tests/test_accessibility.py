"""Accessibility as a test (issue #16 point 8): axe-core (from npm, node_modules/axe-core, a
development dependency; never served to users) run by Playwright in Debian's Chromium finds no
serious or critical violation on the start page of every role, the filing form, the project
page, the site capture page, the public page, the signature verification page, the street
office's villages page, an export's page and the list of a user's exports, and the village
supervisor's phone pages — desktop and phone."""

import json
from pathlib import Path

import pytest

from accounts.tests.factories import PASSWORD
from tests.browser import PHONE, chromium_page, log_in
from tests.funds_helpers import under_way

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"viewport": {"width": 1366, "height": 768}}
# The roles' start pages, and who opens the other pages.
ROLES = [
    "street_zhenhai",
    "dept_zjj",
    "drc",
    "finance",
    "contractor_a",
    "supervisor_a",
    "lab_a",
    "discipline",
]


def violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it stands (WCAG 2.1 A/AA)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def _village_supervisor(district, project):
    """A 村民监督员 of the project's village, with the test password and one observation."""
    import uuid

    from accounts.services import village_create, village_supervisor_appoint
    from inspections.services import village_observation_record
    from projects.services import project_village_set

    village = village_create(actor=district.street_zhenhai, name="文献社区")
    user = village_supervisor_appoint(
        actor=district.street_zhenhai,
        village_id=village.pk,
        full_name="林老师",
        phone="13800000001",
        username="vs_lin",
    ).appointment.user
    user.set_password(PASSWORD)
    user.save()
    project_village_set(actor=district.street_zhenhai, project_id=project.pk, village_id=village.pk)
    village_observation_record(
        actor=user,
        project_id=project.pk,
        client_key=str(uuid.uuid4()),
        text="围挡破损",
        open_item=True,
    )
    return user


def _check(page, url: str, found: dict) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_load_state("networkidle")
    bad = violations(page)
    if bad:
        found[url] = bad


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_named_pages_have_no_serious_or_critical_violation(live_server, district, device):
    assert AXE.exists(), "npm ci installs axe-core (package.json devDependencies)"
    project, _contractor = under_way(district)
    base = live_server.url
    options = PHONE if device == "phone" else DESKTOP
    found: dict[str, list] = {}
    with chromium_page(**options) as page:
        # the check is not vacuous: an image without a text alternative is found
        page.set_content('<html lang="zh"><body><main><img src="x.png"></main></body></html>')
        assert "image-alt" in {v["id"] for v in violations(page)}
        _check(page, f"{base}/p/{project.public_token}/", found)
        _check(page, f"{base}/accounts/verify/", found)  # the public signature check
    for username in ROLES:
        with chromium_page(**options) as page:
            log_in(page, base, username, PASSWORD)
            _check(page, f"{base}/", found)
            if username == "street_zhenhai":
                _check(page, f"{base}/projects/new/", found)
                _check(page, f"{base}/projects/{project.pk}/", found)
            if username in ("contractor_a", "supervisor_a"):
                _check(page, f"{base}/inspections/capture/", found)
            if username == "street_zhenhai":
                _check(page, f"{base}/accounts/villages/", found)
            if username == "discipline":  # an export asked for: its page, then the list of files
                _check(page, f"{base}/dashboards/projects/?format=xlsx", found)
                assert "/downloads/" in page.url
                _check(page, f"{base}/downloads/", found)
    # the 村民监督员's phone pages: the start page and a project with an observation on it
    with chromium_page(**options) as page:
        log_in(page, base, _village_supervisor(district, project).username, PASSWORD)
        _check(page, f"{base}/inspections/village/", found)
        _check(page, f"{base}/inspections/village/projects/{project.pk}/", found)
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
