"""The project list's filters, shared by the page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from core.forms import FastSelect

from .choices import Category, ProjectStatus, Tier
from .models import Project


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    street = django_filters.ModelChoiceFilter(
        label=_("街道/乡镇"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.STREET),
        widget=FastSelect,
    )
    tier = django_filters.ChoiceFilter(label=_("类别等级"), choices=Tier.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProjectStatus.choices)
    category = django_filters.ChoiceFilter(label=_("类别"), choices=Category.choices)

    class Meta:
        model = Project
        fields = ["q", "street", "tier", "status", "category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = "form-select" if hasattr(field, "choices") else "form-control"
            field.widget.attrs["class"] = css

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(code__icontains=value) | Q(address__icontains=value)
        )
