"""The long jobs in chunks (performance.jobs, core.chunks): a quarter scored chunk by chunk
gives the very table of the scoring in one go; a chunk that fails stops the run where the last
one left it, the administrator sees how far it got and resumes it, and it ends with the same
table and nothing counted twice; the nightly risk colours likewise."""

from datetime import date, timedelta

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from core.chunks import chunk_run, job_start, jobs_resume_stale
from core.events import CoreEvents
from core.jobs import job_request
from core.models import AuditEvent, JobRun, JobState
from projects.models import Project

from .. import jobs
from ..events import PerformanceEvents
from ..models import CompanyScore, ProjectRisk, ScoreTally, ScoringPeriod, Suspension
from ..risk import risk_recompute
from ..scoring import DIGEST_FIELDS, performance_score_quarter
from .builders import at, checks, under_way
from .test_scoring import AUGUST, worked_example

pytestmark = pytest.mark.django_db
QUARTER = "2026Q3"
SIZE = 2


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(jobs.SCORE_QUARTER, "size", SIZE)
    monkeypatch.setattr(jobs.RISK_NIGHTLY, "size", SIZE)


def _table(quarter: str = QUARTER) -> list[tuple]:
    return list(
        CompanyScore.objects.filter(period__quarter=quarter)
        .order_by("kind", "organisation_id")
        .values_list(*DIGEST_FIELDS)
    )


def _chunks_for(projects: int) -> int:
    return -(-projects // SIZE) + 1  # the chunks of projects, then the one that adds them up


def _events(verb) -> int:
    return AuditEvent.objects.filter(verb=verb).count()


def test_a_quarter_scored_in_chunks_is_the_quarter_scored_in_one_go(district, small_chunks):
    # given: three contractors' quarter over more projects than one chunk holds
    worked_example(district)
    projects = Project.objects.count()
    assert projects > 2 * SIZE
    # when: scored in chunks (tasks are eager here: the run goes in one go)
    run = job_start("performance-score-quarterly", quarter=QUARTER)
    # then: finished, every project counted once, the tallies gone
    assert (run.state, run.ok, run.done, run.total) == (JobState.DONE, True, projects, projects)
    assert run.chunks == _chunks_for(projects) and run.percent == 100
    assert not ScoreTally.objects.exists()
    chunked, digest = _table(), ScoringPeriod.objects.get(quarter=QUARTER).digest
    assert run.outcome == digest and len(chunked) >= 3
    assert _events(PerformanceEvents.SCORED) == 1
    # and the scoring in one go writes exactly this table: same digest, so no second event
    period = performance_score_quarter(quarter=QUARTER)
    assert (_table(), period.digest) == (chunked, digest)
    assert _events(PerformanceEvents.SCORED) == 1


def test_suspensions_decided_in_chunks_are_those_decided_in_one_go(district, small_chunks):
    d = district
    for day in (date(2026, 5, 12), AUGUST):
        with at(day):
            for company, ok in ((d.builder, False), (d.builder_b, True), (d.builder_c, True)):
                project = under_way(d, company)
                checks(d, project, [ok, True, True, True, True])
    performance_score_quarter(quarter="2026Q2")
    run = job_start("performance-score-quarterly", quarter=QUARTER)
    assert run.state == JobState.DONE
    suspension = Suspension.objects.get()
    assert suspension.organisation_id == d.builder.pk
    chunked = _table()
    performance_score_quarter(quarter=QUARTER)
    assert _table() == chunked
    assert (Suspension.objects.count(), _events(PerformanceEvents.SUSPENDED)) == (1, 1)


class Crash(RuntimeError):
    pass


def _crash_in_chunk(monkeypatch, k: int) -> None:
    """The step of chunk number k (from 0) writes its tallies, then fails."""
    real = jobs.SCORE_QUARTER.step

    def step(run, size):
        done = real(run, size)
        if run.chunks == k:
            raise Crash(f"worker lost in chunk {k}")
        return done

    monkeypatch.setattr(jobs.SCORE_QUARTER, "step", step)


def test_a_failed_chunk_stops_the_run_and_a_resume_ends_it_with_the_same_table(
    district, small_chunks, monkeypatch, client, django_capture_on_commit_callbacks
):
    # given: the table scored in one go, to compare with
    worked_example(district)
    projects = Project.objects.count()
    digest = performance_score_quarter(quarter=QUARTER).digest
    reference = _table(), digest
    CompanyScore.objects.all().delete()
    ScoringPeriod.objects.all().delete()
    # when: the third chunk (k = 2) fails after writing its share
    _crash_in_chunk(monkeypatch, 2)
    run = job_start("performance-score-quarterly", quarter=QUARTER)
    # then: failed, with the two chunks before it kept and the third's writes rolled back
    assert (run.state, run.ok, run.chunks, run.done) == (JobState.FAILED, False, 2, 2 * SIZE)
    assert run.total == projects and run.finished_at is None
    assert "worker lost in chunk 2" in run.error
    first_ids = list(Project.objects.order_by("pk").values_list("pk", flat=True)[: 2 * SIZE])
    assert run.cursor == first_ids[-1]
    assert set(ScoreTally.objects.values_list("chunk", flat=True)) == {0, 1}
    assert not ScoringPeriod.objects.filter(quarter=QUARTER).exists()

    # and the administrator sees how far it got, and why it stopped
    client.force_login(district.admin)
    page = client.get(reverse("admin:core_jobrun_changelist")).content.decode()
    percent = 2 * SIZE * 100 // projects
    assert f"{2 * SIZE} / {projects} ({percent}%)" in page
    assert f'<progress value="{percent}" max="100">' in page
    assert "失败" in page and "worker lost in chunk 2" in page

    # when: the cause is gone and the administrator resumes it
    monkeypatch.undo()
    monkeypatch.setattr(jobs.SCORE_QUARTER, "size", SIZE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:core_jobrun_changelist"),
            {"action": "resume", "_selected_action": [run.pk]},
        )
    assert response.status_code == 302
    # then: it goes on from its cursor to the end, with the table of the scoring in one go
    run.refresh_from_db()
    assert (run.state, run.ok, run.done, run.chunks) == (
        JobState.DONE,
        True,
        projects,
        _chunks_for(projects),
    )
    assert (_table(), ScoringPeriod.objects.get(quarter=QUARTER).digest) == reference
    assert not ScoreTally.objects.exists()
    event = AuditEvent.objects.get(verb=CoreEvents.JOB_RESUMED)
    assert (event.actor, event.object_id) == (district.admin, str(run.pk))
    assert (event.before, event.after["done"]) == ({"state": "failed"}, 2 * SIZE)
    page = client.get(reverse("admin:core_jobrun_changelist")).content.decode()
    assert f"{projects} / {projects} (100%)" in page
    # a finished run is not resumed again
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:core_jobrun_changelist"),
            {"action": "resume", "_selected_action": [run.pk]},
        )
    assert _events(CoreEvents.JOB_RESUMED) == 1


