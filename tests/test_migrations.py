"""Migrations that move data between apps keep every row."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("core", "0002_audit_append_only"), ("performance", "0001_initial")]
AFTER = [("core", "0003_outboxmessage"), ("performance", "0002_outbox_to_core")]


@pytest.mark.django_db(transaction=True)
def test_the_outbox_moves_to_core_with_its_rows_and_renamed_tasks():
    # given: the schema as it was, with a pending and a sent message
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("performance", "OutboxMessage")
    pending = old.objects.create(task="ratings.performance.tasks.risk_recompute", kwargs={"a": 1})
    other = old.objects.create(task="inspections.tasks.missing_patrol_days", kwargs={})

    # when
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    # then
    new = executor.loader.project_state(AFTER).apps.get_model("core", "OutboxMessage")
    rows = dict(new.objects.values_list("pk", "task"))
    assert rows == {
        pending.pk: "performance.tasks.risk_recompute",
        other.pk: "inspections.tasks.missing_patrol_days",
    }
    assert new.objects.get(pk=pending.pk).kwargs == {"a": 1}

    # and back again, so the reverse migration is honest too
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("performance", "OutboxMessage")
    assert old.objects.get(pk=pending.pk).task == "ratings.performance.tasks.risk_recompute"

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
