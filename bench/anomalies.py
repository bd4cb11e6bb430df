"""Bench: every anomaly list of the discipline officers (dashboards/anomalies.py) with 50,000
projects on PostgreSQL — each list page's server time, its query count, and its rows.

    .venv/bin/python bench/anomalies.py [--projects 50000] [--ratings 200000] [--runs 5]

Uses a database of its own (lingxing_bench_anomalies on DATABASE_URL's server; dropped and built
again unless --reuse). The projects, contracts, payments and ratings come from bench/dashboard.py's
set-based generator; on top of them, set-based too: five daily patrol logs and two progress
reports per project under way (one site in seven stopped), a tender with three bids for every
重大类 project, a change order for one contract in five, a progress payment stating its work
value for one in three. "Server time" is the whole request inside Django (test client).
Target (issue #18): every list under 500 ms at 50,000 projects; query counts do not grow.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from dashboard import _column_defaults, bench_django, generate, p95  # bench/ on sys.path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "lingxing_bench_anomalies"
TARGET_MS = 500


def generate_site_data() -> None:
    """Logs, progress, tenders, changes and stated work values, set-based."""
    from django.db import connection

    from approvals.models import ChangeOrder, Tender, TenderBid
    from inspections.models import PatrolLog, ProgressReport
    from projects.models import Contract, Payment, Project

    project, contract = Project._meta.db_table, Contract._meta.db_table
    under_way = "('in_progress','completed','accepted','settled')"
    with connection.cursor() as cursor:
        columns, values = _column_defaults(
            PatrolLog,
            {
                "created_at": "now() - (d || ' days')::interval",
                "updated_at": "now()",
                "project": "p.id",
                "supervision_unit": "p.supervision_unit_id",
                "supervisor": "p.created_by_id",
                "log_date": "current_date - d",
                "weather": "'晴'",
                "work_done": "'施工'",
                "head_count": "CASE WHEN p.id % 7 = 0 THEN 0 ELSE 6 END",
                "client_key": "md5(p.id || '-' || d)::uuid",
            },
        )
        cursor.execute(
            f"INSERT INTO {PatrolLog._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {project} p, generate_series(1, 5) d "
            f"WHERE p.status IN {under_way}"
        )
        columns, values = _column_defaults(
            ProgressReport,
            {
                "created_at": "now() - ((6 - r * 3) || ' days')::interval",
                "updated_at": "now()",
                "project": "p.id",
                "percent": "LEAST(100, r * 30 + p.id % 20)",
                "text": "'进度'",
                "reported_by": "p.created_by_id",
            },
        )
        cursor.execute(
            f"INSERT INTO {ProgressReport._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {project} p, generate_series(1, 2) r "
            f"WHERE p.status IN {under_way}"
        )
        columns, values = _column_defaults(
            Tender,
            {
                "created_at": "now() - ((p.id % 300) || ' days')::interval",
                "updated_at": "now()",
                "project": "p.id",
                "notice_date": "current_date - (p.id % 300)::int",
                "winner": "p.contractor_id",
                "reason": "'综合评分第一'",
                "recorded_by": "p.created_by_id",
            },
        )
        cursor.execute(
            f"INSERT INTO {Tender._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {project} p "
            f"WHERE p.tier = 'major' AND p.contractor_id IS NOT NULL"
        )
        # three bidders: the winner and the next two companies of the directory, a few percent
        # apart (one tender in fifty within 0.5%, for the close-bids list to have rows)
        cursor.execute(
            f"INSERT INTO {TenderBid._meta.db_table} (tender_id, bidder_id, amount) "
            f"SELECT t.id, o.id, round(p.budget_amount * (0.95 + "
            f"CASE WHEN t.id % 50 = 0 THEN 0.001 ELSE 0.03 END * o.rn), 2) "
            f"FROM {Tender._meta.db_table} t JOIN {project} p ON p.id = t.project_id "
            f"CROSS JOIN LATERAL (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn "
            f"FROM accounts_organisation WHERE kind = 'contractor' AND id >= p.contractor_id "
            f"ORDER BY id LIMIT 3) o"
        )
        columns, values = _column_defaults(
            ChangeOrder,
            {
                "created_at": "now() - ((c.id % 200) || ' days')::interval",
                "updated_at": "now()",
                "project": "c.project_id",
                "amount_delta": "round(c.amount * 0.04, 2)",
                "reason": "'现场条件变化'",
                "status": "'approved'",
                "requested_by": "c.filed_by_id",
                "decided_at": "now()",
            },
        )
        cursor.execute(
            f"INSERT INTO {ChangeOrder._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {contract} c, generate_series(1, 3) n "
            f"WHERE c.id % 5 = 0"
        )
        cursor.execute(
            f"UPDATE {Payment._meta.db_table} SET work_value = round(amount * 2, 2) "
            f"WHERE id % 3 = 0"
        )
        cursor.execute("VACUUM ANALYZE")


def measure(runs: int, only: list[str] | None = None) -> list[tuple[str, float, float, int, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from dashboards.anomalies import KINDS

    client = Client()
    client.force_login(User.objects.get(username="discipline"))
    results = []
    for slug in only or KINDS:
        url = reverse("dashboards:anomaly", args=[slug])
        response = client.get(url)  # warm
        assert response.status_code == 200, (slug, response.status_code)
        rows = response.content.count(b'data-testid="anomaly-row"')
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        # counted now: the next request's start empties the log (django.db.reset_queries)
        queries = len(captured.captured_queries)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - start) * 1000)
        results.append((slug, statistics.median(times), p95(times), queries, rows))
        print(f"  {slug}: p95 {p95(times):.0f} ms, {rows} rows", file=sys.stderr, flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=50_000)
    parser.add_argument("--ratings", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the database of a last run")
    parser.add_argument("--only", default="", help="comma-separated list slugs (default: all)")
    args = parser.parse_args()

    exists = bench_django(DB_NAME, args.reuse)
    from django.core.management import call_command

    from projects.models import Project

    if not (args.reuse and exists):
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        generate(args.projects, args.ratings)
        generate_site_data()
        print(
            f"generated {Project.objects.count()} projects with their site data in "
            f"{time.perf_counter() - start:.1f} s"
        )
    results = measure(args.runs, [slug for slug in args.only.split(",") if slug])
    print(f"{'list':22} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'rows':>6}")
    ok = True
    for slug, p50, high, queries, rows in results:
        good = high < TARGET_MS
        ok = ok and good
        print(f"{slug:22} {p50:8.1f} {high:8.1f} {queries:8d} {rows:6d}{'' if good else '  SLOW'}")
    print(f"{len(results)} lists; target p95 < {TARGET_MS} ms: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
