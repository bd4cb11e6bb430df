"""A real Celery worker in a child process, for the tests that need one (one queue, solo pool)."""

import subprocess
import sys

from django.conf import settings


def start_worker(queue: str, env: dict[str, str], **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("--pool", "solo", "--concurrency", "1", "-Q", queue),
            *("--without-gossip", "--without-mingle", "--loglevel", "INFO", "-n", f"{queue}@%h"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **popen,
    )
