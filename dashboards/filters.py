"""The dashboard's filters: one set shared by the charts, the map, the lists and the exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from projects.choices import Category, ProjectStatus, RiskColour, Tier
from projects.models import Project


class DashboardFilter(django_filters.FilterSet):
    street = django_filters.ModelChoiceFilter(
        label=_("街道/乡镇"), queryset=Organisation.objects.filter(kind=OrganisationKind.STREET)
    )
    tier = django_filters.ChoiceFilter(label=_("类别等级"), choices=Tier.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProjectStatus.choices)
    category = django_filters.ChoiceFilter(label=_("类别"), choices=Category.choices)
    risk_colour = django_filters.ChoiceFilter(label=_("风险等级"), choices=RiskColour.choices)
    contractor = django_filters.ModelChoiceFilter(
        label=_("施工单位"), queryset=Organisation.objects.filter(kind=OrganisationKind.CONTRACTOR)
    )
    filed_from = django_filters.DateFilter(
        label=_("创建日期自"), field_name="created_at", lookup_expr="date__gte"
    )
    filed_to = django_filters.DateFilter(
        label=_("创建日期至"), field_name="created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Project
        fields = [
            "street",
            "tier",
            "status",
            "category",
            "risk_colour",
            "contractor",
            "filed_from",
            "filed_to",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.form.fields.items():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if hasattr(field, "choices")
                else "form-control form-control-sm"
            )
            if name.startswith("filed_"):
                field.widget.input_type = "date"

    @property
    def active(self) -> dict[str, str]:
        """The filters actually applied (valid and non-empty), for exports and the read log."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        return {
            name: str(self.data[name])
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "")
        }
