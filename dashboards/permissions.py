"""Who may open the discipline dashboards: discipline and audit officers, read-only over all."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.choices import Role


def may_use_dashboards(user) -> bool:
    return user.is_authenticated and user.is_active and user.role == Role.DISCIPLINE_OFFICER


def access_dashboards(user) -> None:
    if not may_use_dashboards(user):
        raise PermissionDenied


def discipline_required(view):
    """Log-in first, then the role; everything else answers 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        access_dashboards(request.user)
        return view(request, *args, **kwargs)

    return wrapped
