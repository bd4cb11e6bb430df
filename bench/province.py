"""Bench: a province on one platform (issue 19, docs/province.md) — 80 districts under 9 cities,
1,000,000 projects across every state, 20,000,000 ratings, 5,000,000 photo records,
50,000,000 audit events and the rest in proportion — built set-based on PostgreSQL, then every
role's pages timed beside the raw SQL they ran, the photo index beside the full scan, the audit
appends of 32 writers and the chains' verification, in one run.

    .venv/bin/python bench/province.py [--scale 1.0] [--runs 20] [--reuse]
        [--only build|pages|audit] [--match LABEL]

--scale 0.05 builds a twentieth (50,000 projects) for a quick look. Uses a database of its own
(lingxing_bench_province on DATABASE_URL's server; dropped and built again unless --reuse).
"Server time" is the whole request inside Django (test client: middleware, session, the audit
record of a discipline read, the queries, the template); "raw SQL" is the same SELECTs the request
ran, replayed through a bare psycopg2 cursor. Targets (issue 19): p95 < 300 ms for the discipline
dashboard (province, city, district), < 200 ms for start pages, the project list, the project page
and the anomaly lists; queries per page flat.
"""

import argparse
import statistics
import sys
import time

import psycopg2
from audit_scale import TARGET_APPEND, TARGET_INCREMENTAL, append_rate, build_events, verify_figures
from dashboard import _column_defaults, bench_django, p95  # bench/ is the script's folder
from photo_index import hash_columns
from photo_index import measure as photo_measure
from photo_index import report as photo_report

DB_NAME = "lingxing_bench_province"
CITIES = 9
DISTRICTS = 80
STREETS_PER_DISTRICT = 10
CONTRACTORS_PER_CITY = 30
SUPERVISORS_PER_CITY = 8
FULL = {
    "projects": 1_000_000,
    "ratings": 20_000_000,
    "photos": 5_000_000,
    "items": 200_000,
    "audit events": 50_000_000,
}
# A province's projects over 1,000 days: those filed in the last 120 days spread over every
# state in flight; older ones mostly finished (settled, accepted, completed), some cancelled, a
# few still open, as a district's books look.
IN_FLIGHT = [
    "draft",
    "submitted",
    "dept_approved",
    "returned",
    "approved",
    "procurement",
    "contracted",
    "in_progress",
    "in_progress",
    "in_progress",
    "completed",
    "accepted",
]
FINISHED = [
    "settled",
    "settled",
    "archived",
    "accepted",
    "accepted",
    "completed",
    "cancelled",
    "rejected",
    "in_progress",
]
TARGETS = {"dashboard": 300, "page": 200}
# The regions whose anomaly lists are timed: the province, 莆田市, 荔城区.
SNAPSHOT_REGIONS = ("350000", "350300", "350304")


def _arr(ids) -> str:
    return "ARRAY[" + ",".join(str(int(i)) for i in ids) + "]"


