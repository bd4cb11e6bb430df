"""The approval route of each tier (docs/rules.md §2) in one declarative table, and the questions asked of it.

Everything that needs to know which steps a project takes, in which order, who signs each one,
what a signer may set, how long a step may take and what an escalated project still lacks reads
`ROUTES` below (through `projects.routing.current()`, where `ApprovalsConfig.ready()` installs
it): the Project state machine's conditions, permissions and targets, the reviewers' queue, the
review deadline and its warning, escalation after a design change, the anomaly lists, the
OC4IDS milestones and the generated `docs/routes.md` (`manage.py routes_doc`).

How a route reads. A project of a tier is submitted into ``ENTRY`` (已申报) and waits there for
the first step of its route; passing a step moves it into that step's ``passed_state``, where it
waits for the next one; passing the last step approves it (``END``, 已立项/已备案). So the state a
step waits in follows from the order and is never written twice. A tier that ``files_directly``
(简易类) is filed by its street office without review (``Project.file``) unless split detection
flagged it (化整为零); then it takes its steps like any other.

A project may wait in a state its own tier's route does not use (its amount was lowered while it
was returned for revision, or a state was set by hand). It is then at the step the next higher
tier's route takes in that state: that step's role decides and may return or reject it, and may
pass the step unless that step concludes the other tier's route (备案 of a 一般类 is not 立项 of a
重大类); such a project is returned for revision and resubmitted on its own route.

Changing a route is a change here, and the test in approvals/tests/test_route_table.py shows that
the state machine, the queues, the deadlines and escalation follow. Two things come with it:

- `docs/routes.md` is generated again (`manage.py routes_doc --write docs/routes.md`); a test
  fails while it differs.
- Projects already on their way are a migration of data. A project waits in a state, and the
  table decides which step that state means for its tier; when the change moves or removes the
  state a waiting project sits in, write a data migration (in `approvals/migrations`, with
  `RunPython` over `Project.objects.filter(tier=..., status__in=[...])`) that moves each waiting
  project to the state of the step it is now at (`status` is protected on the model: update it
  through the queryset), resets `status_changed_at` if the deadline should start afresh, and
  records an audit event per project; and decide whether escalated projects' `escalation_steps`
  are recomputed with `missing_steps()`. Adding a step after the ones a project has passed needs
  nothing for it: it will stop at the new step. A new kind of step (a new state, approver field or
  transition) needs the model first: a `ProjectStatus`, a field, a `@_route_step` method.
"""

from dataclasses import dataclass
from typing import cast

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from projects import routing
from projects.choices import REVIEW_STATUSES, ProjectStatus, Tier

# Each step's time limit, in working days from the day the project began to wait (docs/rules.md §2).
REVIEW_LIMIT = 5
# Where a submitted project waits for its first step (Project.submit leads there), and where
# passing the last step leaves it.
ENTRY = ProjectStatus.SUBMITTED
END = ProjectStatus.APPROVED
# The Project transitions that enter a route, and that file a project without one.
SUBMIT = "submit"
FILE = "file"


@dataclass(frozen=True)
class Step:
    """One step: the approval it gives (`key`, stored in `Project.escalation_steps`)."""

    key: str
    label: Promise
    # The role that signs it.
    role: str
    # The Project transition that passes it.
    transition: str
    # The Project field that records who signed it.
    approver_field: str
    # The state that records it passed, where the next step waits (none needed on a last step).
    passed_state: str = ""
    # What the signer may set on the project while passing it.
    sets: tuple[str, ...] = ()
    limit_working_days: int = REVIEW_LIMIT
    # An escalated project takes it again even if it was passed (else only when it was not).
    retaken_on_escalation: bool = False
    # The OC4IDS milestone code its approval is published under (type "approval").
    milestone: str = ""


@dataclass(frozen=True)
class Route:
    tier: str
    steps: tuple[Step, ...]
    # Filed by the street office without review unless flagged as a possible split.
    files_directly: bool = False

    def waits_in(self, index: int) -> str:
        return ENTRY if index == 0 else self.steps[index - 1].passed_state

    def index_waiting_in(self, status: str) -> int | None:
        for index in range(len(self.steps)):
            if self.waits_in(index) == status:
                return index
        return None

    def state_after(self, index: int) -> str:
        return END if index == len(self.steps) - 1 else self.steps[index].passed_state

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    @property
    def concluded_by(self) -> str:
        """The role whose decision approves a project of this tier (and its design changes)."""
        return self.steps[-1].role


