"""Run a scenario module in a process of its own, with its own settings in the environment, and
read what it printed last: one JSON line (tests/concurrent_writes.py, tests/replica_scenario.py,
inspections/tests/sqlite_near_duplicates.py)."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_scenario(
    module: str,
    env: dict[str, str],
    *,
    timeout: float = 600,
    logs: Callable[[], str] = str,
    inherit: bool = True,
) -> dict:
    """`python -m module` from the repository's root with `env` over this process's
    environment (`env` alone without `inherit`); fails with its last error lines (and `logs()`)
    unless it exits 0."""
    done = subprocess.run(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env={**os.environ, **env} if inherit else env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-4000:] + logs()
    return json.loads(done.stdout.strip().splitlines()[-1])