def build_regions_and_organisations() -> dict:
    """The province, its cities and districts; per district its street offices and departments
    with one user each; per city its contractors and supervision units with their registers."""
    from accounts.choices import OrganisationKind, RegionLevel, Role, StaffPosition
    from accounts.models import CompanyStaff, Organisation, Region, User
    from dashboards.demo import credit_code

    province = Region.objects.get(code="350000")
    licheng = Region.objects.get(code="350304")
    cities = [licheng.parent]
    for c in range(1, CITIES):
        code = f"35{c:02d}00" if c != 3 else "359900"
        cities.append(
            Region.objects.create(
                code=code, name=f"第{c}市", level=RegionLevel.CITY, parent=province
            )
        )
    districts = [licheng]
    n = 1
    while len(districts) < DISTRICTS:
        city = cities[len(districts) % CITIES]
        code = f"{city.code[:4]}{n:02d}"
        n += 1
        if Region.objects.filter(code=code).exists():
            continue
        districts.append(
            Region.objects.create(
                code=code, name=f"{city.name}第{n}区", level=RegionLevel.DISTRICT, parent=city
            )
        )
    orgs, users = [], []
    serial = 1000
    for d in districts:
        for s in range(STREETS_PER_DISTRICT):
            orgs.append(
                Organisation(name=f"{d.code}街道{s}", kind=OrganisationKind.STREET, region=d)
            )
        for dept in ("住建局", "发改局", "财政局", "纪委监委"):
            orgs.append(
                Organisation(name=f"{d.code}{dept}", kind=OrganisationKind.DEPARTMENT, region=d)
            )
    for city in cities:
        orgs.append(
            Organisation(name=f"{city.code}纪委监委", kind=OrganisationKind.DEPARTMENT, region=city)
        )
        for kind, count in (
            (OrganisationKind.CONTRACTOR, CONTRACTORS_PER_CITY),
            (OrganisationKind.SUPERVISOR, SUPERVISORS_PER_CITY),
            (OrganisationKind.LAB, 1),
        ):
            for k in range(count):
                serial += 1
                orgs.append(
                    Organisation(
                        name=f"{city.code}{kind}{k}",
                        kind=kind,
                        region=city,
                        credit_code=credit_code(serial),
                    )
                )
    orgs.append(Organisation(name="省纪委监委", kind=OrganisationKind.DEPARTMENT, region=province))
    Organisation.objects.bulk_create(orgs, batch_size=2000)
    orgs = list(Organisation.objects.filter(name__in=[o.name for o in orgs]))
    role_of = {
        "住建局": Role.DEPT_REVIEWER,
        "发改局": Role.DRC_OFFICER,
        "财政局": Role.FINANCE_OFFICER,
        "纪委监委": Role.DISCIPLINE_OFFICER,
    }
    staff = []
    for org in orgs:
        if org.kind == OrganisationKind.STREET:
            role = Role.STREET_STAFF
        elif org.kind == OrganisationKind.DEPARTMENT:
            role = next(r for suffix, r in role_of.items() if org.name.endswith(suffix))
        else:
            role = {
                OrganisationKind.CONTRACTOR: Role.CONTRACTOR,
                OrganisationKind.SUPERVISOR: Role.SUPERVISOR,
                OrganisationKind.LAB: Role.LAB,
            }[org.kind]
        users.append(User(username=f"u{org.pk}", organisation=org, role=role, password="!"))
        if org.kind == OrganisationKind.CONTRACTOR:
            for position in ("project_manager", "safety_officer", "quality_inspector"):
                staff.append(
                    CompanyStaff(
                        organisation=org,
                        name=f"{org.pk}{position[:2]}",
                        position=StaffPosition(position),
                        certificate_no=f"闽{org.pk}{position[:3]}",
                    )
                )
        if org.kind == OrganisationKind.SUPERVISOR:
            staff.append(
                CompanyStaff(
                    organisation=org,
                    name=f"{org.pk}监理",
                    position=StaffPosition.SITE_SUPERVISOR,
                    certificate_no=f"闽{org.pk}sup",
                )
            )
    User.objects.bulk_create(users, batch_size=2000)
    CompanyStaff.objects.bulk_create(staff, batch_size=2000)
    return {"districts": districts, "cities": cities, "province": province}


