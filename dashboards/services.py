"""The discipline dashboards' only writes: the log of officers' reads, and re-verifying the
audit chain (which keeps a head)."""

from django.db import transaction
from django.db.models import Model

from core.heads import take_head
from core.models import AuditHead

from .events import chain_verified_event, discipline_read_event


def discipline_read_record(
    *, actor, page: str, path: str, filters: dict | None = None, obj: Model | None = None
) -> None:
    """纪检监察 reads are themselves evidence: who looked at what, with which filters."""
    with transaction.atomic(durable=True):
        discipline_read_event(actor=actor, page=page, path=path, filters=filters or {}, obj=obj)


def audit_chain_reverify(*, actor) -> AuditHead:
    """Verify the chains now and keep their heads, as the nightly job does: from the last signed
    head on (seconds, whatever the size of the chains; docs/audit.md)."""
    with transaction.atomic(durable=True):
        head = take_head()
        chain_verified_event(actor=actor, head=head)
    return head
