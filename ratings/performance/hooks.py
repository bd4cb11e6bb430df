"""What other apps call when a project's risk may have changed: the colour is recomputed by a
task after their commit (through the outbox, so a broker outage loses nothing). The nightly
recomputation covers everything else."""

from .outbox import enqueue


def project_risk_changed(project_id: int | None) -> None:
    if project_id:
        enqueue("ratings.performance.tasks.risk_recompute", project_ids=[project_id])
