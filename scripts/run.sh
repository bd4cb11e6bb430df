#!/usr/bin/env bash
# Serve the app on http://127.0.0.1:8000 with demo data. With REDIS_URL set, a Celery worker
# and beat run beside it (without, tasks run eagerly in the web process).
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
$py manage.py migrate --noinput
$py manage.py seed_demo
pids=()
if [ -n "${REDIS_URL:-}" ]; then
  # one worker for every queue here (deployments give each queue its own: docker-compose.yml)
  .venv/bin/celery -A config worker --loglevel INFO --concurrency 2 -Q events,ratings,jobs,exports,documents & pids+=($!)
  .venv/bin/celery -A config beat --loglevel INFO --schedule /tmp/lingxing-beat-schedule & pids+=($!)
else
  # No beat without Redis: the nightly jobs run every night at 01:00 from here (seed_demo has
  # just run them once), so violations, credit and warnings keep moving (docs/architecture.md).
  $py manage.py run_jobs --loop & pids+=($!)
fi
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
echo "Open http://127.0.0.1:8000 — accounts street_zhenhai, dept_zjj, discipline, admin … password ${DEMO_PASSWORD:-licheng-demo-2025}"
$py manage.py runserver 127.0.0.1:8000
