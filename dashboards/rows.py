"""What every anomaly list is made of (dashboards/anomalies.py, dashboards/identities.py): the
period it looks at, its rows with their reason, evidence and strength."""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from projects.models import Project


@dataclass(frozen=True)
class Period:
    """The days a list looks at (both ends included, Shanghai dates); open ends are unbounded."""

    since: date | None = None
    until: date | None = None

    def q(self, field: str, *, is_date: bool = False) -> Q:
        lookup = field if is_date else f"{field}__date"
        bounds = Q()
        if self.since:
            bounds &= Q(**{f"{lookup}__gte": self.since})
        if self.until:
            bounds &= Q(**{f"{lookup}__lte": self.until})
        return bounds

    def contains(self, day: date) -> bool:
        return not (self.since and day < self.since) and not (self.until and day > self.until)


ALL_TIME = Period()


@dataclass
class Row:
    project: Project | None
    cells: list
    why: str
    evidence: list[tuple[str, str]] = field(default_factory=list)
    # How far past the rule's threshold the row is, in the rule's own measure (1.0 = at the
    # threshold); None for rules that are met or not (the same person approving, an override).
    strength: Decimal | None = None

    @property
    def key(self) -> str:
        """What makes this row the same row tomorrow: its evidence links (the objects it is
        about) and its project, not its wording or figures, which may move."""
        ident = "|".join(
            [str(self.project.pk if self.project else "")] + [u for _l, u in self.evidence]
        )
        return hashlib.sha256(ident.encode()).hexdigest()[:32]


def project_links(project: Project) -> list[tuple[str, str]]:
    return [
        (
            _("项目 %(code)s") % {"code": project.code or project.pk},
            reverse("projects:detail", args=[project.pk]),
        ),
        (_("审计时间线"), reverse("dashboards:timeline", args=[project.pk])),
    ]


def person_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""