@dataclass(frozen=True)
class RouteTable:
    """The routes, in rising order of tier."""

    routes: tuple[Route, ...]

    def __post_init__(self) -> None:
        problems = []
        if sorted(r.tier for r in self.routes) != sorted(Tier.values):
            problems.append("one route per tier")
        meaning: dict[str, tuple[str, str]] = {}
        for route in self.routes:
            if not route.steps and not route.files_directly:
                problems.append(f"{route.tier}: no steps and not filed directly")
            states = [route.waits_in(i) for i in range(len(route.steps))]
            if len(set(states)) != len(states) or not set(states) <= set(REVIEW_STATUSES):
                problems.append(f"{route.tier}: each step waits in its own review state")
            for step in route.steps:
                seen = meaning.setdefault(step.transition, (step.key, step.approver_field))
                if seen != (step.key, step.approver_field):
                    problems.append(f"{step.transition}: one approval, one approver field")
        if problems:
            raise ImproperlyConfigured("Route table: " + "; ".join(problems))

    # --- where a project stands ---

    def route_for(self, tier: str) -> Route:
        return next(r for r in self.routes if r.tier == tier)

    def _place(self, status: str, tier: str) -> tuple[Route, int] | None:
        """The route and position of the step waited at: the tier's own route, else the
        next higher tier's route that waits in this state (see the module's docstring)."""
        own = self.route_for(tier)
        for route in self.routes[self.routes.index(own) :]:
            index = route.index_waiting_in(status)
            if index is not None:
                return route, index
        return None

    def step_waiting_in(self, status: str, tier: str) -> Step | None:
        place = self._place(status, tier)
        return place[0].steps[place[1]] if place else None

    def next_state(self, status: str, tier: str) -> str | None:
        place = self._place(status, tier)
        return place[0].state_after(place[1]) if place else None

    def takes_review(self, project) -> bool:
        route = self.route_for(project.tier)
        return bool(route.steps) and (not route.files_directly or project.split_flagged)

    def may_pass(self, project, transition: str) -> bool:
        place = self._place(project.status, project.tier)
        if place is None:
            return False
        route, index = place
        if route.steps[index].transition != transition:
            return False
        borrowed = route.tier != project.tier
        return not (borrowed and route.state_after(index) == END)

    def earlier_approver_fields(self, project) -> tuple[str, ...]:
        place = self._place(project.status, project.tier)
        if place is None:
            return ()
        route, index = place
        return tuple(s.approver_field for s in route.steps[:index])

    def refusal(self, project, transition: str) -> str | None:
        tier = Tier(project.tier).label
        if transition == SUBMIT and not self.takes_review(project):
            return gettext("%(tier)s项目无需申报审批，请直接备案。") % {"tier": tier}
        if transition == FILE and self.takes_review(project):
            return gettext("只有%(tiers)s项目可由街道直接备案；疑似化整为零的项目须申报审批。") % {
                "tiers": "、".join(str(Tier(r.tier).label) for r in self.routes if r.files_directly)
            }
        step = self.step_waiting_in(project.status, project.tier)
        if step is None or transition not in self.step_transitions():
            return None
        if step.transition != transition:
            return gettext("%(tier)s项目当前等待“%(step)s”（%(role)s），不能执行此操作。") % {
                "tier": tier,
                "step": step.label,
                "role": Role(step.role).label,
            }
        if not self.may_pass(project, transition):
            return gettext("%(tier)s项目的审批路线没有“%(step)s”，请退回修改后重新提交。") % {
                "tier": tier,
                "step": step.label,
            }
        return None

    # --- escalation: a design change lifted the project into a higher tier ---

    def missing_steps(self, project, tier: str) -> list[str]:
        """The steps of `tier`'s route an escalated project still needs, in route order."""
        return [
            s.key
            for s in self.route_for(tier).steps
            if s.retaken_on_escalation or not getattr(project, f"{s.approver_field}_id")
        ]

    def escalation_step(self, project) -> Step | None:
        """The next missing step of an escalated project."""
        if not project.escalation_steps:
            return None
        route = self.route_for(project.escalated_to or project.tier)
        return route.step(project.escalation_steps[0])

    def escalation_earlier_fields(self, project) -> tuple[str, ...]:
        step = self.escalation_step(project)
        if step is None:
            return ()
        route = self.route_for(project.escalated_to or project.tier)
        return tuple(s.approver_field for s in route.steps[: route.steps.index(step)])

    # --- across all routes ---

    def waiting_states(self) -> tuple[str, ...]:
        states = {r.waits_in(i) for r in self.routes for i in range(len(r.steps))}
        return tuple(s for s in ProjectStatus.values if s in states)

    def waiting_for(self, role: str) -> list[tuple[str, str]]:
        """The (state, tier) pairs in which a project waits for this role's decision."""
        return [
            (status, route.tier)
            for route in self.routes
            for status in self.waiting_states()
            if (step := self.step_waiting_in(status, route.tier)) and step.role == role
        ]

    def steps(self) -> list[Step]:
        """Every distinct step, in route order."""
        seen: dict[str, Step] = {}
        for route in self.routes:
            for step in route.steps:
                seen.setdefault(step.transition, step)
        return list(seen.values())

    def step_transitions(self) -> list[str]:
        return [s.transition for s in self.steps()]

    def inputs(self) -> tuple[str, ...]:
        """Every field some step lets its signer set."""
        return tuple(dict.fromkeys(f for s in self.steps() for f in s.sets))

    def approver_fields(self) -> list[tuple[str, str]]:
        """Each approver field, with the steps that fill it ("发改局备案/发改局立项")."""
        labels: dict[str, list[str]] = {}
        for step in self.steps():
            names = labels.setdefault(step.approver_field, [])
            if str(step.label) not in names:
                names.append(str(step.label))
        return [(f, "/".join(names)) for f, names in labels.items()]

    def milestone(self, transition: str) -> str:
        return next((s.milestone for s in self.steps() if s.transition == transition), "")