def test_a_chunk_delivered_twice_is_done_once(district, small_chunks):
    worked_example(district)
    run = JobRun.objects.create(
        job="performance-score-quarterly", params={"quarter": QUARTER}, state=JobState.RUNNING
    )
    assert chunk_run(run.pk, 0) == 1
    assert chunk_run(run.pk, 0) is None  # the same chunk again: nothing
    assert chunk_run(run.pk, 2) is None  # one not yet due: nothing
    run.refresh_from_db()
    assert (run.chunks, run.done) == (1, SIZE)
    per_org = ScoreTally.objects.values("kind", "organisation_id").annotate(n=Count("id"))
    assert {row["n"] for row in per_org} == {1}


def test_a_run_that_stopped_moving_is_taken_up_by_the_sweep(
    district, small_chunks, django_capture_on_commit_callbacks
):
    # given: a run whose worker died after its first chunk, its next chunk lost with the broker
    worked_example(district)
    reference = performance_score_quarter(quarter=QUARTER).digest
    run = JobRun.objects.create(
        job="performance-score-quarterly", params={"quarter": QUARTER}, state=JobState.RUNNING
    )
    chunk_run(run.pk, 0)
    assert jobs_resume_stale() == 0  # still moving
    JobRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - timedelta(hours=1))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_resume_stale() == 1
    # then
    run.refresh_from_db()
    assert run.state == JobState.DONE
    assert ScoringPeriod.objects.get(quarter=QUARTER).digest == reference


def test_run_now_of_the_quarterly_scoring_runs_it_in_chunks(
    district, small_chunks, client, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "performance-score-quarterly": {
            **settings.CELERY_BEAT_SCHEDULE["performance-score-quarterly"],
            "kwargs": {"quarter": QUARTER},
        },
    }
    worked_example(district)
    client.force_login(district.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:core_jobrun_run"), {"job": "performance-score-quarterly"})
    run = JobRun.objects.get()
    assert (run.state, run.requested_by, run.done) == (
        JobState.DONE,
        district.admin,
        Project.objects.count(),
    )
    assert run.params["quarter"] == QUARTER and run.chunks > 2
    assert run.outcome == ScoringPeriod.objects.get(quarter=QUARTER).digest


def _risks() -> dict[int, tuple]:
    return {
        r.project_id: (r.colour, r.reasons)
        for r in ProjectRisk.objects.all()
        if Project.objects.filter(pk=r.project_id).exists()
    }


def test_the_nightly_risk_in_chunks_is_the_risk_in_one_go(district, small_chunks):
    d = district
    with at(date(2026, 8, 3)):
        projects = [under_way(d, company) for company in (d.builder, d.builder_b) * 3]
        for project in projects[::2]:
            checks(d, project, [False])
    # when: in chunks, then in one go for the same day
    run = job_request(actor=None, job="performance-risk-nightly", run_here=True)
    assert run.state == JobState.DONE  # the day is today's: a run of the schedule
    chunked = job_start("performance-risk-nightly", today="2026-08-05")
    colours = dict(Project.objects.values_list("pk", "risk_colour"))
    stored = _risks()
    events = _events(PerformanceEvents.RISK_RECOMPUTED)
    # then: every open project assessed once, and nothing left for the run in one go to change
    assert chunked.state == JobState.DONE and chunked.done == chunked.total == len(projects)
    assert chunked.chunks == _chunks_for(len(projects))
    assert risk_recompute(today=date(2026, 8, 5)) == {}
    assert dict(Project.objects.values_list("pk", "risk_colour")) == colours
    assert _risks() == stored
    assert _events(PerformanceEvents.RISK_RECOMPUTED) == events
    assert sorted(set(colours.values())) == ["green", "yellow"]
