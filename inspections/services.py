"""Writes of site supervision: progress reports."""
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import record_event
from core.errors import ConflictError
from projects.choices import ProjectStatus
from projects.permissions import access_project
from projects.rules import is_project_contractor

from .models import ProgressReport


def progress_report(*, actor, project_id: int, percent, text: str) -> ProgressReport:
    """进度报送 by the project's contractor while work is under way; it sets the progress
    that the payment rules read."""
    try:
        value = Decimal(str(percent)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"percent": _("请填写 0–100 之间的完成百分比。")}) from None
    if not (0 <= value <= 100):
        raise ValidationError({"percent": _("请填写 0–100 之间的完成百分比。")})
    if not text.strip():
        raise ValidationError({"text": _("请填写进度说明。")})
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if not is_project_contractor(project, actor):
            raise PermissionDenied
        if project.status != ProjectStatus.IN_PROGRESS:
            raise ConflictError(_("只有施工中的项目可以报送进度。"))
        report = ProgressReport.objects.create(project=project, percent=value, text=text.strip(),
                                               reported_by=actor)
        before = {"reported_progress": project.reported_progress}
        project.reported_progress = value
        project.save(update_fields=["reported_progress", "updated_at"])
        record_event(actor=actor, verb="progress.reported", obj=project, before=before,
                     after={"reported_progress": value, "text": report.text})
    return report