# --- the table ---------------------------------------------------------------------------

DEPT_REVIEW = Step(
    key="dept",
    label=_("主管部门初审"),
    role=Role.DEPT_REVIEWER,
    transition="dept_approve",
    approver_field="dept_approved_by",
    passed_state=ProjectStatus.DEPT_APPROVED,
    milestone="departmentReview",
)
# Organised by the same department (区住建局): another of its reviewers signs it.
EXPERT_REVIEW = Step(
    key="expert",
    label=_("专家论证"),
    role=Role.DEPT_REVIEWER,
    transition="expert_approve",
    approver_field="expert_approved_by",
    passed_state=ProjectStatus.EXPERT_APPROVED,
    sets=("reviewed_budget",),
    milestone="expertReview",
)
FISCAL_REVIEW = Step(
    key="fiscal",
    label=_("财政评审"),
    role=Role.FINANCE_OFFICER,
    transition="fiscal_approve",
    approver_field="fiscal_approved_by",
    passed_state=ProjectStatus.FISCAL_APPROVED,
    sets=("approved_budget",),
    milestone="fiscalReview",
)
# The 发改局's decision is taken again on escalation: 备案 of a 一般类 is not 立项 of a 重大类.
DRC_FILING = Step(
    key="drc",
    label=_("发改局备案"),
    role=Role.DRC_OFFICER,
    transition="drc_file",
    approver_field="drc_approved_by",
    retaken_on_escalation=True,
    milestone="drcFiling",
)
DRC_APPROVAL = Step(
    key="drc",
    label=_("发改局立项"),
    role=Role.DRC_OFFICER,
    transition="drc_approve",
    approver_field="drc_approved_by",
    retaken_on_escalation=True,
    milestone="drcApproval",
)

ROUTES = RouteTable(
    (
        Route(Tier.SIMPLE, (DEPT_REVIEW,), files_directly=True),
        Route(Tier.GENERAL, (DEPT_REVIEW, EXPERT_REVIEW, DRC_FILING)),
        Route(Tier.MAJOR, (DEPT_REVIEW, EXPERT_REVIEW, FISCAL_REVIEW, DRC_APPROVAL)),
    )
)


# --- helpers for the layers above: they read the table in force ---------------------------


def table() -> RouteTable:
    return cast(RouteTable, routing.current())


def route_for(tier: str) -> Route:
    return table().route_for(tier)


def step_waiting_in(status: str, tier: str) -> Step | None:
    return table().step_waiting_in(status, tier)


def step_of(project) -> Step | None:
    """The step the project waits at, if it waits for a review."""
    return table().step_waiting_in(project.status, project.tier)


def next_state(status: str, tier: str) -> str | None:
    return table().next_state(status, tier)


def missing_steps(project, tier: str) -> list[str]:
    return table().missing_steps(project, tier)
