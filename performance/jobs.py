"""The long jobs of performance, cut into chunks of projects (core.chunks): the quarter's scoring
and the nightly risk colours. Each chunk covers the next projects by id after the run's cursor;
the ids to cover are fixed when the run begins, so `done` reaches `total` exactly."""

from datetime import date

from django.db import connection
from django.utils import timezone

from core.chunks import ChunkedJob
from core.dates import local_date
from core.locks import advisory_lock
from core.models import JobRun
from core.periods import Quarter
from projects.models import Project

from .events import risk_recomputed_event
from .models import ScoreTally
from .risk import RISK_STATUSES, risk_store
from .scoring import AGGREGATE_SUMS, quarter_aggregates, scores_write


def _next_ids(qs, run: JobRun, after: int, size: int) -> list[int]:
    """The next at most `size` ids after `after`, up to the last one the run began with."""
    return list(
        qs.filter(pk__gt=after, pk__lte=run.params["last"])
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )


def _last_id(qs) -> int:
    return qs.order_by("-pk").values_list("pk", flat=True).first() or 0


# The quarter's scoring: each chunk tallies its projects' sums per organisation; the last step
# adds the tallies up into the very rows quarter_aggregates gives, and writes the quarter's
# table from them with the same code as the scoring in one go (scoring.scores_write).


def _score_begin(params: dict) -> tuple[dict, int]:
    quarter = params.get("quarter") or str(Quarter.of(local_date(timezone.now())).previous())
    last = _last_id(Project.objects.all())
    return {"quarter": str(Quarter.parse(quarter)), "last": last}, Project.objects.filter(
        pk__lte=last
    ).count()


def _score_step(run: JobRun, size: int) -> tuple[int | None, int]:
    after = run.cursor or 0
    ids = _next_ids(Project.objects.all(), run, after, size)
    if not ids:
        return run.cursor, 0
    rows = quarter_aggregates(Quarter.parse(run.params["quarter"]), (after, ids[-1]))
    ScoreTally.objects.bulk_create(
        [
            ScoreTally(
                run=run,
                chunk=run.chunks,
                kind=kind,
                organisation_id=org,
                **dict(zip(AGGREGATE_SUMS, sums, strict=True)),
            )
            for kind, org, *sums in rows
        ],
        batch_size=2000,
    )
    return ids[-1], len(ids)


def tally_rows(run_id: int) -> list[tuple]:
    """The run's tallies added up: one row per (kind, organisation), as quarter_aggregates."""
    sums = ", ".join(f"SUM({name})" for name in AGGREGATE_SUMS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, organisation_id, {sums} FROM {ScoreTally._meta.db_table} "
            "WHERE run_id = %s GROUP BY kind, organisation_id",
            [run_id],
        )
        return cursor.fetchall()


def _score_finish(run: JobRun) -> str:
    period = scores_write(Quarter.parse(run.params["quarter"]), tally_rows(run.pk))
    ScoreTally.objects.filter(run=run).delete()
    return period.digest


SCORE_QUARTER = ChunkedJob(size=20_000, begin=_score_begin, step=_score_step, finish=_score_finish)


# The nightly risk colours: each chunk assesses and stores its projects' colours with one event
# for the colours that moved in it; the day assessed is fixed when the run begins.


def _open_projects():
    return Project.objects.filter(status__in=RISK_STATUSES)


def _risk_begin(params: dict) -> tuple[dict, int]:
    today = params.get("today") or local_date(timezone.now()).isoformat()
    last = _last_id(_open_projects())
    total = _open_projects().filter(pk__lte=last).count()
    return {"today": str(today), "last": last}, total


def _risk_step(run: JobRun, size: int) -> tuple[dict | None, int]:
    cursor = run.cursor or {}
    ids = _next_ids(_open_projects(), run, cursor.get("after", 0), size)
    if not ids:
        return run.cursor, 0
    today = date.fromisoformat(run.params["today"])
    advisory_lock("performance.risk")
    changed = risk_store(ids, today, timezone.now())
    if changed:
        risk_recomputed_event(
            actor=None,
            after={"on": today, "changed": {str(k): v for k, v in sorted(changed.items())}},
        )
    return {"after": ids[-1], "changed": cursor.get("changed", 0) + len(changed)}, len(ids)


def _risk_finish(run: JobRun) -> str:
    return str((run.cursor or {}).get("changed", 0))


RISK_NIGHTLY = ChunkedJob(size=5_000, begin=_risk_begin, step=_risk_step, finish=_risk_finish)
