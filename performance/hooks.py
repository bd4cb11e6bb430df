"""Listening to the middle apps: a project whose risk may have changed has its colour
recomputed by a task after the writer's commit (through the outbox, so a broker outage loses
nothing). The nightly recomputation covers everything else."""

from core.outbox import enqueue


def on_project_changed(sender, *, project_id: int, **kwargs) -> None:
    enqueue("performance.tasks.risk_recompute", project_ids=[project_id])


def on_project_decided(sender, *, project_id: int, **kwargs) -> None:
    enqueue("performance.tasks.decision_notices", project_ids=[project_id])
