"""Project states, tiers and categories."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    SIMPLE = "simple", _("简易类")
    GENERAL = "general", _("一般类")
    MAJOR = "major", _("重大类")


class Category(models.TextChoices):
    ROAD = "road", _("道路")
    DRAINAGE = "drainage", _("排水")
    GREENING = "greening", _("绿化")
    BUILDING_REPAIR = "building_repair", _("房屋修缮")
    OTHER = "other", _("其他")


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已申报")
    DEPT_APPROVED = "dept_approved", _("初审通过")
    EXPERT_APPROVED = "expert_approved", _("专家论证通过")
    FISCAL_APPROVED = "fiscal_approved", _("财政评审通过")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("不予立项")
    APPROVED = "approved", _("已立项/已备案")
    PROCUREMENT = "procurement", _("采购中")
    CONTRACTED = "contracted", _("合同已备案")
    IN_PROGRESS = "in_progress", _("施工中")
    COMPLETED = "completed", _("已完工待验收")
    ACCEPTED = "accepted", _("已验收")
    SETTLED = "settled", _("已结算")
    ARCHIVED = "archived", _("已归档")
    SUSPENDED = "suspended", _("停工")
    CANCELLED = "cancelled", _("已撤销")


class ProjectClass(models.TextChoices):
    """The kind of works (seed 001): each class adds its own duties to the amount's tier, the
    stricter of the two applying (docs/rules.md §2)."""

    A = "A", _("A类 重点民生")
    B = "B", _("B类 一般性改造")
    C = "C", _("C类 零星维修")


class StartItem(models.TextChoices):
    """开工条件 (seeds 003/004): what a site needs before it opens (docs/rules.md §3)."""

    PERMIT = "permit", _("施工许可证")
    EIA = "eia", _("环境影响评价批复或备案")
    WAGE = "wage", _("农民工工资专用账户或工资保证金")
    DUST = "dust", _("扬尘防治方案")
    SAFETY = "safety", _("安全技术交底记录")


class ProjectStop(models.TextChoices):
    """Why a project is stopped (停工) until something is done (docs/rules.md §2)."""

    TENDER = "tender", _("升级为重大类，须公开招标")
    LOTTERY = "lottery", _("升级为一般类，须抽签或公开招标")
    CEILING = "ceiling", _("超出零星工程范围，须纳入集中管理")


class StopStep(models.TextChoices):
    """Where a re-procurement stands: a new award, then its contract."""

    AWARD = "award", _("待重新采购")
    CONTRACT = "contract", _("待备案新合同")


EDITABLE_STATUSES = {ProjectStatus.DRAFT, ProjectStatus.RETURNED}
# The states in which a project waits for a reviewer; each has a time limit.
REVIEW_STATUSES = (
    ProjectStatus.SUBMITTED,
    ProjectStatus.DEPT_APPROVED,
    ProjectStatus.EXPERT_APPROVED,
    ProjectStatus.FISCAL_APPROVED,
)


class ProcurementMethod(models.TextChoices):
    """How the contractor was chosen (OC4IDS: direct, limited, open)."""

    DIRECT = "direct", _("直接委托")
    LIMITED = "limited", _("备选抽签")
    OPEN = "open", _("公开招标")
    # B类 (seed 001): 竞争性磋商 among at least three suppliers, or a call-off from the
    # district's 定点采购 framework list (docs/rules.md §2).
    COMPETITIVE = "competitive", _("竞争性磋商")
    FRAMEWORK = "framework", _("定点采购")


# The weakest procurement each tier allows (docs/rules.md §2).
TIER_PROCUREMENT: dict[str, ProcurementMethod] = {
    Tier.SIMPLE: ProcurementMethod.DIRECT,
    Tier.GENERAL: ProcurementMethod.LIMITED,
    Tier.MAJOR: ProcurementMethod.OPEN,
}
PROCUREMENT_STRENGTH: dict[str, int] = {
    ProcurementMethod.DIRECT: 0,
    ProcurementMethod.LIMITED: 1,
    ProcurementMethod.COMPETITIVE: 1,
    ProcurementMethod.FRAMEWORK: 1,
    ProcurementMethod.OPEN: 2,
}
# The stop a project's weaker award puts it in, by the procurement its new tier needs; a stop
# is lifted by an award at least that strong and the contract that follows from it.
STOP_FOR_PROCUREMENT: dict[str, ProjectStop] = {
    ProcurementMethod.LIMITED: ProjectStop.LOTTERY,
    ProcurementMethod.OPEN: ProjectStop.TENDER,
}
PROCUREMENT_FOR_STOP: dict[str, ProcurementMethod] = {
    ProjectStop.LOTTERY: ProcurementMethod.LIMITED,
    ProjectStop.TENDER: ProcurementMethod.OPEN,
}
# The procurement a class needs whatever the amount (A: public tender; B: at least a selection
# among several, by its own methods); a class not named adds nothing to its tier's.
CLASS_PROCUREMENT: dict[str, ProcurementMethod] = {
    ProjectClass.A: ProcurementMethod.OPEN,
    ProjectClass.B: ProcurementMethod.LIMITED,
}
# The methods a class adds at the strength it asks: B takes 竞争性磋商 or 定点采购 where its
# tier would allow a direct award, and besides the lottery where its tier asks for one.
CLASS_METHODS: dict[str, dict[ProcurementMethod, tuple[ProcurementMethod, ...]]] = {
    ProjectClass.B: {
        ProcurementMethod.LIMITED: (ProcurementMethod.COMPETITIVE, ProcurementMethod.FRAMEWORK)
    },
}


def required_procurement(tier: str, project_class: str = "") -> ProcurementMethod:
    """The stricter of the tier's procurement and the class's, by strength (the lottery stands
    for its strength; `allowed_procurement` names the methods that meet it)."""
    methods = [TIER_PROCUREMENT[tier]]
    if project_class in CLASS_PROCUREMENT:
        methods.append(CLASS_PROCUREMENT[project_class])
    return max(methods, key=lambda m: PROCUREMENT_STRENGTH[m])


def allowed_procurement(tier: str, project_class: str = "") -> tuple[ProcurementMethod, ...]:
    """The methods a project of this tier and class may be procured by (docs/rules.md §2): at
    the stricter of the two strengths, the tier's own method if it is that strong and the
    methods the class names for it."""
    required = required_procurement(tier, project_class)
    own = TIER_PROCUREMENT[tier]
    methods = [own] if PROCUREMENT_STRENGTH[own] == PROCUREMENT_STRENGTH[required] else []
    methods += CLASS_METHODS.get(project_class, {}).get(required, ())
    return tuple(methods) or (required,)


TIER_RANK: dict[str, int] = {Tier.SIMPLE: 0, Tier.GENERAL: 1, Tier.MAJOR: 2}


class AttachmentKind(models.TextChoices):
    APPLICATION = "application", _("申报材料")
    DRAWING = "drawing", _("图纸")
    BUDGET = "budget", _("预算书")
    OTHER = "other", _("其他")


class PaymentStage(models.TextChoices):
    PROGRESS = "progress", _("进度款")
    FINAL = "final", _("结算款")
    RETENTION = "retention", _("质保金")


class PaymentStatus(models.TextChoices):
    REQUESTED = "requested", _("待审核")
    APPROVED = "approved", _("已审核待支付")
    PAID = "paid", _("已支付")
    RETURNED = "returned", _("已退回")


class RiskColour(models.TextChoices):
    """A project's risk colour (红黄绿, docs/rules.md §9): written by performance's risk rules, read by
    the spot-check plan, the dashboards and their filters."""

    RED = "red", _("红")
    YELLOW = "yellow", _("黄")
    GREEN = "green", _("绿")


class WarningLevel(models.TextChoices):
    """The colour of a warning (预警): the ledger's deadlines (inspections) and the warnings
    job (performance) speak the same three levels."""

    RED = "red", _("红色预警")
    YELLOW = "yellow", _("黄色预警")
    BLUE = "blue", _("蓝色预警")
