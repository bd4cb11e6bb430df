"""Every write of the inspections app, by section; callers import from here."""

from .completion import acceptance_certificate_issue, acceptance_record, lab_test_record
from .ledger import (
    item_add,
    item_assess,
    item_carry_over,
    item_close,
    item_open,
    item_send_back,
    item_stage_complete,
    item_start,
    item_submit,
)
from .rounds import round_close, round_create, round_feedback
from .site import (
    PATROL_LOG_MAX_AGE_DAYS,
    RESIDENT_REPRESENTATIVE,
    patrol_log_record,
    progress_report,
    record_missing_patrol_logs,
)
from .spot_checks import (
    draw_plan,
    plan_assign,
    plan_candidates,
    plan_create,
    plan_for,
    plan_month_draft,
    plan_rates,
    plan_redraw,
    plan_redraw_matches,
    spot_check_record,
)
from .village import (
    OBSERVATION_DEADLINE_DAYS,
    acceptance_sign,
    village_observation_open_item,
    village_observation_record,
)

__all__ = [
    "OBSERVATION_DEADLINE_DAYS",
    "PATROL_LOG_MAX_AGE_DAYS",
    "RESIDENT_REPRESENTATIVE",
    "acceptance_certificate_issue",
    "acceptance_record",
    "acceptance_sign",
    "draw_plan",
    "item_add",
    "item_assess",
    "item_carry_over",
    "item_close",
    "item_open",
    "item_send_back",
    "item_stage_complete",
    "item_start",
    "item_submit",
    "lab_test_record",
    "patrol_log_record",
    "plan_assign",
    "plan_candidates",
    "plan_create",
    "plan_for",
    "plan_month_draft",
    "plan_rates",
    "plan_redraw",
    "plan_redraw_matches",
    "progress_report",
    "record_missing_patrol_logs",
    "round_close",
    "round_create",
    "round_feedback",
    "spot_check_record",
    "village_observation_open_item",
    "village_observation_record",
]
