"""The residents' side's audit verbs (moderation, reviews, reports) and the function that
records each; the services call these, never record_event itself."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import record_event
from core.events import EventField, choice_label, verbs

from .choices import RatingFlag, RatingStatus, ReportOutcome


@verbs(
    fields={
        "status": EventField(_("状态"), choices=RatingStatus),
        "flags": EventField(_("疑点"), show=choice_label(RatingFlag)),
        "mean": _("平均分"),
        "count": _("有效评价数"),
        "threshold": _("复核分数线"),
        "ledger_item": EventField(_("问题台账"), show=lambda v: f"#{v}"),
        "anonymous": _("匿名"),
        "reference": _("举报编号"),
        "outcome": EventField(_("核查结论"), choices=ReportOutcome),
        "outcome_note": _("核查情况"),
        "reward_amount": _("奖励金额（元）"),
        "reward_paid_on": _("奖励发放日期"),
        "reward_note": _("奖励说明"),
    }
)
class RatingEvents(models.TextChoices):
    RELEASED = "rating.released", _("评价审核放行")
    REJECTED = "rating.rejected", _("评价审核不计入")
    REVIEW_OPENED = "rating.review_opened", _("低分启动复核")
    REVIEW_DECIDED = "rating.review_decided", _("低分复核结论")
    REPORT_RECEIVED = "report.received", _("收到群众举报")
    REPORT_CONCLUDED = "report.concluded", _("举报核查结论")
    REPORT_REWARDED = "report.rewarded", _("举报奖励发放")


# The decision a moderator takes on held ratings, and its verb.
MODERATION_VERBS = {"release": RatingEvents.RELEASED, "reject": RatingEvents.REJECTED}


def rating_moderated_event(*, actor, rating, decision: str, before: dict, after: dict):
    return record_event(
        actor=actor, verb=MODERATION_VERBS[decision], obj=rating, before=before, after=after
    )


def review_opened_event(*, review, after: dict):
    """Opened by the platform when the counted mean falls too low."""
    return record_event(actor=None, verb=RatingEvents.REVIEW_OPENED, obj=review, after=after)


def review_decided_event(*, actor, review, after: dict):
    return record_event(actor=actor, verb=RatingEvents.REVIEW_DECIDED, obj=review, after=after)


def report_received_event(*, report, after: dict):
    """A resident's report, anonymous or not: no user is the actor."""
    return record_event(actor=None, verb=RatingEvents.REPORT_RECEIVED, obj=report, after=after)


def report_concluded_event(*, actor, report, after: dict):
    return record_event(actor=actor, verb=RatingEvents.REPORT_CONCLUDED, obj=report, after=after)


def report_rewarded_event(*, actor, report, after: dict):
    return record_event(actor=actor, verb=RatingEvents.REPORT_REWARDED, obj=report, after=after)
