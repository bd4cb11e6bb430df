"""Writes of the residents' side: a rating with its abuse checks, moderation, reports (举报),
and the review (复核) the platform opens when a project's counted mean falls too low."""

import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import cast

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.translation import gettext as _

from accounts.choices import Role
from core.dates import deadline_after_days, local_date
from core.errors import ConflictError
from core.locks import advisory_lock
from inspections.choices import ItemSource
from inspections.services import item_add
from projects.models import Project

from .abuse import comment_fingerprint, network_of, phone_hash
from .choices import RatingFlag, RatingStatus, ReportOutcome
from .events import (
    MODERATION_VERBS,
    rating_moderated_event,
    report_concluded_event,
    report_received_event,
    report_rewarded_event,
    review_decided_event,
    review_opened_event,
)
from .models import Rating, Report, Review
from .rules import NETWORK_WINDOW, is_low, standing
from .selectors import current_policy, may_moderate, rating_window
from .sms import send_sms

COPY_WINDOW = timedelta(days=7)
# A device whose cookie is younger than this is as good as none; of a project's ratings from
# such devices, one network gets policy.fresh_device_per_network counted in this window.
FRESH_DEVICE_WINDOW = timedelta(hours=24)
PROJECT_WINDOW = timedelta(minutes=10)
REVIEW_DEADLINE_DAYS = 15
REPORT_DEADLINE_DAYS = 10
PHONE_CODE_TTL = 10 * 60
SCREEN_DEBOUNCE = 1  # seconds
# Enqueued by name, as Celery itself publishes it: ratings.tasks imports this module, not back.
SCREEN_TASK = "ratings.tasks.screen_project"
SCREEN_LOCK_CLASS = 7206  # advisory lock namespace of the ratings screening


class AlreadyRated(ConflictError):
    pass


@dataclass(frozen=True)
class RatingInput:
    score: int
    quality: int | None = None
    progress: int | None = None
    civility: int | None = None
    comment: str = ""
    phone: str = ""
    code: str = ""


def _score(value, field: str, *, required: bool, errors: dict) -> int | None:
    if value in (None, ""):
        if required:
            errors[field] = [_("请选择总体评分（点一个表情）。")]
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if not 0 <= number <= 100:
        errors[field] = [_("分数须为 0–100 之间的整数。")]
        return None
    return number


def rating_input(data) -> RatingInput:
    """The form's or the API's fields, checked; a ValidationError names each bad field."""
    errors: dict = {}
    score = _score(data.get("score"), "score", required=True, errors=errors)
    dims = {
        f: _score(data.get(f), f, required=False, errors=errors)
        for f in ("quality", "progress", "civility")
    }
    comment = str(data.get("comment") or "").strip()
    if len(comment) > 500:
        errors["comment"] = [_("评语请不超过 500 字。")]
    if errors:
        raise ValidationError(errors)
    return RatingInput(
        score=cast(int, score),  # required: a missing score has raised above
        comment=comment,
        phone=str(data.get("phone") or "").strip(),
        code=str(data.get("code") or "").strip(),
        **dims,
    )


def _check_open(project: Project, today, policy) -> None:
    opens, closes = rating_window(project, policy)
    if opens is None or today < opens:
        raise ConflictError(_("项目完工后才开放评价。"))
    if today > closes:
        raise ConflictError(_("该项目的评价已于 %(date)s 结束。") % {"date": closes})


def _phone_key(project_id: int, hashed: str) -> str:
    return f"ratings:phone:{project_id}:{hashed}"


def phone_code_send(*, project: Project, phone: str) -> None:
    """Send a six-digit code for the optional phone check; valid for ten minutes."""
    if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        raise ValidationError({"phone": _("请填写 11 位手机号码。")})
    code = get_random_string(6, allowed_chars="0123456789")
    cache.set(_phone_key(project.pk, phone_hash(phone)), code, PHONE_CODE_TTL)
    send_sms(phone, _("您的评价验证码是 %(code)s，10 分钟内有效。") % {"code": code})


