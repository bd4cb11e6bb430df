"""Who may open, rectify and sign off ledger items: pure predicates, no queries."""

from accounts.choices import Role

LEDGER_OPENERS = {Role.DEPT_REVIEWER, Role.DISCIPLINE_OFFICER, Role.STREET_STAFF, Role.SUPERVISOR}
LEDGER_CLOSERS = {Role.DEPT_REVIEWER, Role.DISCIPLINE_OFFICER, Role.STREET_STAFF}


def may_open_item(actor, source: str) -> bool:
    """The ledger's openers; a 村民监督员 opens items only from their own observations."""
    if actor.role in LEDGER_OPENERS:
        return True
    return actor.role == Role.VILLAGE_SUPERVISOR and source == "village_supervisor"


def is_responsible_for(item, actor) -> bool:
    return actor.is_authenticated and actor.organisation_id == item.responsible_organisation_id


def may_close_item(item, actor) -> bool:
    """销号 by someone who is not the responsible party."""
    if not actor.is_authenticated or actor.role not in LEDGER_CLOSERS:
        return False
    if is_responsible_for(item, actor):
        return False
    if actor.role == Role.STREET_STAFF:
        return item.project is not None and actor.organisation_id == item.project.street_id
    return True


# Reviewers and discipline officers see the photo flags and may open an original (with its
# EXIF time and position); the people who took the photos see the public copies.
PHOTO_FLAG_READERS = {
    Role.STREET_STAFF,
    Role.DEPT_REVIEWER,
    Role.DRC_OFFICER,
    Role.FINANCE_OFFICER,
    Role.DISCIPLINE_OFFICER,
    Role.ADMIN,
}


def may_read_photo_flags(actor) -> bool:
    return actor.is_authenticated and actor.role in PHOTO_FLAG_READERS


# The monthly random plan (双随机): drawn and assigned by the 住建局, read by discipline too.
PLAN_READERS = {Role.DEPT_REVIEWER, Role.DISCIPLINE_OFFICER}


def may_read_plans(actor) -> bool:
    return actor.is_authenticated and actor.role in PLAN_READERS


def may_draw_plans(actor) -> bool:
    return actor.is_authenticated and actor.role == Role.DEPT_REVIEWER
