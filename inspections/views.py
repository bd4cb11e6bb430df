"""Site supervision pages. So far: the contractor's progress report."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError

from . import services


@login_required
@require_POST
def progress_report_view(request, pk):
    try:
        services.progress_report(actor=request.user, project_id=pk,
                                 percent=request.POST.get("percent", ""),
                                 text=request.POST.get("text", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("进度已报送。"))
    return redirect("projects:detail", pk=pk)
