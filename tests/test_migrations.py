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


V_BEFORE = [("projects", "0015_project_design_unit"), ("accounts", "0006_villages")]
V_AFTER = [("projects", "0016_villages")]


@pytest.mark.django_db(transaction=True)
def test_free_text_villages_become_villages_of_their_street():
    from datetime import date

    # given: two streets whose C类 decisions name "文献社区", and a company already named "凤山村"
    executor = MigrationExecutor(connection)
    executor.migrate(V_BEFORE)
    old = executor.loader.project_state(V_BEFORE).apps
    Organisation = old.get_model("accounts", "Organisation")
    User = old.get_model("accounts", "User")
    Project = old.get_model("projects", "Project")
    Decision = old.get_model("projects", "VillageDecision")
    zhenhai = Organisation.objects.create(name="镇海街道", kind="street")
    gongchen = Organisation.objects.create(name="拱辰街道", kind="street")
    Organisation.objects.create(name="凤山村", kind="department")
    filer = User.objects.create(username="s", organisation=zhenhai, role="street_staff")
    policy = old.get_model("projects", "TierPolicy").objects.create(
        effective_from=date(2000, 1, 1),
        general_from=50000,
        major_from=500000,
        scope_ceiling=5000000,
    )
    day = date(2026, 10, 1)

    def decided(street, village, n):
        project = Project.objects.create(
            name=f"p{n}",
            street=street,
            address="荔城区",
            category="road",
            budget_amount=30000,
            tier="simple",
            tier_policy=policy,
            public_token=f"t{n}",
            created_by=filer,
        )
        Decision.objects.create(
            project=project,
            village=village,
            proposal="x",
            proposed_on=day,
            discussed_on=day,
            party_meeting_on=day,
            party_attended=1,
            party_total=1,
            resolved_on=day,
            reps_attended=1,
            reps_total=1,
            votes_for=1,
            decision_published_on=day,
            decision_photo="village/a.png",
            recorded_by=filer,
        )
        return project.pk

    ids = [
        decided(zhenhai, "文献社区", 1),
        decided(zhenhai, " 文献社区 ", 2),
        decided(gongchen, "文献社区", 3),
        decided(zhenhai, "凤山村", 4),
    ]

    # when
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(V_AFTER)

    # then: one village per street and name, the clash with another organisation told apart
    new = executor.loader.project_state(V_AFTER).apps
    Project = new.get_model("projects", "Project")
    Decision = new.get_model("projects", "VillageDecision")
    villages = {
        pk: (Project.objects.get(pk=pk).village.name, Project.objects.get(pk=pk).village.parent_id)
        for pk in ids
    }
    assert villages == {
        ids[0]: ("文献社区", zhenhai.pk),
        ids[1]: ("文献社区", zhenhai.pk),
        ids[2]: ("拱辰街道文献社区", gongchen.pk),
        ids[3]: ("镇海街道凤山村", zhenhai.pk),
    }
    assert all(
        d.village_id == Project.objects.get(pk=d.project_id).village_id
        for d in Decision.objects.all()
    )

    # and back again: the names return as text
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("projects", "0014_class_duties")])
    Decision = executor.loader.project_state([("projects", "0014_class_duties")]).apps.get_model(
        "projects", "VillageDecision"
    )
    assert sorted(Decision.objects.values_list("village", flat=True)) == [
        "拱辰街道文献社区",
        "文献社区",
        "文献社区",
        "镇海街道凤山村",
    ]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
