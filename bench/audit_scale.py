"""Bench: the audit chains at a province's size (issue 19, point 4; docs/audit.md "Chains").

    .venv/bin/python bench/audit_scale.py [--writers 32] [--readers 8] [--seconds 20]
        [--events 2000000] [--reuse] [--only append|build|verify]

(a) Build: `events` events with COPY, hashes computed as the rows stream out (one pass, memory
    bounded by a batch); the rate is what 50,000,000 would take, extrapolated.
(b) Appends, on top of them: `writers` threads, each with its own connection, append for
    `seconds`, each event in its own transaction through the real `core.audit.record_event`, as
    officers of many organisations of a province would (each writer takes turns among the users
    of its share of the organisations); then the same with `readers` more threads recording
    discipline reads beside them; then with a single write chain (AUDIT_CHAINS=1), the one queue
    of before; then the writers as processes. Every run ends with the verification of what it
    appended, and prints the CPU per event of the writers and of the database. Target: >= 2,000/s.
    Threads of one process suit two cores best: Python runs on one while the database works
    on the other; 32 processes spend the two cores switching between 64 processes.
(c) Verify: `manage.py verify_audit --full --sign` over everything, as a child process (events/s
    and its peak RSS), which signs the finished days from the same pass; 10,000 events appended
    after the last signed head, and `manage.py verify_audit` (from that head on) timed the same
    way.

Uses a database of its own (lingxing_bench_audit on DATABASE_URL's server; dropped and built
again unless --reuse). bench/province.py imports append_rate, build_events and verify_figures.
"""

import argparse
import csv
import hashlib
import io
import json
import multiprocessing
import os
import queue
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dashboard import bench_django  # bench/ is the script's folder on sys.path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "lingxing_bench_audit"
ORGANISATIONS = 160  # 80 districts, two acting organisations each
TARGET_APPEND = 2000  # events/s with 32 writers
TARGET_INCREMENTAL = 10.0  # seconds, verification from the last signed head
FULL_SCALE = 50_000_000


# --- (a) appends -------------------------------------------------------------------------------


