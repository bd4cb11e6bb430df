"""Bench: recall and false flags of each anomaly rule of issue #18 on the labelled evaluation set
(tests/planted.py): planted cases that every list must name, and look-alikes beside them that it
must not. Prints one line per rule and the time each list takes on the set.

    .venv/bin/python bench/anomaly_eval.py

Runs on a fresh SQLite database of its own in a temporary folder (the rules are the same SQL on
PostgreSQL; the tests run them there). Targets (issue #18): recall 100%, false flags ≤ 5%."""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RECALL = 1.0
TARGET_FALSE = 0.05


def main() -> int:
    folder = tempfile.mkdtemp(prefix="lx-eval-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/eval.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.tests.factories import district
    from dashboards.anomalies import KINDS
    from projects.models import Project
    from projects.tests.factories import ensure_default_tier_policy
    from tests.planted import evaluate, plant

    ensure_default_tier_policy()
    cases = plant(district())
    figures = evaluate(cases)
    print(
        f"{'rule':22} {'planted':>7} {'found':>5} {'recall':>7} {'look-alikes':>11} "
        f"{'flagged':>7} {'false':>6} {'list ms':>8}"
    )
    ok = True
    for f in figures:
        started = time.perf_counter()
        KINDS[f.rule].rows(Project.objects.all())
        ms = (time.perf_counter() - started) * 1000
        good = f.recall >= TARGET_RECALL and f.false_flags <= TARGET_FALSE
        ok &= good
        print(
            f"{f.rule:22} {f.planted:7d} {f.found:5d} {f.recall:7.0%} {f.lookalikes:11d} "
            f"{f.flagged:7d} {f.false_flags:6.0%} {ms:8.1f}{'' if good else '  <- below target'}"
        )
    print(
        f"{len(cases)} cases over {len(figures)} rules; targets: recall {TARGET_RECALL:.0%}, "
        f"false flags ≤ {TARGET_FALSE:.0%}: {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
