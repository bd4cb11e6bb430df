"""Bench: scoring one quarter with 2,000 companies, 50,000 projects and 1,000,000 ratings on
PostgreSQL (issue #7: under 30 s, set-based in SQL), printed beside the raw SQL aggregate the
score rests on, and the same quarter run as a long job in chunks of projects (issue #19).

    .venv/bin/python bench/score_quarter.py [--keep]

Uses a database of its own (lingxing_bench_perf on DATABASE_URL's server; dropped afterwards
unless --keep). Rows are generated with INSERT … SELECT generate_series, so set-up takes about
a minute; the figures printed are the scoring alone.
"""

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

from pgadmin import admin_connection  # bench/ is the script's folder on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "lingxing_bench_perf"
COMPANIES, CONTRACTORS, STREETS = 2000, 1500, 20
PROJECTS, RATINGS, CHECKS, LABS, PAYMENTS = 50_000, 1_000_000, 200_000, 20_000, 100_000
QUARTER = "2026Q3"


def literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def insert(cursor, model, n: int, overrides: dict[str, str]) -> float:
    """INSERT … SELECT over generate_series(1, n) AS g(i); every NOT NULL column gets its
    override, its constant default, or an empty value, so the bench follows model changes."""
    from django.db import models

    cols, exprs = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in overrides:
            expr = overrides[column]
        elif field.null:
            continue
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expr = "now()"
        elif isinstance(field, models.JSONField):
            expr = "'[]'::jsonb" if field.default is list else "'{}'::jsonb"
        elif field.has_default() and not callable(field.default):
            expr = literal(field.default)
        elif isinstance(field, models.CharField | models.TextField | models.FileField):
            expr = "''"
        else:
            raise SystemExit(f"bench: no value for {model.__name__}.{column}")
        cols.append(f'"{column}"')
        exprs.append(expr)
    started = time.perf_counter()
    cursor.execute(
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(cols)}) '
        f"SELECT {', '.join(exprs)} FROM generate_series(1, {n}) AS g(i)"
    )
    return time.perf_counter() - started


