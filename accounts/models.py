"""Organisations (街道, 部门, 施工/监理/检测单位) and the users who work for them."""

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from core.dates import local_date
from core.models import BaseModel

from .choices import (
    COMPANY_KINDS,
    ELIGIBLE_CREDIT_STATUSES,
    ROLE_ORGANISATION_KINDS,
    CreditStatus,
    OrganisationKind,
    RegionLevel,
    Role,
    StaffPosition,
)
from .validators import validate_credit_code, validate_phone

# How many hexadecimal characters of a token's digest name it to its owner (64 bits: unique
# among one user's tokens, and one-way like the digest itself).
TOKEN_ID_LENGTH = 16


class Region(BaseModel):
    """A province, a city or a district/county (行政区划): one platform serves a whole province,
    and each organisation and project belongs to a district of it (docs/province.md)."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        constraints = [
            models.CheckConstraint(
                condition=Q(level=RegionLevel.PROVINCE, parent__isnull=True)
                | (~Q(level=RegionLevel.PROVINCE) & Q(parent__isnull=False)),
                name="region_parent_by_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Organisation(BaseModel):
    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=OrganisationKind.choices)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_credit_code],
    )
    # The one place approvals and payments read a company's standing from (docs/rules.md §4); written only
    # by the credit service.
    credit_status = models.CharField(
        _("信用状态"), max_length=20, choices=CreditStatus.choices, default=CreditStatus.NORMAL
    )
    # 守信红名单 (docs/credit.md): the last day of the listing in force and the shortened payment
    # review limit it grants (from the performance policy on the day of the decision). Written
    # only by the credit service, read by the payment queue and the shortlists' display.
    red_listed_until = models.DateField(_("守信红名单至"), null=True, blank=True)
    red_list_review_days = models.PositiveSmallIntegerField(
        _("守信单位拨付审核时限（工作日）"), null=True, blank=True
    )
    qualification = models.CharField(_("资质等级"), max_length=200, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=200, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=40, blank=True)
    contact_phone = models.CharField(
        _("联系电话"), max_length=30, blank=True, validators=[validate_phone]
    )
    address = models.CharField(_("注册地址"), max_length=300, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # A village's street office (docs/village-supervision.md); empty for every other kind.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="villages",
        verbose_name=_("所属街道/乡镇"),
    )
    # The region it belongs to: a district for street offices, villages and district
    # departments; a city or the province for their departments, which then see every district
    # under it. Empty (an organisation made before regions) sees and is seen everywhere.
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("所属行政区划"),
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in COMPANY_KINDS], credit_code__isnull=False)
                | ~Q(kind__in=[k.value for k in COMPANY_KINDS]),
                name="company_has_credit_code",
            ),
            models.CheckConstraint(
                condition=Q(kind=OrganisationKind.VILLAGE, parent__isnull=False)
                | (~Q(kind=OrganisationKind.VILLAGE) & Q(parent__isnull=True)),
                name="village_has_street",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_company(self) -> bool:
        return self.kind in COMPANY_KINDS

    def is_red_listed_on(self, day: date) -> bool:
        return self.red_listed_until is not None and day <= self.red_listed_until

    @property
    def is_red_listed(self) -> bool:
        return self.is_red_listed_on(local_date(timezone.now()))

    @property
    def is_eligible(self) -> bool:
        """May be shortlisted, drawn, awarded, contracted or paid: the one place to ask."""
        return self.is_active and self.is_company and self.credit_status in ELIGIBLE_CREDIT_STATUSES


class CompanyStaff(BaseModel):
    """A person of a company's register (名录库), with the certificate the position needs."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="staff", verbose_name=_("单位")
    )
    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("岗位"), max_length=20, choices=StaffPosition.choices)
    certificate_no = models.CharField(_("证书编号"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True, validators=[validate_phone])
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        ordering = ["organisation", "position", "name"]
        verbose_name = _("单位人员")
        verbose_name_plural = _("单位人员")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_position_display()}）"


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("单位"),
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, blank=True)
    phone = models.CharField(_("手机"), max_length=30, blank=True, validators=[validate_phone])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        # Chinese names: family name first, no space.
        return f"{self.last_name}{self.first_name}".strip()

    def clean(self) -> None:
        super().clean()
        if self.role and self.organisation_id is None:
            raise ValidationError({"organisation": _("有角色的用户必须属于一个单位。")})
        if self.role and self.organisation is not None:
            allowed = ROLE_ORGANISATION_KINDS[Role(self.role)]
            if self.organisation.kind not in allowed:
                raise ValidationError({"role": _("该角色不能属于此类单位。")})

    def has_role(self, *roles: str) -> bool:
        return self.is_authenticated and self.is_active and self.role in roles


class ApiToken(AuthToken):
    """An API token: django-rest-knox's, stored only as a SHA-512 digest of the token, with an
    expiry (settings.REST_KNOX). This proxy names it, and shows its owner and a short public id
    (the start of the digest, which cannot be turned back into the token), never the digest."""

    class Meta:
        proxy = True
        ordering = ["-created"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return _("%(user)s 的接口令牌 %(id)s") % {"user": self.user, "id": self.public_id}

    @property
    def public_id(self) -> str:
        return self.digest[:TOKEN_ID_LENGTH]


class VillageSupervisor(BaseModel):
    """An appointment of a 村民监督员 by the street office (seed 001: one or two per village,
    from siting to acceptance). Retiring one ends the appointment and the account; the row
    stays, so who watched which project when is never lost."""

    village = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="supervisor_appointments",
        verbose_name=_("村/社区"),
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("监督员")
    )
    appointed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("任命人")
    )
    ended_at = models.DateTimeField(_("卸任时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(_("卸任原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["village", "created_at"]
        verbose_name = _("村民监督员任命")
        verbose_name_plural = _("村民监督员任命")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="one_active_appointment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.user}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
