"""The navigation bar: which entries each role sees."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role

# (url name, label, roles that see it; None = every signed-in user)
_ENTRIES = [
    ("home", _("工作台"), None),
    ("dashboards:discipline", _("纪检看板"), {Role.DISCIPLINE_OFFICER}),
    (
        "projects:list",
        _("项目"),
        {
            Role.STREET_STAFF,
            Role.DEPT_REVIEWER,
            Role.DRC_OFFICER,
            Role.FINANCE_OFFICER,
            Role.CONTRACTOR,
            Role.SUPERVISOR,
            Role.LAB,
            Role.DISCIPLINE_OFFICER,
        },
    ),
    ("projects:create", _("项目申报"), {Role.STREET_STAFF}),
    ("inspections:village", _("村民监督"), {Role.VILLAGE_SUPERVISOR}),
    ("accounts:villages", _("村民监督员"), {Role.STREET_STAFF}),
    ("inspections:capture", _("现场记录"), {Role.SUPERVISOR, Role.CONTRACTOR}),
    (
        "approvals:flags",
        _("预警标记"),
        {Role.DISCIPLINE_OFFICER, Role.DEPT_REVIEWER, Role.DRC_OFFICER, Role.FINANCE_OFFICER},
    ),
    (
        "inspections:ledger",
        _("问题台账"),
        {
            Role.STREET_STAFF,
            Role.DEPT_REVIEWER,
            Role.CONTRACTOR,
            Role.SUPERVISOR,
            Role.DISCIPLINE_OFFICER,
        },
    ),
    ("inspections:rounds", _("巡察"), {Role.DISCIPLINE_OFFICER}),
    ("inspections:plans", _("抽检计划"), {Role.DEPT_REVIEWER, Role.DISCIPLINE_OFFICER}),
    ("ratings:moderation", _("评价审核"), {Role.STREET_STAFF, Role.DISCIPLINE_OFFICER}),
    ("ratings:reports", _("群众举报"), {Role.DISCIPLINE_OFFICER, Role.STREET_STAFF}),
    ("ratings:rewards", _("举报奖励"), {Role.DISCIPLINE_OFFICER, Role.FINANCE_OFFICER}),
    ("projects:payment_queue", _("待办拨付"), {Role.FINANCE_OFFICER}),
    (
        "projects:payment_ledger",
        _("拨付台账"),
        {Role.FINANCE_OFFICER, Role.DISCIPLINE_OFFICER, Role.STREET_STAFF, Role.CONTRACTOR},
    ),
    (
        "accounts:directory",
        _("名录库"),
        {
            Role.STREET_STAFF,
            Role.DEPT_REVIEWER,
            Role.DRC_OFFICER,
            Role.FINANCE_OFFICER,
            Role.DISCIPLINE_OFFICER,
            Role.ADMIN,
        },
    ),
    ("performance:ranking", _("绩效排名"), None),
    ("performance:warnings", _("预警中心"), None),
    (
        "performance:credit",
        _("信用管理"),
        {
            Role.STREET_STAFF,
            Role.DEPT_REVIEWER,
            Role.DRC_OFFICER,
            Role.FINANCE_OFFICER,
            Role.DISCIPLINE_OFFICER,
            Role.ADMIN,
        },
    ),
    ("api-docs", _("接口文档"), {Role.ADMIN, Role.DISCIPLINE_OFFICER}),
]


# At most this many entries stand in the bar; the rest go under "更多" (a discipline officer has
# 15: in one row they wrapped into one-character columns at 1366 px).
TOP_ENTRIES = 7


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_more": [], "nav_more_active": False}
    path = request.path
    items = []
    for name, label, roles in _ENTRIES:
        if roles is not None and user.role not in roles:
            continue
        if name == "home" and user.role == Role.VILLAGE_SUPERVISOR:
            continue  # their start page is 村民监督 (the home page sends them there)
        url = reverse(name)
        active = path == url if name == "home" else path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("系统管理"), "active": False})
    if len(items) <= TOP_ENTRIES:
        return {"nav_items": items, "nav_more": [], "nav_more_active": False}
    top, more = items[: TOP_ENTRIES - 1], items[TOP_ENTRIES - 1 :]
    return {
        "nav_items": top,
        "nav_more": more,
        "nav_more_active": any(item["active"] for item in more),
    }
