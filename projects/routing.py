"""The approval route as the projects layer sees it: the questions it asks, and a one-slot registry.

The route table itself (which steps each tier takes, in which order, who signs them, what they
may set, how long they may take) is `approvals.routes`, installed by `ApprovalsConfig.ready()`
when Django starts. The Project state machine (`projects.models`), `projects.rules` and the
review deadline ask `current()`, so that `projects` never imports `approvals`: imports point
down the layers, and the knowledge of the route lives in one room.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class RouteStep(Protocol):
    """One step of a route: what the Project model needs to know of it."""

    @property
    def role(self) -> str: ...

    @property
    def transition(self) -> str: ...

    @property
    def approver_field(self) -> str: ...

    @property
    def sets(self) -> tuple[str, ...]: ...

    @property
    def limit_working_days(self) -> int: ...


class RouteTable(Protocol):
    """What the projects layer asks of the route table."""

    def step_waiting_in(self, status: str, tier: str) -> RouteStep | None:
        """The step a project of this tier waits at in this state (None: not waiting)."""
        ...

    def next_state(self, status: str, tier: str) -> str | None:
        """Where the project goes when the step it waits at is passed."""
        ...

    def takes_review(self, project) -> bool:
        """Whether the project is submitted for review (else the street files it directly)."""
        ...

    def may_pass(self, project, transition: str) -> bool:
        """Whether this named transition passes the step the project waits at."""
        ...

    def refusal(self, project, transition: str) -> str | None:
        """Why the transition is refused here, in the reader's language (None: no route reason)."""
        ...

    def earlier_approver_fields(self, project) -> tuple[str, ...]:
        """The approver fields of the steps before the one the project waits at."""
        ...


_installed: RouteTable | None = None


def install(table: RouteTable | None) -> RouteTable | None:
    """Make `table` the route in force; returns the one it replaces."""
    global _installed
    previous, _installed = _installed, table
    return previous


def current() -> RouteTable:
    if _installed is None:
        raise ImproperlyConfigured(
            "No approval route table is installed: is the approvals app in INSTALLED_APPS?"
        )
    return _installed


@contextmanager
def installed(table: RouteTable) -> Iterator[RouteTable]:
    """Run with another table in force (tests of a route change), then restore the previous."""
    previous = install(table)
    try:
        yield table
    finally:
        install(previous)
