"""Every write of the approvals app, by section; callers import from here."""

from .changes import change_decide, change_request, escalation_approve
from .contracts import CONTRACT_STAFF, contract_file
from .procurement import (
    consultation_record,
    direct_award,
    framework_order,
    lottery_commit,
    lottery_draw,
    lottery_reveal,
    lottery_shortlist,
    tender_record,
)
from .schedule import extension_decide, extension_request
from .transitions import (
    SPLIT_CHECKED_TRANSITIONS,
    project_transition,
    split_check,
)

__all__ = [
    "CONTRACT_STAFF",
    "SPLIT_CHECKED_TRANSITIONS",
    "change_decide",
    "change_request",
    "consultation_record",
    "contract_file",
    "direct_award",
    "escalation_approve",
    "extension_decide",
    "extension_request",
    "framework_order",
    "lottery_commit",
    "lottery_draw",
    "lottery_reveal",
    "lottery_shortlist",
    "project_transition",
    "split_check",
    "tender_record",
]
