"""Run the nightly jobs now (python manage.py run_jobs), or every night from now on (--loop):
the embedded default's stand-in for Celery beat, started by scripts/run.sh (core.jobs)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.jobs import next_nightly_run, nightly_jobs_run


class Command(BaseCommand):
    help = "Run the nightly jobs in beat order now; with --loop, every night instead."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running them nightly")

    def handle(self, *args, **options):
        if not options["loop"]:
            self._run()
            return
        while True:  # seed_demo has just run them: wait for the night first
            wait = (next_nightly_run(timezone.now()) - timezone.now()).total_seconds()
            time.sleep(max(wait, 1))
            self._run()

    def _run(self):
        for run in nightly_jobs_run():
            state, said = ("ok", run.outcome) if run.ok else ("FAILED", run.error)
            self.stdout.write(f"{run.job}: {state} {said[:200]}")
