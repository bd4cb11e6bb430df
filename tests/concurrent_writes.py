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
KINDS = ("create", "report", "progress", "read", "file", "decide")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    from django.contrib.messages import get_messages
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from accounts.tests.factories import district
    from approvals import routes
    from approvals import services as approvals
    from approvals.events import ApprovalEvents
    from core.models import AuditEvent
    from projects.events import ProjectEvents
    from projects.models import Contract, Project, ProjectAttachment
    from projects.tests.factories import apart, ensure_default_tier_policy, make_project
    from ratings.models import Report
    from tests.funds_helpers import under_way

    ensure_default_tier_policy()
    d = district()
    site, contractor = under_way(d, progress="20")
    done, done_by = under_way(d, progress="100")
    approvals.project_transition(actor=done_by, project_id=done.pk, name="declare_complete")
    draft = make_project(d.street_zhenhai, **apart(7))
    changed, _changed_by = under_way(d, progress="")
    change = approvals.change_request(
        actor=d.street_zhenhai, project_id=changed.pk, amount_delta="5000", reason="路面加宽"
    )
    decider = User.objects.get(role=routes.route_for(changed.tier).concluded_by)
    start = threading.Barrier(N * len(KINDS))
    statuses: Counter = Counter()
    messages: Counter = Counter()
    lock = threading.Lock()
    key = str(uuid.uuid4())  # every progress send carries the same key: one entry, 15 replays

    def run(kind: str, n: int) -> None:
        from django.db import connection

        client = Client(REMOTE_ADDR=f"10.9.{n}.1", HTTP_HOST="localhost")
        if kind == "create":
            client.force_login(d.street_zhenhai)
        elif kind == "progress":
            client.force_login(contractor)
        elif kind == "file":
            client.force_login(d.street_zhenhai)
        elif kind == "decide":
            client.force_login(decider)
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
                    "attachments": SimpleUploadedFile(
                        f"申请书{n}.pdf", b"%PDF-1.4 concurrent", "application/pdf"
                    ),
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
            elif kind == "file":  # one draft filed sixteen times at once by its filer
                response = client.post(
                    reverse("approvals:transition", args=[draft.pk, "file"]), {"comment": ""}
                )
            elif kind == "decide":  # one change approved sixteen times at once
                response = client.post(
                    reverse("approvals:change_decide", args=[changed.pk, change.pk]),
                    {"decision": "approve", "comment": ""},
                )
            else:  # reads while the writes go on
                response = client.get(reverse("ratings:public", args=[done.public_token]))
            code: int | str = response.status_code
            if kind in ("file", "decide"):  # the answer the user reads on the next page
                told = [m.level_tag for m in get_messages(response.wsgi_request)]
                with lock:
                    messages[f"{kind}:{'/'.join(told)}"] += 1
        except Exception as exc:  # a 500 raised through the test client
            code = f"raised {type(exc).__name__}: {exc}"[:200]
        finally:
            connection.close()
        with lock:
            statuses[f"{kind}:{code}"] += 1

    threads = [threading.Thread(target=run, args=(kind, n)) for kind in KINDS for n in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    from inspections.models import ProgressReport

    print(
        json.dumps(
            {
                "statuses": dict(statuses),
                "messages": dict(messages),
                "created": Project.objects.filter(name__startswith="同时申报").count(),
                "reports": Report.objects.filter(project=done).count(),
                "progress_entries": ProgressReport.objects.filter(project=site).count(),
                "attachments": ProjectAttachment.objects.filter(
                    project__name__startswith="同时申报"
                ).count(),
                "filed": Project.objects.get(pk=draft.pk).status,
                "file_events": AuditEvent.objects.filter(
                    object_id=str(draft.pk), verb=ProjectEvents.FILE
                ).count(),
                "changes_total": str(Contract.objects.get(project=changed).approved_changes_total),
                "change_events": AuditEvent.objects.filter(
                    object_id=str(changed.pk), verb=ApprovalEvents.CHANGE_DECIDED
                ).count(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
