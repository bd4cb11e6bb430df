"""Who may fire which project transition: pure predicates on (project, user), no queries."""
from accounts.choices import Role


def is_street_staff_of(project, user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.STREET_STAFF
        and user.organisation_id is not None
        and user.organisation_id == project.street_id
    )