def _phone_checked(project: Project, data: RatingInput) -> str:
    if not data.phone or not data.code:
        raise ValidationError({"code": _("请填写手机号和短信验证码。")})
    hashed = phone_hash(data.phone)
    expected = cache.get(_phone_key(project.pk, hashed))
    if expected is None or not constant_time_compare(expected, data.code):
        raise ValidationError({"code": _("验证码不正确或已过期。")})
    cache.delete(_phone_key(project.pk, hashed))
    if Rating.objects.filter(project=project, phone_hash=hashed).exists():
        raise AlreadyRated(_("该手机号已评价过这个项目。"))
    return hashed


def rating_record(
    *,
    project: Project,
    device: str,
    address: str,
    data: RatingInput,
    phone_check: bool = False,
    fresh_device: bool = True,
    policy=None,
) -> Rating:
    """居民扫码评价: one per device (and per phone when the check is on) while the window is
    open. Stored `pending`; the screening (ratings_screen) runs after commit, within about a
    second on a worker, and counts it or holds it for moderation. The request itself stays
    one insert, so a campaign of thousands cannot slow the page for everyone else.
    `fresh_device`: the device came without a cookie or with a young one (abuse.device_of);
    a caller that cannot tell leaves it true."""
    now = timezone.now()
    policy = policy or current_policy(local_date(now))
    _check_open(project, local_date(now), policy)
    hashed_phone = _phone_checked(project, data) if phone_check else ""
    rating = Rating(
        project_id=project.pk,
        score=data.score,
        quality=data.quality,
        progress=data.progress,
        civility=data.civility,
        comment=data.comment,
        device=device,
        fresh_device=fresh_device,
        network=network_of(address),
        comment_hash=comment_fingerprint(data.comment),
        phone_hash=hashed_phone,
    )
    try:
        # One INSERT; a savepoint only inside a caller's transaction (a failed INSERT there
        # must not break it), none in a plain request.
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                rating.save(force_insert=True)
        else:
            rating.save(force_insert=True)
    except IntegrityError:
        raise AlreadyRated(_("您已评价过这个项目，感谢参与。")) from None
    transaction.on_commit(lambda: request_screening(project.pk))
    return rating


_asked: dict[int, float] = {}  # per process: when it last asked for a project's screening


def request_screening(project_id: int) -> None:
    """Enqueue one screening per project per second, however many ratings arrive (the
    screening takes every pending rating of the project at once). A process that asked less
    than a second ago does not even ask the cache."""
    if settings.CELERY_TASK_ALWAYS_EAGER:  # the embedded default: screen at once, inline
        ratings_screen(project_id)
        return
    moment = time.monotonic()
    if moment - _asked.get(project_id, float("-inf")) < SCREEN_DEBOUNCE:
        return
    _asked[project_id] = moment
    if cache.add(f"ratings:screening:{project_id}", 1, timeout=SCREEN_DEBOUNCE):
        current_app.send_task(SCREEN_TASK, args=(project_id,), countdown=SCREEN_DEBOUNCE)


def _hold(ratings, flag: str) -> int:
    """Hold the pending and the counted, never-moderated ratings of a burst (those counted
    before the pattern showed): unflagged until now, they get this flag. Released ones are
    left alone."""
    return ratings.filter(
        status__in=(RatingStatus.PENDING, RatingStatus.COUNTED), moderated_at__isnull=True
    ).update(status=RatingStatus.HELD, flags=[flag], updated_at=timezone.now())