def generate(scale: float) -> dict:
    from django.db import connection
    from django.utils import timezone

    from accounts.models import CompanyStaff, Organisation, User
    from inspections.models import Photo, RectificationItem
    from projects.models import Contract, Payment, Project
    from projects.tiers import policy_in_force
    from ratings.models import Rating

    timings: dict[str, float] = {}
    sizes = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    start = time.perf_counter()
    build_regions_and_organisations()
    timings["regions, organisations, users"] = time.perf_counter() - start
    policy = policy_in_force(timezone.localdate())
    streets = list(
        Organisation.objects.filter(kind="street").order_by("pk").values_list("pk", "region_id")
    )
    filer = dict(User.objects.filter(role="street_staff").values_list("organisation_id", "pk"))
    contractors = list(
        Organisation.objects.filter(kind="contractor").order_by("pk").values_list("pk", flat=True)
    )
    supervisors = list(
        Organisation.objects.filter(kind="supervisor").order_by("pk").values_list("pk", flat=True)
    )
    staff = {
        (org, position): pk
        for pk, org, position in CompanyStaff.objects.values_list("pk", "organisation", "position")
    }
    n_streets = len(streets)
    street_of = f"({_arr(s for s, _d in streets)})[1 + (g % {n_streets})]"
    district_of = f"({_arr(d for _s, d in streets)})[1 + (g % {n_streets})]"
    filer_of = f"({_arr(filer[s] for s, _d in streets)})[1 + (g % {n_streets})]"
    contractor_of = f"({_arr(contractors)})[1 + ((g * 7) % {len(contractors)})]"
    supervisor_of = f"({_arr(supervisors)})[1 + ((g * 11) % {len(supervisors)})]"
    status_of = (
        f"(CASE WHEN g % 1000 < 120 "
        f"THEN (ARRAY[{','.join(repr(s) for s in IN_FLIGHT)}])[1 + ((g / 1000) % {len(IN_FLIGHT)})] "
        f"ELSE (ARRAY[{','.join(repr(s) for s in FINISHED)}])[1 + ((g / 1000) % {len(FINISHED)})] END)"
    )

    def timed(label: str, sql: str) -> None:
        """Load one table as a bulk load does: its secondary indexes, unique and foreign-key
        constraints dropped, the rows inserted, then each index built in one sorted pass and
        each constraint validated in one join (instead of 20,000,000 index and trigger
        updates one row at a time)."""
        table = sql.split()[2]
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(sql)
            loaded = time.perf_counter()
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        timings[label] = time.perf_counter() - began
        timings[f"  of which indexes and constraints of {table}"] = time.perf_counter() - loaded
        print(f"built {label} in {time.perf_counter() - began:.1f} s", flush=True)

    columns, values = _column_defaults(
        Project,
        {
            "created_at": "now() - ((g % 1000) || ' days')::interval - ((g % 86400) || ' s')::interval",
            "updated_at": "now()",
            "code": "'P-' || lpad(g::text, 8, '0')",
            "name": "'省级批量项目' || g",
            "street": street_of,
            "district": district_of,
            "address": "'批量地址' || g",
            "latitude": "25.35 + (g % 1500) / 10000.0",
            "longitude": "118.97 + ((g::bigint * 7) % 1800) / 10000.0",
            "category": "(ARRAY['road','drainage','greening','building_repair','other'])"
            "[1 + (g % 5)]",
            "budget_amount": "round((5000 + (g::bigint * 7919) % 900000)::numeric, 2)",
            "tier": "CASE WHEN (5000 + (g::bigint * 7919) % 900000) < 50000 THEN 'simple' "
            "WHEN (5000 + (g::bigint * 7919) % 900000) < 500000 THEN 'general' ELSE 'major' END",
            "tier_policy": str(policy.pk),
            "status": status_of,
            "created_by": filer_of,
            "submitted_at": "now() - ((g % 1000) || ' days')::interval",
            "status_changed_at": "now() - ((g % 30) || ' days')::interval",
            "public_token": "md5(g::text)",
            "risk_colour": "(ARRAY['green','green','green','yellow','red'])[1 + (g % 5)]",
            "reported_progress": "(g % 101)",
            "contractor": f"CASE WHEN {status_of} IN ('contracted','in_progress','completed',"
            f"'accepted','settled') THEN {contractor_of} END",
            "supervision_unit": f"CASE WHEN {status_of} IN ('contracted','in_progress',"
            f"'completed','accepted','settled') THEN {supervisor_of} END",
        },
    )
    timed(
        f"{sizes['projects']:,} projects",
        f"INSERT INTO {Project._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(1, {sizes['projects']}) g",
    )

    def staff_case(position: str, column: str) -> str:
        companies = contractors if column == "p.contractor_id" else supervisors
        return (
            f"({_arr(staff[(c, position)] for c in companies)})"
            f"[array_position({_arr(companies)}, {column})]"
        )

    columns, values = _column_defaults(
        Contract,
        {
            "project": "p.id",
            "contractor": "p.contractor_id",
            "supervision_unit": "p.supervision_unit_id",
            "amount": "round(p.budget_amount * 0.97, 2)",
            "start_date": "(p.created_at AT TIME ZONE 'Asia/Shanghai')::date + 20",
            "end_date": "(p.created_at AT TIME ZONE 'Asia/Shanghai')::date + 110",
            "retention_rate": "0.03",
            "defect_period_months": "12",
            "approved_changes_total": "0",
            "project_manager": staff_case("project_manager", "p.contractor_id"),
            "safety_officer": staff_case("safety_officer", "p.contractor_id"),
            "quality_inspector": staff_case("quality_inspector", "p.contractor_id"),
            "site_supervisor": staff_case("site_supervisor", "p.supervision_unit_id"),
            "filed_by": "p.created_by_id",
        },
    )
    timed(
        "contracts",
        f"INSERT INTO {Contract._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {Project._meta.db_table} p "
        f"WHERE p.contractor_id IS NOT NULL",
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
    timed(
        "payments",
        f"INSERT INTO {Payment._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {Contract._meta.db_table} c",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {Project._meta.db_table}")
        low, high = cursor.fetchone()
    span = f"({high} - {low} + 1)"
    columns, values = _column_defaults(
        Rating,
        {
            "project": f"{low} + ((g::bigint * 7919) % {span})",
            "score": "60 + (g::bigint * 37) % 41",
            "status": "CASE WHEN g % 50 = 0 THEN 'held' WHEN g % 97 = 0 THEN 'rejected' "
            "ELSE 'counted' END",
            "flags": "CASE WHEN g % 50 = 0 THEN '[\"network_burst\"]'::jsonb ELSE '[]'::jsonb END",
            "device": "'dev-' || g",
            "network": "'10.' || (g % 200) || '.' || (g % 97) || '.0/24'",
            "created_at": "now() - ((g % 900000) || ' minutes')::interval",
        },
    )
    timed(
        f"{sizes['ratings']:,} ratings",
        f"INSERT INTO {Rating._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(1, {sizes['ratings']}) g",
    )
    uploader = User.objects.filter(role="contractor").values_list("pk", flat=True).first()
    columns, values = _column_defaults(
        Photo,
        {
            "project": f"{low} + ((g::bigint * 104729) % {span})",
            "original": "'bench/' || g || '.jpg'",
            "public": "'bench/p' || g || '.jpg'",
            "original_name": "g || '.jpg'",
            "content_type": "'image/jpeg'",
            "width": "1600",
            "height": "1200",
            "sha256": "md5(g::text) || md5((g + 1)::text)",
            # random bits, every 16th photo a near copy of the one before (bench/photo_index.py)
            **hash_columns("g"),
            "uploaded_by": str(uploader),
            "taken_at": "now() - ((g % 900000) || ' minutes')::interval",
            "created_at": "now() - ((g % 900000) || ' minutes')::interval",
        },
    )
    timed(
        f"{sizes['photos']:,} photo records",
        f"INSERT INTO {Photo._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(1, {sizes['photos']}) g",
    )
    inspector = User.objects.filter(role="supervisor").values_list("pk", flat=True).first()
    columns, values = _column_defaults(
        RectificationItem,
        {
            "project": f"{low} + ((g::bigint * 15485863) % {span})",
            "status": "CASE WHEN g % 10 = 0 THEN 'open' ELSE 'closed' END",
            "opened_on": "current_date - (g % 200)::int",
            "deadline": "current_date - (g % 200)::int + 15",
            "opened_by": str(inspector),
            "source": "'patrol_log'",
            "problem": "'整改事项' || g",
            "standard": "'按规范整改'",
            "responsible_organisation": str(contractors[0]),
            "mode": "'immediate'",
        },
    )
    timed(
        f"{sizes['items']:,} ledger items",
        f"INSERT INTO {RectificationItem._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(1, {sizes['items']}) g",
    )
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["VACUUM ANALYZE"] = time.perf_counter() - began
    from dashboards.rollups import rollups_refresh

    timings["the dashboard's roll-up (refresh)"] = rollups_refresh()
    # The anomaly lists kept for the regions whose pages are timed (the beat job computes every
    # region's: dashboards/snapshots.py), each timed as the job's task for one region.
    from accounts.models import Region
    from dashboards.snapshots import anomalies_snapshot

    for code in SNAPSHOT_REGIONS:
        region = Region.objects.get(code=code)
        began = time.perf_counter()
        kept = anomalies_snapshot(region)
        timings[f"anomaly lists of {region.name} ({kept:,} rows kept)"] = (
            time.perf_counter() - began
        )
    # The audit chains last: every event made and hashed as it streams into COPY, one process
    # per core (bench/audit_scale.py).
    audit = build_events(sizes["audit events"])
    timings[f"{audit['events']:,} audit events ({audit['per_s']:,.0f}/s)"] = audit["seconds"]
    timings["  of which indexes of core_auditevent"] = audit["indexing_s"]
    return timings


def pages() -> list[tuple[str, str, str, int]]:
    """(label, username, url, target ms) for every page the issue names."""
    from django.urls import reverse

    from accounts.models import Organisation, Region, User
    from dashboards.anomalies import KINDS
    from projects.models import Project

    licheng = Region.objects.get(code="350304")
    putian = licheng.parent

    def user_of(**lookup) -> str:
        return User.objects.filter(**lookup).order_by("pk").values_list("username", flat=True)[0]

    province = user_of(role="discipline_officer", organisation__region__level="province")
    city = user_of(role="discipline_officer", organisation__region=putian)
    district = user_of(role="discipline_officer", organisation__region=licheng)
    street = Organisation.objects.filter(kind="street", region=licheng).order_by("pk").first()
    project = Project.objects.filter(street=street, status="in_progress").order_by("pk").first()
    contractor = user_of(role="contractor", organisation=project.contractor_id)
    rows = [
        ("dashboard, province", province, reverse("dashboards:discipline"), TARGETS["dashboard"]),
        (
            "dashboard, city",
            province,
            f"{reverse('dashboards:discipline')}?region={putian.pk}",
            300,
        ),
        ("dashboard, city's officer", city, reverse("dashboards:discipline"), 300),
        ("dashboard, district's officer", district, reverse("dashboards:discipline"), 300),
        ("dashboard, province (live)", province, reverse("dashboards:discipline"), 0),
        ("dashboard, district's officer (live)", district, reverse("dashboards:discipline"), 0),
    ]
    for role in (
        "street_staff",
        "dept_reviewer",
        "drc_officer",
        "finance_officer",
        "supervisor",
        "lab",
    ):
        who = (
            user_of(role=role, organisation=street)
            if role == "street_staff"
            else user_of(role=role, organisation__region=licheng)
            if role in ("dept_reviewer", "drc_officer", "finance_officer")
            else user_of(role=role)
        )
        rows.append((f"start page, {role}", who, "/", TARGETS["page"]))
    rows.append(("start page, contractor", contractor, "/", TARGETS["page"]))
    rows.append(("start page, discipline (district)", district, "/", TARGETS["page"]))
    rows.append(("start page, discipline (city)", city, "/", TARGETS["page"]))
    rows.append(("start page, discipline (province)", province, "/", TARGETS["page"]))
    projects_url = reverse("projects:list")
    rows.append(
        (
            "project list, street office",
            user_of(role="street_staff", organisation=street),
            projects_url,
            TARGETS["page"],
        )
    )
    rows.append(("project list, contractor", contractor, projects_url, TARGETS["page"]))
    rows.append(
        (
            "project list, district reviewer",
            user_of(role="dept_reviewer", organisation__region=licheng),
            projects_url,
            200,
        )
    )
    rows.append(
        (
            "project list, filtered (status)",
            province,
            f"{projects_url}?status=in_progress",
            TARGETS["page"],
        )
    )
    rows.append(("project list, province", province, projects_url, TARGETS["page"]))
    rows.append(
        (
            "project page",
            user_of(role="street_staff", organisation=street),
            reverse("projects:detail", args=[project.pk]),
            TARGETS["page"],
        )
    )
    rows.append(
        (
            "project page, province's officer",
            province,
            reverse("projects:detail", args=[project.pk]),
            TARGETS["page"],
        )
    )
    for level, officer in (("district", district), ("city", city), ("province", province)):
        for kind in KINDS.values():
            rows.append(
                (
                    f"anomaly list {kind.slug}, {level}",
                    officer,
                    reverse("dashboards:anomaly", args=[kind.slug]),
                    TARGETS["page"],
                )
            )
    return rows


def measure(rows, runs: int) -> list[dict]:
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    db = connection.settings_dict
    raw_conn = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
    )
    raw_conn.autocommit = True
    reads = "replica" if "replica" in settings.DATABASES else "default"
    results = []
    for label, username, url, target in rows:
        # "(live)": the same page aggregating the live tables, for comparison (no target).
        live = label.endswith("(live)")
        settings.DASHBOARD_ROLLUPS = not live
        client = Client()
        client.force_login(User.objects.get(username=username))
        for _ in range(1 if live else 2):
            assert client.get(url).status_code == 200, (label, url)
        # the page's reads go to the replica alias where the view opts in (core/replica.py;
        # the same database here): both connections' queries are the page's
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections[reads]) as replica,
        ):
            client.get(url)
        queries = list(primary.captured_queries)
        if reads != "default":
            queries += replica.captured_queries
        needed = []
        for query in queries:
            sql = query["sql"]
            if sql.startswith("DECLARE"):
                sql = sql.split(" FOR ", 1)[1]
            if sql.startswith("SELECT") and not any(
                skip in sql for skip in ("django_session", "pg_advisory", "core_auditevent")
            ):
                needed.append(sql)
        server = []
        for _ in range(3 if live else runs):  # live aggregation of a province: seconds each
            began = time.perf_counter()
            response = client.get(url)
            server.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        raw = []
        with raw_conn.cursor() as cursor:
            for _ in range(3 if live else runs):
                began = time.perf_counter()
                for sql in needed:
                    cursor.execute(sql)
                    cursor.fetchall()
                raw.append((time.perf_counter() - began) * 1000)
        row = {
            "label": label,
            "target": target,
            "queries": len(queries),
            "server_p50": statistics.median(server),
            "server_p95": p95(server),
            "raw_p95": p95(raw),
        }
        row["ok"] = live or row["server_p95"] < target
        results.append(row)
        print(
            f"{label:42} {row['queries']:3} q  p50 {row['server_p50']:7.1f}  "
            f"p95 {row['server_p95']:7.1f} ms  raw SQL p95 {row['raw_p95']:7.1f} ms  ",
            "(for comparison)" if live else f"(< {target}) {'met' if row['ok'] else 'OVER'}",
            flush=True,
        )
    raw_conn.close()
    return results