def _people() -> list[int]:
    """One user in each of ORGANISATIONS organisations (made once): the actors of the appends."""
    from accounts.choices import OrganisationKind, Role
    from accounts.models import Organisation, User

    made = list(
        User.objects.filter(username__startswith="bench-audit-")
        .order_by("id")
        .values_list("id", flat=True)
    )
    if len(made) >= ORGANISATIONS:
        return made[:ORGANISATIONS]
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"审计压测单位{i:03d}", kind=OrganisationKind.STREET)
        for i in range(ORGANISATIONS)
    )
    users = User.objects.bulk_create(
        User(
            username=f"bench-audit-{i:03d}",
            last_name=f"压测{i}",
            organisation=organisation,
            role=Role.STREET_STAFF,
        )
        for i, organisation in enumerate(organisations)
    )
    return [u.pk for u in users]


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _append_worker(kind, people, deadline, start, counts, latencies, threaded) -> None:
    """One writer: its own connection; each event its own transaction through record_event.
    Reports its count, its latencies, and the CPU it (a process) and its database backend
    used."""
    from django.db import connection, connections, transaction

    from accounts.models import User
    from core.audit import record_event

    actors = list(User.objects.filter(pk__in=people).select_related("organisation"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    rng = random.Random(backend)
    verb = "discipline.read" if kind == "read" else "project.updated"
    done, waited = 0, []
    start.wait()
    cpu = (0.0 if threaded else _cpu(os.getpid()), _cpu(backend))
    while time.time() < deadline:
        actor = actors[done % len(actors)]
        began = time.perf_counter()
        with transaction.atomic():
            record_event(
                actor=actor,
                verb=verb,
                object_type="projects.project",
                object_id=str(rng.randrange(1, 1_000_000)),
                before={"status": "submitted"},
                after={"status": "approved", "amount": "12345.00", "comment": "同意"},
            )
        waited.append(time.perf_counter() - began)
        done += 1
    cpu = (0.0 if threaded else _cpu(os.getpid()) - cpu[0], _cpu(backend) - cpu[1])
    connections.close_all()
    counts.put((kind, done, cpu))
    waited.sort()
    latencies.put((kind, waited[len(waited) // 2], waited[int(len(waited) * 0.99)]))


def append_rate(
    writers: int = 32,
    readers: int = 0,
    seconds: float = 20.0,
    chains: int | None = None,
    threads: bool = False,
) -> dict:
    """Appends for `seconds` from `writers` processes, or threads of this one (and `readers`
    recording discipline reads), each with its own connection, each event its own transaction;
    then the verification of what they appended. Django must be set up on a migrated database;
    forks, so the caller's connections are closed first."""
    from django.conf import settings
    from django.db import connections

    from core.audit import verify_chain
    from core.models import AuditEvent

    people = _people()
    configured = settings.AUDIT_CHAINS
    settings.AUDIT_CHAINS = chains or configured
    tails = _tails()
    before = AuditEvent.objects.count()
    connections.close_all()
    context = multiprocessing.get_context("fork")
    counts, latencies = (
        (queue.Queue(), queue.Queue()) if threads else (context.Queue(), context.Queue())
    )
    start = (threading.Barrier if threads else context.Barrier)(writers + readers + 1)
    deadline = time.time() + seconds + 2.0  # the barrier releases within the 2 s
    jobs: list = []
    for i in range(writers + readers):
        kind = "write" if i < writers else "read"
        share = people[i % writers :: writers] if kind == "write" else people[i::writers]
        args = (kind, share or people[:1], deadline, start, counts, latencies, threads)
        job = (threading.Thread if threads else context.Process)(target=_append_worker, args=args)
        job.start()
        jobs.append(job)
    start.wait()
    began = time.time()
    own = _cpu(os.getpid())
    totals = {"write": 0, "read": 0}
    client_cpu = server_cpu = 0.0
    waits: dict[str, list[tuple[float, float]]] = {"write": [], "read": []}
    for _ in jobs:
        kind, done, (client, server) = counts.get()
        totals[kind] += done
        client_cpu, server_cpu = client_cpu + client, server_cpu + server
        kind, p50, p99 = latencies.get()
        waits[kind].append((p50, p99))
    for job in jobs:
        job.join()
    if threads:
        client_cpu = _cpu(os.getpid()) - own
    elapsed = deadline - began
    appended = AuditEvent.objects.count() - before
    # What was appended, linked onto each chain's tail of before the run
    checked_at = time.perf_counter()
    report = verify_chain(checkpoint=tails, full=False)
    settings.AUDIT_CHAINS = configured
    return {
        "writers": writers,
        "readers": readers,
        "threads": threads,
        "chains": chains or configured,
        "seconds": elapsed,
        "writes": totals["write"],
        "reads": totals["read"],
        "writes_per_s": totals["write"] / elapsed,
        "reads_per_s": totals["read"] / elapsed,
        "write_p50_ms": 1000 * max(p for p, _ in waits["write"]) if waits["write"] else 0,
        "write_p99_ms": 1000 * max(p for _, p in waits["write"]) if waits["write"] else 0,
        "appended": appended,
        # CPU per event of the writers and of their database backends: what the appends cost
        # on a machine of their own (2 cores: 2 s of CPU a second)
        "client_us": 1e6 * client_cpu / max(appended, 1),
        "server_us": 1e6 * server_cpu / max(appended, 1),
        "capacity_2_cores": 2.0 / ((client_cpu + server_cpu) / max(appended, 1)),
        "intact": report.intact and report.checked == appended == sum(totals.values()),
        "verify_s": time.perf_counter() - checked_at,
        "verified": report.checked,
    }


# --- (b) building N events with COPY -------------------------------------------------------------

VERBS = ["project.submitted", "project.approved", "payment.paid", "rating.recorded", "log.filed"]


def _tails() -> dict[int, tuple[int, str]]:
    """Each chain's last (seq, hash), to continue it."""
    from core.audit import existing_chains
    from core.models import AuditEvent

    tails = {}
    for chain in existing_chains():
        tails[chain] = tuple(
            AuditEvent.objects.filter(chain=chain).order_by("-seq").values_list("seq", "hash")[0]
        )
    return tails


def _build_part(part, parts, n, start, step, seed, batch, done) -> None:
    """One builder: the chains c with c % parts == part, `n` events over [start, start + step*n*
    parts), each row made, hashed and sent with COPY `batch` at a time, on its own connection."""
    from django.db import connection

    from accounts.models import User
    from core.audit import HASHED, _canonical_row, chain_for, genesis

    users = User.objects.filter(pk__in=_people())
    names = dict(users.values_list("pk", "last_name"))
    orgs = dict(users.values_list("pk", "organisation__name"))
    # What each user does and where it goes: four writes to one discipline read, as a
    # province's chains fill (record_event's rule: the user's organisation decides the chain)
    acts = []
    for pk, organisation_id in users.values_list("pk", "organisation_id"):
        for verb in ("discipline.read", *VERBS[:4]):
            chain = chain_for(
                verb=verb,
                organisation_id=organisation_id,
                actor_id=pk,
                object_type="projects.project",
                object_id="",
            )
            if chain % parts == part:
                acts.append((pk, verb, chain))
    tails = {c: t for c, t in _tails().items() if c % parts == part}
    rng = random.Random(seed + part)
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        # A data set made here, its actors real users: the foreign-key check per row is skipped
        cursor.execute("SET session_replication_role = replica")
    sha256 = hashlib.sha256
    draw = rng.random
    reads_before = json.dumps({})
    writes_before = {"status": "submitted"}
    writes_before_text = json.dumps(writes_before)
    made, copying = 0, 0.0
    while made < n:
        size = min(batch, n - made)
        buffer = io.StringIO()
        out = csv.writer(buffer, lineterminator="\n")
        for i in range(made, made + size):
            actor, verb, chain = acts[int(draw() * len(acts))]
            object_id = str(int(draw() * 1_000_000) + 1)
            seq, prev = tails.get(chain) or (0, genesis(chain))
            seq += 1
            created = start + step * (i * parts + part)
            if verb == "discipline.read":
                path = f"/projects/{object_id}/"
                before, before_text = {}, reads_before
                after = {"page": "project", "path": path, "filters": {}}
                after_text = f'{{"page":"project","path":"{path}","filters":{{}}}}'
            else:
                amount = f"{int(draw() * 10**7) + 1}.00"
                before, before_text = writes_before, writes_before_text
                after = {"status": "approved", "amount": amount}
                after_text = f'{{"status":"approved","amount":"{amount}"}}'
            row = [
                seq,
                created,
                actor,
                names[actor],
                orgs[actor],
                verb,
                "projects.project",
                object_id,
                f"项目 {object_id}",
                before,
                after,
                "",
            ]
            digest = sha256(prev.encode() + _canonical_row(*row)).hexdigest()
            row[1], row[9], row[10] = created.isoformat(), before_text, after_text
            out.writerow([chain, *row, prev, digest])
            tails[chain] = (seq, digest)
        buffer.seek(0)
        began = time.perf_counter()
        with raw.cursor() as cursor:
            cursor.copy_expert(
                # the columns in core.audit's hashed order, between the chain and the links
                f"COPY core_auditevent (chain, {', '.join(HASHED)}, prev_hash, hash) "
                "FROM STDIN WITH (FORMAT csv, "
                "FORCE_NOT_NULL (actor_name, organisation_name, object_repr, comment))",
                buffer,
            )
        raw.commit()
        copying += time.perf_counter() - began
        made += size
    connection.close()
    done.put((made, copying))


def _drop_secondary_indexes() -> list[str]:
    """Drop the audit table's indexes that a build does not need (all but the primary key and
    (chain, seq)) and return their definitions: made once after a large COPY, they cost less
    than kept up row by row."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'core_auditevent'"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def build_events(
    n: int,
    *,
    days: int = 365,
    parts: int = 2,
    batch: int = 100_000,
    seed: int = 19,
    defer_indexes: bool | None = None,
) -> dict:
    """Append `n` events over the last `days` days with COPY, continuing every chain, spread
    over the write and read chains as record_event spreads a province's acts. `parts` processes
    (one per core) build the chains between them; each row is made and hashed as it streams out
    (the hash is core.audit's canonical one), so memory holds a batch, never the set."""
    from django.db import connection, connections

    from core.models import AuditEvent

    _people()
    if defer_indexes is None:
        defer_indexes = n >= 1_000_000
    # Within a chain time only grows (record_event takes it under the chain's lock): a build on
    # top of a last one starts after its newest event.
    now = datetime.now(UTC)
    newest = AuditEvent.objects.order_by("-id").values_list("created_at", flat=True).first()
    start = now - timedelta(days=days)
    if newest is not None:
        start = max(start, newest + timedelta(microseconds=1))
    step = (max(now, start + timedelta(microseconds=n)) - start) / max(n, 1)
    began = time.perf_counter()
    deferred = _drop_secondary_indexes() if defer_indexes else []
    connections.close_all()
    context = multiprocessing.get_context("fork")
    done = context.Queue()
    jobs = [
        context.Process(
            target=_build_part,
            args=(part, parts, n // parts + (part < n % parts), start, step, seed, batch, done),
        )
        for part in range(parts)
    ]
    for job in jobs:
        job.start()
    results = [done.get() for _ in jobs]
    for job in jobs:
        job.join()
    indexing = time.perf_counter()
    with connection.cursor() as cursor:
        for definition in deferred:
            cursor.execute(definition)
    indexing = time.perf_counter() - indexing
    seconds = time.perf_counter() - began
    made = sum(r[0] for r in results)
    return {
        "events": made,
        "copy_share": sum(r[1] for r in results) / ((seconds - indexing) * parts),
        "indexing_s": indexing,
        "seconds": seconds,
        "per_s": made / seconds,
        "full_scale_min": FULL_SCALE / (made / seconds) / 60,
    }


# --- (c) verifying -------------------------------------------------------------------------------


# Runs manage.py, then prints its peak RSS: VmHWM of its own memory (a child's rusage would
# count the copy of this process it was forked from).
_PEAK = (
    "import runpy, sys\n"
    "sys.argv = ['manage.py', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_path('manage.py', run_name='__main__')\n"
    "finally:\n"
    "    peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
    "    print('peak', int(peak.split()[1]), flush=True)\n"
)


def _manage(args: list[str], env: dict) -> dict:
    """A manage.py command as a child process: its wall time, peak RSS and last lines."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    lines = [line for line in done.stdout.splitlines() if " INFO " not in line]
    peak = [int(line.split()[1]) for line in lines if line.startswith("peak ")]
    return {
        "seconds": seconds,
        "rss_mb": (peak[-1] if peak else 0) / 1024,
        "ok": done.returncode == 0,
        "output": [line for line in lines if not line.startswith("peak ")][-4:],
    }


def verify_figures(*, after: int = 10_000) -> dict:
    """`verify_audit --full --sign` over everything: every event hashed again, then the finished
    days signed from that one pass (nothing was signed before); `after` more events; then
    `verify_audit`, which starts from the signed head. Each command a child process."""
    from django.conf import settings
    from django.db import connection

    from core.heads import new_private_text, verify_audit
    from core.models import AuditEvent, SignedAuditHead

    settings.AUDIT_SIGNING_KEY = settings.AUDIT_SIGNING_KEY or new_private_text()
    env = {
        **os.environ,
        "AUDIT_SIGNING_KEY": settings.AUDIT_SIGNING_KEY,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE core_auditevent")
    events = AuditEvent.objects.count()
    full = _manage(["verify_audit", "--full", "--sign"], env)
    build_events(after, days=0, seed=20)
    incremental = _manage(["verify_audit"], env)
    began = time.perf_counter()
    report = verify_audit()
    in_process = time.perf_counter() - began
    return {
        "events": events,
        "full": full,
        "full_per_s": events / full["seconds"],
        "full_scale_min": FULL_SCALE / (events / full["seconds"]) / 60,
        "signed_heads": SignedAuditHead.objects.count(),
        "after": after,
        "incremental": incremental,
        "incremental_in_process_s": in_process,
        "incremental_checked": report.checked,
        "incremental_ok": report.intact and report.since is not None,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the database of a last run")
    parser.add_argument("--only", choices=["append", "build", "verify"], default=None)
    args = parser.parse_args()

    exists = bench_django(DB_NAME, args.reuse)
    from django.core.management import call_command

    if not (args.reuse and exists):
        call_command("migrate", verbosity=0)
    ok = True
    if args.only in (None, "build"):
        b = build_events(args.events)
        print(
            f"build {b['events']:,} events with COPY in {b['seconds']:.0f} s: {b['per_s']:,.0f}/s "
            f"({b['copy_share']:.0%} of the builders' time in COPY, {b['indexing_s']:.0f} s "
            "indexing after); "
            f"{FULL_SCALE:,} would take {b['full_scale_min']:.0f} min"
        )
    if args.only in (None, "append"):
        runs = [(0, None, True), (args.readers, None, True), (0, 1, True), (0, None, False)]
        for readers, chains, threads in runs:
            r = append_rate(args.writers, readers, args.seconds, chains, threads)
            # The target is the writers' own; the other runs are there to compare
            judged = readers == 0 and chains is None and threads
            met = r["writes_per_s"] >= TARGET_APPEND and r["intact"]
            if judged:
                ok &= met
            print(
                f"append {r['writers']} writers + {r['readers']} readers "
                f"({'threads' if threads else 'processes'}), {r['chains']} write "
                f"chains: {r['writes_per_s']:7.0f} writes/s, {r['reads_per_s']:6.0f} reads/s "
                f"(p50 {r['write_p50_ms']:.1f} ms, p99 {r['write_p99_ms']:.1f} ms per write); "
                f"CPU per event {r['client_us']:.0f} us writer + {r['server_us']:.0f} us "
                f"database = {r['capacity_2_cores']:,.0f}/s on 2 free cores; "
                f"verified the {r['verified']} appended in {r['verify_s']:.1f} s, "
                f"{'intact' if r['intact'] else 'BROKEN'}"
                + (f" {'ok' if met else 'MISSED'} (>= {TARGET_APPEND}/s)" if judged else "")
            )
    if args.only in (None, "verify"):
        v = verify_figures()
        f, i = v["full"], v["incremental"]
        print(
            f"verify --full --sign {v['events']:,} events in {f['seconds']:.0f} s: "
            f"{v['full_per_s']:,.0f}/s, peak RSS {f['rss_mb']:.0f} MB "
            f"({'ok' if f['ok'] else 'FAILED'}); {FULL_SCALE:,} would take "
            f"{v['full_scale_min']:.0f} min"
        )
        print("  " + " | ".join(f["output"]))
        met = i["ok"] and v["incremental_ok"] and i["seconds"] <= TARGET_INCREMENTAL
        ok &= met and f["ok"]
        print(
            f"verify from the last signed head ({v['after']:,} events appended after it): "
            f"{i['seconds']:.1f} s for the command, {v['incremental_in_process_s']:.2f} s for "
            f"the check itself ({v['incremental_checked']:,} events hashed again), peak RSS "
            f"{i['rss_mb']:.0f} MB {'ok' if met else 'MISSED'} (<= {TARGET_INCREMENTAL:.0f} s)"
        )
        print("  " + " | ".join(i["output"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
