"""开工条件: the documents a site needs before work starts (docs/rules.md §3), recorded by the
street office or the project's contractor while the project waits to start."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ConflictError
from core.uploads import check_documents

from ..choices import ProjectStatus, StartItem
from ..events import start_document_recorded_event
from ..models import StartDocument
from ..permissions import access_project
from ..rules import is_project_contractor, is_street_staff_of


def start_document_record(
    *, actor, project_id: int, item: str, upload, reference: str = ""
) -> StartDocument:
    """File one 开工条件's document; a newer one replaces the one on file. Who may, first; then
    what was sent."""
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not (is_street_staff_of(project, actor) or is_project_contractor(project, actor)):
            raise PermissionDenied
        if project.status != ProjectStatus.CONTRACTED:
            raise ConflictError(_("合同备案后、开工前才能上传开工条件文件。"))
        if item not in StartItem.values:
            raise ValidationError({"item": _("请选择开工条件。")})
        if not upload:
            raise ValidationError({"file": _("请选择要上传的文件。")})
        check_documents([upload])
        reference = (reference or "").strip()[:100]
        document = StartDocument.objects.filter(project=project, item=item).first()
        before = (
            {
                "start_item": item,
                "start_file": document.original_name,
                "start_reference": document.reference,
            }
            if document
            else {}
        )
        document = document or StartDocument(project=project, item=item)
        document.file = upload
        document.original_name = upload.name[:255]
        document.reference = reference
        document.uploaded_by = actor
        document.save()
        start_document_recorded_event(
            actor=actor,
            project=project,
            before=before,
            after={
                "start_item": item,
                "start_file": document.original_name,
                "start_reference": reference,
            },
        )
    return document
