"""Decisions someone must act on reach their notification centre at once (#16 point 2): a return
for revision and a refusal to the street office that filed, a returned payment request to the
organisation that asked; each goes when acted on (resubmitted, asked again)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from approvals.services import project_transition
from performance.choices import WarningKind
from performance.models import Warning, WarningRecipient
from projects.services import payment_request, payment_return, project_update
from projects.tests.factories import make_project
from tests.funds_helpers import under_way

pytestmark = pytest.mark.django_db


def _open(kind, project):
    return Warning.objects.filter(kind=kind, project=project, resolved_at__isnull=True)


def test_a_return_is_in_the_filers_notices_at_once_with_its_reason_and_goes_on_resubmission(
    district, client, django_capture_on_commit_callbacks
):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    with django_capture_on_commit_callbacks(execute=True):
        project_transition(actor=district.street_zhenhai, project_id=project.pk, name="submit")
    with django_capture_on_commit_callbacks(execute=True):
        project_transition(
            actor=district.dept,
            project_id=project.pk,
            name="return_for_revision",
            comment="预算书缺少工程量清单",
        )
    (notice,) = _open(WarningKind.RETURNED, project)
    assert WarningRecipient.objects.filter(warning=notice, user=district.street_zhenhai).exists()
    assert not WarningRecipient.objects.filter(warning=notice, user=district.street_gongchen)
    client.force_login(district.street_zhenhai)
    page = client.get(reverse("performance:warnings")).content.decode()
    assert "被退回修改：预算书缺少工程量清单" in page
    project_update(
        actor=district.street_zhenhai, project_id=project.pk, data={"description": "补充清单"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        project_transition(actor=district.street_zhenhai, project_id=project.pk, name="resubmit")
    assert not _open(WarningKind.RETURNED, project).exists()


def test_a_refusal_is_in_the_filers_notices(district, django_capture_on_commit_callbacks):
    project = make_project(district.street_zhenhai, budget_amount=Decimal("120000"))
    project_transition(actor=district.street_zhenhai, project_id=project.pk, name="submit")
    with django_capture_on_commit_callbacks(execute=True):
        project_transition(
            actor=district.dept, project_id=project.pk, name="reject", comment="不属于零星工程"
        )
    (notice,) = _open(WarningKind.REFUSED, project)
    assert notice.params["reason"] == "不属于零星工程"
    assert WarningRecipient.objects.filter(warning=notice, user=district.street_zhenhai).exists()


def test_a_returned_payment_is_in_the_requesters_notices_until_asked_again(
    district, django_capture_on_commit_callbacks
):
    project, contractor = under_way(district, progress="40")
    payment = payment_request(
        actor=contractor, project_id=project.pk, stage="progress", amount="40000"
    )
    with django_capture_on_commit_callbacks(execute=True):
        payment_return(actor=district.finance, payment_id=payment.pk, reason="发票抬头有误")
    (notice,) = _open(WarningKind.PAYMENT_RETURNED, project)
    assert notice.params["reason"] == "发票抬头有误"
    assert WarningRecipient.objects.filter(warning=notice, user=contractor).exists()
    with django_capture_on_commit_callbacks(execute=True):
        payment_request(actor=contractor, project_id=project.pk, stage="progress", amount="40000")
    assert not _open(WarningKind.PAYMENT_RETURNED, project).exists()
