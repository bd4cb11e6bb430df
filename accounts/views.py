"""The qualified company directory (名录库), read-only for the district's staff."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .choices import COMPANY_KINDS, OrganisationKind, Role
from .models import CompanyStaff, Organisation

DIRECTORY_READERS = {
    Role.STREET_STAFF,
    Role.DEPT_REVIEWER,
    Role.DRC_OFFICER,
    Role.FINANCE_OFFICER,
    Role.DISCIPLINE_OFFICER,
    Role.ADMIN,
}


@login_required
@require_GET
def directory_view(request):
    if request.user.role not in DIRECTORY_READERS:
        raise PermissionDenied
    kind = request.GET.get("kind", "")
    companies = Organisation.objects.filter(kind__in=[k.value for k in COMPANY_KINDS])
    if kind in OrganisationKind.values:
        companies = companies.filter(kind=kind)
    companies = companies.prefetch_related(
        Prefetch("staff", queryset=CompanyStaff.objects.filter(is_active=True))
    )
    return render(
        request,
        "accounts/directory.html",
        {
            "companies": companies,
            "kind": kind,
            "kinds": [(k.value, k.label) for k in COMPANY_KINDS],
        },
    )
