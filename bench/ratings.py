"""Bench: residents' rating submissions through gunicorn on PostgreSQL and Redis, from wrk on
127.0.0.1, next to a bare Django view that inserts one row, measured in the same run.

    .venv/bin/python bench/ratings.py [--seconds 40] [--rounds 8] [--connections 16]
                                      [--workers N] [--threads N]   (default: config/gunicorn.py)

Needs PostgreSQL and Redis (DATABASE_URL's server, REDIS_URL; defaults: this machine's) and
wrk (Debian package). A Celery worker screens the ratings meanwhile, on the same two cores. Uses a database of its own (lingxing_bench_ratings, dropped after) and
Redis database 9. Target (issue #6): ≥ 500 ratings/s, p99 < 100 ms, ≥ 60% of the bare rate.
"""

import argparse
import os
import re
import resource
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
from pgadmin import admin_connection  # bench/ is the script's folder on sys.path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
DB_NAME = "lingxing_bench_ratings"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


GROUPS = {
    "gunicorn": "gunicorn",
    "celery": "celery worker",
    "postgres": "PostgreSQL",
    "redis-server": "Redis",
}


def cpu_seconds() -> dict[int, tuple[str, float]]:
    """CPU time (user + system) used so far by each process of the groups above."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        for marker, group in GROUPS.items():
            if marker in name or (marker in ("gunicorn", "celery") and marker in cmdline):
                used[int(stat.parent.name)] = (group, (int(fields[11]) + int(fields[12])) / tick)
                break
    return used


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """Per group, the CPU time its processes used between the two readings (a process that
    ended meanwhile is not counted; one that started is counted whole)."""
    used = dict.fromkeys(GROUPS.values(), 0.0)
    for pid, (group, seconds) in after.items():
        used[group] += seconds - before.get(pid, (group, 0.0))[1]
    return used


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(url: str, seconds: int, connections: int, script: str | None = None) -> dict:
    before, wrk_before = cpu_seconds(), children_cpu()
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Requests/sec:      0" in out:
        print(f"wrk {url}:\n{out}", file=sys.stderr)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    after, wrk_cpu = cpu_seconds(), children_cpu() - wrk_before
    # (percentile, microseconds) from the script's done(): the upper part of the distribution
    table = [(float(p), int(us)) for p, us in re.findall(r"^P ([\d.]+) (\d+)$", out, re.M)]
    return {
        "rate": rate,
        "p99_ms": float(p99.group(1)) * scale,
        "requests": total,
        "latency": table,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "cpu": {**cpu_used(before, after), "wrk": wrk_cpu},
    }


def share_within(table: list[tuple[float, int]], micros: float) -> float:
    """The fraction of one turn's requests answered within `micros`, read off its percentile
    table (linear between the points; below the first point, its percentile)."""
    below = (0.0, 0)
    for percent, value in table:
        if micros < value:
            if value == below[1]:
                return below[0] / 100
            return (
                below[0] + (percent - below[0]) * (micros - below[1]) / (value - below[1])
            ) / 100
        below = (percent, value)
    return 1.0


def merged_p99_ms(results: list[dict]) -> float:
    """The 99th percentile over every request of the turns together: the least latency within
    which 99% of all of them were answered."""
    total = sum(r["requests"] for r in results)

    def enough(micros: float) -> bool:
        return (
            sum(r["requests"] * share_within(r["latency"], micros) for r in results) >= 0.99 * total
        )

    low, high = 0.0, float(max(value for r in results for _, value in r["latency"]))
    while high - low > 10:  # microseconds
        middle = (low + high) / 2
        low, high = (low, middle) if enough(middle) else (middle, high)
    return high / 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument(
        "--rounds",
        type=int,
        default=8,
        help="alternations of the two endpoints (the machine's speed drifts)",
    )
    served = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))  # as deployed
    parser.add_argument(
        "--connections",
        type=int,
        default=16,
        help="kept-alive connections, as from the proxy; more than the "
        "server's threads keeps every one of them busy",
    )
    parser.add_argument("--workers", type=int, default=served["workers"])
    parser.add_argument("--threads", type=int, default=served["threads"])
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/9"
    url = urlparse(server)
    database_url = f"{url.scheme}://{url.netloc}/{DB_NAME}"
    admin = admin_connection(server)
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DB_NAME}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.rating_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXY_HOPS": "1",
        "PYTHONPATH": str(ROOT),
    }
    gunicorn = worker = None
    try:
        print("setting up: migrate, seed_demo …", flush=True)
        subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [PY, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        subprocess.run(
            ["redis-cli", "-u", redis_url, "flushdb"], check=True, stdout=subprocess.DEVNULL
        )
        db = psycopg2.connect(database_url)
        db.autocommit = True
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT id, public_token FROM projects_project "
                "WHERE status = 'completed' ORDER BY id LIMIT 1"
            )
            project_id, token = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM ratings_rating")
            ratings_before = cursor.fetchone()[0]
        env["BENCH_PROJECT_ID"] = str(project_id)

        worker = (
            None
            if os.environ.get("BENCH_NO_WORKER")
            else subprocess.Popen(
                [
                    str(ROOT / ".venv" / "bin" / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    "ratings,events",  # the screening's queue, and what follows a write
                    "--pool",
                    "solo",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel",
                    "INFO",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open("/tmp/bench-worker.log", "w"),
            )
        )
        port = free_port()
        gunicorn = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "-c",
                "config/gunicorn.py",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
                "--backlog",
                "2048",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open("/tmp/bench-gunicorn.log", "w"),
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        bare_url = f"{base}/bench/{os.environ.get('BENCH_BARE', 'bare')}/"
        rating_url = f"{base}/api/v1/public/projects/{token}/ratings/"
        script = str(ROOT / "bench" / "ratings.lua")

        # Warm both paths (connections, imports), then alternate in short turns: bare, rating,
        # bare, rating… so that both see the same machine.
        wrk(bare_url, 3, args.connections, script)
        wrk(rating_url, 3, args.connections, script)
        turn = max(args.seconds // args.rounds, 1)
        runs = {"bare": [], "rating": []}
        for _ in range(args.rounds):
            runs["bare"].append(wrk(bare_url, turn, args.connections, script))
            runs["rating"].append(wrk(rating_url, turn, args.connections, script))

        # Let the worker screen what is left, then count.
        pending_query = "SELECT count(*) FROM ratings_rating WHERE status = 'pending'"
        drain_start = time.monotonic()
        with db.cursor() as cursor:
            while time.monotonic() - drain_start < 60:
                cursor.execute(pending_query)
                if cursor.fetchone()[0] == 0:
                    break
                time.sleep(0.5)
            drained = time.monotonic() - drain_start
            cursor.execute(pending_query)
            pending = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE status = 'counted'), "
                "count(*) FILTER (WHERE status = 'held') "
                "FROM ratings_rating WHERE network <> 'bench'"
            )
            stored, counted, held = cursor.fetchone()
        db.close()
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        admin.close()
        subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], stdout=subprocess.DEVNULL)

    def combine(results):
        seconds = sum(r["requests"] / r["rate"] for r in results)
        return {
            "rate": sum(r["requests"] for r in results) / seconds,
            "p99_ms": merged_p99_ms(results),
            "worst_turn_p99_ms": max(r["p99_ms"] for r in results),
            "requests": sum(r["requests"] for r in results),
            "non_2xx": sum(r["non_2xx"] for r in results),
            "cpu": {group: sum(r["cpu"][group] for r in results) for group in results[0]["cpu"]},
        }

    bare, rating = combine(runs["bare"]), combine(runs["rating"])
    share = rating["rate"] / bare["rate"]
    print(
        f"\nmachine: {os.cpu_count()} cores; gunicorn (config/gunicorn.py) {args.workers} "
        f"{served['worker_class']} workers × {args.threads} threads; wrk 2 threads, "
        f"{args.connections} connections, {args.seconds} s per endpoint in {args.rounds} "
        "alternating turns; p99 over all the turns' requests"
    )
    print(
        f"{'endpoint':<20}{'requests/s':>12}{'p99 ms':>8}{'worst turn p99':>16}"
        f"{'requests':>10}{'non-2xx':>9}"
    )
    for name, r in (("bare insert view", bare), ("rating API", rating)):
        print(
            f"{name:<20}{r['rate']:>12.0f}{r['p99_ms']:>8.1f}{r['worst_turn_p99_ms']:>16.1f}"
            f"{r['requests']:>10}{r['non_2xx']:>9}"
        )
    print(
        "CPU milliseconds per request: "
        + "; ".join(
            f"{name}: "
            + ", ".join(
                f"{group} {seconds * 1000 / r['requests']:.2f}"
                for group, seconds in r["cpu"].items()
            )
            for name, r in (("bare", bare), ("rating", rating))
        )
    )
    print(
        f"rating rows stored: {stored - ratings_before} (then screened: {counted} counted, "
        f"{held} held; {pending} still pending {drained:.1f} s after the load stopped); "
        f"rating rate / bare rate: {share:.0%}"
    )
    checks = {
        "≥ 500 ratings/s": rating["rate"] >= 500,
        "p99 < 100 ms": rating["p99_ms"] < 100,
        "≥ 60% of bare": share >= 0.6,
        "every request stored and screened": rating["non_2xx"] == 0
        and stored - ratings_before >= rating["requests"]
        and pending == 0,
    }
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
