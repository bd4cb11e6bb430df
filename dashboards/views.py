"""The start page of each role: what is waiting for them and the projects they can see."""
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_GET

from approvals.selectors import awaiting_review
from projects.permissions import can_file_projects
from projects.selectors import project_list


@login_required
@require_GET
def home_view(request):
    projects, _ = project_list(user=request.user)
    by_status = projects.order_by().values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in by_status}
    return render(request, "dashboards/home.html", {
        "recent": projects[:8],
        "queue": awaiting_review(request.user)[:20],
        "counts": counts,
        "total": sum(counts.values()),
        "can_file": can_file_projects(request.user),
    })
