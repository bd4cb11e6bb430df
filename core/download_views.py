"""The pages of the files made on workers (core.downloads): a user's own files, one file's
page (in the making, then its link), and the file itself. Only the owner reaches any of them;
another user's file is not found."""

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from .downloads import download_fetch, download_get, download_request, downloads_of
from .models import Download

# How often a file's page asks whether the file is ready (seconds).
POLL_SECONDS = 2
# htmx's answer that ends an element's polling (https://htmx.org/docs/#polling).
STOP_POLLING = 286


def download_start(request, *, kind: str, params: dict, title: str) -> HttpResponse:
    """For a page's export link: ask for the file and send the reader to its page."""
    download = download_request(actor=request.user, kind=kind, params=params, title=title)
    return redirect("download", pk=download.pk)


def _own(request, pk: uuid.UUID) -> Download:
    try:
        return download_get(actor=request.user, download_id=pk)
    except Download.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def downloads_view(request):
    files = downloads_of(request.user)
    pending = any(f.pending for f in files)
    response = render(
        request,
        "core/downloads.html",
        {
            "files": files,
            "pending": pending,
            "poll": POLL_SECONDS,
            "keep_days": settings.DOWNLOAD_KEEP_DAYS,
        },
    )
    if request.htmx and not pending:
        response.status_code = STOP_POLLING  # the list is swapped in once more, then left
    return response


@login_required
@require_GET
def download_view(request, pk: uuid.UUID):
    download = _own(request, pk)
    context = {"download": download, "poll": POLL_SECONDS}
    if request.htmx:  # the page asking whether the file is ready: the status part alone
        return render(request, "core/_download_status.html", context)
    return render(request, "core/download.html", context)


@login_required
@require_GET
def download_file_view(request, pk: uuid.UUID):
    try:
        download = download_fetch(actor=request.user, download_id=pk)
    except Download.DoesNotExist:
        raise Http404 from None
    response = FileResponse(
        download.file.open("rb"),
        as_attachment=True,
        filename=download.filename,
        content_type=download.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
