"""axe-core on the credit pages the red list and party credit changed (docs/credit.md): the
credit list with design units and street offices, a red-listed company's credit page with its
listings and record, a street office's credit page, and finance's queue with the shorter review
limit — desktop and phone."""

import json

import pytest

from accounts.choices import OrganisationKind
from accounts.tests.factories import PASSWORD, OrganisationFactory
from inspections.services import progress_report
from performance.tests.builders import contractor_user, under_way
from performance.tests.test_red_list import _quarters
from projects.services import payment_request
from tests.browser import PHONE, chromium_page, log_in
from tests.test_accessibility import AXE, DESKTOP, _check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_credit_pages_have_no_serious_or_critical_violation(live_server, district, device):
    assert AXE.exists()
    d = district
    _quarters(d, q2_failed=[d.builder], q3_failed=[d.builder])
    OrganisationFactory(name="莆田市城乡规划设计院", kind=OrganisationKind.DESIGN)
    project = under_way(d, d.builder_b)
    user = contractor_user(d.builder_b)
    progress_report(actor=user, project_id=project.pk, percent="80", text="主体完成")
    payment_request(actor=user, project_id=project.pk, stage="progress", amount="5000")
    base = live_server.url
    options = PHONE if device == "phone" else DESKTOP
    found: dict[str, list] = {}
    with chromium_page(**options) as page:
        log_in(page, base, "discipline", PASSWORD)
        _check(page, f"{base}/performance/credit/", found)
        _check(page, f"{base}/performance/credit/{d.builder_b.pk}/", found)
        _check(page, f"{base}/performance/credit/{d.zhenhai.pk}/", found)
        _check(page, f"{base}/performance/?quarter=2026Q3", found)
    with chromium_page(**options) as page:
        log_in(page, base, "finance", PASSWORD)
        _check(page, f"{base}/projects/payments/queue/", found)
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
