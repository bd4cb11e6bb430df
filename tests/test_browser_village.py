"""A 村民监督员 on a phone (390×844): logs in and lands on their village's projects, records an
observation with a photo that opens a ledger item for the contractor, follows it to its close,
then signs the acceptance as the residents' representative; the street office's acceptance
then records the signature. Every button on the way is a 44 px touch target."""

import pytest

from accounts.services import village_create, village_supervisor_appoint
from accounts.tests.factories import PASSWORD
from approvals import services as approvals
from inspections.choices import ItemSource
from inspections.models import Acceptance, AcceptanceSignature, RectificationItem
from inspections.services import acceptance_record, item_close, item_submit, lab_test_record
from inspections.tests.images import encode, scene
from projects import services as projects
from tests.browser import PHONE, chromium, click_and_wait, flash, screenshot, user_page
from tests.funds_helpers import under_way

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _touch_targets_fit(page, selector: str) -> None:
    for element in page.query_selector_all(selector):
        box = element.bounding_box()
        if box is not None:  # shown
            assert box["height"] >= 44 and box["width"] >= 44, (selector, box)


def test_a_village_supervisor_opens_a_ledger_item_and_signs_the_acceptance(live_server, district):
    d = district
    base = live_server.url
    project, contractor = under_way(d)
    village = village_create(actor=d.street_zhenhai, name="文献社区")
    lin = village_supervisor_appoint(
        actor=d.street_zhenhai,
        village_id=village.pk,
        full_name="林老师",
        phone="13800000001",
        username="vs_lin",
    ).appointment.user
    lin.set_password(PASSWORD)
    lin.save()
    projects.project_village_set(
        actor=d.street_zhenhai, project_id=project.pk, village_id=village.pk
    )

    with chromium() as browser:
        page = user_page(browser, base, "vs_lin", PASSWORD, **PHONE)
        # the log-in lands on the village's projects
        page.wait_for_selector("[data-testid=village-home]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert project.name in page.inner_text("[data-testid=village-project]")
        click_and_wait(page, "[data-testid=village-project] a")
        assert "施工中" in page.inner_text("[data-testid=stage]")
        assert "元" not in page.inner_text("main")
        _touch_targets_fit(page, "main .btn, main textarea, main input[type=file]")

        # an observation with a photo, put on the ledger
        page.fill("#text", "沟槽回填未分层压实，路面下沉")
        page.set_input_files(
            "#photos",
            [{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": encode(scene(21))}],
        )
        page.check("#open_item")
        click_and_wait(page, "[data-action=observe]")
        assert "转入问题台账" in flash(page)
        item = RectificationItem.objects.get(source=ItemSource.VILLAGE_SUPERVISOR)
        assert item.responsible_organisation_id == project.contractor_id
        assert "待整改" in page.inner_text("[data-testid=item-status]")
        assert page.query_selector("[data-testid=observation] img") is not None
        screenshot(page, "village-observation-phone")

        # the contractor fixes it and the street office closes it: the phone shows it
        item_submit(actor=contractor, item_id=item.pk, evidence="已分层回填压实")
        item_close(actor=d.street_zhenhai, item_id=item.pk)
        approvals.project_transition(
            actor=contractor, project_id=project.pk, name="declare_complete"
        )
        lab_test_record(actor=d.lab, project_id=project.pk, pass_rate="98", report_no="JC-9")
        page.reload()
        assert "已销号" in page.inner_text("[data-testid=item-status]")

        # the acceptance signature
        _touch_targets_fit(page, "[data-action=village-sign]")
        page.fill("#opinion", "路面平整，同意验收")
        click_and_wait(page, "[data-action=village-sign]")
        assert "已签字" in flash(page)
        assert "林老师" in page.inner_text("[data-testid=signature]")
        screenshot(page, "village-signed-phone")

    signature = AcceptanceSignature.objects.get(project=project)
    assert signature.signer == lin and signature.opinion == "路面平整，同意验收"
    acceptance_record(
        actor=d.street_zhenhai,
        project_id=project.pk,
        participants=[{"name": "王工", "organisation": "正诚监理", "role": "supervisor"}],
        conclusion="同意验收",
    )
    acceptance = Acceptance.objects.get(project=project)
    assert [s.signer for s in acceptance.signatures.all()] == [lin]
