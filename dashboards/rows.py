"""What every anomaly list is made of (dashboards/anomalies.py, dashboards/identities.py): the
period it looks at, its rows with their reason, evidence and strength."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property, lru_cache

from django.db.models import Q
from django.urls import get_script_prefix, reverse
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


@dataclass
class LazyRow:
    """A row of a long list whose cells, reason and evidence are built only when shown: the
    list is sorted by strength and paged (dashboards/views.py), so at 50,000 projects only the
    page's rows pay for their wording and links (the Excel export builds them all)."""

    strength: Decimal | None
    build: Callable[[], Row]
    # A list that reads no project names keeps the row's project id and a names dict shared by
    # its rows, filled for the rows about to be shown by `name_projects` (one query a page).
    project_id: int | None = None
    names: dict[int, tuple[str | None, str]] | None = None

    @cached_property
    def row(self) -> Row:
        return self.build()

    @property
    def project(self) -> Project | None:
        return self.row.project

    @property
    def cells(self) -> list:
        return self.row.cells

    @property
    def why(self) -> str:
        return self.row.why

    @property
    def evidence(self) -> list[tuple[str, str]]:
        return self.row.evidence

    @property
    def key(self) -> str:
        return self.row.key


_PK = 999_999_937  # a stand-in id, replaced in the reversed URL (cheaper than a reverse a row)


def _url(name: str, pk) -> str:
    return _url_pattern(name, get_script_prefix()).replace(str(_PK), str(pk))


@lru_cache(maxsize=64)
def _url_pattern(name: str, _prefix: str) -> str:
    return reverse(name, args=[_PK])


def project_links(project: Project) -> list[tuple[str, str]]:
    return [
        (
            _("项目 %(code)s") % {"code": project.code or project.pk},
            _url("projects:detail", project.pk),
        ),
        (_("审计时间线"), _url("dashboards:timeline", project.pk)),
    ]


def person_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# A list's rows: built at once, or when shown.
AnyRow = Row | LazyRow


def stand_in(project_id: int, code: str | None, name: str) -> Project:
    """An unsaved project with what a row shows, for lists that read values, not models."""
    return Project(pk=project_id, code=code, name=name)


def name_projects(rows) -> None:
    """Name, in one query, the projects of the rows about to be shown (a page, an export, the
    row a lead is opened on) for lists that read no names for their tens of thousands of rows."""
    shared: dict[int, dict] = {}
    wanted: set[int] = set()
    for row in rows:
        if isinstance(row, LazyRow) and row.names is not None and row.project_id is not None:
            shared[id(row.names)] = row.names
            if row.project_id not in row.names:
                wanted.add(row.project_id)
    if not wanted:
        return
    found = _names(wanted)
    for names in shared.values():
        names.update(found)


def project_named(names: dict[int, tuple[str | None, str]], project_id: int) -> Project:
    """The stand-in of a row's project from its list's names (one query for a row that was not
    named beforehand, so that a row is always right)."""
    if project_id not in names:
        names.update(_names({project_id}))
    return stand_in(project_id, *names[project_id])


def _names(ids: set[int]) -> dict[int, tuple[str | None, str]]:
    return {
        pk: (code, name)
        for pk, code, name in Project.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    }
