"""Projects and village decisions point at a village (村/社区) organisation instead of naming it
in free text (docs/village-supervision.md): each distinct name of a street's decisions becomes
one village under that street, the decision and its project point to it."""

import django.db.models.deletion
from django.db import migrations, models


def villages_from_names(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    VillageDecision = apps.get_model("projects", "VillageDecision")
    Project = apps.get_model("projects", "Project")
    for decision in VillageDecision.objects.select_related("project__street"):
        street = decision.project.street
        name = (decision.village_name or "").strip() or "未命名村（社区）"
        village = Organisation.objects.filter(kind="village", parent=street, name=name).first()
        if village is None:
            # Organisation names are unique across the district: a name another street (or
            # another kind of organisation) holds is told apart by the street's name.
            if Organisation.objects.filter(name=name).exists():
                name = f"{street.name}{name}"[:200]
            village = Organisation.objects.filter(kind="village", parent=street, name=name).first()
            if village is None:
                village = Organisation.objects.create(name=name, kind="village", parent=street)
        decision.village = village
        decision.save(update_fields=["village"])
        Project.objects.filter(pk=decision.project_id).update(village=village)
    _fire_deferred_checks(schema_editor)


def _fire_deferred_checks(schema_editor):
    # PostgreSQL defers the foreign-key checks of the rows written above to the end of the
    # transaction; the columns altered next cannot be while checks are pending.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def names_from_villages(apps, schema_editor):
    VillageDecision = apps.get_model("projects", "VillageDecision")
    for decision in VillageDecision.objects.select_related("village"):
        decision.village_name = decision.village.name[:100]
        decision.save(update_fields=["village_name"])
    _fire_deferred_checks(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_villages"),
        ("projects", "0015_project_design_unit"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="village",
            field=models.ForeignKey(
                blank=True,
                limit_choices_to={"kind": "village"},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="village_projects",
                to="accounts.organisation",
                verbose_name="村/社区",
            ),
        ),
        migrations.RenameField(
            model_name="villagedecision", old_name="village", new_name="village_name"
        ),
        migrations.AddField(
            model_name="villagedecision",
            name="village",
            field=models.ForeignKey(
                null=True,
                limit_choices_to={"kind": "village"},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="village_decisions",
                to="accounts.organisation",
                verbose_name="村（社区）",
            ),
        ),
        migrations.RunPython(villages_from_names, names_from_villages),
        # With a default, so that going back adds the text column to the rows before the
        # names are written into it again.
        migrations.AlterField(
            model_name="villagedecision",
            name="village_name",
            field=models.CharField(default="", max_length=100, verbose_name="村（社区）"),
        ),
        migrations.RemoveField(model_name="villagedecision", name="village_name"),
        migrations.AlterField(
            model_name="villagedecision",
            name="village",
            field=models.ForeignKey(
                limit_choices_to={"kind": "village"},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="village_decisions",
                to="accounts.organisation",
                verbose_name="村（社区）",
            ),
        ),
    ]
