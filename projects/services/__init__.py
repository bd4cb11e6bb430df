"""Every write of the projects app, by section; callers import from here."""

from .budget import budget_lines_set
from .classes import (
    project_village_set,
    tracker_set,
    village_decision_record,
    village_result_publish,
)
from .filing import (
    EDITABLE_FIELDS,
    amount_tier_preview,
    available_transitions,
    irreversible_transitions,
    project_class_set,
    project_create,
    project_update,
    transition_names,
    user_transitions,
)
from .funds import (
    payment_approve,
    payment_mark_paid,
    payment_request,
    payment_return,
    project_counting_budget,
    settlement_record,
    settlement_review_issue,
)
from .start import start_document_record

__all__ = [
    "EDITABLE_FIELDS",
    "amount_tier_preview",
    "available_transitions",
    "budget_lines_set",
    "irreversible_transitions",
    "payment_approve",
    "payment_mark_paid",
    "payment_request",
    "payment_return",
    "project_class_set",
    "project_counting_budget",
    "project_create",
    "project_update",
    "project_village_set",
    "settlement_record",
    "settlement_review_issue",
    "start_document_record",
    "tracker_set",
    "transition_names",
    "user_transitions",
    "village_decision_record",
    "village_result_publish",
]
