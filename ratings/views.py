"""The residents' pages (no login): the public project page (阳光公示), rating and reporting;
and the staff's: site sign and QR downloads, moderation, reports, review outcomes."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited

from accounts.choices import Role
from core.dates import local_date
from core.errors import ApplicationError
from core.exports import XLSX
from core.pages import run_and_return
from core.replica import replica_reads
from core.security import client_ip
from core.security import event as security_event
from inspections.models import Photo
from projects.permissions import access_project
from projects.public import public_url

from . import services
from .abuse import device_of, remember_device
from .documents import SIGN_SIZES, qr_png, qr_svg, reports_xlsx, rewards_xlsx, sign_pdf
from .models import Rating
from .selectors import (
    MODERATOR_ROLES,
    REWARD_READERS,
    access_report,
    access_review,
    current_policy,
    held_ratings,
    phone_check_required,
    public_disclosure,
    public_photos,
    public_project,
    public_project_facts,
    rating_summary,
    rating_window,
    report_list,
    report_status,
    reward_list,
)

REPORT_READERS = {Role.STREET_STAFF, Role.DISCIPLINE_OFFICER}


def limited(request, group: str, rate: str) -> bool:
    """Count this request against the client address's allowance (django-ratelimit, on the
    cache: Redis in production); True when it is over."""
    over = is_ratelimited(
        request,
        group=group,
        key=lambda _group, r: client_ip(r),
        rate=rate,
        method="POST",
        increment=True,
    )
    if over:
        security_event("rate_limited", request, group=group, path=request.path)
    return over


@require_GET
def public_page_view(request, token):
    project = public_project(token)
    today = local_date(timezone.now())
    policy = current_policy(today)
    opens, closes = rating_window(project, policy)
    device = device_of(request)
    already = not device.new and Rating.objects.filter(project=project, device=device.id).exists()
    return render(
        request,
        "ratings/public.html",
        {
            "project": project,
            "contract": getattr(project, "contract", None),
            "disclosure": public_disclosure(project),
            "photos": public_photos(project),
            "faces": FACES,
            "dimensions": [
                ("quality", _("质量")),
                ("progress", _("进度")),
                ("civility", _("文明施工")),
            ],
            "summary": rating_summary(project.pk),
            "rating_open": opens is not None and opens <= today <= closes,
            "opens": opens,
            "closes": closes,
            "already_rated": already,
            "phone_check": phone_check_required(project),
        },
    )


# The residents' scale: five faces, each an explicit score (nothing chosen until they choose).
FACES = [
    (20, "😞", _lazy("很差")),
    (40, "🙁", _lazy("差")),
    (60, "😐", _lazy("一般")),
    (80, "🙂", _lazy("好")),
    (100, "😀", _lazy("很好")),
]


def _back_to_page(project):
    # Every outcome shows at #notice, the top of the rating card, where the page lands.
    return redirect(reverse("ratings:public", args=[project.public_token]) + "#notice")


@require_POST
def public_rate_view(request, token):
    project = public_project_facts(token)
    device = device_of(request, fresh_within=services.FRESH_DEVICE_WINDOW)
    if limited(request, "ratings.rate", settings.RATING_RATE_LIMIT):
        messages.error(request, _("提交过于频繁，请稍后再试。"))
        return _back_to_page(project)
    try:
        services.rating_record(
            project=project,
            device=device.id,
            address=client_ip(request),
            data=services.rating_input(request.POST),
            phone_check=phone_check_required(project),
            fresh_device=device.fresh,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("感谢您的评价！评价经自动核验后计入。"))
    response = _back_to_page(project)
    if device.new:
        remember_device(response, device.id)
    return response


@require_POST
def public_phone_code_view(request, token):
    project = public_project_facts(token)
    if not phone_check_required(project):
        raise Http404
    if limited(request, "ratings.phone", settings.REPORT_RATE_LIMIT):
        messages.error(request, _("提交过于频繁，请稍后再试。"))
        return _back_to_page(project)
    return run_and_return(
        request,
        lambda: services.phone_code_send(
            project=project, phone=request.POST.get("phone", "").strip()
        ),
        _("验证码已发送，请查收短信。"),
        reverse("ratings:public", args=[project.public_token]) + "#notice",
    )


@require_POST
def public_report_view(request, token):
    project = public_project_facts(token)
    if limited(request, "ratings.report", settings.REPORT_RATE_LIMIT):
        messages.error(request, _("提交过于频繁，请稍后再试。"))
        return _back_to_page(project)
    outcome: dict = {}

    def record():
        outcome["report"] = services.report_record(
            project=project,
            text=request.POST.get("text", ""),
            contact=request.POST.get("contact", ""),
            address=client_ip(request),
        )

    response = run_and_return(
        request,
        record,
        _("举报已受理，纪检监察部门将跟进处理。"),
        reverse("ratings:public", args=[project.public_token]) + "#notice",
    )
    if "report" in outcome:  # the thank-you page: the reference to keep, and where to look
        return redirect(
            reverse("ratings:report_status") + "?ref=" + outcome["report"].reference + "&new=1"
        )
    return response


@require_GET
def report_status_view(request):
    """A resident looks a report up by its reference: the status only, nobody's data."""
    reference = request.GET.get("ref", "").strip().upper()[:24]
    found = None
    if reference:
        over = is_ratelimited(
            request,
            group="ratings.report_status",
            key=lambda _group, r: client_ip(r),
            rate=settings.REPORT_LOOKUP_RATE_LIMIT,
            method="GET",
            increment=True,
        )
        if over:
            security_event("rate_limited", request, group="ratings.report_status")
            messages.error(request, _("查询过于频繁，请稍后再试。"))
        else:
            found = report_status(reference)
            if found is None:
                messages.error(request, _("没有找到这个举报编号，请核对后再查。"))
    return render(
        request,
        "ratings/report_status.html",
        {
            "reference": reference,
            "found": found,
            "new": request.GET.get("new") == "1" and found is not None,
            "hotline": settings.SUPERVISION_HOTLINE,
        },
    )


