"""The 村民监督员's phone pages (docs/village-supervision.md): their village's projects, one
project's public facts with the observation form, their observations and what became of them,
and the acceptance signature. No money is shown here: the public page (linked) is where the
residents' figures are."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import Role
from core.errors import ApplicationError
from core.pages import run_and_return
from projects.choices import ProjectStatus
from projects.permissions import access_village_project, village_projects_visible_to

from . import services
from .models import AcceptanceSignature, Photo
from .selectors import village_observations, village_project_rows


def _supervisor(request):
    if request.user.role != Role.VILLAGE_SUPERVISOR:
        raise Http404
    return request.user


@login_required
@require_GET
def village_home_view(request):
    """The start page: the village's projects with their stage."""
    user = _supervisor(request)
    return render(
        request,
        "inspections/village_home.html",
        {"village": user.organisation, "projects": village_project_rows(user)},
    )


@login_required
@require_GET
def village_project_view(request, pk):
    user = _supervisor(request)
    project = access_village_project(user, pk)
    signatures = list(AcceptanceSignature.objects.filter(project=project).select_related("signer"))
    return render(
        request,
        "inspections/village_project.html",
        {
            "project": project,
            "observations": village_observations(project, user),
            "new_key": uuid.uuid4(),
            "signatures": signatures,
            "signed": any(s.signer_id == user.pk for s in signatures),
            "can_sign": project.status == ProjectStatus.COMPLETED,
            "can_observe": project.status not in services.village.WATCH_CLOSED,
        },
    )


def _to_project(pk: int, anchor: str = "") -> str:
    return reverse("inspections:village_project", args=[pk]) + anchor


@login_required
@require_POST
def village_observation_view(request, pk):
    """The observation form; ValidationErrors come back at the top of the page."""
    _supervisor(request)
    try:
        observation = services.village_observation_record(
            actor=request.user,
            project_id=pk,
            client_key=request.POST.get("client_key"),
            text=request.POST.get("text", ""),
            photos=request.FILES.getlist("photos"),
            open_item=request.POST.get("open_item") == "1",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_to_project(pk, "#observe"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_to_project(pk, "#observe"))
    if observation.ledger_item_id:
        messages.success(request, _("已记录，并转入问题台账交责任单位整改。"))
    else:
        messages.success(request, _("监督情况已记录。"))
    return redirect(_to_project(pk, "#observations"))


@login_required
@require_POST
def village_observation_item_view(request, observation_id):
    user = _supervisor(request)
    project_id = None

    def act():
        nonlocal project_id
        observation = services.village_observation_open_item(
            actor=user, observation_id=observation_id
        )
        project_id = observation.project_id

    try:
        act()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已转入问题台账，交责任单位整改。"))
    if project_id is None:
        return redirect("inspections:village")
    return redirect(_to_project(project_id, "#observations"))


@login_required
@require_POST
def village_sign_view(request, pk):
    _supervisor(request)
    return run_and_return(
        request,
        lambda: services.acceptance_sign(
            actor=request.user, project_id=pk, opinion=request.POST.get("opinion", "")
        ),
        _("已签字。街道验收时将记入验收记录。"),
        _to_project(pk, "#acceptance"),
    )


@login_required
@require_GET
def village_photo_view(request, photo_id):
    """The public copy (no EXIF) of a photo of the supervisor's village's projects."""
    user = _supervisor(request)
    photo = (
        Photo.objects.filter(pk=photo_id, project__in=village_projects_visible_to(user))
        .only("public")
        .first()
    )
    if photo is None:
        raise Http404
    response = FileResponse(photo.public.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response
