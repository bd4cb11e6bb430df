"""Score a quarter (python manage.py score_quarter 2026Q3) and print its ranking."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from performance.choices import ScoredKind
from performance.scoring import performance_score_quarter
from performance.selectors import ranking


def _fmt(value) -> str:
    return "—" if value is None else f"{value}"


class Command(BaseCommand):
    help = "Score a quarter (idempotent) and print the ranking per kind."

    def add_arguments(self, parser):
        parser.add_argument("quarter", help="e.g. 2026Q3")
        parser.add_argument("--quiet", action="store_true", help="print only the summary")

    def handle(self, *args, quarter: str, quiet: bool, **options):
        started = time.perf_counter()
        try:
            period = performance_score_quarter(quarter=quarter)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        elapsed = time.perf_counter() - started
        rows = ranking(period)
        w = period.weights
        self.stdout.write(
            f"{period.quarter}: weights quality {w['quality']} / satisfaction "
            f"{w['satisfaction']} / funds {w['funds']}; minimum sample "
            f"{w['min_projects']} projects or {w['min_checks']} checks"
        )
        if not quiet:
            for kind, label in ScoredKind.choices:
                part = [r for r in rows if r["kind"] == kind]
                if not part:
                    continue
                self.stdout.write(f"\n{label} ({kind})")
                self.stdout.write(
                    f"{'rank':>10}  {'quality':>7} {'satisf.':>7} {'funds':>7} "
                    f"{'score':>7}  flags  company"
                )
                for r in part:
                    flags = ",".join(k for k, v in r["flags"].items() if v and k != "not_ranked")
                    self.stdout.write(
                        f"{r['rank']!s:>10}  {_fmt(r['quality_rate']):>7} "
                        f"{_fmt(r['satisfaction']):>7} {_fmt(r['funds_rate']):>7} "
                        f"{_fmt(r['score']):>7}  {flags or '-':5}  {r['company']}"
                    )
        ranked = sum(1 for r in rows if r["rank"] != "not ranked")
        self.stdout.write(
            f"\n{len(rows)} scored, {ranked} ranked, "
            f"{sum(r['flags']['bottom'] for r in rows)} bottom-flagged; "
            f"digest {period.digest}; {elapsed:.2f} s"
        )