def ratings_screen(project_id: int) -> dict:
    """Screen a project's pending ratings, set-based (a fixed handful of queries however many
    wait): bursts from one network, bursts on the project, copied comments are held with
    everything of the same pattern; repeats from new devices on one network are held beyond
    the first (policy.fresh_device_per_network a day); the rest count. Then the review rule.
    Idempotent; two screenings of one project take turns."""
    now = timezone.now()
    policy = current_policy(local_date(now))
    with transaction.atomic(durable=True):
        # Screenings of one project take turns on an advisory lock, not the project row: new
        # ratings check that row (their foreign key) and must not queue behind a screening.
        advisory_lock(SCREEN_LOCK_CLASS, project_id)
        ratings = Rating.objects.filter(project_id=project_id)
        pending = ratings.filter(status=RatingStatus.PENDING)
        held = 0
        # Each pattern is read first (a short list), then one UPDATE holds its ratings; an
        # UPDATE with the grouping as a sub-query was planned as a nested loop (seconds).
        recent_network = ratings.filter(created_at__gte=now - NETWORK_WINDOW)
        bursts = list(
            recent_network.filter(network__in=pending.values("network"))
            .values("network")
            .annotate(n=Count("id"))
            .filter(n__gte=policy.network_burst)
            .values_list("network", flat=True)
        )
        if bursts:
            held += _hold(recent_network.filter(network__in=bursts), RatingFlag.NETWORK_BURST)
        recent = ratings.filter(created_at__gte=now - PROJECT_WINDOW)
        if recent[: policy.project_burst].count() >= policy.project_burst:
            held += _hold(recent, RatingFlag.PROJECT_BURST)
        copies = Rating.objects.filter(created_at__gte=now - COPY_WINDOW)
        copied = list(
            copies.filter(comment_hash__in=pending.exclude(comment_hash="").values("comment_hash"))
            .values("comment_hash")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("comment_hash", flat=True)
        )
        if copied:
            held += _hold(copies.filter(comment_hash__in=copied), RatingFlag.COPIED_TEXT)
        # Device binding beyond a cookie: without the phone check, a client that drops its
        # cookie (or fetches a new one) looks like a new device each time. Of the ratings from
        # new devices on one network within the window, the first count and the later ones
        # are held; an earlier one stays counted. Those with a checked phone are bound to it.
        fresh = ratings.filter(
            created_at__gte=now - FRESH_DEVICE_WINDOW,
            fresh_device=True,
            phone_hash="",
            network__in=pending.values("network"),
        )
        repeats = list(
            fresh.annotate(
                nth=Window(
                    RowNumber(),
                    partition_by=[F("network")],
                    order_by=[F("created_at").asc(), F("id").asc()],
                )
            )
            .filter(nth__gt=policy.fresh_device_per_network)
            .values_list("pk", flat=True)
        )
        if repeats:
            held += _hold(ratings.filter(pk__in=repeats), RatingFlag.DEVICE_REPEAT)
        counted = pending.update(status=RatingStatus.COUNTED, updated_at=now)
    review_check(project_id, policy=policy)
    return {"held": held, "counted": counted}


def screen_pending(older_than: timedelta = timedelta(seconds=30)) -> int:
    """The safety net: screen every project with a rating left pending (its task lost)."""
    project_ids = (
        Rating.objects.filter(
            status=RatingStatus.PENDING, created_at__lt=timezone.now() - older_than
        )
        .values_list("project_id", flat=True)
        .distinct()
    )
    screened = 0
    for project_id in list(project_ids):
        ratings_screen(project_id)
        screened += 1
    return screened


