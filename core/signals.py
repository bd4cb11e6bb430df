"""Signals through which the middle apps announce facts to the layers above them, which they
may not import (docs/architecture.md, "Layers")."""

from django.dispatch import Signal

# "Something about this project changed that may change its risk": sent inside the writer's
# transaction; performance/ listens and enqueues a recomputation through the outbox.
project_changed = Signal()


def announce_project_changed(project_id: int | None, *, sender: object = None) -> None:
    if project_id:
        project_changed.send(sender=sender, project_id=project_id)


# "This evidence on this project raised a flag": sent by inspections inside the writer's
# transaction with kind (an approvals FlagKind value), key (what makes two flags the same) and
# summary; approvals/ (a peer it may not import) records it among the flags of the API and lists.
evidence_flagged = Signal()


def announce_evidence_flagged(
    project_id: int, *, kind: str, key: str, summary: str, sender: object = None
) -> None:
    evidence_flagged.send(sender=sender, project_id=project_id, kind=kind, key=key, summary=summary)


# "A decision on this project was made that its filer or requester must act on" (returned for
# revision, refused, a payment request returned): sent inside the writer's transaction;
# performance/ listens and puts the notice in the recipients' notification centre at once.
project_decided = Signal()


def announce_project_decided(project_id: int | None, *, sender: object = None) -> None:
    if project_id:
        project_decided.send(sender=sender, project_id=project_id)
