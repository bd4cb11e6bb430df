"""Signals through which the middle apps announce facts to the layers above them, which they
may not import (docs/architecture.md, "Layers")."""

from django.dispatch import Signal

# "Something about this project changed that may change its risk": sent inside the writer's
# transaction; performance/ listens and enqueues a recomputation through the outbox.
project_changed = Signal()


def announce_project_changed(project_id: int | None, *, sender: object = None) -> None:
    if project_id:
        project_changed.send(sender=sender, project_id=project_id)
