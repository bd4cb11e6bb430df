"""The job producer of the fault tests, a process of its own: enqueue jobs through the
transactional outbox (core.outbox) at a steady pace, riding out a database that
goes away (retry the transaction) and a broker that goes away (the row stays; the relay sends
it), then relay until every row is sent.

    python -m tests.faults.producer COUNT [--hold JOB=SECONDS] [--pace SECONDS]
"""

import argparse
import os
import time
from datetime import timedelta


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("--hold", default="")
    parser.add_argument("--pace", type=float, default=0.05)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.settings")
    import django

    django.setup()
    from django.db import InterfaceError, OperationalError, connection, transaction

    from core.models import OutboxMessage
    from core.outbox import enqueue, relay

    held = dict(h.split("=") for h in args.hold.split(",") if h)

    def retrying(action):
        while True:
            try:
                return action()
            except (OperationalError, InterfaceError):
                connection.close()
                time.sleep(0.2)

    def one(job_id):
        with transaction.atomic():
            enqueue(
                "tests.faults.fault_tasks.apply_job", job_id=job_id, hold=float(held.get(job_id, 0))
            )

    for n in range(args.count):
        retrying(lambda n=n: one(f"job-{n:03d}"))
        time.sleep(args.pace)
    while retrying(lambda: OutboxMessage.objects.filter(sent_at__isnull=True).exists()):
        retrying(lambda: relay(older_than=timedelta(0)))
        time.sleep(0.5)
    print("producer: all sent", flush=True)


if __name__ == "__main__":
    main()
