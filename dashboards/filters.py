"""The dashboard's filters: one set shared by the charts, the map, the lists and the exports."""

from datetime import date, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganisationKind, RegionLevel
from accounts.models import Organisation, Region
from accounts.selectors import districts_under
from core.forms import FastSelect
from core.periods import Quarter
from projects.choices import Category, ProjectStatus, RiskColour, Tier
from projects.models import Project


class DashboardFilter(django_filters.FilterSet):
    # The province's, a city's or a district's view (docs/province.md): the regions offered are
    # those under the officer's own.
    region = django_filters.ModelChoiceFilter(
        label=_("行政区划"), queryset=Region.objects.none(), method="in_region", widget=FastSelect
    )
    street = django_filters.ModelChoiceFilter(
        label=_("街道/乡镇"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.STREET),
        widget=FastSelect,
    )
    tier = django_filters.ChoiceFilter(label=_("类别等级"), choices=Tier.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProjectStatus.choices)
    category = django_filters.ChoiceFilter(label=_("类别"), choices=Category.choices)
    risk_colour = django_filters.ChoiceFilter(label=_("风险等级"), choices=RiskColour.choices)
    contractor = django_filters.ModelChoiceFilter(
        label=_("施工单位"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.CONTRACTOR),
        widget=FastSelect,
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
            "region",
            "street",
            "tier",
            "status",
            "category",
            "risk_colour",
            "contractor",
            "filed_from",
            "filed_to",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.exclude(level=RegionLevel.PROVINCE)
        own = getattr(getattr(user, "organisation", None), "region_id", None)
        self.own_region = own
        if own is not None:
            regions = regions.filter(Q(pk=own) | Q(parent_id=own) | Q(parent__parent_id=own))
        self.filters["region"].queryset = regions
        self.form.fields["region"].queryset = regions
        if own is not None:
            streets = self.form.fields["street"].queryset.filter(region__in=districts_under(own))
            self.filters["street"].queryset = streets
            self.form.fields["street"].queryset = streets
        for name, field in self.form.fields.items():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if hasattr(field, "choices")
                else "form-control form-control-sm"
            )
            if name.startswith("filed_"):
                field.widget.input_type = "date"

    @property
    def scoped(self) -> bool:
        """Whether the officer's own region already narrows the projects."""
        return self.own_region is not None

    def districts(self) -> list[int] | None:
        """The districts this view covers: the chosen region's, else the officer's own; None
        for every one (no region, or the province's own view: nothing to narrow)."""
        region = self.form.cleaned_data.get("region") if self.active else None
        under = region.pk if region is not None else self.own_region
        if under is None:
            return None
        rows = Region.objects.filter(
            Q(pk=under) | Q(parent_id=under) | Q(parent__parent_id=under)
        ).values_list("pk", "level")
        if (under, RegionLevel.PROVINCE) in rows:
            return None
        return [pk for pk, level in rows if level == RegionLevel.DISTRICT]

    def in_region(self, queryset, _name, region):
        return queryset.filter(district__in=districts_under(region.pk))

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


PERIODS = [
    ("", _("全部时间")),
    ("quarter", _("本季度")),
    ("last_quarter", _("上季度")),
    ("year", _("本年度")),
    ("last_year", _("上年度")),
    ("custom", _("自定义")),
]


class PeriodForm(forms.Form):
    """The period an anomaly list looks at: a quarter, a year, or days of one's own choosing."""

    period = forms.ChoiceField(label=_("期间"), choices=PERIODS, required=False)
    since = forms.DateField(label=_("自"), required=False, widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(label=_("至"), required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field, forms.ChoiceField)
                else "form-control form-control-sm"
            )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("期间的开始日期不能晚于结束日期。"))
        return data

    def bounds(self, today: date) -> tuple[date | None, date | None]:
        """The first and last day of the chosen period (None: open); all time when invalid."""
        if not self.is_bound or not self.is_valid():
            return None, None
        choice = self.cleaned_data.get("period") or ""
        this = Quarter.of(today)
        if choice == "quarter":
            return this.start, this.last_day
        if choice == "last_quarter":
            last = Quarter.of(this.start - timedelta(days=1))
            return last.start, last.last_day
        if choice == "year":
            return date(today.year, 1, 1), date(today.year, 12, 31)
        if choice == "last_year":
            return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        if choice == "custom" or self.cleaned_data.get("since") or self.cleaned_data.get("until"):
            return self.cleaned_data.get("since"), self.cleaned_data.get("until")
        return None, None
