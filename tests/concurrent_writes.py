"""Sixteen requests of each kind at the same moment against a fresh database, as a separate
process (its own settings: the embedded default's SQLite file, or a PostgreSQL database): run by
tests/test_concurrent_writes.py, prints one JSON line with the status codes and what was stored.

    DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m tests.concurrent_writes
"""

import json
import os
import threading
import uuid
from collections import Counter

N = 16


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    from accounts.tests.factories import district
    from approvals import services as approvals
    from projects.models import Project
    from projects.tests.factories import ensure_default_tier_policy
    from ratings.models import Report
    from tests.funds_helpers import under_way

    ensure_default_tier_policy()
    d = district()
    site, contractor = under_way(d, progress="20")
    done, done_by = under_way(d, progress="100")
    approvals.project_transition(actor=done_by, project_id=done.pk, name="declare_complete")
    start = threading.Barrier(N * 4)
    statuses: Counter = Counter()
    lock = threading.Lock()
    key = str(uuid.uuid4())  # every progress send carries the same key: one entry, 15 replays

    def run(kind: str, n: int) -> None:
        from django.db import connection

        client = Client(REMOTE_ADDR=f"10.9.{n}.1", HTTP_HOST="localhost")
        if kind == "create":
            client.force_login(d.street_zhenhai)
        elif kind == "progress":
            client.force_login(contractor)
        start.wait()
        try:
            if kind == "create":
                data = {
                    "name": f"同时申报{n}",
                    "category": "road",
                    "project_class": "C",
                    "budget_amount": "38000",
                    "address": "荔城区镇海街道",
                    "latitude": "25.431000",
                    "longitude": "119.007000",
                    "planned_start": "2027-01-04",
                    "planned_end": "2027-02-26",
                    "description": "",
                    "attachment_kind": "application",
                }
                response = client.post(reverse("projects:create"), data)
            elif kind == "report":
                response = client.post(
                    reverse("ratings:report", args=[done.public_token]),
                    {"text": f"第{n}位居民：路面开裂", "contact": ""},
                )
            elif kind == "progress":
                response = client.post(
                    reverse("api-progress", args=[site.pk]),
                    {"percent": "35", "text": "基层完成", "client_key": key},
                    content_type="application/json",
                )
            else:  # reads while the writes go on
                response = client.get(reverse("ratings:public", args=[done.public_token]))
            code: int | str = response.status_code
        except Exception as exc:  # a 500 raised through the test client
            code = f"raised {type(exc).__name__}: {exc}"[:200]
        finally:
            connection.close()
        with lock:
            statuses[f"{kind}:{code}"] += 1

    threads = [
        threading.Thread(target=run, args=(kind, n))
        for kind in ("create", "report", "progress", "read")
        for n in range(N)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    from inspections.models import ProgressReport

    print(
        json.dumps(
            {
                "statuses": dict(statuses),
                "created": Project.objects.filter(name__startswith="同时申报").count(),
                "reports": Report.objects.filter(project=done).count(),
                "progress_entries": ProgressReport.objects.filter(project=site).count(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