def rating_moderate(*, actor, rating_ids: list[int], decision: str, note: str = "") -> int:
    """Release held ratings (they count from now on) or reject them; each decision is an audit
    event. The original text is kept either way."""
    if decision not in MODERATION_VERBS:
        raise ValidationError({"decision": _("请选择放行或不计入。")})
    target = RatingStatus.COUNTED if decision == "release" else RatingStatus.REJECTED
    projects = set()
    with transaction.atomic(durable=True):
        ratings = list(
            Rating.objects.filter(pk__in=rating_ids, status=RatingStatus.HELD)
            .select_related("project")
            .select_for_update(of=("self",))
        )
        if not ratings:
            raise ConflictError(_("所选评价已处理，请刷新页面。"))
        if not all(may_moderate(actor, r.project) for r in ratings):
            raise PermissionDenied
        moment = timezone.now()
        for rating in ratings:
            rating.status = target
            rating.moderated_by = actor
            rating.moderated_at = moment
            rating.moderation_note = note.strip()
            projects.add(rating.project_id)
            rating_moderated_event(
                actor=actor,
                rating=rating,
                decision=decision,
                before={"status": RatingStatus.HELD, "flags": rating.flags},
                after={"status": target, "note": rating.moderation_note},
            )
        Rating.objects.bulk_update(
            ratings, ["status", "moderated_by", "moderated_at", "moderation_note", "updated_at"]
        )
    for project_id in projects:
        review_check(project_id)
    return len(ratings)


def review_check(project_id: int, *, policy=None) -> Review | None:
    """Open a review (复核) when the counted mean is below the threshold with enough ratings:
    a ledger item for the street office, the audit event, the mark on the project page."""
    now = timezone.now()
    today = local_date(now)
    policy = policy or current_policy(today)
    summary = standing(project_id, now=now)
    if not is_low(summary, policy):
        return None
    if Review.objects.filter(project_id=project_id, decided_at__isnull=True).exists():
        return None
    project = Project.objects.only("pk", "street_id").get(pk=project_id)
    mean = round(Decimal(summary.mean or 0), 2)  # is_low: never None here
    try:
        with transaction.atomic(durable=True):
            item = item_add(
                actor=None,
                project_id=project_id,
                source=ItemSource.LOW_RATING,
                problem=_(
                    "居民评价平均分 %(mean)s 分，低于 %(below)s 分（%(count)s 条有效评价），"
                    "启动复核。"
                )
                % {"mean": mean, "below": policy.review_below, "count": summary.count},
                responsible_organisation_id=project.street_id,
                deadline=deadline_after_days(today, REVIEW_DEADLINE_DAYS),
                standard=_("核实居民反映的问题，整改到位并记录复核结论。"),
            )
            review = Review.objects.create(
                project_id=project_id,
                mean_at_open=mean,
                count_at_open=summary.count,
                ledger_item=item,
            )
            review_opened_event(
                review=review,
                after={
                    "project": project_id,
                    "mean": mean,
                    "count": summary.count,
                    "threshold": policy.review_below,
                    "ledger_item": item.pk,
                },
            )
    except IntegrityError:  # another rating opened it a moment ago
        return None
    return review


def review_decide(*, actor, review_id: int, outcome: str) -> Review:
    if not outcome.strip():
        raise ValidationError({"outcome": _("请填写复核结论。")})
    with transaction.atomic(durable=True):
        review = (
            Review.objects.select_related("project")
            .select_for_update(of=("self",))
            .filter(pk=review_id)
            .first()
        )
        if review is None or not may_moderate(actor, review.project):
            raise PermissionDenied
        if review.decided_at is not None:
            raise ConflictError(_("该复核已有结论。"))
        review.outcome = outcome.strip()
        review.decided_by = actor
        review.decided_at = timezone.now()
        review.save(update_fields=["outcome", "decided_by", "decided_at", "updated_at"])
        review_decided_event(actor=actor, review=review, after={"outcome": review.outcome})
    return review


