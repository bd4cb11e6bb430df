"""Bench: residents' rating submissions through gunicorn on PostgreSQL and Redis, from wrk on
127.0.0.1, next to a bare Django view that inserts one row, measured in the same run.

    .venv/bin/python bench/ratings.py [--seconds 20] [--connections 32] [--workers 5]

Needs PostgreSQL and Redis (DATABASE_URL's server, REDIS_URL; defaults: this machine's) and
wrk (Debian package). A Celery worker screens the ratings meanwhile, on the same two cores. Uses a database of its own (lingxing_bench_ratings, dropped after) and
Redis database 9. Target (issue #6): ≥ 500 ratings/s, p99 < 100 ms, ≥ 60% of the bare rate.
"""
import argparse
import os
import re
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



def wrk(url: str, seconds: int, connections: int, script: str | None = None) -> dict:
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
    return {"rate": rate, "p99_ms": float(p99.group(1)) * scale, "requests": total,
            "non_2xx": int(errors.group(1)) if errors else 0}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=5)
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/9"
    url = urlparse(server)
    database_url = f"{url.scheme}://{url.netloc}/{DB_NAME}"
    admin = admin_connection(server)
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DB_NAME}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.rating_settings",
           "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "TRUSTED_PROXY_HOPS": "1",
           "PYTHONPATH": str(ROOT)}
    gunicorn = worker = None
    try:
        print("setting up: migrate, seed_demo …", flush=True)
        subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([PY, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=True,
                       stdout=subprocess.DEVNULL)
        db = psycopg2.connect(database_url)
        db.autocommit = True
        with db.cursor() as cursor:
            cursor.execute("SELECT id, public_token FROM projects_project "
                           "WHERE status = 'completed' ORDER BY id LIMIT 1")
            project_id, token = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM ratings_rating")
            ratings_before = cursor.fetchone()[0]
        env["BENCH_PROJECT_ID"] = str(project_id)

        worker = None if os.environ.get("BENCH_NO_WORKER") else subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "--pool", "solo",
             "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=open("/tmp/bench-worker.log", "w"))
        port = free_port()
        gunicorn = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--bind",
             f"127.0.0.1:{port}", "--workers", str(args.workers), "--worker-class", "sync",
             "--access-logfile", "-", "--log-level", "warning", "--backlog", "2048"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open("/tmp/bench-gunicorn.log", "w"))
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

        # Warm both paths (connections, imports), then alternate: bare, rating, bare, rating.
        wrk(bare_url, 3, args.connections, script)
        wrk(rating_url, 3, args.connections, script)
        half = max(args.seconds // 2, 1)
        runs = {"bare": [], "rating": []}
        for _ in range(2):
            runs["bare"].append(wrk(bare_url, half, args.connections, script))
            runs["rating"].append(wrk(rating_url, half, args.connections, script))

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
            cursor.execute("SELECT count(*), count(*) FILTER (WHERE status = 'counted'), "
                           "count(*) FILTER (WHERE status = 'held') "
                           "FROM ratings_rating WHERE network <> 'bench'")
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
        return {"rate": sum(r["requests"] for r in results) / seconds,
                "p99_ms": max(r["p99_ms"] for r in results),
                "requests": sum(r["requests"] for r in results),
                "non_2xx": sum(r["non_2xx"] for r in results)}

    bare, rating = combine(runs["bare"]), combine(runs["rating"])
    share = rating["rate"] / bare["rate"]
    print(f"\nmachine: {os.cpu_count()} cores; gunicorn {args.workers} sync workers; wrk 2 threads, "
          f"{args.connections} connections, {args.seconds} s per endpoint (two alternating halves)")
    print(f"{'endpoint':<28}{'requests/s':>12}{'p99 ms':>10}{'requests':>10}{'non-2xx':>9}")
    for name, r in (("bare insert view", bare), ("rating API", rating)):
        print(f"{name:<28}{r['rate']:>12.0f}{r['p99_ms']:>10.1f}{r['requests']:>10}"
              f"{r['non_2xx']:>9}")
    print(f"rating rows stored: {stored - ratings_before} (then screened: {counted} counted, "
          f"{held} held; {pending} still pending {drained:.1f} s after the load stopped); "
          f"rating rate / bare rate: {share:.0%}")
    checks = {"≥ 500 ratings/s": rating["rate"] >= 500, "p99 < 100 ms": rating["p99_ms"] < 100,
              "≥ 60% of bare": share >= 0.6,
              "every request stored and screened": rating["non_2xx"] == 0
              and stored - ratings_before >= rating["requests"] and pending == 0}
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
