"""Organisations and users for tests."""

from collections.abc import Callable
from types import SimpleNamespace
from typing import cast

import factory
from stdnum.cn import uscc

from accounts.choices import COMPANY_KINDS, OrganisationKind, Role, StaffPosition
from accounts.models import CompanyStaff, Organisation, User

PASSWORD = "test-pass-123"


def make_credit_code(n: int) -> str:
    base = f"91350304MA{n:07d}"
    return base + uscc.calc_check_digit(base)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"单位{n}")
    kind = OrganisationKind.STREET
    credit_code = factory.LazyAttributeSequence(
        lambda o, n: make_credit_code(n + 100) if o.kind in COMPANY_KINDS else None
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = factory.Sequence(lambda n: f"测试{n}")
    password = factory.django.Password(PASSWORD)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.STREET_STAFF


def district() -> SimpleNamespace:
    org = cast(Callable[..., Organisation], OrganisationFactory)
    zhenhai = org(name="镇海街道", kind=OrganisationKind.STREET)
    gongchen = org(name="拱辰街道", kind=OrganisationKind.STREET)
    zjj = org(name="区住建局", kind=OrganisationKind.DEPARTMENT)
    drc = org(name="区发改局", kind=OrganisationKind.DEPARTMENT)
    fin = org(name="区财政局", kind=OrganisationKind.DEPARTMENT)
    jw = org(name="区纪委监委", kind=OrganisationKind.DEPARTMENT)
    data = org(name="区数据管理局", kind=OrganisationKind.DEPARTMENT)
    builder = org(name="宏达建设", kind=OrganisationKind.CONTRACTOR)
    builder_b = org(name="兴莆市政", kind=OrganisationKind.CONTRACTOR)
    builder_c = org(name="壶兰园林", kind=OrganisationKind.CONTRACTOR)
    super_org = org(name="正诚监理", kind=OrganisationKind.SUPERVISOR)
    staff = {}
    for company, people in (
        (builder, ("project_manager", "safety_officer", "quality_inspector")),
        (builder_b, ("project_manager", "safety_officer", "quality_inspector")),
        (builder_c, ("project_manager", "safety_officer", "quality_inspector")),
        (super_org, ("site_supervisor",)),
    ):
        for position in people:
            staff[(company.name, position)] = CompanyStaff.objects.get_or_create(
                organisation=company,
                position=StaffPosition(position),
                defaults={
                    "name": f"{company.name[:2]}{StaffPosition(position).label}",
                    "certificate_no": f"闽{company.pk:03d}{position[:3].upper()}",
                },
            )[0]
    lab_org = org(name="质量检测中心", kind=OrganisationKind.LAB)
    user = UserFactory
    return SimpleNamespace(
        zhenhai=zhenhai,
        gongchen=gongchen,
        builder=builder,
        builder_b=builder_b,
        builder_c=builder_c,
        super_org=super_org,
        staff=staff,
        street_zhenhai=user(username="street_zhenhai", organisation=zhenhai),
        street_zhenhai_2=user(username="street_zhenhai_2", organisation=zhenhai),
        street_gongchen=user(username="street_gongchen", organisation=gongchen),
        dept=user(username="dept_zjj", organisation=zjj, role=Role.DEPT_REVIEWER),
        expert=user(username="dept_expert", organisation=zjj, role=Role.DEPT_REVIEWER),
        drc=user(username="drc", organisation=drc, role=Role.DRC_OFFICER),
        finance=user(username="finance", organisation=fin, role=Role.FINANCE_OFFICER),
        contractor=user(username="contractor_a", organisation=builder, role=Role.CONTRACTOR),
        supervisor=user(username="supervisor_a", organisation=super_org, role=Role.SUPERVISOR),
        lab=user(username="lab_a", organisation=lab_org, role=Role.LAB),
        discipline=user(username="discipline", organisation=jw, role=Role.DISCIPLINE_OFFICER),
        admin=user(
            username="admin", organisation=data, role=Role.ADMIN, is_staff=True, is_superuser=True
        ),
    )
