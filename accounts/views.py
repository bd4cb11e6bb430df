"""The qualified company directory (名录库), read-only for the district's staff; each user's own
API tokens (the account menu), listed and revocable; a street office's villages and their
村民监督员; and the public page that verifies a signed PDF (电子签章验证)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from core.errors import ApplicationError
from core.pages import run_and_return
from core.replica import replica_reads
from core.security import client_ip

from .choices import COMPANY_KINDS, Channel, OrganisationKind, Role
from .models import CompanyStaff, Organisation
from .permissions import is_street_staff
from .selectors import token_list, village_list
from .services import (
    VILLAGE_SUPERVISORS_MAX,
    document_verify,
    token_revoke,
    tokens_revoke_all,
    village_create,
    village_supervisor_appoint,
    village_supervisor_retire,
)

DIRECTORY_READERS = {
    Role.STREET_STAFF,
    Role.DEPT_REVIEWER,
    Role.DRC_OFFICER,
    Role.FINANCE_OFFICER,
    Role.DISCIPLINE_OFFICER,
    Role.ADMIN,
}


@replica_reads
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


@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request):
    """我的接口令牌: the user's live tokens; POST `token=<id>` revokes one, `all` every one."""
    if request.method == "POST":
        if "all" in request.POST:
            count = tokens_revoke_all(actor=request.user, via=Channel.PAGE)
            messages.success(request, _("已吊销全部接口令牌（%(count)d 个）。") % {"count": count})
        else:
            token_revoke(
                actor=request.user, token_id=request.POST.get("token", ""), via=Channel.PAGE
            )
            messages.success(request, _("已吊销该接口令牌。"))
        return redirect("accounts:tokens")
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": token_list(request.user),
            "idle_minutes": int(settings.API_TOKEN_IDLE.total_seconds() // 60),
            "max_hours": int(settings.API_TOKEN_MAX_AGE.total_seconds() // 3600),
        },
    )


@require_http_methods(["GET", "POST"])
def verify_document_view(request):
    """电子签章验证: anyone (residents and auditors receive the PDFs too) uploads a PDF and learns
    whether its signature is valid, the file unchanged, who signed it and when. Size-limited and
    rate-limited per address; junk gets a message, never an error page."""
    context: dict = {"max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
    if request.method == "POST":
        upload = request.FILES.get("document")
        status = 200
        if is_ratelimited(
            request,
            group="accounts.verify",
            key=lambda _group, r: client_ip(r),
            rate=settings.VERIFY_RATE_LIMIT,
            method="POST",
            increment=True,
        ):
            context["error"] = _("核验次数过多，请稍后再试。")
            status = 429
        elif upload is None:
            context["error"] = _("请选择要核验的 PDF 文件。")
            status = 400
        elif upload.size > settings.ATTACHMENT_MAX_BYTES:
            context["error"] = _("文件超过 %(mb)s MB，不是本平台出具的文件。") % {
                "mb": context["max_mb"]
            }
            status = 400
        else:
            check = document_verify(actor=request.user, data=upload.read())
            context.update(check=check, verdict=check.verdict, name=upload.name[:100])
        return render(request, "accounts/verify.html", context, status=status)
    return render(request, "accounts/verify.html", context)


def _villages_page(request, *, issued=None, status=200):
    if not is_street_staff(request.user):
        raise PermissionDenied
    return render(
        request,
        "accounts/villages.html",
        {
            "villages": village_list(street_id=request.user.organisation_id),
            "max_supervisors": VILLAGE_SUPERVISORS_MAX,
            "issued": issued,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def villages_view(request):
    """村/社区与村民监督员: the street office's villages, who supervises each, and a form to add
    a village (docs/village-supervision.md)."""
    if request.method == "POST":
        return run_and_return(
            request,
            lambda: village_create(actor=request.user, name=request.POST.get("name", "")),
            _("村（社区）已保存。"),
            reverse("accounts:villages"),
        )
    return _villages_page(request)


@login_required
@require_POST
def village_appoint_view(request, village_id):
    """Appoint a 村民监督员; the page answers with the first password, shown this once."""
    try:
        done = village_supervisor_appoint(
            actor=request.user,
            village_id=village_id,
            full_name=request.POST.get("full_name", ""),
            phone=request.POST.get("phone", ""),
            username=request.POST.get("username", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已任命村民监督员 %(name)s。") % {"name": done.appointment.user}
        )
        if done.password:
            return _villages_page(request, issued=done)
    return redirect("accounts:villages")


@login_required
@require_POST
def village_retire_view(request, appointment_id):
    return run_and_return(
        request,
        lambda: village_supervisor_retire(
            actor=request.user,
            appointment_id=appointment_id,
            reason=request.POST.get("reason", ""),
        ),
        _("已办理村民监督员卸任。"),
        reverse("accounts:villages"),
    )
