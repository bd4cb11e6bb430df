"""Two payment requests at the same moment on one contract cannot together pass a limit."""

import threading

import pytest
from django.db import connections

from core.errors import ApplicationError
from projects.models import Payment
from projects.services import payment_request
from tests.funds_helpers import under_way


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_simultaneous_requests_cannot_together_exceed_the_progress_limit(district, attempt):
    project, contractor = under_way(district, progress="40")  # limit 40,000
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def request():
        try:
            barrier.wait()
            payment_request(
                actor=contractor, project_id=project.pk, stage="progress", amount="30000"
            )
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.extra["rule"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ok", "progress_limit"]
    assert list(Payment.objects.values_list("amount", flat=True)) == [30000]