def export_figures() -> list[str]:
    """Exports as the province's officers ask for them (#19 point 6, core/downloads.py): the page
    answers with the file's page at once, and a worker of the `exports` queue makes the file.
    Both timed here: the request with no worker behind it (the task not sent), then the maker in
    this process as the worker runs it. The request must stay under the page target."""
    from unittest import mock

    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from config.celery import app
    from core.downloads import download_make
    from core.models import Download, DownloadState

    officer = User.objects.filter(
        role="discipline_officer", organisation__region__level="province"
    ).order_by("pk")[0]
    client = Client()
    client.force_login(officer)
    asked = [
        ("project list, province", reverse("dashboards:projects") + "?format=xlsx"),
        (
            "anomaly list payments, province",
            reverse("dashboards:anomaly", args=["payments"]) + "?format=xlsx",
        ),
    ]
    over = []
    print("exports, asked on the page and made on the exports worker:")
    for label, url in asked:
        Download.objects.filter(owner=officer).delete()  # a new file each run, not the last one
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = False
        try:
            with mock.patch("core.outbox.publish"):
                began = time.perf_counter()
                response = client.get(url)
                asked_ms = (time.perf_counter() - began) * 1000
        finally:
            app.conf.task_always_eager = eager
        download = Download.objects.get(pk=response["Location"].split("/")[2])
        began = time.perf_counter()
        download_make(str(download.pk))
        made_s = time.perf_counter() - began
        download.refresh_from_db()
        ok = download.state == DownloadState.READY and asked_ms < TARGETS["page"]
        if not ok:
            over.append(f"export {label}")
        print(
            f"  {label:34} asked in {asked_ms:6.1f} ms (target < {TARGETS['page']}), "
            f"made in {made_s:6.1f} s, {(download.size or 0) / 1e6:.1f} MB, {download.state}"
        )
    return over


