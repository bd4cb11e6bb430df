"""The budget's summary lines (预算清单汇总), kept by the filing street office while the project
is still its own to edit; they must add up to the declared budget (docs/rules.md §11)."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ConflictError
from core.money import parse_amount

from ..choices import EDITABLE_STATUSES
from ..events import budget_lines_set_event
from ..models import BudgetLine
from ..permissions import access_project
from ..rules import is_street_staff_of

MAX_LINES = 30


def budget_lines_set(
    *, actor, project_id: int, lines: list[tuple[str, object]]
) -> list[BudgetLine]:
    """Replace the project's budget lines; empty rows are ignored. The total must equal the
    declared budget, to the fen."""
    rows = [(str(item).strip(), amount) for item, amount in lines if str(item).strip() or amount]
    if not rows:
        raise ValidationError({"lines": [_("请至少填写一行预算明细。")]})
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": [_("预算明细不超过 %(n)s 行。") % {"n": MAX_LINES}]})
    parsed = []
    for n, (item, amount) in enumerate(rows, start=1):
        if not item or len(item) > 200:
            raise ValidationError(
                {"lines": [_("第 %(n)s 行：请填写清单项目（200 字以内）。") % {"n": n}]}
            )
        try:
            parsed.append((item, parse_amount(amount)))
        except ValidationError as exc:
            raise ValidationError(
                {"lines": [_("第 %(n)s 行：%(error)s") % {"n": n, "error": " ".join(exc.messages)}]}
            ) from None
    total = sum((a for _i, a in parsed), Decimal("0"))
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not is_street_staff_of(project, actor):
            raise PermissionDenied
        if project.status not in EDITABLE_STATUSES:
            raise ConflictError(_("项目已申报，预算明细不能再修改。"))
        if total != project.budget_amount:
            raise ValidationError(
                {
                    "lines": [
                        _("明细合计 %(total)s 元，与申报预算 %(budget)s 元不一致。")
                        % {"total": f"{total:,.2f}", "budget": f"{project.budget_amount:,.2f}"}
                    ]
                }
            )
        before = [[line.item, line.amount] for line in project.budget_lines.all()]
        project.budget_lines.all().delete()
        created = BudgetLine.objects.bulk_create(
            BudgetLine(project=project, position=n, item=item, amount=amount)
            for n, (item, amount) in enumerate(parsed, start=1)
        )
        budget_lines_set_event(
            actor=actor,
            project=project,
            before={"budget_lines": before},
            after={"budget_lines": [[item, amount] for item, amount in parsed]},
        )
    return created
