"""Kinds of organisation, user roles and company credit states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    STREET = "street", _("街道/乡镇")
    DEPARTMENT = "department", _("主管部门")
    CONTRACTOR = "contractor", _("施工单位")
    SUPERVISOR = "supervisor", _("监理单位")
    LAB = "lab", _("检测机构")
    # 设计单位 (seed 004: credit for 建设、设计、施工、监理): named on a project's filing with its
    # design documents; no users of their own, credit only.
    DESIGN = "design", _("设计单位")
    # A village or community (村/社区) under a street office: its residents' level, where the
    # village supervisors (村民监督员) belong (docs/village-supervision.md).
    VILLAGE = "village", _("村/社区")


class RegionLevel(models.TextChoices):
    """The administrative levels a province's platform knows (docs/province.md)."""

    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区/县")


class Role(models.TextChoices):
    STREET_STAFF = "street_staff", _("街道经办人")
    DEPT_REVIEWER = "dept_reviewer", _("主管部门审核人")
    DRC_OFFICER = "drc_officer", _("发改局经办人")
    FINANCE_OFFICER = "finance_officer", _("财政局经办人")
    CONTRACTOR = "contractor", _("施工单位人员")
    SUPERVISOR = "supervisor", _("监理人员")
    LAB = "lab", _("检测机构人员")
    DISCIPLINE_OFFICER = "discipline_officer", _("纪检监察/审计人员")
    ADMIN = "admin", _("平台管理员")
    VILLAGE_SUPERVISOR = "village_supervisor", _("村民监督员")


# Which organisation kinds each role may belong to; checked in User.clean().
ROLE_ORGANISATION_KINDS = {
    Role.STREET_STAFF: {OrganisationKind.STREET},
    Role.DEPT_REVIEWER: {OrganisationKind.DEPARTMENT},
    Role.DRC_OFFICER: {OrganisationKind.DEPARTMENT},
    Role.FINANCE_OFFICER: {OrganisationKind.DEPARTMENT},
    Role.CONTRACTOR: {OrganisationKind.CONTRACTOR},
    Role.SUPERVISOR: {OrganisationKind.SUPERVISOR},
    Role.LAB: {OrganisationKind.LAB},
    Role.DISCIPLINE_OFFICER: {OrganisationKind.DEPARTMENT},
    Role.ADMIN: {OrganisationKind.DEPARTMENT},
    Role.VILLAGE_SUPERVISOR: {OrganisationKind.VILLAGE},
}

COMPANY_KINDS = (
    OrganisationKind.CONTRACTOR,
    OrganisationKind.SUPERVISOR,
    OrganisationKind.LAB,
    OrganisationKind.DESIGN,
)


class CreditStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    WARNED = "warned", _("警示")
    BLACKLISTED = "blacklisted", _("黑名单")
    SUSPENDED = "suspended", _("暂停资格")


class StaffPosition(models.TextChoices):
    PROJECT_MANAGER = "project_manager", _("项目经理")
    SAFETY_OFFICER = "safety_officer", _("专职安全员")
    QUALITY_INSPECTOR = "quality_inspector", _("质检员")
    SITE_SUPERVISOR = "site_supervisor", _("现场监理")
    OTHER = "other", _("其他")


# Companies in these states can be shortlisted, drawn, awarded, contracted and paid (docs/rules.md §4).
ELIGIBLE_CREDIT_STATUSES = (CreditStatus.NORMAL, CreditStatus.WARNED)


class Channel(models.TextChoices):
    """Where an account event came from (log-ins, token revocations)."""

    API = "api", _("接口")
    PAGE = "page", _("平台页面")
    ADMIN = "admin", _("管理后台")