def prewarm(indexes_where: str, what: str) -> None:
    """Load the indexes named by a condition on pg_indexes into PostgreSQL's buffers."""
    from django.db import connection

    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute(
            "SELECT sum(pg_prewarm(indexname::regclass)) FROM pg_indexes WHERE " + indexes_where
        )
        pages = cursor.fetchone()[0]
    print(
        f"  {what}, {pages * 8 / 1024:,.0f} MB, read into the buffers first "
        f"({time.perf_counter() - began:.1f} s)"
    )


def warm_photo_indexes() -> None:
    """Load the chunk indexes into PostgreSQL's buffers (pg_prewarm), as a server taking a
    province's uploads all day holds them; a bench right after its build would time reads of
    cold pages instead (docs/province.md, "The database server")."""
    prewarm(
        "tablename = 'inspections_photo' AND indexname LIKE 'photo_%%_chunk_%%'",
        "the chunk indexes",
    )


def warm_audit_indexes() -> None:
    """Load into PostgreSQL's buffers the audit indexes an append writes at a random place (the
    object's, the actor's: 2.7 GB at 50,000,000 events), as a server appending all day holds
    them. The chain's and the primary key's are written at their right edges only. Without this,
    the verification and the pages before have pushed them out, and on this machine, whose
    database is three times its memory, each append waits for disk reads (1,100 events/s instead
    of 2,600; docs/province.md, "The database server")."""
    prewarm(
        "tablename = 'core_auditevent' "
        "AND (indexdef LIKE '%%(object_type%%' OR indexdef LIKE '%%(actor_id)%%')",
        "the audit indexes written at random places",
    )


