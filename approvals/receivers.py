"""What approvals records when another app announces a fact (core.signals)."""

from .models import Flag


def record_evidence_flag(sender, *, project_id: int, kind: str, key: str, summary: str, **kwargs):
    """A flag raised by evidence (a photo far from the site, …): once per cause."""
    Flag.objects.get_or_create(
        project_id=project_id, kind=kind, key=key[:100], defaults={"summary": summary[:500]}
    )
