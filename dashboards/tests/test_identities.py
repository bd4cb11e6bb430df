"""Shared identities and conflicts of interest (issue #18 point 2): planted cases and the
look-alikes beside them (a business park's street address, a common name, two postings one after
the other)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.choices import OrganisationKind, Role
from accounts.models import CompanyStaff, Organisation
from accounts.tests.factories import OrganisationFactory, UserFactory
from accounts.validators import validate_phone
from approvals.models import Tender, TenderBid
from approvals.tests.helpers import contracted_general
from dashboards.anomalies import KINDS
from projects.models import Contract, Project

pytestmark = pytest.mark.django_db


def _rows(slug):
    return KINDS[slug].rows(Project.objects.all())


def _bidders(district, *companies):
    """Companies that bid on a tender (active in the lists)."""
    project = contracted_general(district)
    tender = Tender.objects.create(
        project=project,
        notice_date=date(2026, 11, 2),
        winner=companies[0],
        reason="综合评分第一",
        recorded_by=district.dept,
    )
    for n, company in enumerate(companies):
        TenderBid.objects.create(tender=tender, bidder=company, amount=Decimal(100000 + n * 1000))


def _company(name, **identity):
    return OrganisationFactory(name=name, kind=OrganisationKind.CONTRACTOR, **identity)


def test_companies_sharing_an_account_or_a_telephone_are_listed_and_look_alikes_are_not(
    district,
):
    # planted: one bank account written two ways; one telephone with and without +86
    a = _company("莆阳建设", bank_account="6222 0211 0000 1234 567", contact_phone="0594-2688001")
    b = _company("木兰溪工程", bank_account="6222021100001234567")
    c = _company("壶山建筑", contact_phone="+86 0594 2688001")
    # look-alikes: the same business park, other rooms; a common name as legal representative
    d = _company("荔园建设", address="荔城区科技园A座301室", legal_representative="王伟")
    e = _company("城厢建设", address="荔城区科技园 A座 502室", legal_representative="王伟")
    # a company sharing everything but never contracting or bidding is not listed
    _company("闲置公司", bank_account="6222021100001234567")
    _bidders(district, a, b, c, d, e)

    rows = _rows("shared-identities")
    listed = {frozenset(r.cells[:2]): r for r in rows}
    assert set(listed) == {frozenset({a.name, b.name}), frozenset({a.name, c.name})}
    assert listed[frozenset({a.name, b.name})].cells[2] == "银行账号"
    assert listed[frozenset({a.name, c.name})].cells[2] == "联系电话"


def test_a_common_name_counts_only_with_another_shared_fact(district):
    a = _company("莆阳建设", legal_representative="王伟", address="荔城区镇海街道梅园路8号")
    b = _company("木兰溪工程", legal_representative="王 伟", address="荔城区镇海街道梅园路 8 号")
    c = _company("壶山建筑", legal_representative="王伟")
    _bidders(district, a, b, c)
    rows = _rows("shared-identities")
    assert [sorted(r.cells[:2]) for r in rows] == [sorted([a.name, b.name])]
    assert rows[0].cells[2] == "法定代表人、注册地址" and rows[0].strength == 2


def test_a_supervisor_tied_to_the_contractor_it_supervises(district):
    project = contracted_general(district)
    contract = Contract.objects.get(project=project)
    Organisation.objects.filter(pk=contract.supervision_unit_id).update(
        legal_representative="陈明", address="荔城区拱辰街道东园路12号"
    )
    Organisation.objects.filter(pk=contract.contractor_id).update(
        legal_representative="陈明", address="荔城区拱辰街道东园路12号"
    )
    rows = _rows("supervision-ties")
    assert [r.project.pk for r in rows] == [project.pk]
    assert "法定代表人、注册地址" in rows[0].why
    # another contractor with nothing in common is not listed
    Organisation.objects.filter(pk=contract.contractor_id).update(
        legal_representative="林强", address="涵江区"
    )
    assert _rows("supervision-ties") == []


def test_company_people_with_a_street_officers_telephone(district):
    project = contracted_general(district)
    contract = Contract.objects.get(project=project)
    officer = UserFactory(
        username="street_relative",
        organisation=district.street_zhenhai.organisation,
        role=Role.STREET_STAFF,
        last_name="黄",
        first_name="丽",
        phone="13905941234",
    )
    CompanyStaff.objects.create(
        organisation=contract.contractor, name="黄强", position="other", phone="139 0594 1234"
    )
    # look-alike: a namesake of the officer with another telephone
    CompanyStaff.objects.create(
        organisation=contract.contractor, name="黄丽", position="other", phone="13800000000"
    )
    rows = _rows("awarder-ties")
    assert len(rows) == 1 and "黄强" in rows[0].cells[3]
    assert officer.get_full_name() in rows[0].why


def test_one_certificate_on_two_overlapping_contracts(district):
    first = contracted_general(district)
    second = contracted_general(district)
    # the same company's project manager and safety officer on both (the lottery may have
    # drawn two companies: the second contract is given the first's people)
    a = Contract.objects.get(project=first)
    Contract.objects.filter(project=second).update(
        contractor=a.contractor,
        project_manager=a.project_manager,
        safety_officer=a.safety_officer,
        quality_inspector=a.quality_inspector,
        start_date=date(2027, 4, 1),
        end_date=date(2027, 6, 30),
    )
    # one after the other: nothing listed
    assert _rows("certificate-lending") == []
    # overlapping by a month: each of the three is listed, with the overlap
    Contract.objects.filter(project=second).update(start_date=date(2027, 3, 1))
    rows = _rows("certificate-lending")
    assert len(rows) == 3
    assert all(r.cells[4] == "2027-03-01 — 2027-03-31" for r in rows)
    assert {r.cells[2].split(" ", 1)[1] for r in rows} == {"项目经理", "专职安全员", "质检员"}


def test_one_certificate_registered_at_two_companies(district):
    first = contracted_general(district)
    second = contracted_general(district)
    a, b = Contract.objects.get(project=first), Contract.objects.get(project=second)
    if a.contractor_id == b.contractor_id:
        other = district.builder_b if a.contractor_id != district.builder_b.pk else district.builder
        Contract.objects.filter(pk=b.pk).update(contractor=other)
        b.refresh_from_db()
    lent = CompanyStaff.objects.create(
        organisation=b.contractor, name="郑工", position="safety_officer", certificate_no="粤A123"
    )
    original = CompanyStaff.objects.get(pk=a.safety_officer_id)
    CompanyStaff.objects.filter(pk=original.pk).update(certificate_no="粤 A123", name="郑工")
    Contract.objects.filter(pk=b.pk).update(safety_officer=lent)
    rows = [r for r in _rows("certificate-lending") if "粤" in r.cells[1]]
    assert len(rows) == 1 and "两家单位" in rows[0].why


@pytest.mark.parametrize("good", ["13905941234", "0594-2688001", "05942688001", "010-12345678-123"])
def test_telephone_formats_accepted(good):
    validate_phone(good)


@pytest.mark.parametrize("bad", ["12345", "2688001", "139059412345", "电话"])
def test_telephone_formats_refused(bad):
    with pytest.raises(ValidationError):
        validate_phone(bad)