def generate() -> None:
    from django.db import connection

    from accounts.models import CompanyStaff, Organisation, User
    from inspections.models import LabTest, SpotCheck
    from projects.models import Contract, Payment, Project, TierPolicy
    from ratings.models import Rating

    policy = TierPolicy.objects.order_by("effective_from").first()
    with connection.cursor() as c:
        org = Organisation._meta.db_table
        insert(
            c,
            Organisation,
            STREETS,
            {"name": "'街道' || i", "kind": "'street'", "credit_code": "NULL"},
        )
        insert(
            c,
            Organisation,
            COMPANIES,
            {
                "name": "'公司' || i",
                "kind": f"CASE WHEN i <= {CONTRACTORS} THEN 'contractor' ELSE 'supervisor' END",
                "credit_code": "'BENCH' || lpad(i::text, 13, '0')",
            },
        )
        c.execute(f"SELECT min(id) FROM {org} WHERE kind = 'street'")
        street0 = c.fetchone()[0]
        c.execute(f"SELECT min(id), max(id) FROM {org} WHERE kind = 'contractor'")
        con0, _ = c.fetchone()
        c.execute(f"SELECT min(id) FROM {org} WHERE kind = 'supervisor'")
        sup0 = c.fetchone()[0]
        user = User.objects.create(username="bench", organisation_id=street0)
        staff = CompanyStaff.objects.create(
            organisation_id=con0, name="bench", position="project_manager"
        )
        t = insert(
            c,
            Project,
            PROJECTS,
            {
                "name": "'项目' || i",
                "street_id": f"{street0} + i % {STREETS}",
                "address": "'荔城区'",
                "category": "'road'",
                "budget_amount": "40000",
                "tier": "'simple'",
                "tier_policy_id": str(policy.pk),
                "status": "'in_progress'",
                "created_by_id": str(user.pk),
                "public_token": "md5(i::text)",
                "code": "'B-' || i",
                "started_at": "timestamptz '2026-06-01 08:00+08' + (i % 60) * interval '1 day'",
                "contractor_id": f"{con0} + i % {CONTRACTORS}",
                "supervision_unit_id": f"{sup0} + i % {COMPANIES - CONTRACTORS}",
            },
        )
        print(f"  projects     {PROJECTS:>9,}  {t:5.1f} s")
        proj = Project._meta.db_table
        c.execute(f"SELECT min(id) FROM {proj}")
        p0 = c.fetchone()[0]
        insert(
            c,
            Contract,
            PROJECTS,
            {
                "project_id": f"{p0} + i - 1",
                "contractor_id": f"{con0} + (i - 1) % {CONTRACTORS}",
                "supervision_unit_id": f"{sup0}",
                "amount": "39000",
                "start_date": "date '2026-06-01'",
                "end_date": "date '2026-12-31'",
                **{
                    f"{k}_id": str(staff.pk)
                    for k in (
                        "project_manager",
                        "safety_officer",
                        "quality_inspector",
                        "site_supervisor",
                    )
                },
                "filed_by_id": str(user.pk),
            },
        )
        c.execute(
            f"UPDATE {proj} p SET contractor_id = k.contractor_id FROM "
            f"{Contract._meta.db_table} k WHERE k.project_id = p.id"
        )
        c.execute(f"SELECT min(id) FROM {Contract._meta.db_table}")
        k0 = c.fetchone()[0]
        t = insert(
            c,
            Rating,
            RATINGS,
            {
                "project_id": f"{p0} + (i::bigint * 7919) % {PROJECTS}",
                "score": "(i::bigint * 37) % 101",
                "status": "CASE WHEN i % 10 = 0 THEN 'held' ELSE 'counted' END",
                "device": "'d' || i",
                "network": "'10.' || (i % 250) || '.0.0/24'",
                "created_at": "timestamptz '2026-07-01 00:00+08' + (i % 91) * interval '1 day' "
                "+ (i % 86400) * interval '1 second'",
            },
        )
        print(f"  ratings      {RATINGS:>9,}  {t:5.1f} s")
        t = insert(
            c,
            SpotCheck,
            CHECKS,
            {
                "project_id": f"{p0} + (i::bigint * 104729) % {PROJECTS}",
                "inspector_id": str(user.pk),
                "checked_on": "date '2026-07-01' + (i % 92)",
                "passed": "i % 9 <> 0",
            },
        )
        print(f"  spot checks  {CHECKS:>9,}  {t:5.1f} s")
        insert(
            c,
            LabTest,
            LABS,
            {
                "project_id": f"{p0} + (i * 31) % {PROJECTS}",
                "lab_id": f"{sup0}",
                "tested_by_id": str(user.pk),
                "pass_rate": "80 + (i % 21)",
                "report_no": "'JC-' || i",
                "created_at": "timestamptz '2026-07-01 00:00+08' + (i % 91) * interval '1 day'",
            },
        )
        t = insert(
            c,
            Payment,
            PAYMENTS,
            {
                "project_id": f"{p0} + (i - 1) % {PROJECTS}",
                "contract_id": f"{k0} + (i - 1) % {PROJECTS}",
                "stage": "'progress'",
                "amount": "5000",
                "payee_name": "'公司'",
                "payee_account": "'1'",
                "status": "'paid'",
                "paid_on": "date '2026-06-20' + (i % 120)",
                "compliant": "i % 13 <> 0",
                "requested_by_id": str(user.pk),
            },
        )
        print(f"  payments     {PAYMENTS:>9,}  {t:5.1f} s")
        c.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = urlparse(server)
    conn = admin_connection(server)
    with conn.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        c.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = url._replace(path=f"/{DB_NAME}").geturl()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("REDIS_URL", "")
    import django

    django.setup()
    from django.core.management import call_command

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"schema migrated in {time.perf_counter() - started:.1f} s; generating:")
        generate()
        from django.db import connection

        from core.periods import Quarter
        from performance.models import CompanyScore
        from performance.scoring import performance_score_quarter, quarter_aggregates

        with connection.cursor() as c:
            for table in (
                "accounts_organisation",
                "projects_project",
                "ratings_rating",
                "inspections_spotcheck",
                "inspections_labtest",
                "projects_payment",
            ):
                c.execute(f"SELECT count(*) FROM {table}")
                print(f"  {table:24} {c.fetchone()[0]:>9,}")
        quarter = Quarter.parse(QUARTER)
        started = time.perf_counter()
        rows = quarter_aggregates(quarter)
        raw = time.perf_counter() - started
        started = time.perf_counter()
        period = performance_score_quarter(quarter=QUARTER)
        full = time.perf_counter() - started
        started = time.perf_counter()
        again = performance_score_quarter(quarter=QUARTER)
        rerun = time.perf_counter() - started
        scores = CompanyScore.objects.filter(period=period)
        print(f"\nraw SQL aggregate ({len(rows):,} rows):          {raw:6.2f} s")
        print(
            f"performance_score_quarter({QUARTER}):       {full:6.2f} s  "
            f"({scores.count():,} scored, {scores.filter(ranked=True).count():,} ranked, "
            f"{scores.filter(bottom=True).count():,} bottom)"
        )
        print(f"re-run (same digest: {again.digest == period.digest}):            {rerun:6.2f} s")
        # The same quarter as a long job in chunks of projects (core.chunks), all in this process.
        from core.chunks import job_drive
        from core.models import JobRun
        from performance.jobs import SCORE_QUARTER

        run = JobRun.objects.create(job="performance-score-quarterly", params={"quarter": QUARTER})
        started = time.perf_counter()
        job_drive(run.pk, here=True)
        chunked = time.perf_counter() - started
        run.refresh_from_db()
        print(
            f"in chunks of {SCORE_QUARTER.size:,} projects ({run.chunks} transactions, "
            f"{run.state}, same digest: {run.outcome == period.digest}): {chunked:6.2f} s"
        )
        verdict = "PASS" if full < 30 else "FAIL"
        print(f"target < 30 s: {verdict}")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with conn.cursor() as c:
                c.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.close()


if __name__ == "__main__":
    main()