def audit_figures() -> list[str]:
    """The audit chains on top of the province's events: 32 writers appending (threads of one
    process, each its own connection and transaction per event), then `verify_audit --full
    --sign` over every event and `verify_audit` from the signed head (bench/audit_scale.py)."""
    missed = []
    warm_audit_indexes()
    a = append_rate(32, 0, 20.0, None, True)
    met = a["writes_per_s"] >= TARGET_APPEND and a["intact"]
    print(
        f"audit appends, 32 writers: {a['writes_per_s']:,.0f} events/s (p50 "
        f"{a['write_p50_ms']:.1f} ms, p99 {a['write_p99_ms']:.1f} ms per event), the "
        f"{a['verified']:,} appended verified {'intact' if a['intact'] else 'BROKEN'} "
        f"(>= {TARGET_APPEND}/s) {'met' if met else 'MISSED'}",
        flush=True,
    )
    if not met:
        missed.append("audit appends")
    r = append_rate(32, 8, 20.0, None, True)
    print(
        f"audit appends, 32 writers + 8 discipline readers: {r['writes_per_s']:,.0f} writes/s "
        f"beside {r['reads_per_s']:,.0f} reads/s (for comparison)",
        flush=True,
    )
    v = verify_figures()
    f, i = v["full"], v["incremental"]
    print(
        f"verify_audit --full --sign: {v['events']:,} events in {f['seconds']:.0f} s "
        f"({v['full_per_s']:,.0f}/s), peak RSS {f['rss_mb']:.0f} MB, "
        f"{v['signed_heads']} daily heads signed {'ok' if f['ok'] else 'FAILED'}",
        flush=True,
    )
    print("  " + " | ".join(f["output"]))
    met = i["ok"] and v["incremental_ok"] and i["seconds"] <= TARGET_INCREMENTAL
    print(
        f"verify_audit from the last signed head ({v['after']:,} events after it): "
        f"{i['seconds']:.1f} s for the command, {v['incremental_in_process_s']:.2f} s for the "
        f"check, peak RSS {i['rss_mb']:.0f} MB (<= {TARGET_INCREMENTAL:.0f} s) "
        f"{'met' if met else 'MISSED'}",
        flush=True,
    )
    print("  " + " | ".join(i["output"]))
    if not (met and f["ok"]):
        missed.append("audit verification")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database of a last run")
    parser.add_argument("--only", choices=["build", "pages", "audit"], default=None)
    parser.add_argument("--match", default="", help="only pages whose label contains this")
    parser.add_argument("--db", default=DB_NAME, help="the database's name")
    args = parser.parse_args()

    exists = bench_django(args.db, args.reuse)
    from django.conf import settings
    from django.core.management import call_command

    # as deployed (the test settings compute live)
    settings.DASHBOARD_ROLLUPS = True
    settings.ANOMALY_SNAPSHOTS = True

    if not (args.reuse and exists):
        call_command("migrate", verbosity=0)
        began = time.perf_counter()
        timings = generate(args.scale)
        total = time.perf_counter() - began
        for label, seconds in timings.items():
            print(f"built {label:40} {seconds:8.1f} s")
        print(f"built the province (scale {args.scale}) in {total / 60:.1f} min")
    if args.only == "build":
        return 0
    over = []
    if args.only in (None, "pages"):
        rows = [row for row in pages() if args.match in row[0]]
        results = measure(rows, args.runs)
        over += [r["label"] for r in results if not r["ok"]]
        print(f"{len(results) - len(over)} of {len(results)} pages met their targets")
    if args.only in (None, "pages") and not args.match:
        from inspections.models import Photo

        print("near-duplicate photos, the chunk indexes beside the full scan:")
        warm_photo_indexes()
        photos = photo_measure(Photo.objects.count(), 200)
        photo_report(photos)
        if not photos["ok"]:
            over.append("near-duplicate photos")
        over += export_figures()
    if args.only in (None, "audit"):
        over += audit_figures()
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