@require_GET
def public_photo_view(request, token, photo_id):
    """The re-encoded copy (no EXIF, no position) of a photo of this project."""
    project = public_project(token)
    photo = Photo.objects.filter(pk=photo_id, project=project).only("public").first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.public.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- staff ----------------------------------------------------------------------------------


@login_required
@require_GET
def sign_view(request, pk):
    project = access_project(request.user, pk)
    size = request.GET.get("size", "A4")
    if size not in SIGN_SIZES:
        raise Http404
    pdf = sign_pdf(
        project=project,
        url=public_url(project, request),
        size=size,
        disclosure=public_disclosure(project),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sign-{project.pk}-{size}.pdf"'
    return response


@login_required
@require_GET
def qr_view(request, pk, fmt):
    project = access_project(request.user, pk)
    url = public_url(project, request)
    if fmt == "png":
        response = HttpResponse(qr_png(url), content_type="image/png")
    elif fmt == "svg":
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="qr-{project.pk}.{fmt}"'
    return response


@replica_reads
@login_required
def moderation_view(request):
    """Held ratings with their flags and original text; release or reject, one or many."""
    ratings = held_ratings(user=request.user)
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("rating") if i.isdigit()]
        return run_and_return(
            request,
            lambda: services.rating_moderate(
                actor=request.user,
                rating_ids=ids,
                decision=request.POST.get("decision", ""),
                note=request.POST.get("note", ""),
            ),
            _("已处理所选评价。"),
            reverse("ratings:moderation"),
        )
    if request.user.role not in MODERATOR_ROLES:
        raise PermissionDenied
    return render(
        request, "ratings/moderation.html", {"ratings": ratings[:500], "total": ratings.count()}
    )


@replica_reads
@login_required
@require_GET
def report_list_view(request):
    # Residents' reports name their contact: only the street office and discipline officers
    # (as in the navigation) read them, never the contractor or supervisor reported on
    # (they could before; found by the access matrix, tests/security).
    if request.user.role not in REPORT_READERS:
        raise PermissionDenied
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(reports_xlsx(report_list(user=request.user)), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="reports.xlsx"'
        return response
    return render(
        request, "ratings/reports.html", {"reports": report_list(user=request.user)[:500]}
    )


@login_required
@require_GET
def report_detail_view(request, report_id):
    report = access_report(request.user, report_id)
    return render(
        request,
        "ratings/report_detail.html",
        {
            "report": report,
            "may_decide": request.user.role == Role.DISCIPLINE_OFFICER,
            "today": timezone.localdate(),
            "reward_max": settings.REPORT_REWARD_MAX,
        },
    )


@login_required
@require_POST
def report_conclude_view(request, report_id):
    report = access_report(request.user, report_id)
    return run_and_return(
        request,
        lambda: services.report_conclude(
            actor=request.user,
            report_id=report.pk,
            confirmed=request.POST.get("confirmed") == "1",
            note=request.POST.get("note", ""),
        ),
        _("核查结论已记录。"),
        reverse("ratings:report", args=[report.pk]),
    )


@login_required
@require_POST
def report_reward_view(request, report_id):
    report = access_report(request.user, report_id)
    try:
        paid_on = date.fromisoformat(request.POST.get("paid_on", ""))
    except ValueError:
        paid_on = None
    return run_and_return(
        request,
        lambda: services.report_reward_grant(
            actor=request.user,
            report_id=report.pk,
            amount=request.POST.get("amount", ""),
            paid_on=paid_on,
            note=request.POST.get("note", ""),
        ),
        _("奖励已登记。"),
        reverse("ratings:report", args=[report.pk]),
    )


@replica_reads
@login_required
@require_GET
def reward_list_view(request):
    """举报奖励台账: every reward granted, with Excel export (discipline, finance)."""
    if request.user.role not in REWARD_READERS:
        raise PermissionDenied
    rewards = reward_list()
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(rewards_xlsx(rewards), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="report-rewards.xlsx"'
        return response
    return render(request, "ratings/rewards.html", {"rewards": rewards[:500]})


@login_required
@require_POST
def review_decide_view(request, review_id):
    review = access_review(request.user, review_id)
    return run_and_return(
        request,
        lambda: services.review_decide(
            actor=request.user, review_id=review.pk, outcome=request.POST.get("outcome", "")
        ),
        _("复核结论已记录。"),
        reverse("projects:detail", args=[review.project_id]),
    )
