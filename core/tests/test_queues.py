"""Celery queues by kind (#19 point 6, docs/architecture.md "Workers by kind"): where each task
goes as Celery's own router decides it, and a pool of workers for every queue in the compose
file — so that a night's scoring never waits in front of a rating's screening."""

from pathlib import Path

import yaml
from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _queue(task: str, options: dict | None = None) -> str:
    route = app.amqp.router.route(dict(options or {}), task)
    return route["queue"].name


def test_each_kind_of_task_has_its_queue():
    assert _queue("ratings.tasks.screen_project") == "ratings"
    assert _queue("ratings.tasks.screen_pending_ratings") == "ratings"
    assert _queue("core.tasks.job_run") == "jobs"  # an administrator's run now
    assert _queue("core.tasks.job_chunk") == "jobs"  # a chunk of a long job
    assert _queue("core.tasks.export_make") == "exports"  # a province's list in Excel
    assert _queue("core.tasks.document_make") == "documents"  # a PDF report
    # what follows a write stays on the default queue
    for task in (
        "performance.tasks.risk_recompute",
        "performance.tasks.decision_notices",
        "performance.tasks.warnings_send_email",
        "core.tasks.outbox_relay",
    ):
        assert _queue(task) == "events", task


# Every task of ours and the queue it goes to when sent without a beat entry's options. A new
# task fails this test until its kind is chosen here.
QUEUE_OF_TASK = {
    "core.tasks.audit_verify_chain": "events",
    "core.tasks.audit_sign_heads": "events",
    "core.tasks.outbox_relay": "events",
    "core.tasks.job_run": "jobs",
    "core.tasks.job_chunk": "jobs",
    "core.tasks.job_runs_resume_stale": "events",
    # the files asked for on pages (core.downloads): Excel on exports, PDFs on documents
    "core.tasks.export_make": "exports",
    "core.tasks.document_make": "documents",
    "core.tasks.downloads_expire": "events",
    "dashboards.tasks.rollups_refresh_task": "events",
    # sent by beat (to jobs, as every scheduled run); each region's lists a job of its own
    "dashboards.tasks.anomalies_snapshot_task": "events",
    "dashboards.tasks.anomalies_snapshot_region_task": "jobs",
    "inspections.tasks.find_missing_patrol_logs": "events",
    "inspections.tasks.spot_check_plan_draft": "events",
    "performance.tasks.score_quarter": "events",
    "performance.tasks.credit_nightly": "events",
    "performance.tasks.risk_recompute": "events",
    "performance.tasks.warnings_refresh": "events",
    "performance.tasks.decision_notices": "events",
    "performance.tasks.warnings_send_email": "events",
    "performance.tasks.demonstration_yearly": "events",
    "projects.tasks.forget_kept_uploads": "events",
    "ratings.tasks.screen_project": "ratings",
    "ratings.tasks.screen_pending_ratings": "ratings",
    "ratings.tasks.review_check_recent": "ratings",
}


def test_every_task_has_a_queue_of_its_kind():
    app.loader.import_default_modules()  # every app's tasks.py, as a worker starts
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == set(QUEUE_OF_TASK)
    for task, queue in QUEUE_OF_TASK.items():
        assert _queue(task) == queue, task
        assert queue in settings.CELERY_QUEUES_BY_KIND
    # what beat sends names its queue (the next test says which), or goes by the table above
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in QUEUE_OF_TASK


def test_the_schedule_runs_on_the_jobs_queue_but_the_relay_and_ratings():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        queue = _queue(entry["task"], entry.get("options"))
        if entry["task"] == "core.tasks.outbox_relay":
            assert queue == "events", name
        elif entry["task"].startswith("ratings."):
            assert queue == "ratings", name
        else:
            assert queue == "jobs", name
    # one project's risk after a write is an event, the nightly recomputation a job
    risk = settings.CELERY_BEAT_SCHEDULE["performance-risk-nightly"]
    assert _queue(risk["task"], risk.get("options")) == "jobs"
    assert _queue(risk["task"]) == "events"


def test_every_queue_has_workers_of_its_own_in_the_compose_file():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    consumed: dict[str, list[str]] = {}
    for name, service in services.items():
        command = service.get("command") or []
        if "worker" in command:
            assert "-Q" in command, f"{name} listens to no named queue"
            for queue in command[command.index("-Q") + 1].split(","):
                consumed.setdefault(queue, []).append(name)
    assert set(consumed) == set(settings.CELERY_QUEUES_BY_KIND), consumed


def test_make_runs_worker_consumes_every_queue():
    """`make run` with Redis starts one worker beside the web server: it takes every queue."""
    script = (ROOT / "scripts" / "run.sh").read_text()
    line = next(line for line in script.splitlines() if "celery -A config worker" in line)
    queues = line.split(" -Q ", 1)[1].split()[0].split(",")
    assert set(queues) == set(settings.CELERY_QUEUES_BY_KIND)
