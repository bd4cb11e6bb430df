"""The discipline dashboards' only writes: the log of officers' reads, and re-verifying the
audit chain (which keeps a head)."""

from django.db import transaction
from django.db.models import Model

from core.audit import record_event, take_head
from core.models import AuditHead

READ_VERB = "discipline.read"


def discipline_read_record(
    *, actor, page: str, path: str, filters: dict | None = None, obj: Model | None = None
) -> None:
    """纪检监察 reads are themselves evidence: who looked at what, with which filters."""
    with transaction.atomic():
        record_event(
            actor=actor,
            verb=READ_VERB,
            obj=obj,
            object_type="" if obj is not None else "dashboards.page",
            object_id="" if obj is not None else page,
            after={"page": page, "path": path, "filters": filters or {}},
        )


def audit_chain_reverify(*, actor) -> AuditHead:
    """Verify the whole chain now and keep the head, as the nightly job does."""
    with transaction.atomic():
        head = take_head()
        record_event(
            actor=actor,
            verb="audit.chain_verified",
            obj=head,
            after={
                "intact": head.intact,
                "head_seq": head.seq,
                "hash": head.hash,
                "broken_seq": head.broken_seq,
            },
        )
    return head