def report_record(*, project: Project, text: str, contact: str, address: str) -> Report:
    """举报 from the public page (anonymous allowed): a ledger item that discipline officers
    follow, owed by the contractor (or the street office before there is one)."""
    text, contact = text.strip(), contact.strip()
    errors = {}
    if len(text) < 5:
        errors["text"] = [_("请具体描述举报的问题（至少 5 个字）。")]
    elif len(text) > 2000:
        errors["text"] = [_("举报内容请不超过 2000 字。")]
    if len(contact) > 100:
        errors["contact"] = [_("联系方式过长。")]
    if errors:
        raise ValidationError(errors)
    today = local_date(timezone.now())
    with transaction.atomic(durable=True):
        item = item_add(
            actor=None,
            project_id=project.pk,
            source=ItemSource.COMPLAINT,
            problem=_("群众举报：%(text)s") % {"text": text},
            responsible_organisation_id=project.contractor_id or project.street_id,
            deadline=deadline_after_days(today, REPORT_DEADLINE_DAYS),
            standard=_("核查举报事项，依规处理并反馈。"),
        )
        report = Report.objects.create(
            project=project,
            text=text,
            contact=contact,
            network=network_of(address),
            ledger_item=item,
            reference=report_reference(today),
        )
        report_received_event(
            report=report,
            after={
                "project": project.pk,
                "ledger_item": item.pk,
                "anonymous": not contact,
                "reference": report.reference,
            },
        )
    return report


REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def report_reference(day) -> str:
    """JB + the day + six random characters (30 bits): a resident keeps it to look the report
    up; nobody can walk through the others' (the lookup is rate-limited too)."""
    return f"JB{day:%Y%m%d}-{get_random_string(6, REFERENCE_ALPHABET)}"


def _report_for_discipline(actor, report_id: int) -> Report:
    if actor.role != Role.DISCIPLINE_OFFICER:
        raise PermissionDenied
    report = Report.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise Http404
    return report


def report_conclude(*, actor, report_id: int, confirmed: bool, note: str) -> Report:
    """The discipline officer's conclusion on a report: 查实 or 不实, with what was found."""
    if not note.strip():
        raise ValidationError({"note": _("请填写核查情况。")})
    with transaction.atomic(durable=True):
        report = _report_for_discipline(actor, report_id)
        if report.outcome:
            raise ConflictError(_("该举报已有核查结论。"))
        report.outcome = ReportOutcome.CONFIRMED if confirmed else ReportOutcome.UNFOUNDED
        report.outcome_note = note.strip()
        report.concluded_by, report.concluded_at = actor, timezone.now()
        report.save(
            update_fields=["outcome", "outcome_note", "concluded_by", "concluded_at", "updated_at"]
        )
        report_concluded_event(
            actor=actor,
            report=report,
            after={"outcome": report.outcome, "outcome_note": report.outcome_note},
        )
    return report


def report_reward_grant(*, actor, report_id: int, amount, paid_on, note: str = "") -> Report:
    """A reward for a confirmed report (seed 000 §四.5): amount within the setting's ceiling,
    the day it was paid; once per report."""
    errors = {}
    try:
        amount = Decimal(str(amount).strip()).quantize(Decimal("0.01"))
        if not Decimal("0") < amount <= Decimal(settings.REPORT_REWARD_MAX):
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["amount"] = [
            _("奖励金额须大于 0 且不超过 %(max)s 元。") % {"max": settings.REPORT_REWARD_MAX}
        ]
    if paid_on is None or paid_on > local_date(timezone.now()):
        errors["paid_on"] = [_("请填写发放日期（不能晚于今天）。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        report = _report_for_discipline(actor, report_id)
        if report.outcome != ReportOutcome.CONFIRMED:
            raise ConflictError(_("只有查实的举报可以发放奖励。"))
        if report.reward_amount is not None:
            raise ConflictError(_("该举报已发放奖励。"))
        report.reward_amount, report.reward_paid_on = amount, paid_on
        report.reward_note, report.rewarded_by = note.strip()[:300], actor
        report.save(
            update_fields=[
                "reward_amount",
                "reward_paid_on",
                "reward_note",
                "rewarded_by",
                "updated_at",
            ]
        )
        report_rewarded_event(
            actor=actor,
            report=report,
            after={
                "reward_amount": report.reward_amount,
                "reward_paid_on": paid_on,
                "reward_note": report.reward_note,
            },
        )
    return report
