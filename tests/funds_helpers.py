"""A project under way with a 100,000 元 contract and its contractor's account."""

from accounts.choices import Role
from accounts.models import Organisation
from accounts.tests.factories import UserFactory
from approvals import services as approvals
from approvals.tests.helpers import contracted_general
from inspections.services import progress_report
from projects.tests.factories import ready_to_start

ACCOUNT = "35050161000000001234"


def under_way(district, *, progress="40", contract_amount="100000"):
    project = contracted_general(district, contract_amount=contract_amount)
    Organisation.objects.filter(pk=project.contractor_id).update(bank_account=ACCOUNT)
    contractor = UserFactory(
        username=f"pm_{project.pk}", organisation=project.contractor, role=Role.CONTRACTOR
    )
    ready_to_start(project, district.street_zhenhai)
    approvals.project_transition(
        actor=district.street_zhenhai, project_id=project.pk, name="start_work"
    )
    if progress:
        progress_report(
            actor=contractor, project_id=project.pk, percent=progress, text="路面铺设完成过半"
        )
    project.refresh_from_db()
    return project, contractor


RESIDENTS = [
    {"name": "林阿姨", "organisation": "文献社区", "role": "resident_representative"},
    {"name": "王工", "organisation": "正诚监理", "role": "supervisor"},
]


def accepted(district, project, contractor):
    from inspections.services import acceptance_record, lab_test_record

    approvals.project_transition(actor=contractor, project_id=project.pk, name="declare_complete")
    lab_test_record(
        actor=district.lab, project_id=project.pk, pass_rate="100", report_no="JC-2027-001"
    )
    acceptance_record(
        actor=district.street_zhenhai,
        project_id=project.pk,
        participants=RESIDENTS,
        conclusion="同意验收",
    )
    project.refresh_from_db()
    return project
